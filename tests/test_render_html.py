"""The phone page as bytes: weight, what it links to, and that it reads without JavaScript."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re

import pytest
from factories import ROOT

ATHLETES = ("alex-morgan", "jordan-lee", "sam-okafor", "tomas-reyes", "rosa-lindqvist",
            "mia-hoffmann")
# Bytes of HTML + inline CSS, uncompressed (the script is plan.js, the drawings drawings.svg).
# 64,000 until each how-to showed its drawing: a reference to drawings.svg is about 130 bytes
# a how-to, and the how-tos open when the page loads carry theirs inline (about 400 bytes
# each), so that the first load fetches no drawings.svg; what travels is the gzipped first
# load below. Mia's German page is the heaviest.
PAGE_BUDGET = 80_000
# What the phone fetches to show the page the first time, gzipped: the page, plan.js, the
# manifest and the icon (drawings.svg comes when a closed how-to opens:
# test_browser.py::test_the_drawings_file_comes_only_when_a_closed_how_to_opens).
FIRST_LOAD = ("index.html", "plan.js", "manifest.webmanifest", "icon.svg")
FIRST_LOAD_BUDGET = 24_000


@pytest.mark.parametrize("athlete", ATHLETES)
def test_page_weighs_at_most_80_kb(built_examples, athlete):
    size = (built_examples.folder(athlete) / "index.html").stat().st_size
    assert size <= PAGE_BUDGET, f"{athlete}: {size} bytes"


@pytest.mark.parametrize("athlete", ATHLETES)
def test_first_load_is_at_most_24_kb_gzipped(built_examples, athlete):
    folder = built_examples.folder(athlete)
    size = sum(len(gzip.compress((folder / name).read_bytes(), 9)) for name in FIRST_LOAD)
    assert size <= FIRST_LOAD_BUDGET, f"{athlete}: {size} bytes gzipped"


@pytest.mark.parametrize("athlete", ATHLETES)
def test_page_refers_to_nothing_outside_its_folder(built_examples, athlete):
    folder = built_examples.folder(athlete)
    page = (folder / "index.html").read_text()
    for url in re.findall(r'(?:href|src)="([^"]*)"', page):
        assert url.startswith(("#", "tel:", "mailto:")) or re.fullmatch(r"[\w.-]+", url) \
            or re.fullmatch(r"drawings\.svg#\w+", url), url
    symbols = set(re.findall(r'<symbol id="(\w+)"', (folder / "drawings.svg").read_text()))
    used = set(re.findall(r'href="drawings\.svg#(\w+)"', page))
    assert used and used <= symbols  # every drawing the page shows is in the file beside it
    assert "<link rel=\"stylesheet\"" not in page and "@import" not in page


def test_only_the_sites_own_script_may_run(built_examples):
    """One script, plan.js beside the page, the same bytes for every athlete and plan; the
    policy runs nothing inline and nothing from elsewhere."""
    folders = [built_examples.folder(a) for a in ATHLETES]
    for folder in folders:
        page = (folder / "index.html").read_text()
        # (a page in another language carries its words as data: a browser never runs it)
        assert re.findall(r'<script(?! type="application/json")[^>]*>(.*?)</script>', page,
                          re.S) == [""]
        assert '<script src="plan.js"></script>' in page
        policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"',
                           page).group(1)
        assert "script-src 'self';" in policy and "unsafe-inline" not in policy.split(
            "style-src")[0]
        assert "default-src 'self'" in policy
    scripts = {(folder / "plan.js").read_bytes() for folder in folders}
    assert len(scripts) == 1 and b"jordan" not in next(iter(scripts)).lower()


def test_every_week_is_on_the_page_and_no_step_is_unfolded(built_examples):
    """Every week has a row (the phone's date may fall in any of them), but the road ahead is
    one line per step: nothing in it is open, and a week that changes nothing shows no row."""
    folder = built_examples.folder("jordan-lee")
    page = (folder / "index.html").read_text()
    plan = json.loads((folder / "plan.json").read_text())
    assert re.findall(r'<li id=week-(\d+)', page) == [str(w["number"]) for w in plan["weeks"]]
    assert re.findall(r'<details class="step[^"]*"[^>]* open[ >]', page) == []
    for row in re.findall(r"<li id=week-\d+[^>]*>.*?</li>\n", page, re.S):
        says = "<p>" in row or "<ul" in row
        assert ("hidden>" in row) != says, row  # shown exactly when it says something


def test_the_how_tos_this_weeks_step_brings_in_are_open(built_examples):
    page = (built_examples.folder("jordan-lee") / "index.html").read_text()
    opened = re.findall(r'<details class="stage" id="s-(\w+)" open>', page)
    # Jordan is back at full weight-bearing, which brings in no exercise of its own: those of
    # this week, which partial weight-bearing first used, are open
    assert opened == ["partial_weight_bearing"]
    # Alex's stage 5 brings in the jumps: open; the stage-4 strength Alex keeps up is known by
    # now, and stage 6's hops come with stage 6: both a tap away
    page = (built_examples.folder("alex-morgan") / "index.html").read_text()
    opened = re.findall(r'<details class="stage" id="s-(\w+)" open>', page)
    assert opened == ["strength_stage_5"]
    assert len(re.findall(r'<details class="how-to" id="ex-', page)) == len(set(re.findall(
        r'<details class="how-to" id="(ex-\w+)"', page)))  # each how-to once


def test_a_step_with_no_new_exercise_opens_only_the_latest_how_tos(example_project):
    """Tomas's ready-to-run check keeps up stage 3 and stage 4 exercises: the stage-4 how-tos,
    learnt last, are open; stage 3's, known for weeks, are a tap away (both open made his
    page 9 screens long)."""
    result = example_project.rehab("build", "--no-pdf", "tomas-reyes", "--today", "2026-12-08")
    assert result.exit_code == 0, result.output
    folder = example_project.folder("tomas-reyes")
    plan = json.loads((folder / "plan.json").read_text())
    assert plan["weeks"][plan["current_week"] - 1]["phase"] == "ready_to_run"
    page = (folder / "index.html").read_text()
    assert re.findall(r'<details class="stage" id="s-(\w+)" open>', page) == ["strength_stage_4"]


def test_each_phase_routine_is_listed_once_not_in_every_week(built_examples):
    page = (built_examples.folder("sam-okafor") / "index.html").read_text()
    page = re.sub(r"data-titles='[^']*'", "", page)  # the days' titles, for the phone's Today
    # the walk-run phase has 14 weeks; its strength upkeep is listed once (plus "This week" never,
    # since the build date is in non-weight-bearing)
    # once for walk-run, once for continuous running
    assert page.count("Strength upkeep (single-leg, with weight)") == 2


def test_a_page_is_the_same_whichever_athletes_were_built_before_it(protocols):
    """The how-tos section is rendered once per build for each set of groups and reused: a
    page built after others (other steps, other open how-tos, the other language) is the page
    built first in a new process."""
    from generator.profile import load_profile
    from generator.render.environment import for_language, make_environment
    from generator.render.html import render_page
    from generator.schedule import schedule

    days = (dt.date(2026, 11, 23), dt.date(2027, 1, 12), dt.date(2027, 4, 6))
    pages = []
    for path in sorted((ROOT / "plans").glob("*.yaml")):
        for today in days:
            profile = load_profile(path, protocols, today)
            plan = schedule(profile, protocols[profile.protocol], today)
            pages.append((profile, plan, protocols[profile.protocol]))

    def render(env, profile, plan, protocol):
        return render_page(for_language(env, plan.language), plan, protocol, profile)

    shared = make_environment(ROOT / "templates")
    in_one_build = [render(shared, *page) for page in pages]
    opened = {re.search(r'<details class="stage" id="s-(\w+)" open>', html)[1]
              for html in in_one_build}
    assert len(opened) >= 4  # the pages differ in their open how-tos
    for page, html in zip(reversed(pages), reversed(in_one_build), strict=True):
        assert render(make_environment(ROOT / "templates"), *page) == html
