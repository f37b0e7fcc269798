"""Profiles and projects for tests, built the way a clinician would write them."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
from pathlib import Path

from generator.profile import Clinician, Profile

ROOT = Path(__file__).resolve().parents[1]
PROTOCOL_ID = "femoral-neck-stress-fracture"
TODAY = dt.date(2026, 11, 23)

BASE = Profile(
    id="test-athlete", name="Test Athlete", protocol=PROTOCOL_ID, side="left",
    diagnosed=dt.date(2026, 9, 1), severity="moderate", severity_stated="moderate",
    injury={"mri_grade": None, "fracture_side": "compression", "fracture_line_percent": None,
            "displaced": False, "hip_effusion": False},
    history={"prior_bone_stress_injuries": 0, "risk_factors": ()}, goal_weekly_minutes=None,
    clinician=Clinician(name="Dr Test"), notes="",
)


def make_profile(**changes) -> Profile:
    """BASE with changes; the protocol's injury and history fields are named directly:
    make_profile(mri_grade=4, risk_factors=("low_bmi",))."""
    if "severity" in changes and "severity_stated" not in changes:
        changes["severity_stated"] = changes["severity"]
    for section in ("injury", "history"):
        fields = dict(changes.get(section, getattr(BASE, section)))
        for name in list(changes):
            if name in fields:
                fields[name] = changes.pop(name)
        changes[section] = fields
    return dataclasses.replace(BASE, **changes)


def plain_injury(protocol) -> dict:
    """Injury fields for a protocol that meet none of its referral rules: each field's
    default, else its first value (the lowest of a range), else the next that does."""
    injury: dict = {}
    for name, spec in protocol.injury_fields.items():
        choices = list(spec.values) if spec.type == "choice" else (
            list(range(int(spec.range[0]), int(spec.range[1]) + 1)) if spec.type == "int"
            and spec.range else [spec.default])
        if spec.default is not None or not spec.required:
            choices = [spec.default] + [c for c in choices if c != spec.default]
        for value in choices:
            injury[name] = value
            if not any(rule.matches(injury) for rule in protocol.referral):
                break
    return injury


def profile_for(protocol, **changes) -> Profile:
    """make_profile for any protocol: its own injury fields, with no referral."""
    injury = {**plain_injury(protocol), **changes.pop("injury", {})}
    return make_profile(protocol=protocol.id, injury=injury, **changes)


PROFILE_YAML = """\
name: Test Athlete
injury:
  protocol: femoral-neck-stress-fracture
  side: left
  diagnosed: 2026-09-01
  severity: moderate
  fracture_side: compression
history:
  prior_bone_stress_injuries: 0
  risk_factors: []
clinician:
  name: Dr Test
  phone: "+1 555 0100"
notes: |
  Keep it **pain-free**.
"""


def copy_project(target: Path, with_examples: bool = True) -> Path:
    """A scratch copy of the project's content, templates and (optionally) example plans."""
    for name in ("content", "templates"):
        shutil.copytree(ROOT / name, target / name)
    if with_examples:
        shutil.copytree(ROOT / "plans", target / "plans")
    else:
        (target / "plans").mkdir()
    return target
