"""What a build reads: which profiles, and the inputs every athlete shares."""

from __future__ import annotations

from pathlib import Path

import pytest
from factories import PROFILE_YAML, TODAY

from generator.config import Settings
from generator.errors import InputError
from generator.load import Inputs, check_profile_path, profile_paths


def test_every_yaml_profile_in_order_and_nothing_else(tmp_path):
    for name in ("ben.yaml", "ann.yaml", "notes.txt", "old.yml"):
        (tmp_path / name).write_text("x")
    (tmp_path / "folder.yaml").mkdir()
    assert [p.name for p in profile_paths(tmp_path)] == ["ann.yaml", "ben.yaml"]


def test_named_ids_are_built_even_when_missing(tmp_path):
    assert profile_paths(tmp_path, ("zoe", "ann")) == [tmp_path / "zoe.yaml",
                                                      tmp_path / "ann.yaml"]


def test_a_missing_plans_folder_says_what_to_do(tmp_path):
    with pytest.raises(InputError) as raised:
        profile_paths(tmp_path / "nope")
    assert str(raised.value) == (f"{tmp_path / 'nope'}: plans folder not found (run from the "
                                 "project folder, or pass --plans or --config)")


def test_a_profile_must_exist_have_a_good_id_and_live_in_plans(tmp_path):
    plans = tmp_path / "plans"
    plans.mkdir()
    with pytest.raises(InputError, match="create it with `rehab new ann`"):
        check_profile_path(plans / "ann.yaml", plans)
    (plans / "Bad Name.yaml").write_text(PROFILE_YAML)
    with pytest.raises(InputError, match="is not a valid athlete id"):
        check_profile_path(plans / "Bad Name.yaml", plans)
    (tmp_path / "elsewhere.yaml").write_text(PROFILE_YAML)
    (plans / "linked.yaml").symlink_to(tmp_path / "elsewhere.yaml")
    with pytest.raises(InputError, match="outside the plans folder"):
        check_profile_path(plans / "linked.yaml", plans)


def settings_in(root: Path, **changes) -> Settings:
    return Settings(plans=root / "plans", content=root / "content",
                    templates=root / "templates", out=root / "site", today=TODAY, **changes)


def test_the_key_is_made_once_and_gives_each_athlete_a_stable_folder(project):
    inputs = Inputs(settings_in(project.root))
    folder = inputs.folder("ann")
    assert folder.parent == project.root / "site" and len(folder.name) == 32
    assert (project.root / ".rehab" / "secret.key").is_file()
    assert Inputs(settings_in(project.root)).folder("ann") == folder
    assert inputs.folder("ben") != folder


def test_a_key_file_inside_the_site_is_refused(project):
    inputs = Inputs(settings_in(project.root, secret_file=project.root / "site" / "key"))
    with pytest.raises(InputError, match="must not be inside the site folder"):
        inputs.folder("ann")
    assert not (project.root / "site" / "key").exists()


def test_content_and_templates_are_checked_before_any_athlete(project):
    (project.root / "templates" / "plan.html").write_text("{% if %}")
    with pytest.raises(InputError, match="template error"):
        Inputs(settings_in(project.root))


def _protocol_yaml(project) -> Path:
    return project.root / "content" / "femoral-neck-stress-fracture" / "protocol.yaml"


def test_a_protocol_edited_after_a_build_is_what_the_next_command_reads(example_project):
    """The protocols a build read are kept in .rehab/protocols/; an edit is never hidden."""
    assert example_project.rehab("build", "--no-pdf").exit_code == 0
    assert list((example_project.root / ".rehab" / "protocols").glob("*.pickle"))
    path = _protocol_yaml(example_project)
    path.write_text(path.read_text(encoding="utf-8").replace(
        "stop_at:", "stop_at: [not a number]\n  was_stop_at:", 1), encoding="utf-8")
    result = example_project.rehab("check")
    assert result.exit_code == 1 and "protocol.yaml" in result.stderr


def test_a_damaged_protocol_cache_is_read_past(example_project):
    assert example_project.rehab("build", "--no-pdf").exit_code == 0
    for entry in (example_project.root / ".rehab" / "protocols").glob("*.pickle"):
        entry.write_bytes(b"not a pickle")
    result = example_project.rehab("build", "--no-pdf", "--force")
    assert result.exit_code == 0, result.output
