"""The Plan: plain, frozen data a renderer can show without knowing any clinical rule."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from generator.i18n import words
from generator.protocol import Gate

SCHEMA_VERSION = 1
# A page opened this long after the plan's date says it may be out of date.
STALE_AFTER = dt.timedelta(weeks=4)


class Status(StrEnum):
    """Where a week (or a stay in a phase) stands on the plan's date."""

    DONE = "done"
    CURRENT = "current"
    UPCOMING = "upcoming"


class Audience(StrEnum):
    ATHLETE = "athlete"
    CLINICIAN = "clinician"


def plural(count: int, word: str) -> str:
    """'1 day', '3 days': a count and its word, as a person writes them."""
    return f"{count} {word}{'' if count == 1 else 's'}"


def frequency(times: tuple[int, int], spacing: str = "", language: str = "en") -> str:
    """How often, always with its period: 'daily', 'once a week', '3 times a week',
    '2-3 times a week, a rest day between' (in the athlete's language)."""
    say = words(language).gettext
    low, high = times
    text = say("daily") if low == high == 7 else say("once a week") if low == high == 1 else (
        say("%(times)s times a week", times=low) if low == high
        else say("%(low)s-%(high)s times a week", low=low, high=high))
    return f"{text}, {spacing}" if spacing else text


@dataclass(frozen=True)
class WalkRun:
    run_minutes: int
    walk_minutes: int
    repeats: int
    sessions_per_week: int
    step: int | None  # walk-run step number; None once running is continuous

    @property
    def session_minutes(self) -> int:
        return (self.run_minutes + self.walk_minutes) * self.repeats

    @property
    def weekly_running_minutes(self) -> int:
        return self.run_minutes * self.repeats * self.sessions_per_week


@dataclass(frozen=True)
class WeekSession:
    """One kind of session in a week: strength, brisk walk, cross-training, walk-run..."""

    kind: str
    title: str
    per_week: str  # how often, in words (frequency())
    times_per_week: tuple[int, int]  # fewest, most
    exercises: tuple[str, ...] = ()
    text: str = ""
    minutes: int | None = None  # brisk walk length
    walk_run: WalkRun | None = None
    duration_minutes: int | None = None  # one session, where the plan sets its length
    every_week: bool = False  # the same in every week of its phase: shown once per phase
    spacing: str = ""  # how its times fall in the week, the protocol's words ("a rest day between")


@dataclass(frozen=True)
class Day:
    """One day of a week and the sessions that fall on it (none: a rest day)."""

    date: dt.date
    sessions: tuple[str, ...]  # session titles, in the week's order


@dataclass(frozen=True)
class RecordedEvent:
    """A progress event as the clinician recorded it, with what it did to the plan."""

    date: dt.date
    event: str
    week: int  # number of the week it falls in
    summary: str  # e.g. "Setback: back to strength stage 2 for at least 1 week"
    stage: int | None = None
    step: int | None = None
    until: dt.date | None = None
    note: str = ""
    pain: int | None = None  # 0-10, reported at the visit

    @property
    def name(self) -> str:
        """As written in the profile: 'strength_stage 3', 'setback'."""
        number = self.stage or self.step
        return f"{self.event} {number}" if number else self.event


@dataclass(frozen=True)
class Pause:
    """A pause as it really was: from its first day to the first day back, which `until`
    or an event inside it (`resume`, a setback, a step) decides."""

    since: dt.date
    until: dt.date  # the first day back; for an open pause, the plan's guess
    open: bool = False  # no end known yet: the plan has them back after today's week

    def holds(self, day: dt.date) -> bool:
        return self.since <= day < self.until


@dataclass(frozen=True)
class Week:
    number: int
    start: dt.date
    end: dt.date
    phase: str
    phase_title: str
    phase_week: int  # 1-based week within this phase
    phase_weeks: int  # length of this phase
    weight_bearing: str
    strength_stage: int | None
    walk_minutes: int | None
    walk_run: WalkRun | None
    sessions: tuple[WeekSession, ...]
    gate: Gate | None  # what must be true before the week after this one
    status: Status
    setback: bool = False  # stepped back after a setback
    paused: bool = False  # progression held (illness, travel...)
    events: tuple[int, ...] = ()  # indexes into Plan.events recorded in this week
    starts: str | None = None  # the progress event that records the step starting this week
    step_title: str = ""  # the step this week is on, e.g. "Walk-run step 2"
    span: int = 0  # index of its stay in Plan.phases
    gate_week: int | None = None  # the week (this or later) whose checklist comes next
    next_step: NextStep | None = None  # the next step a clinician records, from this week on
    # a step only a clinician opens, due since waiting_since but not recorded: this week
    # keeps to the step before it
    waiting_for: str | None = None
    waiting_since: dt.date | None = None
    needs_clearance: bool = False  # starts a step only a clinician opens, not recorded yet
    days: tuple[Day, ...] = ()  # its seven days, from `start`, with the sessions of each
    # a pause held part of this week and the athlete is back on this day: the step is
    # prescribed again from it (`paused` is for a week a pause holds to its end)
    back_from: dt.date | None = None


@dataclass(frozen=True)
class NextStep:
    """The next step a clinician records, the checklist before it, and its earliest start."""

    title: str  # e.g. "Strength stage 3"
    event: str  # how to record it, e.g. "strength_stage 3"
    earliest: dt.date
    gate_title: str  # the checklist to pass first ("" when none)


@dataclass(frozen=True)
class GateStop:
    """One checklist, with the phases it closes and the earliest day the next step starts."""

    gate: Gate
    phases: tuple[str, ...]  # phase titles
    next_start: dt.date


def note_id(*parts: object) -> str:
    """A note's id, made of what the note is about: 'setback-2026-11-20', 'goal-300'.
    The same facts give the same id, so a clinician marks it read once (`reviewed:`)."""
    words = "-".join(str(part) for part in parts if part not in (None, ""))
    return re.sub(r"[^a-z0-9.]+", "-", words.lower()).strip("-")


@dataclass(frozen=True)
class PlanWarning:
    """A "Check" warning for the clinician, and its id (note_id)."""

    id: str
    text: str


@dataclass(frozen=True)
class Note:
    """Something to tell someone about this plan: a review flag, a warning, an overdue step."""

    audience: Audience
    kind: str  # review_flag | reminder | warning | recent_setback | overdue | instruction
    # | goal_beyond
    text: str
    short: str = ""  # a few words for a table (`rehab status`)
    id: str = ""  # what the clinician lists in the profile's `reviewed:` once they have read it
    reviewed: bool = False  # ... and has: no command prints it again


@dataclass(frozen=True)
class RiskScore:
    """A cumulative risk score the protocol declares, as this athlete's history gives it.
    For the clinician only: no athlete's page, handout or calendar shows it."""

    id: str
    name: str  # the tool's short name
    title: str  # the tool and its source
    score: int
    band: str  # e.g. "provisional"
    band_range: str  # the totals of the band, e.g. "2-5", "6 or more"
    clearance: str  # what the band means, in the source's words
    # how the clinician is told: "review_flag", "reminder" (a band every athlete of the
    # protocol reaches), or "" (a band that asks for no review)
    notice: str
    items: tuple[tuple[str, int], ...]  # (item, points) for every item of the table
    note: str = ""  # how the table reads the profile

    @property
    def short(self) -> str:
        """The tool's name, the total and the band, for a table (`rehab status`)."""
        return f"{self.name} {self.score}: {self.band}"

    @property
    def text(self) -> str:
        """The whole finding, as the build report and the dashboard print it."""
        return (f"{self.name} {self.score}: {self.band} ({self.title}: "
                f"{self.band_range} points, {self.clearance}).") + (
                    f" {self.note}" if self.note else "")


@dataclass(frozen=True)
class InjuryDetail:
    """An injury field the protocol shows to the athlete, e.g. ('MRI grade', 4)."""

    name: str  # the profile's field name, the key in plan.json's `injury`
    label: str
    value: object  # None when the profile does not give it


@dataclass(frozen=True)
class PhaseSpan:
    id: str
    title: str
    short: str
    start: dt.date
    end: dt.date
    weeks: int
    setback: bool = False  # a stay on an earlier step after a setback
    ended_in_setback: bool = False  # it hurt: a setback stepped back from it, not "done"
    key: str = ""  # unique among the plan's stays: the phase id, "-2" for a second stay
    status: Status = Status.UPCOMING
    first_week: int = 1  # its weeks' numbers, first to last
    last_week: int = 1
    gate: Gate | None = None  # the checklist at its end
    gate_shown_in: str | None = None  # key of an earlier stay that shows the same checklist
    routine: tuple[WeekSession, ...] = ()  # what every week of the phase has, word for word
    how_notes: tuple[WeekSession, ...] = ()  # sessions that grow week by week, same frequency


@dataclass(frozen=True)
class Plan:
    athlete_id: str
    athlete_name: str
    protocol: str
    protocol_title: str
    as_of: dt.date
    diagnosed: dt.date
    side: str
    severity: str
    injury_details: tuple[InjuryDetail, ...]
    history_level: int
    history_level_name: str
    goal_weekly_minutes: int
    phases: tuple[PhaseSpan, ...]
    milestones: dict[str, dt.date | None]
    weeks: tuple[Week, ...]
    review_flags: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    events: tuple[RecordedEvent, ...] = ()  # the profile's progress, in date order
    notes: tuple[Note, ...] = ()  # flags and warnings with their audience
    gate_stops: tuple[GateStop, ...] = ()  # each checklist once, in plan order
    pain_stop_at: int = 1  # a day's pain score (0-10) at or above this: stop, call the clinic
    pain_advice: str = ""  # what the athlete reads for a pain score below pain_stop_at
    risk_scores: tuple[RiskScore, ...] = ()  # the protocol's risk tables, for the clinician
    pauses: tuple[Pause, ...] = ()  # every pause, from its first day to the first day back
    language: str = "en"  # the language of every word the athlete reads in it

    def pause_on(self, day: dt.date) -> Pause | None:
        """The pause that holds the athlete on this day, if any."""
        return next((p for p in self.pauses if p.holds(day)), None)

    @property
    def for_clinician(self) -> tuple[str, ...]:
        """Every note meant for the clinician (review flags, warnings, follow-ups), as text."""
        return tuple(n.text for n in self.notes if n.audience == Audience.CLINICIAN)

    @property
    def to_review(self) -> tuple[Note, ...]:
        """The clinician's notes not yet marked read (`reviewed:`): what commands print."""
        return tuple(n for n in self.notes
                     if n.audience == Audience.CLINICIAN and not n.reviewed)

    @property
    def for_athlete(self) -> tuple[str, ...]:
        """Notes in plain words for the athlete: what a flag or the goal changes for them."""
        return tuple(n.text for n in self.notes if n.audience == Audience.ATHLETE)

    @property
    def first_clearance(self) -> Week | None:
        """The first week that starts a step only a clinician opens, not recorded yet: a
        phone's date past it must not show that step as its week (plan.js holds before it)."""
        return next((w for w in self.weeks if w.needs_clearance), None)

    @property
    def current_week(self) -> Week | None:
        return next((w for w in self.weeks if w.status == "current"), None)

    @property
    def end(self) -> dt.date:
        return self.weeks[-1].end

    @property
    def stale_after(self) -> dt.date:
        """After this day the athlete's page says the plan may be out of date."""
        return self.as_of + STALE_AFTER

    def to_dict(self) -> dict:
        """The documented plan.json document (see README), as plain JSON data."""
        return plain_data(self.to_document())

    def to_document(self) -> dict:
        """to_dict() as orjson writes it fastest (render/jsonfile.dated_json): dates still
        dates, tuples still tuples, each day and walk-run still its dataclass (written as a
        map of its fields in order; tests/test_days.py and the goldens hold those keys)."""
        made: dict[int, dict] = {}  # weeks share their session, step and gate objects
        return {
            "schema": SCHEMA_VERSION,
            "athlete": {"id": self.athlete_id, "name": self.athlete_name},
            "protocol": self.protocol,
            "language": self.language,
            "as_of": self.as_of,
            "stale_after": self.stale_after,
            "injury": {
                "diagnosed": self.diagnosed,
                "severity": self.severity,
                **{d.name: d.value for d in self.injury_details},
                "side": self.side,
            },
            "history_level": self.history_level,
            "goal_weekly_running_minutes": self.goal_weekly_minutes,
            "review_flags": self.review_flags,
            "warnings": self.warnings,
            "current_week": self.current_week.number if self.current_week else None,
            "milestones": {k: v or None for k, v in self.milestones.items()},
            "phases": [
                {"id": p.id, "title": p.title, "start": p.start, "end": p.end,
                 "weeks": p.weeks, "status": p.status, "setback": p.setback,
                 "ended_in_setback": p.ended_in_setback,
                 "first_week": p.first_week, "last_week": p.last_week}
                for p in self.phases
            ],
            "events": [_event_dict(e) for e in self.events],
            "weeks": [_week_dict(w, made) for w in self.weeks],
            "notes": [{"audience": n.audience, "kind": n.kind, "text": n.text,
                       **({"id": n.id, "reviewed": n.reviewed} if n.id else {})}
                      for n in self.notes],
            "pain_stop_at": self.pain_stop_at,
            "pain_advice": self.pain_advice,
            # for the clinician: the total and its band (which items scored stays at the clinic)
            "risk_scores": [{"id": r.id, "name": r.name, "score": r.score, "band": r.band}
                            for r in self.risk_scores],
        }


@dataclass(frozen=True)
class Referral:
    """What the scheduler gives instead of a plan when the protocol's referral rules match."""

    athlete_id: str
    athlete_name: str
    reasons: tuple[str, ...]  # why, one per matching rule (clinician-facing)
    problems: tuple = ()  # the profile's other errors (Problem), when it had some


def plain_data(value: object) -> object:
    """A document as json.dumps takes it: each date as its isoformat(), each dataclass as a
    dict of its fields in order, each tuple as a list (as orjson writes them)."""
    if isinstance(value, dict):
        return {key: plain_data(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain_data(item) for item in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {field.name: plain_data(getattr(value, field.name))
                for field in dataclasses.fields(value)}
    return value


def _event_dict(event: RecordedEvent) -> dict:
    """As recorded (only the fields written), plus its week and what it did."""
    out: dict = {"date": event.date, "event": event.event}
    for name in ("stage", "step", "until", "note"):
        value = getattr(event, name)
        if value:
            out[name] = value
    if event.pain is not None:
        out["pain"] = event.pain
    out["week"] = event.week
    out["summary"] = event.summary
    return out


def _once(made: dict[int, dict], thing: object, make: Callable[[object], dict]) -> dict:
    """make(thing), once per object (by id: the plan holds them all meanwhile)."""
    found = made.get(id(thing))
    if found is None:
        found = made[id(thing)] = make(thing)
    return found


def _session_dict(session: WeekSession) -> dict:
    return {"kind": session.kind, "title": session.title, "per_week": session.per_week,
            "exercises": session.exercises, "minutes": session.minutes,
            "walk_run": session.walk_run, "times_per_week": session.times_per_week,
            "duration_minutes": session.duration_minutes}


def _gate_dict(gate: Gate) -> dict:
    return {"title": gate.title, "checks": gate.checks}


def _step_dict(step: NextStep) -> dict:
    return {"title": step.title, "event": step.event, "earliest": step.earliest}


def _week_dict(week: Week, made: dict[int, dict]) -> dict:
    return {
        "number": week.number,
        "start": week.start,
        "end": week.end,
        "phase": week.phase,
        "weight_bearing": week.weight_bearing,
        "strength_stage": week.strength_stage,
        "walk_minutes": week.walk_minutes,
        "walk_run": week.walk_run,
        "status": week.status,
        "setback": week.setback,
        "paused": week.paused,
        "back_from": week.back_from,
        "events": week.events,
        "sessions": [_once(made, s, _session_dict) for s in week.sessions],
        "gate": _once(made, week.gate, _gate_dict) if week.gate else None,
        "step": week.step_title,
        "gate_week": week.gate_week,
        "next_step": _once(made, week.next_step, _step_dict) if week.next_step else None,
        "waiting_for": {"step": week.waiting_for, "since": week.waiting_since}
        if week.waiting_for else None,
        "needs_clearance": week.needs_clearance,
        "days": week.days,
    }
