"""Where athletes are built: in this process, or a pool of workers that writes the same bytes."""

from __future__ import annotations

import contextlib
import filecmp
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from factories import PROFILE_YAML, ROOT, TODAY

from generator import pdf_helper, workers
from generator.config import Settings
from generator.pdf_helper import PdfHelper
from generator.workers import Workers


def same_tree(left: Path, right: Path) -> bool:
    """Same file names and the same bytes in every file."""
    names = sorted(str(p.relative_to(left)) for p in left.rglob("*") if p.is_file())
    if names != sorted(str(p.relative_to(right)) for p in right.rglob("*") if p.is_file()):
        return False
    return all(filecmp.cmp(left / n, right / n, shallow=False) for n in names)


@pytest.fixture
def four_athletes(project):
    for athlete in ("ann", "ben", "cat", "dan"):
        project.write_profile(athlete, PROFILE_YAML.replace("Test Athlete", athlete.title()))
    return project


def never_in_a_worker(settings):
    raise AssertionError("no worker process should start")


@pytest.mark.parametrize(("jobs", "pdf", "count"), [(1, True, 5), (4, False, 5), (4, True, 1)])
def test_small_builds_and_one_job_stay_in_this_process(jobs, pdf, count):
    settings = Settings(jobs=jobs, pdf=pdf)
    paths = [Path(f"plans/a{i}.yaml") for i in range(count)]
    with Workers(settings, lambda path, part: (path.stem, part), never_in_a_worker) as here:
        assert sorted(here.run(paths, "all")) == [(p.stem, "all") for p in paths]


def test_a_pool_of_workers_writes_the_same_bytes_as_one_process(four_athletes, monkeypatch):
    project = four_athletes
    monkeypatch.setattr(workers, "POOL_MIN_HTML_ONLY", 2)  # a pool even for four pages
    assert project.rehab("build", "--no-pdf", "--jobs", "2", "--out", "pooled").exit_code == 0
    assert project.rehab("build", "--no-pdf", "--jobs", "1").exit_code == 0
    assert same_tree(project.site, project.root / "pooled")


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


# --- stopping a build stops its workers -------------------------------------------------------

def children(pid: int) -> list[int]:
    """Live processes whose parent is pid (zombies, already dead, are not counted)."""
    found = []
    for stat_file in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat_file.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(stat_file.parent.name))
    return found


def running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.fixture
def busy_build(project):
    """`rehab build --jobs 2` of eight handouts, started in its own session, once its two
    worker processes are up; yields (process, worker pids)."""
    if not Path("/proc/self/stat").exists():
        pytest.skip("needs /proc to find the worker processes")
    for i in range(8):
        project.write_profile(f"athlete-{i}", PROFILE_YAML)
    build = subprocess.Popen(
        [sys.executable, "-m", "generator", "build", "--jobs", "2"], cwd=project.root,
        env={**os.environ, "PYTHONPATH": str(ROOT)}, start_new_session=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        # as from a terminal, even when the tests run in the background (SIGINT ignored)
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 60
    while len(workers_of := children(build.pid)) < 2:
        assert build.poll() is None, build.communicate()
        assert time.monotonic() < deadline, "the workers never started"
        time.sleep(0.05)
    yield build, workers_of
    for pid in [build.pid, *workers_of]:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    build.wait()


def gone_within(pids: list[int], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while any(running(pid) for pid in pids):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


@pytest.mark.parametrize("how, code, said", [
    ("TERM", 128 + signal.SIGTERM, "stopped (SIGTERM)"),  # kill, a timeout(1)
    ("Ctrl-C", 128 + signal.SIGINT, "interrupted"),  # SIGINT to the terminal's process group
])
def test_stopping_a_build_stops_its_workers(busy_build, how, code, said):
    build, workers_of = busy_build
    if how == "TERM":
        build.send_signal(signal.SIGTERM)
    else:
        os.killpg(build.pid, signal.SIGINT)
    _, stderr = build.communicate(timeout=30)
    assert build.returncode == code, stderr
    assert stderr.splitlines()[-1] == f"{said}: files already written are whole; nothing " \
                                      "half-written"
    assert "Traceback" not in stderr
    assert gone_within(workers_of, 5)


def test_workers_go_when_the_build_is_killed_outright(busy_build):
    build, workers_of = busy_build
    build.kill()  # kill -9, or a timeout that does so: the build cleans up nothing
    build.wait()
    assert gone_within(workers_of, 5)


# --- the PDF helper: WeasyPrint loaded beside the build's planning -----------------------------

def test_a_handout_made_by_the_helper_is_the_one_made_here(project, monkeypatch):
    """`rehab build` hands the handout to a helper process that imported WeasyPrint while the
    build planned; the PDF is the one this process would make, and no process stays."""
    project.write_profile("test-athlete", PROFILE_YAML)
    made = []
    submit = PdfHelper.submit

    def counted(self, *args):
        collect = submit(self, *args)
        return lambda: made.append(collect()) or made[-1]

    monkeypatch.setattr(PdfHelper, "submit", counted)
    before = set(children(os.getpid())) if Path("/proc/self/stat").exists() else set()
    assert project.rehab("build", "--jobs", "1", "--out", "helped").exit_code == 0
    assert len(made) == 1 and made[0].startswith(b"%PDF")  # made by the helper
    if Path("/proc/self/stat").exists():
        assert set(children(os.getpid())) <= before  # the helper went with the build
    monkeypatch.setattr(PdfHelper, "start", classmethod(lambda cls: None))
    assert project.rehab("build", "--jobs", "1").exit_code == 0
    folder = project.folder("test-athlete").name
    assert (project.root / "helped" / folder / "plan.pdf").stat().st_size > 10_000
    assert same_tree(project.site, project.root / "helped")


def test_a_helper_that_dies_leaves_the_handout_to_the_build(project, monkeypatch):
    project.write_profile("test-athlete", PROFILE_YAML)
    monkeypatch.setattr(pdf_helper, "_serve", lambda sock, builder: os._exit(1))
    assert project.rehab("build", "--jobs", "1", "--out", "helped").exit_code == 0
    monkeypatch.setattr(PdfHelper, "start", classmethod(lambda cls: None))
    assert project.rehab("build", "--jobs", "1").exit_code == 0
    assert same_tree(project.site, project.root / "helped")


def test_a_new_rehab_build_process_forks_its_helper_first_and_makes_the_same_site(project,
                                                                                  monkeypatch):
    """`rehab build` as a clinician runs it: generator/__main__.py forks the PDF helper before
    the command line is read, and ends the process without the interpreter's tear-down; the
    site, the report and the exit code are those of a build made here without a helper."""
    project.write_profile("test-athlete", PROFILE_YAML)
    done = subprocess.run(
        [sys.executable, "-m", "generator", "build", "--jobs", "1", "--out", "helped",
         "--today", TODAY.isoformat()], cwd=project.root,
        env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "1 built, 0 failed, 0 need referral"
    monkeypatch.setattr(PdfHelper, "start", classmethod(lambda cls: None))
    assert project.rehab("build", "--jobs", "1").exit_code == 0
    assert same_tree(project.site, project.root / "helped")
    usage = subprocess.run([sys.executable, "-m", "generator", "build", "--no-such-option"],
                           cwd=project.root, env={**os.environ, "PYTHONPATH": str(ROOT)},
                           capture_output=True, text=True, timeout=60)
    assert usage.returncode == 2 and "No such option '--no-such-option'" in usage.stderr
