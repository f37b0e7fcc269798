"""Recorded progress on every output: phone page, handout, plan.json and the terminal.

The examples are built for 2026-11-23: Jordan had a setback on Fri 20 Nov (week 12),
Alex a pause for flu in week 10.
"""

from __future__ import annotations

import json
import re

from pypdf import PdfReader


def site_file(project, athlete: str, name: str):
    return project.folder(athlete) / name


def test_plan_json_lists_the_events_as_recorded_and_marks_the_weeks(built_examples):
    data = json.loads(site_file(built_examples, "jordan-lee", "plan.json").read_text())
    assert data["as_of"] == "2026-11-23"
    assert data["events"][2:] == [
        {"date": "2026-11-17", "event": "strength_stage", "stage": 1, "week": 12,
         "summary": "Started strength stage 1"},
        {"date": "2026-11-20", "event": "setback", "note": "groin ache the morning after squats",
         "week": 12, "summary": "Setback: back to full weight-bearing for at least 1 week"},
    ]
    weeks = data["weeks"]
    assert [w["status"] for w in weeks[10:13]] == ["done", "current", "upcoming"]
    assert weeks[11]["events"] == [2, 3] and weeks[11]["setback"] is True
    assert weeks[12]["setback"] is True and weeks[13]["setback"] is False
    assert {w["status"] for w in weeks[:11]} == {"done"}


def test_plan_json_marks_paused_weeks(built_examples):
    data = json.loads(site_file(built_examples, "alex-morgan", "plan.json").read_text())
    assert [w["number"] for w in data["weeks"] if w["paused"]] == [10]
    pause = data["events"][4]
    assert (pause["event"], pause["until"], pause["week"]) == ("pause", "2026-10-27", 10)


def test_the_phone_page_shows_events_on_their_weeks_and_the_as_of_date(built_examples):
    page = site_file(built_examples, "jordan-lee", "index.html").read_text()
    this_week = page[page.index('id="this-week"'):page.index('<section id="checklist"')]
    assert '<span class="badge setback">Setback</span>' in this_week
    assert "Fri 20 Nov 2026</time> · Setback: back to full weight-bearing" in this_week
    assert "“groin ache the morning after squats”" in this_week
    week_12 = page[page.index("id=week-12 "):page.index("id=week-13 ")]
    assert "class=current" in week_12 and "Started strength stage 1" in week_12
    assert len(re.findall(r"<li id=week-\d+ class=done", page)) == 11
    assert "Plan as of <span class=\"asof\">Mon 23 Nov 2026</span>" in page


def test_the_handout_sums_up_the_weeks_done_and_lists_the_events(built_examples):
    text = "\n".join(page.extract_text() for page in
                     PdfReader(site_file(built_examples, "jordan-lee", "plan.pdf")).pages)
    assert "Plan as of Mon 23 Nov 2026" in text
    so_far = text[text.index("So far"):text.index("The pain rule")]
    assert "Weeks 1–11" in so_far and "Tue 17 Nov 2026 · Started strength stage 1" in so_far
    assert re.search(r"12\s*now", text)
    assert "20 Nov: Setback: back to full weight-bearing" in text  # on its week's row
    assert "Full weight-bearing (1/2) Setback" in text


def test_the_handout_keeps_page_one_for_the_summary_and_the_red_flags(built_examples):
    for athlete in ("alex-morgan", "jordan-lee", "sam-okafor"):
        first = PdfReader(site_file(built_examples, athlete, "plan.pdf")).pages[0].extract_text()
        assert "Red flags" in first, athlete


def test_the_terminal_plan_shows_setbacks_pauses_and_events(example_project):
    result = example_project.rehab("plan", "alex-morgan")
    assert result.exit_code == 0
    assert re.search(r"10 .*Strength stage 2 .*\[paused\]", result.output)
    assert ("* 2026-10-22 Paused at strength stage 2 until 2026-10-27 "
            "(flu, rest until better)") in result.output
