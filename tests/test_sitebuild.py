"""Incremental and parallel builds: only what changed is built, and nothing is ever stale."""

from __future__ import annotations

import datetime as dt
import filecmp
import json
import shutil
from pathlib import Path

import pytest
from factories import PROFILE_YAML, PROTOCOL_ID, TODAY

import generator
from generator import sitebuild
from generator.buildstate import BuildState, state_path

OTHER_PROTOCOL = "other-protocol"


ATHLETES = ("ann", "ben", "cat", "dan", "eve", "fay", "gus")


def stamps(project) -> dict[str, int]:
    """Modification time of every output file, as athlete/file: unchanged means not
    re-rendered."""
    athlete_of = {project.folder(a).name: a for a in ATHLETES}
    return {f"{athlete_of.get(p.parent.name, p.parent.name)}/{p.name}": p.stat().st_mtime_ns
            for p in sorted(project.site.rglob("*")) if p.is_file() and p.name != "robots.txt"}


def rebuilt(before: dict[str, int], after: dict[str, int]) -> set[str]:
    """Athletes with an output file that is new or was written again."""
    return {name.split("/")[0] for name, stamp in after.items() if before.get(name) != stamp}


def page(project, athlete: str) -> str:
    return (project.folder(athlete) / "index.html").read_text(encoding="utf-8")


def same_tree(left: Path, right: Path) -> bool:
    """Same file names and the same bytes in every file."""
    names = sorted(str(p.relative_to(left)) for p in left.rglob("*") if p.is_file())
    if names != sorted(str(p.relative_to(right)) for p in right.rglob("*") if p.is_file()):
        return False
    return all(filecmp.cmp(left / n, right / n, shallow=False) for n in names)


@pytest.fixture
def clinic(project):
    """Three athletes on the femoral neck protocol and one on a second protocol, built once."""
    for athlete in ("ann", "ben", "cat"):
        project.write_profile(athlete, PROFILE_YAML.replace("Test Athlete", athlete.title()))
    other = project.root / "content" / OTHER_PROTOCOL
    shutil.copytree(project.root / "content" / PROTOCOL_ID, other)
    protocol_file = other / "protocol.yaml"
    protocol_file.write_text(protocol_file.read_text(encoding="utf-8").replace(
        f"id: {PROTOCOL_ID}", f"id: {OTHER_PROTOCOL}"), encoding="utf-8")
    project.write_profile("dan", PROFILE_YAML.replace("Test Athlete", "Dan").replace(
        f"protocol: {PROTOCOL_ID}", f"protocol: {OTHER_PROTOCOL}"))
    result = project.rehab("build", "--no-pdf")
    assert result.exit_code == 0, result.output
    assert "4 built" in result.output
    return project


def test_a_second_build_with_nothing_changed_renders_nothing(clinic):
    before = stamps(clinic)
    result = clinic.rehab("build", "--no-pdf")
    assert result.exit_code == 0
    assert "0 built, 0 failed, 0 need referral, 4 unchanged" in result.output
    assert stamps(clinic) == before


def test_a_changed_profile_rebuilds_that_athlete_only(clinic):
    before = stamps(clinic)
    clinic.write_profile("ben", PROFILE_YAML.replace("Test Athlete", "Benjamin"))
    result = clinic.rehab("build", "--no-pdf")
    assert "1 built" in result.output and "3 unchanged" in result.output
    assert rebuilt(before, stamps(clinic)) == {"ben"}
    assert "Benjamin" in page(clinic, "ben")


def test_a_template_change_rebuilds_every_athlete_and_shows(clinic):
    before = stamps(clinic)
    base = clinic.root / "templates" / "base.html"
    base.write_text(base.read_text(encoding="utf-8").replace(
        "<main", "<p>Clinic closed on Friday</p>\n<main"), encoding="utf-8")
    clinic.rehab("build", "--no-pdf")
    assert rebuilt(before, stamps(clinic)) == {"ann", "ben", "cat", "dan"}
    assert all("Clinic closed on Friday" in page(clinic, a) for a in ("ann", "dan"))


def test_an_asset_change_rebuilds_every_athlete(clinic):
    before = stamps(clinic)
    with open(clinic.root / "templates" / "assets" / "style.css", "a", encoding="utf-8") as css:
        css.write("\n.clinic-note { color: #123456; }\n")
    clinic.rehab("build", "--no-pdf")
    assert rebuilt(before, stamps(clinic)) == {"ann", "ben", "cat", "dan"}
    assert "#123456" in page(clinic, "cat")


def test_a_protocol_text_change_rebuilds_only_the_athletes_on_that_protocol(clinic):
    before = stamps(clinic)
    pain_rule = clinic.root / "content" / PROTOCOL_ID / "text" / "pain-rule.md"
    pain_rule.write_text(pain_rule.read_text(encoding="utf-8") + "\nAsk before every run.\n",
                         encoding="utf-8")
    result = clinic.rehab("build", "--no-pdf")
    assert "3 built" in result.output and "1 unchanged" in result.output
    assert rebuilt(before, stamps(clinic)) == {"ann", "ben", "cat"}
    assert "Ask before every run." in page(clinic, "ann")
    assert "Ask before every run." not in page(clinic, "dan")


def test_an_exercise_change_rebuilds_the_athletes_on_that_protocol(clinic):
    before = stamps(clinic)
    exercises = clinic.root / "content" / OTHER_PROTOCOL / "exercises.yaml"
    text = exercises.read_text(encoding="utf-8")
    name = next(line.split(":", 1)[1].strip() for line in text.splitlines()
                if line.strip().startswith("name:"))
    exercises.write_text(text.replace(f"name: {name}", "name: Renamed exercise", 1),
                         encoding="utf-8")
    clinic.rehab("build", "--no-pdf")
    assert rebuilt(before, stamps(clinic)) == {"dan"}
    assert "Renamed exercise" in page(clinic, "dan")


def test_a_new_day_rebuilds_every_athlete_with_the_new_date(clinic):
    before = stamps(clinic)
    tomorrow = TODAY + dt.timedelta(days=1)
    result = clinic.rehab("build", "--no-pdf", "--today", tomorrow.isoformat())
    assert "4 built" in result.output
    assert rebuilt(before, stamps(clinic)) == {"ann", "ben", "cat", "dan"}
    plan = json.loads((clinic.folder("ann") / "plan.json").read_text(encoding="utf-8"))
    assert plan["as_of"] == tomorrow.isoformat()


def test_a_new_generator_version_rebuilds_every_athlete(clinic, monkeypatch):
    monkeypatch.setattr(generator, "__version__", "99.0.0")
    result = clinic.rehab("build", "--no-pdf")
    assert "4 built" in result.output


def test_a_deleted_profile_removes_its_output_and_state(clinic):
    (clinic.plans / "cat.yaml").unlink()
    result = clinic.rehab("build", "--no-pdf")
    assert result.exit_code == 0
    assert "removed  cat" in result.output
    assert not (clinic.folder("cat")).exists()
    assert "cat" not in BuildState.load(state_path(clinic.site)).athletes
    assert (clinic.folder("ann") / "index.html").is_file()


def test_force_rebuilds_everything(clinic):
    before = stamps(clinic)
    result = clinic.rehab("build", "--no-pdf", "--force")
    assert "4 built" in result.output
    assert rebuilt(before, stamps(clinic)) == {"ann", "ben", "cat", "dan"}


def test_missing_or_edited_output_files_are_written_again(clinic):
    (clinic.folder("ann") / "plan.json").unlink()
    edited = clinic.folder("ben") / "index.html"
    edited.write_text("<p>someone edited this by hand</p>", encoding="utf-8")
    shutil.rmtree(clinic.folder("cat"))
    before = stamps(clinic)
    result = clinic.rehab("build", "--no-pdf")
    assert "3 built" in result.output
    assert rebuilt(before, stamps(clinic)) == {"ann", "ben", "cat"}
    assert "Ben" in page(clinic, "ben")
    assert (clinic.folder("ann") / "plan.json").is_file()


def test_a_broken_profile_keeps_its_last_good_plan_and_is_reported_on_every_build(clinic):
    good = page(clinic, "ann")
    clinic.write_profile("ann", "name: Ann\ninjury: {side: left}\n")
    for _ in range(2):
        result = clinic.rehab("build", "--no-pdf")
        assert result.exit_code == 1
        assert "failed  ann" in result.output
        assert page(clinic, "ann") == good
    clinic.write_profile("ann", PROFILE_YAML.replace("Test Athlete", "Ann"))
    result = clinic.rehab("build", "--no-pdf")
    assert result.exit_code == 0
    assert "0 built" in result.output  # fixed back to the version already built


def test_a_referral_removes_the_plan_and_its_state(clinic):
    clinic.write_profile("ben", PROFILE_YAML.replace(
        "severity: moderate", "severity: moderate\n  displaced: true"))
    result = clinic.rehab("build", "--no-pdf")
    assert "REFERRAL ben" in result.output
    assert not (clinic.folder("ben")).exists()
    assert "ben" not in BuildState.load(state_path(clinic.site)).athletes


def test_named_athletes_build_incrementally_and_delete_nothing(clinic):
    (clinic.plans / "cat.yaml").unlink()
    result = clinic.rehab("build", "--no-pdf", "ann")
    assert "unchanged  ann" in result.output
    assert (clinic.folder("cat") / "index.html").is_file()


def test_an_incremental_site_equals_a_fresh_build(clinic):
    """Never stale: after edits of every kind, the site is byte for byte a full rebuild."""
    clinic.write_profile("ann", PROFILE_YAML.replace("Test Athlete", "Annie"))
    (clinic.root / "content" / OTHER_PROTOCOL / "text" / "red-flags.md").write_text(
        "- Sudden groin pain: stop and call.\n", encoding="utf-8")
    (clinic.plans / "cat.yaml").unlink()
    assert clinic.rehab("build", "--no-pdf").exit_code == 0
    assert clinic.rehab("build", "--no-pdf", "--force", "--out", "fresh").exit_code == 0
    assert same_tree(clinic.site, clinic.root / "fresh")


def test_state_lives_outside_the_site_and_survives_damage(clinic):
    state = state_path(clinic.site)
    assert state.parent == clinic.root / ".rehab"
    assert sorted(p.name for p in clinic.site.iterdir()) == sorted(
        [clinic.folder(a).name for a in ("ann", "ben", "cat", "dan")] + ["robots.txt"])
    state.write_text("{not json", encoding="utf-8")
    result = clinic.rehab("build", "--no-pdf")
    assert result.exit_code == 0 and "4 built" in result.output


def test_no_progress_bar_when_output_is_not_a_terminal(clinic):
    result = clinic.rehab("build", "--no-pdf", "--force")
    assert "building" not in result.output
    assert result.output.count("\n") == 5  # four athletes and the summary


def test_a_pool_of_workers_writes_the_same_bytes_as_one_process(clinic, monkeypatch):
    monkeypatch.setattr(sitebuild, "POOL_MIN_HTML_ONLY", 2)  # a pool even for four pages
    assert clinic.rehab("build", "--no-pdf", "--jobs", "2", "--out", "pooled").exit_code == 0
    assert clinic.rehab("build", "--no-pdf", "--jobs", "1", "--force").exit_code == 0
    assert same_tree(clinic.site, clinic.root / "pooled")


def test_parallel_pdfs_are_byte_identical_to_serial_ones(project):
    for athlete, severity in (("eve", "mild"), ("fay", "moderate")):
        project.write_profile(athlete, PROFILE_YAML.replace("severity: moderate",
                                                            f"severity: {severity}"))
    serial = project.rehab("build", "--jobs", "1", "--out", "serial")
    parallel = project.rehab("build", "--jobs", "2", "--out", "parallel")
    assert serial.exit_code == 0 and parallel.exit_code == 0, serial.output + parallel.output
    eve = project.folder("eve").name
    assert (project.root / "serial" / eve / "plan.pdf").stat().st_size > 10_000
    assert same_tree(project.root / "serial", project.root / "parallel")


def test_turning_pdfs_off_leaves_no_stale_handout(project):
    project.write_profile("gus", PROFILE_YAML)
    assert project.rehab("build").exit_code == 0
    assert (project.folder("gus") / "plan.pdf").is_file()
    project.write_profile("gus", PROFILE_YAML.replace("Test Athlete", "Gus"))
    assert project.rehab("build", "--no-pdf").exit_code == 0
    assert not (project.folder("gus") / "plan.pdf").exists()  # it would show the old name
