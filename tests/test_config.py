"""rehab.yaml: every key declared once; a missing file means the defaults; flags win."""

from __future__ import annotations

import filecmp
import re
from pathlib import Path

import click
import pytest
from factories import PROFILE_YAML, ROOT, TODAY

from generator.cli import build, serve
from generator.config import SCHEMA, Settings, load_settings, read_config
from generator.errors import InputError
from generator.profile import Clinician
from generator.serve import Preview

FULL = """\
plans: athletes
out: public
paper: letter
pdf: false
base_url: https://plans.example.org/rehab/
jobs: 1
clinic:
  name: Harbour Sports Clinic
  phone: "+44 20 7946 0999"
  email: desk@harbour.example
"""


def write_config(folder: Path, text: str) -> Path:
    path = folder / "rehab.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(InputError) as raised:
        load_settings(path)
    return [str(p) for p in raised.value.problems]


def same_tree(left: Path, right: Path) -> bool:
    names = sorted(str(p.relative_to(left)) for p in left.rglob("*") if p.is_file())
    if names != sorted(str(p.relative_to(right)) for p in right.rglob("*") if p.is_file()):
        return False
    return all(filecmp.cmp(left / n, right / n, shallow=False) for n in names)


def test_no_rehab_yaml_means_the_defaults(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert load_settings(today=TODAY) == Settings(today=TODAY)
    assert Settings().plans == Path("plans") and Settings().out == Path("site")


def test_a_file_of_comments_only_means_the_defaults(tmp_path):
    config = write_config(tmp_path, "# plans: athletes\n\n# pdf: false\n")
    assert load_settings(config, TODAY) == Settings(
        plans=tmp_path / "plans", content=tmp_path / "content",
        templates=tmp_path / "templates", out=tmp_path / "site", today=TODAY)


def test_the_file_sets_every_key(tmp_path):
    settings = load_settings(write_config(tmp_path, FULL), TODAY)
    assert settings == Settings(
        plans=tmp_path / "athletes", content=tmp_path / "content",
        templates=tmp_path / "templates", out=tmp_path / "public", today=TODAY, pdf=False,
        paper="letter", base_url="https://plans.example.org/rehab/", jobs=1,
        clinic=Clinician(clinic="Harbour Sports Clinic", phone="+44 20 7946 0999",
                         email="desk@harbour.example"))


def test_folders_are_relative_to_the_file_and_flags_to_the_current_directory(tmp_path,
                                                                              monkeypatch):
    project = tmp_path / "clinic"
    project.mkdir()
    config = write_config(project, "plans: athletes\nout: /srv/www/plans\n")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine").mkdir()
    settings = load_settings(Path("clinic/rehab.yaml"), templates=Path("mine"))
    assert settings.plans == Path("clinic/athletes")
    assert settings.content == Path("clinic/content")
    assert settings.out == Path("/srv/www/plans")  # absolute stays absolute
    assert settings.templates == Path("mine")
    assert settings.key_file == Path("clinic/.rehab/secret.key")
    assert load_settings(config).plans == project / "athletes"


def test_a_flag_beats_the_file(tmp_path):
    config = write_config(tmp_path, FULL)
    settings = load_settings(config, out=Path("elsewhere"), pdf=True, paper="a4", jobs=2,
                             base_url="https://other.example/")
    assert (settings.out, settings.pdf, settings.paper, settings.jobs, settings.base_url) == (
        Path("elsewhere"), True, "a4", 2, "https://other.example/")
    assert settings.plans == tmp_path / "athletes"  # what no flag names stays the file's


def test_a_misspelt_key_names_the_file_the_line_and_the_fix(tmp_path):
    config = write_config(tmp_path, "plans: plans\npdff: false\nclinic:\n  phnoe: '0'\n")
    assert problems(config) == [
        f"{config}:2:1: pdff: unknown field 'pdff' (did you mean 'pdf'?)",
        f"{config}:4:3: clinic.phnoe: unknown field 'phnoe' (did you mean 'phone'?)",
    ]


def test_wrong_values_are_errors_with_their_lines(tmp_path):
    config = write_config(tmp_path, "paper: leter\njobs: 0\nbase_url: ftp://files.example/\n"
                          "pdf: sometimes\nout: ''\n")
    assert problems(config) == [
        f"{config}:1:1: paper: 'leter' is not allowed; expected one of a4, letter "
        "(did you mean 'letter'?)",
        f"{config}:2:1: jobs: 0 is below the minimum of 1",
        f"{config}:3:1: base_url: 'ftp://files.example/' is not a site address; "
        "use https://host/path",
        f"{config}:4:1: pdf: expected true or false, got 'sometimes'",
        f"{config}:5:1: out: is empty; expected a folder",
    ]


def test_a_config_that_is_not_a_set_of_keys_is_an_error(tmp_path):
    config = write_config(tmp_path, "- plans\n- site\n")
    assert problems(config) == [
        f"{config}:1:1: expected a set of fields (key: value lines), got a list"]


def test_a_named_config_that_does_not_exist_is_an_error(tmp_path):
    with pytest.raises(InputError, match="config file not found"):
        read_config(tmp_path / "nope.yaml")


def test_the_command_reports_a_bad_config_before_building(example_project):
    write_config(example_project.root, "out: public\npaperr: letter\n")
    result = example_project.rehab("build", "--no-pdf")
    assert result.exit_code == 1
    assert result.stderr == ("error: rehab.yaml:2:1: paperr: unknown field 'paperr' "
                             "(did you mean 'paper'?)\n")
    assert not (example_project.root / "public").exists()
    assert not example_project.site.exists()


def test_every_command_reads_the_config(example_project):
    write_config(example_project.root, "plans: athletes\nout: public\npdf: false\n")
    (example_project.root / "plans").rename(example_project.root / "athletes")
    assert example_project.rehab("check").exit_code == 0
    assert example_project.rehab("status", "--today", TODAY.isoformat()).exit_code == 0
    assert "Strength stage" in example_project.rehab("plan", "jordan-lee").output
    built = example_project.rehab("build")
    assert built.exit_code == 0, built.output
    assert "-> public/" in built.output
    link = example_project.rehab("link", "jordan-lee")
    assert link.exit_code == 0 and link.stdout.startswith("public/")
    assert not (example_project.root / "public" / link.stdout.strip() / "plan.pdf").exists()
    assert example_project.rehab("new", "casey-tran").exit_code == 0
    assert (example_project.root / "athletes" / "casey-tran.yaml").is_file()


def test_the_flag_beats_the_file_on_the_command_line(project):
    project.write_profile("ann", PROFILE_YAML)
    write_config(project.root, "out: public\npdf: false\n")
    result = project.rehab("build", "--out", "flagged")
    assert result.exit_code == 0 and "-> flagged/" in result.output
    assert not (project.root / "public").exists()


def test_the_clinic_reaches_the_page(project):
    project.write_profile("ann", PROFILE_YAML.replace('  phone: "+1 555 0100"\n', ""))
    write_config(project.root, FULL.replace("plans: athletes\nout: public\n", ""))
    assert project.rehab("build").exit_code == 0
    page = (project.folder("ann") / "index.html").read_text(encoding="utf-8")
    assert "Call +44 20 7946 0999" in page and "desk@harbour.example" in page


def test_serve_writes_what_build_writes_with_the_same_config(project, tmp_path_factory):
    """Handouts, QR code, paper and clinic included: the preview is the site."""
    project.write_profile("ann", PROFILE_YAML.replace('  phone: "+1 555 0100"\n', ""))
    config = write_config(project.root, FULL.replace("plans: athletes\n", "").replace(
        "pdf: false", "pdf: true"))
    built = project.rehab("build")
    assert built.exit_code == 0, built.output
    served = tmp_path_factory.mktemp("served")
    preview = Preview(load_settings(config, TODAY, out=served), echo=lambda line: None)
    preview.poll()
    assert (served / project.folder("ann").name / "plan.pdf").is_file()
    assert same_tree(project.root / "public", served)
    ics = (served / project.folder("ann").name / "plan.ics").read_text(encoding="utf-8")
    assert "plans.example.org" in ics  # the base URL reached the calendar (and the QR code)


def test_serve_and_build_take_turns_without_rebuilding_each_others_work(project):
    project.write_profile("ann", PROFILE_YAML)
    config = write_config(project.root, "pdf: false\nbase_url: https://plans.example.org/\n")
    assert project.rehab("build").exit_code == 0
    said: list[str] = []
    preview = Preview(load_settings(config, TODAY), echo=said.append)
    preview.poll()
    assert said == ["0 built, 0 failed, 0 need referral, 1 unchanged"]
    project.write_profile("ann", PROFILE_YAML.replace("Test Athlete", "Ann Edited"))
    preview.poll()
    assert said[-1] == "1 built, 0 failed, 0 need referral"
    result = project.rehab("build")
    assert result.output == "0 built, 0 failed, 0 need referral, 1 unchanged\n"


def test_the_example_rehab_yaml_sets_every_key_to_its_default():
    """The repository's rehab.yaml documents every key, and builds what no file builds."""
    text = (ROOT / "rehab.yaml").read_text(encoding="utf-8")
    for key in SCHEMA.fields:
        assert re.search(rf"^#? ?{key}:", text, re.M), f"rehab.yaml does not mention {key}"
    for key in SCHEMA.fields["clinic"].fields:
        assert re.search(rf"^#? *{key}:", text, re.M), f"rehab.yaml does not mention {key}"
    assert load_settings(ROOT / "rehab.yaml", TODAY) == Settings(
        plans=ROOT / "plans", content=ROOT / "content", templates=ROOT / "templates",
        out=ROOT / "site", today=TODAY)


def test_the_readme_lists_every_key():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Project config"):]
    section = section[:section.index("\n## ", 4)]
    for key in [*SCHEMA.fields, *(f"clinic.{k}" for k in SCHEMA.fields["clinic"].fields)]:
        assert f"`{key}`" in section, f"README's config section does not list {key}"


def test_serve_takes_every_option_build_takes():
    def options(command):
        return {name for param in command.params if isinstance(param, click.Option)
                for name in param.opts + param.secondary_opts}

    assert options(build) - options(serve) == {"--force", "--new-key"}
    assert options(serve) - options(build) == {"--port"}
