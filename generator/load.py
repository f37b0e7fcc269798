"""What a build reads: the profiles to build, and what every athlete shares (protocols,
templates, the project key), read once per process."""

from __future__ import annotations

import difflib
import functools
import hashlib
import os
import pickle
import tempfile
from pathlib import Path

from generator.buildstate import code_digest, state_path
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
        cache_folder = state_path(settings.out).parent
        self.protocols: dict[str, Protocol] = cached_protocols(
            settings.content_folders, cache_folder / "protocols", write=write_cache)
        cache = TemplateCache(cache_folder / "jinja", write=write_cache)
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


def cached_protocols(content: tuple[Path, ...], folder: Path, write: bool = False
                     ) -> dict[str, Protocol]:
    """load_protocols, kept between runs in the build state folder (.rehab/protocols/): a new
    `rehab` process reads the protocols' YAML (some 60 ms) only when it changed.

    The entry's name is a digest of every file under the content folders (path and bytes),
    of the generator's code and of PyYAML's version: anything that could change the result
    makes another name. Protocols with errors are never kept (they are read again, and the
    errors shown). Like the compiled templates beside it, the cache trusts .rehab/, which
    holds the project key; one that cannot be read or written is no cache, never an error.
    """
    import yaml

    digest = hashlib.sha256(f"{code_digest()}\0{yaml.__version__}".encode())
    for root in content:  # each folder's place and every file and folder in it
        digest.update(b"\1" + str(root.resolve()).encode() + b"\0" + bytes([root.is_dir()]))
        for path in sorted(root.rglob("*")) if root.is_dir() else ():
            digest.update(b"\0" + path.relative_to(root).as_posix().encode() + b"\0")
            if path.is_file():
                digest.update(hashlib.sha256(path.read_bytes()).digest())
    entry = folder / f"{digest.hexdigest()[:32]}.pickle"
    try:
        return pickle.loads(entry.read_bytes())
    except Exception:  # noqa: BLE001 - missing, cut short, from another version: read again
        pass
    protocols = load_protocols(content)
    if write:
        _keep(folder, entry, pickle.dumps(protocols, protocol=pickle.HIGHEST_PROTOCOL))
    return protocols


def _keep(folder: Path, entry: Path, data: bytes) -> None:
    """The one entry of the cache, written whole and moved into place (others removed)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.pickle"):
            old.unlink(missing_ok=True)
        fd, temp = tempfile.mkstemp(prefix=".protocols-", dir=folder)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(temp, entry)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
    except OSError:
        pass
