"""`rehab import-log` and what `rehab status` makes of the logs: the clinic's side of the
athlete's companion."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from factories import TODAY, make_profile

from generator.athlete_log import AthleteLog, LogEntry, log_weeks
from generator.schedule import schedule

AS_OF = ("--today", TODAY.isoformat())
DAY = dt.timedelta(days=1)


def log_file(tmp_path, entries, athlete="jordan-lee", name="log.json", **extra):
    path = tmp_path / name
    path.write_text(json.dumps({"athlete": athlete, "plan_as_of": TODAY.isoformat(),
                                "entries": entries, **extra}))
    return path


def entry(day, done=(), pain=None, note=None, **extra):
    return {"date": day.isoformat(), "done": list(done), "pain": pain, "note": note, **extra}


def planned_days(project, athlete):
    """Each day's planned sessions, from plan.json's `days`."""
    plan = json.loads(project.rehab("plan", athlete, "--format", "json").output)
    return {dt.date.fromisoformat(d["date"]): d["sessions"] for w in plan["weeks"]
            for d in w["days"]}


def planned(project, athlete, day):
    return planned_days(project, athlete)[day]


def stored(project, athlete="jordan-lee"):
    return json.loads((project.plans / f"{athlete}.log.json").read_text())


def status_of(project, athlete="jordan-lee", *args):
    result = project.rehab("status", "--format", "json", *AS_OF, *args)
    return next(a for a in json.loads(result.output)["athletes"] if a["athlete"] == athlete)


# --- import-log ---------------------------------------------------------------------------------

def test_a_log_is_checked_and_stored_beside_the_profile(example_project, tmp_path):
    sessions = planned(example_project, "jordan-lee", TODAY)
    path = log_file(tmp_path, [entry(TODAY, sessions[:1], 2, "bike felt fine")])
    result = example_project.rehab("import-log", str(path), *AS_OF)
    assert result.exit_code == 0, result.output
    assert result.output == (f"imported  {path} -> plans/jordan-lee.log.json: 1 day "
                             "(1 new, 0 changed)\n")
    assert stored(example_project) == {
        "athlete": "jordan-lee", "plan_as_of": TODAY.isoformat(),
        "entries": [entry(TODAY, sessions[:1], 2, "bike felt fine")]}
    assert not example_project.site.exists()  # nothing built, nothing published


def test_imports_merge_and_the_newest_wins_a_date(example_project, tmp_path):
    a = planned(example_project, "jordan-lee", TODAY - DAY)
    first = log_file(tmp_path, [entry(TODAY - 2 * DAY, pain=0), entry(TODAY - DAY, a, 1)],
                     name="first.json")
    second = log_file(tmp_path, [entry(TODAY - DAY, a, 3, "sore"), entry(TODAY, pain=0)],
                      name="second.json")
    assert example_project.rehab("import-log", str(first), *AS_OF).exit_code == 0
    result = example_project.rehab("import-log", str(second), *AS_OF)
    assert result.exit_code == 0, result.output
    assert "2 days (1 new, 1 changed)" in result.output
    assert "   check  jordan-lee: pain 3/10 " + (TODAY - DAY).isoformat() in result.output
    assert stored(example_project)["entries"] == [
        entry(TODAY - 2 * DAY, pain=0), entry(TODAY - DAY, a, 3, "sore"), entry(TODAY, pain=0)]


@pytest.mark.parametrize("change, problem", [
    (lambda e: {**e, "pain": 11}, "entries[0].pain: 11 is not a pain score"),
    (lambda e: {**e, "pain": "3"}, "entries[0].pain: '3' is not a pain score"),
    (lambda e: {**e, "pain": True}, "entries[0].pain: True is not a pain score"),
    (lambda e: {**e, "date": (TODAY + DAY).isoformat()},
     f"entries[0].date: {TODAY + DAY} is after today ({TODAY})"),
    (lambda e: {**e, "date": "2026-02-30"}, "entries[0].date: '2026-02-30' is not a real "
     "calendar date"),
    (lambda e: {**e, "date": "23/11/2026"}, "entries[0].date: '23/11/2026' is not a date"),
    (lambda e: {**e, "done": ["Moon walk"]},
     "entries[0].done: 'Moon walk' is not a session of jordan-lee's plan"),
    (lambda e: {**e, "pian": 2}, "entries[0].pian: unknown field"),
])
def test_a_bad_day_changes_nothing_and_says_where(example_project, tmp_path, change, problem):
    good = log_file(tmp_path, [entry(TODAY - 3 * DAY, pain=1)], name="good.json")
    assert example_project.rehab("import-log", str(good), *AS_OF).exit_code == 0
    before = (example_project.plans / "jordan-lee.log.json").read_bytes()
    bad = log_file(tmp_path, [change(entry(TODAY, pain=0))], name="bad.json")
    result = example_project.rehab("import-log", str(bad), *AS_OF)
    assert result.exit_code == 1
    assert result.output == f"error: {bad}: {problem}" + result.output.split(problem, 1)[1]
    assert len(result.output.splitlines()) == 1  # one line: the file and the problem
    assert (example_project.plans / "jordan-lee.log.json").read_bytes() == before


@pytest.mark.parametrize("text, problem", [
    ("{", "this is not a log (not JSON"),
    ("[]", "this is not a log: expected an object with athlete and entries"),
    ('{"athlete": "nobody", "entries": []}', "athlete: no athlete 'nobody' in plans/"),
    ('{"athlete": "../etc", "entries": []}', "athlete: '../etc' is not an athlete id"),
    ('{"athlete": "jordan-lee", "entries": {}}', "entries: expected a list of days"),
    ('{"athlete": "jordan-lee", "entries": [{"date": "2026-11-20"}, {"date": "2026-11-20"}]}',
     "entries[1].date: 2026-11-20 is listed twice"),
    ("\xff", "this is not UTF-8 text"),
])
def test_a_file_that_is_not_a_log_changes_nothing(example_project, tmp_path, text, problem):
    path = tmp_path / "x.json"
    path.write_bytes(text.encode("latin-1") if text == "\xff" else text.encode())
    result = example_project.rehab("import-log", str(path), *AS_OF)
    assert result.exit_code == 1
    assert result.output.startswith(f"error: {path}: {problem}")
    assert len(result.output.splitlines()) == 1
    assert list(example_project.plans.glob("*.log.json")) == []


def test_each_file_on_its_own(example_project, tmp_path):
    bad = log_file(tmp_path, [entry(TODAY, pain=12)], name="bad.json")
    good = log_file(tmp_path, [entry(TODAY, pain=0)], athlete="sam-okafor", name="good.json")
    result = example_project.rehab("import-log", str(bad), str(good), *AS_OF)
    assert result.exit_code == 1
    assert "error: " + str(bad) in result.output and "imported  " + str(good) in result.output
    assert not (example_project.plans / "jordan-lee.log.json").exists()
    assert stored(example_project, "sam-okafor")["entries"] == [entry(TODAY, pain=0)]


def test_a_profile_that_needs_referral_takes_no_log(example_project, tmp_path):
    profile = example_project.plans / "jordan-lee.yaml"
    profile.write_text(profile.read_text().replace("fracture_side: compression",
                                                   "fracture_side: tension"))
    path = log_file(tmp_path, [entry(TODAY, pain=0)])
    result = example_project.rehab("import-log", str(path), *AS_OF)
    assert result.exit_code == 1
    assert "jordan-lee needs referral: there is no plan to log against" in result.output


def test_the_plans_folder_is_an_option(example_project, tmp_path):
    moved = tmp_path / "clinic-plans"
    (example_project.plans).rename(moved)
    path = log_file(tmp_path, [entry(TODAY, pain=0)])
    result = example_project.rehab("import-log", str(path), "--plans", str(moved), *AS_OF)
    assert result.exit_code == 0, result.output
    assert (moved / "jordan-lee.log.json").is_file()


# --- status -------------------------------------------------------------------------------------

def test_status_without_a_log_says_nothing_of_one(example_project):
    jordan = status_of(example_project)
    assert (jordan["adherence_14d"], jordan["pain_max_7d"], jordan["last_log"]) == (
        None, None, None)
    result = example_project.rehab("status", *AS_OF)
    lines = result.output.splitlines()
    assert lines[2].split() == ["athlete", "now", "wk", "day", "next", "gate", "last", "event",
                                "done", "14d", "pain", "7d", "last", "log", "flags"]


def test_status_shows_adherence_pain_and_the_last_log(example_project, tmp_path):
    days = [TODAY - n * DAY for n in range(16)]
    plan = planned_days(example_project, "jordan-lee")
    window = days[:14]
    entries = [entry(d, plan[d], pain=1) for d in window[::2]]  # every other day, all done
    entries.append(entry(days[14], plan[days[14]], pain=9))  # 14 days ago: outside both
    entries.append(entry(days[9], pain=2))  # a day with nothing done, 9 days ago
    entries = sorted(entries, key=lambda e: e["date"])
    path = log_file(tmp_path, entries)
    assert example_project.rehab("import-log", str(path), *AS_OF).exit_code == 0
    jordan = status_of(example_project)
    done = sum(len(plan[d]) for d in window[::2])
    total = sum(len(plan[d]) for d in window)
    assert (jordan["done_14d"], jordan["planned_14d"]) == (done, total)
    assert jordan["adherence_14d"] == round(done / total, 3)
    assert 0 < jordan["adherence_14d"] < 1
    assert jordan["pain_max_7d"] == 1
    assert jordan["last_log"] == TODAY.isoformat()
    assert not any(f.startswith("pain") for f in jordan["flags"])  # below the threshold
    line = next(ln for ln in example_project.rehab("status", *AS_OF).output.splitlines()
                if ln.startswith("jordan-lee"))
    assert f" {done}/{total} " in line and f" {TODAY} " in line


def test_pain_at_the_threshold_and_red_flags_are_flagged_for_the_clinician(example_project,
                                                                            tmp_path):
    stop = json.loads(example_project.rehab("plan", "jordan-lee", "--format", "json",
                                            *AS_OF).output)["pain_stop_at"]
    path = log_file(tmp_path, [entry(TODAY - 8 * DAY, pain=10),  # a week ago: not flagged
                               entry(TODAY - 2 * DAY, pain=stop),
                               entry(TODAY - DAY, pain=stop - 1, red_flag=True)])
    assert example_project.rehab("import-log", str(path), *AS_OF).exit_code == 0
    jordan = status_of(example_project)
    assert jordan["pain_max_7d"] == stop
    assert jordan["flags"][-2:] == [f"pain {stop}/10 {TODAY - 2 * DAY}",
                                    f"red flag {TODAY - DAY}"]
    assert stored(example_project)["entries"][-1]["red_flag"] is True


def test_a_log_edited_by_hand_into_nonsense_keeps_the_row(example_project):
    (example_project.plans / "jordan-lee.log.json").write_text("{oops")
    jordan = status_of(example_project)
    assert jordan["state"] == "ok" and jordan["week"] == 12
    assert jordan["flags"][-1].startswith("log unreadable: plans/jordan-lee.log.json: ")


def test_an_athlete_who_stopped_logging_is_flagged_after_7_days(example_project, tmp_path):
    path = log_file(tmp_path, [entry(TODAY - 9 * DAY, pain=0)])
    imported = example_project.rehab("import-log", str(path), *AS_OF)
    assert f"check  jordan-lee: no log for 9 days (last {TODAY - 9 * DAY})" in imported.output
    assert status_of(example_project)["flags"][-1] == f"no log for 9 days (last {TODAY - 9 * DAY})"
    # six days without a log is an ordinary week between imports; none imported is no flag
    assert "no log" not in " ".join(status_of(example_project, "jordan-lee", "--today",
                                              (TODAY - 3 * DAY).isoformat())["flags"])
    assert not any("no log" in f for f in status_of(example_project, "alex-morgan")["flags"])


def test_the_last_8_weeks_of_a_log_week_by_week(protocol):
    """What the dashboard charts: per plan week up to today, sessions done of those planned,
    and each day's entry (its pain)."""
    plan = schedule(make_profile(), protocol, TODAY)  # diagnosed Tue 2026-09-01: week 12 now
    days = {d.date: d.sessions for w in plan.weeks for d in w.days}
    log = AthleteLog("test-athlete", (
        LogEntry(TODAY - 8 * DAY, days[TODAY - 8 * DAY], pain=1),
        LogEntry(TODAY, days[TODAY][:1], pain=4, red_flag=True)))
    weeks = log_weeks(log, plan, TODAY)
    assert [w.number for w in weeks] == list(range(5, 13))
    current = weeks[-1]
    assert (current.start, current.end) == (TODAY - 6 * DAY, TODAY)  # up to today only
    assert current.planned == sum(len(days[TODAY - n * DAY]) for n in range(7))
    assert current.done == 1 and current.days[-1].pain == 4 and current.days[-1].red_flag
    before = weeks[-2]
    assert before.done == len(days[TODAY - 8 * DAY]) and before.days[-2].pain == 1
    assert sum(e is not None for w in weeks for e in w.days) == 2
    assert log_weeks(None, plan, TODAY)[-1].done == 0
