"""The Plan carries every fact a renderer shows: statuses, frequencies, the next checklist
and step, each stay in a phase, and notes with their audience."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

from factories import TODAY, make_profile

from generator.plan import Audience, Status, frequency
from generator.progress import ProgressEvent
from generator.schedule import schedule


def plan_for(protocol, today=TODAY, events=(), **profile):
    numbered = tuple(dataclasses.replace(e, index=i) for i, e in enumerate(events))
    return schedule(make_profile(progress=numbered, **profile), protocol, today)


def test_frequency_words():
    assert frequency((7, 7)) == "daily"
    assert frequency((3, 3), "a rest day between") == "3 times a week, a rest day between"
    assert frequency((2, 3)) == "2-3 times a week"
    assert frequency((1, 1), "not on run days") == "once a week, not on run days"


def test_every_session_has_a_number_of_times_a_week(protocol):
    plan = plan_for(protocol)
    for week in plan.weeks:
        for session in week.sessions:
            low, high = session.times_per_week
            assert 1 <= low <= high <= 7, session
    first = plan.weeks[0].sessions[0]
    assert (first.per_week, first.times_per_week) == ("daily", (7, 7))


def test_every_frequency_says_its_period(protocol):
    """'3 times' alone leaves the athlete guessing: a day, a week?"""
    plan = plan_for(protocol)
    words = {s.per_week for w in plan.weeks for s in w.sessions}
    assert all(w.startswith("daily") or " a week" in w for w in words), words
    assert "3 times a week, a rest day between" in words


def test_a_plan_goes_stale_four_weeks_after_its_date(protocol):
    plan = plan_for(protocol)
    assert plan.stale_after == TODAY + dt.timedelta(weeks=4)
    assert plan.to_dict()["stale_after"] == plan.stale_after.isoformat()


def test_timed_sessions_carry_their_length(protocol):
    plan = plan_for(protocol)
    walk = next(s for w in plan.weeks for s in w.sessions if s.kind == "walk")
    assert walk.duration_minutes == walk.minutes == 15
    run = next(s for w in plan.weeks for s in w.sessions if s.kind == "walk_run")
    assert run.duration_minutes == 15  # 5 x (run 1, walk 2)
    assert run.per_week == "3 times a week, a rest day between"


def test_statuses_follow_the_plan_date(protocol):
    plan = plan_for(protocol)
    statuses = [w.status for w in plan.weeks]
    current = statuses.index(Status.CURRENT)
    assert set(statuses[:current]) == {Status.DONE}
    assert set(statuses[current + 1:]) == {Status.UPCOMING}
    assert plan.weeks[current].start <= TODAY <= plan.weeks[current].end
    span = plan.phases[plan.weeks[current].span]
    assert span.status == Status.CURRENT
    assert span.first_week <= current + 1 <= span.last_week


def test_each_week_knows_its_next_checklist_and_next_recorded_step(protocol):
    plan = plan_for(protocol)
    for week in plan.weeks:
        if week.gate_week is not None:
            gated = plan.weeks[week.gate_week - 1]
            assert gated.gate is not None and gated.number >= week.number
            assert all(w.gate is None for w in plan.weeks[week.number - 1:gated.number - 1])
    first = plan.weeks[0]
    assert first.next_step.title == "Partial weight-bearing"
    assert first.next_step.event == "partial_weight_bearing"
    assert first.next_step.gate_title == "Before partial weight-bearing"
    starts = next(w for w in plan.weeks if w.starts == "partial_weight_bearing")
    assert first.next_step.earliest == starts.start


def test_a_second_stay_after_a_setback_points_to_the_checklist_shown_first(protocol):
    events = (ProgressEvent(0, dt.date(2026, 10, 27), "partial_weight_bearing"),
              ProgressEvent(0, dt.date(2026, 11, 10), "full_weight_bearing"),
              ProgressEvent(0, dt.date(2026, 11, 17), "strength_stage", stage=1),
              ProgressEvent(0, dt.date(2026, 11, 20), "setback"))
    plan = plan_for(protocol, events=events)
    stays = [p for p in plan.phases if p.id == "full_weight_bearing"]
    assert [p.key for p in stays] == ["full_weight_bearing", "full_weight_bearing-2"]
    assert stays[1].setback and stays[1].gate_shown_in == "full_weight_bearing"
    assert stays[0].gate_shown_in is None
    # what every week of the phase has; brisk walks wait for strength stage 1
    assert [s.title for s in stays[1].routine] == ["Keep up the double-leg exercises",
                                                   "Easy bike or swim"]
    assert [s.title for s in stays[1].how_notes] == []


def test_each_checklist_is_listed_once_with_the_earliest_next_start(protocol):
    plan = plan_for(protocol)
    gates = [stop.gate for stop in plan.gate_stops]
    assert len(gates) == len(set(gates))
    stage_gate = next(s for s in plan.gate_stops
                      if s.gate.title == "Before the next strength stage")
    assert stage_gate.phases[:2] == ("Strength stage 1", "Strength stage 2")
    first = next(w for w in plan.weeks if w.gate == stage_gate.gate)
    assert stage_gate.next_start == first.end + dt.timedelta(days=1)


def test_notes_say_who_they_are_for(protocol):
    plan = plan_for(protocol, dt.date(2026, 9, 10), hip_effusion=True,
                    overrides={"non_weight_bearing_weeks": 10})
    kinds = {(n.audience, n.kind) for n in plan.notes}
    assert kinds == {(Audience.CLINICIAN, "review_flag"), (Audience.CLINICIAN, "warning"),
                     (Audience.CLINICIAN, "reminder"),  # the bone-health work-up, every plan
                     (Audience.ATHLETE, "instruction")}  # wait for the clinician's go-ahead
    flag = next(n for n in plan.notes if n.kind == "review_flag")
    assert flag.short == "hip effusion"


def test_follow_up_notes_for_a_recent_setback_and_an_overdue_step(protocol):
    setback = ProgressEvent(0, dt.date(2026, 9, 20), "setback")
    assert [n.short for n in plan_for(protocol, dt.date(2026, 10, 3), (setback,)).notes
            if n.kind != "reminder"] == ["setback 2026-09-20"]
    overdue = [n for n in plan_for(protocol, dt.date(2026, 11, 1)).notes if n.kind != "reminder"]
    assert [n.kind for n in overdue] == ["overdue"]
    assert "partial_weight_bearing was due" in overdue[0].short


def test_plan_json_keeps_its_keys_and_adds_the_new_facts(protocol):
    data = json.loads(json.dumps(plan_for(protocol, dt.date(2026, 9, 10), mri_grade=3).to_dict()))
    assert data["schema"] == 1
    assert data["injury"] == {"diagnosed": "2026-09-01", "severity": "moderate",
                              "mri_grade": 3, "side": "left"}
    week = data["weeks"][0]
    assert {"status", "gate", "sessions", "step", "gate_week", "next_step"} <= set(week)
    assert week["sessions"][0]["times_per_week"] == [7, 7]
    assert week["next_step"]["event"] == "partial_weight_bearing"
    assert {"status", "first_week", "last_week"} <= set(data["phases"][0])
    # the bone-health work-up, and the Triad CRA's provisional band every athlete reaches
    assert [n["kind"] for n in data["notes"]] == ["reminder", "reminder"]
    assert data["risk_scores"] == [{"id": "triad_cra", "name": "Triad CRA", "score": 2,
                                    "band": "provisional"}]
