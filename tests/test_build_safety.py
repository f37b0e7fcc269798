"""Nothing lost: broken profiles keep their pages, interrupted builds leave only whole files."""

from __future__ import annotations

import errno
import os
import signal
from pathlib import Path

import pytest
from factories import PROFILE_YAML

import generator.build
from generator.secret import TOKEN_PATTERN

TENSION = PROFILE_YAML.replace("  severity: moderate\n",
                               "  severity: moderate\n  fracture_side: tension\n")


def snapshot(site: Path) -> dict[str, bytes]:
    return {str(p.relative_to(site)): p.read_bytes() for p in sorted(site.rglob("*"))
            if p.is_file()}


def folder_of(project, athlete: str) -> Path:
    result = project.rehab("link", athlete)
    assert result.exit_code == 0, result.output
    assert project.root / result.stdout.strip() == project.folder(athlete)
    return project.folder(athlete)


def no_staging_debris(project) -> None:
    leftovers = [p for p in project.root.rglob("*") if ".rehab-staging-" in p.name]
    assert leftovers == []


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


def test_ctrl_c_while_rendering_leaves_the_site_as_it_was(three_built, monkeypatch):
    project = three_built
    before = snapshot(project.site)
    real = generator.build.render_page
    calls = []

    def interrupted(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(generator.build, "render_page", interrupted)
    result = project.rehab("build", "--no-pdf", "--today", "2026-12-01")
    assert result.exit_code == 130
    assert "interrupted" in result.stderr
    after = snapshot(project.site)
    assert after.keys() == before.keys()
    ann, ben = folder_of(project, "ann").name, folder_of(project, "ben").name
    assert after[f"{ann}/plan.json"] != before[f"{ann}/plan.json"]  # finished before Ctrl-C
    assert all(after[k] == before[k] for k in after if not k.startswith(ann))
    assert b'"as_of": "2026-11-23"' in after[f"{ben}/plan.json"]
    no_staging_debris(project)


def test_a_crash_while_writing_a_file_never_reaches_the_site(three_built, monkeypatch):
    project = three_built
    before = snapshot(project.site)
    real_fsync = os.fsync
    calls = []

    def crash_on_the_second_file(fd):
        calls.append(fd)
        if len(calls) == 2:  # index.html staged, plan.json half done
            raise KeyboardInterrupt
        real_fsync(fd)

    monkeypatch.setattr(generator.build.os, "fsync", crash_on_the_second_file)
    result = project.rehab("build", "--no-pdf", "--today", "2026-12-01")
    assert result.exit_code == 130
    assert snapshot(project.site) == before
    no_staging_debris(project)


def test_ctrl_c_between_the_moves_is_held_until_the_athlete_is_complete(three_built,
                                                                       monkeypatch):
    """A real SIGINT in the middle of moving one athlete's files into place: the moves finish
    (old and new files are never mixed), and the build stops right after."""
    project = three_built
    before = snapshot(project.site)
    per_athlete = len(list(folder_of(project, "ann").iterdir()))
    real_replace = os.replace
    moves = []

    def replace_and_get_interrupted(source, target):
        moves.append(target)
        if len(moves) == 1:
            os.kill(os.getpid(), signal.SIGINT)
        real_replace(source, target)

    monkeypatch.setattr(generator.build.os, "replace", replace_and_get_interrupted)
    result = project.rehab("build", "--no-pdf", "--today", "2026-12-01")
    assert result.exit_code == 130
    assert len(moves) == per_athlete  # every file of the first athlete, none of the next
    after = snapshot(project.site)
    ann = folder_of(project, "ann").name
    for name in ("index.html", "plan.json"):
        assert after[f"{ann}/{name}"] != before[f"{ann}/{name}"]
    no_staging_debris(project)


def test_a_full_disk_fails_that_athlete_and_keeps_its_old_pages(three_built, monkeypatch):
    project = three_built
    before = snapshot(project.site)
    per_athlete = len(list(folder_of(project, "ann").iterdir()))
    real_fsync = os.fsync
    calls = []

    def disk_full_once(fd):
        calls.append(fd)
        if len(calls) == per_athlete + 1:  # ben's first file
            raise OSError(errno.ENOSPC, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(generator.build.os, "fsync", disk_full_once)
    result = project.rehab("build", "--no-pdf", "--today", "2026-12-01")
    assert result.exit_code == 1
    assert "could not write ben's files: No space left on device (their previous pages, if " \
           "any, are unchanged)" in result.stderr
    assert "2 built, 1 failed, 0 need referral\n  failed: ben\n" in result.stdout
    after = snapshot(project.site)
    ben = folder_of(project, "ben").name
    assert all(after[k] == before[k] for k in after if k.startswith(ben))
    no_staging_debris(project)


def test_staging_happens_outside_the_site(project, monkeypatch):
    project.write_profile("ann", PROFILE_YAML)
    staged = []
    real_replace = os.replace

    def record(source, target):
        staged.append(Path(source))
        real_replace(source, target)

    monkeypatch.setattr(generator.build.os, "replace", record)
    assert project.rehab("build", "--no-pdf").exit_code == 0
    site = project.site.resolve()
    assert staged and not any(p.resolve().is_relative_to(site) for p in staged)


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


def test_rotating_the_key_moves_every_athlete_and_removes_the_old_folders(three_built):
    project = three_built
    old = {a: folder_of(project, a) for a in ("ann", "ben", "cat")}
    (project.root / ".rehab" / "secret.key").unlink()
    result = project.rehab("build", "--no-pdf")
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
    (project.root / ".rehab" / "secret.key").unlink()
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


def test_a_symlinked_output_folder_is_not_written_through(project, tmp_path_factory):
    project.write_profile("ann", PROFILE_YAML)
    assert project.rehab("build", "--no-pdf").exit_code == 0
    folder = folder_of(project, "ann")
    target = tmp_path_factory.mktemp("elsewhere")
    for child in folder.iterdir():
        child.unlink()
    folder.rmdir()
    folder.symlink_to(target)
    result = project.rehab("build", "--no-pdf")
    assert result.exit_code == 1
    assert "is a symbolic link; not written through" in result.stderr
    assert list(target.iterdir()) == []
