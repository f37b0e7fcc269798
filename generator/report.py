"""What a build says when it is done: a line per athlete, then a summary. `rehab build`,
`rehab check` and `rehab serve` all print it from here."""

from __future__ import annotations

import traceback
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from generator.build import Built, Outcome, SiteReport
from generator.errors import Problem
from generator.plan import Note
from generator.secret import BACKUP_HINT
from generator.terminal import for_terminal, json_for_terminal  # noqa: F401 (re-exported)


# Control characters but tab and newline, and the bidi overrides that reorder a line.
@dataclass(frozen=True)
class Line:
    text: str
    error: bool = False  # for stderr: failures and referrals


def referral_lines(athlete: str, reasons: Iterable[str]) -> list[Line]:
    return [Line(f"REFERRAL {athlete}: no plan made, referral needed:",
                 True), *(Line(f"  - {reason}", True) for reason in reasons)]


# A build shows an athlete's notes (check lines, clinician_notes) when the clinician has just
# written their profile; a rebuild for a new day or new templates does not repeat them:
# `rehab check` and `rehab status` show them any time.
NOTES_WHEN = ("new", "profile changed", "forced")
REVIEW_HINT = ("  (a check line ends with its [id]: once read, add the id to the profile's "
               "`reviewed:` list and it is not printed again)")


def athlete_lines(outcome: Outcome, verb: str = "built", note: str = "",
                  list_unchanged: bool = False, debug: bool = False,
                  with_notes: bool = True) -> list[Line]:
    """`note` follows the athlete's name on a built line (serve: what was built, why, when)."""
    athlete = outcome.athlete
    if outcome.status == Built.UNCHANGED:
        return [Line(f"unchanged  {athlete} -> {outcome.folder}/")] if list_unchanged else []
    if outcome.status == Built.BUILT:
        where = f" -> {outcome.folder}/" if outcome.folder else ""
        return [Line(f"{verb:>8}  {athlete}{' ' + note if note else ''}{where}"),
                *(check_lines(athlete, outcome.warnings) if with_notes else []),
                *(notes_lines(athlete, outcome.clinician_notes) if with_notes else [])]
    if outcome.status == Built.REFERRAL:
        return referral_lines(athlete, outcome.reasons) + [
            Line(f"          also: {problem}", True) for problem in outcome.problems]
    lines = [Line(f"  failed  {athlete}:", True),
             *(Line(f"          {problem}", True) for problem in outcome.problems)]
    if debug and outcome.error is not None:
        lines.append(Line("".join(traceback.format_exception(outcome.error)).rstrip("\n"), True))
    return lines


def check_lines(athlete: str, notes: Iterable[Note]) -> list[Line]:
    """The plan's notes for the clinician, each with the id that marks it read."""
    return [Line(f"{'check':>8}  {athlete}: {n.text}" + (f" [{n.id}]" if n.id else ""))
            for n in notes]


def notes_lines(athlete: str, notes: str) -> list[Line]:
    """The profile's clinician_notes, a line each, for the clinician's terminal only."""
    return [Line(f"{'note':>8}  {athlete}: {line}") for line in notes.splitlines()
            if line.strip()]


def report_lines(outcomes: list[Outcome], verb: str = "built", *,
                 removed: Iterable[str] = (), removed_folders: Iterable[Path] = (),
                 notes: dict[str, str] | None = None, list_unchanged: bool = False,
                 debug: bool = False, reasons: dict[str, str] | None = None) -> list[Line]:
    """reasons: why each athlete was built (a build); without them (`check`), every athlete's
    notes are shown."""
    lines = [Line(f" removed  {athlete} (profile deleted)") for athlete in removed]
    lines += [Line(f" removed  {folder}/ (no profile uses this folder any more)")
              for folder in removed_folders]
    for outcome in outcomes:
        lines += athlete_lines(outcome, verb, (notes or {}).get(outcome.athlete, ""),
                               list_unchanged, debug, with_notes=reasons is None
                               or reasons.get(outcome.athlete) in NOTES_WHEN)
    if any(line.text.startswith(f"{'check':>8}  ") for line in lines):
        lines.append(Line(REVIEW_HINT))
    return lines + [Line(summary(outcomes, verb))]


def site_report_lines(report: SiteReport, **options) -> list[Line]:
    lines = []
    if report.new_key is not None:
        made = ("every athlete has a new link (below): send each theirs (`rehab link ID`)"
                if report.key_replaced else "every athlete's link is made from it")
        lines.append(Line(f" new key  {report.new_key}: {made}; {BACKUP_HINT}"))
    lines += untranslated_lines(report.untranslated)
    lines += report_lines(report.outcomes, removed=report.removed,
                          removed_folders=report.removed_folders, reasons=report.reasons,
                          **options)
    return lines + [Line(f"error: {problem}", True) for problem in report.problems]


def untranslated_lines(problems: Iterable[Problem]) -> list[Line]:
    """The build's word on missing translations: one line a file, with how many of its keys
    the athletes read in English and the first few (`rehab check` lists them all)."""
    by_file: dict[str, list[Problem]] = {}
    for problem in problems:
        by_file.setdefault(problem.file, []).append(problem)
    lines = []
    for file, found in by_file.items():
        keys = [p.field for p in found if p.field]
        if not keys:  # a protocol with no translation, or a whole text file
            lines += [Line(f" warning  {p}") for p in found]
            continue
        shown = ", ".join(keys[:3]) + (", ..." if len(keys) > 3 else "")
        lines.append(Line(f" warning  {file}: {len(keys)} not translated ({shown}): its "
                          "athletes read them in English (`rehab check` lists them)"))
    return lines


def summary(outcomes: list[Outcome], verb: str = "built") -> str:
    if not outcomes:
        return "no profiles found (add one with `rehab new ID`)"
    built = sum(o.status == Built.BUILT for o in outcomes)
    failed = [o.athlete for o in outcomes if o.status == Built.FAILED]
    referral = [o.athlete for o in outcomes if o.status == Built.REFERRAL]
    unchanged = sum(o.status == Built.UNCHANGED for o in outcomes)
    text = f"{built} {verb}, {len(failed)} failed, {len(referral)} need referral"
    if unchanged:
        text += f", {unchanged} unchanged"
    for label, names in (("failed", failed), ("referral", referral)):
        if names:
            text += f"\n  {label}: {', '.join(names)}"
    return text


def all_good(outcomes: list[Outcome]) -> bool:
    """Exit code 0: nobody failed, nobody needs referral."""
    return all(o.ok for o in outcomes)
