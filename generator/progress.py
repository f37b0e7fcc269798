"""Progress events -> the weeks of a plan. Pure: no I/O, no clock.

The athlete climbs a ladder of steps: the protocol's phases in order, with walk-run
split into its steps. The events recorded in a profile move them on it:

- a step event (`partial_weight_bearing`, `strength_stage` 3, `walk_run_cleared`, ...)
  puts the athlete on that step from that day; it must be the next step after the
  one they are on, and the step it ends must have lasted its hard minimum;
  a later step records the ones between as done, when their minimum lengths fit
  between the two dates; an earlier step (the first, after a worse scan) puts them back on it,
  and the plan climbs again from there with the protocol's durations;
- a `setback` puts them one step down for at least `progress.setback_weeks`;
  recording the step it put them on afterwards confirms it;
- a `pause` holds them where they are until `until` (the first day back), or, without
  `until`, until the next event (`resume`, or any other): any event ends a pause;
- `new_imaging` restarts the healing clock: the floors count from it.

Between two events the athlete stays where the first one left them (except the
ready-to-run hold, which nobody records): past weeks show what was recorded, never
what was only planned. After the latest event the plan looks ahead with the
protocol's durations, and its floors (walk-run never before `walk_run_min_weeks`).

Weeks run from the diagnosis day, seven days each. An event shows from the week that
contains it. A step or setback that starts after the first day of a week does not
count that week toward its length, and a week touched by a pause does not count at
all: a step never lasts less than its planned weeks.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from generator.errors import InputError, Problem
from generator.i18n import Words, _, words
from generator.plan import Pause, PlanWarning, WalkRun, note_id
from generator.protocol import BriskWalk, Phase, Protocol

SETBACK, PAUSE, RESUME, NEW_IMAGING = "setback", "pause", "resume", "new_imaging"
GENERIC = (SETBACK, PAUSE, RESUME, NEW_IMAGING)  # events every protocol has
NUMBERED = {"strength_stage": "stage", "walk_run_step": "step"}  # event -> its number field
SETBACK_SAYS = _("Setback: ")  # a setback's summary, before what it did
MAX_WEEKS = 156  # three years: a longer plan is a mistake in the content or the dates


@dataclass(frozen=True)
class ProgressEvent:
    """One entry of a profile's `progress:` list, as the clinician wrote it."""

    index: int  # position in the list, for error messages
    date: dt.date
    event: str
    stage: int | None = None
    step: int | None = None
    until: dt.date | None = None
    note: str = ""
    pain: int | None = None  # 0-10, as the athlete reported it at the visit
    line: int | None = None  # where it was written, so sequence errors can point at it
    column: int | None = None

    @property
    def name(self) -> str:
        """As a clinician would write it: 'strength_stage 3', 'setback'."""
        number = self.stage if self.event == "strength_stage" else (
            self.step if self.event == "walk_run_step" else None)
        return self.event if number is None else f"{self.event} {number}"


@dataclass(frozen=True)
class Step:
    """One rung of the ladder: a phase, or one step of the walk-run phase."""

    index: int
    phase: Phase
    walk_run_step: int | None  # 1-based, walk-run phase only
    weeks: int | None  # planned weeks; None: ends on a condition (hold, continuous)
    min_weeks: int  # hard minimum: a recorded step may not end sooner
    min_source: str  # where that minimum is set, e.g. "hard_limits.walk_run_step_weeks"
    usual: tuple[int, int] | None  # the protocol's range for this athlete's severity
    event: str | None  # the progress event that records its start; None: never recorded
    gated: bool = False  # only a clinician opens it: the plan never projects it into the past
    # a healing floor it never starts before (floors.<name>, weeks from the healing clock)
    floor: tuple[str, int] | None = None
    # the profile's `overrides:` key that shortens it on purpose, and the lowest it may set
    # (hard_limits), when that is below min_weeks; None: no override goes lower
    override: tuple[str, int] | None = None
    language: str = "en"  # the language of the athlete's words (the protocol's)

    @cached_property  # every week on the step shows it
    def title(self) -> str:
        if self.walk_run_step:
            return words(self.language).gettext("%(phase)s step %(step)s",
                                                phase=self.phase.title, step=self.walk_run_step)
        return self.phase.title

    @property
    def label(self) -> str:
        """The title inside a sentence: 'back to strength stage 2' (German keeps its nouns)."""
        if self.language != "en":
            return self.title
        return self.title[0].lower() + self.title[1:]


@dataclass(frozen=True)
class RunningTop:
    """Where continuous running stops building: runs a week of so many minutes each."""

    runs: int
    minutes: int
    capped: bool  # the goal asked for more than the protocol's runs and run length allow

    @property
    def weekly(self) -> int:
        return self.runs * self.minutes


def running_top(phase: Phase | None, goal: int) -> RunningTop:
    """The fewest runs a week (from the phase's first number) that reach the goal with no
    run longer than max_run_minutes; at most max_sessions_per_week of the longest runs."""
    if phase is None:
        return RunningTop(0, 0, False)
    runs = max(phase.sessions_per_week, math.ceil(goal / phase.max_run_minutes))
    if runs > phase.max_sessions_per_week:
        return RunningTop(phase.max_sessions_per_week, phase.max_run_minutes, True)
    return RunningTop(runs, math.ceil(goal / runs), False)


def _more_running(phase: Phase, top: RunningTop, runs: int, minutes: int) -> tuple[int, int]:
    """Next week's runs: longer runs (at most max_weekly_increase_percent more a week) up to
    max_run_minutes, then more runs a week, never a run longer than that."""
    growth = 1 + phase.max_weekly_increase_percent / 100
    if runs == phase.sessions_per_week and minutes < phase.max_run_minutes:
        cap = top.minutes if top.runs == runs else phase.max_run_minutes
        # floor keeps the weekly rise at or under the limit
        return runs, min(max(math.floor(minutes * growth), minutes + 1), cap)
    weekly = min(max(math.floor(runs * minutes * growth), runs * minutes + 1), top.weekly)
    if weekly == top.weekly:
        return top.runs, top.minutes
    more = max(runs, math.ceil(weekly / phase.max_run_minutes))
    return more, max(weekly // more, minutes if more == runs else 1)


@dataclass(frozen=True)
class Course:
    """Everything the climb needs, resolved for one athlete (lengths, goal, floors)."""

    steps: tuple[Step, ...]
    history_level: int  # schedule.history_level: what the lengths were chosen for
    walk: BriskWalk | None  # None: the protocol has no brisk-walking progression
    walk_weeks_per_step: int
    walk_steps: range  # indexes of the steps with brisk walking
    floor_weeks: int
    goal: int
    top: RunningTop
    setback_weeks: int
    resume_weeks: int
    leeway_days: int = 0  # a recorded step may end this many days before its minimum
    step_pain_max: int = 0  # a step forward recorded with more pain is flagged
    language: str = "en"  # the athlete's words in the summaries of events


@dataclass(frozen=True)
class WeekPlan:
    """One week of the climb, before dates and statuses are attached."""

    step: Step
    walk_minutes: int | None
    walk_run: WalkRun | None
    gate: bool  # the next step follows this week: its gate must be passed first
    setback: bool
    paused: bool
    events: tuple[int, ...]  # indexes of the events recorded in this week
    starts: str | None  # the event that records the step starting this week, if any
    # a step only a clinician may open, due by the durations but not recorded yet, and
    # the day it was first due: the athlete keeps to this week's step meanwhile
    waiting: tuple[Step, dt.date] | None = None
    # this week starts a step only a clinician opens, projected: not recorded yet
    needs_clearance: bool = False
    # a pause held part of this week and the athlete is back on this day, within it: the
    # step is prescribed again from it (the week still does not count toward its length)
    back_from: dt.date | None = None
    ended_in_setback: bool = False  # the step of this week hurt: a setback follows it


@dataclass(frozen=True)
class Timeline:
    weeks: tuple[WeekPlan, ...]
    summaries: tuple[str, ...]  # one per event, in profile order
    event_weeks: tuple[int, ...]  # 0-based week of each event
    warnings: tuple[PlanWarning, ...]
    pauses: tuple[Pause, ...] = ()  # as they really were: ended by `until` or by an event


def event_name(phase: Phase, position: int, walk_run_step: int | None) -> str | None:
    """How a profile records the start of a step; None for steps nobody records."""
    if position == 0 or phase.kind == "hold":
        return None  # the first phase starts at diagnosis; the hold only fills time
    if phase.kind == "walk_run":
        return "walk_run_cleared" if walk_run_step == 1 else f"walk_run_step {walk_run_step}"
    if phase.strength_stage:
        return f"strength_stage {phase.strength_stage}"
    return phase.id


def vocabulary(protocol: Protocol) -> dict[str, tuple[int, ...]]:
    """Event names a profile may use -> the numbers its stage/step field may take."""
    names: dict[str, tuple[int, ...]] = {protocol.phases[0].id: ()}  # back to the first step
    for position, phase in enumerate(protocol.phases):
        numbers = range(1, len(phase.steps) + 1) if phase.kind == "walk_run" else [None]
        for number in numbers:
            name = event_name(phase, position, number)
            if name:
                event, _, value = name.partition(" ")
                names.setdefault(event, ())
                if value:
                    names[event] += (int(value),)
    for generic in GENERIC:
        names[generic] = ()
    return names


def climb(course: Course, diagnosed: dt.date, events: tuple[ProgressEvent, ...],
          source: str, today: dt.date) -> Timeline:
    """Every week from diagnosis to the goal. Raises InputError for an impossible sequence.

    `events` must already be valid one by one (known names, fields, dates in order,
    between diagnosis and today): profile.py checks that. Here the sequence is checked.
    A step only a clinician opens is projected from the week after today at the earliest:
    until it is recorded, today's week keeps the athlete on the step before it.
    """
    return _Climb(course, diagnosed, events, source, today).run()


@lru_cache(maxsize=1024)
def _shared_walk_run(run: int, walk: int, repeats: int, sessions_per_week: int,
                     step: int | None) -> WalkRun:
    """One object for each walk-run: weeks repeat them, and the schedule keys on them."""
    return WalkRun(run, walk, repeats, sessions_per_week, step)


def week_of(diagnosed: dt.date, day: dt.date) -> int:
    return (day - diagnosed).days // 7


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _listing(items: list[str], and_word: str = "and") -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + f" {and_word} " + items[-1]


def _duration(days: int) -> str:
    weeks, rest = divmod(days, 7)
    parts = ([_plural(weeks, "week")] if weeks else []) + ([_plural(rest, "day")] if rest else [])
    return " and ".join(parts) or "0 days"


@dataclass
class _Minimum:
    """The recorded step may not end before `days` of it (pauses excluded) since `since`."""

    since: dt.date
    days: int
    why: str
    override: tuple[str, int] | None = None  # the step's (overrides key, lowest allowed)
    after_pause: bool = False  # counted from the first day back from a pause


@dataclass
class _Climb:
    course: Course
    diagnosed: dt.date
    events: tuple[ProgressEvent, ...]
    source: str
    today: dt.date
    pos: int = 0  # the step the athlete is on
    recorded: int = 0  # the step the records put them on (the hold aside, the same)
    recorded_since: dt.date | None = None
    by_setback: bool = False  # `recorded` comes from a setback
    confirmable: bool = False  # ... and recording that step now confirms it (once)
    hurt: Step | None = None  # the step a setback just stepped back from
    need: int | None = None  # counted weeks this stay on the step lasts
    done: int = 0
    setback_left: int = 0
    entered: bool = True  # the current week starts a stay on a step
    recorded_entry: bool = True  # ... because an event recorded it (not a projection)
    minimums: list[_Minimum] = field(default_factory=list)
    walk_weeks: int | None = None  # weeks of brisk walking progression so far
    at_target: int = 0  # weeks walked at the target length
    run_minutes: int | None = None  # continuous running: minutes per run
    runs: int = 0  # ... and runs a week
    pause_until: dt.date | None = None  # the first day back from the latest pause
    pause_open: bool = False  # ... which has no end date yet: the next event ends it
    pauses: list[tuple[dt.date, dt.date]] = field(default_factory=list)
    clock: dt.date | None = None  # the healing clock: the floors count from this day
    due: dt.date | None = None  # the next recorded step was planned from this day
    waiting: tuple[Step, dt.date] | None = None  # a gated step due but not recorded, since
    gates: set[int] = field(default_factory=set)
    summaries: dict[int, str] = field(default_factory=dict)
    warnings: list[PlanWarning] = field(default_factory=list)
    assumed: list[PlanWarning] = field(default_factory=list)  # until a step is recorded

    @property
    def _words(self) -> Words:
        """The athlete's words, for what the page says of each event."""
        return words(self.course.language)

    def __post_init__(self) -> None:
        first = self.course.steps[0]
        self.recorded_since = self.clock = self.diagnosed
        self.first_day = self.diagnosed.toordinal()
        self.need = first.weeks
        self.minimums = [self._hard_minimum(first, self.diagnosed)]
        self.by_event = {s.event: s for s in self.course.steps if s.event}
        self.by_event.setdefault(first.phase.id, first)  # recorded only to go back to it

    # --- the week loop --------------------------------------------------------

    def run(self) -> Timeline:
        steps, pending = self.course.steps, list(self.events)
        weeks: list[dict] = []  # WeekPlan fields but the gate, known only once the next week is
        week = 0
        while True:
            here, part = [], False
            while pending and week_of(self.diagnosed, pending[0].date) == week:
                event = pending.pop(0)
                here.append(event.index)
                part |= self._apply(event, week) and event.date != self._start(week)
                if self.hurt is not None:  # a setback: the step it stepped back from hurt
                    if weeks and weeks[-1]["step"] is self.hurt:
                        weeks[-1]["ended_in_setback"] = True
                    self.hurt = None
            paused, back = self._paused(week)
            step = steps[self.pos]
            minutes = self._walk_minutes()
            setback = self.setback_left > 0
            weeks.append(dict(
                step=step, walk_minutes=minutes, walk_run=self._walk_run(step),
                setback=setback, paused=paused, back_from=back, events=tuple(here),
                starts=step.event if self.entered and not setback else None,
                waiting=self.waiting,
                needs_clearance=step.gated and self.entered and not self.recorded_entry))
            self.entered = False
            # a week a pause touched holds everything (steps, walks, runs), even the one the
            # athlete came back in: it is prescribed, not counted
            touched = paused or back is not None
            at_goal = self._after_week(week, step, minutes, counted=not touched and not part,
                                       paused=touched, setback=setback)
            if not pending and at_goal:
                break
            self._advance(week, projecting=not pending)
            week += 1
            if week >= MAX_WEEKS:
                raise self._too_long()
        last = len(weeks) - 1
        if self.pause_open:
            since, until = self.pauses[-1]
            self.warnings.append(PlanWarning(
                note_id("open-pause", since),
                f"Paused since {since} with no end date: the plan has the athlete back from "
                f"{until}. Record `event: resume` (or the step they are on) when they are."))
        return Timeline(
            weeks=tuple(WeekPlan(gate=i in self.gates and i < last, **fields)
                        for i, fields in enumerate(weeks)),
            summaries=tuple(self.summaries[e.index] for e in self.events),
            event_weeks=tuple(week_of(self.diagnosed, e.date) for e in self.events),
            warnings=tuple(self.warnings),
            pauses=tuple(Pause(since, until, self.pause_open and i == len(self.pauses) - 1)
                         for i, (since, until) in enumerate(self.pauses) if until > since),
        )

    def _paused(self, week: int) -> tuple[bool, dt.date | None]:
        """Whether a pause holds the week to its end; if not, the first day back from a pause
        that held part of it (the step is prescribed again from that day)."""
        if not self.pauses:
            return False, None
        start = self._start(week)
        end = start + dt.timedelta(days=6)
        held = [(since, until) for since, until in self.pauses
                if since <= end and until > start and until > since]
        if not held:
            return False, None
        if any(since <= end < until for since, until in held):
            return True, None
        return False, max(until for _, until in held)

    def _too_long(self) -> InputError:
        message = f"the plan would last more than {MAX_WEEKS} weeks"
        hint = "check the diagnosis and event dates"
        if self.waiting:
            step, since = self.waiting
            message += (f": {step.label} is waiting for the clinician since {since}, and no "
                        "clearance is recorded")
            hint = f"record it (event: {step.event}) when it happens, or check the dates"
        return InputError([Problem(self.source, message, field="injury.diagnosed", hint=hint)])

    def _start(self, week: int) -> dt.date:
        return dt.date.fromordinal(self.first_day + 7 * week)

    def _walk_minutes(self) -> int | None:
        if self.pos not in self.course.walk_steps:
            return None
        if self.walk_weeks is None:
            self.walk_weeks = 0
        walk = self.course.walk
        steps = self.walk_weeks // self.course.walk_weeks_per_step
        return min(walk.start_minutes + steps * walk.step_minutes, walk.target_minutes)

    def _walk_run(self, step: Step) -> WalkRun | None:
        phase = step.phase
        if step.walk_run_step:
            s = phase.steps[step.walk_run_step - 1]
            return _shared_walk_run(s.run, s.walk, s.repeats, phase.sessions_per_week,
                                    step.walk_run_step)
        if phase.kind == "continuous":
            return _shared_walk_run(self.run_minutes, 0, 1, self.runs, None)
        return None

    def _after_week(self, week: int, step: Step, minutes: int | None, counted: bool,
                    paused: bool, setback: bool) -> bool:
        """Count the week; True when it was the last week of the plan (the goal reached)."""
        if paused:
            return False  # nothing moves in a paused week: walks, runs and steps hold
        if minutes is not None:
            if minutes == self.course.walk.target_minutes:
                self.at_target += 1
            if not setback:  # walks do not grow while the athlete is stepped back
                self.walk_weeks += 1
        if counted:
            self.done += 1
            self.setback_left = max(self.setback_left - 1, 0)
        if step.phase.kind != "continuous":
            return False
        top = self.course.top
        if (self.runs, self.run_minutes) == (top.runs, top.minutes):
            return True
        if counted:
            self.gates.add(week)  # more running next week: its gate comes first
            self.runs, self.run_minutes = _more_running(step.phase, top, self.runs,
                                                        self.run_minutes)
        return False

    def _ready_to_run(self, week: int) -> bool:
        """The floors for the first run, checked for the week at `week`."""
        walk = self.course.walk
        return (self._start(week) >= self._floor()
                and (walk is None or self.at_target >= walk.weeks_at_target_before_running))

    def _advance(self, week: int, projecting: bool) -> None:
        """Between `week` and the next: move on if the step is complete and no event waits."""
        steps = self.course.steps
        step = steps[self.pos]
        if self.setback_left or (self.need is not None and self.done < self.need):
            return
        kind = step.phase.kind
        if kind == "continuous":
            return  # one step to the end: _after_week grows the running
        if kind == "hold":
            if not self._ready_to_run(week + 1):
                return
            if projecting:
                self.gates.add(week)
                if self._may_enter(steps[self.pos + 1], week):
                    self._enter(steps[self.pos + 1])
            else:
                self.due = self.due or self._start(week + 1)
            return
        if self.need is None:
            return
        following = steps[self.pos + 1] if self.pos + 1 < len(steps) else None
        if following is None:
            return
        if following.floor and self._start(week + 1) < self._floor_of(following):
            return  # the next step waits for its healing floor: another week of this one
        if following.phase.kind == "hold" and not (projecting and
                                                   self._ready_to_run(week + 1)):
            self.gates.add(week)
            self._enter(following)  # nobody records the hold: the plan moves into it
            if not projecting and self._ready_to_run(week + 1):
                self.due = self._start(week + 1)
            return
        if not projecting:
            self.due = self.due or self._start(week + 1)
            return
        self.gates.add(week)
        if following.phase.kind == "hold":
            if not self._may_enter(steps[following.index + 1], week):
                self._enter(following)  # waiting for the clinic: the hold is for that
                self.waiting = self.waiting or (steps[following.index + 1], self._start(week + 1))
                return
            following = steps[following.index + 1]  # floors already met: no filler week
        if self._may_enter(following, week):
            self._enter(following)

    def _may_enter(self, step: Step, week: int) -> bool:
        """A step only a clinician opens is never projected into a week that has begun:
        the athlete waits on the step before it, and the plan says for what and since when."""
        if not step.gated or self._start(week + 1) > self.today:
            return True
        self.waiting = self.waiting or (step, self._start(week + 1))
        return False

    def _enter(self, step: Step, need: int | None = None, recorded: bool = False) -> None:
        self.pos = step.index
        self.waiting = None
        self.recorded_entry = recorded
        self.need = step.weeks if need is None else need
        self.done = 0
        self.setback_left = 0
        self.entered = True
        self.due = None
        if step.index < self.course.walk_steps.start:
            self.walk_weeks = None  # back before walking began: walks start again from scratch
        if step.phase.kind == "continuous":
            self.runs = step.phase.sessions_per_week
            self.run_minutes = min(step.phase.start_minutes, self.course.top.minutes
                                   if self.course.top.runs == self.runs
                                   else step.phase.max_run_minutes)
        else:
            self.run_minutes, self.runs = None, 0

    # --- events -----------------------------------------------------------------

    def _floor_of(self, step: Step) -> dt.date:
        """The first day a step with a healing floor may start."""
        return self.clock + dt.timedelta(weeks=step.floor[1])

    def _floor(self) -> dt.date:
        """The first day a run may happen: the floor counted from the healing clock."""
        return self.clock + dt.timedelta(weeks=self.course.floor_weeks)

    def _apply(self, event: ProgressEvent, week: int) -> bool:
        """Apply one event; True when it changes the step (so its week is a part-week)."""
        in_pause = self.pause_until is not None and event.date < self.pause_until
        if in_pause:
            self._end_pause(event.date)  # any event ends a pause: the clinician saw them
        if event.event == RESUME:
            if not in_pause:
                ended = f"the last pause ended on {self.pause_until}" if self.pause_until \
                    else "no pause is recorded before it"
                raise self._error(event, f"'resume' on {event.date} ends no pause: {ended}",
                                  "remove it, or record the pause it ends above it")
            self.summaries[event.index] = self._words.gettext(
                "Back after the pause, at %(step)s", step=self._here().label)
            return False
        if event.event == PAUSE:
            self._pause(event)
            return False
        if event.event == NEW_IMAGING:
            self._new_imaging(event)
            return False
        if event.event == SETBACK:
            self._setback(event)
            return True
        if not self._step_event(event):
            return False
        if week > 0:
            self.gates.add(week - 1)
        return True

    def _here(self) -> Step:
        return self.course.steps[self.pos]

    def _step_event(self, event: ProgressEvent) -> bool:
        """A step recorded: forward (the steps between taken as done), back to an earlier
        one, or a confirmation of the step a setback put them on. True when it moves them."""
        steps = self.course.steps
        target = self.by_event.get(event.name)
        current = steps[self.recorded]
        since = self._since_text()
        self._settle_assumptions()
        if target is None:  # profile.py checks names; a protocol could still lack a step
            raise self._error(event, f"this protocol has no step '{event.name}'")
        if target.index == self.recorded:
            if not self.confirmable:
                raise self._error(
                    event, f"the athlete is already at {current.label} ({since})",
                    "record the next step when it starts, or `event: setback` for a step back")
            self.summaries[event.index] = self._words.gettext(
                "Confirmed at %(step)s after the setback", step=target.label)
            self.confirmable = False
            return False
        if target.index < self.recorded:
            self._go_back(event, target)
            return True
        between = steps[self.recorded + 1:target.index]
        skipped = [s for s in between if s.event]
        extra = sum(s.min_weeks * 7 for s in between)
        first_run = next((s for s in steps[self.recorded + 1:target.index + 1]
                          if s.walk_run_step == 1), None)
        if first_run is not None:
            self._warn_if_walks_short(event)
            floor = self._floor()
            if event.date < floor:
                clock = (f"{_duration((event.date - self.diagnosed).days)} after diagnosis"
                         if self.clock == self.diagnosed else
                         f"{_duration((event.date - self.clock).days)} after the new imaging "
                         f"on {self.clock}")
                raise self._error(
                    event, f"{self._event_words(target)} on {event.date}, {clock}: walk-run "
                    f"never starts before {self.course.floor_weeks} weeks, whatever the tests "
                    f"show (floors.walk_run_min_weeks)", f"the earliest day is {floor}")
        self._check_floors(event, target)
        for minimum in self.minimums:
            active = self._active_days(minimum.since, event.date)
            if active + self.course.leeway_days < minimum.days + extra:
                earliest = self._earliest(minimum, extra)
                if skipped:
                    names = _listing([s.label for s in skipped])
                    message = (f"{target.label} on {event.date} means {names} "
                               f"{'was' if len(skipped) == 1 else 'were'} done since "
                               f"{minimum.since}, but together with {current.label} they take "
                               f"at least {_duration(minimum.days + extra)} (their minimums), and "
                               f"{_duration(active)} passed")
                    hint = (f"record each step on the day it started, or {target.label} "
                            f"can start on {earliest} at the earliest")
                else:
                    message = (f"the athlete was back at {current.label} after a pause on "
                               f"{minimum.since}, {_duration(max(active, 0))} before "
                               f"{event.date}; {minimum.why}" if minimum.after_pause else
                               f"{current.label} lasted {_duration(active)} (from "
                               f"{minimum.since}{', pauses not counted' if self.pauses else ''}"
                               f"); {minimum.why}")
                    hint = f"{target.label} can start on {earliest} at the earliest"
                    hint += self._override_hint(minimum, active)
                raise self._error(event, message, hint)
        if current.usual and not self.by_setback and not between:
            low = min(current.usual[0], current.weeks or current.usual[0])
            active = self._active_days(self.recorded_since, event.date)
            if active < low * 7:
                self.warnings.append(PlanWarning(
                    note_id("short", current.event or current.phase.id, event.date),
                    f"{current.title} lasted {_duration(active)} ({self.recorded_since} to "
                    f"{event.date}): shorter than the protocol's usual "
                    f"{current.usual[0]}-{current.usual[1]} weeks. Check the recorded dates."))
        if event.pain is not None and event.pain > self.course.step_pain_max:
            self.warnings.append(PlanWarning(
                note_id("pain", target.event, event.date),
                f"{target.title} was recorded on {event.date} with pain {event.pain}/10: the "
                f"protocol moves on only at {self.course.step_pain_max}/10 or less "
                "(progress.step_pain_max). Check that the step was right."))
        self._enter(target, recorded=True)
        self.recorded, self.recorded_since, self.by_setback = target.index, event.date, False
        self.confirmable = False
        self.minimums = [self._hard_minimum(target, event.date)]
        say = self._words.gettext
        summary = (say("Cleared for walk-run: step 1 starts") if target.walk_run_step == 1
                   else say("Started %(step)s", step=target.label))
        if skipped:
            and_word = say("and")
            summary += " " + say("(%(steps)s taken as done)",
                                 steps=_listing([s.label for s in skipped], and_word))
        self.summaries[event.index] = summary
        return True

    def _check_floors(self, event: ProgressEvent, target: Step) -> None:
        """A step that waits for a healing floor (single-leg hops, say) never starts before
        it, nor does a later step that takes it as done sooner than its minimums allow."""
        steps = self.course.steps
        for step in steps[self.recorded + 1:target.index + 1]:
            if not step.floor:
                continue
            name, weeks = step.floor
            after = sum(s.min_weeks for s in steps[step.index:target.index]) * 7
            earliest = self._floor_of(step) + dt.timedelta(days=after)
            if event.date >= earliest:
                continue
            clock = ("diagnosis" if self.clock == self.diagnosed
                     else f"the new imaging on {self.clock}")
            taken = "" if step is target else f" (taken as done before {target.label})"
            raise self._error(
                event, f"{target.label} on {event.date}: {step.label}{taken} never starts "
                f"before {_plural(weeks, 'week')} after {clock}, whatever the tests show "
                f"(floors.{name})", f"{target.label} can start on {earliest} at the earliest")

    def _go_back(self, event: ProgressEvent, target: Step) -> None:
        """Back to an earlier step (to the first after a worse scan, say): the plan climbs
        again from it with the protocol's durations, every clearance recorded anew."""
        self._enter(target, recorded=True)
        self.recorded, self.recorded_since, self.by_setback = target.index, event.date, False
        self.confirmable = False
        self.minimums = [self._hard_minimum(target, event.date)]
        self.summaries[event.index] = self._words.gettext("Back to %(step)s",
                                                          step=target.label)

    def _new_imaging(self, event: ProgressEvent) -> None:
        """New imaging restarts the healing clock: the floors count from its day."""
        steps = self.course.steps
        first_run = next((s for s in steps if s.walk_run_step == 1), None)
        floor = event.date + dt.timedelta(weeks=self.course.floor_weeks)
        waiting = next((s for s in steps if s.floor), None)
        if waiting is not None and self.pos >= waiting.index and not (
                first_run is not None and self.pos >= first_run.index):
            back = f"`event: {steps[0].phase.id}`"
            until = event.date + dt.timedelta(weeks=waiting.floor[1])
            raise self._error(
                event, f"new imaging on {event.date} restarts the healing clock, but the "
                f"athlete is at {self._here().label}: {waiting.label} waits until {until} "
                f"(floors.{waiting.floor[0]})",
                f"record the step they go back to (e.g. {back}) on the same day, above this "
                "event")
        if first_run is not None and self.pos >= first_run.index:
            back = f"`event: {steps[0].phase.id}`"
            raise self._error(
                event, f"new imaging on {event.date} restarts the healing clock, but the "
                f"athlete is at {self._here().label}: no running before {floor}",
                f"record the step they go back to (e.g. {back}) on the same day, above this "
                "event")
        self.clock = event.date
        say = self._words
        self.summaries[event.index] = (
            say.gettext("New imaging: the healing clock restarts, no running before %(day)s",
                        day=say.day(floor) if say.language != "en" else str(floor)) if first_run
            else say.gettext("New imaging: the healing clock restarts"))

    def _setback(self, event: ProgressEvent) -> None:
        steps, weeks = self.course.steps, self.course.setback_weeks
        self._warn_if_unrecorded(event)
        current = self.hurt = steps[self.pos]
        back = self._previous(self.pos)
        why = f"a setback steps back for at least {_plural(weeks, 'week')} (progress.setback_weeks)"
        if back.index == current.index:
            # nothing below the first step: it lasts at least the setback's weeks more
            self.need = max((self.need or 0) - self.done, weeks)
            self.done = 0
            self.minimums.append(_Minimum(event.date, weeks * 7, why))
            summary = self._words.ngettext(
                "Setback: %(step)s for at least %(num)s week more",
                "Setback: %(step)s for at least %(num)s weeks more", weeks, step=current.label)
        else:
            self._enter(back, need=weeks, recorded=True)  # the setback event put them there
            self.minimums = [_Minimum(event.date, weeks * 7, why)]
            summary = self._words.ngettext(
                "Setback: back to %(step)s for at least %(num)s week",
                "Setback: back to %(step)s for at least %(num)s weeks", weeks, step=back.label)
        self.setback_left = weeks
        self.recorded, self.recorded_since, self.by_setback = back.index, event.date, True
        self.confirmable = True
        self.summaries[event.index] = summary

    def _pause(self, event: ProgressEvent) -> None:
        self._warn_if_unrecorded(event)
        until = event.until
        self.pause_open = until is None
        if until is None:  # until the next event; with none yet, through the week of today
            until = self._start(week_of(self.diagnosed, self.today) + 1)
        self._pause_to(event.date, until)
        if self.need is not None:
            # back at the same step for what was left of it, and never less than resume_weeks
            self.need = max(self.need - self.done, self.course.resume_weeks)
            self.done = 0
        # a step recorded after the pause waits resume_weeks from the first day back (an
        # event that ends the pause sooner moves that day: _end_pause)
        weeks = self.course.resume_weeks
        self.minimums = [m for m in self.minimums if not m.after_pause] + [_Minimum(
            until, weeks * 7, f"after a pause the athlete stays on the step at least "
            f"{_plural(weeks, 'week')} (progress.resume_weeks)", after_pause=True)]
        step = self.course.steps[self.pos].label
        say = self._words.gettext
        self.summaries[event.index] = (say("Paused at %(step)s", step=step) if event.until
                                       else say("Paused at %(step)s, until the next visit",
                                                step=step))

    def _pause_to(self, since: dt.date, until: dt.date) -> None:
        self.pause_until = until
        for minimum in self.minimums:
            if minimum.after_pause:
                minimum.since = until
        if self.pauses and self.pauses[-1][0] == since:
            self.pauses[-1] = (since, until)
        else:
            self.pauses.append((since, until))

    def _end_pause(self, day: dt.date) -> None:
        """An event inside a pause ends it that day."""
        self.pause_open = False
        self._pause_to(self.pauses[-1][0], day)

    def _warn_if_walks_short(self, event: ProgressEvent) -> None:
        """The first run comes after pain-free brisk walks of the target length."""
        walk = self.course.walk
        if walk is None:
            return
        minutes = None if self.walk_weeks is None else min(
            walk.start_minutes + self.walk_weeks // self.course.walk_weeks_per_step
            * walk.step_minutes, walk.target_minutes)
        if minutes is None or minutes < walk.target_minutes:
            planned = f"{minutes} minutes" if minutes else "not started"
            self.warnings.append(PlanWarning(
                note_id("short-walks", event.date),
                f"Walk-run cleared on {event.date} while the planned brisk walk is {planned}: "
                f"the protocol asks for pain-free {walk.target_minutes}-minute walks first "
                "(brisk_walk.target_minutes). Check the walks before the first run."))

    def _warn_if_unrecorded(self, event: ProgressEvent) -> None:
        """A setback or pause after a step was due (on the day it was due, the athlete simply
        had not moved on yet): say what the plan assumes, until a step is recorded again."""
        if self.due and self.due < event.date:
            steps = self.course.steps
            expected = self._next_recorded(self.recorded)
            warning = PlanWarning(
                note_id("unrecorded", event.event, event.date),
                f"No step was recorded after {steps[self.recorded].label} ({self._since_text()}), "
                f"though {expected.label} was planned from {self.due}: the {event.event} on "
                f"{event.date} applies to {steps[self.pos].label}. If the athlete had moved on, "
                f"record that step before the {event.event}.")
            self.warnings.append(warning)
            self.assumed.append(warning)

    def _settle_assumptions(self) -> None:
        """A step recorded after such a setback or pause: the clinician has the athlete's
        steps in hand again, so what the plan assumed no longer needs a look."""
        self.warnings = [w for w in self.warnings if w not in self.assumed]
        self.assumed.clear()

    # --- helpers ------------------------------------------------------------------

    def _hard_minimum(self, step: Step, since: dt.date) -> _Minimum:
        return _Minimum(since, step.min_weeks * 7,
                        f"the shortest allowed is {_plural(step.min_weeks, 'week')} "
                        f"({step.min_source})", step.override)

    def _override_hint(self, minimum: _Minimum, active: int) -> str:
        """How the clinician keeps the recorded date on purpose, where an override may: the
        step's length set to the whole weeks it lasted (a day's leeway included)."""
        if minimum.override is None:
            return ""
        key, lowest = minimum.override
        weeks = (active + self.course.leeway_days) // 7
        if weeks < lowest:
            return ""  # below the hard limit: no override keeps this date
        return (f"; to keep this date, set overrides.{key}: {weeks} in the profile: a "
                "clinician's decision, shown as a warning")

    def _next_recorded(self, index: int) -> Step | None:
        return next((s for s in self.course.steps[index + 1:] if s.event), None)

    def _previous(self, index: int) -> Step:
        """One step down. The hold continues the last strength stage, so it goes below that."""
        steps = self.course.steps
        if steps[index].phase.kind == "hold":
            return steps[max(index - 2, 0)]
        return steps[max(index - 1, 0)]

    def _since_text(self) -> str:
        if self.recorded_since == self.diagnosed and self.recorded == 0:
            return f"since diagnosis on {self.diagnosed}"
        return f"since {self.recorded_since}"

    @staticmethod
    def _event_words(step: Step) -> str:
        return "walk-run cleared" if step.walk_run_step == 1 else step.label

    def _active_days(self, start: dt.date, end: dt.date) -> int:
        """Days from start to end, without the paused ones."""
        paused = sum(max((min(until, end) - max(since, start)).days, 0)
                     for since, until in self.pauses)
        return (end - start).days - paused

    def _earliest(self, minimum: _Minimum, extra: int = 0) -> dt.date:
        days = minimum.days + extra - self.course.leeway_days
        day = minimum.since + dt.timedelta(days=days)
        while self._active_days(minimum.since, day) < days:
            day += dt.timedelta(days=1)
        return day

    def _error(self, event: ProgressEvent, message: str, hint: str = "") -> InputError:
        return InputError([Problem(self.source, message, field=f"progress[{event.index}]",
                                   line=event.line, column=event.column, hint=hint)])
