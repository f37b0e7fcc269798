"""Per-athlete build units: profile -> plan -> files, written atomically into site/<folder>/."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from generator.errors import InputError, NeedsReferral, Problem
from generator.plan import Plan
from generator.profile import Profile, check_id, load_profile
from generator.protocol import Protocol, load_protocols
from generator.render.environment import load_template, make_environment
from generator.render.html import render_handout, render_page
from generator.render.jsonfile import indented_json
from generator.schedule import schedule

ROBOTS = "User-agent: *\nDisallow: /\n"


@dataclass(frozen=True)
class Settings:
    plans: Path = Path("plans")
    content: Path = Path("content")
    templates: Path = Path("templates")
    out: Path = Path("site")
    today: dt.date = field(default_factory=dt.date.today)
    pdf: bool = True


@dataclass(frozen=True)
class Outcome:
    athlete: str
    status: str  # built | unchanged (incremental build skipped it) | failed | referral
    folder: Path | None = None
    problems: tuple[Problem, ...] = ()
    reasons: tuple[str, ...] = ()
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
        return [plans_dir / f"{athlete}.yaml" for athlete in ids]
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
        for name in ("plan.html", "handout.html"):
            load_template(self.env, name)  # template errors surface before any athlete
        self._pdf = None

    @property
    def pdf(self):
        if self._pdf is None:
            from generator.render.pdf import PdfRenderer

            self._pdf = PdfRenderer([self.settings.templates, self.settings.content])
        return self._pdf

    def plan_for(self, path: Path) -> tuple[Profile, Plan]:
        """Profile and plan, or InputError / NeedsReferral."""
        check_id(path)
        if not path.is_file():
            raise InputError.single(str(path), "profile not found",
                                    hint=f"create it with `rehab new {path.stem}`")
        profile = load_profile(path, self.protocols, self.settings.today)
        return profile, schedule(profile, self.protocols[profile.protocol], self.settings.today)

    def artifacts(self, profile: Profile, plan: Plan) -> dict[str, bytes]:
        protocol = self.protocols[profile.protocol]
        files = {
            "index.html": render_page(self.env, plan, protocol, profile).encode(),
            "plan.json": plan_json(plan).encode(),
        }
        if self.settings.pdf:
            handout = render_handout(self.env, plan, protocol, profile)
            files["plan.pdf"] = self.pdf.render(handout, self.settings.templates)
        return files

    def build_one(self, path: Path) -> Outcome:
        athlete = path.stem
        try:
            profile, plan = self.plan_for(path)
        except InputError as err:
            return Outcome(athlete, "failed", problems=err.problems)
        except NeedsReferral as referral:
            # A plan for a fracture that needs surgery must not stay online.
            remove_output(self.settings.out, athlete)
            return Outcome(athlete, "referral", reasons=referral.reasons)
        folder = self.settings.out / output_folder(profile.id)
        files = self.artifacts(profile, plan)
        write_atomically(folder, files, self.staging)
        return Outcome(athlete, "built", folder=folder, protocol=profile.protocol,
                       files=tuple(sorted(files)))

    def finish(self) -> None:
        """Site-wide files that name no athlete."""
        write_atomically(self.settings.out, {"robots.txt": ROBOTS.encode()}, self.staging)

    @property
    def staging(self) -> Path:
        """Same file system as the site (so moves are atomic), never inside it."""
        return self.settings.out.resolve().parent


def output_folder(athlete: str) -> str:
    return athlete


def remove_output(out: Path, athlete: str) -> None:
    folder = out / output_folder(athlete)
    if folder.is_dir():
        shutil.rmtree(folder)


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
        for source, target in staged:
            os.replace(source, target)


def build_all(settings: Settings, ids: tuple[str, ...] = (), write: bool = True) -> list[Outcome]:
    """Build (or with write=False only check) every named athlete; one failure stops no other."""
    build = Build(settings)
    outcomes = []
    for path in profile_paths(settings.plans, ids):
        if write:
            outcomes.append(build.build_one(path))
            continue
        try:
            build.plan_for(path)
            outcomes.append(Outcome(path.stem, "built"))
        except InputError as err:
            outcomes.append(Outcome(path.stem, "failed", problems=err.problems))
        except NeedsReferral as referral:
            outcomes.append(Outcome(path.stem, "referral", reasons=referral.reasons))
    if write:
        build.finish()
    return outcomes
