"""plan.ics read back as a calendar app reads it (icalendar), and re-imported after a change."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from factories import PROFILE_YAML, TODAY, make_profile
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Calendar
from icalendar.parser.string import _foldline

from generator.profile import Clinician
from generator.render.ics import fold, render_calendar
from generator.schedule import schedule


def events(path) -> list:
    return [c for c in Calendar.from_ical(path.read_bytes()).walk("VEVENT")]


def by_uid(path) -> dict:
    return {str(e["UID"]): e for e in events(path)}


@pytest.fixture(scope="module")
def jordan(built_examples):
    folder = built_examples.folder("jordan-lee")
    return events(folder / "plan.ics"), json.loads((folder / "plan.json").read_text())


def test_one_all_day_event_per_week_with_phase_and_key_sessions(jordan):
    found, plan = jordan
    weekly = {str(e["UID"]).split("-")[1]: e for e in found if str(e["UID"]).startswith("week-")}
    assert len(weekly) == len(plan["weeks"])
    for week in plan["weeks"]:
        event = weekly[str(week["number"])]
        assert event.decoded("DTSTART") == dt.date.fromisoformat(week["start"])
        # all-day events end the day after their last day
        assert event.decoded("DTEND") == dt.date.fromisoformat(week["end"]) + dt.timedelta(1)
        title = str(event["SUMMARY"])
        assert title.startswith(f"Week {week['number']}: ")
        description = str(event["DESCRIPTION"])
        for session in week["sessions"]:
            assert session["title"] in description
        assert "Red flags" in description and "+1 555 010 2233" in description
    week_12 = str(weekly["12"]["SUMMARY"])
    assert week_12 == "Week 12: Full weight-bearing · brisk walk 20 min"  # after his setback
    walk_run = next(w for w in plan["weeks"] if w["walk_run"])
    assert "walk-run 7 × (run 1 / walk 2 min)" in str(weekly[str(walk_run["number"])]["SUMMARY"])


def test_gates_and_milestones_have_their_own_events(jordan):
    found, plan = jordan
    gates = [e for e in found if str(e["UID"]).startswith("gate-")]
    gated = [w for w in plan["weeks"] if w["gate"]]
    assert sorted(e.decoded("DTSTART") for e in gates) == \
        sorted(dt.date.fromisoformat(w["end"]) for w in gated)
    first_run = next(e for e in gates if "before the first walk-run" in str(e["SUMMARY"]))
    assert "[ ] At least 12 weeks since diagnosis" in str(first_run["DESCRIPTION"])

    milestones = {str(e["UID"]).split("-")[1]: e for e in found
                  if str(e["UID"]).startswith("milestone-")}
    for milestone, start in plan["milestones"].items():
        assert milestones[milestone].decoded("DTSTART") == dt.date.fromisoformat(start)
    assert str(milestones["walk_run"]["SUMMARY"]) == "Earliest start: Walk-run"


def test_uids_are_unique_and_do_not_reveal_the_athlete(jordan):
    found, _ = jordan
    uids = [str(e["UID"]) for e in found]
    assert len(set(uids)) == len(uids)
    assert not any("jordan" in uid for uid in uids)


def test_same_plan_same_bytes_and_a_later_build_updates_the_same_events(project):
    project.write_profile("test-athlete", PROFILE_YAML)
    assert project.rehab("build", "--no-pdf").exit_code == 0
    ics = project.folder("test-athlete") / "plan.ics"
    first = ics.read_bytes()
    assert project.rehab("build", "--no-pdf").exit_code == 0
    assert ics.read_bytes() == first

    # a week later, and the clinician moved the diagnosis date: re-import must move events
    project.write_profile("test-athlete", PROFILE_YAML.replace("2026-09-01", "2026-09-08"))
    assert project.rehab("build", "--no-pdf", "--today", "2026-11-30").exit_code == 0
    before, after = Calendar.from_ical(first), by_uid(ics)
    before = {str(e["UID"]): e for e in before.walk("VEVENT")}
    assert set(after) == set(before)
    week_1 = next(uid for uid in after if uid.startswith("week-1-"))
    assert after[week_1].decoded("DTSTART") == dt.date(2026, 9, 8)
    assert before[week_1].decoded("DTSTART") == dt.date(2026, 9, 1)
    # the later build reads as newer to a calendar comparing versions
    assert after[week_1].decoded("DTSTAMP") > before[week_1].decoded("DTSTAMP")
    assert int(after[week_1]["SEQUENCE"]) > int(before[week_1]["SEQUENCE"])


def test_page_links_the_calendar(built_examples):
    page = (built_examples.folder("jordan-lee") / "index.html").read_text()
    assert '<a href="plan.ics">Add to calendar</a>' in page


# --- our serialization is icalendar's, only faster ---------------------------------------

@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab ·×é€😀\\^,;:") | st.characters(
    blacklist_categories=("Cs",), blacklist_characters="\n\r"), max_size=400))
def test_folding_is_icalendars_own(line):
    assert fold(line) == _foldline(line)


@pytest.mark.parametrize("athlete", ["alex-morgan", "jordan-lee", "sam-okafor"])
def test_a_whole_calendar_is_the_bytes_icalendar_would_write(built_examples, athlete):
    ics = (built_examples.folder(athlete) / "plan.ics").read_bytes()
    assert Calendar.from_ical(ics).to_ical() == ics


@settings(max_examples=25, deadline=None)  # each example parses a 100 KB calendar
@given(name=st.text(min_size=1, max_size=60), clinician=st.text(max_size=60),
       phone=st.text(max_size=30))
def test_whatever_a_person_typed_is_written_as_icalendar_writes_it(protocol, name, clinician,
                                                                    phone):
    plan = schedule(make_profile(name=name), protocol, TODAY)
    ics = render_calendar(plan, protocol, Clinician(name=clinician, phone=phone),
                          "https://plans.example.org/x/")
    assert Calendar.from_ical(ics).to_ical() == ics
