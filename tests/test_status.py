"""`rehab status`: one row per athlete, flags as documented, nothing written."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

from factories import PROFILE_YAML, TODAY, make_profile

from generator.progress import ProgressEvent
from generator.schedule import schedule
from generator.status import status_row

D = dt.date
AS_OF = ("--today", TODAY.isoformat())  # the day the examples are built for


def row_for(protocol, today: dt.date, *events: ProgressEvent, **profile):
    numbered = tuple(dataclasses.replace(e, index=i) for i, e in enumerate(events))
    person = make_profile(progress=numbered, **profile)
    return status_row(schedule(person, protocol, today), today)


def test_the_examples_as_of_their_build_day(example_project):
    result = example_project.rehab("status", *AS_OF)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Status as of 2026-11-23 (6 athletes)"
    assert lines[2].split() == ["athlete", "now", "wk", "day", "next", "gate", "last", "event",
                                "done", "14d", "pain", "7d", "last", "log", "flags"]
    alex, jordan, mia, rosa, sam, tomas = (" ".join(line.split()) for line in lines[3:9])
    # no log imported: done, pain and last log are "-"
    assert alex == ("alex-morgan Strength stage 5 14 97 Strength stage 6 2026-11-24 "
                    "2026-11-17 strength_stage 5 - - -")
    assert jordan == ("jordan-lee Full weight-bearing (setback) 12 83 Strength stage 1 "
                      "2026-12-01 2026-11-20 setback - - - setback 2026-11-20")
    # Mia's page is in German; the clinic's table is in English
    assert mia == ("mia-hoffmann Strength stage 1 (setback) 13 90 Strength stage 2 "
                   "2026-12-01 2026-11-20 setback - - - setback 2026-11-20")
    assert sam == ("sam-okafor Non-weight-bearing 7 48 Partial weight-bearing 2027-01-26 - "
                   "- - - hip effusion")
    # the tibial and metatarsal examples: every protocol in one table
    assert rosa == ("rosa-lindqvist Strength stage 4 12 77 Walk-run step 1 2026-12-07 "
                    "2026-11-09 strength_stage 3 - - - Triad CRA 2: provisional")
    assert tomas == ("tomas-reyes Strength stage 3 8 55 Strength stage 4 2026-11-24 "
                     "2026-11-17 strength_stage 3 - - - Triad CRA 2: provisional")
    # the clinic's own notes on Jordan, under the table (never on Jordan's page)
    assert lines[9:] == [
        "", "Clinician notes (clinician_notes:, never shown to the athlete)",
        "jordan-lee      Low energy availability: dietitian review booked for 30 Nov. Ask "
        "about periods."]  # the ids' column as wide as the longest (rosa-lindqvist)


def test_json_has_the_same_rows_and_the_gate_to_pass(example_project):
    result = example_project.rehab("status", "--format", "json", *AS_OF)
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["as_of"] == "2026-11-23"
    jordan = data["athletes"][1]
    assert jordan["next_gate"] == {"title": "Before strength stage 1", "step": "Strength stage 1",
                                   "event": "strength_stage 1", "date": "2026-12-01"}
    assert jordan["last_event"] == {
        "date": "2026-11-20", "event": "setback",
        "summary": "Setback: back to full weight-bearing for at least 1 week"}
    assert (jordan["state"], jordan["week"], jordan["days_since_diagnosis"]) == ("ok", 12, 83)


def test_status_writes_nothing(example_project):
    result = example_project.rehab("status", *AS_OF)
    assert result.exit_code == 0
    assert not example_project.site.exists()


def test_failed_and_referral_profiles_are_rows_with_their_state(project):
    project.write_profile("aaa-broken", PROFILE_YAML.replace("side: left", "side: up"))
    project.write_profile("bbb-referral", PROFILE_YAML + "")
    path = project.plans / "bbb-referral.yaml"
    path.write_text(path.read_text().replace("fracture_side: compression",
                                             "fracture_side: tension"))
    project.write_profile("ccc-fine", PROFILE_YAML)
    result = project.rehab("status", *AS_OF)
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[3].startswith("aaa-broken") and "FAILED: plans/aaa-broken.yaml:4:3:" in lines[3]
    assert lines[4].startswith("bbb-referral") and "REFERRAL: tension-side" in lines[4]
    assert lines[5].startswith("ccc-fine ")
    data = json.loads(project.rehab("status", "--format", "json", *AS_OF).output)
    assert [a["state"] for a in data["athletes"]] == ["failed", "referral", "ok"]


# --- flags -------------------------------------------------------------------------------

def test_a_setback_is_flagged_for_fourteen_days(protocol):
    setback = ProgressEvent(0, D(2026, 9, 20), "setback")
    assert "setback 2026-09-20" in row_for(protocol, D(2026, 10, 3), setback).flags
    assert not row_for(protocol, D(2026, 10, 4), setback).flags


def test_no_event_for_more_than_four_weeks_while_a_gate_was_due_is_flagged(protocol):
    # no events: partial weight-bearing is due on 20 Oct (7 weeks after 1 Sep)
    assert row_for(protocol, D(2026, 10, 19)).flags == ()  # 48 days, nothing due yet
    assert row_for(protocol, D(2026, 10, 20)).flags == (
        "no event for 49 days (partial_weight_bearing was due 2026-10-20)",)
    cleared = ProgressEvent(0, D(2026, 10, 20), "partial_weight_bearing")
    # full weight-bearing due 27 Oct: flagged only once 28 days have passed since the event
    assert row_for(protocol, D(2026, 11, 17), cleared).flags == ()
    assert row_for(protocol, D(2026, 11, 18), cleared).flags == (
        "no event for 29 days (full_weight_bearing was due 2026-10-27)",)


def test_an_overdue_flag_goes_once_the_step_is_recorded(protocol):
    # partial weight-bearing due on 20 Oct; by the visit of 23 Nov nothing was recorded
    assert row_for(protocol, D(2026, 11, 23)).flags == (
        "no event for 83 days (partial_weight_bearing was due 2026-10-20)",)
    # at the visit the clinician records it, on the day the athlete's log says it began
    cleared = ProgressEvent(0, D(2026, 11, 2), "partial_weight_bearing")
    assert row_for(protocol, D(2026, 11, 23), cleared).flags == ()


def test_a_flag_the_clinician_marked_read_is_not_shown(protocol):
    setback = ProgressEvent(0, D(2026, 9, 20), "setback")
    assert row_for(protocol, D(2026, 10, 1), setback, hip_effusion=True,
                   reviewed=frozenset({"hip-effusion"})).flags == ("setback 2026-09-20",)


def test_a_review_flag_of_the_protocol_is_a_flag(protocol):
    assert row_for(protocol, D(2026, 9, 10), hip_effusion=True).flags == ("hip effusion",)


def test_a_pause_running_today_shows_its_end(protocol):
    pause = ProgressEvent(0, D(2026, 9, 20), "pause", until=D(2026, 10, 2))
    assert row_for(protocol, D(2026, 9, 25), pause).now == (
        "Non-weight-bearing (paused until 2026-10-02)")


def test_back_from_a_pause_the_row_shows_the_step_again_from_that_day(protocol):
    pause = ProgressEvent(0, D(2026, 9, 17), "pause", note="flu")  # the end not known
    back = ProgressEvent(0, D(2026, 10, 1), "resume")  # a Thursday: mid-week
    assert row_for(protocol, D(2026, 9, 30), pause).now == "Non-weight-bearing (paused)"
    assert row_for(protocol, D(2026, 10, 1), pause, back).now == "Non-weight-bearing"
    early = ProgressEvent(0, D(2026, 9, 17), "pause", until=D(2026, 10, 8))
    assert row_for(protocol, D(2026, 10, 1), early, back).now == "Non-weight-bearing"


def test_after_the_plan_there_is_no_next_gate(protocol):
    every_step = (ProgressEvent(0, D(2026, 10, 20), "partial_weight_bearing"),
                  ProgressEvent(0, D(2026, 10, 27), "full_weight_bearing"),
                  *(ProgressEvent(0, D(2026, 11, 3) + dt.timedelta(weeks=n - 1),
                                  "strength_stage", stage=n) for n in range(1, 7)),
                  ProgressEvent(0, D(2026, 12, 15), "walk_run_cleared"))
    row = row_for(protocol, D(2027, 9, 1), *every_step)
    assert (row.now, row.week, row.next_step) == ("plan complete", None, None)
