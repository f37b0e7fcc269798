"""Protocol content: validated on load, tunable by a clinician, extensible without Python."""

from __future__ import annotations

import json
import re
import shutil

import pytest
from factories import ROOT, TODAY, make_profile

from generator.errors import InputError
from generator.protocol import load_protocol, load_protocols
from generator.schedule import schedule

SOURCE = ROOT / "content" / "femoral-neck-stress-fracture"


@pytest.fixture
def editable(tmp_path):
    """A copy of the protocol folder a test may edit."""
    folder = tmp_path / "content" / "femoral-neck-stress-fracture"
    shutil.copytree(SOURCE, folder)
    return folder


def edit(folder, old, new, name="protocol.yaml"):
    path = folder / name
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def problems(folder):
    with pytest.raises(InputError) as caught:
        load_protocol(folder)
    return [str(p) for p in caught.value.problems]


def test_the_shipped_protocol_loads_with_every_exercise(protocol):
    assert [p.strength_stage for p in protocol.phases if p.kind == "fixed" and
            p.strength_stage] == [1, 2, 3, 4, 5, 6]
    used = {e for p in protocol.phases for s in p.sessions for e in s.exercises}
    assert used <= set(protocol.exercises)
    for exercise in protocol.exercises.values():
        assert exercise.name and exercise.dose and exercise.how and exercise.cues
    assert {"pain_rule", "red_flags", "disclaimer"} <= set(protocol.text)


def test_a_clinician_can_tune_a_duration(editable):
    edit(editable, "weeks: {mild: [6, 7, 8]", "weeks: {mild: [7, 7, 8]")
    protocol = load_protocol(editable)
    profile = make_profile(severity="mild")
    plan = schedule(profile, protocol, profile.diagnosed)  # made on the day: nothing waits
    assert sum(w.phase == "non_weight_bearing" for w in plan.weeks) == 7


def test_a_table_that_shortens_the_plan_for_more_history_is_refused(editable):
    edit(editable, "weeks: {mild: [6, 7, 8]", "weeks: {mild: [8, 7, 6]")
    assert any("more history must never mean fewer weeks" in p for p in problems(editable))


def test_a_table_that_shortens_the_plan_for_more_severity_is_refused(editable):
    edit(editable, "moderate: [7, 8, 8], severe: [12, 13, 14]",
         "moderate: [7, 8, 8], severe: [6, 6, 6]")
    found = problems(editable)
    assert any("severe injury must never get fewer weeks" in p for p in found)
    assert any("outside the protocol's limits 12-14" in p for p in found)


def test_errors_name_the_file_line_and_field(editable):
    edit(editable, "exercises: [squat_bodyweight,", "exercises: [squat_bodyweigth,")
    found = problems(editable)
    assert len(found) == 1
    assert "protocol.yaml:" in found[0]
    assert "unknown exercise 'squat_bodyweigth'" in found[0]
    assert "phases[3].sessions[0].exercises[0]" in found[0]


def test_a_strength_stage_without_exercises_is_refused(editable):
    edit(editable, "exercises: [goblet_squat, romanian_deadlift, heel_raise_double_weighted, "
         "bridge_double_weighted, split_squat, side_plank_modified]", "exercises: []")
    assert any("needs at least one exercise" in p for p in problems(editable))


def test_a_missing_text_file_is_reported(editable):
    (editable / "text" / "red-flags.md").unlink()
    assert any("text/red-flags.md' not found" in p for p in problems(editable))


def test_a_second_protocol_needs_no_python(tmp_path, editable):
    second = editable.parent / "tibial-stress-fracture"
    shutil.copytree(editable, second)
    edit(second, "id: femoral-neck-stress-fracture", "id: tibial-stress-fracture")
    edit(second, "title: Femoral neck stress fracture", "title: Tibial stress fracture")
    edit(second, "walk_run_min_weeks: 12", "walk_run_min_weeks: 14")
    protocols = load_protocols(editable.parent)
    assert set(protocols) == {"femoral-neck-stress-fracture", "tibial-stress-fracture"}
    plan = schedule(make_profile(protocol="tibial-stress-fracture", severity="mild"),
                    protocols["tibial-stress-fracture"], TODAY)
    first_run = next(w for w in plan.weeks if w.walk_run)
    assert (first_run.start - plan.diagnosed).days >= 14 * 7
    assert plan.protocol_title == "Tibial stress fracture"


# --- a protocol declares its injury --------------------------------------------------

TOY = ROOT / "tests" / "protocols" / "metatarsal-stress-fracture"
TOY_PROFILE = """\
name: Toy Runner
injury:
  protocol: metatarsal-stress-fracture
  side: right
  diagnosed: 2026-09-01
  severity: high_risk
  site: {site}
history:
  previous_foot_fractures: true
"""


@pytest.fixture
def toy_project(project):
    """A project whose only protocol is the toy metatarsal one kept in tests/protocols."""
    shutil.rmtree(project.root / "content")
    shutil.copytree(TOY, project.root / "content" / TOY.name)
    return project


def test_a_protocol_with_other_injury_fields_builds_a_plan(toy_project):
    toy_project.write_profile("toy-runner", TOY_PROFILE.format(site="second_shaft"))
    result = toy_project.rehab("build", "--no-pdf")
    assert result.exit_code == 0, result.output
    folder = toy_project.folder("toy-runner")
    data = json.loads((folder / "plan.json").read_text())
    assert data["injury"]["site"] == "second_shaft"
    assert [p["id"] for p in data["phases"]] == ["walking_boot", "foot_strength", "walk_run",
                                                 "running"]
    first_run = next(w for w in data["weeks"] if w["walk_run"])
    assert first_run["start"] >= "2026-10-13"  # the toy's own floor: 6 weeks
    assert "Bone: second_shaft" in (folder / "index.html").read_text()


def test_the_toy_protocols_referral_rule_withholds_the_plan(toy_project):
    toy_project.write_profile("toy-runner", TOY_PROFILE.format(site="fifth_base"))
    result = toy_project.rehab("build", "--no-pdf")
    assert result.exit_code == 1
    assert "REFERRAL toy-runner" in result.output
    assert "fifth metatarsal" in result.output


def test_a_profile_field_of_another_protocol_is_an_unknown_field(toy_project):
    text = TOY_PROFILE.format(site="second_shaft") .replace(
        "  site: second_shaft\n", "  site: second_shaft\n  mri_grade: 3\n")
    toy_project.write_profile("toy-runner", text)
    result = toy_project.rehab("check")
    assert result.exit_code == 1
    assert "toy-runner.yaml:8:3: injury.mri_grade: unknown field 'mri_grade'" in result.output


def test_a_rule_naming_an_unknown_field_is_a_content_error_at_its_line(editable):
    edit(editable, "  - when: {hip_effusion: true}", "  - when: {hip_efusion: true}")
    found = problems(editable)
    assert len(found) == 1
    assert found[0].startswith(f"{editable / 'protocol.yaml'}:")
    assert "review_flags[1].when.hip_efusion: unknown field 'hip_efusion' " \
           "(did you mean 'hip_effusion'?)" in found[0]


@pytest.mark.parametrize("old, new, message", [
    ("{fracture_side: tension}", "{fracture_side: tensile}",
     "referral[0].when.fracture_side: 'tensile' is not a value of 'fracture_side'"),
    ("{fracture_line_percent: {at_least: 50}}", "{fracture_line_percent: {at_least: high}}",
     "referral[1].when.fracture_line_percent: 'high' is not a number"),
    ("{displaced: true}", "{displaced: {at_least: 1}}",
     "referral[2].when.displaced: at_least compares numbers; 'displaced' is bool"),
    ("{displaced: true}", "{displaced: {above: 1}}",
     "referral[2].when.displaced: expected one test (one of: equals, one_of, at_least"),
    ("severity: {1: mild, 2: mild, 3: moderate, 4: severe}",
     "severity: {1: mild, 2: mild, 3: moderate, 4: worst}",
     "injury_fields.mri_grade.severity.4: 'worst' is not one of the severity levels"),
    ("{displaced: true}", "{}", "referral[2].when: needs at least one field to test"),
    ("{displaced: true}", "always", "referral[2].when: expected field tests, got 'always'"),
    ("- when: always", "- when: sometimes",
     "review_flags[0].when: expected field tests, got 'sometimes' (e.g. when: {field: value}, "
     "or when: always)"),
])
def test_rules_and_fields_are_checked_when_the_protocol_loads(editable, old, new, message):
    edit(editable, old, new)
    assert any(message in p for p in problems(editable)), problems(editable)


def test_python_names_no_injury():
    """The protocol declares its injury: the generator's code names none of its fields."""
    words = re.compile(r"femoral|mri_grade|fracture_(side|line)|(?<!ex)tension|effusion|displaced|"
                       r"triad|menarche|tibia|metatars|navicular|jones|shin|crutch", re.I)
    found = [f"{path.relative_to(ROOT)}:{n}" for path in (ROOT / "generator").rglob("*.py")
             for n, line in enumerate(path.read_text().splitlines(), 1) if words.search(line)]
    assert found == []


def test_jumps_in_a_phase_with_runs_are_refused(editable):
    upkeep = ("spacing: not on run days\n        exercises: [single_leg_squat_weighted, "
              "single_leg_hinge_weighted, heel_raise_single_weighted, ")
    edit(editable, upkeep + "bridge_single_weighted]", upkeep + "squat_jump]")
    found = problems(editable)
    assert any("'squat_jump' is a jump or hop (impact: true): a phase with runs keeps jumps"
               in p for p in found), found


def test_jumps_more_than_three_days_a_week_are_refused(editable):
    title = "title: \"Strength stage 5: jumps, then stage-4 strength\"\n        times: "
    edit(editable, title + "[2, 3]", title + "[2, 4]")
    assert any("needs at most 3 a week and its spacing (impact days never back to back)" in p
               for p in problems(editable))


def test_a_hop_that_waits_for_a_floor_in_a_phase_that_may_start_before_it_is_refused(
        editable):
    # single-leg hops load the hip like a running stride: never in stage 5, which has no floor
    edit(editable, "exercises: [pogo_hops_double, squat_jump,",
         "exercises: [pogo_hops_single, squat_jump,")
    found = problems(editable)
    assert any("phases[7].sessions[0].exercises[0]: 'pogo_hops_single' waits for "
               "floors.single_leg_impact_min_weeks, but this phase may start before it" in p
               and "not_before: single_leg_impact_min_weeks" in p for p in found), found


def test_a_floor_that_is_not_declared_is_refused(editable):
    edit(editable, "    not_before: single_leg_impact_min_weeks   # never",
         "    not_before: single_leg_impact_min_week   # never")
    edit(editable, "  not_before: single_leg_impact_min_weeks   # loads",
         "  not_before: hop_weeks   # loads", name="exercises.yaml")
    found = problems(editable)
    assert any("phases[8].not_before: 'single_leg_impact_min_week' is not in floors" in p
               for p in found), found
    assert any("exercises.yaml" in p and "pogo_hops_single.not_before: 'hop_weeks' is not in "
               "the protocol's floors" in p for p in found), found


def test_a_daily_session_in_weeks_that_keep_a_full_rest_day_is_refused(editable):
    edit(editable, "        title: Keep up the double-leg exercises\n        times: 3",
         "        title: Keep up the double-leg exercises\n        times: 7")
    found = problems(editable)
    assert any("phases[2].sessions[0].times: leaves no full rest day in the week "
               "(full_rest_days from full_weight_bearing)" in p for p in found), found


def test_a_jump_without_a_start_dose_is_refused(editable):
    edit(editable, "  start_dose: 2 sets of 8 hops", "", name="exercises.yaml")
    assert any("exercises.yaml" in p and "pogo_hops_double: a jump or hop (impact: true) needs "
               "a start_dose" in p for p in problems(editable))


def test_a_severity_minimum_below_what_the_table_plans_is_refused(editable):
    edit(editable, "{mild: 6, moderate: 6, severe: 12}", "{mild: 6, moderate: 6, severe: 13}")
    assert any("severity_minimums.non_weight_bearing_weeks.severe: the severe row plans fewer "
               "than 13 weeks" in p for p in problems(editable))


def test_more_history_that_plans_no_longer_is_refused(editable):
    edit(editable, "weeks: {mild: [1, 1, 1], moderate: [1, 1, 2], severe: [1, 1, 2]}",
         "weeks: {mild: [1, 1, 1], moderate: [1, 1, 1], severe: [1, 1, 2]}")
    assert any("history.levels: a moderate injury with history level 2 plans 39 weeks, no more "
               "than level 1 (39)" in p for p in problems(editable)), problems(editable)


def test_an_unknown_placeholder_in_the_goal_note_is_refused(editable):
    edit(editable, "Your goal is {goal} minutes", "Your goal is {target} minutes")
    assert any("beyond_goal: unknown placeholder 'target'" in p for p in problems(editable))
