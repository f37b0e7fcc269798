"""What the package ships: the protocol content and the templates (with the starter profile).

A project uses them wherever it has no folder of its own. Its own content/ holds protocol
folders that replace the shipped protocol of the same folder name (or add new ones); its own
templates/ holds templates and assets that replace the shipped file of the same path.

In an installed package the folders are package data (generator/content, generator/templates,
built from the repository's top-level content/ and templates/: see pyproject.toml). Run from
a source checkout, they are those top-level folders themselves.
"""

from __future__ import annotations

from pathlib import Path

from generator.errors import InputError

PACKAGE = Path(__file__).resolve().parent
STARTER = "starter-profile.yaml"  # under templates/: what `rehab new` writes


def shipped(name: str) -> Path:
    """The package's own `content` or `templates` folder."""
    installed = PACKAGE / name
    if installed.is_dir():
        return installed
    checkout = PACKAGE.parent
    if (checkout / "pyproject.toml").is_file() and (checkout / name).is_dir():
        return checkout / name
    raise InputError.single(str(installed), f"the package's own {name} folder is missing",
                            hint="reinstall rehab-plans (its wheel carries content and templates)")


def search_path(project_folder: Path, name: str) -> tuple[Path, ...]:
    """Where to look, first match wins: the project's folder if it has one, then the package's."""
    own = shipped(name)
    if not project_folder.is_dir():
        return (own,)
    if project_folder.resolve() == own.resolve():  # the source checkout builds its examples
        return (project_folder,)
    return (project_folder, own)


def find_file(folders: tuple[Path, ...], name: str) -> Path:
    """The first folder's `name` (a path relative to the folder)."""
    for folder in folders:
        if (folder / name).is_file():
            return folder / name
    raise InputError.single(str(folders[0] / name), "not found",
                            hint="reinstall rehab-plans, or copy the file into the project")
