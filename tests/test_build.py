"""The build pipeline: only what changed is built, nothing is ever stale, nothing is lost."""

from __future__ import annotations

import datetime as dt
import filecmp
import json
import shutil
from pathlib import Path

import pytest
from factories import PROFILE_YAML, PROTOCOL_ID, TODAY

import generator
from generator.buildstate import BuildState, state_path
from generator.secret import TOKEN_PATTERN

OTHER_PROTOCOL = "other-protocol"
TENSION = PROFILE_YAML.replace("fracture_side: compression", "fracture_side: tension")


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


def snapshot(site: Path) -> dict[str, bytes]:
    return {str(p.relative_to(site)): p.read_bytes() for p in sorted(site.rglob("*"))
            if p.is_file()}


def folder_of(project, athlete: str) -> Path:
    result = project.rehab("link", athlete)
    assert result.exit_code == 0, result.output
    assert project.root / result.stdout.strip() == project.folder(athlete)
    return project.folder(athlete)


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
    """Every athlete is made again; a file whose bytes are the same is kept as it was (its
    time stamp stays), and a folder that holds every byte already is left as it is: here
    every one of them (same profiles, same day)."""
    before = stamps(clinic)
    built = ("ann", "ben", "cat", "dan")
    folders = {a: clinic.folder(a).stat().st_ino for a in built}
    result = clinic.rehab("build", "--no-pdf", "--force")
    assert "4 built" in result.output
    assert all(clinic.folder(a).stat().st_ino == folders[a] for a in built)
    assert stamps(clinic) == before


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
    lines = result.output.splitlines()
    # four athletes, each with its clinician notes (the bone-health reminder, the Triad CRA's
    # band every athlete of the protocol reaches; nothing recorded since diagnosis), how to
    # mark them read, then a summary
    assert [line.split()[0] for line in lines] == ["built", "check", "check", "check"] * 4 + [
        "(a", "4"]


def test_turning_pdfs_off_leaves_no_stale_handout(project):
    project.write_profile("gus", PROFILE_YAML)
    assert project.rehab("build").exit_code == 0
    assert (project.folder("gus") / "plan.pdf").is_file()
    project.write_profile("gus", PROFILE_YAML.replace("Test Athlete", "Gus"))
    assert project.rehab("build", "--no-pdf").exit_code == 0
    assert not (project.folder("gus") / "plan.pdf").exists()  # it would show the old name


# Clean-up and safety: what a build removes, and what it never touches


@pytest.fixture
def three_built(project):
    for athlete in ("ann", "ben", "cat"):
        project.write_profile(athlete, PROFILE_YAML.replace("Test Athlete", athlete.title()))
    result = project.rehab("build", "--no-pdf")
    assert result.exit_code == 0, result.output
    return project

def test_a_broken_profile_keeps_its_last_good_pages(three_built):
    project = three_built
    before = snapshot(project.site)
    project.write_profile("ben", PROFILE_YAML.replace("side: left", "side: [left"))
    result = project.rehab("build", "--no-pdf", "--today", "2026-12-01")
    assert result.exit_code == 1
    assert "  failed: ben" in result.stdout
    after = snapshot(project.site)
    ben = folder_of(project, "ben").name
    assert {k: v for k, v in after.items() if k.startswith(ben)} == {
        k: v for k, v in before.items() if k.startswith(ben)}
    ann = folder_of(project, "ann").name
    assert after[f"{ann}/plan.json"] != before[f"{ann}/plan.json"]  # the others moved on


def test_a_referral_removes_the_earlier_plan(three_built):
    project = three_built
    ben = folder_of(project, "ben")
    assert (ben / "index.html").is_file()
    project.write_profile("ben", TENSION)
    result = project.rehab("build", "--no-pdf", "ben")
    assert result.exit_code == 1
    assert "REFERRAL ben: no plan made" in result.stderr
    assert "0 built, 0 failed, 1 need referral\n  referral: ben\n" in result.stdout
    assert not ben.exists()
    assert folder_of(project, "ann").is_dir()


@pytest.mark.parametrize("also_wrong", [
    ("side: left", "side: lft"),  # a typo
    ("notes: |\n", "notes: |\n  " + "x" * 20_001 + "\n"),  # an over-long note
    ("diagnosed: 2026-09-01", "diagnosed: 2026-09-31"),  # a date that cannot be read
])
def test_a_referral_withdraws_the_plan_whatever_else_is_wrong(three_built, also_wrong):
    project = three_built
    ben = folder_of(project, "ben")
    project.write_profile("ben", TENSION.replace(*also_wrong))
    result = project.rehab("build", "--no-pdf", "ben")
    assert result.exit_code == 1
    assert "REFERRAL ben: no plan made" in result.stderr
    assert "tension-side" in result.stderr and "also: plans/ben.yaml" in result.stderr
    assert "1 need referral" in result.stdout
    assert not ben.exists()


def test_rotating_the_key_moves_every_athlete_and_removes_the_old_folders(three_built):
    project = three_built
    old = {a: folder_of(project, a) for a in ("ann", "ben", "cat")}
    result = project.rehab("build", "--no-pdf", "--new-key")
    assert result.exit_code == 0, result.output
    new = {a: folder_of(project, a) for a in ("ann", "ben", "cat")}
    for athlete in old:
        assert old[athlete] != new[athlete]
        assert not old[athlete].exists()
        assert (new[athlete] / "index.html").is_file()
        assert f" removed  site/{old[athlete].name}/ (no profile uses this folder any more)" \
            in result.stdout


def test_clean_up_spares_failing_athletes_and_folders_it_did_not_write(three_built):
    project = three_built
    ben, cat = folder_of(project, "ben"), folder_of(project, "cat")
    project.write_profile("ben", "name: [\n")  # broken, but still a profile
    (project.plans / "cat.yaml").unlink()  # discharged
    mine = project.site / "0123456789abcdef0123456789abcdef"  # looks like a token, is not ours
    mine.mkdir()
    (mine / "index.html").write_text("my page")
    assets = project.site / "assets"
    assets.mkdir()
    (assets / "logo.svg").write_text("<svg/>")
    with_subfolder = project.site / "fedcba9876543210fedcba9876543210"
    with_subfolder.mkdir()
    for name in ("index.html", "plan.json"):
        (with_subfolder / name).write_bytes((ben / name).read_bytes())
    (with_subfolder / "extra").mkdir()

    result = project.rehab("build", "--no-pdf")
    assert result.exit_code == 1
    assert (ben / "index.html").is_file()
    assert not cat.exists()
    assert " removed  cat (profile deleted)" in result.stdout
    assert mine.is_dir() and assets.is_dir() and with_subfolder.is_dir()


def test_building_some_ids_removes_no_other_folder(three_built):
    project = three_built
    old = {a: folder_of(project, a) for a in ("ann", "ben", "cat")}
    (project.root / ".rehab" / "secret.key").write_text("ab" * 32 + "\n")  # another key
    assert project.rehab("build", "--no-pdf", "ann").exit_code == 0
    # ann moved to her new folder (her old one went with it); nobody else was touched
    assert not old["ann"].exists() and (folder_of(project, "ann") / "index.html").is_file()
    assert old["ben"].is_dir() and old["cat"].is_dir()


def test_an_empty_plans_folder_removes_nothing(three_built):
    project = three_built
    for path in project.plans.iterdir():
        path.unlink()
    result = project.rehab("build", "--no-pdf")
    assert "no profiles found" in result.stdout
    assert len([p for p in project.site.iterdir() if TOKEN_PATTERN.match(p.name)]) == 3


def test_a_profile_linked_from_outside_plans_is_refused(project, tmp_path_factory):
    outside = tmp_path_factory.mktemp("elsewhere") / "secret.yaml"
    outside.write_text(PROFILE_YAML)
    (project.plans / "sneaky.yaml").symlink_to(outside)
    (project.plans / "real.yaml").write_text(PROFILE_YAML)
    (project.plans / "alias.yaml").symlink_to(project.plans / "real.yaml")
    result = project.rehab("build", "--no-pdf")
    assert result.exit_code == 1
    assert ("plans/sneaky.yaml: is a link to a file outside the plans folder; not read (copy "
            "the profile into the plans folder instead of linking to it)") in result.stderr
    assert "2 built, 1 failed, 0 need referral" in result.stdout

