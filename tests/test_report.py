"""The report after a build: the same lines for `rehab build`, `check` and `serve`."""

from __future__ import annotations

import json
from pathlib import Path

from generator.build import Outcome
from generator.errors import Problem
from generator.plan import Audience, Note
from generator.report import (
    REVIEW_HINT,
    Line,
    all_good,
    for_terminal,
    json_for_terminal,
    report_lines,
    summary,
)

MRI = Note(Audience.CLINICIAN, "review_flag", "Check the MRI.", "mri", "check-the-mri")
BUILT = Outcome("ann", "built", folder=Path("site/abc"), warnings=(MRI,))
UNCHANGED = Outcome("ben", "unchanged", folder=Path("site/def"))
FAILED = Outcome("cat", "failed", problems=(Problem("plans/cat.yaml", "is empty"),))
REFERRAL = Outcome("dan", "referral", reasons=("tension-side fracture",))


def test_a_line_per_athlete_then_the_summary():
    lines = report_lines([BUILT, UNCHANGED, FAILED, REFERRAL], removed=("eve",),
                         removed_folders=(Path("site/old"),))
    assert lines == [
        Line(" removed  eve (profile deleted)"),
        Line(" removed  site/old/ (no profile uses this folder any more)"),
        Line("   built  ann -> site/abc/"),
        Line("   check  ann: Check the MRI. [check-the-mri]"),
        Line("  failed  cat:", error=True),
        Line("          plans/cat.yaml: is empty", error=True),
        Line("REFERRAL dan: no plan made, referral needed:", error=True),
        Line("  - tension-side fracture", error=True),
        Line(REVIEW_HINT),
        Line("1 built, 1 failed, 1 need referral, 1 unchanged\n  failed: cat\n"
             "  referral: dan"),
    ]


def test_a_build_repeats_notes_only_for_profiles_just_written():
    """A nightly rebuild (a new day) does not reprint every athlete's notes; a build after
    the clinician edited the profile, or of a new athlete, does; `check` always does."""
    noted = Outcome("ann", "built", folder=Path("site/abc"), warnings=(MRI,),
                    clinician_notes="Call her mother.")
    for why, shown in (("date changed", False), ("templates changed", False),
                       ("profile changed", True), ("new", True), ("forced", True)):
        lines = [line.text for line in report_lines([noted], reasons={"ann": why})]
        assert ("   check  ann: Check the MRI. [check-the-mri]" in lines) is shown, why
        assert ("    note  ann: Call her mother." in lines) is shown, why
    assert "    note  ann: Call her mother." in [line.text for line in report_lines([noted])]


def test_unchanged_athletes_are_listed_only_when_asked_for():
    assert report_lines([UNCHANGED], list_unchanged=True)[0] == Line(
        "unchanged  ben -> site/def/")


def test_a_note_follows_the_name_of_a_built_athlete():
    lines = report_lines([BUILT], notes={"ann": "handout (profile changed) [2.10 s]"})
    assert lines[0].text == "   built  ann handout (profile changed) [2.10 s] -> site/abc/"


def test_debug_adds_the_traceback_of_a_bug():
    try:
        raise ZeroDivisionError("a bug")
    except ZeroDivisionError as err:
        bug = Outcome("cat", "failed", problems=(Problem("plans/cat.yaml", "internal"),),
                      error=err)
    assert not any("Traceback" in line.text for line in report_lines([bug]))
    traced = [line for line in report_lines([bug], debug=True) if "Traceback" in line.text]
    assert traced and traced[0].error and "ZeroDivisionError: a bug" in traced[0].text


def test_the_summary_of_nothing_says_how_to_start():
    assert summary([]) == "no profiles found (add one with `rehab new ID`)"
    assert summary([Outcome("ann", "built")], "ok") == "1 ok, 0 failed, 0 need referral"


def test_only_built_and_unchanged_are_all_good():
    assert all_good([BUILT, UNCHANGED]) and all_good([])
    assert not all_good([BUILT, FAILED]) and not all_good([REFERRAL])


def test_escape_sequences_are_shown_never_run_on_the_terminal():
    typed = "Sam\x1b]0;pwned\x07 \x9b2J\u202eevil\x00\r"
    assert for_terminal(typed) == "Sam\\x1b]0;pwned\\x07 \\x9b2J\\u202eevil\\x00\\x0d"
    assert for_terminal("tab\there\nnext line, Zoë 🏃") == "tab\there\nnext line, Zoë 🏃"


def test_json_for_the_terminal_is_the_same_json():
    text = json.dumps({"name": "a\x9bb\u202ec\x1b"}, ensure_ascii=False)
    assert "\x9b" not in json_for_terminal(text) and "\x1b" not in json_for_terminal(text)
    assert json.loads(json_for_terminal(text)) == json.loads(text)
