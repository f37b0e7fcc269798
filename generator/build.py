"""The build: load -> plan -> render -> write, for every athlete whose inputs changed.

    load.py              the profiles to build; protocols, templates and the key, read once
    plan_athlete()       profile -> Plan, by schedule.py (the clinical core)
    render/artifacts.py  Plan -> {file name: bytes}
    write.py             each athlete's folder built whole beside the old one, switched in
    buildstate.py        what each athlete's files were made from: who needs building
    workers.py           athletes in this process, or in a pool of worker processes
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from generator.buildstate import BuildState, SharedInputs, athlete_inputs, state_path, survey
from generator.config import Settings
from generator.errors import InputError, Problem
from generator.i18n import DEFAULT_LANGUAGE, languages
from generator.load import Inputs, check_profile_path, profile_paths
from generator.overlay import content_languages
from generator.plan import Note, Plan, Referral
from generator.profile import Profile, load_profile
from generator.protocol import Protocol, in_language
from generator.schedule import schedule
from generator.secret import (
    check_key_place,
    load_or_create_key,
    make_new_key,
    missing_key_error,
    private_folder,
)
from generator.workers import Progress, Workers, no_progress
from generator.write import (
    SiteWriteError,
    finish,
    prepare,
    published_folders,
    remove_output,
    site_lock,
    sync_folder,
    write_file,
    write_folder,
)

if TYPE_CHECKING:  # rendering (Jinja filters' Markdown, the calendar) is loaded by a build
    from generator.render.artifacts import Renderer  # only, not by `rehab check`


class Built(StrEnum):
    """What became of one athlete in a build."""

    BUILT = "built"
    UNCHANGED = "unchanged"  # an incremental build found their output current
    FAILED = "failed"  # their last good output stays
    REFERRAL = "referral"  # no plan; their published plan was withdrawn


@dataclass(frozen=True)
class Outcome:
    athlete: str
    status: Built
    folder: Path | None = None
    problems: tuple[Problem, ...] = ()
    reasons: tuple[str, ...] = ()
    error: BaseException | None = field(default=None, compare=False)  # a bug, for --debug
    warnings: tuple[Note, ...] = ()  # what the clinician should look at (plan.to_review)
    protocol: str = ""  # the protocol id the plan used (for the build state)
    language: str = ""  # the language the athlete reads the plan in (built plans)
    files: tuple[str, ...] = ()  # every file of the folder, as this build made it
    part: str = "all"  # page | handout when `rehab serve` writes the page first
    clinician_notes: str = ""  # the profile's notes for the clinic only (never in site/)

    @property
    def ok(self) -> bool:
        return self.status in (Built.BUILT, Built.UNCHANGED)


@dataclass(frozen=True)
class SiteReport:
    outcomes: list[Outcome]  # in profile order; status "unchanged" for athletes skipped
    removed: tuple[str, ...] = ()  # athletes whose profile is gone: their output was removed
    # athletes' earlier folders, removed when a new key moved them
    removed_folders: tuple[Path, ...] = ()
    reasons: dict[str, str] = field(default_factory=dict)  # athlete -> why it was built
    # what went wrong for the site as a whole (robots.txt or the build state not written)
    problems: tuple[Problem, ...] = ()
    new_key: Path | None = None  # the key file, when this build made the project key
    key_replaced: bool = False  # --new-key: it took the place of an old one
    # protocol text an athlete reads in English though a translation of it exists in part
    untranslated: tuple[Problem, ...] = ()


def plan_athlete(path: Path, inputs: Inputs, for_clinic: bool = False
                 ) -> tuple[Profile | None, Plan | Referral]:
    """Profile and plan (or referral); raises InputError. Every profile is read here.

    The plan speaks the athlete's language; `for_clinic`: the clinic's (English), for what
    only the clinician reads (check, status, the build report's notes)."""
    check_profile_path(path, inputs.settings.plans)
    try:
        profile = load_profile(path, inputs.protocols, inputs.settings.today, inputs.starter)
    except InputError as err:
        if err.referral:  # a referral rule holds whatever else is wrong: no plan
            return None, Referral(path.stem, "", err.referral, err.problems)
        raise
    # the athlete's language: their profile's, or rehab.yaml's; the plan's words follow it
    profile = replace(profile, language=profile.language or inputs.settings.language)
    return profile, plan_for(profile, inputs, for_clinic)


def plan_for(profile: Profile, inputs: Inputs, for_clinic: bool = False) -> Plan | Referral:
    """The one place a profile is scheduled: on its protocol in the athlete's language, or
    `for_clinic` in the clinic's (English). Raises InputError."""
    protocol = inputs.protocols[profile.protocol] if for_clinic else inputs.protocol(profile)
    return schedule(profile, protocol, inputs.settings.today)


def build_athlete(path: Path, part: str = "all", *, inputs: Inputs,
                  renderer: Renderer) -> Outcome:
    """One athlete, whatever happens to the others: a failure here stops nobody else."""
    athlete, out = path.stem, inputs.settings.out
    try:
        profile, plan = plan_athlete(path, inputs)
    except InputError as err:
        return Outcome(athlete, Built.FAILED, problems=err.problems)
    except Exception as err:  # a bug met by this profile only: report it, build the rest
        return Outcome(athlete, Built.FAILED, problems=(_internal(path, err),), error=err)
    if isinstance(plan, Referral):
        # A plan for a fracture that needs surgery must not stay online.
        try:
            remove_output(out, inputs.folder(athlete).name)
        except InputError as err:
            return Outcome(athlete, Built.FAILED, problems=err.problems)
        except OSError as err:
            return Outcome(athlete, Built.FAILED, problems=(Problem(
                file=str(err.filename or out), message=f"could not remove {athlete}'s plan: "
                f"{err.strerror or err}", hint="remove their folder by hand: they need a "
                "referral, not this plan"),))
        return Outcome(athlete, Built.REFERRAL, reasons=plan.reasons, problems=plan.problems)
    try:
        folder = inputs.folder(profile.id)
        if folder.is_symlink():
            raise InputError.single(str(folder), "is a symbolic link; not written through",
                                    hint="remove it; the build makes a real folder")
        files = renderer.render(profile, plan, inputs.protocol(profile),
                                folder.name, part)
        # Page-first: the page's step keeps the old handout and service worker until the
        # second step, which writes only what the first did not (the handout, the service
        # worker, and any file the profile changed in between). A file whose bytes are in
        # place already (plan.js, the icon, often the handout) is kept, not written and
        # synced to disk again: its time stamp stays, so an upload skips it too.
        # The switch is made durable once per build (site_synced), not once per athlete.
        write_folder(folder, files, keep_others=part == "page", skip_unchanged=True,
                     sync_site=False)
    except InputError as err:
        return Outcome(athlete, Built.FAILED, problems=err.problems)
    except OSError as err:  # a full disk, a read-only site folder ...
        problem = Problem(file=str(folder), message=f"could not write {athlete}'s files: "
                          f"{err.strerror or err}",
                          hint="their previous pages, if any, are unchanged")
        return Outcome(athlete, Built.FAILED, problems=(problem,))
    except Exception as err:
        return Outcome(athlete, Built.FAILED, problems=(_internal(path, err),), error=err)
    warnings = plan.to_review
    if plan.language != DEFAULT_LANGUAGE:  # the build report is the clinic's: in English
        # (the profile as this build read it: not read and checked a second time)
        warnings = plan_for(profile, inputs, for_clinic=True).to_review
    return Outcome(athlete, Built.BUILT, folder=folder, warnings=warnings,
                   protocol=profile.protocol, language=plan.language,
                   files=tuple(sorted(files)), part=part,
                   clinician_notes=profile.clinician_notes)


def build_site(settings: Settings, ids: tuple[str, ...] = (), *, force: bool = False,
               page_first: bool = False, on_built: Callable[[Outcome, str], None] | None = None,
               progress: Progress = no_progress, mp_context=None,
               new_key: bool = False, pdf_helper=None) -> SiteReport:
    """Build every athlete whose inputs or outputs changed; with no ids, drop deleted ones.

    new_key: make a new project key first (every athlete moves to a new folder); without it
    a missing key is an error once any athlete's folder was made with the old one.

    page_first: every page before any handout (`rehab serve`); each file is still written once,
    and a file is only ever replaced, never removed first.
    on_built(outcome, why): called as each athlete's page, handout or whole folder is written.
    pdf_helper: a generator.pdf_helper.PdfHelper started by the caller (WeasyPrint imported
    beside this build's loading and planning); stopped here as soon as it cannot serve.
    """
    out = settings.out
    if pdf_helper is not None and not settings.pdf:
        pdf_helper.stop()
    # Digest the shared inputs before anything reads them: if a file changes during the
    # build, the state records the older digest and the next build catches up.
    shared = SharedInputs.of(settings.template_folders, settings.today, build_options(settings))
    inputs = Inputs(settings, write_cache=True)  # content and template errors stop here
    check_key_place(settings.key_file, out)
    state_file = state_path(out)
    try:
        try:
            private_folder(state_file.parent)
        except OSError as err:
            raise SiteWriteError(err.errno, "cannot write the build state's folder: "
                                 f"{err.strerror}", str(state_file.parent)) from None
        with site_lock(state_file.with_suffix(".lock")):
            prepare(out)
            try:
                state = BuildState.load(state_file)
                made = _key(settings.key_file, out, state, new_key)
                report = _build(settings, ids, inputs, shared, state, force, page_first,
                                on_built, progress, mp_context, pdf_helper)
            finally:
                finish(out)  # however the build ends, no staging folder stays in the site
            return dataclasses.replace(report, new_key=settings.key_file if made else None,
                                       key_replaced=new_key)
    except SiteWriteError as err:
        raise InputError.single(str(err.filename or out), err.strerror, hint=(
            "pass --out a folder" if err.errno == errno.ENOTDIR else
            "nothing was built; the site is as it was")) from None


def _key(key_file: Path, out: Path, state: BuildState, new_key: bool) -> bool:
    """True when this build makes the project key. A key that is missing while folders made
    with it exist stops the build: a new key would move everyone to a new address."""
    if new_key:
        make_new_key(key_file)
        return True
    if key_file.exists():
        return False
    folders = published_folders(out)
    in_state = sum(1 for entry in state.athletes.values() if entry.folder)
    if folders or in_state:
        raise missing_key_error(key_file, out, len(folders), state.path, in_state)
    load_or_create_key(key_file)
    return True


def _build(settings: Settings, ids: tuple[str, ...], inputs: Inputs, shared: SharedInputs,
           state: BuildState, force: bool, page_first: bool,
           on_built: Callable[[Outcome, str], None] | None, progress: Progress,
           mp_context, pdf_helper=None) -> SiteReport:
    """build_site with the site locked and its staging cleared."""
    from generator.render.artifacts import Renderer, site_files

    out = settings.out
    paths = profile_paths(settings.plans, ids)
    found = survey(state, paths, shared, {p: v.digest for p, v in inputs.protocols.items()},
                   lambda athlete: inputs.folder(athlete).name, out, force)
    outcomes = {a: Outcome(a, Built.UNCHANGED, folder=out / e.folder,
                           protocol=e.inputs.get("protocol_id", ""), files=tuple(e.files))
                for a, e in found.current.items()}
    parts = ["page", "handout"] if page_first and settings.pdf else ["all"]
    digests = {p.stem: d for p, d in found.todo}
    removed: list[str] = []
    removed_folders: list[Path] = []
    problems: list[Problem] = []
    if pdf_helper is not None and not found.todo:
        pdf_helper.stop()  # nothing to build: no PDF
    local = partial(build_athlete, inputs=inputs,
                    renderer=Renderer(settings, inputs.env, pdf_helper))
    try:
        # A whole-site build knows every athlete; an empty plans/ is more likely a wrong
        # --plans than a clinic that discharged everyone at once: then nothing is removed.
        # Only folders the state says this tool wrote are ever removed.
        if not ids and paths:
            for athlete in sorted(set(state.athletes) - {p.stem for p in paths}):
                try:
                    remove_output(out, state.athletes[athlete].folder)
                except OSError as err:
                    problems.append(Problem(file=str(err.filename or out), message="could not "
                                            f"remove {athlete}'s folder (profile deleted): "
                                            f"{err.strerror or err}"))
                    continue
                del state.athletes[athlete]
                removed.append(athlete)
        todo = [path for path, _ in found.todo]
        with Workers(settings, local, worker_unit, mp_context,
                     on_pool=pdf_helper.stop if pdf_helper else None) as workers:
            for part in parts:
                runs = workers.run(todo, part, progress if part != "page" else no_progress)
                with contextlib.closing(runs):
                    for outcome in runs:
                        outcomes[outcome.athlete] = outcome
                        if part == parts[-1] or outcome.status != Built.BUILT:
                            try:
                                moved = _record(state, outcome, shared,
                                                digests[outcome.athlete], inputs, out)
                            except OSError as err:  # their old folder could not be removed
                                problems.append(Problem(
                                    file=str(err.filename or out), message="could not remove "
                                    f"{outcome.athlete}'s earlier folder: {err.strerror}"))
                                moved = None
                            removed_folders += [moved] if moved else []
                        if on_built and outcome.status == Built.BUILT:
                            on_built(outcome, found.reasons[outcome.athlete])
                todo = [p for p in todo if outcomes[p.stem].status == Built.BUILT]
        for name, data in site_files().items():
            try:
                write_file(out / name, data)
            except OSError as err:
                problems.append(Problem(file=str(out / name), message=f"could not write: "
                                        f"{err.strerror or err}",
                                        hint="the one already there, if any, is unchanged"))
    finally:
        # Every athlete's new folder (its files synced before its switch) made durable at
        # once, before the state says it was built: after a power cut, the state never
        # names a build whose switch was lost.
        sync_folder(out)
        try:
            state.save()  # also after an interruption: what was built is known
        except OSError as err:
            problems.append(Problem(file=str(state.path), message="could not save the build "
                                    f"state: {err.strerror or err}",
                                    hint="the next build builds everyone again"))
    report = [outcomes[p.stem] for p in paths]
    # a build that made plans in another language says what of them fell back to English:
    # the clinic's routine output, after every visit (`rehab check` lists every key); only
    # the translations its athletes read are loaded (an English clinic's build loads none)
    read = {(o.protocol, o.language) for o in report if o.status == Built.BUILT}
    untranslated = tuple(translation_gaps(inputs.protocols, read, every=False))
    return SiteReport(report, tuple(removed), tuple(removed_folders), found.reasons,
                      tuple(problems), untranslated=untranslated)


def build_options(settings: Settings) -> dict:
    """The settings that change an output's bytes (besides the date): part of its inputs."""
    clinic = settings.clinic
    return {"pdf": settings.pdf, "paper": settings.paper, "language": settings.language,
            "base_url": settings.base_url or "",
            "clinic": [clinic.clinic, clinic.phone, clinic.email]}


def worker_unit(settings: Settings) -> Callable[[Path, str], Outcome]:
    """A worker process's build_athlete: inputs read, WeasyPrint and fonts loaded, once."""
    from generator.render.artifacts import Renderer

    inputs = Inputs(settings, write_cache=True)
    renderer = Renderer(settings, inputs.env)
    if settings.pdf:
        renderer.pdf  # noqa: B018 - the import and font configuration, paid once here
    return partial(build_athlete, inputs=inputs, renderer=renderer)


def _record(state: BuildState, outcome: Outcome, shared: SharedInputs, profile_digest: str,
            inputs: Inputs, out: Path) -> Path | None:
    """Keep the state true to site/ after one athlete's build; returns the athlete's old
    folder if the build moved them to a new one (a rotated key) and removed it."""
    moved_from = None
    before = state.athletes.get(outcome.athlete)
    if outcome.status == Built.BUILT and outcome.folder is not None:
        folder = outcome.folder.name
        if not profile_digest:  # unreadable when checked, readable when built: trust nothing
            state.athletes.pop(outcome.athlete, None)
            return None
        # The athlete's last folder, if the key moved them (a rotated key), is removed: the
        # site holds exactly what a fresh build would write.
        if before is not None and before.folder != folder and remove_output(out, before.folder):
            moved_from = out / before.folder
        protocol = inputs.protocols[outcome.protocol]
        state.record(outcome.athlete,
                     athlete_inputs(shared, profile_digest, outcome.protocol, protocol.digest),
                     out, folder, outcome.files)
    elif outcome.status == Built.REFERRAL:
        state.athletes.pop(outcome.athlete, None)
        if before is not None:
            remove_output(out, before.folder)
    # failed: the last good output and its entry stay; the changed profile digest means
    # the athlete is tried again (and the error shown again) on every build until fixed.
    return moved_from


def check_all(settings: Settings, ids: tuple[str, ...] = (),
              untranslated: list[Problem] | None = None) -> list[Outcome]:
    """Validate content, templates and every named profile; write nothing. `untranslated`,
    if given, receives every translation that falls back to English (translation_gaps)."""
    inputs = Inputs(settings)
    outcomes = []
    used: set[tuple[str, str]] = set()  # (protocol, language) of the profiles checked
    for path in profile_paths(settings.plans, ids):
        try:
            profile, plan = plan_athlete(path, inputs, for_clinic=True)
            if profile is not None:
                used.add((profile.protocol, profile.language or settings.language))
            if isinstance(plan, Referral):
                outcomes.append(Outcome(path.stem, Built.REFERRAL, reasons=plan.reasons,
                                        problems=plan.problems))
            else:
                outcomes.append(Outcome(path.stem, Built.BUILT, warnings=plan.to_review,
                                        clinician_notes=profile.clinician_notes))
        except InputError as err:
            outcomes.append(Outcome(path.stem, Built.FAILED, problems=err.problems))
        except Exception as err:
            outcomes.append(Outcome(path.stem, Built.FAILED, problems=(_internal(path, err),),
                                    error=err))
    if untranslated is not None:
        untranslated += translation_gaps(inputs.protocols, used)
    return outcomes


def translation_gaps(protocols: dict[str, Protocol], used: set[tuple[str, str]],
                     every: bool = True) -> list[Problem]:
    """What an athlete reads in English though their language is not: each key a protocol's
    overlay leaves out (file and key), for every language with a catalogue that the protocol
    has any overlay for (`every`; else only the (protocol, language) pairs `used`); and a
    protocol with no translation at all that a profile reads in another language."""
    out: list[Problem] = []
    for protocol in protocols.values():
        wanted = {language for name, language in used if name == protocol.id}
        if not every and not wanted - {DEFAULT_LANGUAGE}:
            continue
        folder = Path(protocol.folder)
        have = content_languages(folder) & set(languages())
        for language in sorted(((have if every else set()) | wanted) - {DEFAULT_LANGUAGE}):
            if language in have:
                out += in_language(protocol, language).untranslated
            else:
                out.append(Problem(file=str(folder), message=f"has no '{language}' "
                                   "translation: its athletes in that language read it in "
                                   "English", hint=f"add protocol.{language}.yaml, exercises."
                                   f"{language}.yaml and text/{language}/ (README: Languages)"))
    return out


def _internal(path: Path, err: Exception) -> Problem:
    return Problem(file=str(path), message=f"internal error: {type(err).__name__}: {err}",
                   hint="a bug in rehab, not in the profile; rerun with --debug and report it")
