"""Profiles that are absurd or hostile: huge lists, control characters, dates far off.
Each is one clear problem naming the field, found quickly (bench/profile_check.py times it)."""

from __future__ import annotations

import pytest
from factories import PROFILE_YAML, TODAY

from generator.errors import InputError
from generator.profile import load_profile
from generator.yamlsource import PROFILE_MAX_NODES


@pytest.fixture
def problems(tmp_path, protocols):
    """Every problem `rehab check` prints for a profile, without the file name."""
    def check(text: str) -> list[str]:
        path = tmp_path / "test-athlete.yaml"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(InputError) as caught:
            load_profile(path, protocols, TODAY)
        return [str(p).removeprefix(f"{path}:") for p in caught.value.problems]
    return check


def with_history(risk_factors: str) -> str:
    return PROFILE_YAML.replace("  risk_factors: []", f"  risk_factors: [{risk_factors}]")


def test_tens_of_thousands_of_risk_factors_are_one_problem(problems):
    [problem] = problems(with_history(", ".join(["x"] * 45_000)))  # 135 KB
    assert problem.startswith("10:")
    assert problem.split(": ", 1)[1] == (
        f"holds more than {PROFILE_MAX_NODES:,} values; the rest was not read "
        "(is a list pasted many times over?)")


def test_a_long_list_under_the_value_limit_is_one_problem_too(problems):
    assert problems(with_history(", ".join(["low_bmi"] * 1_500))) == [
        "10:3: history.risk_factors: has 1,500 items; the limit is 1,000"]


def test_more_than_500_progress_events_is_one_problem(problems):
    events = "".join("  - {date: 2026-10-01, event: setback}\n" for _ in range(501))
    assert problems(PROFILE_YAML + "progress:\n" + events) == [
        "16:1: progress: has 501 items; the limit is 500"]


# --- control characters ----------------------------------------------------------------------

@pytest.mark.parametrize("escape, code", [
    ("\\0", "0000"), ("\\e", "001B"), ("\\v", "000B"), ("\\f", "000C"), ("\\r", "000D"),
    ("\\x7f", "007F"), ("\\x9b", "009B"), ("\\a", "0007"),
])
def test_a_control_character_in_typed_text_is_refused_naming_the_field(problems, escape, code):
    text = PROFILE_YAML.replace("name: Test Athlete", f'name: "Test{escape}Athlete"')
    assert problems(text) == [
        f"1:1: name: contains a control character (U+{code}) at character 5; text may hold "
        "only tabs and line breaks (delete it; in quotes, YAML reads escapes such as \\e or "
        "\\x07 as control characters)"]


def test_control_characters_are_found_in_every_typed_field(problems):
    text = (PROFILE_YAML.replace('phone: "+1 555 0100"', 'phone: "\\e]0;x\\a"')
            .replace("notes: |\n  Keep it **pain-free**.", 'notes: "Keep it\\x9b pain-free"')
            + 'progress:\n  - {date: 2026-10-01, event: setback, note: "a\\0b"}\n')
    fields = [p.split(": ")[1] for p in problems(text)]
    assert fields == ["clinician.phone", "notes", "progress[0].note"]


def test_tabs_and_line_breaks_are_text(problems, tmp_path, protocols):
    path = tmp_path / "test-athlete.yaml"
    path.write_text(PROFILE_YAML.replace("  Keep it **pain-free**.",
                                         "  Keep it\tpain-free.\n\n  Twice a day."))
    assert load_profile(path, protocols, TODAY).notes == "Keep it\tpain-free.\n\nTwice a day.\n"


# --- dates -----------------------------------------------------------------------------------

@pytest.mark.parametrize("field, replace, expected", [
    ("injury.diagnosed", ("diagnosed: 2026-09-01", "diagnosed: 0026-09-01"),
     "5:3: injury.diagnosed: 0026-09-01 is not between 1900 and 2100 (check the year)"),
    ("injury.diagnosed", ("diagnosed: 2026-09-01", "diagnosed: 1899-12-31"),
     "5:3: injury.diagnosed: 1899-12-31 is not between 1900 and 2100 (check the year)"),
])
def test_a_date_outside_1900_to_2100_is_a_typo_named_by_its_field(problems, field, replace,
                                                                 expected):
    assert problems(PROFILE_YAML.replace(*replace)) == [expected]


def test_progress_dates_are_held_to_the_window_too(problems):
    text = PROFILE_YAML + ("progress:\n  - {date: 2026-10-01, event: pause, until: 9999-12-31}\n"
                           "  - {date: 0026-10-02, event: setback}\n")
    assert problems(text) == [
        "17:38: progress[0].until: 9999-12-31 is not between 1900 and 2100 (check the year)",
        "18:6: progress[1].date: 0026-10-02 is not between 1900 and 2100 (check the year)"]
