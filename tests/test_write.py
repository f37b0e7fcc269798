"""Nothing half-written: files are staged outside the site and renamed into place, so an
interrupted build, a crash or a full disk leaves every file old and whole, or new and whole."""

from __future__ import annotations

import errno
import os
import signal
from pathlib import Path

import pytest
from factories import PROFILE_YAML

import generator.render.artifacts
import generator.write
from generator.write import (
    is_athlete_folder,
    remove_files,
    remove_output,
    remove_stale_folders,
    write_files,
)


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


def test_ctrl_c_while_rendering_leaves_the_site_as_it_was(three_built, monkeypatch):
    project = three_built
    before = snapshot(project.site)
    real = generator.render.artifacts.render_page
    calls = []

    def interrupted(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(generator.render.artifacts, "render_page", interrupted)
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

    monkeypatch.setattr(generator.write.os, "fsync", crash_on_the_second_file)
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

    monkeypatch.setattr(generator.write.os, "replace", replace_and_get_interrupted)
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

    monkeypatch.setattr(generator.write.os, "fsync", disk_full_once)
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

    monkeypatch.setattr(generator.write.os, "replace", record)
    assert project.rehab("build", "--no-pdf").exit_code == 0
    site = project.site.resolve()
    assert staged and not any(p.resolve().is_relative_to(site) for p in staged)


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


# write.py's functions on their own


def test_write_files_puts_every_file_in_place_and_says_which(tmp_path):
    folder = tmp_path / "site" / "abc"
    written = write_files(folder, {"b.txt": b"two", "a.txt": b"one"}, tmp_path)
    assert written == ["a.txt", "b.txt"]
    assert (folder / "a.txt").read_bytes() == b"one" and (folder / "b.txt").read_bytes() == b"two"
    assert [p.name for p in tmp_path.iterdir()] == ["site"]  # no staging left behind


def test_skip_unchanged_leaves_identical_files_alone(tmp_path):
    folder = tmp_path / "site" / "abc"
    write_files(folder, {"same.txt": b"same", "new.txt": b"old"}, tmp_path)
    same = (folder / "same.txt").stat()
    written = write_files(folder, {"same.txt": b"same", "new.txt": b"newer"}, tmp_path,
                          skip_unchanged=True)
    assert written == ["new.txt"]
    after = (folder / "same.txt").stat()
    assert (after.st_ino, after.st_mtime_ns) == (same.st_ino, same.st_mtime_ns)
    assert (folder / "new.txt").read_bytes() == b"newer"


def test_a_file_is_replaced_never_removed_first(tmp_path, monkeypatch):
    """Whoever opens the file during a write finds the old or the new bytes, never nothing."""
    folder = tmp_path / "site" / "abc"
    write_files(folder, {"plan.pdf": b"old"}, tmp_path)
    seen = []
    real_replace = os.replace

    def look_first(source, target):
        seen.append(Path(target).read_bytes())
        real_replace(source, target)

    monkeypatch.setattr(generator.write.os, "replace", look_first)
    write_files(folder, {"plan.pdf": b"new"}, tmp_path)
    assert seen == [b"old"] and (folder / "plan.pdf").read_bytes() == b"new"


def test_remove_files_stays_inside_the_folder(tmp_path):
    folder = tmp_path / "abc"
    folder.mkdir()
    (folder / "plan.pdf").write_bytes(b"x")
    (tmp_path / "outside.txt").write_bytes(b"x")
    remove_files(folder, {"plan.pdf", "../outside.txt", "gone.txt"})
    assert not (folder / "plan.pdf").exists()
    assert (tmp_path / "outside.txt").exists()


def test_remove_output_never_leaves_the_site(tmp_path):
    site = tmp_path / "site"
    (site / "abc").mkdir(parents=True)
    (tmp_path / "precious").mkdir()
    for name in ("", ".", "..", "../precious", "abc/..", "missing"):
        assert remove_output(site, name) is False
    assert (tmp_path / "precious").is_dir() and site.is_dir()
    assert remove_output(site, "abc") is True and not (site / "abc").exists()


def test_remove_output_unlinks_a_symlink_without_following_it(tmp_path):
    site, elsewhere = tmp_path / "site", tmp_path / "elsewhere"
    site.mkdir()
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("mine")
    (site / "abc").symlink_to(elsewhere)
    assert remove_output(site, "abc") is True
    assert (elsewhere / "keep.txt").read_text() == "mine"


def test_only_folders_the_build_wrote_are_removed_as_stale(tmp_path):
    site = tmp_path / "site"
    ours, theirs, kept = site / "a", site / "b", site / "c"
    for folder in (ours, theirs, kept):
        folder.mkdir(parents=True)
        (folder / "index.html").write_text("<p>page</p>")
    plan = '{"schema": 1, "athlete": {}, "weeks": []}'
    (ours / "plan.json").write_text(plan)
    (kept / "plan.json").write_text(plan)
    (theirs / "plan.json").write_text('{"something": "else"}')
    assert is_athlete_folder(ours) and not is_athlete_folder(theirs)
    assert remove_stale_folders(site, keep={"c"}) == [ours]
    assert theirs.is_dir() and kept.is_dir()
