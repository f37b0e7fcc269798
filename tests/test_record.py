"""`rehab record`: a visit's event added to a profile as a build would accept it, the rest of the
file untouched; a bad event changes nothing and says why."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from factories import PROFILE_YAML, TODAY

from generator.errors import InputError
from generator.record import with_event
from generator.yamlsource import parse

PARTIAL = {"date": dt.date(2026, 10, 20), "event": "partial_weight_bearing"}
WITH_PROGRESS = PROFILE_YAML.replace("notes: |", """\
# What has happened (README: "Progress events").
progress:
  - {date: 2026-10-20, event: partial_weight_bearing}   # seen by Dr Test
# the next visit is in two weeks
notes: |""")


def record(project, *args: str):
    return project.rehab("record", *args, "--today", TODAY.isoformat())


def added(before: str, after: str) -> str:
    """The text `after` has that `before` has not, where `after` is `before` plus one insert."""
    start = next((i for i, (a, b) in enumerate(zip(before, after, strict=False)) if a != b),
                 len(before))
    end = len(after) - len(before) + start
    assert after[:start] + after[end:] == before  # nothing else changed, not even a space
    return after[start:end]


def test_an_event_joins_the_list_as_a_line_like_the_others(project):
    path = project.write_profile("ann", WITH_PROGRESS)
    result = record(project, "ann", "full_weight_bearing", "--date", "2026-11-03",
                    "--note", "off crutches: walking well")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("recorded in plans/ann.yaml: {date: 2026-11-03, event: "
                                    "full_weight_bearing, note: 'off crutches: walking well'}")
    after = path.read_text(encoding="utf-8")
    assert added(WITH_PROGRESS, after) == ("  - {date: 2026-11-03, event: full_weight_bearing, "
                                           "note: 'off crutches: walking well'}\n")
    assert after.index("# seen by Dr Test") < after.index("2026-11-03")  # comment kept in place
    plan = json.loads(project.rehab("plan", "ann", "--format", "json").output)
    assert "off crutches: walking well" in json.dumps(plan)


@pytest.mark.parametrize("pain", ["2.5", "11", "-1", "two"])
def test_a_pain_score_is_a_whole_number_from_0_to_10(project, pain):
    project.write_profile("ann", WITH_PROGRESS)
    result = record(project, "ann", "setback", "--pain", pain)
    assert result.exit_code == 2
    assert (f"Invalid value for '--pain': '{pain}' is not a pain score: use a whole number "
            "0-10") in result.output
    assert project.plans.joinpath("ann.yaml").read_text() == WITH_PROGRESS


def test_the_date_is_today_unless_given(project):
    path = project.write_profile("ann", WITH_PROGRESS)
    assert record(project, "ann", "full_weight_bearing").exit_code == 0
    assert f"{{date: {TODAY.isoformat()}, event: full_weight_bearing}}" in path.read_text()


@pytest.mark.parametrize(("args", "says"), [
    (["full_weight_baring"], "progress[1].event: unknown event 'full_weight_baring' "
                             "(did you mean 'full_weight_bearing'?)"),
    (["strength_stage", "--stage", "99"], "99 is not a stage of this protocol"),
    (["full_weight_bearing", "--date", "2026-12-01"], "2026-12-01 is after today (2026-11-23)"),
    (["full_weight_bearing", "--date", "2026-10-01"], "is before the event above it"),
    (["pause", "--until", "2026-11-01"], "is not after the pause's date"),
    (["full_weight_bearing", "--field", "reimaged=yes"], "unknown field 'reimaged'"),
])
def test_a_bad_event_changes_nothing_and_says_why(project, args, says):
    path = project.write_profile("ann", WITH_PROGRESS)
    stamp = path.stat().st_mtime_ns
    result = record(project, "ann", *args)
    assert result.exit_code == 1
    assert says in result.output
    assert "plans/ann.yaml: nothing recorded: the file is as it was (line 17 is where the " \
           "event would have gone)" in result.output
    assert "Traceback" not in result.output
    assert path.read_text(encoding="utf-8") == WITH_PROGRESS and path.stat().st_mtime_ns == stamp
    assert not list(project.plans.glob(".*"))  # no temporary file left behind


EVENTS = [
    ["full_weight_bearing", "--date", "2026-11-03"],
    ["full_weight_bearing", "--date", "2026-11-03", "--pain", "2"],  # `pain:` as the schema says
    ["setback", "--date", "2026-11-03", "--note", "sore: 3/10 # after stairs"],
    ["pause", "--date", "2026-11-03", "--until", "2026-11-10", "--note", "flu"],
    ["pause", "--date", "2026-11-03", "--until", "2026-11-01"],
    ["strength_stage", "--date", "2026-11-03", "--stage", "1"],
    ["walk_run_step", "--date", "2026-11-03", "--step", "2"],
    ["setback", "--date", "2026-11-03", "--field", "seen_by=Dr Test"],
]


@pytest.mark.parametrize("args", EVENTS, ids=lambda a: " ".join(a))
def test_record_accepts_exactly_what_check_accepts_written_by_hand(project, args):
    """The same event typed into the file: `check` and `record` agree on it, error for error,
    whatever fields the profile schema knows (record has no event schema of its own)."""
    path = project.write_profile("ann", WITH_PROGRESS)
    known = project.rehab("check", "ann").output.splitlines()
    recorded = record(project, "ann", *args)
    written = path.read_text(encoding="utf-8")
    by_hand = WITH_PROGRESS.replace("# the next visit",
                                    f"  - {_hand_written(args)}\n# the next visit")
    path.write_text(by_hand, encoding="utf-8")
    checked = project.rehab("check", "ann")
    assert recorded.exit_code == checked.exit_code
    if recorded.exit_code == 0:
        assert parse(written, "x").value == parse(by_hand, "x").value
        # the notes the event brought: those `check` prints now and did not before it
        warnings = [line for line in checked.output.splitlines()
                    if "  check  " in line and line not in known]
        assert recorded.output.splitlines()[1:] == warnings
    else:
        errors = [line.removeprefix("error: ") for line in recorded.output.splitlines()]
        assert errors[-1].endswith("(line 17 is where the event would have gone)")
        assert errors[:-1] and all(error in checked.output for error in errors[:-1])


def _hand_written(args: list[str]) -> str:
    """The event as a clinician would type it into the list."""
    event, options = args[0], dict(zip(args[1::2], args[2::2], strict=True))
    fields = [f"date: {options.pop('--date')}", f"event: {event}"]
    for option, value in options.items():
        if option == "--field":
            fields.append(value.replace("=", ": ", 1))
        else:
            fields.append(f"{option[2:]}: {value!r}" if option == "--note"
                          else f"{option[2:]}: {value}")
    return "{" + ", ".join(fields) + "}"


# --- where the event goes, for every way a list can be written ----------------------------

START = PROFILE_YAML.replace("notes: |", "# visits below\nnotes: |")


@pytest.mark.parametrize(("before", "insert"), [
    (START, "progress:\n  - {date: 2026-10-20, event: partial_weight_bearing}\n"),  # at the end
    (START.replace("# visits below\n", "progress: []   # none yet\n"),
     "{date: 2026-10-20, event: partial_weight_bearing}"),
    (START.replace("# visits below\n", "progress:\n"),
     "  - {date: 2026-10-20, event: partial_weight_bearing}\n"),
    (START.replace("# visits below\n", "progress: [{date: 2026-10-01, event: setback}]\n"),
     ", {date: 2026-10-20, event: partial_weight_bearing}"),
    (START.replace("# visits below\n", "progress:\n- date: 2026-10-01\n  event: setback  # ow\n"
                   "\n# later\n"),
     "- date: 2026-10-20\n  event: partial_weight_bearing\n"),
    (START.replace("# visits below\n", "progress:\n    -   date: 2026-10-01\n"
                   "        note: |\n          two\n          lines\n\n        event: setback\n"),
     "    -   date: 2026-10-20\n        event: partial_weight_bearing\n"),
])
def test_the_event_is_written_in_the_style_of_its_list(before, insert):
    after = with_event(before, parse(before, "x").value, PARTIAL, "x")
    assert added(before, after) == insert
    assert parse(after, "x").value["progress"][-1] == PARTIAL


def test_on_a_starter_the_list_goes_where_its_commented_example_is(project):
    """`rehab new`, the profile filled in, then the first visits: `progress:` comes right
    under the starter's commented example of it, not at the end after `overrides`."""
    assert project.rehab("new", "casey-tran").exit_code == 0
    path = project.plans / "casey-tran.yaml"
    starter = path.read_text().replace("New Athlete", "Casey Tran").replace(
        "  side:  ", "  side: left  ").replace(
        "  Markdown shown to the athlete on the page and in the handout.", "  Hi Casey.")
    starter = starter.replace(f"diagnosed: {dt.date.today()}", "diagnosed: 2026-09-01")
    path.write_text(starter)
    assert record(project, "casey-tran", "partial_weight_bearing", "--date",
                  "2026-10-20").exit_code == 0
    assert record(project, "casey-tran", "full_weight_bearing", "--date",
                  "2026-10-27").exit_code == 0
    example_end = starter.index("# Your judgement")
    assert path.read_text() == (
        starter[:example_end] + "progress:\n"
        "  - {date: 2026-10-20, event: partial_weight_bearing}\n"
        "  - {date: 2026-10-27, event: full_weight_bearing}\n" + starter[example_end:])
    assert starter[:example_end].rstrip().endswith("# until = first day back")


def test_windows_line_endings_stay():
    before = WITH_PROGRESS.replace("\n", "\r\n")
    after = with_event(before, parse(before, "x").value, PARTIAL, "x")
    assert added(before, after) == \
        "  - {date: 2026-10-20, event: partial_weight_bearing}\r\n"


def test_text_that_yaml_would_misread_is_quoted():
    event = {**PARTIAL, "note": 'He said: "ouch" # 2/10, [left] {hip} - yes? ü', "x": "no"}
    after = with_event(WITH_PROGRESS, parse(WITH_PROGRESS, "x").value, event, "x")
    assert parse(after, "x").value["progress"][-1] == event


def test_a_list_that_is_no_list_is_refused():
    before = START.replace("# visits below\n", "progress: none so far\n")
    with pytest.raises(InputError, match="is not a list of events"):
        with_event(before, parse(before, "x").value, PARTIAL, "x")


def test_a_file_that_does_not_read_is_reported_as_it_is(project):
    path = project.write_profile("ann", WITH_PROGRESS.replace("side: left", "side: [left"))
    result = record(project, "ann", "full_weight_bearing")
    assert result.exit_code == 1 and "not valid YAML" in result.output
    assert "side: [left" in path.read_text(encoding="utf-8")


def test_an_athlete_who_needs_referral_still_gets_the_visit_recorded(project):
    path = project.write_profile("ann", WITH_PROGRESS.replace("fracture_side: compression",
                                                              "fracture_side: tension"))
    result = record(project, "ann", "full_weight_bearing", "--date", "2026-11-03")
    assert result.exit_code == 0
    assert "REFERRAL ann: no plan made, referral needed:" in result.output
    assert "2026-11-03, event: full_weight_bearing" in path.read_text(encoding="utf-8")


def test_what_record_prints_is_in_the_clinics_english_for_an_athlete_in_german(project):
    """The notes a visit brings are the clinician's: in English, as `rehab build` prints them,
    whatever language the athlete reads the plan in."""
    project.write_profile("ann", WITH_PROGRESS.replace("name:", "language: de\nname:", 1))
    result = record(project, "ann", "setback", "--date", "2026-11-03")
    assert result.exit_code == 0, result.output
    assert "No step was recorded after partial weight-bearing" in result.output
    assert "Teilbelastung" not in result.output
