"""plans/<id>.yaml -> Profile: the protocol's own fields, defaults, and the severity."""

from __future__ import annotations

import pytest
from factories import PROFILE_YAML, TODAY

from generator.errors import InputError
from generator.profile import load_profile


def load(tmp_path, protocols, text, athlete="test-athlete"):
    path = tmp_path / f"{athlete}.yaml"
    path.write_text(text, encoding="utf-8")
    return load_profile(path, protocols, TODAY)


def messages(tmp_path, protocols, text):
    with pytest.raises(InputError) as caught:
        load(tmp_path, protocols, text)
    return [f"{p.field}: {p.message}" for p in caught.value.problems]


def test_the_protocols_fields_are_read_with_their_defaults(tmp_path, protocols):
    profile = load(tmp_path, protocols, PROFILE_YAML)
    assert profile.injury == {"mri_grade": None, "fracture_side": "compression",
                              "fracture_line_percent": None, "displaced": False,
                              "hip_effusion": False}
    assert profile.history == {"prior_bone_stress_injuries": 0, "risk_factors": ()}
    assert (profile.severity, profile.severity_stated) == ("moderate", "moderate")


def test_an_injury_field_with_a_severity_map_gives_the_severity(tmp_path, protocols):
    text = PROFILE_YAML.replace("  severity: moderate\n", "  mri_grade: 4\n")
    profile = load(tmp_path, protocols, text)
    assert (profile.severity, profile.severity_stated, profile.injury["mri_grade"]) == (
        "severe", None, 4)


def test_without_severity_or_a_field_that_gives_one_the_profile_says_what_is_needed(
        tmp_path, protocols):
    text = PROFILE_YAML.replace("  severity: moderate\n", "")
    assert messages(tmp_path, protocols, text) == ["injury: needs either 'severity' or "
                                                   "'mri_grade'"]


def test_choices_typed_with_capitals_are_read_as_the_protocol_writes_them(tmp_path, protocols):
    """A clinician types `side: Left`, `severity: Moderate`: meant as written, stored as the
    protocol spells them (the plan, its page and plan.json say "left", "moderate")."""
    text = PROFILE_YAML.replace("side: left", "side: Left").replace(
        "severity: moderate", "severity: Moderate").replace(
        "fracture_side: compression", "fracture_side: COMPRESSION").replace(
        "risk_factors: []", "risk_factors: [Low_BMI, late_menarche]") + "paper: A4\n"
    profile = load(tmp_path, protocols, text)
    assert (profile.side, profile.severity, profile.severity_stated, profile.paper) == (
        "left", "moderate", "moderate", "a4")
    assert profile.injury["fracture_side"] == "compression"
    assert profile.history["risk_factors"] == ("low_bmi", "late_menarche")
    # the same factor twice, whatever its capitals, is still listed twice
    twice = PROFILE_YAML.replace("risk_factors: []", "risk_factors: [low_bmi, Low_BMI]")
    assert messages(tmp_path, protocols, twice) == [
        "history.risk_factors[1]: 'low_bmi' is listed twice"]


def test_field_values_are_checked_against_the_declaration(tmp_path, protocols):
    text = PROFILE_YAML.replace("  fracture_side: compression\n",
                                "  fracture_side: lateral\n  displaced: maybe\n")
    assert messages(tmp_path, protocols, text) == [
        "injury.fracture_side: 'lateral' is not allowed; expected one of compression, tension, "
        "unknown",
        "injury.displaced: expected true or false, got 'maybe'",
    ]


def test_an_unknown_protocol_is_the_one_problem_reported_for_the_injury(tmp_path, protocols):
    # the injury fields of a protocol that is not known are not guessed at
    text = PROFILE_YAML.replace("femoral-neck-stress-fracture", "femoral-neck")
    text = text.replace("  severity: moderate\n", "  severity: moderate\n  site: shaft\n")
    assert messages(tmp_path, protocols, text) == [
        "injury.protocol: unknown protocol 'femoral-neck'"]


def test_a_date_that_cannot_be_read_is_listed_with_every_other_problem(tmp_path, protocols):
    """An impossible date used to be the only problem printed for its file (the others came
    one build later); it is not reported empty as well."""
    text = (PROFILE_YAML.replace("diagnosed: 2026-09-01", "diagnosed: 2026-09-31")
            .replace("side: left", "side: lft") + "histroy: []\n")
    found = messages(tmp_path, protocols, text)
    assert any("'2026-09-31' is not a real calendar date" in m for m in found)
    assert any("'lft' is not allowed" in m for m in found)
    assert any("unknown field 'histroy'" in m for m in found)
    assert len([m for m in found if m.startswith("injury.diagnosed:")]) == 1, found
