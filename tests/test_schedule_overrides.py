"""Clinician overrides: each one changes the plan; outside the usual range warns; past the
hard limits (content) is an error; no override moves the walk-run floor."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest
from factories import PROFILE_YAML, PROTOCOL_ID, make_profile

from generator.errors import InputError
from generator.profile import load_profile
from generator.protocol import load_protocol
from generator.schedule import schedule

TODAY = dt.date(2026, 11, 23)  # profiles are loaded as of this day
AS_OF = dt.date(2026, 9, 1)  # plans are made on the diagnosis day: lengths show whole
DIAGNOSED = dt.date(2026, 9, 1)  # moderate, no history: NWB 7, PWB 1, FWB 1, stages 1 week


def plan_with(protocol, **overrides):
    return schedule(make_profile(overrides=overrides), protocol, AS_OF)


def weeks_of(plan, phase: str) -> int:
    return sum(w.phase == phase for w in plan.weeks)


@pytest.mark.parametrize(("key", "value", "phase", "weeks"), [
    ("non_weight_bearing_weeks", 8, "non_weight_bearing", 8),
    ("partial_weight_bearing_weeks", 2, "partial_weight_bearing", 2),
    ("full_weight_bearing_weeks", 2, "full_weight_bearing", 2),
    ("weeks_per_strength_stage", 2, "strength_stage_4", 2),
    ("walk_run_step_weeks", 2, "walk_run", 16),
])
def test_each_length_override_sets_its_phase_and_stays_quiet_inside_the_usual_range(
        protocol, key, value, phase, weeks):
    plan = plan_with(protocol, **{key: value})
    assert weeks_of(plan, phase) == weeks
    assert plan.warnings == ()


def test_the_strength_stage_override_applies_to_every_stage(protocol):
    plan = plan_with(protocol, weeks_per_strength_stage=2)
    assert [weeks_of(plan, f"strength_stage_{n}") for n in range(1, 7)] == [2] * 6


def test_the_goal_override_sets_where_running_stops_building(protocol):
    plan = plan_with(protocol, goal=200)
    assert plan.goal_weekly_minutes == 200
    assert plan.weeks[-1].walk_run.weekly_running_minutes >= 200
    assert plan.weeks[-2].walk_run.weekly_running_minutes < 200


def test_an_override_outside_the_usual_range_warns_on_the_plan(protocol):
    plan = plan_with(protocol, non_weight_bearing_weeks=10, weeks_per_strength_stage=3)
    assert weeks_of(plan, "non_weight_bearing") == 10
    assert plan.warnings == (
        "Non-weight-bearing is set to 10 weeks by the clinician "
        "(overrides.non_weight_bearing_weeks); the protocol's usual range for a moderate "
        "injury is 6-8 weeks.",
        "Each strength stage is set to 3 weeks by the clinician "
        "(overrides.weeks_per_strength_stage); the protocol's usual range for a moderate "
        "injury is 1-2 weeks.")


def test_a_goal_outside_the_usual_range_warns(protocol):
    plan = plan_with(protocol, goal=450)
    assert plan.warnings == (
        "The running goal is 450 minutes a week (overrides.goal); the protocol's usual range "
        "is 60-240.",
        "The running goal of 450 minutes a week is more than 4 runs of at most 60 minutes: the "
        "plan ends at 240 minutes a week. Further build-up is training, to agree with the "
        "athlete.")


def test_the_shortest_overrides_never_move_walk_run_before_12_weeks(protocol):
    lows = {key: low for key, (low, _) in protocol.hard_limits.items() if key != "goal"}
    plan = plan_with(protocol, **lows)
    assert weeks_of(plan, "non_weight_bearing") == 4
    # 4 + 1 + 1 + 5 stages: stage 5 goes on until stage 6's hops may start, on the floor
    # itself; the first run follows stage 6's week
    assert plan.milestones["strength_stage_6"] == DIAGNOSED + dt.timedelta(weeks=12)
    assert plan.milestones["walk_run"] == DIAGNOSED + dt.timedelta(weeks=13)
    shorter = dict(lows, non_weight_bearing_weeks=4, partial_weight_bearing_weeks=1)
    quick = dataclasses.replace(protocol, hard_limits={k: (1, v[1]) for k, v in
                                                       protocol.hard_limits.items()},
                                severity_minimums={})
    plan = schedule(make_profile(overrides=dict(shorter, non_weight_bearing_weeks=1)),
                    quick, AS_OF)
    assert plan.milestones["strength_stage_6"] == DIAGNOSED + dt.timedelta(weeks=12)
    assert weeks_of(plan, "strength_stage_5") == 5  # stage 5 fills the gap to the floor
    assert plan.milestones["walk_run"] == DIAGNOSED + dt.timedelta(weeks=13)


def test_more_severe_still_never_means_an_earlier_walk_run_with_the_same_overrides(protocol):
    firsts = [schedule(make_profile(severity=s, overrides={"weeks_per_strength_stage": 2}),
                       protocol, AS_OF).milestones["walk_run"]
              for s in protocol.severity_levels]
    assert firsts == sorted(firsts)


# --- in the profile file ------------------------------------------------------------------

def write(project, extra: str):
    path = project.write_profile("test-athlete", PROFILE_YAML + extra)
    return path


def test_overrides_beyond_the_hard_limits_are_errors_with_their_line(project, protocols):
    path = write(project, "overrides:\n  non_weight_bearing_weeks: 0\n  walk_run_step_weeks: 9\n")
    with pytest.raises(InputError) as caught:
        load_profile(path, protocols, TODAY)
    nwb, walk_run = caught.value.problems
    assert (nwb.line, nwb.field) == (17, "overrides.non_weight_bearing_weeks")
    assert "0 weeks is outside the protocol's hard safety limits of 4-20" in nwb.message
    assert (walk_run.line, walk_run.field) == (18, "overrides.walk_run_step_weeks")


def test_an_unknown_override_is_named_with_a_suggestion(project, protocols):
    path = write(project, "overrides:\n  weeks_per_stage: 2\n")
    with pytest.raises(InputError) as caught:
        load_profile(path, protocols, TODAY)
    (problem,) = caught.value.problems
    assert problem.message == "unknown override 'weeks_per_stage'"
    assert problem.hint == "did you mean 'weeks_per_strength_stage'?"


def test_a_goal_given_twice_is_an_error(project, protocols):
    path = write(project, "goal:\n  weekly_running_minutes: 150\noverrides:\n  goal: 200\n")
    with pytest.raises(InputError) as caught:
        load_profile(path, protocols, TODAY)
    assert "also set in goal.weekly_running_minutes" in str(caught.value)


def test_a_stated_goal_beyond_the_hard_limit_is_an_error(project, protocols):
    path = write(project, "goal:\n  weekly_running_minutes: 700\n")
    with pytest.raises(InputError, match="700 minutes a week is outside"):
        load_profile(path, protocols, TODAY)


def test_build_prints_the_warning_and_the_json_carries_it_but_not_the_page(project):
    write(project, "overrides:\n  partial_weight_bearing_weeks: 3\n")
    result = project.rehab("build", "--no-pdf")
    assert result.exit_code == 0, result.output
    assert ("   check  test-athlete: Partial weight-bearing is set to 3 weeks by the clinician"
            in result.output)
    page = (project.folder("test-athlete") / "index.html").read_text()
    assert "is set to 3 weeks" not in page and "overrides." not in page  # for the clinician
    data = json.loads((project.folder("test-athlete") / "plan.json").read_text())
    assert data["warnings"][0].startswith("Partial weight-bearing is set to 3 weeks")


# --- the hard limits are content, checked like the rest of it -----------------------------

def test_a_phase_without_hard_limits_is_a_content_error(project):
    path = project.root / "content" / PROTOCOL_ID / "protocol.yaml"
    path.write_text(path.read_text().replace("  full_weight_bearing_weeks: [1, 4]\n", ""))
    with pytest.raises(InputError, match="hard_limits: is missing 'full_weight_bearing_weeks'"):
        load_protocol(path.parent)


def test_a_table_outside_the_hard_limits_is_a_content_error(project):
    path = project.root / "content" / PROTOCOL_ID / "protocol.yaml"
    path.write_text(path.read_text().replace("non_weight_bearing_weeks: [4, 20]",
                                             "non_weight_bearing_weeks: [7, 20]"))
    with pytest.raises(InputError, match=r"6 is outside the hard limits 7-20 \(hard_limits"):
        load_protocol(path.parent)
