"""The days of each week (plan.json's `days`, the phone's "Today"): the plan decides them from
each session's times a week and the protocol's `spacing_rules:`."""

from __future__ import annotations

import datetime as dt

import pytest
from factories import ROOT, make_profile
from hypothesis import given
from test_progress_properties import PROFILE_SETTINGS, histories

from generator.days import week_days
from generator.errors import InputError
from generator.plan import WeekSession
from generator.protocol import SpacingRule, load_protocol, load_protocols
from generator.schedule import schedule

RULES = {"a rest day between": SpacingRule(rest_days=1),
         "not on run days": SpacingRule(not_with=("walk_run", "run"))}


def session(title, kind, times, spacing=""):
    return WeekSession(kind, title, "", times, spacing=spacing)


def on_days(placed, title):
    return [i for i, day in enumerate(placed) if any(s.title == title for s in day)]


def assert_days_keep_the_protocol(plan, protocol):
    """Every week: seven days from its start; each session on its fewest times a week (in
    the week back from a pause, fewer: its days still in the pause keep only what a paused
    week keeps); the protocol's spacing kept, across the week's start too."""
    previous = None
    for week in plan.weeks:
        assert [d.date for d in week.days] == [week.start + dt.timedelta(days=i)
                                                for i in range(7)]
        for s in week.sessions:
            count = sum(s.title in d.sessions for d in week.days)
            wanted = min(s.times_per_week[0], 7)
            if week.back_from:
                paused = [d for d in week.days if plan.pause_on(d.date)]
                assert count <= wanted and (s.kind in protocol.paused_kinds or not any(
                    s.title in d.sessions for d in paused)), (week.number, s.title)
            else:
                assert count == wanted, (week.number, s.title)
        kinds = {s.title: s.kind for s in week.sessions}
        days = [{kinds[t] for t in d.sessions} for d in week.days]
        for s in week.sessions:
            rule = protocol.spacing_rules.get(s.spacing, SpacingRule())
            mine = [i for i, d in enumerate(week.days) if s.title in d.sessions]
            for i in mine:
                assert not set(rule.not_with) & days[i], (week.number, s.title, i)
                for gap in range(1, rule.rest_days + 1):
                    before = days[i - gap] if i - gap >= 0 else (
                        previous[7 + i - gap] if previous else set())
                    assert s.kind not in before, (week.number, s.title, i)
        previous = days


def test_runs_fall_with_a_rest_day_between_and_strength_not_on_run_days():
    run = session("Walk-run", "walk_run", (3, 3), "a rest day between")
    upkeep = session("Strength upkeep", "strength", (2, 2), "not on run days")
    bike = session("Bike", "cross_training", (1, 2), "not on run days")
    placed = week_days([upkeep, bike, run], RULES)  # the run goes first whatever the order
    assert on_days(placed, "Walk-run") == [0, 2, 4]
    assert on_days(placed, "Strength upkeep") == [3, 6]
    assert on_days(placed, "Bike") == [1]  # the fewest of 1-2 times: one day
    assert placed[5] == []  # a rest day


def test_daily_sessions_fall_on_every_day_and_others_spread_to_the_emptiest_days():
    daily = session("Exercises", "rehab", (7, 7))
    fitness = session("Upper-body fitness", "cross_training", (3, 3))
    placed = week_days([daily, fitness], RULES)
    assert on_days(placed, "Exercises") == list(range(7))
    assert on_days(placed, "Upper-body fitness") == [0, 2, 4]


def test_a_rest_day_reaches_back_into_the_week_before():
    strength = session("Strength", "strength", (3, 3), "a rest day between")
    walk = session("Walk", "walk", (3, 3))
    # the week before ended with strength: this week's may not start with it
    before = [set(), set(), set(), set(), set(), set(), {"strength"}]
    placed = week_days([walk, strength], {"a rest day between": SpacingRule(rest_days=1)},
                       before)
    assert 0 not in on_days(placed, "Strength")
    assert len(on_days(placed, "Strength")) == 3


@pytest.mark.parametrize("athlete", ["alex-morgan", "jordan-lee", "sam-okafor", "tomas-reyes",
                                     "rosa-lindqvist", "mia-hoffmann"])
def test_the_examples_days_keep_the_protocol(athlete, protocols):
    from generator.profile import load_profile

    today = dt.date(2026, 11, 23)
    profile = load_profile(ROOT / "plans" / f"{athlete}.yaml", protocols, today)
    protocol = protocols[profile.protocol]
    plan = schedule(profile, protocol, today)
    assert_days_keep_the_protocol(plan, protocol)
    # plan.json carries them: seven {date, sessions} a week
    week = plan.to_dict()["weeks"][0]
    assert [set(d) for d in week["days"]] == [{"date", "sessions"}] * 7


@given(data=__import__("hypothesis").strategies.data())
@PROFILE_SETTINGS
def test_any_valid_history_gets_days_that_keep_the_protocol(shipped_protocol, data):
    protocol = shipped_protocol
    history = data.draw(histories(protocol))
    plan = schedule(history.profile(), protocol, history.today)
    assert_days_keep_the_protocol(plan, protocol)
    for week in plan.weeks:  # a paused week runs on no day
        if week.paused:
            runs = {s.title for s in week.sessions if s.kind in ("walk_run", "run")}
            assert not runs & {t for d in week.days for t in d.sessions}
    # from full weight-bearing on, every week has a day with no session at all
    rested = [p.id for p in protocol.phases if p.rest_days]
    assert rested and all(p.rest_days for p in protocol.phases if p.kind != "fixed")
    for week in plan.weeks:
        if week.phase in rested:
            assert any(not day.sessions for day in week.days), week


def test_the_toy_protocol_gets_days_with_no_python_change():
    protocol = load_protocols(ROOT / "tests" / "protocols")["metatarsal-stress-fracture"]
    profile = make_profile(protocol=protocol.id, severity="low_risk",
                           injury={"site": "second_shaft", "pain_at_rest": False},
                           history={"previous_foot_fractures": False})
    plan = schedule(profile, protocol, profile.diagnosed)
    assert_days_keep_the_protocol(plan, protocol)
    runs = [w for w in plan.weeks if w.walk_run]
    assert [i for i, d in enumerate(runs[0].days) if "Run" in d.sessions] == [0, 2, 4]


def test_a_spacing_the_protocol_does_not_explain_is_a_content_error(tmp_path):
    import shutil

    folder = tmp_path / "femoral-neck-stress-fracture"
    shutil.copytree(ROOT / "content" / folder.name, folder)
    path = folder / "protocol.yaml"
    path.write_text(path.read_text().replace("  not on run days: {not_with: [walk_run, run]}\n",
                                             ""))
    with pytest.raises(InputError) as caught:
        load_protocol(folder)
    found = [str(p) for p in caught.value.problems]
    assert found and all("'not on run days' is not in spacing_rules" in p for p in found)
    assert "phases[10].extra_sessions[0].spacing" in found[0]
