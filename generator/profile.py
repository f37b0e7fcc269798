"""plans/<id>.yaml -> a validated, typed Profile. Every problem in the file is reported at once."""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass
from pathlib import Path

from generator.errors import InputError
from generator.protocol import Protocol
from generator.schema import Field, validate
from generator.yamlsource import load

ID_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")

_text = Field("text", max_length=200)
PROFILE_SCHEMA = Field("section", fields={
    "name": Field("text", required=True, max_length=120, doc="the athlete's name"),
    "injury": Field("section", required=True, fields={
        "protocol": Field("text", required=True, doc="e.g. femoral-neck-stress-fracture"),
        "side": Field("choice", required=True, choices=("left", "right")),
        "diagnosed": Field("date", required=True, doc="the day the plan's clock starts"),
        "severity": Field("text", max_length=40),
        "mri_grade": Field("int", minimum=1, maximum=4),
        "fracture_side": Field("choice", choices=("compression", "tension"),
                               default="compression"),
        "fracture_line_percent": Field("number", minimum=0, maximum=100),
        "displaced": Field("bool", default=False),
        "hip_effusion": Field("bool", default=False),
    }),
    "history": Field("section", fields={
        "prior_bone_stress_injuries": Field("int", default=0, minimum=0, maximum=50),
        "risk_factors": Field("list", unique=True, items=Field("text", max_length=60)),
    }),
    "goal": Field("section", fields={
        "weekly_running_minutes": Field("int", minimum=30, maximum=900),
    }),
    "clinician": Field("section", fields={
        "name": _text, "clinic": _text, "phone": Field("text", max_length=40),
        "email": Field("text", max_length=120),
    }),
    "notes": Field("text", max_length=20_000),
    "paper": Field("choice", choices=("a4", "letter"), doc="the handout's paper size"),
})


@dataclass(frozen=True)
class Clinician:
    name: str = ""
    clinic: str = ""
    phone: str = ""
    email: str = ""


@dataclass(frozen=True)
class Profile:
    id: str
    name: str
    protocol: str
    side: str
    diagnosed: dt.date
    severity: str  # resolved: stated, or from the MRI grade
    severity_stated: str | None
    mri_grade: int | None
    fracture_side: str
    fracture_line_percent: float | None
    displaced: bool
    hip_effusion: bool
    prior_bone_stress_injuries: int
    risk_factors: tuple[str, ...]
    goal_weekly_minutes: int | None
    clinician: Clinician
    notes: str  # Markdown, typed by the clinician
    paper: str | None = None  # a4 | letter; None: the build's --paper


def profile_id(path: Path) -> str:
    return path.stem


def check_id(path: Path) -> None:
    if not ID_PATTERN.match(path.stem):
        raise InputError.single(
            str(path), f"'{path.stem}' is not a valid athlete id",
            hint="file names are lowercase letters, digits and hyphens, e.g. jordan-lee.yaml",
        )


def load_profile(path: Path, protocols: dict[str, Protocol], today: dt.date) -> Profile:
    """Read and validate one profile; raises InputError listing every problem in it."""
    check_id(path)
    doc = load(path)
    if not isinstance(doc.value, dict):
        raise InputError([doc.problem((), "a profile must be a set of fields (key: value lines)",
                                      hint="run `rehab new ID` for a commented starter")])
    raw, problems = validate(doc, PROFILE_SCHEMA)
    injury, history = raw["injury"], raw["history"]

    protocol = protocols.get(injury["protocol"]) if injury["protocol"] else None
    if injury["protocol"] and protocol is None:
        close = difflib.get_close_matches(injury["protocol"], list(protocols), n=1)
        problems.append(doc.problem(
            ("injury", "protocol"), f"unknown protocol '{injury['protocol']}'",
            hint=f"did you mean '{close[0]}'?" if close else "known: " + ", ".join(protocols)))

    severity = injury["severity"]
    if protocol:
        levels = protocol.severity_levels
        if severity is not None and severity not in levels:
            close = difflib.get_close_matches(severity, levels, n=1)
            problems.append(doc.problem(
                ("injury", "severity"), f"'{severity}' is not allowed; expected one of "
                + ", ".join(levels), hint=f"did you mean '{close[0]}'?" if close else ""))
        if severity is None and injury["mri_grade"] is None and ("injury",) in doc.locations:
            problems.append(doc.problem(
                ("injury",), "needs either 'severity' or 'mri_grade'",
                hint=f"severity: {' | '.join(levels)}, or mri_grade: 1-4"))
        for i, factor in enumerate(history["risk_factors"]):
            if factor is not None and factor not in protocol.risk_factors:
                close = difflib.get_close_matches(factor, list(protocol.risk_factors), n=1)
                problems.append(doc.problem(
                    ("history", "risk_factors", i), f"unknown risk factor '{factor}'",
                    hint=f"did you mean '{close[0]}'?" if close else
                    "known: " + ", ".join(protocol.risk_factors)))

    diagnosed = injury["diagnosed"]
    if diagnosed is not None and diagnosed > today:
        problems.append(doc.problem(
            ("injury", "diagnosed"), f"{diagnosed.isoformat()} is after today "
            f"({today.isoformat()})", hint="check the year, or pass --today"))
    if problems:
        raise InputError(problems)

    from_grade = protocol.mri_grade.get(injury["mri_grade"]) if injury["mri_grade"] else None
    if injury["mri_grade"] and from_grade is None:
        message = f"grade {injury['mri_grade']} is not known to this protocol"
        raise InputError([doc.problem(("injury", "mri_grade"), message)])
    clinician = raw["clinician"]
    return Profile(
        id=profile_id(path),
        name=raw["name"].strip(),
        protocol=protocol.id,
        side=injury["side"],
        diagnosed=diagnosed,
        severity=severity or from_grade,
        severity_stated=severity,
        mri_grade=injury["mri_grade"],
        fracture_side=injury["fracture_side"],
        fracture_line_percent=injury["fracture_line_percent"],
        displaced=injury["displaced"],
        hip_effusion=injury["hip_effusion"],
        prior_bone_stress_injuries=history["prior_bone_stress_injuries"],
        risk_factors=tuple(history["risk_factors"]),
        goal_weekly_minutes=raw["goal"]["weekly_running_minutes"],
        clinician=Clinician(**{k: (v or "").strip() for k, v in clinician.items()}),
        notes=raw["notes"] or "",
        paper=raw["paper"],
    )

