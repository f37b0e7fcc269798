"""Property tests: any valid history keeps the clinical invariants; any broken one is an error.

Valid histories are made by walking the protocol's step ladder as a clinic would:
each step recorded no sooner than its hard minimum allows (pauses not counted), the
first walk-run no sooner than the floor, with setbacks and pauses at random.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import tempfile
from pathlib import Path

from factories import PROFILE_YAML, make_profile, plain_injury
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.errors import InputError
from generator.plan import Plan
from generator.profile import load_profile
from generator.progress import GENERIC, ProgressEvent, Step
from generator.schedule import course, schedule

DIAGNOSED = dt.date(2026, 1, 6)
PROFILE_SETTINGS = settings(max_examples=150, deadline=None,
                            suppress_health_check=[HealthCheck.too_slow])


@dataclasses.dataclass(frozen=True)
class History:
    severity: str
    prior: int
    overrides: dict
    events: tuple[ProgressEvent, ...]
    today: dt.date
    protocol: str = "femoral-neck-stress-fracture"
    injury: dict = dataclasses.field(default_factory=dict)

    def profile(self):
        return make_profile(severity=self.severity, prior_bone_stress_injuries=self.prior,
                            diagnosed=DIAGNOSED, overrides=self.overrides, progress=self.events,
                            source="plans/test-athlete.yaml", protocol=self.protocol,
                            **({"injury": self.injury} if self.injury else {}))


def _previous(steps: tuple[Step, ...], index: int) -> int:
    if steps[index].phase.kind == "hold":
        return max(index - 2, 0)
    return max(index - 1, 0)


@st.composite
def histories(draw, protocol) -> History:
    severity = draw(st.sampled_from(protocol.severity_levels))
    overrides = {}
    for key in draw(st.sets(st.sampled_from(sorted(protocol.hard_limits)), max_size=3)):
        low, high = protocol.hard_limits[key]
        overrides[key] = draw(st.integers(low, high if key == "goal" else high))
    prior = draw(st.integers(0, 3))
    injury = plain_injury(protocol)
    profile = make_profile(severity=severity, prior_bone_stress_injuries=prior,
                           diagnosed=DIAGNOSED, overrides=overrides, protocol=protocol.id,
                           injury=injury)
    steps = course(profile, protocol).steps
    first_run = next(s.index for s in steps if s.walk_run_step == 1)
    # new imaging restarts the healing clock: an error once a step that waits for it is on
    first_floor = min([first_run] + [s.index for s in steps if s.floor])
    leeway = dt.timedelta(days=protocol.leeway_days)
    recorded, last, clock = 0, DIAGNOSED, DIAGNOSED
    since, minimum_days = DIAGNOSED, steps[0].min_weeks * 7
    paused_days_since = 0  # paused days after `since`: a step waits for them too
    back_on: dt.date | None = None  # the first day back from the latest pause ...
    resume = dt.timedelta(weeks=protocol.resume_weeks)  # ... which the next step waits after
    by_setback = False
    events: list[ProgressEvent] = []

    def add(day: dt.date, event: str, **fields) -> None:
        events.append(ProgressEvent(index=len(events), date=day, event=event, **fields))

    def record(target: Step, day: dt.date) -> None:
        name, _, number = (target.event or target.phase.id).partition(" ")
        field = {"strength_stage": "stage", "walk_run_step": "step"}.get(name)
        pain = draw(st.sampled_from([None, None, 0, 0, 1, 3]))
        add(day, name, pain=pain, **({field: int(number)} if field else {}))

    def setback(day: dt.date) -> None:
        nonlocal recorded, since, last, minimum_days, paused_days_since, by_setback, back_on
        add(day, "setback", note="pain")
        back = _previous(steps, recorded)
        if back != recorded:
            back_on = None  # the setback's own minimum replaces the pause's
        if back != recorded or recorded == 0:
            # the first step keeps what was left of its own minimum too
            left = minimum_days + paused_days_since - (day - since).days
            minimum_days = protocol.setback_weeks * 7 if back != recorded else max(
                left, protocol.setback_weeks * 7)
            recorded, since, paused_days_since = back, day, 0
        last, by_setback = day, True

    kinds = ["step"] * 5 + ["skip"] * 2 + ["setback", "pause", "open_pause",
                                           "pause_ended_by_setback", "back", "imaging", "confirm"]
    for _ in range(draw(st.integers(0, 18))):
        kind = draw(st.sampled_from(kinds))
        recordable = [s for s in steps[recorded + 1:] if s.event]
        target = recordable[1 if kind == "skip" else 0] if len(recordable) > (
            kind == "skip") else None
        if kind in ("step", "skip") and target is not None:
            between = sum(s.min_weeks * 7 for s in steps[recorded + 1:target.index])
            earliest = max(last, since - leeway + dt.timedelta(
                days=minimum_days + between + paused_days_since))
            if recorded < first_run <= target.index:
                earliest = max(earliest, clock + dt.timedelta(
                    weeks=protocol.floor("walk_run_min_weeks", severity)))
            for waiting in steps[recorded + 1:target.index + 1]:  # steps with a healing floor
                if waiting.floor:
                    after = sum(s.min_weeks * 7 for s in steps[waiting.index:target.index])
                    earliest = max(earliest, clock + dt.timedelta(weeks=waiting.floor[1],
                                                                  days=after))
            if back_on is not None:
                earliest = max(earliest, back_on + resume - leeway + dt.timedelta(days=between))
            day = earliest + dt.timedelta(days=draw(st.integers(0, 20)))
            record(target, day)
            recorded, since, last, by_setback = target.index, day, day, False
            minimum_days, paused_days_since, back_on = target.min_weeks * 7, 0, None
        elif kind == "setback":
            setback(last + dt.timedelta(days=draw(st.integers(0, 20))))
        elif kind == "confirm" and by_setback and (steps[recorded].event or recorded == 0):
            # (nobody records the ready-to-run hold a setback from walk-run step 1 leads to)
            day = last + dt.timedelta(days=draw(st.integers(0, 5)))
            record(steps[recorded], day)
            last, by_setback = day, False  # confirmed once
        elif kind == "back" and recorded > 0:
            day = last + dt.timedelta(days=draw(st.integers(0, 20)))
            record(steps[0], day)
            recorded, since, last, by_setback = 0, day, day, False
            minimum_days, paused_days_since, back_on = steps[0].min_weeks * 7, 0, None
        elif kind == "imaging" and recorded < first_floor:
            day = last + dt.timedelta(days=draw(st.integers(0, 20)))
            add(day, "new_imaging")
            clock, last = day, day
        elif kind == "pause":
            day = last + dt.timedelta(days=draw(st.integers(0, 20)))
            until = day + dt.timedelta(days=draw(st.integers(1, 21)))
            add(day, "pause", until=until)
            paused_days_since += (until - day).days
            last = back_on = until
        elif kind == "open_pause":  # no end date: the next event (a resume here) ends it
            day = last + dt.timedelta(days=draw(st.integers(0, 20)))
            back_on = day + dt.timedelta(days=draw(st.integers(1, 21)))
            add(day, "pause")
            add(back_on, "resume")
            paused_days_since += (back_on - day).days
            last = back_on
        elif kind == "pause_ended_by_setback":  # phoned in during the pause
            day = last + dt.timedelta(days=draw(st.integers(0, 20)))
            ended = day + dt.timedelta(days=draw(st.integers(1, 10)))
            add(day, "pause", until=ended + dt.timedelta(days=draw(st.integers(1, 21))))
            paused_days_since += (ended - day).days
            back_on = ended
            setback(ended)
    today = last + dt.timedelta(days=draw(st.integers(0, 40)))
    if events and events[-1].event == "pause" and events[-1].until and draw(st.booleans()):
        # a pause whose end is not known yet, the latest event
        events[-1] = dataclasses.replace(events[-1], until=None)
    return History(severity, prior, overrides, tuple(events), today, protocol.id, injury)


def ladder_index(plan: Plan, steps: tuple[Step, ...]) -> list[int]:
    where = {s.title: s.index for s in steps}
    return [where[w.step_title] for w in plan.weeks]


def pauses(events, today: dt.date) -> list[tuple[dt.date, dt.date]]:
    """(first day, first day back) of each pause: `until`, or the next event's day when it
    comes sooner or `until` is not known; an open pause lasts at least through today."""
    out = []
    for i, e in enumerate(events):
        if e.event == "pause":
            later = next((f.date for f in events[i + 1:]), None)
            ends = [d for d in (e.until, later) if d is not None]
            out.append((e.date, min(ends) if ends else today + dt.timedelta(days=7)))
    return out


def paused_between(intervals, start: dt.date, end: dt.date) -> int:
    return sum(max((min(until, end) - max(since, start)).days, 0) for since, until in intervals)


@given(data=st.data())
@PROFILE_SETTINGS
def test_any_valid_history_keeps_the_safety_invariants(shipped_protocol, data):
    protocol = shipped_protocol
    history = data.draw(histories(protocol))
    profile = history.profile()
    plan = schedule(profile, protocol, history.today)
    steps = course(profile, protocol).steps

    # a step only a clinician opens starts in a week up to today only when it was recorded:
    # a projected one always starts after today's week
    assert not any(w.needs_clearance for w in plan.weeks if w.start <= history.today)
    # a paused week prescribes no running and no jumps or hops
    for week in plan.weeks:
        if week.paused:
            assert week.walk_run is None and week.walk_minutes is None
            assert not any(s.kind in ("walk_run", "run") for s in week.sessions)
            assert not any(protocol.exercises[e].impact for s in week.sessions
                           for e in s.exercises)

    # a week is paused only when a pause holds it to its end; the week the athlete comes
    # back in prescribes the step again, its days still inside the pause only what a paused
    # week keeps
    for week in plan.weeks:
        assert week.paused == bool(plan.pause_on(week.end))
        if week.back_from:
            assert week.start < week.back_from <= week.end and not week.paused
            kept = {s.title for s in week.sessions if s.kind in protocol.paused_kinds}
            for day in week.days:
                if plan.pause_on(day.date):
                    assert set(day.sessions) <= kept

    # jumps and hops never on back-to-back days: at most 3 sessions a week with them, a rest
    # day between, none beside the runs; each starts with fewer landings (a start dose)
    for week in plan.weeks:
        jumps = [s for s in week.sessions
                 if any(protocol.exercises[e].impact for e in s.exercises)]
        if week.walk_run:
            assert not jumps
        for s in jumps:
            assert s.times_per_week[1] <= 3 and "rest day between" in s.per_week
            assert all(protocol.exercises[e].start_dose for e in s.exercises
                       if protocol.exercises[e].impact)

    # weeks are contiguous, seven days, from the diagnosis day
    for number, week in enumerate(plan.weeks, start=1):
        assert week.number == number
        assert week.start == DIAGNOSED + dt.timedelta(weeks=number - 1)
        assert week.end == week.start + dt.timedelta(days=6)

    # walk-run never before the 12-week floor, from diagnosis or from the latest new
    # imaging before it, and never before strength stage 6
    floor = dt.timedelta(weeks=protocol.floor("walk_run_min_weeks", history.severity))
    running = [i for i, w in enumerate(plan.weeks) if w.walk_run]
    assert running and plan.weeks[running[0]].start >= DIAGNOSED + floor
    for i in running:
        week = plan.weeks[i]
        # a week shows an event from its first day: a run starts on the clearance's day
        cleared = [plan.events[j].date for j in week.events
                   if plan.events[j].summary.startswith("Cleared")]
        first_run = max([week.start, *cleared])
        clock = max([DIAGNOSED] + [e.date for e in plan.events if e.event == "new_imaging"
                                   and e.date <= first_run])
        assert first_run >= clock + floor, (first_run, clock)
    last = max(p.strength_stage or 0 for p in protocol.phases)
    assert any(w.strength_stage == last for w in plan.weeks[:running[0]]) or any(
        f"strength stage {last}" in e.summary for e in plan.events)

    # an exercise that waits for a healing floor (single-leg hops load the hip like a
    # running stride) is never in a week before it, counted like the walk-run floor: from
    # the day its step started, against diagnosis or the latest new imaging before it
    for week in plan.weeks:
        waits = {protocol.exercises[e].not_before for s in week.sessions
                 for e in s.exercises} - {""}
        started = [plan.events[j].date for j in week.events
                   if plan.events[j].summary.startswith(("Started", "Cleared"))]
        first = max([week.start, *started])
        clock = max([DIAGNOSED] + [e.date for e in plan.events if e.event == "new_imaging"
                                   and e.date <= first])
        for name in waits:
            assert first >= clock + dt.timedelta(
                weeks=protocol.floor(name, history.severity)), (week, name)

    # steps in ladder order: forward one step at a time (the hold may be skipped) unless
    # a recorded step took the ones between as done; back only in a setback (one step per
    # setback that week, two from the hold) or to a step recorded that week
    index = ladder_index(plan, steps)
    for a, b, week in zip(index, index[1:], plan.weeks[1:], strict=False):
        here = [plan.events[i] for i in week.events]
        if b - a >= 2 and not any("taken as done" in e.summary for e in here):
            forward = sum(e.summary.startswith(("Started", "Cleared")) for e in here)
            holds = sum(s.phase.kind == "hold" for s in steps[a + 1:b])
            assert b - a <= max(forward, 1) + holds
        if b < a and not any(e.summary.startswith("Back to") for e in here):
            setbacks = sum(e.event == "setback" for e in here)
            assert week.setback and a - b <= 2 * setbacks

    # no step shorter than its minimum (less the protocol's leeway): recorded steps by
    # their dates (pauses not counted), planned steps after the latest event by their
    # planned weeks
    intervals = pauses(plan.events, history.today)
    ladder = {s.event or s.phase.id: s for s in steps}
    anchors = [e for e in plan.events if e.summary.startswith(
        ("Started", "Cleared", "Back to", "Setback"))]
    for before, after in zip([None, *anchors], anchors, strict=False):
        if after.event == "setback" or after.summary.startswith("Back to"):
            continue
        start = before.date if before else DIAGNOSED
        days = (after.date - start).days - paused_between(intervals, start, after.date)
        days += protocol.leeway_days
        if before and before.event == "setback":
            assert days >= protocol.setback_weeks * 7
        else:
            started = ladder[before.name] if before else steps[0]
            target = ladder[after.name]
            between = sum(s.min_weeks * 7 for s in steps[started.index + 1:target.index])
            assert days >= started.min_weeks * 7 + between
    last_week = plan.events[-1].week if plan.events else 0
    runs: list[list[int]] = []
    for i in range(last_week, len(plan.weeks)):  # stays on one step after the latest event
        if runs and index[runs[-1][-1]] == index[i]:
            runs[-1].append(i)
        else:
            runs.append([i])
    for run in runs[1:-1]:  # the first may have begun before the latest event
        planned = steps[index[run[0]]].weeks
        if plan.weeks[run[0]].setback:
            assert len(run) >= protocol.setback_weeks
        elif planned:
            assert len(run) >= planned

    # every event shows in the week that holds it, and the plan ends at the goal
    for i, event in enumerate(plan.events):
        assert plan.weeks[event.week - 1].start <= event.date <= plan.weeks[event.week - 1].end
        assert i in plan.weeks[event.week - 1].events
    final = plan.weeks[-1]
    assert final.phase == next(p.id for p in protocol.phases if p.kind == "continuous")
    running = next(p for p in protocol.phases if p.kind == "continuous")
    most = running.max_sessions_per_week * running.max_run_minutes
    assert final.walk_run.weekly_running_minutes >= min(plan.goal_weekly_minutes, most)
    # no single run over the protocol's maximum, never more runs a week than it allows,
    # and weekly running never rises by more than the protocol's percent (a minute aside)
    growth = 1 + running.max_weekly_increase_percent / 100
    before = None
    for week in plan.weeks:
        if week.walk_run and week.walk_run.step is None:
            run = week.walk_run
            assert run.run_minutes <= running.max_run_minutes
            assert run.sessions_per_week <= running.max_sessions_per_week
            weekly = run.weekly_running_minutes
            if before is not None and weekly > before:
                assert weekly <= max(before * growth, before + run.sessions_per_week), (
                    before, weekly)
            before = weekly


@given(data=st.data())
@PROFILE_SETTINGS
def test_re_dating_is_deterministic(shipped_protocol, data):
    protocol = shipped_protocol
    history = data.draw(histories(protocol))
    first = schedule(history.profile(), protocol, history.today)
    again = schedule(history.profile(), protocol, history.today)
    assert first == again
    assert first.to_dict() == again.to_dict()


# --- broken histories ----------------------------------------------------------------

def _yaml(history: History) -> str:
    lines = [PROFILE_YAML.replace("2026-09-01", DIAGNOSED.isoformat()).replace(
        "severity: moderate", f"severity: {history.severity}").replace(
        "prior_bone_stress_injuries: 0", f"prior_bone_stress_injuries: {history.prior}")]
    if history.overrides:
        lines.append("overrides:")
        lines += [f"  {k}: {v}" for k, v in history.overrides.items()]
    if history.events:
        lines.append("progress:")
    for e in history.events:
        fields = [f"date: {e.date}", f"event: {e.event}"]
        fields += [f"{name}: {getattr(e, name)}" for name in ("stage", "step", "until", "pain")
                   if getattr(e, name) is not None]
        lines.append("  - {" + ", ".join(fields) + "}")
    return "\n".join(lines) + "\n"


MUTATIONS = ("swap", "skip_too_soon", "before_diagnosis", "after_today", "until_before",
             "repeat", "early_run", "imaging_while_running")


@st.composite
def broken(draw, protocol) -> tuple[History, str]:
    history = draw(histories(protocol).filter(lambda h: any(
        e.event not in GENERIC for e in h.events)))
    events = list(history.events)
    steps = [i for i, e in enumerate(events) if e.event not in GENERIC]
    mutation = draw(st.sampled_from(MUTATIONS))
    pauses = [i for i, e in enumerate(events) if e.event == "pause"]
    runs = [i for i in steps if events[i].event in ("walk_run_cleared", "walk_run_step")]
    if mutation == "swap":
        pairs = [(i, i + 1) for i in range(len(events) - 1)
                 if events[i].date < events[i + 1].date]
        if not pairs:
            mutation = "after_today"
        else:
            i, j = draw(st.sampled_from(pairs))
            events[i], events[j] = events[j], events[i]
    if mutation == "skip_too_soon":  # two steps on in a day: no time for the one between
        ladder = {s.event or s.phase.id: s for s in course(history.profile(), protocol).steps}
        i = draw(st.sampled_from(steps))
        ahead = [s for s in ladder.values() if s.event and s.index > ladder[events[i].name].index]
        if len(ahead) >= 2:
            name, _, number = ahead[1].event.partition(" ")
            field = {"strength_stage": "stage", "walk_run_step": "step"}.get(name)
            events.insert(i + 1, ProgressEvent(0, events[i].date, name,
                                               **({field: int(number)} if field else {})))
        else:
            mutation = "repeat"
    if mutation == "before_diagnosis":
        events[0] = dataclasses.replace(events[0], date=DIAGNOSED - dt.timedelta(days=1))
    if mutation == "after_today":
        events[-1] = dataclasses.replace(events[-1], date=history.today + dt.timedelta(days=1))
    if mutation == "until_before" and not pauses:
        mutation = "repeat"
    if mutation == "until_before":
        i = draw(st.sampled_from(pauses))
        events[i] = dataclasses.replace(events[i], until=events[i].date)
    if mutation == "repeat":
        i = draw(st.sampled_from(steps))
        events.insert(i + 1, dataclasses.replace(events[i]))
    if mutation == "imaging_while_running":
        if runs:
            events.insert(runs[0] + 1, ProgressEvent(0, events[runs[0]].date, "new_imaging"))
        else:
            mutation = "early_run"
    if mutation == "early_run":
        if runs:
            weeks = protocol.floor("walk_run_min_weeks", history.severity)
            day = DIAGNOSED + dt.timedelta(weeks=weeks, days=-1)
            events[runs[0]] = dataclasses.replace(events[runs[0]], date=day)
        else:
            events.append(dataclasses.replace(events[steps[-1]], event="walk_run_cleared",
                                              stage=None, step=None))
    return dataclasses.replace(history, events=tuple(events)), mutation


@given(data=st.data())
@PROFILE_SETTINGS
def test_any_broken_history_is_an_input_error_never_a_traceback(protocol, protocols, data):
    history, mutation = data.draw(broken(protocol))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "test-athlete.yaml"
        path.write_text(_yaml(history), encoding="utf-8")
        try:
            profile = load_profile(path, protocols, history.today)
            plan = schedule(profile, protocol, history.today)
        except InputError as err:
            assert all(p.file == str(path) and p.line for p in err.problems), err
            return
    raise AssertionError(f"{mutation}: no error, plan made:\n{_yaml(history)}\n"
                         f"{plan.milestones}")


_values = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 60), st.text(max_size=12),
    st.dates(dt.date(2025, 12, 1), dt.date(2027, 6, 1)),
    st.lists(st.integers(0, 3), max_size=2))
_entries = st.one_of(
    _values,
    st.dictionaries(st.sampled_from(["date", "event", "stage", "step", "until", "note", "x"]),
                    st.one_of(_values, st.sampled_from(
                        ["partial_weight_bearing", "full_weight_bearing", "strength_stage",
                         "walk_run_cleared", "walk_run_step", "continuous_running", "setback",
                         "pause"])), max_size=6))


def _flow(value) -> str:
    """A YAML flow value, quoted where YAML would otherwise read it differently."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return str(value)


@given(progress=st.lists(_entries, max_size=8),
       overrides=st.dictionaries(st.sampled_from(
           ["non_weight_bearing_weeks", "weeks_per_strength_stage", "goal", "walk_run_weeks"]),
           _values, max_size=3))
@PROFILE_SETTINGS
def test_any_progress_or_overrides_value_gives_a_plan_or_an_input_error(
        protocol, protocols, progress, overrides):
    text = PROFILE_YAML + "progress: " + _flow(progress) + "\noverrides: " + _flow(overrides)
    today = dt.date(2026, 11, 23)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "test-athlete.yaml"
        path.write_text(text + "\n", encoding="utf-8")
        with contextlib.suppress(InputError):  # anything else fails the test
            schedule(load_profile(path, protocols, today), protocol, today)
