"""`rehab status`: one row per athlete for the clinician's terminal. Never written to site/.

Every fact comes from the plan: where the athlete is, the next step a clinician records
and its earliest date, and the plan's notes for the clinician (review flags, a recent
setback, a step overdue while nothing was recorded), shown by their short words; and from
the athlete's imported log (`rehab import-log`): sessions done of those planned, pain.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from generator.athlete_log import AthleteLog, LogSummary, stored_log, summarize
from generator.build import plan_athlete
from generator.config import Settings
from generator.errors import InputError
from generator.load import Inputs, profile_paths
from generator.plan import Audience, NextStep, Note, Plan, RecordedEvent, Referral, RiskScore
from generator.profile import Profile


@dataclass(frozen=True)
class StatusRow:
    athlete: str
    state: str  # ok | failed | referral
    name: str = ""
    now: str = ""  # the current step, e.g. "Strength stage 2 (setback)"
    week: int | None = None
    days_since_diagnosis: int | None = None
    next_step: NextStep | None = None
    last_event: RecordedEvent | None = None
    flagged: tuple[Note, ...] = ()  # what needs a look: the plan's flags, then the log's
    problems: tuple[str, ...] = ()  # failed: the errors; referral: the reasons
    log: LogSummary | None = None  # from the imported log (None: nothing imported)
    risk_scores: tuple[RiskScore, ...] = ()

    @property
    def flags(self) -> tuple[str, ...]:
        """Each flag in a few words, e.g. `pain 4/10 2026-11-22`."""
        return tuple(note.short or note.text for note in self.flagged)
    clinician_notes: str = ""  # the profile's notes for the clinic only


def status_row(plan: Plan, today: dt.date, log: AthleteLog | None = None,
               clinician_notes: str = "") -> StatusRow:
    current = plan.current_week
    if current is None:
        now = "plan complete" if today > plan.end else "not started"
    else:
        now = current.step_title
        pause = plan.pause_on(today)
        if pause:
            now += " (paused)" if pause.open else f" (paused until {pause.until})"
        if current.setback:
            now += " (setback)"
    flagged = tuple(note for note in plan.to_review if note.audience == Audience.CLINICIAN
                    and note.kind not in ("warning", "reminder"))
    summary = summarize(log, plan, today) if log else None
    if summary:
        flagged += summary.notes
    return StatusRow(
        athlete=plan.athlete_id, state="ok", name=plan.athlete_name, now=now,
        week=current.number if current else None,
        days_since_diagnosis=(today - plan.diagnosed).days,
        next_step=current.next_step if current else None,
        last_event=plan.events[-1] if plan.events else None, flagged=flagged, log=summary,
        risk_scores=plan.risk_scores, clinician_notes=clinician_notes)


@dataclass(frozen=True)
class Seen:
    """One profile as the clinic sees it: its status row, and what the row was made from
    (no plan when the profile failed or needs referral; no log before the first import)."""

    row: StatusRow
    profile: Profile | None = None
    plan: Plan | None = None
    log: AthleteLog | None = None


def survey(settings: Settings, inputs: Inputs | None = None) -> list[Seen]:
    """Every profile in plans/: built ones, and those that failed or need referral."""
    inputs = inputs or Inputs(settings)
    seen = []
    for path in profile_paths(settings.plans):
        try:
            profile, plan = plan_athlete(path, inputs, for_clinic=True)
        except InputError as err:
            seen.append(Seen(StatusRow(path.stem, "failed",
                                       problems=tuple(map(str, err.problems)))))
            continue
        if isinstance(plan, Referral):
            seen.append(Seen(StatusRow(path.stem, "referral", name=plan.athlete_name,
                                       problems=plan.reasons), profile))
            continue
        try:
            log = stored_log(settings.plans, path.stem)
        except InputError as err:  # a log edited by hand: the plan's row still, and why not
            row = status_row(plan, settings.today, clinician_notes=profile.clinician_notes)
            words = f"log unreadable: {err.problems[0]}"
            seen.append(Seen(replace(row, flagged=row.flagged + (
                Note(Audience.CLINICIAN, "log_unreadable", words, words),)), profile, plan))
            continue
        seen.append(Seen(status_row(plan, settings.today, log, profile.clinician_notes),
                         profile, plan, log))
    return seen


def collect(settings: Settings) -> list[StatusRow]:
    """A row for every profile in plans/: built ones, and those that failed or need referral."""
    return [entry.row for entry in survey(settings)]


def to_dict(row: StatusRow) -> dict:
    step, last, log = row.next_step, row.last_event, row.log
    return {
        "athlete": row.athlete,
        "state": row.state,
        "name": row.name or None,
        "now": row.now or None,
        "week": row.week,
        "days_since_diagnosis": row.days_since_diagnosis,
        "next_gate": {"title": step.gate_title, "step": step.title, "event": step.event,
                      "date": step.earliest.isoformat()} if step else None,
        "last_event": {"date": last.date.isoformat(), "event": last.name,
                       "summary": last.summary} if last else None,
        "flags": list(row.flags),
        "problems": list(row.problems),
        # from the imported log: done / planned sessions over 14 days, pain over 7
        "adherence_14d": log.adherence if log else None,
        "done_14d": log.done if log else None,
        "planned_14d": log.planned if log else None,
        "pain_max_7d": log.pain_max if log else None,
        "last_log": log.last_log.isoformat() if log and log.last_log else None,
        # the protocol's risk scores, with the points of each item (printed, never written)
        "risk_scores": [{"id": r.id, "name": r.name, "score": r.score, "band": r.band,
                         "clearance": r.clearance, "items": [list(i) for i in r.items]}
                        for r in row.risk_scores],
        "clinician_notes": row.clinician_notes or None,  # the clinic's own, never the athlete's
    }


def render_table(rows: list[StatusRow], today: dt.date) -> str:
    """One line per athlete, for a terminal; failed and referral rows say why."""
    header = ("athlete", "now", "wk", "day", "next gate", "last event", "done 14d", "pain 7d",
              "last log", "flags")
    cells = {row.athlete: _cells(row) for row in rows if row.state == "ok"}
    widths = [max(len(c[i]) for c in [header, *cells.values()]) for i in range(len(header))]

    def line(values: tuple[str, ...]) -> str:
        return "  ".join(f"{v:{'>' if i in (2, 3, 6, 7) else '<'}{widths[i]}}"
                         for i, v in enumerate(values)).rstrip()

    count = f"{len(rows)} athlete{'' if len(rows) == 1 else 's'}"
    lines = [f"Status as of {today} ({count})", "", line(header)]
    for row in rows:
        if row.athlete in cells:
            lines.append(line(cells[row.athlete]))
        else:
            why = row.problems[0] if row.problems else ""
            lines.append(f"{row.athlete:<{widths[0]}}  {row.state.upper()}: {why}")
    noted = [row for row in rows if row.clinician_notes]
    if noted:  # under the table: a row stays one line however long the notes are
        lines += ["", "Clinician notes (clinician_notes:, never shown to the athlete)"]
        for row in noted:
            first, *rest = [line for line in row.clinician_notes.splitlines() if line.strip()]
            lines.append(f"{row.athlete:<{widths[0]}}  {first}")
            lines += [f"{'':<{widths[0]}}  {line}" for line in rest]
    return "\n".join(lines) + "\n"


def _cells(row: StatusRow) -> tuple[str, ...]:
    step, last, log = row.next_step, row.last_event, row.log
    return (row.athlete, row.now, str(row.week or "-"), str(row.days_since_diagnosis),
            f"{step.title} {step.earliest}" if step else "-",
            f"{last.date} {last.name}" if last else "-",
            f"{log.done}/{log.planned}" if log else "-",
            str(log.pain_max) if log and log.pain_max is not None else "-",
            str(log.last_log) if log and log.last_log else "-", "; ".join(row.flags))
