"""Where athletes are built: in this process, or a pool of workers that writes the same bytes."""

from __future__ import annotations

import filecmp
from pathlib import Path

import pytest
from factories import PROFILE_YAML

from generator import workers
from generator.config import Settings
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
