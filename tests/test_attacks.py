"""The attack run of issue 15, case by case (R1-R13), through the `rehab` command: each case
gives a clear error naming what is wrong, or correct output; never a traceback, never an
"internal error", never a raw escape sequence on the terminal. (Crash and kill cases: in
test_write.py and test_workers.py; the preview server: test_serve.py.)"""

from __future__ import annotations

import pytest
from factories import PROFILE_YAML

ESC = "\x1b"
OSC_TITLE = '"\\e]0;pwned\\a"'  # YAML's escapes for ESC ] 0 ; pwned BEL: retitles a terminal


def clean(result) -> str:
    """Everything printed, which must be free of raw control characters."""
    text = result.stdout + result.stderr
    assert ESC not in text and "\x07" not in text and "\x9b" not in text
    assert "internal error" not in text and "Traceback" not in text
    return text


# R5: control characters -------------------------------------------------------------------

@pytest.mark.parametrize("line, shown", [
    ("name: Test Athlete", "1:1: name: contains a control character (U+001B) at character 1"),
    ("  name: Dr Test", "12:3: clinician.name: contains a control character (U+001B)"),
    ("  side: left", "4:3: injury.side: '\\x1b]0;pwned\\x07' is not allowed"),
])
def test_r5_typed_escape_sequences_never_reach_the_files_or_the_terminal(project, line, shown):
    project.write_profile("ann", PROFILE_YAML.replace(line, line.split(": ")[0] + ": "
                                                      + OSC_TITLE))
    result = project.rehab("build", "--no-pdf")
    assert result.exit_code == 1
    assert shown in clean(result)
    assert not any(project.site.rglob("index.html"))


def test_r5_a_file_name_with_an_escape_sequence_is_printed_escaped(project):
    project.write_profile(f"{ESC}]0;pwned\x07", PROFILE_YAML)
    result = project.rehab("build", "--no-pdf")
    assert result.exit_code == 1
    assert "\\x1b]0;pwned\\x07.yaml" in clean(result)


def test_r5_an_id_typed_on_the_command_line_is_printed_escaped(project):
    result = project.rehab("build", f"{ESC}[31mred")
    assert result.exit_code == 2
    assert "'\\x1b[31mred' is not an athlete id" in clean(result)


# R6: dates --------------------------------------------------------------------------------

def test_r6_a_year_typo_is_an_error_not_a_calendar_of_two_digit_years(project):
    project.write_profile("ann", PROFILE_YAML.replace("2026-09-01", "0026-09-01"))
    result = project.rehab("build", "--no-pdf")
    assert result.exit_code == 1
    assert "injury.diagnosed: 0026-09-01 is not between 1900 and 2100 (check the year)" \
        in clean(result)


@pytest.mark.parametrize("today", ["9999-12-31", "0001-01-01", "2101-01-01"])
def test_r6_a_today_far_off_is_a_usage_error(project, today):
    project.write_profile("ann", PROFILE_YAML)
    result = project.rehab("build", "--no-pdf", "--today", today)
    assert result.exit_code == 2
    assert f"{today} is not between 1900 and 2100; check the year" in clean(result)


# R11: ids -----------------------------------------------------------------------------------

@pytest.mark.parametrize("command", ["new", "build", "link", "plan"])
def test_r11_an_id_ending_in_a_newline_is_refused(project, command):
    result = project.rehab(command, "x\n")
    assert result.exit_code == 2
    assert "'x\n' is not an athlete id" in clean(result)
    assert list(project.plans.iterdir()) == []


# R12: huge lists ----------------------------------------------------------------------------

def test_r12_45000_risk_factors_are_one_clear_error(project):
    project.write_profile("ann", PROFILE_YAML.replace(
        "risk_factors: []", "risk_factors: [" + ", ".join(["x"] * 45_000) + "]"))  # 135 KB
    result = project.rehab("check")
    assert result.exit_code == 1
    assert "plans/ann.yaml:10:" in clean(result)
    assert "holds more than 10,000 values; the rest was not read" in result.stderr
    assert len(result.stderr.splitlines()) == 2  # the athlete, the one problem
