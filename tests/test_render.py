"""What the athlete and the clinic see: the page, the handout and the JSON, from a real build."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from io import BytesIO

import pytest
from pypdf import PdfReader

ATHLETES = ("alex-morgan", "jordan-lee", "sam-okafor", "tomas-reyes", "rosa-lindqvist")


def folder(project, athlete):
    """An athlete's output folder, whatever it is named."""
    for candidate in project.site.iterdir():
        data = candidate / "plan.json"
        if data.is_file() and json.loads(data.read_text())["athlete"]["id"] == athlete:
            return candidate
    raise AssertionError(f"no output for {athlete}")


def page(project, athlete):
    return (folder(project, athlete) / "index.html").read_text()


def pdf_text(project, athlete):
    reader = PdfReader(BytesIO((folder(project, athlete) / "plan.pdf").read_bytes()))
    return reader, "\n".join(p.extract_text() for p in reader.pages)


def plan_data(project, athlete):
    return json.loads((folder(project, athlete) / "plan.json").read_text())


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts = []

    def handle_data(self, data):
        self.parts.append(data)


def visible_text(html):
    parser = _Text()
    parser.feed(re.sub(r"<style>.*?</style>", "", html, flags=re.S))
    return " ".join(" ".join(parser.parts).split())


@pytest.mark.parametrize("athlete", ATHLETES)
def test_every_example_gets_page_handout_and_data(built_examples, athlete):
    out = folder(built_examples, athlete)
    assert {"index.html", "plan.pdf", "plan.json"} <= {p.name for p in out.iterdir()}


def test_json_has_the_documented_shape(built_examples):
    data = plan_data(built_examples, "jordan-lee")
    assert data["athlete"] == {"id": "jordan-lee", "name": "Jordan Lee"}
    assert data["protocol"] == "femoral-neck-stress-fracture"
    assert data["as_of"] == "2026-11-23"
    assert data["injury"] == {"diagnosed": "2026-09-01", "severity": "moderate",
                              "mri_grade": None, "side": "left"}
    milestones = data["milestones"]
    expected = ["partial_weight_bearing", "full_weight_bearing",
                *[f"strength_stage_{n}" for n in range(1, 7)], "walk_run", "continuous_running"]
    assert list(milestones) == expected
    assert milestones["walk_run"] == "2027-03-02"  # two weeks later than planned: a setback
    week = data["weeks"][0]
    assert set(week) >= {"number", "start", "end", "phase", "weight_bearing", "strength_stage",
                         "walk_minutes", "walk_run"}
    assert week["start"] == "2026-09-01" and week["end"] == "2026-09-07"
    run = next(w for w in data["weeks"] if w["walk_run"])["walk_run"]
    assert set(run) >= {"run_minutes", "walk_minutes", "repeats", "sessions_per_week"}
    last = data["weeks"][-1]["walk_run"]
    assert last["walk_minutes"] == 0 and last["repeats"] == 1


def test_page_shows_this_week_with_dates_sessions_and_gate(built_examples):
    html = page(built_examples, "jordan-lee")
    text = visible_text(html)
    card = text[text.index("This week"):text.index("Before you move on")]
    assert "Week 12 of 49 · Tue 17 – Mon 23 Nov 2026" in card
    # Jordan's setback on 20 Nov put him back to full weight-bearing work
    assert "Full weight-bearing" in card and "Setback" in card
    assert "groin ache the morning after squats" in card
    assert "Sit to stand, weight on the good leg" in card
    # one line per session, with how much and how often a week
    assert "Keep up the double-leg exercises 3 times a week" in card
    assert "Easy bike or swim 2 times a week" in card
    assert "Brisk walk" not in card  # brisk walks start with strength stage 1
    checklist = text[text.index("Before you move on"):text.index("Notes from")]
    assert "Check this list at the end of week 13, Mon 30 Nov 2026." in checklist
    assert "Before strength stage 1" in checklist
    assert re.search(r"<li id=week-12 class=current", html)


# the athlete's page, in the athlete's order: this week, the checklist, the clinician's notes,
# the road ahead, then reference (pain rule, red flags, how-tos)
ORDER = ("this-week", "checklist", "notes", "road", "pain-rule", "red-flags", "exercises",
         "contact")


@pytest.mark.parametrize("athlete", ATHLETES)
def test_the_page_reads_in_the_athletes_order(built_examples, athlete):
    html = page(built_examples, athlete)
    found = [html.find(f'<section id="{name}"') if name != "this-week" else
             html.find('id="this-week"') for name in ORDER]
    present = [i for i in found if i >= 0]
    assert present == sorted(present) and len(present) >= len(ORDER) - 1, found


@pytest.mark.parametrize("athlete", ATHLETES)
def test_the_page_speaks_plain_words_to_the_athlete(built_examples, athlete):
    html = page(built_examples, athlete)
    text = visible_text(html)
    for jargon in ("contacts", "JSON", "plan data", "overrides", "_weeks", "For clinician review",
                   "Check:", "Clinician to review", "the protocol's usual range"):
        assert jargon.lower() not in text.lower(), jargon
    # "plyometrics" only beside its plain words: "Double-leg jumps (plyometrics)"
    assert re.findall(r"\S+ plyometrics", text) == []
    # every frequency says its period
    assert re.findall(r"\b\d+(?:-\d+)? times\b(?! a week| in the last week)", text) == []
    assert "Then: the checklist" not in text


def test_page_has_pain_rule_and_red_flags_once_and_every_week(built_examples):
    html = page(built_examples, "jordan-lee")
    text = visible_text(html)
    assert text.count("Everything must be pain-free") == 1
    assert text.count("Red flags: stop and call") == 1
    data = plan_data(built_examples, "jordan-lee")
    assert all(f"id=week-{n} " in html for n in range(1, len(data["weeks"]) + 1))
    assert 'href="tel:+15550102233"' in html


def test_clinician_review_flags_stay_off_the_athletes_page(built_examples):
    """The hip effusion flag is for the clinician: `rehab status` and plan.json carry it."""
    assert "Hip effusion" not in visible_text(page(built_examples, "sam-okafor"))
    assert plan_data(built_examples, "sam-okafor")["review_flags"][0].startswith("Hip effusion")


def test_handout_has_summary_weeks_checklists_road_ahead_and_exercises(built_examples):
    reader, text = pdf_text(built_examples, "jordan-lee")
    first = reader.pages[0].extract_text()
    for words in ("Jordan Lee", "Sam Rivera, physiotherapist", "Tue 1 Sep 2026",
                  "Notes from", "So far", "The pain rule", "Red flags"):
        assert words in first, words
    assert f"Page 1 of {len(reader.pages)}" in first
    assert "The next 8 weeks" in text and "17 Nov" in text
    assert "Before strength stage 1" in text
    assert "After that: the road ahead" in text and "Walk-run" in text
    assert "Bodyweight squat" in text and "3 sets of 12" in text
    assert "not medical advice on its own" in " ".join(text.split())  # disclaimer


def test_handout_pages_are_a4(built_examples):
    reader, _ = pdf_text(built_examples, "alex-morgan")
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)


def test_two_builds_write_the_same_bytes(example_project):
    """Two fresh builds of the examples, each into its own folder, are byte for byte the same.
    (A rebuild in place proves nothing: it finds every athlete unchanged. The handouts' bytes
    are compared in test_build, serial against parallel.)"""
    trees = []
    for out in ("first", "second"):
        result = example_project.rehab("build", "--no-pdf", "--out", out)
        assert result.exit_code == 0, result.output
        root = example_project.root / out
        trees.append({p.relative_to(root): p.read_bytes() for p in root.rglob("*") if p.is_file()})
    assert len(trees[0]) > 10
    assert trees[0] == trees[1]
