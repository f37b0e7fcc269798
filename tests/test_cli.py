"""The `rehab` command as a clinician uses it."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from factories import PROFILE_YAML


def test_build_prints_one_line_per_athlete_and_a_summary(example_project):
    result = example_project.rehab("build", "--no-pdf")
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    built = [line for line in lines if line.strip().startswith("built")]
    assert [line.split()[1] for line in built] == ["alex-morgan", "jordan-lee", "mia-hoffmann",
                                                         "rosa-lindqvist", "sam-okafor",
                                                         "tomas-reyes"]
    assert all(line.split()[-1].startswith("site/") for line in built)
    # a plan with a warning is still built, and the warning is printed under it
    assert any(line.strip().startswith("check  sam-okafor:") for line in lines)
    assert lines[-1] == "6 built, 0 failed, 0 need referral"
    assert (example_project.site / "robots.txt").read_text() == "User-agent: *\nDisallow: /\n"


def test_build_only_the_named_athletes(example_project):
    result = example_project.rehab("build", "--no-pdf", "alex-morgan")
    assert result.exit_code == 0
    assert "alex-morgan" in result.output and "jordan-lee" not in result.output


def test_one_bad_profile_fails_alone_and_names_file_line_and_fix(example_project):
    example_project.write_profile("broken", PROFILE_YAML.replace("diagnosed:", "diagnsed:"))
    result = example_project.rehab("build", "--no-pdf")
    assert result.exit_code == 1
    assert "6 built, 1 failed, 0 need referral" in result.output
    assert "plans/broken.yaml:5:3: injury.diagnsed: unknown field 'diagnsed'" in result.output
    assert "did you mean 'diagnosed'?" in result.output
    assert "injury.diagnosed: is missing" in result.output
    assert "Traceback" not in result.output


def test_referral_is_reported_and_counts_as_failed(project):
    project.write_profile("needs-surgeon", PROFILE_YAML.replace(
        "fracture_side: compression", "fracture_side: tension"))
    project.write_profile("fine", PROFILE_YAML)
    result = project.rehab("build", "--no-pdf")
    assert result.exit_code == 1
    assert "REFERRAL needs-surgeon" in result.output
    assert "referral" in result.output.lower() and "tension-side" in result.output
    assert "1 built, 0 failed, 1 need referral" in result.output
    assert not (project.site / "needs-surgeon").exists()


def test_check_validates_and_writes_nothing(example_project):
    result = example_project.rehab("check")
    assert result.exit_code == 0, result.output
    assert "6 ok, 0 failed" in result.output
    assert not example_project.site.exists()


def test_check_fails_on_bad_content(example_project):
    protocol = example_project.root / "content/femoral-neck-stress-fracture/protocol.yaml"
    protocol.write_text(protocol.read_text().replace("walk_run_min_weeks: 12",
                                                     "walk_run_min_weeks: twelve"))
    result = example_project.rehab("check")
    assert result.exit_code == 1
    assert "protocol.yaml:" in result.output
    assert "floors.walk_run_min_weeks: expected a whole number" in result.output


def test_plan_prints_a_week_table_and_json(example_project):
    result = example_project.rehab("plan", "jordan-lee")
    assert result.exit_code == 0
    assert ">  12  2026-11-17 - 11-23" in result.output
    assert "Strength stage 1" in result.output
    as_json = example_project.rehab("plan", "jordan-lee", "--format", "json")
    data = json.loads(as_json.output)
    assert data["current_week"] == 12 and data["athlete"]["id"] == "jordan-lee"


def test_plan_for_a_missing_athlete_says_how_to_create_it(example_project):
    result = example_project.rehab("plan", "nobody")
    assert result.exit_code == 1
    assert "plans/nobody.yaml: profile not found" in result.output
    assert "rehab new nobody" in result.output


def test_a_mistyped_athlete_is_pointed_to_the_profile_that_exists(example_project):
    result = example_project.rehab("record", "jordan-le", "setback")
    assert result.exit_code == 1
    assert "did you mean 'jordan-lee'?" in result.output
    assert not (example_project.plans / "jordan-le.yaml").exists()


def test_new_writes_a_starter_that_checks_once_filled_in_and_refuses_to_overwrite(project):
    result = project.rehab("new", "casey-tran")
    assert result.exit_code == 0
    starter = project.plans / "casey-tran.yaml"
    assert "diagnosed:" in starter.read_text()
    starter.write_text(starter.read_text().replace("New Athlete", "Casey Tran").replace(
        "  side:  ", "  side: left  ").replace(
        "Markdown shown to the athlete on the page and in the handout.", "Keep it easy."))
    soon = (dt.date.today() + dt.timedelta(days=30)).isoformat()  # the starter's diagnosis: today
    assert project.rehab("check", "--today", soon, "casey-tran").exit_code == 0
    again = project.rehab("new", "casey-tran")
    assert again.exit_code == 1 and "already exists" in again.output


def notes_written(project, athlete):
    """The clinician replaces the starter's example notes (check and build refuse them)."""
    path = project.plans / f"{athlete}.yaml"
    path.write_text(path.read_text().replace(
        "Markdown shown to the athlete on the page and in the handout.", "Welcome!").replace(
        "  side:  ", "  side: left  "))


def test_new_takes_the_name_a_clinician_types(project):
    result = project.rehab("new", "Ann Lee")
    assert result.exit_code == 0, result.output
    assert result.output == "wrote plans/ann-lee.yaml for Ann Lee: fill it in, then " \
        "`rehab check ann-lee`\n  its protocol: femoral-neck-stress-fracture (`rehab " \
        "protocols` lists the others; `--protocol ID` starts a profile for one)\n"
    text = (project.plans / "ann-lee.yaml").read_text()
    assert "name: Ann Lee " in text and "{{" not in text
    notes_written(project, "ann-lee")
    soon = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    checked = project.rehab("plan", "--today", soon, "ann-lee", "--format", "json")
    assert json.loads(checked.output)["athlete"] == {"id": "ann-lee", "name": "Ann Lee"}


@pytest.mark.parametrize(("name", "athlete"), [
    ("Jonas Weiß", "jonas-weiss"), ("Zoë O'Brien", "zoe-obrien"), ("Søren Kjær", "soren-kjaer"),
    ("Lena Schröder", "lena-schroder")])
def test_new_spells_out_letters_it_cannot_just_strip_of_an_accent(project, name, athlete):
    """'Weiß' is not 'Wei': a letter with no accent to take off is spelt out in the id."""
    result = project.rehab("new", name)
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"wrote plans/{athlete}.yaml for {name}:")


def test_a_name_that_makes_an_id_already_used_is_refused(project):
    assert project.rehab("new", "Ann Lee").exit_code == 0
    before = (project.plans / "ann-lee.yaml").read_bytes()
    again = project.rehab("new", "ann  LEE")
    assert again.exit_code == 1
    assert "plans/ann-lee.yaml: already exists (the id made from 'ann  LEE'); not overwritten; " \
        "another athlete of that name needs an id of their own: rehab new ann-lee-2 --name " \
        "'ann  LEE'" in again.output
    assert (project.plans / "ann-lee.yaml").read_bytes() == before
    assert project.rehab("new", "ann-lee-2", "--name", "Ann Lee").exit_code == 0
    assert "name: Ann Lee " in (project.plans / "ann-lee-2.yaml").read_text()


@pytest.mark.parametrize("name, athlete, written", [
    ("Zoë O'Brien", "zoe-obrien", "name: Zoë O'Brien "),
    ("José María Núñez-Ruiz", "jose-maria-nunez-ruiz", "name: José María Núñez-Ruiz "),
    ("Lee #2: sprints", "lee-2-sprints", 'name: "Lee #2: sprints" '),  # quoted for YAML
    ("Yes", "yes", 'name: "Yes" '),  # not the YAML boolean
])
def test_a_typed_name_gives_its_id_and_reads_back_as_typed(project, name, athlete, written):
    result = project.rehab("new", name)
    assert result.exit_code == 0, result.output
    text = (project.plans / f"{athlete}.yaml").read_text()
    assert written in text
    notes_written(project, athlete)
    soon = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    plan = json.loads(project.rehab("plan", "--today", soon, athlete, "--format", "json").output)
    assert plan["athlete"]["name"] == name


def test_a_name_that_makes_no_id_asks_for_one(project):
    result = project.rehab("new", "李雷")
    assert result.exit_code == 2
    assert "makes no id" in result.output and "rehab new ID --name" in result.output
    assert project.rehab("new", "li-lei", "--name", "李雷").exit_code == 0
    assert "name: 李雷 " in (project.plans / "li-lei.yaml").read_text()
    assert project.rehab("new", "Ann\x1bLee").exit_code == 2
    assert not list(project.plans.iterdir())[1:]  # only li-lei.yaml


def test_an_id_given_as_an_id_still_works(project):
    assert project.rehab("new", "casey-tran").exit_code == 0
    assert "name: New Athlete " in (project.plans / "casey-tran.yaml").read_text()


def test_an_unedited_starter_never_goes_live(project):
    """`rehab new`, then a build before the profile was filled in: the athlete fails with
    every field still holding the starter's example text, and nothing of theirs is written."""
    assert project.rehab("new", "casey-tran").exit_code == 0
    soon = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    for command in (("check",), ("build", "--no-pdf")):
        result = project.rehab(*command, "--today", soon)
        assert result.exit_code == 1, result.output
        assert "1 failed" in result.output
        assert ("plans/casey-tran.yaml:6:1: name: still holds the starter profile's example "
                "text ('New Athlete'); it must never reach an athlete (write the athlete's "
                "name)") in result.output
        # nor does it guess the leg: the side is the clinician's to write
        assert "plans/casey-tran.yaml:9:3: injury.side: is empty; expected one of left, " \
            "right" in result.output
        assert ("notes: still holds the starter profile's example text ('Markdown shown to "
                "the athlete on the...')") in result.output
    assert not project.site.exists() or not any(p.is_dir() for p in project.site.iterdir())
    # an edit that keeps the example sentence is still refused
    starter = project.plans / "casey-tran.yaml"
    starter.write_text(starter.read_text().replace("New Athlete", "Casey Tran").replace(
        "  side:  ", "  side: left  ").replace(
        "  Markdown shown", "  Welcome, Casey!\n  Markdown shown"))
    result = project.rehab("check", "--today", soon)
    assert result.exit_code == 1 and "notes: still holds" in result.output
    assert "name:" not in result.output


def test_usage_errors_exit_2(project):
    assert project.rehab("build", "--today", "yesterday").exit_code == 2
    assert project.rehab("new", "!!!").exit_code == 2
    assert project.rehab("frobnicate").exit_code == 2


def test_diagnosis_after_today_is_an_error(project):
    project.write_profile("future", PROFILE_YAML.replace("2026-09-01", "2027-01-01"))
    result = project.rehab("check")
    assert result.exit_code == 1
    assert "2027-01-01 is after today (2026-11-23)" in result.output


SLOW_IMPORTS = ("weasyprint", "icalendar", "segno", "markdown_it")


def imported_by(project, *args: str) -> list[str]:
    """The slow libraries a new `rehab ARGS` process imports (bench/startup.py times it)."""
    import os
    import subprocess
    import sys

    from factories import ROOT

    code = ("import sys\nfrom generator.cli import main\ntry:\n    main(sys.argv[1:])\n"
            "except SystemExit:\n    pass\n"
            f"print([m for m in {SLOW_IMPORTS!r} if m in sys.modules])")
    done = subprocess.run([sys.executable, "-c", code, *args], cwd=project.root,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True,
                          text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1].replace("'", '"'))


def test_help_and_check_start_without_the_renderers(example_project):
    assert imported_by(example_project, "--help") == []
    assert imported_by(example_project, "check", "--today", "2026-11-23") == []
    # plan.ics is written without icalendar (tests/test_render_ics.py holds it to icalendar's)
    assert imported_by(example_project, "build", "--no-pdf", "--today", "2026-11-23") == [
        "markdown_it"]


def test_version(project):
    import generator

    result = project.rehab("--version")
    assert result.exit_code == 0 and result.output == f"rehab, version {generator.__version__}\n"


def test_a_note_the_clinician_marked_read_stops_repeating(project):
    """Dr Test has ordered the DXA scan and reviewed the hip effusion: once their ids are in
    `reviewed:`, no command prints them again; the plan still carries them, marked read."""
    early = "2026-10-01"  # nothing due yet: only the two notes
    project.write_profile("ann", PROFILE_YAML.replace(
        "  fracture_side: compression\n", "  fracture_side: compression\n  hip_effusion: true\n"))
    checked = project.rehab("check", "--today", early)
    assert "[bone-health-work-up]" in checked.output and "[hip-effusion]" in checked.output
    assert "add the id to the profile's `reviewed:` list" in checked.output
    assert "hip effusion" in project.rehab("status", "--today", early).output
    path = project.plans / "ann.yaml"
    path.write_text(path.read_text() + "reviewed: [bone-health-work-up, hip-effusion, "
                    "triad-cra-provisional]\n")
    checked = project.rehab("check", "--today", early)
    assert checked.exit_code == 0 and "check  ann" not in checked.output
    assert "reviewed:" not in checked.output  # no hint when nothing is shown
    status = project.rehab("status", "--today", early)
    assert "hip effusion" not in status.output
    plan = json.loads(project.rehab("plan", "ann", "--format", "json", "--today", early).output)
    assert {(n["id"], n["reviewed"]) for n in plan["notes"] if n["audience"] == "clinician"} == {
        ("bone-health-work-up", True), ("hip-effusion", True), ("triad-cra-provisional", True)}


def test_the_bone_health_reminder_is_not_on_every_command(project):
    """Until it is marked read, `rehab check` lists the reminder for each athlete; a build
    shows it when the profile is new or just edited, not on the next day's rebuild; a
    recorded visit prints only what that visit brought."""
    project.write_profile("ann", PROFILE_YAML)
    first = project.rehab("build", "--no-pdf", "--today", "2026-10-19")
    assert first.output.count("[bone-health-work-up]") == 1
    next_day = project.rehab("build", "--no-pdf", "--today", "2026-10-20")
    assert next_day.exit_code == 0 and "check  ann" not in next_day.output
    assert project.rehab("check", "--today", "2026-10-20").output.count(
        "[bone-health-work-up]") == 1
    visit = project.rehab("record", "ann", "partial_weight_bearing", "--pain", "2",
                          "--today", "2026-10-20")
    assert visit.exit_code == 0, visit.output
    assert visit.output.splitlines()[1:] == [
        "   check  ann: Partial weight-bearing was recorded on 2026-10-20 with pain 2/10: the "
        "protocol moves on only at 0/10 or less (progress.step_pain_max). Check that the step "
        "was right. [pain-partial-weight-bearing-2026-10-20]"]


@pytest.mark.parametrize(("protocol_id", "fields"), [
    ("tibial-bone-stress-injury", ["site: unknown", "# mri_grade: 2", "# displaced: false"]),
    ("metatarsal-bone-stress-injury", ["metatarsal:", "region:", "# mri_grade: 3"]),
])
def test_new_writes_a_starter_for_the_protocol_asked_for(project, protocol_id, fields):
    """`rehab new NAME --protocol P`: the injury section is that protocol's, each field with
    its values and what its rules do; the examples of progress and overrides are its own."""
    result = project.rehab("new", "Ann Lee", "--protocol", protocol_id)
    assert result.exit_code == 0, result.output
    text = (project.plans / "ann-lee.yaml").read_text()
    assert f"  protocol: {protocol_id}\n" in text
    for field in fields:
        assert f"  {field} " in text, field
    assert "femoral" not in text and "fracture_side" not in text and "hip" not in text
    assert "partial_weight_bearing" not in text and "non_weight_bearing" not in text
    assert "no plan, a referral" in text  # the high-risk values say what they do
    assert "event: strength_stage, stage: 1" in text
    # filled in, it is a profile of that protocol: a plan, or for a metatarsal the fields the
    # clinician has yet to give are named
    notes_written(project, "ann-lee")
    checked = project.rehab("check", "ann-lee", "--today", dt.date.today().isoformat())
    if protocol_id.startswith("tibial"):
        assert checked.exit_code == 0, checked.output
    else:
        assert "injury.metatarsal: is empty" in checked.output
        assert "injury.region: is empty" in checked.output


def test_new_names_an_unknown_protocol_and_the_known_ones(project):
    result = project.rehab("new", "ann-lee", "--protocol", "tibial")
    assert result.exit_code == 1
    assert "--protocol: unknown protocol 'tibial'" in result.output
    assert "did you mean 'tibial-bone-stress-injury'?" in result.output
    assert not (project.plans / "ann-lee.yaml").exists()


def test_protocols_lists_each_with_its_fields_and_rules(project):
    result = project.rehab("protocols")
    assert result.exit_code == 0, result.output
    for line in ["tibial-bone-stress-injury  Tibial bone stress injury",
                 "site       required: posteromedial | anterior_cortex | medial_malleolus | "
                 "other | unknown  Site on the shin bone",
                 "no plan, a referral, when: metatarsal is 5 and region is one of base or shaft"]:
        assert line in result.output, line
    data = json.loads(project.rehab("protocols", "--format", "json").output)
    assert [p["id"] for p in data] == ["femoral-neck-stress-fracture",
                                       "metatarsal-bone-stress-injury",
                                       "tibial-bone-stress-injury"]
    assert data[2]["injury_fields"]["mri_grade"]["severity"] == {
        "1": "mild", "2": "moderate", "3": "moderate", "4": "severe"}
