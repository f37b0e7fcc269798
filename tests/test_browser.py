"""The athlete's page in a real client: Chromium at phone size (390x844), served from localhost."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil

import pytest
from browser import PHONE, Site, chromium, missing
from factories import ROOT, TODAY

from generator.render.figure import SCREEN_PX

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ATHLETES = ("alex-morgan", "jordan-lee", "sam-okafor", "tomas-reyes", "rosa-lindqvist")
EXAMPLES = sorted(path.stem for path in (ROOT / "plans").glob("*.yaml"))  # Mia's in German


def _require(problem: str | None) -> None:
    if problem is None:
        return
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{problem}: browser tests must run in CI (.ci/run installs what they need)")
    pytest.skip(problem)


@pytest.fixture(scope="module")
def browser():
    _require(missing())
    with chromium() as instance:
        yield instance


@pytest.fixture(scope="module")
def site(built_examples):
    """The examples' site, served for the tests that only read it."""
    with Site(built_examples.site) as served:
        yield served


@pytest.fixture
def url(built_examples):
    """The address of an athlete's page on a served site built from the examples' project
    (one secret key, so the same token folder in every build)."""
    return lambda served, athlete: served.url + built_examples.folder(athlete).name + "/"


@pytest.fixture
def phone(browser):
    """A fresh phone: its own storage, caches and service workers."""
    contexts = []

    def make(**options):
        context = browser.new_context(**{"viewport": PHONE, **options})
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


def weeks_of(project, athlete: str) -> list[dict]:
    return json.loads((project.folder(athlete) / "plan.json").read_text())["weeks"]


def in_week(week: dict, day: int = 3) -> dt.datetime:
    """Midday on a day inside the week: no time zone can move it into the next week."""
    return dt.datetime.combine(dt.date.fromisoformat(week["start"]) + dt.timedelta(days=day),
                               dt.time(12, 0))


def open_watched(context, url: str, on_date: dt.datetime | None = None):
    """Load a page, collecting console errors, page errors and every URL requested."""
    page = context.new_page()
    seen = {"errors": [], "requests": []}
    page.on("console", lambda m: m.type == "error" and seen["errors"].append(m.text))
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    context.on("request", lambda r: seen["requests"].append(r.url))
    if on_date:
        page.clock.set_fixed_time(on_date)
    page.goto(url)
    page.wait_for_load_state("networkidle")
    return page, seen


def snapshot(page) -> dict:
    """What the athlete sees of the week marking: this week's card and checklist, the steps of
    the road ahead and the weeks marked in them, and which how-tos are open."""
    return page.evaluate("""() => {
        const text = e => e.innerText.replace(/\\s+/g, ' ').trim();
        const card = document.getElementById('this-week').cloneNode(true);
        // the phone's own: its date, and what it logs for the day
        card.querySelectorAll('.today, #today').forEach(e => e.remove());
        document.body.append(card);
        const words = text(card);
        card.remove();
        const state = e => ['done', 'current'].find(c => e.classList.contains(c)) || 'upcoming';
        const badge = (e, css) => e.querySelector(css)?.textContent || '';
        return {
            card: words, checklist: text(document.getElementById('checklist')),
            steps: [...document.querySelectorAll('details.step')].map(d => d.id + ':'
                + state(d) + ':' + badge(d, 'summary > .here, summary > .done')),
            weeks: [...document.querySelectorAll('li[data-start]')].map(li => li.id + ':'
                + state(li) + ':' + badge(li, ':scope > .here, :scope > .done')),
            how_tos: [...document.querySelectorAll('details.stage[open]')].map(d => d.id),
        };
    }""")


# --- loads cleanly --------------------------------------------------------------------------

@pytest.mark.parametrize("athlete", ATHLETES)
def test_page_loads_with_no_console_error_and_no_request_outside_the_site(
        url, site, phone, athlete):
    page, seen = open_watched(phone(), url(site, athlete))
    assert page.locator("h1").inner_text()
    assert seen["errors"] == []
    outside = [u for u in seen["requests"] if not u.startswith(url(site, athlete))]
    assert outside == []
    assert seen["requests"], "the watcher saw no request at all"


def test_page_is_fully_readable_without_javascript(url, site, phone, built_examples):
    page, _ = open_watched(phone(java_script_enabled=False), url(site, "jordan-lee"))
    weeks = weeks_of(built_examples, "jordan-lee")
    current = next(w for w in weeks if w["status"] == "current")
    assert page.locator("#now-title").inner_text() == "This week"
    assert page.locator("#this-week .dates").inner_text().startswith(
        f"Week {current['number']} of {len(weeks)} · ")
    assert page.locator("li[data-start]").count() == len(weeks)  # every week is on the page
    first_run = next(w["number"] for w in weeks if w["walk_run"])
    page.locator("#p-walk_run > summary").click()
    assert page.locator(f"#week-{first_run}").is_visible()
    assert "run 1 min, walk 2 min" in page.locator(f"#week-{first_run}").inner_text()


# --- "This week" by the phone's own date ---------------------------------------------------

@pytest.mark.parametrize("pick", ["first", "build week", "next", "walk-run", "last"])
def test_this_week_follows_the_phones_date(url, site, phone, built_examples, pick):
    weeks = weeks_of(built_examples, "jordan-lee")
    build_week = next(i for i, w in enumerate(weeks) if w["status"] == "current")
    index = {"first": 0, "build week": build_week, "next": build_week + 1,
             "walk-run": next(i for i, w in enumerate(weeks) if w["walk_run"]),
             "last": len(weeks) - 1}[pick]
    week = weeks[index]
    page, seen = open_watched(phone(), url(site, "jordan-lee"), on_date=in_week(week))

    # the first run is projected, not recorded: the phone never moves onto it (or past it)
    hold = next(w["number"] for w in weeks if w["needs_clearance"])
    number = min(week["number"], hold - 1)
    assert page.locator("#now-title").inner_text() == "This week"
    dates = page.locator("#this-week .dates").inner_text()
    if week["number"] < hold:
        assert dates.startswith(f"Week {number} of {len(weeks)} · ")
    else:  # held before the hops: the week shown is behind the phone's date, so no dates
        assert dates == f"Week {number} of {len(weeks)}"
    day = in_week(week)
    assert page.locator("#this-week .today").inner_text() == \
        f"Today is {day:%a} {day.day} {day:%b %Y}."
    assert page.locator("li[data-start].current").evaluate_all("e => e.map(x => x.id)") == \
        [f"week-{number}"]
    here = page.locator("details.step.current")
    assert here.count() == 1 and here.locator(f"#week-{number}").count() == 1
    assert page.locator("details.step[open]").count() == 0
    assert seen["errors"] == []


def test_the_card_made_in_the_phone_matches_the_card_the_build_makes(
        url, site, phone, built_examples, tmp_path):
    """JS and template must say the same: build for a later date, compare with the clock moved."""
    # Jordan: every event is in the past and strength stages 1-5 open themselves, so a build
    # for any later day up to stage 6 (its hops only the clinic opens) is the same plan
    weeks = weeks_of(built_examples, "jordan-lee")

    def first(phase):
        return next(w for w in weeks if w["phase"] == phase)

    # strength with walks, plyometrics, and the last week before the single-leg hops
    last_before_hops = weeks[first("strength_stage_6")["number"] - 2]
    for week in (first("strength_stage_2"), first("strength_stage_5"), last_before_hops):
        day = in_week(week)
        later = tmp_path / week["start"]
        result = built_examples.rehab("build", "jordan-lee", "--no-pdf", "--out", str(later),
                                      "--today", day.date().isoformat())
        assert result.exit_code == 0, result.output
        with Site(later) as rebuilt:
            built, _ = open_watched(phone(java_script_enabled=False), url(rebuilt, "jordan-lee"))
            expected = snapshot(built)
        moved, _ = open_watched(phone(), url(site, "jordan-lee"), on_date=day)
        assert snapshot(moved) == expected


def test_on_the_phone_a_stage_set_back_and_a_week_back_from_a_pause_read_as_built(
        phone, project, tmp_path):
    """Strength stage 1 set back on Thu 12 Nov; flu from Thu 19 Nov, back on Thu 26 Nov: a
    page built before the return, opened on a later day, says what a build of that day says."""
    from factories import PROFILE_YAML

    project.write_profile("ann", PROFILE_YAML + (
        "progress:\n"
        "  - {date: 2026-10-20, event: partial_weight_bearing}\n"
        "  - {date: 2026-10-27, event: full_weight_bearing}\n"
        "  - {date: 2026-11-03, event: strength_stage, stage: 1}\n"
        "  - {date: 2026-11-12, event: setback}\n"
        "  - {date: 2026-11-19, event: pause, until: 2026-11-26, note: flu}\n"))
    built = {}
    for day in ("2026-11-19", "2026-11-27"):
        result = project.rehab("build", "--no-pdf", "--out", str(tmp_path / day), "--today", day)
        assert result.exit_code == 0, result.output
        built[day] = tmp_path / day / project.folder("ann").name
    with Site(tmp_path / "2026-11-27") as later, Site(tmp_path / "2026-11-19") as earlier:
        page, _ = open_watched(phone(java_script_enabled=False),
                               later.url + built["2026-11-27"].name + "/")
        expected = snapshot(page)
        moved, seen = open_watched(phone(), earlier.url + built["2026-11-19"].name + "/",
                                   on_date=dt.datetime(2026, 11, 27, 12))
        shown = snapshot(moved)
    assert shown == expected and seen["errors"] == []
    assert "Back 26 Nov" in shown["card"] and "Back after the pause" in shown["card"]
    assert "paused" not in shown["card"].lower()
    assert "p-strength_stage_1:done:Set back after 1 week" in shown["steps"]


def test_a_phone_past_a_step_only_the_clinic_opens_stays_before_it(url, site, phone,
                                                                     built_examples):
    """Sam's partial weight-bearing is projected, not recorded: weeks later, the phone still
    shows non-weight-bearing, and says what it waits for."""
    weeks = weeks_of(built_examples, "sam-okafor")
    gated = next(w for w in weeks if w["needs_clearance"])
    assert gated["phase"] == "partial_weight_bearing"
    day = in_week(weeks[gated["number"] + 3])  # a month into the projected steps
    page, seen = open_watched(phone(), url(site, "sam-okafor"), on_date=day)
    card = page.locator("#this-week")
    assert page.locator("#this-week .dates").inner_text().startswith(
        f"Week {gated['number'] - 1} of ")
    assert "Non-weight-bearing" in card.inner_text()
    assert "Waiting for your clinician to clear you for partial weight-bearing" in (
        card.inner_text())
    assert seen["errors"] == []


@pytest.mark.parametrize("when, heading", [
    ("before", "This plan starts on Tue 1 Sep 2026."),
    ("after", "This week"),
])
def test_a_phone_date_outside_the_plan_says_so(url, site, phone, built_examples, when, heading):
    weeks = weeks_of(built_examples, "jordan-lee")
    day = (dt.date.fromisoformat(weeks[0]["start"]) - dt.timedelta(days=10) if when == "before"
           else dt.date.fromisoformat(weeks[-1]["end"]) + dt.timedelta(days=10))
    page, seen = open_watched(phone(), url(site, "jordan-lee"),
                              on_date=dt.datetime.combine(day, dt.time(12)))
    assert page.locator("#now-title").inner_text() == heading
    if when == "before":
        assert page.locator("details[open]").count() == 0
        assert not page.locator("#checklist").is_visible()
    else:  # the single-leg hops were never cleared: the phone holds before them, whatever
        # its date
        assert "Waiting for your clinician to clear you for strength stage 6" in (
            page.locator("#this-week").inner_text())
    assert seen["errors"] == []


# --- accessibility, dark mode, zoom, tap targets --------------------------------------------

@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("athlete", ATHLETES)
def test_axe_finds_no_serious_or_critical_violation(url, site, phone, athlete, scheme):
    _require(None if AXE.exists() else f"{AXE} is missing: run `npm ci`")
    # bypass_csp: the page's policy rightly refuses any script but its own, axe included
    page, _ = open_watched(phone(color_scheme=scheme, bypass_csp=True), url(site, athlete))
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    bad = [f"{v['id']} ({v['impact']}): {v['help']} at "
           + ", ".join(n["target"][0] for n in v["nodes"][:3])
           for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert bad == []


def test_dark_mode_renders_light_text_on_a_dark_page(url, site, phone):
    page, _ = open_watched(phone(color_scheme="dark"), url(site, "jordan-lee"))
    colours = page.evaluate("""() => {
        const s = getComputedStyle(document.body), c = getComputedStyle(
            document.getElementById('this-week'));
        return [s.backgroundColor, s.color, c.backgroundColor];
    }""")
    luminance = [sum(int(x) for x in re.findall(r"\d+", c)[:3]) / 3 for c in colours]
    assert luminance[0] < 40 and luminance[1] > 200 and luminance[2] < 60, colours


def test_readable_at_200_percent_zoom_without_sideways_scrolling(url, site, phone):
    """200% zoom on a 390 px phone leaves 195 CSS pixels: everything must reflow into them."""
    page, _ = open_watched(phone(viewport={"width": 195, "height": 422}), url(site, "sam-okafor"))
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], widths
    assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") >= 16


def test_tap_targets_are_at_least_44_pixels(url, site, phone):
    """Every link and fold on the page, opened or not, is at least 44x44 CSS pixels; only
    links inside running text (a clinician's note) are exempt."""
    page, _ = open_watched(phone(), url(site, "jordan-lee") + "#ex-squat_bodyweight")
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    found = page.evaluate("""() => [...document.querySelectorAll('a[href], summary')]
        .filter(e => e.getClientRects().length)
        .filter(e => !(getComputedStyle(e).display === 'inline'
                       && e.parentElement.textContent.trim() !== e.textContent.trim()))
        .map(e => [e.textContent.trim().slice(0, 30), e.getBoundingClientRect()])""")
    assert len(found) > 25  # the card's exercise rows, quick links, folds, call buttons ...
    small = [f"{t}: {round(r['width'])}x{round(r['height'])}" for t, r in found
             if r["height"] < 44 or r["width"] < 44]
    assert small == []


def test_clinician_phone_is_tap_to_call(url, site, phone):
    page, _ = open_watched(phone(), url(site, "jordan-lee"))
    assert page.locator("a.tel").first.get_attribute("href") == "tel:+15550102233"
    assert page.locator(".quick a", has_text="Call clinic").get_attribute("href") == \
        "tel:+15550102233"


def test_pain_rule_and_red_flags_are_one_tap_from_the_top(url, site, phone):
    page, _ = open_watched(phone(), url(site, "jordan-lee"))
    for name, target in (("Pain rule", "#pain-rule"), ("Red flags", "#red-flags")):
        page.evaluate("window.scrollTo(0, 0)")
        link = page.locator(".quick a", has_text=name)
        assert link.bounding_box()["y"] + link.bounding_box()["height"] <= PHONE["height"] / 2
        link.click()
        assert page.locator(target).evaluate(
            "e => { const r = e.getBoundingClientRect(); return r.top >= -1 && r.top < 100; }")


# --- what the first screens show, at the plan's date -----------------------------------------

SCREEN = PHONE["height"]


def at_plan_date(built_examples, athlete: str) -> dt.datetime:
    plan = json.loads((built_examples.folder(athlete) / "plan.json").read_text())
    return dt.datetime.combine(dt.date.fromisoformat(plan["as_of"]), dt.time(12))


def bottom(page, css: str) -> float:
    return page.locator(css).first.evaluate("e => e.getBoundingClientRect().bottom + scrollY")


@pytest.mark.parametrize("athlete", ATHLETES)
def test_the_first_screen_shows_this_week_and_its_first_session(
        url, site, phone, built_examples, athlete):
    page, _ = open_watched(phone(), url(site, athlete), at_plan_date(built_examples, athlete))
    heading = page.get_by_role("heading", name="This week", exact=True)
    assert heading.count() == 1
    assert heading.evaluate("e => e.getBoundingClientRect().bottom") <= SCREEN
    first = page.locator("#this-week .sessions > li").first
    assert first.locator("b").inner_text()
    assert bottom(page, "#this-week .sessions > li > b") <= SCREEN


@pytest.mark.parametrize("athlete", ATHLETES)
def test_the_checklist_is_within_two_screens(url, site, phone, built_examples, athlete):
    page, _ = open_watched(phone(), url(site, athlete), at_plan_date(built_examples, athlete))
    assert page.get_by_role("heading", name="Before you move on").is_visible()
    assert bottom(page, "#checklist") <= 2 * SCREEN


@pytest.mark.parametrize("athlete", ATHLETES)
def test_the_whole_page_is_at_most_eight_screens(url, site, phone, built_examples, athlete):
    page, _ = open_watched(phone(), url(site, athlete), at_plan_date(built_examples, athlete))
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height <= 8 * SCREEN, f"{athlete}: {height / SCREEN:.2f} screens"


@pytest.fixture(scope="module")
def both_languages(examples_in_both_languages):
    with Site(examples_in_both_languages.site) as served:
        yield served


def plan_days(project, athlete: str, count: int = 5) -> list[dt.datetime]:
    """The plan's date, and `count` weeks spread from its first to its last (midweek)."""
    weeks = weeks_of(project, athlete)
    picks = {round(i * (len(weeks) - 1) / (count - 1)) for i in range(count)}
    return [at_plan_date(project, athlete)] + [in_week(weeks[i]) for i in sorted(picks)]


@pytest.mark.parametrize("language", ["en", "de"])
@pytest.mark.parametrize("athlete", EXAMPLES)
def test_every_example_is_at_most_eight_screens_on_any_day_in_either_language(
        both_languages, phone, examples_in_both_languages, athlete, language):
    """German runs longer than English: the page stays within 8 screens on days across the
    whole plan (plan.js redraws "This week" for the phone's date), in both languages."""
    project = examples_in_both_languages
    name = athlete + ("-de" if language == "de" else "")
    address = both_languages.url + project.folder(name).name + "/"
    context = phone()
    heights = {}
    for day in plan_days(project, name):
        page, seen = open_watched(context, address, day)
        assert seen["errors"] == []
        heights[day.date().isoformat()] = page.evaluate(
            "document.documentElement.scrollHeight") / SCREEN
        page.close()
    assert max(heights.values()) <= 8, f"{name}: screens by day {heights}"


def test_every_jump_has_a_way_back(url, site, phone, built_examples):
    page, _ = open_watched(phone(), url(site, "sam-okafor"),
                           at_plan_date(built_examples, "sam-okafor"))
    back = page.get_by_role("link", name="Back to this week")
    assert not back.is_visible()  # nothing to go back from yet
    jumps = page.locator("#this-week .ex a, .quick a[href^='#']")
    assert jumps.count() > 3
    for i in range(jumps.count()):
        link = jumps.nth(i)
        target = link.get_attribute("href")
        link.click()
        assert page.locator(target).evaluate(
            "e => { const r = e.getBoundingClientRect(); return r.top >= -1 && r.top < 200; }"
        ), target
        if target.startswith("#ex-"):  # an exercise's how-to opens: its words, not a list
            assert page.locator(target).evaluate("e => e.open"), target
            assert page.locator(target + " .cues, " + target + " p:not(.dose)").first.is_visible()
        assert back.is_visible(), target
        box = back.bounding_box()
        assert box["y"] + box["height"] <= SCREEN and box["height"] >= 44
        back.click()
        assert page.locator("#now-title").evaluate(
            "e => { const r = e.getBoundingClientRect(); return r.top >= 0 && r.top < 200; }")
        assert not back.is_visible()


@pytest.mark.parametrize("days, shown", [(0, False), (28, False), (29, True), (200, True)])
def test_an_old_plan_says_so(url, site, phone, built_examples, days, shown):
    """More than four weeks after the plan's date the phone says it may be out of date."""
    day = at_plan_date(built_examples, "alex-morgan") + dt.timedelta(days=days)
    page, seen = open_watched(phone(), url(site, "alex-morgan"), day)
    notice = page.get_by_role("status")
    assert notice.count() == int(shown)  # a hidden status is no status at all
    if shown:
        assert notice.is_visible()
        assert notice.inner_text() == ("This plan was made on Mon 23 Nov 2026 and may be out "
                                       "of date: ask your clinician for an update.")
    assert seen["errors"] == []


# --- offline ---------------------------------------------------------------------------------

# Bounds every wait on the service worker: a worker that never comes fails its test, in time.
SW_TIMEOUT_MS = 30_000


def _controlled(page) -> None:
    """Wait until the service worker has the page (and so its precache) under control."""
    page.wait_for_function("""async () => {
        await navigator.serviceWorker.ready;
        if (!navigator.serviceWorker.controller) await new Promise(r =>
            navigator.serviceWorker.addEventListener('controllerchange', r, {once: true}));
        return true;
    }""", timeout=SW_TIMEOUT_MS)


def _cache_names(page) -> list[str]:
    return page.evaluate("caches.keys()")


def _updated_cache_names(page) -> list[str]:
    """Ask the service worker to check for a new version now (browsers check after a
    navigation, in their own time), wait until the newest one is active, and list the caches:
    a worker is only 'activated' once its activate handler has dropped the old ones."""
    return page.wait_for_function("""async () => {
        const registration = await navigator.serviceWorker.getRegistration();
        await registration.update();
        const worker = registration.installing || registration.waiting || registration.active;
        while (worker.state !== 'activated') {
            if (worker.state === 'redundant') throw new Error('the new service worker failed');
            await new Promise(r => worker.addEventListener('statechange', r, {once: true}));
        }
        return caches.keys();
    }""", timeout=SW_TIMEOUT_MS).json_value()


def test_works_offline_after_the_first_visit(url, built_examples, phone):
    context = phone()
    with Site(built_examples.site) as served:  # its own server: this one is taken down
        page, seen = open_watched(context, url(served, "jordan-lee"))
        _controlled(page)
        assert page.locator(".offline").is_visible()
        context.set_offline(True)
        served.down = True  # no network at all, for the page and for its service worker
        page.reload()
        assert page.locator("h1").inner_text() == "Jordan Lee"
        assert page.locator("#now-title").inner_text().startswith("This week")
        fetched = page.evaluate("""async () => Promise.all(['plan.pdf', 'plan.ics', 'index.html']
            .map(async u => { const r = await fetch(u); return [u, r.status,
                (await r.arrayBuffer()).byteLength]; }))""")
    assert [f[:2] for f in fetched] == [["plan.pdf", 200], ["plan.ics", 200], ["index.html", 200]]
    assert all(f[2] > 1000 for f in fetched)
    assert seen["errors"] == []


def test_an_update_replaces_the_stale_copies(url, built_examples, tmp_path, phone):
    out = tmp_path / "site"
    folder = out / built_examples.folder("jordan-lee").name
    first = built_examples.rehab("build", "jordan-lee", "--no-pdf", "--out", str(out))
    assert first.exit_code == 0, first.output
    with Site(out) as served:
        context = phone()
        page, _ = open_watched(context, url(served, "jordan-lee"))
        _controlled(page)
        old = _cache_names(page)
        assert len(old) == 1

        later = (TODAY + dt.timedelta(days=14)).isoformat()
        second = built_examples.rehab("build", "jordan-lee", "--no-pdf", "--out", str(out),
                                      "--today", later)
        assert second.exit_code == 0, second.output
        version = re.search(r'var CACHE = PREFIX \+ "(\w+)"',
                            (folder / "sw.js").read_text()).group(1)
        page.reload()
        assert [name.rsplit(":", 1)[1] for name in _updated_cache_names(page)] == [version]

        served.down = True
        context.set_offline(True)
        page.reload()
        assert page.locator(".asof").inner_text() == "Mon 7 Dec 2026"


@pytest.mark.parametrize("missing", [404, 403])  # 403: what S3 answers for a missing file
def test_a_removed_plan_does_not_live_on_in_the_phone(url, built_examples, tmp_path, phone,
                                                      missing):
    """A referral removes the plan from the site; online, the phone's copy goes too."""
    out = tmp_path / "site"
    folder = out / built_examples.folder("jordan-lee").name
    assert built_examples.rehab("build", "jordan-lee", "--no-pdf", "--out",
                                str(out)).exit_code == 0
    with Site(out) as served:
        served.server.missing_status = missing
        page, _ = open_watched(phone(), url(served, "jordan-lee"))
        _controlled(page)
        shutil.rmtree(folder)
        response = page.reload()
        assert response.status == missing
        # the worker forgets before it answers: once the error is shown, the copies are gone
        assert _cache_names(page) == []
        assert page.evaluate("navigator.serviceWorker.getRegistrations()"
                             ".then(r => r.length)") == 0


def test_the_drawings_file_comes_only_when_a_closed_how_to_opens(site, url, phone):
    """The how-tos open when the page loads carry their drawings inline: the first load
    fetches no drawings.svg; opening another step's how-tos fetches it, and they draw."""
    page = phone().new_page()
    asked = []
    page.on("request", lambda request: asked.append(request.url.rsplit("/", 1)[-1]))
    page.clock.set_fixed_time(dt.datetime.combine(TODAY, dt.time(12)))
    page.goto(url(site, "jordan-lee"))
    page.wait_for_load_state("networkidle")
    shown = page.locator("#exercises details.stage[open] svg.fig")
    assert shown.count() > 0 and shown.first.bounding_box()["width"] > 40
    assert "drawings.svg" not in asked
    closed = page.locator("#exercises details.stage:not([open])").first.element_handle()
    closed.query_selector(":scope > summary").click()
    page.wait_for_function("""g => g.open && [...g.querySelectorAll('svg.fig use')]
        .every(u => u.getBBox().width > 0)""", arg=closed)
    assert "drawings.svg" in asked


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_how_to_shows_its_drawing_in_light_and_dark(site, url, phone, scheme):
    """Each exercise's drawing (a <use> of drawings.svg) renders: a non-empty box for its
    figure, in the text's colour, once its how-to is opened."""
    page = phone(color_scheme=scheme).new_page()
    page.clock.set_fixed_time(dt.datetime.combine(TODAY, dt.time(12)))
    page.goto(url(site, "jordan-lee"))
    page.locator("#exercises details:not([open]) > summary").first.click()  # as a tap does
    page.evaluate("document.querySelectorAll('#exercises details').forEach(d => d.open = true)")
    page.wait_for_function("""() => [...document.querySelectorAll('#exercises svg.fig use')]
        .every(u => u.getBBox().width > 0)""")
    drawings = page.evaluate("""() => [...document.querySelectorAll('#exercises details.how-to')]
        .map(a => { const svg = a.querySelector('svg.fig'), box = svg.getBoundingClientRect(),
                          figure = (svg.querySelector('use') || svg).getBBox();
                    return {id: a.id, title: svg.querySelector('title').textContent,
                            name: a.querySelector('h3').textContent, width: box.width,
                            height: box.height, figure: figure.width * figure.height,
                            units: svg.viewBox.baseVal.width,
                            colour: getComputedStyle(svg).color,
                            text: getComputedStyle(a).color}; })""")
    assert len(drawings) > 30
    for d in drawings:
        assert d["title"] == d["name"], d
        # every drawing at one scale (0.85 px a unit): a standing figure ~88 px high, one
        # lying on the back (the thigh squeeze) ~20 px, the same strokes
        assert d["width"] >= 40 and d["height"] >= 15 and d["figure"] > 0, d
        assert abs(d["width"] / d["units"] - SCREEN_PX) < 0.02, d
        assert d["colour"] == d["text"], d  # currentColor: the how-to's own text colour
    dark = drawings[0]["colour"] != "rgb(0, 0, 0)" and sum(
        int(c) for c in re.findall(r"\d+", drawings[0]["colour"])[:3]) > 384
    assert dark == (scheme == "dark"), drawings[0]["colour"]
