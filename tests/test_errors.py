"""Errors a clinician can act on: file, line, column, field, expectation, a fix; no traceback."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from factories import PROFILE_YAML, TODAY

from generator.errors import InputError
from generator.profile import load_profile

PROTOCOL_FILE = Path("content/femoral-neck-stress-fracture/protocol.yaml")


def profile_problems(tmp_path, protocols, text: str | bytes, today: dt.date = TODAY) -> list:
    path = tmp_path / "plans" / "test-athlete.yaml"
    path.parent.mkdir(exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_profile(path, protocols, today)
    return list(caught.value.problems)


def rendered(problems) -> list[str]:
    return [str(p)[len(p.file):].lstrip(":").strip() for p in problems]  # without the file


def test_the_valid_factory_profile_loads(tmp_path, protocols):
    path = tmp_path / "test-athlete.yaml"
    path.write_text(PROFILE_YAML)
    assert load_profile(path, protocols, TODAY).name == "Test Athlete"


def test_a_misspelt_key_gets_a_suggestion_and_the_real_key_is_missing(tmp_path, protocols):
    text = PROFILE_YAML.replace("  diagnosed:", "  diagnsed:")
    assert rendered(profile_problems(tmp_path, protocols, text)) == [
        "2:1: injury.diagnosed: is missing; expected a date (YYYY-MM-DD) "
        "(the day the plan's clock starts)",
        "5:3: injury.diagnsed: unknown field 'diagnsed' (did you mean 'diagnosed'?)",
    ]


def test_all_problems_in_a_file_are_reported_together_in_line_order(tmp_path, protocols):
    text = (
        "name: A\n"
        "injury:\n"
        "  protocol: femoral-neck-stress-fracture\n"
        "  side: lft\n"
        "  diagnosed: 2026-09-01\n"
        "  severity: mlid\n"
        "  mri_grade: 7\n"
        "history:\n"
        "  prior_bone_stress_injuries: many\n"
        "  risk_factors: [low_energy_availabilty]\n"
        "goal: {weekly_running_minutes: 5}\n"
        "clinican: {name: Dr A}\n"
    )
    assert rendered(profile_problems(tmp_path, protocols, text)) == [
        "2:1: injury.fracture_side: is missing; expected one of compression, tension, unknown",
        "4:3: injury.side: 'lft' is not allowed; expected one of left, right "
        "(did you mean 'left'?)",
        "6:3: injury.severity: 'mlid' is not allowed; expected one of mild, moderate, severe "
        "(did you mean 'mild'?)",
        "7:3: injury.mri_grade: 7 is above the maximum of 4",
        "9:3: history.prior_bone_stress_injuries: expected a whole number, got 'many'",
        "10:18: history.risk_factors[0]: 'low_energy_availabilty' is not allowed; expected "
        "one of low_energy_availability, menstrual_dysfunction, low_bone_density, low_bmi, "
        "late_menarche (did you mean 'low_energy_availability'?)",
        "11:8: goal.weekly_running_minutes: 5 minutes a week is outside the protocol's hard "
        "safety limits of 30-600 (hard_limits.goal) (a clinician may leave the usual range, "
        "never these)",
        "12:1: clinican: unknown field 'clinican' (did you mean 'clinician'?)",
    ]


@pytest.mark.parametrize(("text", "expected"), [
    ("- a\n- b\n", "1:1: a profile must be a set of fields (key: value lines) "
                   "(run `rehab new ID` for a commented starter)"),
    ("just words\n", "1:1: a profile must be a set of fields (key: value lines) "
                     "(run `rehab new ID` for a commented starter)"),
    ("", "the file is empty (run `rehab new ID` for a starter)"),
    ("name: [A\n", "2:1: this is not valid YAML: expected ',' or ']', but got '<stream end>' "
                   "(while parsing a flow sequence at line 1, column 7; check indentation, and "
                   "quote text that contains ': ' or starts with a symbol)"),
])
def test_files_that_are_not_a_profile(tmp_path, protocols, text, expected):
    assert rendered(profile_problems(tmp_path, protocols, text)) == [expected]


def test_a_key_written_twice_is_named_at_its_second_line(tmp_path, protocols):
    line = PROFILE_YAML.count("\n") + 1
    assert rendered(profile_problems(tmp_path, protocols, PROFILE_YAML + "name: B\n")) == [
        f"{line}:1: name: 'name' is written twice (keep one of them)"]


def test_missing_required_fields_are_each_named(tmp_path, protocols):
    assert rendered(profile_problems(tmp_path, protocols, "injury:\n  side: left\n")) == [
        "1:1: name: is missing; expected text (the athlete's name)",
        "1:1: injury.protocol: is missing; expected text (known: femoral-neck-stress-fracture, "
        "metatarsal-bone-stress-injury, tibial-bone-stress-injury)",
        "1:1: injury.diagnosed: is missing; expected a date (YYYY-MM-DD) "
        "(the day the plan's clock starts)",
    ]


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("name: Test Athlete", "name: [Test, Athlete]", "1:1: name: expected text, got a list"),
    ("name: Test Athlete", "name: ''", "1:1: name: is empty; expected text"),
    ("side: left", "side: true", "4:3: injury.side: 'True' is not allowed; expected one of "
                                 "left, right"),
    ("diagnosed: 2026-09-01", "diagnosed: September", "5:3: injury.diagnosed: expected a date "
                                                      "(YYYY-MM-DD), got 'September'"),
    ("diagnosed: 2026-09-01", "diagnosed: 2026-02-30", "5:14: injury.diagnosed: '2026-02-30' is "
                                                       "not a real calendar date (use YYYY-MM-DD)"),
    ("prior_bone_stress_injuries: 0", "prior_bone_stress_injuries: -1",
     "9:3: history.prior_bone_stress_injuries: -1 is below the minimum of 0"),
    ("prior_bone_stress_injuries: 0", "prior_bone_stress_injuries: 2.5",
     "9:3: history.prior_bone_stress_injuries: expected a whole number, got the number 2.5"),
    ("severity: moderate", "severity: moderate\n  fracture_line_percent: .nan",
     "7:3: injury.fracture_line_percent: expected a number, got nan"),
    ("severity: moderate", "severity: moderate\n  displaced: maybe",
     "7:3: injury.displaced: expected true or false, got 'maybe'"),
    ("risk_factors: []", "risk_factors: low_bmi",
     "10:3: history.risk_factors: expected a list, got 'low_bmi' "
     "(write items on lines starting with '- ', or as [a, b])"),
    ("protocol: femoral-neck-stress-fracture", "protocol: femoral-neck",
     "3:3: injury.protocol: unknown protocol 'femoral-neck' "
     "(did you mean 'femoral-neck-stress-fracture'?)"),
    ("protocol: femoral-neck-stress-fracture", "protocol: ../../etc",
     "3:3: injury.protocol: unknown protocol '../../etc' (known: femoral-neck-stress-fracture, "
     "metatarsal-bone-stress-injury, tibial-bone-stress-injury)"),
    ("severity: moderate", "severity: moderate\n  mri_grade: 5",
     "7:3: injury.mri_grade: 5 is above the maximum of 4"),
    ("notes: |", "notes: !!binary |",
     "14:1: notes: expected text, got binary data"),
])
def test_wrong_values_name_the_field_and_what_was_expected(tmp_path, protocols, old, new,
                                                          expected):
    assert old in PROFILE_YAML
    text = PROFILE_YAML.replace(old, new)
    if "!!binary" in new:
        text = text.replace("Keep it **pain-free**.", "aGVsbG8=")
    assert expected in rendered(profile_problems(tmp_path, protocols, text))


def test_a_diagnosis_after_today_is_refused(tmp_path, protocols):
    assert rendered(profile_problems(tmp_path, protocols, PROFILE_YAML,
                                     today=dt.date(2026, 8, 1))) == [
        "5:3: injury.diagnosed: 2026-09-01 is after today (2026-08-01) "
        "(check the year, or pass --today)",
    ]


def test_severity_or_grade_is_needed(tmp_path, protocols):
    text = PROFILE_YAML.replace("  severity: moderate\n", "")
    assert rendered(profile_problems(tmp_path, protocols, text)) == [
        "2:1: injury: needs either 'severity' or 'mri_grade' "
        "(severity: mild | moderate | severe, or mri_grade: 1-4)",
    ]


def test_an_overlong_name_is_refused(tmp_path, protocols):
    text = PROFILE_YAML.replace("Test Athlete", "A" * 500)
    assert rendered(profile_problems(tmp_path, protocols, text)) == [
        "1:1: name: is 500 characters long; the limit is 120"]


# --- through the command line ------------------------------------------------------------


def test_build_reports_each_broken_profile_and_builds_the_others(project):
    project.write_profile("good", PROFILE_YAML)
    project.write_profile("typo", PROFILE_YAML.replace("side: left", "sied: left"))
    project.write_profile("empty", "")
    project.write_profile("binary", b"\x00\x01\x02")
    result = project.rehab("build", "--no-pdf")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "   built  good -> site/" in result.stdout
    assert "plans/typo.yaml:4:3: injury.sied: unknown field 'sied' (did you mean 'side'?)" \
        in result.stderr
    assert "plans/empty.yaml: the file is empty" in result.stderr
    assert "plans/binary.yaml: this is not a text file" in result.stderr
    assert result.stdout.endswith("1 built, 3 failed, 0 need referral\n"
                                  "  failed: binary, empty, typo\n")


def test_check_exit_codes(project):
    project.write_profile("good", PROFILE_YAML)
    assert project.rehab("check").exit_code == 0
    project.write_profile("bad", "name: [\n")
    result = project.rehab("check")
    assert result.exit_code == 1
    assert "plans/bad.yaml:2:1: this is not valid YAML" in result.stderr
    assert not project.site.exists()  # check writes nothing


@pytest.mark.parametrize("args", [
    ("build", "../secrets"), ("build", "/etc/passwd"), ("check", "Jordan"),
    ("plan", "../../x"), ("link", "a/b"), ("build", "--today", "2026-02-30"),
])
def test_a_wrong_command_line_is_exit_2_without_traceback(project, args):
    result = project.rehab(*args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output


def test_plan_of_a_missing_profile(project):
    result = project.rehab("plan", "nobody")
    assert result.exit_code == 1
    assert result.stderr == ("error: plans/nobody.yaml: profile not found "
                             "(create it with `rehab new nobody`)\n")


def test_a_missing_plans_folder(project):
    result = project.rehab("build", "--plans", "nowhere")
    assert result.exit_code == 1
    assert "error: nowhere: plans folder not found" in result.stderr


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(path: Path, text: str) -> int:
    """1-based line of the first occurrence: tests stay true when the content is edited."""
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def test_a_strength_stage_without_exercises_is_a_content_error(project):
    project.write_profile("good", PROFILE_YAML)
    line = line_of(project.root / PROTOCOL_FILE, "exercises: [squat_bodyweight,")
    edit(project.root / PROTOCOL_FILE,
         "exercises: [squat_bodyweight, hip_hinge_bodyweight, heel_raise_double, bridge_double, "
         "side_plank_modified]", "exercises: []")
    result = project.rehab("build", "--no-pdf")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert (f"error: {PROTOCOL_FILE}:{line}:9: phases[3].sessions[0].exercises: "
            "a strength session needs at least one exercise") in result.stderr
    assert not project.site.exists()


def test_an_unknown_exercise_is_a_content_error_with_its_line(project):
    line = line_of(project.root / PROTOCOL_FILE, "exercises: [squat_bodyweight,")
    edit(project.root / PROTOCOL_FILE, "exercises: [squat_bodyweight,",
         "exercises: [squat_bodywieght,")
    result = project.rehab("check")
    assert result.exit_code == 1
    assert (f"error: {PROTOCOL_FILE}:{line}:21: phases[3].sessions[0].exercises[0]: "
            "unknown exercise 'squat_bodywieght' (add it to exercises.yaml)") in result.stderr


def test_every_content_problem_comes_at_once(project):
    path = project.root / PROTOCOL_FILE
    edit(path, "exercises: [squat_bodyweight,", "exercises: [squat_bodywieght,")
    edit(path, "  - id: strength_stage_1\n", "  - id: strength_stage_1\n    colour: red\n")
    result = project.rehab("check")
    assert result.exit_code == 1
    assert "phases[3].colour: unknown field 'colour'" in result.stderr


def test_a_template_syntax_error_names_the_file_and_line(project):
    partial = project.root / "templates" / "partials" / "sessions.html"
    lines = partial.read_text().splitlines(keepends=True)
    lines[2] = "{% if %}\n"
    partial.write_text("".join(lines))
    project.write_profile("good", PROFILE_YAML)
    result = project.rehab("build", "--no-pdf")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert result.stderr == ("error: templates/partials/sessions.html:3: template error: "
                             "Expected an expression, got 'end of statement block'\n")


def test_a_template_naming_an_unknown_value_names_the_file_and_line(project):
    line = line_of(project.root / "templates" / "plan.html", "<h1>{{ plan.athlete_name }}</h1>")
    edit(project.root / "templates" / "plan.html", "<h1>{{ plan.athlete_name }}</h1>",
         "<h1>{{ plan.athlete_nme }}</h1>")
    project.write_profile("good", PROFILE_YAML)
    result = project.rehab("build", "--no-pdf")
    assert result.exit_code == 1
    assert (f"templates/plan.html:{line}: template error: 'generator.plan.Plan object' has no "
            "attribute 'athlete_nme'") in result.stderr


def crash(*args, **kwargs):
    raise ZeroDivisionError("a bug")


def test_an_internal_error_is_one_line_unless_debug(project, monkeypatch):
    project.write_profile("good", PROFILE_YAML)
    project.write_profile("other", PROFILE_YAML)
    monkeypatch.setattr("generator.build.schedule", crash)
    result = project.rehab("build", "--no-pdf")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert ("plans/good.yaml: internal error: ZeroDivisionError: a bug (a bug in rehab, not in "
            "the profile; rerun with --debug and report it)") in result.stderr
    debug = project.rehab("--debug", "build", "--no-pdf")
    assert debug.exit_code == 1
    assert debug.stderr.count("Traceback (most recent call last)") == 2
    assert 'raise ZeroDivisionError("a bug")' in debug.stderr


def test_an_internal_error_outside_any_athlete(project, monkeypatch):
    project.write_profile("good", PROFILE_YAML)
    monkeypatch.setattr("generator.load.load_protocols", crash)
    result = project.rehab("check")
    assert result.exit_code == 1
    assert result.stderr == "internal error: ZeroDivisionError: a bug (rerun with --debug)\n"
    assert "Traceback" in project.rehab("--debug", "check").stderr


def test_no_traceback_for_an_unreadable_profile(project, monkeypatch):
    project.write_profile("locked", PROFILE_YAML)
    real_open = open

    def refuse(path, *args, **kwargs):
        if str(path).endswith("locked.yaml"):
            raise PermissionError(13, "Permission denied")
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr("builtins.open", refuse)
    result = project.rehab("check")
    assert result.exit_code == 1
    assert result.stderr == (
        "  failed  locked:\n"
        "          plans/locked.yaml: cannot read the file: Permission denied\n")
