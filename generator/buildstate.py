"""What each athlete's output was built from, so an unchanged athlete is not built again.

The state is a JSON file outside site/ (`.rehab/<out>.state.json` beside the output folder).
Per athlete it records a digest of every input the build read for them, the folder it wrote
and the size and modification time of every file it wrote. An athlete is rebuilt when any
input differs or any output file is missing or was touched since; nothing else is trusted.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import generator
from generator.secret import private_folder

STATE_SCHEMA = 1
# Libraries whose version can change the bytes of an output file.
OUTPUT_LIBRARIES = ("jinja2", "markdown-it-py", "pyyaml", "weasyprint", "pydyf", "fonttools",
                    "orjson")


def state_path(out: Path) -> Path:
    """`site/` -> `.rehab/site.state.json` in the folder that holds it (never inside the site)."""
    out = out.resolve()
    return out.parent / ".rehab" / f"{out.name}.state.json"


def digest_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def digest_tree(folders: Path | tuple[Path, ...]) -> str:
    """Every file under the folder, by relative path and content (templates and their assets).
    Given several folders, a file hides the file of the same path in a later folder."""
    files: dict[str, Path] = {}
    for folder in (folders,) if isinstance(folders, Path) else folders:
        if folder.is_dir():
            for path in folder.rglob("*"):
                if path.is_file():
                    files.setdefault(path.relative_to(folder).as_posix(), path)
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0")
        digest.update(hashlib.sha256(files[name].read_bytes()).digest())
    return digest.hexdigest()


def code_digest() -> str:
    """The generator's own version and code, and its interface catalogues."""
    return _code_digest(generator.__version__)


# Read once per process (and version): a process runs the code it started with, so a long
# `rehab serve` does not record code edited since as the code that made its output.
@functools.lru_cache(maxsize=4)
def _code_digest(version: str) -> str:
    digest = hashlib.sha256(version.encode())
    package = Path(generator.__file__).parent
    # the code, and the interface catalogues (generator/locale/*/LC_MESSAGES/messages.po)
    for path in sorted([*package.rglob("*.py"), *package.rglob("*.po")]):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def tool_digest() -> str:
    """The generator's own version and code, and the versions of the libraries that render."""
    return _tool_digest(code_digest())


@functools.lru_cache(maxsize=4)  # the libraries a process imported stay the same in it
def _tool_digest(code: str) -> str:
    from importlib import metadata  # slow to import; only builds need it

    digest = hashlib.sha256(code.encode())
    for name in OUTPUT_LIBRARIES:
        try:
            digest.update(f"{name}={metadata.version(name)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{name}=none".encode())
    return digest.hexdigest()


@dataclass(frozen=True)
class SharedInputs:
    """Inputs every athlete's build reads, digested once per build before anything is read."""

    templates: str
    tool: str
    options: str
    today: str  # the date itself: every page prints "as of <date>" and marks the current week

    @classmethod
    def of(cls, templates: Path | tuple[Path, ...], today: dt.date,
           options: dict) -> SharedInputs:
        return cls(templates=digest_tree(templates), tool=tool_digest(),
                   options=json.dumps(options, sort_keys=True), today=today.isoformat())


def athlete_inputs(shared: SharedInputs, profile: str, protocol_id: str,
                   protocol: str) -> dict[str, str]:
    """The digests one athlete's output depends on, named so a rebuild can say why."""
    return {"profile": profile, "protocol_id": protocol_id, "protocol": protocol,
            "templates": shared.templates, "tool": shared.tool, "options": shared.options,
            "today": shared.today}


# The first input that differs names the reason for a rebuild.
# (protocol_id needs no reason: it is read from the profile, so it changes only with it.)
REASONS = {"profile": "profile changed", "protocol": "protocol content changed",
           "templates": "templates changed", "tool": "generator version changed",
           "options": "build options changed",
           "today": "date changed"}


def file_stamp(path: Path) -> list[int]:
    status = path.stat()
    return [status.st_size, status.st_mtime_ns]


@dataclass
class AthleteEntry:
    inputs: dict[str, str]
    folder: str
    files: dict[str, list[int]]  # name -> [size, mtime_ns] as written


class BuildState:
    """The state file's content: athlete id -> AthleteEntry. Unreadable state means rebuild all."""

    def __init__(self, path: Path, athletes: dict[str, AthleteEntry] | None = None,
                 text: str = ""):
        self.path = path
        self.athletes: dict[str, AthleteEntry] = athletes or {}
        self._text = text  # as read: a build that changed nothing does not write it again

    @classmethod
    def load(cls, path: Path) -> BuildState:
        try:
            text = path.read_text(encoding="utf-8")
            raw = json.loads(text)
            if raw.get("schema") != STATE_SCHEMA:
                return cls(path)
            return cls(path, {athlete: AthleteEntry(entry["inputs"], entry["folder"],
                                                    entry["files"])
                              for athlete, entry in raw["athletes"].items()}, text)
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return cls(path)  # missing or damaged: the safe answer is "nothing is known"

    def save(self) -> None:
        """Written whole elsewhere and moved into place, like every output file."""
        document = {"schema": STATE_SCHEMA, "athletes": {
            athlete: {"inputs": e.inputs, "folder": e.folder, "files": e.files}
            for athlete, e in sorted(self.athletes.items())}}
        text = json.dumps(document, separators=(",", ":"))
        if text == self._text:
            return
        private_folder(self.path.parent)
        fd, temp = tempfile.mkstemp(prefix=".state-", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.replace(temp, self.path)
            self._text = text
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise

    def stale_reason(self, athlete: str, inputs: dict[str, str], out: Path,
                     folder: str) -> str | None:
        """Why the athlete must be built, or None when their output is current and intact."""
        entry = self.athletes.get(athlete)
        if entry is None:
            return "new"
        for key, reason in REASONS.items():
            if entry.inputs.get(key) != inputs.get(key):
                return reason
        if entry.folder != folder:
            return "output folder changed"
        for name, stamp in entry.files.items():
            try:
                if file_stamp(out / folder / name) != stamp:
                    return f"{name} changed in the output"
            except OSError:
                return f"{name} missing from the output"
        return None

    def record(self, athlete: str, inputs: dict[str, str], out: Path, folder: str,
               files: tuple[str, ...]) -> None:
        self.athletes[athlete] = AthleteEntry(
            inputs=inputs, folder=folder,
            files={name: file_stamp(out / folder / name) for name in files})


@dataclass
class Survey:
    """What a build found before building: who is current, who is not and why."""

    todo: list[tuple[Path, str]] = field(default_factory=list)  # (profile, its digest as read)
    current: dict[str, AthleteEntry] = field(default_factory=dict)  # output current and intact
    reasons: dict[str, str] = field(default_factory=dict)  # athlete -> why it needs building


def survey(state: BuildState, paths: list[Path], shared: SharedInputs,
           protocol_digests: dict[str, str], folder_of: Callable[[str], str], out: Path,
           force: bool = False) -> Survey:
    """Compare each profile's inputs with the state; reads every profile once, builds nothing."""
    found = Survey()
    for path in paths:
        athlete = path.stem
        try:
            profile_digest = digest_bytes(path.read_bytes())
        except OSError:
            found.todo.append((path, ""))  # the build reports it (not found, not readable)
            found.reasons[athlete] = "profile not readable"
            continue
        entry = state.athletes.get(athlete)
        # The protocol an unchanged profile names is the one it named last time.
        protocol_id = entry.inputs.get("protocol_id", "") if entry else ""
        inputs = athlete_inputs(shared, profile_digest, protocol_id,
                                protocol_digests.get(protocol_id, ""))
        reason = "forced" if force else state.stale_reason(athlete, inputs, out,
                                                           folder_of(athlete))
        if reason is None:
            found.current[athlete] = entry
        else:
            found.reasons[athlete] = reason
            found.todo.append((path, profile_digest))
    return found
