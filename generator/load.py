"""What a build reads: the profiles to build, and what every athlete shares (protocols,
templates, the project key), read once per process."""

from __future__ import annotations

import difflib
import functools
from pathlib import Path

from generator.buildstate import state_path
from generator.config import Settings
from generator.errors import InputError
from generator.profile import Profile, check_id, check_inside, profile_path
from generator.protocol import Protocol, in_language, load_protocols
from generator.render.environment import TemplateCache, check_templates, make_environment
from generator.secret import check_key_place, folder_token, load_or_create_key
from generator.shipped import STARTER, find_file


def profile_paths(plans_dir: Path, ids: tuple[str, ...] = ()) -> list[Path]:
    """The profiles to build: all of plans/*.yaml, or the named ids (missing ones included)."""
    if not plans_dir.is_dir():
        raise InputError.single(str(plans_dir), "plans folder not found",
                                hint="run from the project folder, or pass --plans or --config")
    if ids:
        return [profile_path(plans_dir, athlete) for athlete in ids]
    return sorted(p for p in plans_dir.glob("*.yaml") if p.is_file())


def check_profile_path(path: Path, plans_dir: Path) -> None:
    """A profile to read: a valid id, a file that exists, really inside plans/."""
    check_id(path)
    if not path.is_file():
        known = [p.stem for p in plans_dir.glob("*.yaml") if p.is_file()]
        close = difflib.get_close_matches(path.stem, known, n=1, cutoff=0.75)
        hint = (f"did you mean '{close[0]}'? (a new athlete: `rehab new {path.stem}`)" if close
                else f"create it with `rehab new {path.stem}`")
        raise InputError.single(str(path), "profile not found", hint=hint)
    check_inside(path, plans_dir)


def output_folder(athlete: str, key: bytes) -> str:
    """The athlete's folder in site/: an HMAC of the id, so no one can guess it from a name."""
    return folder_token(key, athlete)


class Inputs:
    """What every athlete of one build shares: protocols and templates, checked before any
    athlete is read, and the project key.

    Content and templates are the project's own over the package's (generator/shipped.py).
    Compiled templates are cached in the build state folder; only a build (`write_cache`)
    adds to the cache, `check`, `plan` and `status` only read it.
    """

    def __init__(self, settings: Settings, write_cache: bool = False):
        self.settings = settings
        self.protocols: dict[str, Protocol] = load_protocols(settings.content_folders)
        cache = TemplateCache(state_path(settings.out).parent / "jinja", write=write_cache)
        self.env = make_environment(settings.template_folders, cache)
        check_templates(self.env)  # template errors surface before any athlete
        self._key: bytes | None = None

    @functools.cached_property
    def starter(self) -> dict[tuple[str, ...], str]:
        """The starter profile's example text, by field: a profile must not still hold it."""
        from generator.project import starter_examples

        try:
            path = find_file(self.settings.template_folders, STARTER)
        except InputError:
            return {}
        return starter_examples(path.read_text(encoding="utf-8"))

    @property
    def key(self) -> bytes:
        """The project key, created on the first build; `check` and `plan` never need it."""
        if self._key is None:
            check_key_place(self.settings.key_file, self.settings.out)
            self._key = load_or_create_key(self.settings.key_file)
        return self._key

    def protocol(self, profile: Profile) -> Protocol:
        """The athlete's protocol in their language (English where it has no translation)."""
        return in_language(self.protocols[profile.protocol], profile.language or "en")

    def folder(self, athlete: str) -> Path:
        return self.settings.out / output_folder(athlete, self.key)
