"""What a build says when it is done: a line per athlete, then a summary. `rehab build`,
`rehab check` and `rehab serve` all print it from here."""

from __future__ import annotations

import traceback
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from generator.build import Built, Outcome, SiteReport
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


def athlete_lines(outcome: Outcome, verb: str = "built", note: str = "",
                  list_unchanged: bool = False, debug: bool = False) -> list[Line]:
    """`note` follows the athlete's name on a built line (serve: what was built, why, when)."""
    athlete = outcome.athlete
    if outcome.status == Built.UNCHANGED:
        return [Line(f"unchanged  {athlete} -> {outcome.folder}/")] if list_unchanged else []
    if outcome.status == Built.BUILT:
        where = f" -> {outcome.folder}/" if outcome.folder else ""
        return [Line(f"{verb:>8}  {athlete}{' ' + note if note else ''}{where}"),
                *(Line(f"{'check':>8}  {athlete}: {warning}") for warning in outcome.warnings),
                *notes_lines(athlete, outcome.clinician_notes)]
    if outcome.status == Built.REFERRAL:
        return referral_lines(athlete, outcome.reasons) + [
            Line(f"          also: {problem}", True) for problem in outcome.problems]
    lines = [Line(f"  failed  {athlete}:", True),
             *(Line(f"          {problem}", True) for problem in outcome.problems)]
    if debug and outcome.error is not None:
        lines.append(Line("".join(traceback.format_exception(outcome.error)).rstrip("\n"), True))
    return lines


def notes_lines(athlete: str, notes: str) -> list[Line]:
    """The profile's clinician_notes, a line each, for the clinician's terminal only."""
    return [Line(f"{'note':>8}  {athlete}: {line}") for line in notes.splitlines()
            if line.strip()]


def report_lines(outcomes: list[Outcome], verb: str = "built", *,
                 removed: Iterable[str] = (), removed_folders: Iterable[Path] = (),
                 notes: dict[str, str] | None = None, list_unchanged: bool = False,
                 debug: bool = False) -> list[Line]:
    lines = [Line(f" removed  {athlete} (profile deleted)") for athlete in removed]
    lines += [Line(f" removed  {folder}/ (no profile uses this folder any more)")
              for folder in removed_folders]
    for outcome in outcomes:
        lines += athlete_lines(outcome, verb, (notes or {}).get(outcome.athlete, ""),
                               list_unchanged, debug)
    return lines + [Line(summary(outcomes, verb))]


def site_report_lines(report: SiteReport, **options) -> list[Line]:
    lines = []
    if report.new_key is not None:
        made = ("every athlete has a new link (below): send each theirs (`rehab link ID`)"
                if report.key_replaced else "every athlete's link is made from it")
        lines.append(Line(f" new key  {report.new_key}: {made}; {BACKUP_HINT}"))
    lines += report_lines(report.outcomes, removed=report.removed,
                          removed_folders=report.removed_folders, **options)
    return lines + [Line(f"error: {problem}", True) for problem in report.problems]


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
