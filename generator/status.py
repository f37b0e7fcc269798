"""`rehab status`: one row per athlete for the clinician's terminal. Never written to site/.

Flags (each a short text):
- a review flag of the protocol that matches the profile (e.g. "hip effusion");
- "setback <date>": a setback recorded in the 14 days up to today;
- "no event for N days": more than `QUIET_DAYS` days since the last event (or since
  diagnosis when none was recorded) while the plan expected the athlete to reach a
  step the clinician records (partial weight-bearing, a strength stage, walk-run ...)
  after that event and on or before today. Continuous running's weekly increases and
  the ready-to-run hold are not recorded, so they never raise it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from generator.build import plan_athlete
from generator.config import Settings
from generator.errors import InputError, NeedsReferral
from generator.load import Inputs, profile_paths
from generator.plan import Plan, RecordedEvent, Week
from generator.profile import Profile
from generator.protocol import Protocol

RECENT_SETBACK_DAYS = 14
QUIET_DAYS = 28


@dataclass(frozen=True)
class NextGate:
    title: str  # the checklist to pass, e.g. "Before the next strength stage"
    step: str  # what follows it, e.g. "Strength stage 3"
    event: str  # how to record it, e.g. "strength_stage 3"
    date: dt.date  # planned start of that step


@dataclass(frozen=True)
class StatusRow:
    athlete: str
    state: str  # ok | failed | referral
    name: str = ""
    now: str = ""  # the current step, e.g. "Strength stage 2 (setback)"
    week: int | None = None
    days_since_diagnosis: int | None = None
    next_gate: NextGate | None = None
    last_event: RecordedEvent | None = None
    flags: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()  # failed: the errors; referral: the reasons


def step_title(week: Week) -> str:
    if week.walk_run and week.walk_run.step:
        return f"{week.phase_title} step {week.walk_run.step}"
    return week.phase_title


def status_row(profile: Profile, protocol: Protocol, plan: Plan, today: dt.date) -> StatusRow:
    current = plan.current_week
    if current is None:
        now = "plan complete" if today > plan.end else "not started"
    else:
        now = step_title(current)
        pause = next((e for e in reversed(plan.events)
                      if e.until and e.date <= today < e.until), None)
        if pause:
            now += f" (paused until {pause.until})"
        elif current.paused:
            now += " (paused)"
        if current.setback:
            now += " (setback)"
    last = plan.events[-1] if plan.events else None
    flags = [r.field.replace("_", " ") for r in protocol.review_flags
             if r.matches(getattr(profile, r.field))]
    flags += [f"setback {e.date}" for e in plan.events if e.event == "setback"
              and 0 <= (today - e.date).days < RECENT_SETBACK_DAYS]
    quiet_since = last.date if last else plan.diagnosed
    missed = [w for w in plan.weeks if w.starts and quiet_since < w.start <= today]
    if (today - quiet_since).days > QUIET_DAYS and missed:
        flags.append(f"no event for {(today - quiet_since).days} days "
                     f"({missed[0].starts} was due {missed[0].start})")
    return StatusRow(
        athlete=plan.athlete_id, state="ok", name=plan.athlete_name, now=now,
        week=current.number if current else None,
        days_since_diagnosis=(today - plan.diagnosed).days,
        next_gate=_next_gate(plan, current), last_event=last, flags=tuple(flags))


def _next_gate(plan: Plan, current: Week | None) -> NextGate | None:
    """The next step the clinician records, and the gate before it."""
    if current is None:
        return None
    weeks = plan.weeks
    for before, week in zip(weeks[current.number - 1:], weeks[current.number:], strict=False):
        if week.starts:
            title = before.gate.title if before.gate else ""
            return NextGate(title, step_title(week), week.starts, week.start)
    return None


def collect(settings: Settings) -> list[StatusRow]:
    """A row for every profile in plans/: built ones, and those that failed or need referral."""
    inputs = Inputs(settings)
    rows = []
    for path in profile_paths(settings.plans):
        try:
            profile, plan = plan_athlete(path, inputs)
        except InputError as err:
            rows.append(StatusRow(path.stem, "failed", problems=tuple(map(str, err.problems))))
            continue
        except NeedsReferral as referral:
            rows.append(StatusRow(path.stem, "referral", problems=referral.reasons))
            continue
        protocol = inputs.protocols[profile.protocol]
        rows.append(status_row(profile, protocol, plan, settings.today))
    return rows


def to_dict(row: StatusRow) -> dict:
    gate, last = row.next_gate, row.last_event
    return {
        "athlete": row.athlete,
        "state": row.state,
        "name": row.name or None,
        "now": row.now or None,
        "week": row.week,
        "days_since_diagnosis": row.days_since_diagnosis,
        "next_gate": {"title": gate.title, "step": gate.step, "event": gate.event,
                      "date": gate.date.isoformat()} if gate else None,
        "last_event": {"date": last.date.isoformat(), "event": last.name,
                       "summary": last.summary} if last else None,
        "flags": list(row.flags),
        "problems": list(row.problems),
    }


def render_table(rows: list[StatusRow], today: dt.date) -> str:
    """One line per athlete, for a terminal; failed and referral rows say why."""
    header = ("athlete", "now", "wk", "day", "next gate", "last event", "flags")
    cells = {row.athlete: _cells(row) for row in rows if row.state == "ok"}
    widths = [max(len(c[i]) for c in [header, *cells.values()]) for i in range(len(header))]

    def line(values: tuple[str, ...]) -> str:
        return "  ".join(f"{v:{'>' if i in (2, 3) else '<'}{widths[i]}}"
                         for i, v in enumerate(values)).rstrip()

    count = f"{len(rows)} athlete{'' if len(rows) == 1 else 's'}"
    lines = [f"Status as of {today} ({count})", "", line(header)]
    for row in rows:
        if row.athlete in cells:
            lines.append(line(cells[row.athlete]))
        else:
            why = row.problems[0] if row.problems else ""
            lines.append(f"{row.athlete:<{widths[0]}}  {row.state.upper()}: {why}")
    return "\n".join(lines) + "\n"


def _cells(row: StatusRow) -> tuple[str, ...]:
    gate, last = row.next_gate, row.last_event
    return (row.athlete, row.now, str(row.week or "-"), str(row.days_since_diagnosis),
            f"{gate.step} {gate.date}" if gate else "-",
            f"{last.date} {last.name}" if last else "-", "; ".join(row.flags))
