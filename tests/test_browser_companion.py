"""The athlete's companion on the phone page, in Chromium at 390x844 with a fake clock: today's
sessions from the plan, tick-offs and the pain score kept on the phone (reloads, offline, plan
updates), the alert, the log to download, and the walk-run timer."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from browser import Site
from conftest import Project
from factories import TODAY, copy_project
from test_browser import (  # noqa: F401  (fixtures)
    SW_TIMEOUT_MS,
    _controlled,
    browser,
    in_week,
    open_watched,
    phone,
    site,
    url,
    weeks_of,
)

NOON = dt.time(12)


def at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, NOON)


def planned(weeks: list[dict], day: dt.date) -> list[str]:
    """What plan.json has on a day."""
    return next(d["sessions"] for w in weeks for d in w["days"] if d["date"] == day.isoformat())


def ticks(page) -> list[str]:
    return page.locator("#today").get_by_role("checkbox").evaluate_all(
        "boxes => boxes.map(b => b.labels[0].textContent.trim())")


def today_boxes(page):
    return page.locator("#today .ticks").get_by_role("checkbox")


# --- Today: the plan's sessions for the phone's date ------------------------------------------

@pytest.mark.parametrize("offset", [0, 1, 2, 3, 4, 5, 6, 9])
def test_today_lists_the_sessions_the_plan_puts_on_the_phones_date(
        url, site, phone, built_examples, offset):
    weeks = weeks_of(built_examples, "jordan-lee")
    day = TODAY + dt.timedelta(days=offset)
    page, seen = open_watched(phone(), url(site, "jordan-lee"), at(day))
    heading = page.get_by_role("heading", name="Today", exact=False).filter(
        has_text="Today is")
    assert heading.count() == 1 and heading.inner_text().startswith("Today")
    section = page.get_by_role("region", name=heading.inner_text())
    assert section.count() == 1
    names = planned(weeks, day)
    for name in names:  # each a checkbox whose name is the session's title
        assert section.get_by_role("checkbox", name=name, exact=True).count() == 1
    assert today_boxes(page).count() == len(names)
    # a full rest day says so (every week from full weight-bearing on has one)
    rest = section.get_by_text("Rest day: no session planned today.")
    assert rest.count() == (0 if names else 1)
    assert seen["errors"] == []


def test_today_never_lists_a_step_only_the_clinic_opens(url, site, phone, built_examples):
    """Sam's partial weight-bearing is projected, not recorded: a month past it, Today still
    lists non-weight-bearing sessions, the held week's, by weekday."""
    weeks = weeks_of(built_examples, "sam-okafor")
    gated = next(w for w in weeks if w["needs_clearance"])
    held = weeks[gated["number"] - 2]
    gated_titles = {s["title"] for s in gated["sessions"]} - {
        s["title"] for s in held["sessions"]}
    for offset in range(7):
        day = dt.date.fromisoformat(weeks[gated["number"] + 3]["start"]) + dt.timedelta(offset)
        page, seen = open_watched(phone(), url(site, "sam-okafor"), at(day))
        shown = ticks(page)[:today_boxes(page).count()]
        assert shown == held["days"][offset]["sessions"]
        assert not set(shown) & gated_titles
        assert seen["errors"] == []
        page.close()


def test_a_rest_day_says_so(phone, cleared_runner):
    weeks, _, page_url = cleared_runner
    week = next(w for w in weeks if w["walk_run"] and w["status"] == "current")
    rest = next(d for d in week["days"] if not d["sessions"])
    page, seen = open_watched(phone(), page_url, at(dt.date.fromisoformat(rest["date"])))
    assert today_boxes(page).count() == 0
    assert "Rest day" in page.locator("#today").inner_text()
    assert seen["errors"] == []


# --- kept on the phone ---------------------------------------------------------------------------

def log_of(page) -> dict:
    with page.expect_download() as caught:
        page.get_by_role("button", name="Download my log").click()
    download = caught.value
    assert download.suggested_filename.endswith(".json")
    return json.loads(open(download.path()).read())


def test_ticks_and_pain_survive_a_reload_and_offline_use_and_reach_the_clinic(
        url, built_examples, phone, example_project, tmp_path):
    """The whole way: ticked on the phone, kept through a reload and offline, downloaded,
    imported at the clinic, shown by `rehab status`."""
    weeks = weeks_of(built_examples, "jordan-lee")
    day = TODAY - dt.timedelta(days=1)  # Sunday: a bike day (Monday is the week's rest day)
    names = planned(weeks, day)
    context = phone()
    with Site(built_examples.site) as served:
        page, seen = open_watched(context, url(served, "jordan-lee"), at(day))
        _controlled(page)
        page.get_by_role("checkbox", name=names[0]).check()
        page.get_by_label("Pain", exact=True).fill("2")
        page.get_by_label("Note", exact=True).fill("stiff after the bike")
        page.reload()
        assert page.get_by_role("checkbox", name=names[0]).is_checked()
        assert page.get_by_label("Pain", exact=True).input_value() == "2"

        context.set_offline(True)
        served.down = True  # no network at all
        page.reload()
        assert page.locator("#now-title").inner_text() == "This week"
        assert page.get_by_role("checkbox", name=names[0]).is_checked()
        assert page.get_by_label("Pain", exact=True).input_value() == "2"
        assert page.get_by_label("Note", exact=True).input_value() == "stiff after the bike"

        # the next day starts unticked; the day before stays in the log
        page.clock.set_fixed_time(at(day + dt.timedelta(days=1)))
        page.reload()
        assert not any(today_boxes(page).nth(i).is_checked()
                       for i in range(today_boxes(page).count()))
        assert page.get_by_label("Pain", exact=True).input_value() == ""
        log = log_of(page)
    assert log == {"athlete": "jordan-lee", "plan_as_of": TODAY.isoformat(), "entries": [
        {"date": day.isoformat(), "done": [names[0]], "pain": 2,
         "note": "stiff after the bike"}]}
    assert seen["errors"] == []

    downloaded = tmp_path / "from-the-phone.json"
    downloaded.write_text(json.dumps(log))
    today = ("--today", TODAY.isoformat())
    result = example_project.rehab("import-log", str(downloaded), *today)
    assert result.exit_code == 0, result.output
    status = json.loads(example_project.rehab("status", "--format", "json", *today).output)
    jordan = next(a for a in status["athletes"] if a["athlete"] == "jordan-lee")
    assert jordan["done_14d"] == 1 and jordan["planned_14d"] > 1
    assert jordan["adherence_14d"] == round(1 / jordan["planned_14d"], 3)
    assert (jordan["pain_max_7d"], jordan["last_log"]) == (2, day.isoformat())


def test_the_log_outlives_a_plan_update(url, built_examples, tmp_path, phone):
    out = tmp_path / "site"
    assert built_examples.rehab("build", "jordan-lee", "--no-pdf", "--out",
                                str(out)).exit_code == 0
    later = TODAY + dt.timedelta(days=7)
    with Site(out) as served:
        context = phone()
        page, _ = open_watched(context, url(served, "jordan-lee"), at(TODAY))
        page.get_by_label("Pain", exact=True).fill("1")
        result = built_examples.rehab("build", "jordan-lee", "--no-pdf", "--out", str(out),
                                      "--today", later.isoformat())
        assert result.exit_code == 0, result.output
        page.clock.set_fixed_time(at(later))
        page.reload()
        assert page.locator(".asof").inner_text() == "Mon 30 Nov 2026"  # the new plan
        log = log_of(page)
    assert log["plan_as_of"] == later.isoformat()
    assert log["entries"] == [{"date": TODAY.isoformat(), "done": [], "pain": 1, "note": None}]


# --- pain and red flags ---------------------------------------------------------------------------

def test_pain_at_the_stop_threshold_or_a_red_flag_raises_an_alert(url, site, phone,
                                                                   built_examples):
    plan = json.loads((built_examples.folder("jordan-lee") / "plan.json").read_text())
    stop = plan["pain_stop_at"]
    page, seen = open_watched(phone(), url(site, "jordan-lee"), at(TODAY))
    pain = page.get_by_label("Pain", exact=True)
    alert = page.get_by_role("alert")
    assert alert.count() == 0  # a hidden alert is no alert
    pain.fill(str(stop - 1))
    assert alert.count() == 0
    # below it, the protocol's own words: for this high-risk site, stop and step back
    assert page.get_by_text(plan["pain_advice"]).is_visible()
    assert plan["pain_advice"].startswith("Pain in the hip, groin or thigh: stop, go back")
    pain.fill(str(stop))
    assert alert.count() == 1 and alert.is_visible()
    words = alert.inner_text()
    assert f"Pain of {stop} or more: stop and contact your clinician today." in words
    assert "groin, front of the thigh or knee at rest or at night" in words  # the red flags
    assert alert.get_by_role("link", name="Call +1 555 010 2233").is_visible()
    pain.fill("0")
    assert alert.count() == 0
    page.get_by_role("checkbox", name="Red flag today").check()
    assert alert.is_visible()
    assert "A red flag: stop and contact your clinician today." in alert.inner_text()
    page.reload()  # kept for the day
    assert page.get_by_role("alert").is_visible()
    assert log_of(page)["entries"] == [{"date": TODAY.isoformat(), "done": [], "pain": 0,
                                        "note": None, "red_flag": True}]
    assert seen["errors"] == []


def test_the_pain_control_takes_0_to_10_only(url, site, phone):
    page, _ = open_watched(phone(), url(site, "sam-okafor"), at(TODAY))
    pain = page.get_by_role("spinbutton", name="Pain")
    assert (pain.get_attribute("min"), pain.get_attribute("max")) == ("0", "10")
    pain.fill("14")
    pain.blur()
    assert pain.input_value() == "10"
    assert log_of(page)["entries"][0]["pain"] == 10


# --- the walk-run timer ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def cleared_runner(built_examples, tmp_path_factory):
    """Alex cleared for the first walk-run on 1 Dec; the site built on 2 Dec."""
    project = Project(copy_project(tmp_path_factory.mktemp("runner")))
    profile = project.plans / "alex-morgan.yaml"
    last = "  - {date: 2026-11-17, event: strength_stage, stage: 5}\n"
    assert last in profile.read_text()
    profile.write_text(profile.read_text().replace(last, last + (
        "  - {date: 2026-11-24, event: strength_stage, stage: 6}\n"
        "  - {date: 2026-12-01, event: walk_run_cleared}\n")))
    result = project.rehab("build", "alex-morgan", "--no-pdf", "--today", "2026-12-02")
    assert result.exit_code == 0, result.output
    with Site(project.site) as served:
        yield (weeks_of(project, "alex-morgan"), served,
               served.url + project.folder("alex-morgan").name + "/")


RECORDER = """
window.__buzz = [];
window.__locks = 0;
navigator.vibrate = pattern => { window.__buzz.push(pattern); return true; };
Object.defineProperty(navigator, 'wakeLock', {value: {request: async () => {
    window.__locks += 1;
    return {release: async () => { window.__locks -= 1; }};
}}});
"""


def test_walk_run_timer_follows_the_weeks_intervals_by_the_clock(phone, cleared_runner):
    weeks, _, page_url = cleared_runner
    week = next(w for w in weeks if w["status"] == "current")
    run = week["walk_run"]
    assert (run["run_minutes"], run["walk_minutes"], run["repeats"]) == (1, 2, 5)
    context = phone()
    context.add_init_script(RECORDER)
    page = context.new_page()
    start = dt.datetime(2026, 12, 2, 7, 0)
    page.clock.install(time=start)
    page.goto(page_url)
    page.clock.pause_at(start + dt.timedelta(seconds=1))
    timer = page.get_by_role("timer")
    assert timer.count() == 0
    page.get_by_role("button", name="Start walk-run timer").click()
    assert timer.inner_text() == "Run 01:00 1 of 5"
    page.clock.run_for(30_000)
    assert timer.inner_text() == "Run 00:30 1 of 5"
    page.clock.run_for(30_000)
    assert timer.inner_text() == "Walk 02:00 1 of 5"
    assert page.evaluate("window.__buzz.length") == 1  # a buzz at the change
    assert page.evaluate("window.__locks") == 1  # the screen stays on

    page.get_by_role("button", name="Pause").click()
    assert page.evaluate("window.__locks") == 0
    page.clock.run_for(90_000)
    assert timer.inner_text() == "Walk 02:00 1 of 5"  # paused: no time passes
    page.get_by_role("button", name="Resume").click()
    page.clock.run_for(60_000)
    assert timer.inner_text() == "Walk 01:00 1 of 5"

    # a locked phone or a throttled tab: the clock jumps five minutes with no tick in between
    now = page.evaluate("Date.now()")
    page.clock.set_system_time(dt.datetime.fromtimestamp(now / 1000) + dt.timedelta(minutes=5))
    page.clock.run_for(250)
    # 2 min gone + 5 = 7: two repeats of 1+2 min, and the third's run
    assert timer.inner_text() == "Walk 02:00 3 of 5"

    page.clock.run_for(15 * 60_000)
    assert timer.inner_text() == "Done"
    assert not page.get_by_role("button", name="Pause").is_visible()
    assert page.evaluate("window.__locks") == 0
    # a buzz at each change it showed: run to walk, the jump, the 4 changes after it, the end
    assert page.evaluate("window.__buzz.length") == 7
    assert page.evaluate("window.__buzz.at(-1)") == [400, 200, 400]


def test_no_timer_in_a_week_without_walk_run(url, site, phone):
    page, _ = open_watched(phone(), url(site, "jordan-lee"), at(TODAY))
    assert page.get_by_role("button", name="Start walk-run timer").count() == 0


@pytest.fixture(scope="module")
def cleared_runner_in_german(tmp_path_factory):
    """Alex, cleared for the first walk-run on 1 Dec, reading German; built on 2 Dec."""
    project = Project(copy_project(tmp_path_factory.mktemp("runner-de")))
    profile = project.plans / "alex-morgan.yaml"
    last = "  - {date: 2026-11-17, event: strength_stage, stage: 5}\n"
    profile.write_text(profile.read_text().replace(last, last + (
        "  - {date: 2026-11-24, event: strength_stage, stage: 6}\n"
        "  - {date: 2026-12-01, event: walk_run_cleared}\n")) + "language: de\n")
    result = project.rehab("build", "alex-morgan", "--no-pdf", "--today", "2026-12-02")
    assert result.exit_code == 0, result.output
    with Site(project.site) as served:
        yield served.url + project.folder("alex-morgan").name + "/"


def test_the_phone_speaks_the_pages_language(phone, cleared_runner_in_german):
    """plan.js's words on a German page: Today, the log, the pain alert and the timer."""
    context = phone()
    context.add_init_script(RECORDER)
    page = context.new_page()
    start = dt.datetime(2026, 12, 3, 7, 0)  # a Thursday: the plan's dates say so in German
    page.clock.install(time=start)
    page.goto(cleared_runner_in_german)
    page.clock.pause_at(start + dt.timedelta(seconds=1))
    assert page.locator("html").get_attribute("lang") == "de"
    assert page.locator("#now-title").inner_text() == "Diese Woche"
    assert page.locator("#today-title").inner_text() == "Heute ist Do., 3. Dez. 2026."
    assert page.get_by_role("button", name="Mein Protokoll herunterladen").count() == 1
    page.get_by_role("spinbutton", name="Schmerz").fill("5")
    assert page.get_by_role("alert").locator(".stop").inner_text() == (
        "Schmerz 3 oder mehr: Hören Sie auf und melden Sie sich noch heute bei Ihrem "
        "Behandlungsteam.")
    page.get_by_role("button", name="Geh-Lauf-Timer starten").click()
    assert page.get_by_role("timer").inner_text() == "Laufen 01:00 1 von 5"
    page.get_by_role("button", name="Pause").click()
    assert page.get_by_role("button", name="Weiter").count() == 1
