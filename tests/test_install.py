"""The package as a clinic gets it: a wheel installed in a fresh virtual environment, then a
project made in an empty folder with the installed `rehab` alone. No network: the wheel is
built from this checkout with the build tools already installed, and installed by file."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from factories import ROOT

import generator

SOURCES = ("pyproject.toml", "README.md", "generator", "content", "templates")
BASE_URL = "https://plans.riverside.example/rehab/"
NOTE = "off crutches: walking well"


def run(*args: str | Path, cwd: Path) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env.update(PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
    done = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, f"{' '.join(map(str, args))}:\n{done.stdout}{done.stderr}"
    return done.stdout


@pytest.mark.install
def test_a_wheel_in_a_fresh_venv_makes_builds_and_records_a_clinic_project(tmp_path):
    source = tmp_path / "source"  # a copy: building writes build/ and *.egg-info beside it
    source.mkdir()
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy(ROOT / name, source / name)
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
        "--wheel-dir", tmp_path / "dist", source, cwd=tmp_path)
    [wheel] = (tmp_path / "dist").glob("rehab_plans-*.whl")
    assert wheel.name.startswith(f"rehab_plans-{generator.__version__}-")

    # The libraries rehab needs come from this Python's site-packages; rehab itself only
    # from the wheel (pip reinstalls it into the venv, whatever this Python has installed).
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", venv,
        cwd=tmp_path)
    python, rehab = venv / "bin" / "python", venv / "bin" / "rehab"
    run(python, "-m", "pip", "install", "--no-deps", "--force-reinstall", wheel, cwd=tmp_path)
    where = run(python, "-c", "import generator; print(generator.__file__)", cwd=tmp_path)
    assert Path(where.strip()).is_relative_to(venv)
    assert run(rehab, "--version", cwd=tmp_path) == f"rehab, version {generator.__version__}\n"

    empty = tmp_path / "empty"
    empty.mkdir()
    said = run(rehab, "init", "clinic", cwd=empty)
    assert "cd clinic && rehab build" in said
    clinic = empty / "clinic"
    config = clinic / "rehab.yaml"
    config.write_text(config.read_text().replace("# base_url: https://plans.example.org/",
                                                 f"base_url: {BASE_URL}"))
    run(rehab, "new", "ann", cwd=clinic)
    ann = clinic / "plans" / "ann.yaml"  # filled in, as a clinician would: a starter never builds
    ann.write_text(ann.read_text().replace("New Athlete", "Ann Lee").replace(
        "  side:  ", "  side: left  ").replace(
        "Markdown shown to the athlete on the page and in the handout.", "Welcome, Ann."))
    run(rehab, "record", "riley-park", "full_weight_bearing", "--note", NOTE, cwd=clinic)
    built = run(rehab, "build", cwd=clinic)
    assert "2 built, 0 failed" in built

    folder = clinic / run(rehab, "link", "riley-park", cwd=clinic).strip()
    plan = json.loads((folder / "plan.json").read_text(encoding="utf-8"))
    assert NOTE in json.dumps(plan)  # the recorded event is in the plan
    assert NOTE in (folder / "index.html").read_text(encoding="utf-8")
    calendar = (folder / "plan.ics").read_bytes().decode().replace("\r\n ", "")  # unfolded
    assert f"{BASE_URL}{folder.name}/" in calendar  # rehab.yaml's base_url, in every event
    assert (folder / "plan.pdf").read_bytes().startswith(b"%PDF")
    assert (clinic / run(rehab, "link", "ann", cwd=clinic).strip() / "index.html").is_file()
    assert sorted(p.name for p in clinic.iterdir()) == [
        ".gitignore", ".rehab", "plans", "rehab.yaml", "site"]  # no content/ or templates/
