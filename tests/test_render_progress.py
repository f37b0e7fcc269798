"""Recorded progress on every output: phone page, handout, plan.json and the terminal.

The examples are built for 2026-11-23: Jordan had a setback on Fri 20 Nov (week 12),
Alex a pause for flu in week 10.
"""

from __future__ import annotations

import json
import re

from factories import PROFILE_YAML
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


def pdf_text(path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def test_back_from_a_pause_every_output_has_the_step_again_from_that_day(project):
    # Stage 2 from Tue 10 Nov, flu from Thu 12 Nov (end not known), back at the visit on
    # Thu 19 Nov: the week of 17 Nov is stage 2 again from Thursday, not "paused"
    project.write_profile("ann", PROFILE_YAML + (
        "progress:\n"
        "  - {date: 2026-10-20, event: partial_weight_bearing}\n"
        "  - {date: 2026-10-27, event: full_weight_bearing}\n"
        "  - {date: 2026-11-03, event: strength_stage, stage: 1}\n"
        "  - {date: 2026-11-10, event: strength_stage, stage: 2}\n"
        "  - {date: 2026-11-12, event: pause, note: flu}\n"
        "  - {date: 2026-11-19, event: resume}\n"))
    assert project.rehab("build", "--today", "2026-11-20").exit_code == 0
    page = site_file(project, "ann", "index.html").read_text()
    this_week = page[page.index('<h2 id="now-title">'):page.index('<section id="checklist"')]
    assert "Progress is paused" not in this_week and "badge paused" not in this_week
    assert '<span class="badge resumed">Back 19 Nov</span>' in this_week
    assert "Back after the pause: pick up at this step again." in this_week
    assert "Strength stage 2" in this_week
    handout = pdf_text(site_file(project, "ann", "plan.pdf"))
    row = handout[handout.index("12\nnow"):handout.index("13 24 Nov")]
    assert "Strength stage 2" in row and "Back 19 Nov" in row and "Paused" not in row
    calendar = site_file(project, "ann", "plan.ics").read_bytes().decode().replace("\r\n ", "")
    week_12 = calendar[calendar.index("SUMMARY:Week 12"):calendar.index("END:VEVENT")]
    assert "Back after the pause on Thu 19 Nov: pick up at this step again." in week_12
    assert "Progress is paused" not in week_12
    status = project.rehab("status", "--today", "2026-11-20")
    assert "Strength stage 2  " in status.output and "paused" not in status.output


def test_a_stage_that_ended_in_a_setback_never_reads_done(project):
    # Stage 2 from Tue 10 Nov; a setback on Thu 19 Nov steps back to stage 1
    project.write_profile("ann", PROFILE_YAML + (
        "progress:\n"
        "  - {date: 2026-10-20, event: partial_weight_bearing}\n"
        "  - {date: 2026-10-27, event: full_weight_bearing}\n"
        "  - {date: 2026-11-03, event: strength_stage, stage: 1}\n"
        "  - {date: 2026-11-10, event: strength_stage, stage: 2}\n"
        "  - {date: 2026-11-19, event: setback, note: knee ache}\n"))
    assert project.rehab("build").exit_code == 0
    page = site_file(project, "ann", "index.html").read_text()
    road = page[page.index('id="road"'):page.index('aria-label="Take the plan with you"')]
    stage_2 = road[road.index('id="p-strength_stage_2"'):road.index("</summary>", road.index(
        'id="p-strength_stage_2"'))]
    assert 'data-done="Set back after 1 week"' in stage_2  # plan.js keeps it on the phone
    assert '<span class="badge done setback">Set back after 1 week</span>' in stage_2
    assert "Done" not in stage_2
    handout = pdf_text(site_file(project, "ann", "plan.pdf"))
    so_far = " ".join(handout[handout.index("So far"):handout.index("The pain rule")].split())
    assert "strength stage 1 for 1 week, strength stage 2 set back after 1 week." in so_far
    data = json.loads(site_file(project, "ann", "plan.json").read_text())
    assert [(p["id"], p["ended_in_setback"]) for p in data["phases"][3:6]] == [
        ("strength_stage_1", False), ("strength_stage_2", True), ("strength_stage_1", False)]
