"""The whole-site build: which athletes need building (incremental) and in how many processes.

Every athlete is an independent unit (generator.build.Build.build_one). This module decides
which units to run, from the build state (generator.buildstate), runs them in this process
or in a pool of worker processes, and records what each built output was made from.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from generator.build import (
    Build,
    Outcome,
    Settings,
    profile_paths,
    remove_output,
    remove_stale_folders,
)
from generator.buildstate import (
    BuildState,
    SharedInputs,
    athlete_inputs,
    digest_bytes,
    state_path,
)

# Below this many HTML-only athletes, starting worker processes costs more than it saves.
# With PDFs (about a second each) two athletes are already worth a pool.
POOL_MIN_HTML_ONLY = 64

# progress(total) -> a context manager yielding advance(n); the CLI passes a progress bar.
Progress = Callable[[int], contextlib.AbstractContextManager[Callable[[int], None]]]


@dataclass(frozen=True)
class SiteReport:
    outcomes: list[Outcome]  # in profile order; status "unchanged" for athletes skipped
    removed: tuple[str, ...] = ()  # athletes whose profile is gone: their output was removed
    # folders no profile maps to any more (a rotated key, a lost state file), removed
    removed_folders: tuple[Path, ...] = ()
    reasons: dict[str, str] = field(default_factory=dict)  # athlete -> why it was built


def _no_progress(total: int):
    return contextlib.nullcontext(lambda n: None)


@dataclass
class _Survey:
    """What a build found before building: who is current, who is not and why."""

    shared: SharedInputs
    build: Build
    state: BuildState
    paths: list[Path]
    todo: list[tuple[Path, str]]  # (profile, its digest as read before building)
    outcomes: dict[str, Outcome]  # the unchanged athletes so far
    reasons: dict[str, str]  # athlete -> why it needs building


def _survey(settings: Settings, ids: tuple[str, ...], force: bool) -> _Survey:
    # Digest the shared inputs before anything reads them: if a file changes during the
    # build, the state records the older digest and the next build catches up.
    shared = SharedInputs.of(settings.templates, settings.today, {
        "pdf": settings.pdf, "paper": settings.paper, "base_url": settings.base_url or ""})
    build = Build(settings)  # content and template errors stop here, before any athlete
    out = settings.out
    state = BuildState.load(state_path(out))
    survey = _Survey(shared, build, state, profile_paths(settings.plans, ids), [], {}, {})
    for path in survey.paths:
        athlete = path.stem
        try:
            profile_digest = digest_bytes(path.read_bytes())
        except OSError:
            survey.todo.append((path, ""))  # build_one reports it (not found, not readable)
            survey.reasons[athlete] = "profile not readable"
            continue
        entry = state.athletes.get(athlete)
        # The protocol an unchanged profile names is the one it named last time.
        protocol_id = entry.inputs.get("protocol_id", "") if entry else ""
        protocol = build.protocols.get(protocol_id)
        inputs = athlete_inputs(shared, profile_digest, protocol_id,
                                protocol.digest if protocol else "")
        reason = "forced" if force else state.stale_reason(
            athlete, inputs, out, build.folder(athlete).name)
        if reason is None:
            survey.outcomes[athlete] = Outcome(
                athlete, "unchanged", folder=out / entry.folder, protocol=protocol_id,
                files=tuple(entry.files))
        else:
            survey.reasons[athlete] = reason
            survey.todo.append((path, profile_digest))
    return survey


def stale_athletes(settings: Settings, ids: tuple[str, ...] = ()) -> dict[str, str]:
    """Athlete -> why the next build would build them; builds nothing."""
    return _survey(settings, ids, force=False).reasons


def build_site(settings: Settings, ids: tuple[str, ...] = (), *, jobs: int | None = None,
               force: bool = False, progress: Progress = _no_progress,
               mp_context=None) -> SiteReport:
    """Build every athlete whose inputs or outputs changed; with no ids, drop deleted ones."""
    survey = _survey(settings, ids, force)
    state, outcomes, out = survey.state, survey.outcomes, settings.out
    removed: list[str] = []
    removed_folders: list[Path] = []
    try:
        # A whole-site build knows every athlete; an empty plans/ is more likely a wrong
        # --plans than a clinic that discharged everyone at once: then nothing is removed.
        if not ids and survey.paths:
            for athlete in sorted(set(state.athletes) - {p.stem for p in survey.paths}):
                remove_output(out, state.athletes.pop(athlete).folder)
                removed.append(athlete)
        digests = {p.stem: d for p, d in survey.todo}
        runs = _run(survey.build, [p for p, _ in survey.todo], jobs, progress, mp_context)
        with contextlib.closing(runs):
            for outcome in runs:
                outcomes[outcome.athlete] = outcome
                moved_from = _record(state, outcome, survey.shared, digests[outcome.athlete],
                                     survey.build, out)
                if moved_from is not None:
                    removed_folders.append(moved_from)
        survey.build.finish()
        if not ids and survey.paths:
            keep = {survey.build.folder(p.stem).name for p in survey.paths}
            removed_folders += remove_stale_folders(out, keep)
    finally:
        state.save()  # also after an interruption: what was built is known
    return SiteReport([outcomes[p.stem] for p in survey.paths], tuple(removed),
                      tuple(removed_folders), survey.reasons)


def _record(state: BuildState, outcome: Outcome, shared: SharedInputs, profile_digest: str,
            build: Build, out: Path) -> Path | None:
    """Keep the state true to site/ after one athlete's build; returns the athlete's old
    folder if the build moved them to a new one (a rotated key) and removed it."""
    moved_from = None
    before = state.athletes.get(outcome.athlete)
    if outcome.status == "built" and outcome.folder is not None:
        folder = outcome.folder.name
        if not profile_digest:  # unreadable when checked, readable when built: trust nothing
            state.athletes.pop(outcome.athlete, None)
            return None
        if before is not None:
            # Output of the last build that this build did not make again is removed:
            # the site holds exactly what a fresh build would write.
            if before.folder != folder:
                if remove_output(out, before.folder):
                    moved_from = out / before.folder
            else:
                for name in set(before.files) - set(outcome.files):
                    (out / folder / name).unlink(missing_ok=True)
        protocol = build.protocols[outcome.protocol]
        state.record(outcome.athlete,
                     athlete_inputs(shared, profile_digest, outcome.protocol, protocol.digest),
                     out, folder, outcome.files)
    elif outcome.status == "referral":
        state.athletes.pop(outcome.athlete, None)
        if before is not None:
            remove_output(out, before.folder)
    # failed: the last good output and its entry stay; the changed profile digest means
    # the athlete is tried again (and the error shown again) on every build until fixed.
    return moved_from


def default_jobs() -> int:
    return os.cpu_count() or 1


def _run(build: Build, paths: list[Path], jobs: int | None, progress: Progress,
         mp_context) -> Iterator[Outcome]:
    """Outcomes in any order: here for small builds, else in a pool of worker processes."""
    jobs = max(1, jobs or default_jobs())
    worth_a_pool = len(paths) >= (2 if build.settings.pdf else POOL_MIN_HTML_ONLY)
    with progress(len(paths)) as advance:
        if jobs == 1 or not worth_a_pool:
            for path in paths:
                yield build.build_one(path)
                advance(1)
            return
        workers = min(jobs, len(paths))
        # A handout takes about a second: one athlete per task keeps the workers evenly
        # busy. A page takes milliseconds: batches keep the hand-over cost out of sight.
        size = 1 if build.settings.pdf else max(1, min(32, len(paths) // (workers * 8)))
        batches = [paths[i:i + size] for i in range(0, len(paths), size)]
        with ProcessPoolExecutor(max_workers=workers, mp_context=mp_context,
                                 initializer=_start_worker,
                                 initargs=(build.settings,)) as pool:
            futures = [pool.submit(_build_in_worker, batch) for batch in batches]
            try:
                for future in as_completed(futures):
                    outcomes = future.result()
                    yield from outcomes
                    advance(len(outcomes))
            except BaseException:
                for future in futures:
                    future.cancel()
                raise


_worker_build: Build | None = None


def _start_worker(settings: Settings) -> None:
    """Once per worker process: load the inputs, import WeasyPrint, make the font config."""
    global _worker_build
    _worker_build = Build(settings)
    if settings.pdf:
        _worker_build.pdf  # noqa: B018 - the import and font configuration, paid once here


def _build_in_worker(paths: list[Path]) -> list[Outcome]:
    assert _worker_build is not None, "worker started without _start_worker"
    return [_worker_build.build_one(path) for path in paths]
