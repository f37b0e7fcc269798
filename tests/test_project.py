"""`rehab init`: a new clinic project, ready to build, that never replaces a file."""

from __future__ import annotations

import datetime as dt
import filecmp

import pytest
from conftest import Project

from generator.config import SCHEMA, Settings, load_settings
from generator.project import EXAMPLE, fill_in
from generator.shipped import shipped


@pytest.fixture
def here(tmp_path) -> Project:
    """An empty folder to run `rehab init` in."""
    return Project(tmp_path)


def test_init_makes_a_project_that_builds_and_says_what_to_do_next(here):
    result = here.rehab("init", "clinic")
    assert result.exit_code == 0, result.output
    clinic = here.root / "clinic"
    assert sorted(p.name for p in clinic.iterdir()) == [".gitignore", "plans", "rehab.yaml"]
    assert [p.name for p in (clinic / "plans").iterdir()] == [f"{EXAMPLE}.yaml"]
    assert (clinic / ".gitignore").read_text().splitlines()[1:] == ["/site/", "/.rehab/"]
    assert [" ".join(line.split()) for line in result.output.splitlines()[-4:]] == [
        "cd clinic && rehab build # the example athlete's plan, into site/",
        "rehab protocols # the injuries rehab plans for, and what each profile records",
        'rehab new "First Last" --protocol ID # a profile for your first athlete, in plans/, '
        "for that protocol",
        f"rm plans/{EXAMPLE}.yaml # the fictional example: delete it before you publish site/"]
    project = Project(clinic)
    built = project.rehab("build", "--no-pdf", "--today", dt.date.today().isoformat())
    assert built.exit_code == 0, built.output
    assert "1 built, 0 failed" in built.output
    assert "Riley Park" in (project.folder(EXAMPLE) / "index.html").read_text(encoding="utf-8")


def test_the_config_names_every_key_commented_out_and_reads_as_the_defaults(here):
    here.rehab("init", "clinic")
    config = here.root / "clinic" / "rehab.yaml"
    text = config.read_text(encoding="utf-8")
    for key, spec in SCHEMA.fields.items():
        assert f"\n# {key}:" in text, key
        for inner in spec.fields or {}:
            assert f"\n#   {inner}:" in text, f"{key}.{inner}"
    today = dt.date(2026, 11, 23)
    home = config.parent
    assert load_settings(config, today) == Settings(
        plans=home / "plans", content=home / "content", templates=home / "templates",
        out=home / "site", today=today)


def test_with_content_copies_the_protocols_to_edit_and_they_win(here):
    assert here.rehab("init", "clinic", "--with-content").exit_code == 0
    content = here.root / "clinic" / "content"
    compared = filecmp.dircmp(shipped("content"), content)
    assert not compared.left_only and not compared.right_only and not compared.diff_files
    protocol = content / "femoral-neck-stress-fracture" / "protocol.yaml"
    protocol.write_text(protocol.read_text(encoding="utf-8").replace(
        "title: Partial weight-bearing\n", "title: Some weight on the leg\n"), encoding="utf-8")
    project = Project(here.root / "clinic")
    result = project.rehab("plan", EXAMPLE, "--today", dt.date.today().isoformat())
    assert "Some weight on the leg" in result.output


def test_init_never_replaces_a_file(here):
    clinic = here.root / "clinic"
    (clinic / "content").mkdir(parents=True)
    (clinic / ".gitignore").write_text("*.pyc\n/site/", encoding="utf-8")  # no final newline
    refused = here.rehab("init", "clinic", "--with-content")
    assert refused.exit_code == 1 and "content: already exists" in refused.output
    assert not (clinic / "rehab.yaml").exists() and not (clinic / "plans").exists()
    assert here.rehab("init", "clinic").exit_code == 0
    assert (clinic / ".gitignore").read_text().splitlines() == [
        "*.pyc", "/site/", "# the built site; the secret key and the build state", "/.rehab/"]
    (clinic / "rehab.yaml").write_text("paper: letter\n", encoding="utf-8")
    again = here.rehab("init", "clinic")
    assert again.exit_code == 1 and "this is a project already" in again.output
    assert (clinic / "rehab.yaml").read_text(encoding="utf-8") == "paper: letter\n"


def test_with_content_adds_the_protocols_to_a_project_already_made(here):
    assert here.rehab("init", "clinic").exit_code == 0
    clinic = here.root / "clinic"
    config = (clinic / "rehab.yaml").read_text(encoding="utf-8")
    result = here.rehab("init", "clinic", "--with-content")
    assert result.exit_code == 0, result.output
    assert "created clinic/content\n" in result.output
    assert (clinic / "content" / "femoral-neck-stress-fracture" / "protocol.yaml").is_file()
    assert (clinic / "rehab.yaml").read_text(encoding="utf-8") == config
    again = here.rehab("init", "clinic", "--with-content")
    assert again.exit_code == 1 and "content: already exists" in again.output


def test_an_existing_plans_folder_gets_no_example(here):
    plans = here.root / "clinic" / "plans"
    plans.mkdir(parents=True)
    (plans / "ann.yaml").write_text("name: Ann\n", encoding="utf-8")
    result = here.rehab("init", "clinic")
    assert result.exit_code == 0
    assert [p.name for p in plans.iterdir()] == ["ann.yaml"]


def test_profile_templates_are_dated_from_today():
    today = dt.date(2026, 11, 29)
    text = "id: {{ id }}\nd: {{ today }}\ne: {{ today - 63 days }}\n"
    assert fill_in(text, "ann", today) == "id: ann\nd: 2026-11-29\ne: 2026-09-27\n"
