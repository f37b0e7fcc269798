"""Nothing torn, nothing left behind: each athlete's folder is built whole beside the old one
(inside the site, under a hidden name) and switched in at once, so a build interrupted at any
instant (Ctrl-C, a crash, kill -9, a full disk) leaves every folder old and whole, or new and
whole, and the next build clears what it left."""

from __future__ import annotations

import errno
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from factories import PROFILE_YAML, ROOT

import generator.render.artifacts
import generator.write
from generator.buildstate import state_path
from generator.cli import main
from generator.write import STAGING, prepare, remove_output, site_lock, write_folder

ATHLETES = ("ann", "ben", "cat")
NEW_DAY = "2026-12-01"  # a rebuild of everyone, with other bytes in every plan


def snapshot(site: Path) -> dict[str, bytes]:
    return {str(p.relative_to(site)): p.read_bytes() for p in sorted(site.rglob("*"))
            if p.is_file()}


def folders(site: Path) -> dict[str, dict[str, bytes]]:
    """Each athlete folder's files, by folder name (the staging folder is not one)."""
    return {p.name: snapshot(p) for p in sorted(site.iterdir())
            if p.is_dir() and p.name != STAGING} if site.is_dir() else {}


def folder_of(project, athlete: str) -> Path:
    result = project.rehab("link", athlete)
    assert result.exit_code == 0, result.output
    assert project.root / result.stdout.strip() == project.folder(athlete)
    return project.folder(athlete)


def no_staging_debris(project) -> None:
    """No staged copy of anyone's plan anywhere: not in the site, not beside it."""
    assert [p for p in project.root.rglob(".rehab-staging*")] == []


@pytest.fixture
def three_built(project):
    for athlete in ATHLETES:
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
    result = project.rehab("build", "--no-pdf", "--today", NEW_DAY)
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
    result = project.rehab("build", "--no-pdf", "--today", NEW_DAY)
    assert result.exit_code == 130
    assert snapshot(project.site) == before
    no_staging_debris(project)


@pytest.fixture
def ctrl_c_works():
    """Ctrl-C raises KeyboardInterrupt here, even in a test run started in the background
    (a shell without job control starts it with SIGINT ignored, and Python keeps that)."""
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, before)


def test_ctrl_c_during_the_switch_is_held_until_the_folder_is_in_place(three_built,
                                                                      monkeypatch,
                                                                      ctrl_c_works):
    """A real SIGINT as the first athlete's folder is switched: the switch finishes, the
    build stops right after it."""
    project = three_built
    before = folders(project.site)
    real_exchange = generator.write._exchange
    switches = []

    def exchange_and_get_interrupted(staged, folder):
        switches.append(folder)
        os.kill(os.getpid(), signal.SIGINT)
        return real_exchange(staged, folder)

    monkeypatch.setattr(generator.write, "_exchange", exchange_and_get_interrupted)
    result = project.rehab("build", "--no-pdf", "--today", NEW_DAY)
    assert result.exit_code == 130
    assert len(switches) == 1
    after = folders(project.site)
    ann = folder_of(project, "ann").name
    assert after[ann]["index.html"] != before[ann]["index.html"]
    assert after[ann].keys() == before[ann].keys()
    assert {k: v for k, v in after.items() if k != ann} == {
        k: v for k, v in before.items() if k != ann}
    no_staging_debris(project)


def test_a_full_disk_fails_that_athlete_and_keeps_its_old_pages(three_built, monkeypatch):
    project = three_built
    before = snapshot(project.site)
    ben = folder_of(project, "ben").name
    real_fsync = os.fsync

    def disk_full_for_ben(fd):
        if f"/{ben}." in os.readlink(f"/proc/self/fd/{fd}"):  # ben's staged folder
            raise OSError(errno.ENOSPC, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(generator.write.os, "fsync", disk_full_for_ben)
    result = project.rehab("build", "--no-pdf", "--today", NEW_DAY)
    assert result.exit_code == 1
    assert f"site/{ben}: could not write ben's files: No space left on device (their " \
           "previous pages, if any, are unchanged)" in result.stderr
    assert "2 built, 1 failed, 0 need referral\n  failed: ben\n" in result.stdout
    after = snapshot(project.site)
    assert all(after[k] == before[k] for k in after if k.startswith(ben))
    no_staging_debris(project)


def test_staging_is_inside_the_site_so_on_its_file_system_and_gone_after(project,
                                                                       monkeypatch):
    project.write_profile("ann", PROFILE_YAML)
    staged = []
    real_exchange, real_rename = generator.write._exchange, os.rename

    def record(source, target):
        staged.append((Path(source), Path(target)))
        return real_rename(source, target)

    monkeypatch.setattr(generator.write.os, "rename", record)
    assert project.rehab("build", "--no-pdf").exit_code == 0  # a first build: one rename
    monkeypatch.setattr(generator.write, "_exchange", lambda a, b: bool(
        staged.append((Path(a), Path(b)))) or real_exchange(a, b))
    project.write_profile("ann", PROFILE_YAML.replace("Test Athlete", "Ann Renamed"))
    assert project.rehab("build", "--no-pdf").exit_code == 0  # a changed page: one exchange
    site = project.site.resolve()
    assert [target.name for _, target in staged] == [project.folder("ann").name] * 2
    for source, _ in staged:  # relative to the project, where the build ran
        assert (project.root / source).resolve().parent == site / STAGING
    assert sorted(p.name for p in project.site.iterdir()) == sorted(
        [project.folder("ann").name, "robots.txt"])
    no_staging_debris(project)


def test_a_symlinked_output_folder_is_not_written_through(project, tmp_path_factory):
    project.write_profile("ann", PROFILE_YAML)
    assert project.rehab("build", "--no-pdf").exit_code == 0
    folder = folder_of(project, "ann")
    target = tmp_path_factory.mktemp("elsewhere")
    shutil.rmtree(folder)
    folder.symlink_to(target)
    result = project.rehab("build", "--no-pdf")
    assert result.exit_code == 1
    assert "is a symbolic link; not written through" in result.stderr
    assert list(target.iterdir()) == []


# --- killed at every move, and at random --------------------------------------------------

def build_killed_at(project, move: int, *args: str, exchange: bool = True) -> int:
    """`rehab build ARGS` in a child process that dies at its move-th rename (os._exit: no
    clean-up runs, as with kill -9); returns the child's exit code (137 if it was killed)."""
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        code = 1
        try:
            moves = [0]

            def dying(real):
                def counted(*a, **k):
                    moves[0] += 1
                    if moves[0] == move:
                        os._exit(137)
                    return real(*a, **k)
                return counted

            if not exchange:
                generator.write._exchange = lambda a, b: False
            generator.write._exchange = dying(generator.write._exchange)
            os.rename, os.replace = dying(os.rename), dying(os.replace)
            os.chdir(project.root)
            main(["build", "--no-pdf", "--jobs", "1", *args], standalone_mode=False)
            code = 0
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else 1
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def copy_of(project, root: Path):
    shutil.copytree(project.root, root)
    return type(project)(root)


def restore(project, pristine) -> None:
    """The site and the build state as they were before the build that is killed."""
    shutil.rmtree(project.site, ignore_errors=True)
    if pristine.site.exists():
        shutil.copytree(pristine.site, project.site)
    state, saved = state_path(project.site), state_path(pristine.site)
    state.unlink(missing_ok=True)
    if saved.exists():
        shutil.copy2(saved, state)


def whole(found: dict[str, bytes], old: dict[str, dict], new: dict[str, dict], name: str) -> str:
    if found == new.get(name):
        return "new"
    assert found == old.get(name), f"{name}: neither the old nor the new folder"
    return "old"


@pytest.mark.parametrize("first, exchange", [(False, True), (False, False), (True, True)],
                         ids=["rebuild, one-step swap", "rebuild, two renames",
                              "first build"])  # a first build renames: no swap to choose
def test_killed_at_every_move_each_folder_is_old_or_new_and_whole(project, tmp_path_factory,
                                                                 first, exchange):
    tmp_path = tmp_path_factory.mktemp("copies")  # the project is tmp_path itself
    for athlete in ATHLETES[:2]:
        project.write_profile(athlete, PROFILE_YAML.replace("Test Athlete", athlete.title()))
    assert project.rehab("build", "--no-pdf").exit_code == 0
    if first:  # the key stays: the same folders, built for the first time
        shutil.rmtree(project.site)
        state_path(project.site).unlink()
    old = folders(project.site)
    fresh = copy_of(project, tmp_path / "fresh")
    assert fresh.rehab("build", "--no-pdf", "--today", NEW_DAY).exit_code == 0
    new = folders(fresh.site)
    pristine = copy_of(project, tmp_path / "pristine")
    seen = set()
    for move in range(1, 100):
        restore(project, pristine)
        code = build_killed_at(project, move, "--today", NEW_DAY, exchange=exchange)
        if code == 0:
            break
        assert code == 137
        for name in old.keys() | new.keys():
            found = folders(project.site).get(name)
            if found is None:  # never built yet, or set aside between two renames
                aside = project.site / STAGING / f"{name}.old"
                assert not old.get(name) or snapshot(aside) == old[name]
                seen.add("aside" if old.get(name) else "absent")
            else:
                seen.add(whole(found, old, new, name))
        prepare(project.site)  # what the next build does first: the set-aside folder is back
        assert {k: v for k, v in folders(project.site).items() if v} == \
            {k: v for k, v in folders(project.site).items()}  # no empty folder, ever
        for name, found in folders(project.site).items():
            whole(found, old, new, name)
        assert project.rehab("build", "--no-pdf", "--today", NEW_DAY).exit_code == 0
        assert folders(project.site) == new
        no_staging_debris(project)
    else:
        pytest.fail("the build never finished")
    assert move > 4  # each athlete's switch, robots.txt and the state were crash points
    assert "new" in seen and ("absent" in seen if first else "old" in seen)
    assert ("aside" in seen) == (not exchange and not first)


def test_killed_at_random_moments_each_folder_is_old_or_new_and_whole(project,
                                                                     tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("copies")  # the project is tmp_path itself
    athletes = [f"athlete-{i}" for i in range(8)]
    for athlete in athletes:
        project.write_profile(athlete, PROFILE_YAML.replace("Test Athlete", athlete))
    assert project.rehab("build", "--no-pdf").exit_code == 0
    old = folders(project.site)
    fresh = copy_of(project, tmp_path / "fresh")
    assert fresh.rehab("build", "--no-pdf", "--today", NEW_DAY).exit_code == 0
    new = folders(fresh.site)
    pristine = copy_of(project, tmp_path / "pristine")
    command = [sys.executable, "-m", "generator", "build", "--no-pdf", "--today", NEW_DAY]
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    chance = random.Random(15)
    outcomes = []
    for _ in range(4):
        restore(project, pristine)
        build = subprocess.Popen(command, cwd=project.root, env=environment,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(chance.uniform(0.3, 1.5))
        build.kill()
        build.wait()
        for name, found in folders(project.site).items():
            outcomes.append(whole(found, old, new, name))
        assert project.rehab("build", "--no-pdf", "--today", NEW_DAY).exit_code == 0
        assert folders(project.site) == new
        no_staging_debris(project)
    assert len(outcomes) == 4 * len(athletes)


# --- a site on its own file system --------------------------------------------------------

def test_a_site_on_its_own_mount_is_built_and_rebuilt(project):
    """site/ as a tmpfs (a Docker volume, NFS): no rename crosses file systems (EXDEV)."""
    if not sys.platform.startswith("linux") or shutil.which("unshare") is None:
        pytest.skip("needs Linux and unshare(1) to mount a tmpfs in a private namespace")
    probe = subprocess.run(["unshare", "-m", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip(f"cannot make a mount namespace here: {probe.stderr.decode().strip()}")
    project.write_profile("ann", PROFILE_YAML)
    project.site.mkdir()
    build = f"{sys.executable} -m generator build --no-pdf --today"
    script = (f"mount -t tmpfs none site && {build} 2026-11-23 && {build} {NEW_DAY} && "
              "stat -c %d . site && ls -A site && cat site/*/plan.json")
    done = subprocess.run(["unshare", "-m", "sh", "-c", script], cwd=project.root,
                          capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "1 built, 0 failed, 0 need referral" in lines
    assert "Errno" not in done.stdout + done.stderr
    devices = [line for line in lines if line.isdigit()]
    assert len(devices) == 2 and devices[0] != devices[1]  # really its own file system
    assert f'"as_of": "{NEW_DAY}"' in done.stdout  # the rebuild switched the folder
    assert STAGING not in done.stdout  # `ls -A site`: no staging left


# --- write.py's functions on their own ----------------------------------------------------

@pytest.fixture
def site(tmp_path) -> Path:
    site = tmp_path / "site"
    prepare(site)
    return site


def test_write_folder_makes_the_folder_hold_exactly_the_files(site):
    folder = site / "abc"
    assert write_folder(folder, {"b.txt": b"two", "a.txt": b"one"}) == ["a.txt", "b.txt"]
    assert snapshot(folder) == {"a.txt": b"one", "b.txt": b"two"}
    assert write_folder(folder, {"a.txt": b"uno"}) == ["a.txt"]
    assert snapshot(folder) == {"a.txt": b"uno"}  # b.txt was not made again: gone
    assert list((site / STAGING).iterdir()) == []


def test_keep_others_keeps_the_files_not_named(site):
    folder = site / "abc"
    write_folder(folder, {"plan.pdf": b"old handout", "index.html": b"old"})
    write_folder(folder, {"index.html": b"new"}, keep_others=True)
    assert snapshot(folder) == {"index.html": b"new", "plan.pdf": b"old handout"}


def test_skip_unchanged_keeps_identical_files_as_they_are(site):
    folder = site / "abc"
    write_folder(folder, {"same.txt": b"same", "new.txt": b"old"})
    same = (folder / "same.txt").stat()
    written = write_folder(folder, {"same.txt": b"same", "new.txt": b"newer"},
                           skip_unchanged=True)
    assert written == ["new.txt"]
    after = (folder / "same.txt").stat()
    assert (after.st_ino, after.st_mtime_ns) == (same.st_ino, same.st_mtime_ns)
    assert (folder / "new.txt").read_bytes() == b"newer"


@pytest.mark.parametrize("exchange", [True, False], ids=["one-step swap", "two renames"])
def test_the_folder_is_switched_whole_never_emptied_first(site, monkeypatch, exchange):
    folder = site / "abc"
    write_folder(folder, {"index.html": b"old", "plan.pdf": b"old"})
    seen = []
    real_rename = os.rename

    def look_then_rename(source, target):
        seen.append(snapshot(folder) if folder.exists() else "aside")
        real_rename(source, target)

    monkeypatch.setattr(generator.write.os, "rename", look_then_rename)
    if not exchange:
        monkeypatch.setattr(generator.write, "_exchange", lambda a, b: False)
    write_folder(folder, {"index.html": b"new", "plan.pdf": b"new"})
    old = {"index.html": b"old", "plan.pdf": b"old"}
    assert seen == ([] if exchange else [old, "aside", {"index.html": b"new",
                                                        "plan.pdf": b"new"}])
    assert snapshot(folder) == {"index.html": b"new", "plan.pdf": b"new"}


def test_prepare_puts_back_a_folder_set_aside_and_clears_the_rest(site, tmp_path):
    staging = site / STAGING
    (staging / "abc.old").mkdir()
    (staging / "abc.old" / "index.html").write_text("old and whole")
    (staging / "def.1a2b3c4d.new").mkdir()
    (staging / "def.1a2b3c4d.new" / "index.html").write_text("half")
    (staging / "robots.txt.1a2b3c4d.new").write_text("x")
    (site / "ghi").mkdir()
    (staging / "ghi.old").mkdir()  # set aside, then replaced: the new one stays
    legacy = tmp_path / ".rehab-staging-abcd1234"  # where older builds staged
    legacy.mkdir()
    (legacy / "plan.json").write_text("{}")
    prepare(site)
    assert (site / "abc" / "index.html").read_text() == "old and whole"
    assert (site / "ghi").is_dir()
    assert list(staging.iterdir()) == [] and not legacy.exists()


def test_an_out_that_is_a_file_is_refused_and_left_alone(tmp_path):
    out = tmp_path / "site"
    out.write_text("not a folder")
    with pytest.raises(generator.write.SiteWriteError) as caught:
        prepare(out)
    assert caught.value.filename == str(out) and out.read_text() == "not a folder"


def test_remove_output_never_leaves_the_site(site, tmp_path):
    (site / "abc").mkdir()
    (tmp_path / "precious").mkdir()
    for name in ("", ".", "..", "../precious", "abc/..", "missing", STAGING):
        assert remove_output(site, name) is False
    assert (tmp_path / "precious").is_dir() and (site / STAGING).is_dir()
    assert remove_output(site, "abc") is True and not (site / "abc").exists()
    assert list((site / STAGING).iterdir()) == []


def test_remove_output_unlinks_a_symlink_without_following_it(site, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("mine")
    (site / "abc").symlink_to(elsewhere)
    assert remove_output(site, "abc") is True
    assert (elsewhere / "keep.txt").read_text() == "mine"


def test_a_removal_is_one_rename_then_out_of_sight(site, monkeypatch):
    folder = site / "abc"
    write_folder(folder, {"index.html": b"x", "plan.json": b"{}"})
    monkeypatch.setattr(generator.write.shutil, "rmtree", lambda *a, **k: None)  # dies here
    assert remove_output(site, "abc")
    assert not folder.exists()
    [gone] = (site / STAGING).iterdir()
    assert gone.name.startswith("abc.") and gone.name.endswith(".gone")
    monkeypatch.undo()
    prepare(site)
    assert list((site / STAGING).iterdir()) == []


def test_a_second_build_waits_for_the_first(tmp_path):
    lock = tmp_path / ".rehab" / "site.state.lock"
    order = []

    def second():
        with site_lock(lock):
            order.append("second")

    with site_lock(lock):
        waiting = threading.Thread(target=second)
        waiting.start()
        time.sleep(0.3)
        order.append("first done")
    waiting.join(10)
    assert order == ["first done", "second"]


def test_a_folder_already_holding_every_byte_is_left_as_it_is(site, monkeypatch):
    """`rehab build --force` with nothing changed: nothing staged, switched or synced."""
    folder = site / "abc"
    write_folder(folder, {"index.html": b"page", "plan.json": b"{}"})
    before = {p.name: p.stat().st_ino for p in folder.iterdir()}
    monkeypatch.setattr(generator.write, "_switch", lambda *a: pytest.fail("switched"))
    assert write_folder(folder, {"index.html": b"page", "plan.json": b"{}"},
                        skip_unchanged=True) == []
    assert {p.name: p.stat().st_ino for p in folder.iterdir()} == before
    (folder / "stray.txt").write_bytes(b"not ours")  # a file the build does not make: gone
    monkeypatch.undo()
    assert write_folder(folder, {"index.html": b"page", "plan.json": b"{}"},
                        skip_unchanged=True) == []
    assert sorted(p.name for p in folder.iterdir()) == ["index.html", "plan.json"]
