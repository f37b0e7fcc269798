"""A project without content/ or templates/ uses the package's; its own override them, a
protocol folder or a template file at a time."""

from __future__ import annotations

import shutil

import pytest
from conftest import Project
from factories import PROFILE_YAML, PROTOCOL_ID, ROOT

from generator.buildstate import state_path
from generator.shipped import shipped

TOY = "metatarsal-stress-fracture"  # tests/protocols/: a second protocol, not shipped


@pytest.fixture
def bare(tmp_path) -> Project:
    """A clinic's project as `rehab init` leaves it: profiles only."""
    (tmp_path / "plans").mkdir()
    project = Project(tmp_path)
    project.write_profile("ann", PROFILE_YAML.replace("Test Athlete", "Ann"))
    return project


def page(project: Project, athlete: str) -> str:
    return (project.folder(athlete) / "index.html").read_text(encoding="utf-8")


def test_run_from_a_checkout_the_package_ships_the_checkouts_own_folders():
    assert shipped("content") == ROOT / "content"
    assert shipped("templates") == ROOT / "templates"


def test_a_project_of_profiles_alone_checks_and_builds_with_the_packages_files(bare):
    assert bare.rehab("check").exit_code == 0
    result = bare.rehab("build", "--no-pdf")
    assert result.exit_code == 0, result.output
    assert "Non-weight-bearing" in page(bare, "ann")
    assert not (bare.root / "content").exists() and not (bare.root / "templates").exists()
    assert bare.rehab("new", "ben").exit_code == 0  # the starter profile is shipped too
    assert "diagnosed:" in (bare.plans / "ben.yaml").read_text(encoding="utf-8")


def test_a_protocol_folder_of_the_project_replaces_the_shipped_one_of_that_name(bare):
    own = bare.root / "content" / PROTOCOL_ID
    shutil.copytree(ROOT / "content" / PROTOCOL_ID, own)
    protocol = own / "protocol.yaml"
    protocol.write_text(protocol.read_text(encoding="utf-8").replace(
        "title: Non-weight-bearing\n", "title: No weight on the leg\n"), encoding="utf-8")
    assert bare.rehab("build", "--no-pdf").exit_code == 0
    assert "No weight on the leg" in page(bare, "ann")


def test_a_new_protocol_of_the_project_sits_beside_the_shipped_ones(bare):
    shutil.copytree(ROOT / "tests" / "protocols" / TOY, bare.root / "content" / TOY)
    bare.write_profile("cal", PROFILE_YAML.replace(PROTOCOL_ID, "no-such-protocol"))
    result = bare.rehab("check", "cal")  # an unknown protocol's error lists the known ones
    assert result.exit_code == 1
    known = [PROTOCOL_ID, "metatarsal-bone-stress-injury", TOY, "tibial-bone-stress-injury"]
    assert "known: " + ", ".join(known) in result.output


def test_a_template_of_the_project_replaces_that_file_only(bare):
    (bare.root / "templates" / "assets").mkdir(parents=True)
    css = (ROOT / "templates" / "assets" / "style.css").read_text(encoding="utf-8")
    (bare.root / "templates" / "assets" / "style.css").write_text(
        css + "\n.clinic-brand { color: #123456; }\n", encoding="utf-8")
    result = bare.rehab("build", "--no-pdf")
    assert result.exit_code == 0, result.output
    assert "#123456" in page(bare, "ann")  # the project's stylesheet
    assert "This week" in page(bare, "ann")  # the package's page template
    (bare.root / "templates" / "starter-profile.yaml").write_text(
        "# Riverside's own starter for {{ id }}\nname: New\n", encoding="utf-8")
    assert bare.rehab("new", "dee").exit_code == 0
    assert (bare.plans / "dee.yaml").read_text(encoding="utf-8").startswith(
        "# Riverside's own starter for dee")
    # a starter of its own without {{ name }} still gets the typed name, comments kept
    (bare.root / "templates" / "starter-profile.yaml").write_text(
        "# for {{ id }}\nname: New   # shown\ninjury:\n  name: x\n", encoding="utf-8")
    assert bare.rehab("new", "Eve Ng").exit_code == 0
    assert (bare.plans / "eve-ng.yaml").read_text(encoding="utf-8") == \
        "# for eve-ng\nname: Eve Ng   # shown\ninjury:\n  name: x\n"


def test_adding_a_template_of_its_own_rebuilds_the_project(bare):
    assert bare.rehab("build", "--no-pdf").exit_code == 0
    (bare.root / "templates" / "assets").mkdir(parents=True)
    shutil.copy(ROOT / "templates" / "assets" / "icon.svg", bare.root / "templates" / "assets")
    result = bare.rehab("build", "--no-pdf")  # the same bytes, but now the project's file
    assert "0 built" in result.output
    with open(bare.root / "templates" / "assets" / "icon.svg", "a", encoding="utf-8") as icon:
        icon.write("<!-- riverside -->\n")
    result = bare.rehab("build", "--no-pdf")
    assert "1 built" in result.output
    assert (bare.folder("ann") / "icon.svg").read_text(encoding="utf-8").endswith(
        "<!-- riverside -->\n")


def test_a_folder_named_in_rehab_yaml_must_exist(bare):
    (bare.root / "rehab.yaml").write_text("content: protocols\n", encoding="utf-8")
    result = bare.rehab("check")
    assert result.exit_code == 1
    assert "protocols: content folder not found" in result.output
    assert "remove `content:` from rehab.yaml" in result.output


def test_templates_compiled_by_a_build_are_kept_for_the_next_process(bare):
    cache = state_path(bare.site).parent / "jinja"
    assert bare.rehab("check").exit_code == 0
    assert not cache.exists()  # check writes nothing, not even the cache
    assert bare.rehab("build", "--no-pdf").exit_code == 0
    assert any(cache.glob("*.cache"))
    for entry in cache.glob("*.cache"):
        entry.write_bytes(b"damaged")
    assert bare.rehab("build", "--no-pdf", "--force").exit_code == 0  # compiled again
    (bare.root / "templates" / "assets").mkdir(parents=True)
    css = (ROOT / "templates" / "assets" / "style.css").read_text(encoding="utf-8")
    (bare.root / "templates" / "assets" / "style.css").write_text(
        css + "\n.after-cache { color: #654321; }\n", encoding="utf-8")
    assert bare.rehab("build", "--no-pdf").exit_code == 0
    assert "#654321" in page(bare, "ann")  # a cached template never hides a change
