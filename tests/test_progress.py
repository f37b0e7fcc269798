"""Progress events: each event type re-dates the plan as the README says; impossible ones fail.

The test athlete (tests/factories.py) is moderate with no history, diagnosed on
Tue 2026-09-01, so with no events: non-weight-bearing weeks 1-7, partial 8 (20 Oct),
full 9 (27 Oct), strength stages 1-6 one week each from 3 Nov, walk-run from
15 Dec (week 16), each walk-run step one week.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from factories import PROFILE_YAML, make_profile

from generator.errors import InputError
from generator.plan import Plan
from generator.profile import load_profile
from generator.progress import ProgressEvent
from generator.schedule import schedule

D = dt.date
DIAGNOSED = D(2026, 9, 1)
FAR = D(2027, 12, 31)  # a --today long after every event


def ev(day: dt.date, event: str, **fields) -> ProgressEvent:
    return ProgressEvent(index=0, date=day, event=event, line=20, column=5, **fields)


def plan_of(*events: ProgressEvent, protocol, today: dt.date | None = None, **profile) -> Plan:
    """The plan as built on the day of the last event (the diagnosis when there is none):
    what comes after it is projected, the clinician's clearances included."""
    numbered = tuple(dataclasses.replace(e, index=i, line=20 + i) for i, e in enumerate(events))
    today = today or (events[-1].date if events else profile.get("diagnosed", DIAGNOSED))
    return schedule(make_profile(progress=numbered, source="plans/test-athlete.yaml", **profile),
                    protocol, today)


def step(plan: Plan, day: dt.date) -> str:
    """What the plan has the athlete doing in the week holding `day`."""
    week = plan.weeks[(day - plan.diagnosed).days // 7]
    if week.walk_run and week.walk_run.step:
        return f"walk_run {week.walk_run.step}"
    return week.phase


def starts(plan: Plan) -> dict[str, dt.date]:
    """First day of each step (phase, or walk-run step), first time it is met."""
    out: dict[str, dt.date] = {}
    for week in plan.weeks:
        key = f"walk_run {week.walk_run.step}" if week.walk_run and week.walk_run.step else (
            week.phase)
        out.setdefault(key, week.start)
    return out


def error_of(*events: ProgressEvent, protocol, **kw) -> str:
    with pytest.raises(InputError) as caught:
        plan_of(*events, protocol=protocol, **kw)
    (problem,) = caught.value.problems
    return str(problem)


THROUGH_STAGE_6 = (  # every step on its planned day, up to strength stage 6 (8 Dec)
    ev(D(2026, 10, 20), "partial_weight_bearing"),
    ev(D(2026, 10, 27), "full_weight_bearing"),
    *(ev(D(2026, 11, 3) + dt.timedelta(weeks=n - 1), "strength_stage", stage=n)
      for n in range(1, 7)),
)


# --- step events ---------------------------------------------------------------

def test_without_events_the_plan_is_planned_from_diagnosis(protocol):
    plan = plan_of(protocol=protocol)
    assert plan.milestones["partial_weight_bearing"] == D(2026, 10, 20)
    # 12 weeks (8 Dec), then brisk walks at 45 minutes for a week: they start with stage 1
    assert plan.milestones["walk_run"] == D(2026, 12, 22)
    assert plan.events == () and not any(w.setback or w.paused for w in plan.weeks)


def test_partial_weight_bearing_cleared_late_moves_every_later_step(protocol):
    plan = plan_of(ev(D(2026, 11, 3), "partial_weight_bearing"), protocol=protocol)
    # past weeks show what happened: still on crutches without weight until 3 Nov
    assert step(plan, D(2026, 10, 27)) == "non_weight_bearing"
    assert plan.milestones["partial_weight_bearing"] == D(2026, 11, 3)
    assert plan.milestones["full_weight_bearing"] == D(2026, 11, 10)
    assert plan.milestones["walk_run"] == D(2027, 1, 5)


def test_partial_weight_bearing_cleared_early_is_refused_without_an_override(protocol):
    # the source's usual 6 weeks on crutches is the minimum for a mild injury too
    message = error_of(ev(D(2026, 10, 6), "partial_weight_bearing"), protocol=protocol,
                       severity="mild")
    assert "non-weight-bearing lasted 5 weeks" in message
    assert "severity_minimums.non_weight_bearing_weeks.mild" in message


def test_partial_weight_bearing_cleared_early_is_allowed_with_a_warning(protocol):
    # the clinician's explicit override: below the usual range, within the hard limits
    plan = plan_of(ev(D(2026, 10, 6), "partial_weight_bearing"), protocol=protocol,
                   severity="mild", overrides={"non_weight_bearing_weeks": 5})
    assert plan.milestones["partial_weight_bearing"] == D(2026, 10, 6)
    assert any("Non-weight-bearing is set to 5 weeks by the clinician" in w
               and "usual range for a mild injury is 6-8" in w for w in plan.warnings)
    # the 12-week floor still holds the first run back
    assert plan.milestones["walk_run"] >= DIAGNOSED + dt.timedelta(weeks=12)


def test_an_event_after_the_first_day_of_a_week_shows_that_week_but_counts_from_the_next(
        protocol):
    # Thu 22 Oct, in week 8 (Tue 20 - Mon 26 Oct): partial weight-bearing is planned
    # for one week, and gets one full week after the part-week it started in
    plan = plan_of(ev(D(2026, 10, 22), "partial_weight_bearing"), protocol=protocol)
    assert step(plan, D(2026, 10, 20)) == "partial_weight_bearing"
    assert step(plan, D(2026, 10, 27)) == "partial_weight_bearing"
    assert plan.milestones["full_weight_bearing"] == D(2026, 11, 3)
    assert plan.weeks[7].events == (0,) and plan.events[0].week == 8


def test_full_weight_bearing_and_strength_stages_follow_the_records(protocol):
    plan = plan_of(ev(D(2026, 10, 20), "partial_weight_bearing"),
                   ev(D(2026, 11, 3), "full_weight_bearing"),
                   ev(D(2026, 11, 17), "strength_stage", stage=1),
                   ev(D(2026, 11, 24), "strength_stage", stage=2), protocol=protocol)
    assert step(plan, D(2026, 10, 27)) == "partial_weight_bearing"  # held until cleared
    assert step(plan, D(2026, 11, 10)) == "full_weight_bearing"
    assert plan.milestones["strength_stage_1"] == D(2026, 11, 17)
    assert plan.milestones["strength_stage_3"] == D(2026, 12, 1)
    assert [e.summary for e in plan.events][-1] == "Started strength stage 2"


def test_walk_run_cleared_starts_step_1_then_steps_and_continuous_running_follow(protocol):
    plan = plan_of(*THROUGH_STAGE_6,
                   ev(D(2026, 12, 22), "walk_run_cleared"),
                   ev(D(2026, 12, 29), "walk_run_step", step=2),
                   ev(D(2027, 1, 12), "walk_run_step", step=3), protocol=protocol)
    found = starts(plan)
    assert found["ready_to_run"] == D(2026, 12, 15)  # waiting for the clinic test
    assert found["walk_run 1"] == D(2026, 12, 22)
    assert found["walk_run 2"] == D(2026, 12, 29)
    assert found["walk_run 3"] == D(2027, 1, 12)  # step 2 held two weeks, as recorded
    assert found["walk_run 4"] == D(2027, 1, 19)  # then the plan: one week per step
    assert plan.events[len(THROUGH_STAGE_6)].summary == "Cleared for walk-run: step 1 starts"


def test_continuous_running_recorded_after_the_last_walk_run_step(protocol):
    walk_run = [ev(D(2026, 12, 15), "walk_run_cleared")] + [
        ev(D(2026, 12, 15) + dt.timedelta(weeks=n - 1), "walk_run_step", step=n)
        for n in range(2, 8)]
    plan = plan_of(*THROUGH_STAGE_6, *walk_run, ev(D(2027, 2, 9), "continuous_running"),
                   protocol=protocol)
    assert plan.milestones["continuous_running"] == D(2027, 2, 9)
    assert step(plan, D(2027, 2, 2)) == "walk_run 7"  # held a week longer than planned
    first = next(w for w in plan.weeks if w.phase == "continuous_running")
    assert first.walk_run.run_minutes == 25


# --- setbacks --------------------------------------------------------------------

def test_a_setback_in_a_strength_stage_goes_one_stage_back_for_a_week_then_on_again(protocol):
    plan = plan_of(*THROUGH_STAGE_6[:5], ev(D(2026, 11, 24), "setback", note="groin ache"),
                   protocol=protocol)
    # stage 3 started 17 Nov; setback on Tue 24 Nov: stage 2 for that week, then 3 again
    week = plan.weeks[12]
    assert (week.phase, week.setback, week.events) == ("strength_stage_2", True, (5,))
    assert step(plan, D(2026, 12, 1)) == "strength_stage_3"
    assert not plan.weeks[13].setback
    assert plan.events[5].summary == "Setback: back to strength stage 2 for at least 1 week"
    assert plan.events[5].note == "groin ache"
    assert [s.id for s in plan.phases if s.setback] == ["strength_stage_2"]
    # the clinician's note says it once, without a stutter
    assert "Setback on 2026-11-24: back to strength stage 2 for at least 1 week" in (
        plan.for_clinician)


def test_a_setback_mid_week_marks_that_week_and_one_full_week_after(protocol):
    plan = plan_of(*THROUGH_STAGE_6[:5], ev(D(2026, 11, 19), "setback"), protocol=protocol)
    assert [w.setback for w in plan.weeks[11:14]] == [True, True, False]
    assert step(plan, D(2026, 11, 24)) == "strength_stage_2"
    assert step(plan, D(2026, 12, 1)) == "strength_stage_3"


def test_a_setback_holds_the_brisk_walk_where_it_was(protocol):
    plan = plan_of(*THROUGH_STAGE_6[:5], ev(D(2026, 11, 24), "setback"), protocol=protocol)
    minutes = [w.walk_minutes for w in plan.weeks[11:15]]
    assert minutes[1] == minutes[0] + 5 and minutes[2] == minutes[1]  # held in the setback week


def test_a_setback_in_walk_run_step_1_goes_back_to_the_ready_to_run_phase(protocol):
    plan = plan_of(*THROUGH_STAGE_6, ev(D(2026, 12, 15), "walk_run_cleared"),
                   ev(D(2026, 12, 18), "setback", note="sore hip after run 2"),
                   protocol=protocol)
    week = plan.weeks[15]
    assert (week.phase, week.setback) == ("ready_to_run", True)
    assert week.walk_minutes == 45  # brisk walking, not running
    assert step(plan, D(2026, 12, 22)) == "ready_to_run"  # one full week after the part-week
    assert step(plan, D(2026, 12, 29)) == "walk_run 1"


def test_a_setback_in_a_walk_run_step_goes_one_step_back(protocol):
    plan = plan_of(*THROUGH_STAGE_6, ev(D(2026, 12, 15), "walk_run_cleared"),
                   ev(D(2026, 12, 22), "walk_run_step", step=2),
                   ev(D(2026, 12, 29), "walk_run_step", step=3),
                   ev(D(2027, 1, 5), "setback"), protocol=protocol)
    assert step(plan, D(2027, 1, 5)) == "walk_run 2"
    assert plan.weeks[(D(2027, 1, 5) - DIAGNOSED).days // 7].setback
    assert step(plan, D(2027, 1, 12)) == "walk_run 3"


def test_a_setback_in_continuous_running_goes_back_to_the_last_walk_run_step(protocol):
    walk_run = [ev(D(2026, 12, 15), "walk_run_cleared")] + [
        ev(D(2026, 12, 15) + dt.timedelta(weeks=n - 1), "walk_run_step", step=n)
        for n in range(2, 9)]
    plan = plan_of(*THROUGH_STAGE_6, *walk_run, ev(D(2027, 2, 9), "continuous_running"),
                   ev(D(2027, 2, 23), "setback"), protocol=protocol)
    assert step(plan, D(2027, 2, 23)) == "walk_run 8"
    after = next(w for w in plan.weeks if w.start > D(2027, 2, 23)
                 and w.phase == "continuous_running")
    assert after.start == D(2027, 3, 2)
    assert after.walk_run.run_minutes == 25  # starts again from the first volume


def test_a_setback_in_the_ready_to_run_phase_goes_below_stage_6(protocol):
    plan = plan_of(*THROUGH_STAGE_6, ev(D(2026, 12, 10), "setback"), protocol=protocol,
                   severity="severe", today=FAR,  # severe: stages end before week 13
                   overrides={"non_weight_bearing_weeks": 7})
    assert step(plan, D(2026, 12, 10)) == "strength_stage_5"


def test_a_setback_during_non_weight_bearing_keeps_it_at_least_a_week_longer(protocol):
    plan = plan_of(ev(D(2026, 10, 14), "setback", note="night pain"), protocol=protocol)
    # planned to end on 19 Oct (7 weeks): the setback on Wed 14 Oct keeps it a full week more
    assert step(plan, D(2026, 10, 20)) == "non_weight_bearing"
    assert plan.milestones["partial_weight_bearing"] == D(2026, 10, 27)
    assert plan.events[0].summary.startswith("Setback: non-weight-bearing for at least 1 week")


# --- pauses ----------------------------------------------------------------------

def test_a_pause_holds_progression_and_resumes_at_the_same_step(protocol):
    plan = plan_of(*THROUGH_STAGE_6[:4],
                   ev(D(2026, 11, 12), "pause", until=D(2026, 11, 24), note="flu"),
                   protocol=protocol)
    # stage 2 from Tue 10 Nov; paused Thu 12 Nov until Tue 24 Nov: weeks of 10 and 17 Nov
    assert [w.paused for w in plan.weeks[9:13]] == [False, True, True, False]
    assert {w.phase for w in plan.weeks[10:13]} == {"strength_stage_2"}
    assert plan.milestones["strength_stage_3"] == D(2026, 12, 1)
    assert plan.events[4].summary == "Paused at strength stage 2"
    assert plan.events[4].until == D(2026, 11, 24)


def test_back_from_a_pause_mid_week_the_step_is_active_again_that_day(protocol):
    # stage 2 from Tue 10 Nov, flu the same day; back on Thu 19 Nov
    plan = plan_of(*THROUGH_STAGE_6[:4], ev(D(2026, 11, 10), "pause", until=D(2026, 11, 19)),
                   protocol=protocol, today=D(2026, 11, 19))
    unpaused = plan_of(*THROUGH_STAGE_6[:4], protocol=protocol, today=D(2026, 11, 10))
    paused, back, after = plan.weeks[10:13]
    assert paused.paused and not back.paused and not after.paused
    # the week of 17 Nov is stage 2 again, in full, from Thursday: no "paused" on it
    assert back.back_from == D(2026, 11, 19) and paused.back_from is None
    assert [s.title for s in back.sessions] == [s.title for s in unpaused.weeks[10].sessions]
    walk = next(s.title for s in back.sessions if s.kind == "walk")
    assert [walk in day.sessions for day in back.days[:2]] == [False, False]  # Tue, Wed
    assert any(walk in day.sessions for day in back.days[2:])
    assert plan.pause_on(D(2026, 11, 18)) and plan.pause_on(D(2026, 11, 19)) is None
    # a week the pause touched does not count: stage 2 still gets its full week after it
    assert plan.milestones["strength_stage_3"] == D(2026, 12, 1)


def test_after_resume_the_week_is_active_from_the_visit(protocol):
    # flu from Thu 12 Nov, end not known; seen again and back on Thu 19 Nov
    plan = plan_of(*THROUGH_STAGE_6[:4], ev(D(2026, 11, 12), "pause", note="flu"),
                   ev(D(2026, 11, 19), "resume"), protocol=protocol, today=D(2026, 11, 20))
    week = plan.current_week
    assert week.start == D(2026, 11, 17) and not week.paused
    assert week.back_from == D(2026, 11, 19)
    assert plan.pause_on(D(2026, 11, 20)) is None
    assert not any("no end date" in w for w in plan.warnings)


def test_moving_on_sooner_than_resume_weeks_after_a_pause_is_an_error(protocol):
    # stage 2 from Tue 10 Nov; flu from Thu 12 Nov; back Thu 19 Nov; stage 3 on Tue 24 Nov
    events = (*THROUGH_STAGE_6[:4], ev(D(2026, 11, 12), "pause", note="flu"),
              ev(D(2026, 11, 19), "resume"))
    message = error_of(*events, ev(D(2026, 11, 24), "strength_stage", stage=3),
                       protocol=protocol)
    assert message == (
        "plans/test-athlete.yaml:26:5: progress[6]: the athlete was back at strength stage 2 "
        "after a pause on 2026-11-19, 5 days before 2026-11-24; after a pause the athlete "
        "stays on the step at least 1 week (progress.resume_weeks) (strength stage 3 can "
        "start on 2026-11-25 at the earliest)")
    # the same when the step itself is the first news after a pause: it ends the pause
    message = error_of(*THROUGH_STAGE_6[:4], ev(D(2026, 11, 18), "pause", note="flu"),
                       ev(D(2026, 11, 24), "strength_stage", stage=3), protocol=protocol)
    assert "back at strength stage 2 after a pause on 2026-11-24, 0 days before" in message
    assert "strength stage 3 can start on 2026-11-30 at the earliest" in message
    # a week after the return it is the next step, as planned
    plan = plan_of(*events, ev(D(2026, 11, 26), "strength_stage", stage=3), protocol=protocol)
    assert plan.events[-1].summary == "Started strength stage 3"


def test_a_pause_holds_walks_and_running_volume(protocol):
    plan = plan_of(*THROUGH_STAGE_6[:4], ev(D(2026, 11, 10), "pause", until=D(2026, 11, 17)),
                   protocol=protocol)
    unpaused = plan_of(*THROUGH_STAGE_6[:4], protocol=protocol, today=D(2026, 11, 10))
    # the paused week walks and runs nothing; the walks pick up where the pause found them
    assert plan.weeks[10].paused and plan.weeks[10].walk_minutes is None
    assert plan.weeks[11].walk_minutes == unpaused.weeks[10].walk_minutes


def test_a_paused_week_prescribes_no_running_and_no_jumps(protocol):
    plan = plan_of(*THROUGH_STAGE_6, ev(D(2026, 12, 20), "walk_run_cleared"),
                   ev(D(2026, 12, 24), "pause", until=D(2027, 1, 7)),
                   protocol=protocol, today=D(2026, 12, 28))
    now = plan.current_week
    assert now.paused and now.walk_run is None
    titles = [s.title for s in now.sessions]
    assert "Walk-run" not in titles and titles  # something may go on
    exercises = {e for s in now.sessions for e in s.exercises}
    assert "hop_and_stick" not in exercises and "single_leg_squat_weighted" in exercises


def test_a_pause_still_running_today_is_allowed(protocol):
    plan = plan_of(*THROUGH_STAGE_6[:4], ev(D(2026, 11, 20), "pause", until=D(2026, 12, 8)),
                   protocol=protocol, today=D(2026, 11, 23))
    assert plan.current_week.paused


# --- what the plan says about unrecorded progress -----------------------------------

def test_a_pause_long_after_a_step_was_due_says_what_the_plan_assumes(protocol):
    plan = plan_of(ev(D(2026, 10, 20), "partial_weight_bearing"),
                   ev(D(2026, 11, 24), "pause", until=D(2026, 12, 1)), protocol=protocol)
    assert step(plan, D(2026, 11, 17)) == "partial_weight_bearing"  # never recorded further
    assert any("full weight-bearing was planned from 2026-10-27" in w for w in plan.warnings)


def test_the_plans_assumption_is_dropped_once_a_step_is_recorded_again(protocol):
    """The clinician read "no step was recorded ...", checked, and records the athlete's next
    step at the visit after the pause: the note has done its work and goes."""
    pwb, pause = (ev(D(2026, 10, 20), "partial_weight_bearing"),
                  ev(D(2026, 11, 24), "pause", until=D(2026, 12, 1)))
    assert any(n.id == "unrecorded-pause-2026-11-24" for n in plan_of(
        pwb, pause, protocol=protocol).notes)
    plan = plan_of(pwb, pause, ev(D(2026, 12, 8), "full_weight_bearing"), protocol=protocol)
    assert not any("No step was recorded" in w for w in plan.warnings)


def test_a_pause_on_the_day_the_next_step_was_due_assumes_nothing(protocol):
    # full weight-bearing was due on Tue 27 Oct; flu kept the athlete at home from that day
    plan = plan_of(ev(D(2026, 10, 20), "partial_weight_bearing"),
                   ev(D(2026, 10, 27), "pause", until=D(2026, 11, 3)), protocol=protocol)
    assert not plan.warnings


# --- impossible sequences ------------------------------------------------------------

def test_a_later_step_records_the_ones_between_as_done_when_their_minimums_fit(protocol):
    # 8 weeks after diagnosis: 4 (hard minimum on crutches, moderate) + 1 (partial) fit
    plan = plan_of(ev(D(2026, 10, 27), "full_weight_bearing"), protocol=protocol)
    assert step(plan, D(2026, 10, 27)) == "full_weight_bearing"
    assert step(plan, D(2026, 10, 20)) == "non_weight_bearing"  # when it changed is unknown
    assert plan.events[0].summary == ("Started full weight-bearing "
                                      "(partial weight-bearing taken as done)")


def test_stages_done_at_home_and_undated_are_taken_as_done(protocol):
    plan = plan_of(*THROUGH_STAGE_6[:3], ev(D(2026, 11, 24), "strength_stage", stage=3),
                   protocol=protocol)
    assert step(plan, D(2026, 11, 24)) == "strength_stage_3"
    assert "(strength stage 2 taken as done)" in plan.events[3].summary
    assert plan.milestones["strength_stage_4"] == D(2026, 12, 1)


def test_a_later_step_whose_minimums_do_not_fit_is_an_error_naming_the_steps_between(protocol):
    # stage 1 on 3 Nov; stage 3 a week later leaves no week for stage 2
    message = error_of(*THROUGH_STAGE_6[:3], ev(D(2026, 11, 10), "strength_stage", stage=3),
                       protocol=protocol)
    assert "progress[3]: strength stage 3 on 2026-11-10 means strength stage 2 was done" in message
    # a day's leeway for the weekly visit (progress.leeway_days)
    assert "at least 2 weeks" in message and "on 2026-11-16 at the earliest" in message


def test_walk_run_cleared_with_no_time_left_for_strength_stage_6_is_an_error(protocol):
    message = error_of(*THROUGH_STAGE_6[:7], ev(D(2026, 12, 8), "walk_run_cleared"),
                       protocol=protocol)
    assert "walk-run step 1 on 2026-12-08 means strength stage 6 was done" in message


def test_a_step_recorded_twice_is_an_error(protocol):
    message = error_of(*THROUGH_STAGE_6[:3], ev(D(2026, 11, 10), "strength_stage", stage=1),
                       protocol=protocol)
    assert "already at strength stage 1 (since 2026-11-03)" in message and "setback" in message


def test_a_step_shorter_than_its_hard_minimum_is_an_error(protocol):
    message = error_of(ev(D(2026, 10, 20), "partial_weight_bearing"),
                       ev(D(2026, 10, 23), "full_weight_bearing"), protocol=protocol)
    assert "partial weight-bearing lasted 3 days" in message
    assert "hard_limits.partial_weight_bearing_weeks" in message
    # (a weekly visit may fall a day early: progress.leeway_days)
    assert "2026-10-26 at the earliest" in message


def test_partial_weight_bearing_before_the_hard_minimum_of_non_weight_bearing_is_an_error(
        protocol):
    message = error_of(ev(D(2026, 9, 20), "partial_weight_bearing"), protocol=protocol)
    assert "non-weight-bearing lasted 2 weeks and 5 days" in message
    assert "shortest allowed is 6 weeks" in message
    # 2 weeks is below the hard limit (4): no override keeps this date, so none is offered
    assert "overrides." not in message


def test_the_override_an_error_offers_keeps_the_recorded_date_with_a_warning(protocol):
    """A moderate athlete cleared at 5 weeks (the moderate minimum is 6): the error offers
    overrides.non_weight_bearing_weeks: 5, and with it the same event builds, with a warning."""
    cleared = ev(D(2026, 10, 5), "partial_weight_bearing")  # 34 days, a day's leeway: 5 weeks
    message = error_of(cleared, protocol=protocol)
    assert "set overrides.non_weight_bearing_weeks: 5 in the profile" in message
    plan = plan_of(cleared, protocol=protocol, overrides={"non_weight_bearing_weeks": 5})
    assert step(plan, D(2026, 10, 5)) == "partial_weight_bearing"
    assert any("Non-weight-bearing is set to 5 weeks by the clinician" in w for w in plan.warnings)
    assert not any("shortest allowed" in w for w in plan.warnings)


def test_coming_back_from_a_setback_sooner_than_its_minimum_is_an_error(protocol):
    message = error_of(*THROUGH_STAGE_6[:5], ev(D(2026, 11, 24), "setback"),
                       ev(D(2026, 11, 27), "strength_stage", stage=3), protocol=protocol)
    assert "a setback steps back for at least 1 week" in message


def test_a_setback_phoned_in_during_a_pause_ends_the_pause(protocol):
    plan = plan_of(ev(D(2026, 10, 20), "partial_weight_bearing"),
                   ev(D(2026, 10, 22), "pause", until=D(2026, 12, 1)),
                   ev(D(2026, 11, 5), "setback"), protocol=protocol, today=D(2026, 11, 20))
    paused = [w.start for w in plan.weeks if w.paused]
    assert paused == [D(2026, 10, 20), D(2026, 10, 27)]  # not to 1 Dec
    assert plan.weeks[9].back_from == D(2026, 11, 5) and plan.weeks[9].setback
    assert step(plan, D(2026, 11, 10)) == "non_weight_bearing"


def test_paused_days_do_not_count_toward_a_minimum(protocol):
    message = error_of(ev(D(2026, 10, 20), "partial_weight_bearing"),
                       ev(D(2026, 10, 21), "pause", until=D(2026, 10, 25)),
                       ev(D(2026, 10, 27), "full_weight_bearing"), protocol=protocol)
    assert "lasted 3 days" in message and "pauses not counted" in message


def test_walk_run_before_the_12_week_floor_is_an_error_whatever_the_events_say(protocol):
    # a protocol whose hard limits would let every step pass in a week
    quick = dataclasses.replace(protocol, hard_limits={
        k: (1, v[1]) for k, v in protocol.hard_limits.items()}, severity_minimums={},
        phases=tuple(dataclasses.replace(p, not_before="")
                     for p in protocol.phases))  # single-leg hops: the next test
    events = [ev(DIAGNOSED + dt.timedelta(weeks=1), "partial_weight_bearing"),
              ev(DIAGNOSED + dt.timedelta(weeks=2), "full_weight_bearing")]
    events += [ev(DIAGNOSED + dt.timedelta(weeks=2 + n), "strength_stage", stage=n)
               for n in range(1, 7)]
    message = error_of(*events, ev(DIAGNOSED + dt.timedelta(weeks=9), "walk_run_cleared"),
                       protocol=quick)
    assert "walk-run never starts before 12 weeks" in message
    assert "the earliest day is 2026-11-24" in message
    plan = plan_of(*events, protocol=quick)  # without the clearance the floor holds the plan
    assert plan.milestones["walk_run"] >= DIAGNOSED + dt.timedelta(weeks=12)


def test_single_leg_hops_before_the_12_week_floor_are_an_error_whatever_the_events_say(
        protocol):
    # stage 6's hops load the hip like a running stride: the same 12 weeks as the first run
    quick = dataclasses.replace(protocol, hard_limits={
        k: (1, v[1]) for k, v in protocol.hard_limits.items()}, severity_minimums={})
    events = [ev(DIAGNOSED + dt.timedelta(weeks=1), "partial_weight_bearing"),
              ev(DIAGNOSED + dt.timedelta(weeks=2), "full_weight_bearing")]
    events += [ev(DIAGNOSED + dt.timedelta(weeks=2 + n), "strength_stage", stage=n)
               for n in range(1, 6)]
    message = error_of(*events, ev(DIAGNOSED + dt.timedelta(weeks=8), "strength_stage",
                                   stage=6), protocol=quick)
    assert "strength stage 6 never starts before 12 weeks after diagnosis" in message
    assert "floors.single_leg_impact_min_weeks" in message
    assert "strength stage 6 can start on 2026-11-24 at the earliest" in message
    # taken as done on the way to a later step: still not before the floor and its minimum
    message = error_of(*events, ev(DIAGNOSED + dt.timedelta(weeks=12), "walk_run_cleared"),
                       protocol=quick)
    assert "taken as done before walk-run step 1" in message
    # planned (stage 6 left to the athlete here): stage 5 goes on until the floor, stage 6
    # starts on it
    athlete_led = dataclasses.replace(quick, phases=tuple(
        dataclasses.replace(p, opened_by_clinician=False) for p in quick.phases))
    plan = plan_of(*events, protocol=athlete_led, today=FAR)
    assert plan.milestones["strength_stage_6"] == DIAGNOSED + dt.timedelta(weeks=12)
    stage_5 = [w for w in plan.weeks if w.phase == "strength_stage_5"]
    assert stage_5[-1].end == DIAGNOSED + dt.timedelta(weeks=12, days=-1)


def test_new_imaging_while_hopping_asks_for_the_step_back_first(protocol):
    message = error_of(*THROUGH_STAGE_6, ev(D(2026, 12, 10), "new_imaging"), protocol=protocol)
    assert "the athlete is at strength stage 6" in message
    assert "event: non_weight_bearing" in message


# --- in the profile file: each event checked on its own, every problem at once -------------

def load_with(project, protocols, progress: str):
    path = project.write_profile("test-athlete", PROFILE_YAML + "progress:\n" + progress)
    return load_profile(path, protocols, D(2026, 11, 23))


def problems_of(project, protocols, progress: str) -> list[str]:
    with pytest.raises(InputError) as caught:
        load_with(project, protocols, progress)
    return [f"{p.line}:{p.field}: {p.message}" + (f" ({p.hint})" if p.hint else "")
            for p in caught.value.problems]


def test_events_are_read_with_their_lines(project, protocols):
    profile = load_with(project, protocols, (
        "  - {date: 2026-10-20, event: partial_weight_bearing}\n"
        "  - date: 2026-11-02\n"
        "    event: pause\n"
        "    until: 2026-11-09\n"
        "    note: ' flu '\n"))
    first, pause = profile.progress
    assert (first.index, first.line, first.event) == (0, 17, "partial_weight_bearing")
    assert (pause.index, pause.line, pause.until, pause.note) == (1, 18, D(2026, 11, 9), "flu")


def test_every_problem_with_single_events_is_reported_together(project, protocols):
    found = problems_of(project, protocols, (
        "  - {date: 2026-08-20, event: partial_weight_bearing}\n"
        "  - {date: 2026-10-01, event: strenght_stage, stage: 2}\n"
        "  - {date: 2026-10-02, event: strength_stage}\n"
        "  - {date: 2026-10-03, event: walk_run_step, step: 1}\n"
        "  - {date: 2026-10-04, event: setback, stage: 2}\n"
        "  - {date: 2026-10-05, event: pause, pain: 11}\n"
        "  - {date: 2026-10-06, event: pause, until: 2026-10-06}\n"
        "  - {date: 2026-10-01, event: setback, until: 2026-10-09}\n"
        "  - {date: 2026-12-01, event: setback}\n"))
    assert found == [
        "17:progress[0].date: 2026-08-20 is before the diagnosis (2026-09-01) (check the year)",
        "18:progress[1].event: unknown event 'strenght_stage' (did you mean 'strength_stage'?)",
        "19:progress[2]: a 'strength_stage' event needs 'stage' (stage: one of 1-6)",
        "20:progress[3].step: 1 is not a step of this protocol (the first walk-run step is "
        "recorded as `event: walk_run_cleared`)",
        "21:progress[4].stage: 'stage' is only used with 'strength_stage' events",
        "22:progress[5].pain: 11 is above the maximum of 10",
        "23:progress[6].until: 2026-10-06 is not after the pause's date 2026-10-06 (until is "
        "the first day back)",
        "24:progress[7].date: 2026-10-01 is before the event above it (progress[6] on "
        "2026-10-06) (list the events in date order)",
        "24:progress[7].until: 'until' is only used with 'pause' events",
        "25:progress[8].date: 2026-12-01 is after today (2026-11-23) (record what has "
        "happened; the plan looks ahead itself)",
    ]


def test_a_sequence_error_names_the_file_line_and_event_through_the_cli(project):
    project.write_profile("test-athlete", PROFILE_YAML + (
        "progress:\n"
        "  - {date: 2026-10-20, event: partial_weight_bearing}\n"
        "  - {date: 2026-10-23, event: strength_stage, stage: 1}\n"))
    result = project.rehab("check")
    assert result.exit_code == 1
    assert ("plans/test-athlete.yaml:18:5: progress[1]: strength stage 1 on 2026-10-23 means "
            "full weight-bearing was done since 2026-10-20") in result.output
    assert "Traceback" not in result.output


def test_walk_run_cleared_before_the_walks_reach_their_target_warns(protocol):
    # marked history: walks grow every two weeks, so on 15 Dec they are at 30 minutes
    plan = plan_of(*THROUGH_STAGE_6, ev(D(2026, 12, 15), "walk_run_cleared"), protocol=protocol,
                   prior_bone_stress_injuries=2, risk_factors=("low_bmi",))
    assert any("Walk-run cleared on 2026-12-15 while the planned brisk walk is 30 minutes"
               in w and "45-minute" in w for w in plan.warnings)
    on_time = plan_of(*THROUGH_STAGE_6, ev(D(2026, 12, 29), "walk_run_cleared"),
                      protocol=protocol)
    assert not any("brisk walk" in w for w in on_time.warnings)


# --- visits as clinicians record them ----------------------------------------------------

def test_a_weekly_visit_a_day_early_may_record_the_next_stage(protocol):
    plan = plan_of(*THROUGH_STAGE_6[:3], ev(D(2026, 11, 9), "strength_stage", stage=2),
                   protocol=protocol)
    assert step(plan, D(2026, 11, 9)) == "strength_stage_2"
    message = error_of(*THROUGH_STAGE_6[:3], ev(D(2026, 11, 8), "strength_stage", stage=2),
                       protocol=protocol)
    assert "strength stage 1 lasted 5 days" in message


def test_recording_the_step_a_setback_put_them_on_confirms_it(protocol):
    plan = plan_of(*THROUGH_STAGE_6[:4], ev(D(2026, 11, 12), "setback"),
                   ev(D(2026, 11, 16), "strength_stage", stage=1), protocol=protocol)
    assert plan.events[5].summary == "Confirmed at strength stage 1 after the setback"
    assert step(plan, D(2026, 11, 16)) == "strength_stage_1"


def test_back_to_crutches_climbs_again_with_the_protocols_durations(protocol):
    plan = plan_of(*THROUGH_STAGE_6[:4], ev(D(2026, 11, 12), "non_weight_bearing"),
                   protocol=protocol, today=D(2026, 11, 12))
    assert plan.events[-1].summary == "Back to non-weight-bearing"
    assert step(plan, D(2026, 11, 12)) == "non_weight_bearing"
    # moderate, no history: 7 weeks on crutches again, each clearance recorded anew
    assert step(plan, D(2026, 12, 29)) == "non_weight_bearing"
    later = [w for w in plan.weeks if w.start > D(2026, 11, 12)]
    assert next(w for w in later if w.phase == "partial_weight_bearing").start == D(2027, 1, 5)


def test_new_imaging_restarts_the_healing_clock_for_the_first_run(protocol):
    plan = plan_of(ev(D(2026, 10, 20), "partial_weight_bearing"),
                   ev(D(2026, 10, 27), "non_weight_bearing"), ev(D(2026, 10, 27), "new_imaging"),
                   protocol=protocol)
    assert plan.events[2].summary == ("New imaging: the healing clock restarts, "
                                      "no running before 2027-01-19")
    assert plan.milestones["walk_run"] >= D(2027, 1, 19)
    message = error_of(ev(D(2026, 10, 20), "partial_weight_bearing"),
                       ev(D(2026, 10, 27), "new_imaging"),
                       ev(D(2027, 1, 12), "walk_run_cleared"), protocol=protocol)
    assert "11 weeks after the new imaging on 2026-10-27" in message
    assert "the earliest day is 2027-01-19" in message


def test_new_imaging_while_running_asks_for_the_step_back_first(protocol):
    message = error_of(*THROUGH_STAGE_6, ev(D(2026, 12, 15), "walk_run_cleared"),
                       ev(D(2026, 12, 29), "new_imaging"), protocol=protocol)
    assert "restarts the healing clock, but the athlete is at walk-run step 1" in message
    assert "`event: non_weight_bearing`" in message


def test_a_pause_without_an_end_lasts_until_the_next_event(protocol):
    open_pause = plan_of(ev(D(2026, 10, 20), "partial_weight_bearing"),
                         ev(D(2026, 10, 22), "pause"), protocol=protocol,
                         today=D(2026, 11, 5))
    assert [w.start for w in open_pause.weeks if w.paused] == [
        D(2026, 10, 20), D(2026, 10, 27), D(2026, 11, 3)]  # through the week of today
    assert any("Paused since 2026-10-22 with no end date" in w and "event: resume" in w
               for w in open_pause.warnings)
    resumed = plan_of(ev(D(2026, 10, 20), "partial_weight_bearing"),
                      ev(D(2026, 10, 22), "pause"), ev(D(2026, 10, 27), "resume"),
                      protocol=protocol, today=D(2026, 11, 5))
    assert [w.start for w in resumed.weeks if w.paused] == [D(2026, 10, 20)]
    assert resumed.events[2].summary == "Back after the pause, at partial weight-bearing"
    assert not any("no end date" in w for w in resumed.warnings)


def test_resume_without_a_pause_is_an_error(protocol):
    message = error_of(ev(D(2026, 10, 20), "partial_weight_bearing"),
                       ev(D(2026, 10, 27), "resume"), protocol=protocol)
    assert "'resume' on 2026-10-27 ends no pause" in message


def test_a_step_recorded_with_pain_is_flagged_for_the_clinician(protocol):
    plan = plan_of(ev(D(2026, 10, 20), "partial_weight_bearing", pain=2), protocol=protocol)
    assert plan.events[0].pain == 2 and plan.to_dict()["events"][0]["pain"] == 2
    assert any("recorded on 2026-10-20 with pain 2/10" in w for w in plan.warnings)
    calm = plan_of(ev(D(2026, 10, 20), "partial_weight_bearing", pain=0), protocol=protocol)
    assert calm.to_dict()["events"][0]["pain"] == 0 and not calm.warnings


def test_a_long_visit_note_and_an_open_pause_load_from_yaml(project, protocols):
    note = "Reviewed at the clinic. " * 40  # ~960 characters
    project.write_profile("test-athlete", PROFILE_YAML + (
        "progress:\n"
        f"  - {{date: 2026-10-20, event: partial_weight_bearing, pain: 0, note: '{note}'}}\n"
        "  - {date: 2026-10-22, event: pause, note: flu}\n"))
    profile = load_profile(project.root / "plans/test-athlete.yaml", protocols, D(2026, 11, 5))
    assert profile.progress[0].note == note.strip() and profile.progress[0].pain == 0
    assert profile.progress[1].until is None


def test_a_severe_injury_leaves_crutches_before_12_weeks_only_by_an_explicit_override(protocol):
    message = error_of(ev(D(2026, 9, 29), "partial_weight_bearing"), protocol=protocol,
                       mri_grade=4, severity="severe", severity_stated=None)
    assert "non-weight-bearing lasted 4 weeks" in message
    assert "the shortest allowed is 12 weeks (severity_minimums.non_weight_bearing_weeks.severe)" \
        in message
    # the error names the profile key that takes this decision on purpose
    assert ("to keep this date, set overrides.non_weight_bearing_weeks: 4 in the profile: a "
            "clinician's decision, shown as a warning") in message
    plan = plan_of(ev(D(2026, 9, 29), "partial_weight_bearing"), protocol=protocol,
                   mri_grade=4, severity="severe", severity_stated=None,
                   overrides={"non_weight_bearing_weeks": 4})
    assert step(plan, D(2026, 9, 29)) == "partial_weight_bearing"
    assert any("set to 4 weeks by the clinician" in w for w in plan.warnings)
