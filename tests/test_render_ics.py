"""plan.ics read back as a calendar app reads it (icalendar), and re-imported after a change."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from factories import PROFILE_YAML, TODAY, make_profile
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Calendar, vText
from icalendar.parser.string import _foldline

from generator.profile import Clinician
from generator.render.ics import _text, fold, render_calendar
from generator.schedule import schedule


def events(path) -> list:
    return [c for c in Calendar.from_ical(path.read_bytes()).walk("VEVENT")]


def by_uid(path) -> dict:
    return {str(e["UID"]): e for e in events(path)}


@pytest.fixture(scope="module")
def jordan(built_examples):
    folder = built_examples.folder("jordan-lee")
    return events(folder / "plan.ics"), json.loads((folder / "plan.json").read_text())


def test_one_all_day_event_per_week_from_this_week_on(jordan):
    found, plan = jordan
    weekly = {str(e["UID"]).split("-")[1]: e for e in found if str(e["UID"]).startswith("week-")}
    ahead = [w for w in plan["weeks"] if w["status"] != "done"]
    assert sorted(weekly, key=int) == [str(w["number"]) for w in ahead]  # no week already done
    for week in ahead:
        event = weekly[str(week["number"])]
        assert event.decoded("DTSTART") == dt.date.fromisoformat(week["start"])
        # all-day events end the day after their last day
        assert event.decoded("DTEND") == dt.date.fromisoformat(week["end"]) + dt.timedelta(1)
        title = str(event["SUMMARY"])
        assert title.startswith(f"Week {week['number']}: ")
        description = str(event["DESCRIPTION"])
        for session in week["sessions"]:
            assert f"{session['title']}: " in description
            assert session["per_week"] in description  # how often, a week
        assert "+1 555 010 2233" in description
    week_12 = str(weekly["12"]["SUMMARY"])
    # after his setback: back to full weight-bearing, whose weeks have no brisk walk yet
    assert week_12 == "Week 12: Full weight-bearing"
    assert "Brisk walk" not in str(weekly["12"]["DESCRIPTION"])
    # the first week of walks: 15 minutes every week of the stay (marked history: walks grow
    # every 2 weeks), so the title leaves it to the description
    walks = next(w for w in plan["weeks"] if w["walk_minutes"])
    assert "Brisk walk: 15 minutes" in str(weekly[str(walks["number"])]["DESCRIPTION"])
    walk_run = next(w for w in plan["weeks"] if w["walk_run"])
    assert "walk-run 5 × (run 1 / walk 2 min)" in str(weekly[str(walk_run["number"])]["SUMMARY"])


def test_the_pain_rule_and_red_flags_are_written_once(jordan):
    found, plan = jordan
    full = [e for e in found if "Everything must be pain-free" in str(e["DESCRIPTION"])]
    assert [str(e["UID"]).split("-")[1] for e in full] == [str(plan["current_week"])]
    assert "Red flags" in str(full[0]["DESCRIPTION"])
    later = [e for e in found if str(e["UID"]).startswith("week-") and e not in full]
    assert later and all(f"in the event of week {plan['current_week']}." in str(e["DESCRIPTION"])
                         for e in later)


@pytest.mark.parametrize("athlete", ["alex-morgan", "jordan-lee", "sam-okafor", "tomas-reyes",
                                     "rosa-lindqvist"])
def test_nothing_ends_before_the_plans_date_and_checklists_and_starts_remind(
        built_examples, athlete):
    folder = built_examples.folder(athlete)
    found = events(folder / "plan.ics")
    as_of = dt.date.fromisoformat(json.loads((folder / "plan.json").read_text())["as_of"])
    assert all(e.decoded("DTEND") > as_of for e in found)
    for event in found:
        alarms = event.walk("VALARM")
        kind = str(event["UID"]).split("-")[0]
        assert bool(alarms) == (kind in ("gate", "milestone", "step")), event["SUMMARY"]
        for alarm in alarms:
            assert str(alarm["ACTION"]) == "DISPLAY"
            assert alarm.decoded("TRIGGER") == dt.timedelta(hours=9)  # 9:00 on the day
            assert str(alarm["DESCRIPTION"]) == str(event["SUMMARY"])


def test_gates_and_steps_ahead_have_their_own_events(jordan):
    found, plan = jordan
    gates = [e for e in found if str(e["UID"]).startswith("gate-")]
    gated = [w for w in plan["weeks"] if w["gate"] and w["status"] != "done"]
    assert sorted(e.decoded("DTSTART") for e in gates) == \
        sorted(dt.date.fromisoformat(w["end"]) for w in gated)
    first_run = next(e for e in gates if "before the first walk-run" in str(e["SUMMARY"]))
    assert "[ ] At least 12 weeks since diagnosis" in str(first_run["DESCRIPTION"])

    starts = {str(e["SUMMARY"]): e.decoded("DTSTART") for e in found
              if str(e["UID"]).startswith(("milestone-", "step-"))}
    current = plan["weeks"][plan["current_week"] - 1]
    ahead = {s["title"]: dt.date.fromisoformat(s["earliest"]) for w in plan["weeks"]
             if w["number"] >= current["number"] and (s := w["next_step"])}
    assert starts == {f"Earliest start: {title}": day for title, day in ahead.items()}
    # Jordan started strength stage 1 on 17 Nov, then stepped back: it starts again on 1 Dec
    assert starts["Earliest start: Strength stage 1"] == dt.date(2026, 12, 1)
    assert "Earliest start: Partial weight-bearing" not in starts  # done long ago


def test_each_event_links_the_page_when_the_site_address_is_known(protocol):
    plan = schedule(make_profile(), protocol, TODAY)
    url = "https://plans.example.org/abc/"
    linked = Calendar.from_ical(render_calendar(plan, protocol, Clinician(), url))
    assert all(str(e["DESCRIPTION"]).endswith(f"Your plan: {url}")
               for e in linked.walk("VEVENT"))
    bare = Calendar.from_ical(render_calendar(plan, protocol, Clinician()))
    assert not any("Your plan" in str(e["DESCRIPTION"]) for e in bare.walk("VEVENT"))


def test_every_date_has_a_four_digit_year_even_in_the_year_26(protocol):
    """strftime writes the year 26 as '26': a calendar of DTSTART:260818 no program reads.
    (Profiles refuse such dates; the calendar does not rely on that.)"""
    diagnosed = dt.date(26, 8, 18)
    plan = schedule(make_profile(diagnosed=diagnosed), protocol, dt.date(26, 11, 23))
    text = render_calendar(plan, protocol, Clinician()).decode()
    dates = re.findall(r"^(?:DTSTART|DTEND|DTSTAMP)[^:]*:(\S+)", text, flags=re.M)
    assert dates and all(re.fullmatch(r"\d{8}(T000000Z)?", d) for d in dates)
    assert "DTSTART;VALUE=DATE:00261123" in text  # this week's event
    assert "SEQUENCE:0" in text  # never negative for a date before 2000


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
    week_20 = next(uid for uid in after if uid.startswith("week-20-"))
    assert after[week_20].decoded("DTSTART") == dt.date(2027, 1, 19)
    assert before[week_20].decoded("DTSTART") == dt.date(2027, 1, 12)
    # the later build reads as newer to a calendar comparing versions
    assert after[week_20].decoded("DTSTAMP") > before[week_20].decoded("DTSTAMP")
    assert int(after[week_20]["SEQUENCE"]) > int(before[week_20]["SEQUENCE"])


def test_page_links_the_calendar(built_examples):
    page = (built_examples.folder("jordan-lee") / "index.html").read_text()
    assert '<a href="plan.ics">Add to calendar</a>' in page


# --- our serialization is icalendar's, only faster ---------------------------------------

@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab ·×é€😀\\^,;:") | st.characters(
    blacklist_categories=("Cs",), blacklist_characters="\n\r"), max_size=400))
def test_folding_is_icalendars_own(line):
    assert fold(line) == _foldline(line)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from("aN ·\\\r\n,;:\"^") | st.characters(
    blacklist_categories=("Cs",)), max_size=200))
def test_text_is_escaped_as_icalendar_escapes_it(value):
    assert _text(value) == vText(value).to_ical().decode()


@pytest.mark.parametrize("athlete", ["alex-morgan", "jordan-lee", "sam-okafor", "tomas-reyes",
                                     "rosa-lindqvist"])
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
