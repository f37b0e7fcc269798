"""Per-athlete build units: profile -> plan -> files, written atomically into site/<folder>/."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import signal
import tempfile
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from generator.errors import InputError, Problem
from generator.plan import Plan, Referral
from generator.profile import Profile, check_id, check_inside, load_profile, profile_path
from generator.protocol import Protocol, load_protocols
from generator.render.environment import check_templates, make_environment, template_error
from generator.render.html import Presentation, render_handout, render_page
from generator.render.ics import render_calendar
from generator.render.jsonfile import indented_json
from generator.render.offline import offline_files
from generator.schedule import schedule
from generator.secret import folder_token, load_or_create_key

ROBOTS = "User-agent: *\nDisallow: /\n"


@dataclass(frozen=True)
class Settings:
    plans: Path = Path("plans")
    content: Path = Path("content")
    templates: Path = Path("templates")
    out: Path = Path("site")
    today: dt.date = field(default_factory=dt.date.today)
    pdf: bool = True
    paper: str = "a4"  # handout paper unless a profile names its own
    base_url: str | None = None  # where site/ is served; enables the handout's QR code
    secret_file: Path | None = None  # default: .rehab/secret.key beside plans/

    @property
    def key_file(self) -> Path:
        """Outside site/, in the project folder (the parent of plans/), ignored by git."""
        return self.secret_file or self.plans.parent / ".rehab" / "secret.key"


@dataclass(frozen=True)
class Outcome:
    athlete: str
    # built | unchanged (an incremental build skipped it) | failed | referral
    status: str
    folder: Path | None = None
    problems: tuple[Problem, ...] = ()
    reasons: tuple[str, ...] = ()
    error: BaseException | None = field(default=None, compare=False)  # a bug, for --debug
    warnings: tuple[str, ...] = ()  # the plan's "Check" notes, also shown on the plan
    protocol: str = ""  # the protocol id the plan used (for the build state)
    files: tuple[str, ...] = ()  # names written into folder

    @property
    def ok(self) -> bool:
        return self.status in ("built", "unchanged")


def profile_paths(plans_dir: Path, ids: tuple[str, ...] = ()) -> list[Path]:
    """The profiles to build: all of plans/*.yaml, or the named ids (missing ones included)."""
    if not plans_dir.is_dir():
        raise InputError.single(str(plans_dir), "plans folder not found",
                                hint="run from the project folder or pass --plans")
    if ids:
        return [profile_path(plans_dir, athlete) for athlete in ids]
    return sorted(p for p in plans_dir.glob("*.yaml") if p.is_file())


def plan_json(plan: Plan) -> str:
    # indented_json(x) == json.dumps(x, indent=2, ensure_ascii=False), without the slow path
    return indented_json(plan.to_dict()) + "\n"


class Build:
    """Shared, read-only inputs of one build: protocols, templates, one PDF renderer."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.protocols: dict[str, Protocol] = load_protocols(settings.content)
        self.env = make_environment(settings.templates)
        check_templates(self.env)  # template errors surface before any athlete
        self._pdf = None
        self._key: bytes | None = None

    @property
    def key(self) -> bytes:
        """The project key, created on the first build; `check` and `plan` never need it."""
        if self._key is None:
            key_file = self.settings.key_file
            if key_file.resolve().is_relative_to(self.settings.out.resolve()):
                raise InputError.single(str(key_file), "the key file must not be inside the "
                                        "site folder: it would be published",
                                        hint="pass a --plans or --out elsewhere")
            self._key = load_or_create_key(key_file)
        return self._key

    def folder(self, athlete: str) -> Path:
        return self.settings.out / output_folder(athlete, self.key)

    @property
    def pdf(self):
        if self._pdf is None:
            from generator.render.pdf import PdfRenderer

            self._pdf = PdfRenderer([self.settings.templates, self.settings.content])
        return self._pdf

    def plan_for(self, path: Path) -> tuple[Profile, Plan | Referral]:
        """Profile and its plan (or referral); raises InputError."""
        check_id(path)
        if not path.is_file():
            raise InputError.single(str(path), "profile not found",
                                    hint=f"create it with `rehab new {path.stem}`")
        check_inside(path, self.settings.plans)
        profile = load_profile(path, self.protocols, self.settings.today)
        return profile, schedule(profile, self.protocols[profile.protocol], self.settings.today)

    def artifacts(self, profile: Profile, plan: Plan) -> dict[str, bytes]:
        protocol = self.protocols[profile.protocol]
        look = self.presentation(profile)
        handout = None
        try:
            files = {
                "index.html": render_page(self.env, plan, protocol, profile, look).encode(),
                "plan.json": plan_json(plan).encode(),
                "plan.ics": render_calendar(plan, protocol, profile.clinician, look.page_url),
            }
            if self.settings.pdf:
                handout = render_handout(self.env, plan, protocol, profile, look)
        except jinja2.TemplateError as err:  # e.g. a misspelt variable in a template
            raise template_error(err) from None
        if handout is not None:
            files["plan.pdf"] = self.pdf.render(handout, self.settings.templates)
        files.update(offline_files(self.env, plan, files))  # last: it hashes the others
        return files

    def presentation(self, profile: Profile) -> Presentation:
        base = self.settings.base_url
        url = f"{base.rstrip('/')}/{self.folder(profile.id).name}/" if base else None
        return Presentation(paper=profile.paper or self.settings.paper, page_url=url,
                            pdf=self.settings.pdf)

    def build_one(self, path: Path) -> Outcome:
        """One athlete, whatever happens to the others: a failure here stops nobody else."""
        athlete = path.stem
        try:
            profile, plan = self.plan_for(path)
        except InputError as err:
            return Outcome(athlete, "failed", problems=err.problems)
        except Exception as err:  # a bug met by this profile only: report it, build the rest
            return Outcome(athlete, "failed", problems=(_internal(path, err),), error=err)
        if isinstance(plan, Referral):
            # A plan for a fracture that needs surgery must not stay online.
            try:
                remove_output(self.settings.out, self.folder(athlete).name)
            except InputError as err:
                return Outcome(athlete, "failed", problems=err.problems)
            return Outcome(athlete, "referral", reasons=plan.reasons)
        try:
            folder = self.folder(profile.id)
            if folder.is_symlink():
                raise InputError.single(str(folder), "is a symbolic link; not written through",
                                        hint="remove it; the build makes a real folder")
            files = self.artifacts(profile, plan)
            write_atomically(folder, files, self.staging)
        except InputError as err:
            return Outcome(athlete, "failed", problems=err.problems)
        except OSError as err:  # a full disk, a read-only site folder ...
            problem = Problem(file=str(self.settings.out), message=f"could not write "
                              f"{athlete}'s files: {err.strerror or err}",
                              hint="their previous pages, if any, are unchanged")
            return Outcome(athlete, "failed", problems=(problem,))
        except Exception as err:
            return Outcome(athlete, "failed", problems=(_internal(path, err),), error=err)
        return Outcome(athlete, "built", folder=folder, warnings=plan.warnings,
                       protocol=profile.protocol, files=tuple(sorted(files)))

    def finish(self) -> None:
        """Site-wide files that name no athlete."""
        write_atomically(self.settings.out, {"robots.txt": ROBOTS.encode()}, self.staging)

    @property
    def staging(self) -> Path:
        """Same file system as the site (so moves are atomic), never inside it."""
        return self.settings.out.resolve().parent


def _internal(path: Path, err: Exception) -> Problem:
    return Problem(file=str(path), message=f"internal error: {type(err).__name__}: {err}",
                   hint="a bug in rehab, not in the profile; rerun with --debug and report it")


def output_folder(athlete: str, key: bytes) -> str:
    """The athlete's folder in site/: an HMAC of the id, so no one can guess it from a name."""
    return folder_token(key, athlete)


def remove_output(out: Path, folder_name: str) -> bool:
    """Remove one athlete's folder from the site; True if there was one."""
    if not folder_name or folder_name in (".", "..") or Path(folder_name).name != folder_name:
        return False  # a damaged state file must never point the build outside site/
    folder = out / folder_name
    if folder.is_symlink():
        folder.unlink()
    elif folder.is_dir():
        shutil.rmtree(folder)
    else:
        return False
    return True


def is_athlete_folder(folder: Path) -> bool:
    """A folder this tool wrote: only files, among them index.html and a plan.json of ours."""
    if folder.is_symlink() or not folder.is_dir():
        return False
    entries = list(folder.iterdir())
    if any(entry.is_dir() or entry.is_symlink() for entry in entries):
        return False
    try:
        data = json.loads((folder / "plan.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (folder / "index.html").is_file() and isinstance(data, dict) and {
        "schema", "athlete", "weeks"} <= data.keys()


def remove_stale_folders(out: Path, keep: set[str]) -> list[Path]:
    """Remove athletes' folders that no profile maps to any more (a rotated key, a deleted
    profile); folders the tool did not write are never touched."""
    if not out.is_dir():
        return []
    removed = []
    for folder in sorted(out.iterdir()):
        if folder.name not in keep and is_athlete_folder(folder):
            shutil.rmtree(folder)
            removed.append(folder)
    return removed


def write_atomically(folder: Path, files: dict[str, bytes], staging_root: Path) -> None:
    """Stage every file completely in `staging_root` (outside the site), then move each into place.

    A crash at any moment leaves each file either old and whole, or new and whole.
    """
    folder.mkdir(parents=True, exist_ok=True)
    staging_root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".rehab-staging-", dir=staging_root) as staging:
        staged = []
        for name, data in sorted(files.items()):
            path = Path(staging) / name
            with open(path, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            staged.append((path, folder / name))
        with _ctrl_c_deferred():  # the moves are quick: let them finish as one set
            for source, target in staged:
                os.replace(source, target)


@contextmanager
def _ctrl_c_deferred():
    """Hold SIGINT until the block ends, so Ctrl-C cannot mix old and new files of one athlete."""
    can_block = hasattr(signal, "pthread_sigmask") and (
        threading.current_thread() is threading.main_thread())
    if can_block:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        if can_block:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def check_all(settings: Settings, ids: tuple[str, ...] = ()) -> list[Outcome]:
    """Validate content, templates and every named profile; write nothing."""
    build = Build(settings)
    outcomes = []
    for path in profile_paths(settings.plans, ids):
        try:
            plan = build.plan_for(path)[1]
            if isinstance(plan, Referral):
                outcomes.append(Outcome(path.stem, "referral", reasons=plan.reasons))
            else:
                outcomes.append(Outcome(path.stem, "built", warnings=plan.warnings))
        except InputError as err:
            outcomes.append(Outcome(path.stem, "failed", problems=err.problems))
        except Exception as err:
            outcomes.append(Outcome(path.stem, "failed", problems=(_internal(path, err),),
                                    error=err))
    return outcomes
