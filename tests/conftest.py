from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from factories import PROTOCOL_ID, ROOT, TODAY, copy_project

from generator.cli import main
from generator.load import output_folder
from generator.protocol import load_protocols
from generator.secret import read_key


@pytest.fixture(scope="session")
def protocols():
    return load_protocols(ROOT / "content")


@pytest.fixture(scope="session")
def protocol(protocols):
    return protocols[PROTOCOL_ID]


SHIPPED = sorted(folder.name for folder in (ROOT / "content").iterdir()
                 if (folder / "protocol.yaml").is_file())


@pytest.fixture(scope="session", params=SHIPPED)
def shipped_protocol(request, protocols):
    """Each protocol the package ships, in turn: the clinical invariants hold for every one."""
    return protocols[request.param]


class Project:
    """A scratch project folder with the `rehab` command run inside it."""

    def __init__(self, root: Path):
        self.root = root
        self.plans = root / "plans"
        self.site = root / "site"

    def write_profile(self, athlete: str, text: str | bytes) -> Path:
        path = self.plans / f"{athlete}.yaml"
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path

    def folder(self, athlete: str) -> Path:
        """The athlete's folder in site/ (an HMAC token of the id; see generator/secret.py)."""
        key = read_key(self.root / ".rehab" / "secret.key")
        return self.site / output_folder(athlete, key)

    def rehab(self, *args: str):
        args = list(args)
        if args and args[0] in ("build", "check", "plan") and "--today" not in args:
            args += ["--today", TODAY.isoformat()]
        old = os.getcwd()
        os.chdir(self.root)
        try:
            return CliRunner().invoke(main, args, catch_exceptions=False)
        finally:
            os.chdir(old)


@pytest.fixture
def project(tmp_path) -> Project:
    """An empty project (content and templates, no athletes)."""
    return Project(copy_project(tmp_path, with_examples=False))


@pytest.fixture
def example_project(tmp_path) -> Project:
    """The project with the example athletes."""
    return Project(copy_project(tmp_path))


@pytest.fixture(scope="session")
def built_examples(tmp_path_factory) -> Project:
    """The example site, built once (with PDFs) for the tests that only read it."""
    project = Project(copy_project(tmp_path_factory.mktemp("examples")))
    result = project.rehab("build")
    assert result.exit_code == 0, result.output
    return project


@pytest.fixture(scope="session")
def examples_in_both_languages(tmp_path_factory) -> Project:
    """Every example athlete twice, built with handouts: `<id>` in English and `<id>-de` in
    German (Mia, written in German, as `mia-hoffmann-de`, and in English as `mia-hoffmann`)."""
    project = Project(copy_project(tmp_path_factory.mktemp("languages"), with_examples=False))
    for path in sorted((ROOT / "plans").glob("*.yaml")):
        text = "\n".join(line for line in path.read_text(encoding="utf-8").splitlines()
                         if not line.startswith("language:")) + "\n"
        project.write_profile(path.stem, text + "language: en\n")
        project.write_profile(f"{path.stem}-de", text + "language: de\n")
    result = project.rehab("build")
    assert result.exit_code == 0, result.output
    return project
