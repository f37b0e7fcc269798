"""The clinical core, a pure function: (Profile, Protocol, today) -> Plan. No I/O, no clock.

Weeks are counted from the diagnosis day: week 1 starts on it and every week is
seven days, so a planned phase starts on the diagnosis weekday. All lengths come
from the protocol content, or from the clinician's overrides within its hard
limits. Recorded progress (generator/progress.py) decides where the athlete is;
the protocol's durations and floors decide what comes next.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import replace
from functools import partial

from generator.days import plan_days
from generator.i18n import words
from generator.plan import (
    Audience,
    Day,
    GateStop,
    InjuryDetail,
    NextStep,
    Note,
    PhaseSpan,
    Plan,
    PlanWarning,
    RecordedEvent,
    Referral,
    RiskScore,
    Status,
    WalkRun,
    Week,
    WeekSession,
    frequency,
    note_id,
    plural,
)
from generator.profile import Profile
from generator.progress import (
    SETBACK,
    SETBACK_SAYS,
    Course,
    Step,
    Timeline,
    WeekPlan,
    climb,
    event_name,
    running_top,
)
from generator.protocol import Phase, Protocol
from generator.rules import matching

LAST_DAY = dt.timedelta(days=6)  # a week's last day, from its first
# what a week's sessions depend on: its phase, walk-run, brisk walk minutes and pause
WeekKind = tuple[str, WalkRun | None, int | None, bool]
OVERRIDE_WHAT = {  # how a warning names what an override changed
    "weeks_per_strength_stage": "Each strength stage",
    "walk_run_step_weeks": "Each walk-run step",
}


def history_points(profile: Profile, protocol: Protocol) -> int:
    return sum(spec.history_points(profile.history.get(name))
               for name, spec in protocol.history_fields.items())


def history_level(profile: Profile, protocol: Protocol) -> int:
    """0 = none, then higher for more previous bone stress injuries and risk factors."""
    points = history_points(profile, protocol)
    return max(i for i, threshold in enumerate(protocol.history_levels) if points >= threshold)


def risk_scores(profile: Profile, protocol: Protocol) -> tuple[RiskScore, ...]:
    """Each risk table the protocol declares, scored over the athlete's history."""
    out = []
    for table in protocol.risk_scores:
        items = tuple((item.label, item.points(profile.history)) for item in table.items)
        total = sum(points for _, points in items)
        band = table.band(total)
        out.append(RiskScore(table.id, table.name, table.title, total, band.name,
                             table.band_range(band), band.clearance, table.notice(total),
                             items, table.note))
    return tuple(out)


def referral_reasons(profile: Profile, protocol: Protocol) -> tuple[str, ...]:
    return tuple(rule.reason for rule in matching(protocol.referral, profile.injury))


def running_goal(profile: Profile, protocol: Protocol) -> int:
    """Weekly running minutes where continuous running stops building."""
    return profile.overrides.get("goal") or profile.goal_weekly_minutes or next(
        (p.default_goal_weekly_minutes for p in protocol.phases if p.kind == "continuous"), 0)


def planned_weeks(phase: Phase, profile: Profile, level: int) -> int | None:
    """Weeks of a fixed phase, or of each walk-run step: the override, else the table."""
    override = profile.overrides.get(phase.override_key or "")
    if override is not None:
        return override
    table = phase.weeks if phase.kind == "fixed" else phase.weeks_per_step
    return table[profile.severity][level] if table else None


def course(profile: Profile, protocol: Protocol) -> Course:
    """The ladder of steps with this athlete's lengths, and what the climb needs besides:
    the same for every athlete with their severity, history level, overrides and goal, so
    worked out once per protocol for each."""
    level = history_level(profile, protocol)
    key = ("course", profile.severity, level, tuple(sorted(profile.overrides.items())),
           running_goal(profile, protocol))
    return protocol.derive(key, partial(_course, profile, protocol, level))


def _course(profile: Profile, protocol: Protocol, level: int) -> Course:
    steps: list[Step] = []
    for position, phase in enumerate(protocol.phases):
        numbers = range(1, len(phase.steps) + 1) if phase.kind == "walk_run" else [None]
        weeks = planned_weeks(phase, profile, level)
        key = phase.override_key or ""
        hard = protocol.hard_limits.get(key)
        minimum, source = hard[0] if hard else 0, f"hard_limits.{key}"
        if profile.severity in protocol.severity_minimums.get(key, {}):
            minimum = protocol.severity_minimums[key][profile.severity]
            source = f"severity_minimums.{key}.{profile.severity}"
        if profile.overrides.get(key) is not None and profile.overrides[key] < minimum:
            # only a clinician's explicit override goes below the severity's minimum
            minimum, source = profile.overrides[key], f"overrides.{key}"
        usual = phase.limits.get(profile.severity) if phase.limits else None
        # an explicit override may shorten the step down to its hard limit, not below
        override = (key, hard[0]) if hard and phase.override_key and hard[0] < minimum else None
        for number in numbers:
            steps.append(Step(
                index=len(steps), phase=phase, walk_run_step=number,
                weeks=weeks if phase.kind in ("fixed", "walk_run") else None,
                min_weeks=minimum, min_source=source, usual=usual,
                event=event_name(phase, position, number),
                gated=phase.opened_by_clinician and number in (None, 1), override=override,
                floor=(phase.not_before, protocol.floor(phase.not_before, profile.severity))
                if phase.not_before and number in (None, 1) else None,
                language=protocol.language))
    walk = protocol.brisk_walk
    goal = running_goal(profile, protocol)
    walk_steps = range(0)
    if walk:
        first = next(s.index for s in steps if s.phase.id == walk.starts_with)
        end = next((s.index for s in steps if s.phase.id == walk.ends_before), len(steps))
        walk_steps = range(first, end)
    return Course(
        steps=tuple(steps), history_level=level, walk=walk,
        walk_weeks_per_step=walk.weeks_per_step[profile.severity][level] if walk else 1,
        walk_steps=walk_steps,
        floor_weeks=protocol.floor("walk_run_min_weeks", profile.severity),
        goal=goal,
        top=running_top(next((p for p in protocol.phases if p.kind == "continuous"), None), goal),
        setback_weeks=protocol.setback_weeks,
        resume_weeks=protocol.resume_weeks, leeway_days=protocol.leeway_days,
        step_pain_max=protocol.step_pain_max, language=protocol.language)


def schedule(profile: Profile, protocol: Protocol, today: dt.date) -> Plan | Referral:
    """Plan every week from diagnosis to the running goal, or say why there is no plan.

    Raises InputError for progress events that cannot have happened.
    """
    reasons = referral_reasons(profile, protocol)
    if reasons:
        return Referral(profile.id, profile.name, reasons)
    plan_course = course(profile, protocol)
    timeline = climb(plan_course, profile.diagnosed, profile.progress, profile.source, today)
    return _dated_plan(profile, protocol, today, timeline, plan_course)


def _dated_plan(profile: Profile, protocol: Protocol, today: dt.date, timeline: Timeline,
                plan_course: Course) -> Plan:
    goal = plan_course.goal
    runs = _runs(timeline.weeks)
    stays = list(dict.fromkeys(runs))  # (first week index, length) of each stay in a phase
    stay_of = {run: i for i, run in enumerate(stays)}
    starts = _week_starts(profile.diagnosed, len(timeline.weeks))
    # weeks of one kind (phase, walk-run, walk, paused) have the same sessions: each kind's
    # are worked out once, and every week refers to its kind by number
    kinds: dict[WeekKind, int] = {}
    kind_of = [kinds.setdefault(_kind(slot), len(kinds)) for slot in timeline.weeks]
    kind_sessions = [_kind_sessions(kind, protocol) for kind in kinds]
    sessions = [kind_sessions[kind] for kind in kind_of]
    marked = _every_week(kinds, protocol)
    shown = [marked[kind] for kind in kinds]
    gate_weeks, next_steps = _looking_ahead(timeline.weeks, starts)
    days = _back_days(plan_days(starts, sessions, protocol.spacing_rules,
                                [slot.step.phase.rest_days for slot in timeline.weeks]),
                      timeline, protocol)
    weeks: list[Week] = []
    for index, (slot, run) in enumerate(zip(timeline.weeks, runs, strict=True)):
        start, end = starts[index], starts[index] + LAST_DAY
        phase = slot.step.phase
        weeks.append(Week(
            number=index + 1,
            start=start,
            end=end,
            phase=phase.id,
            phase_title=phase.title,
            phase_week=index - run[0] + 1,
            phase_weeks=run[1],
            weight_bearing=phase.weight_bearing,
            strength_stage=phase.strength_stage,
            walk_minutes=None if slot.paused else slot.walk_minutes,
            walk_run=None if slot.paused else slot.walk_run,  # a paused week runs nothing
            sessions=shown[kind_of[index]],
            gate=phase.gate if slot.gate else None,
            status=_status(start, end, today),
            setback=slot.setback,
            paused=slot.paused,
            events=slot.events,
            starts=slot.starts,
            step_title=slot.step.title,
            span=stay_of[run],
            gate_week=gate_weeks[index],
            next_step=next_steps[index],
            waiting_for=slot.waiting[0].title if slot.waiting else None,
            waiting_since=slot.waiting[1] if slot.waiting else None,
            needs_clearance=slot.needs_clearance,
            days=days[index],
            back_from=slot.back_from,
        ))

    spans, shown_in = [], {}
    visits: dict[str, int] = {}
    routine, how_notes = {}, _how_notes(weeks)
    for run_start, run_length in stays:
        own = weeks[run_start:run_start + run_length]
        first, last = own[0], own[-1]
        phase = timeline.weeks[run_start].step.phase
        visits[phase.id] = visits.get(phase.id, 0) + 1
        if visits[phase.id] == 1:  # a phase's first stay has its first week
            routine[phase.id] = tuple(s for s in first.sessions if s.every_week)
        key = phase.id + (f"-{visits[phase.id]}" if visits[phase.id] > 1 else "")
        gate = next((w.gate for w in own if w.gate), None)
        statuses = [w.status for w in own]  # a list: an enum member hashes in Python
        spans.append(PhaseSpan(
            phase.id, phase.title, phase.short, first.start, last.end, run_length,
            setback=first.setback, key=key,
            ended_in_setback=timeline.weeks[run_start + run_length - 1].ended_in_setback,
            status=(Status.CURRENT if Status.CURRENT in statuses else
                    Status.DONE if statuses.count(Status.DONE) == len(own) else
                    Status.UPCOMING),
            first_week=first.number, last_week=last.number, gate=gate,
            gate_shown_in=shown_in.get(gate), routine=routine[phase.id],
            how_notes=how_notes[phase.id]))
        if gate is not None:
            shown_in.setdefault(gate, key)
    first_start: dict[str, dt.date] = {}
    for span in spans:
        first_start.setdefault(span.id, span.start)
    milestones = {p.id: first_start.get(p.id) for p in protocol.phases if p.milestone}

    warnings = (_override_warnings(profile, protocol, goal) + _beyond_goal_warning(plan_course)
                + list(timeline.warnings))
    matched = matching(protocol.review_flags, profile.injury)
    # a rule true of every profile is a reminder (build report, `rehab check`), not a flag
    flags = [Note(Audience.CLINICIAN, "review_flag" if rule.conditions else "reminder",
                  rule.reason, rule.short, note_id(rule.short or " ".join(
                      rule.reason.split()[:4]))) for rule in matched]
    # what a flag changes for the athlete, in plain words, once each
    instructions = [Note(Audience.ATHLETE, "instruction", text)
                    for text in dict.fromkeys(rule.athlete for rule in matched if rule.athlete)]
    flags += _severity_flags(profile, protocol)
    scores = risk_scores(profile, protocol)
    flags += [Note(Audience.CLINICIAN, score.notice, score.text, score.short,
                   note_id(score.id, score.band)) for score in scores if score.notice]
    level = plan_course.history_level
    events = tuple(
        RecordedEvent(date=e.date, event=e.event, week=week + 1, summary=summary,
                      stage=e.stage, step=e.step, until=e.until, note=e.note,
                      pain=e.pain)
        for e, week, summary in zip(profile.progress, timeline.event_weeks, timeline.summaries,
                                    strict=True))
    notes = (
        *flags,
        *instructions,
        *_beyond_goal(plan_course),
        *(Note(Audience.CLINICIAN, "warning", w.text, id=w.id) for w in warnings),
        *_follow_up_notes(protocol, weeks, events, profile.diagnosed, today),
    )
    # what the clinician has marked read is still the plan's, but no command repeats it
    notes = tuple(replace(n, reviewed=True) if n.id and n.id in profile.reviewed else n
                  for n in notes)

    return Plan(
        athlete_id=profile.id,
        athlete_name=profile.name,
        protocol=protocol.id,
        protocol_title=protocol.title,
        language=protocol.language,
        as_of=today,
        diagnosed=profile.diagnosed,
        side=profile.side,
        severity=profile.severity,
        injury_details=tuple(InjuryDetail(name, spec.label, profile.injury.get(name))
                             for name, spec in protocol.injury_fields.items() if spec.show),
        history_level=level,
        history_level_name=protocol.history_level_names[level],
        goal_weekly_minutes=goal,
        phases=tuple(spans),
        milestones=milestones,
        weeks=tuple(weeks),
        review_flags=tuple(note.text for note in flags if note.kind == "review_flag"),
        warnings=tuple(w.text for w in warnings),
        events=events,
        notes=notes,
        gate_stops=_gate_stops(weeks),
        pain_stop_at=protocol.pain_stop_at,
        pain_advice=protocol.pain_advice,
        risk_scores=scores,
        pauses=timeline.pauses,
    )


def _week_starts(diagnosed: dt.date, count: int) -> list[dt.date]:
    """The first day of each week: the diagnosis day, then every seventh day."""
    day, out = diagnosed.toordinal(), []
    for _ in range(count):
        out.append(dt.date.fromordinal(day))
        day += 7
    return out


def _back_days(days: list[tuple[Day, ...]], timeline: Timeline, protocol: Protocol
               ) -> list[tuple[Day, ...]]:
    """A week the athlete came back in has the step's sessions, but its days still inside
    the pause keep only what a paused week keeps."""
    out = list(days)
    for index, slot in enumerate(timeline.weeks):
        if slot.back_from is None:
            continue
        kept = {s.title for s in _kind_sessions(_kind(slot)[:-1] + (True,), protocol)}
        out[index] = tuple(
            replace(day, sessions=tuple(t for t in day.sessions if t in kept))
            if any(p.holds(day.date) for p in timeline.pauses) else day
            for day in days[index])
    return out


def _status(start: dt.date, end: dt.date, today: dt.date) -> Status:
    return Status.DONE if end < today else Status.CURRENT if start <= today else Status.UPCOMING


def _every_week(kinds: Iterable[WeekKind], protocol: Protocol
                ) -> dict[WeekKind, tuple[WeekSession, ...]]:
    """Each kind of week's sessions, with those that every week of its phase has word for
    word marked `every_week` (shown once per phase): what the phase's kinds have in common."""
    of_phase: dict[str, list[WeekKind]] = {}
    for kind in kinds:
        of_phase.setdefault(kind[0], []).append(kind)
    shown: dict[WeekKind, tuple[WeekSession, ...]] = {}
    for own in of_phase.values():
        shown |= protocol.derive(("every week", frozenset(own)), partial(_marked, own, protocol))
    return shown


def _marked(kinds: list[WeekKind], protocol: Protocol) -> dict[WeekKind, tuple[WeekSession, ...]]:
    """The sessions of one phase's kinds of week, those all of them have marked every_week."""
    sessions = [_kind_sessions(kind, protocol) for kind in kinds]
    every = set(sessions[0]).intersection(*sessions[1:])
    flagged = {s: replace(s, every_week=True) for s in every}
    return {kind: tuple(flagged.get(s, s) for s in own)
            for kind, own in zip(kinds, sessions, strict=True)}


def _how_notes(weeks: list[Week]) -> dict[str, tuple[WeekSession, ...]]:
    """Per phase, its sessions that change week by week but not in how often: their frequency
    and how-to are said once for the phase, the weeks then say only how much."""
    often: dict[str, dict[str, set[str]]] = {}
    first: dict[str, dict[str, WeekSession]] = {}
    before = None
    for week in weeks:
        if before is not None and week.sessions is before.sessions and (
                week.phase == before.phase):
            continue  # the same sessions as the week before it (most weeks): nothing new
        before = week
        phase_often = often.setdefault(week.phase, {})
        phase_first = first.setdefault(week.phase, {})
        for session in week.sessions:
            if not session.every_week:
                phase_often.setdefault(session.title, set()).add(session.per_week)
                phase_first.setdefault(session.title, session)
    return {phase: tuple(s for title, s in first[phase].items() if len(often[phase][title]) == 1)
            for phase in first}


def _looking_ahead(slots: tuple[WeekPlan, ...], starts: list[dt.date]
                   ) -> tuple[list[int | None], list[NextStep | None]]:
    """For each week, the week whose checklist comes next (its own or a later one), and the
    next step a clinician records after it; one pass from the end."""
    gate_weeks: list[int | None] = [None] * len(slots)
    next_steps: list[NextStep | None] = [None] * len(slots)
    gate_week, step = None, None
    for i in range(len(slots) - 1, -1, -1):
        slot = slots[i]
        if slot.gate:
            gate_week = i + 1
        gate_weeks[i], next_steps[i] = gate_week, step
        if slot.starts and i > 0:
            before = slots[i - 1]
            gate = before.step.phase.gate if before.gate else None
            step = NextStep(slot.step.title, slot.starts, starts[i], gate.title if gate else "")
    return gate_weeks, next_steps


def _gate_stops(weeks: list[Week]) -> tuple[GateStop, ...]:
    """Each checklist once, with the phases it closes; the next step starts the day after
    the first week that carries it, at the earliest."""
    stops: dict = {}
    before = None
    for week in weeks:
        if week.gate is None or (week.gate, week.phase_title) == before:
            continue  # the same checklist and phase as the gated week before: nothing new
        before = (week.gate, week.phase_title)
        stop = stops.get(week.gate)
        if stop is None:
            stops[week.gate] = GateStop(week.gate, (week.phase_title,),
                                        week.end + dt.timedelta(days=1))
        elif week.phase_title not in stop.phases:
            stops[week.gate] = replace(stop, phases=stop.phases + (week.phase_title,))
    return tuple(stops.values())


def _follow_up_notes(protocol: Protocol, weeks: list[Week], events: tuple[RecordedEvent, ...],
                     diagnosed: dt.date, today: dt.date) -> tuple[Note, ...]:
    """For the clinician: a recent setback, and a recorded step that is overdue."""
    out = [Note(Audience.CLINICIAN, "recent_setback",
                f"Setback on {e.date}: " + e.summary.removeprefix(
                    words(protocol.language).gettext(SETBACK_SAYS)),
                f"setback {e.date}", note_id("setback", e.date))
           for e in events if e.event == SETBACK
           and 0 <= (today - e.date).days < protocol.recent_setback_days]
    quiet_since = events[-1].date if events else diagnosed
    quiet = (today - quiet_since).days
    # a step the clinician records, due since the last record: planned into the past
    # (a step the athlete opens), or waited for (a step only the clinician opens)
    due = next(((w.step_title, w.starts, w.start) for w in weeks
                if w.starts and quiet_since < w.start <= today), None)
    waiting = next((w for w in weeks if w.waiting_for and w.start <= today), None)
    if waiting and waiting.next_step and (due is None or waiting.waiting_since < due[2]):
        due = (waiting.waiting_for, waiting.next_step.event, waiting.waiting_since)
    if quiet > protocol.quiet_days and due:
        title, event, day = due
        out.append(Note(Audience.CLINICIAN, "overdue",
                        f"Nothing recorded for {quiet} days, though {title} was due from {day}: "
                        "record it, or what happened instead.",
                        f"no event for {quiet} days ({event} was due {day})",
                        note_id("overdue", event, day)))
    return tuple(out)


def _runs(weeks: tuple[WeekPlan, ...]) -> list[tuple[int, int]]:
    """For each week, (first week, length) of its run: consecutive weeks of one phase."""
    out: list[tuple[int, int]] = []
    start = 0
    for i in range(1, len(weeks) + 1):
        if i == len(weeks) or weeks[i].step.phase.id != weeks[start].step.phase.id or (
                weeks[i].setback != weeks[start].setback):
            out += [(start, i - start)] * (i - start)
            start = i
    return out


def _beyond_goal(plan_course: Course) -> tuple[Note, ...]:
    """A goal beyond the longest runs, as many a week as the protocol allows: the plan ends
    there, and building further is training, planned with the clinician."""
    top = plan_course.top
    if not top.capped:
        return ()
    words = plan_course.steps[-1].phase.beyond_goal  # continuous running is the last step
    return (Note(Audience.ATHLETE, "goal_beyond", words.format(
        goal=plan_course.goal, runs=top.runs, minutes=top.minutes, weekly=top.weekly)),)


def _beyond_goal_warning(plan_course: Course) -> list[PlanWarning]:
    top = plan_course.top
    return [PlanWarning(
        note_id("goal-beyond", plan_course.goal),
        f"The running goal of {plan_course.goal} minutes a week is more than {top.runs} "
        f"runs of at most {top.minutes} minutes: the plan ends at {top.weekly} minutes a "
        "week. Further build-up is training, to agree with the athlete.")] if top.capped else []


def _severity_flags(profile: Profile, protocol: Protocol) -> list[Note]:
    """A stated severity that an injury field (the imaging) disagrees with: the plan follows
    the more severe of the two (profile.py), and the clinician is asked to confirm."""
    out = []
    for name, spec in protocol.injury_fields.items():
        implied = spec.severity.get(profile.injury.get(name))
        if profile.severity_stated and implied and implied != profile.severity_stated:
            out.append(Note(
                Audience.CLINICIAN, "review_flag",
                f"Severity is given as {profile.severity_stated}, but {spec.label} "
                f"{profile.injury[name]} usually means {implied}: the plan follows the more "
                f"severe ({profile.severity}). Confirm which is right.",
                f"severity {profile.severity_stated}, {spec.label} {profile.injury[name]}",
                note_id("severity", profile.severity_stated, name, profile.injury[name])))
    return out


def _override_warnings(profile: Profile, protocol: Protocol, goal: int) -> list[PlanWarning]:
    """An override outside the protocol's usual range is allowed (within hard limits): say so."""
    out, seen = [], set()
    for phase in protocol.phases:
        key = phase.override_key
        value = profile.overrides.get(key or "")
        if value is None or not phase.limits or key in seen:
            continue
        seen.add(key)
        low, high = phase.limits[profile.severity]
        if not low <= value <= high:
            what = OVERRIDE_WHAT.get(key, phase.title)
            out.append((note_id("overrides", key, value),
                        f"{what} is set to {plural(value, 'week')} by the clinician "
                        f"(overrides.{key}); the protocol's usual range for a "
                        f"{profile.severity} injury is {low}-{high} weeks."))
    continuous = next((p for p in protocol.phases if p.kind == "continuous"), None)
    stated = "goal" in profile.overrides or profile.goal_weekly_minutes
    if continuous and continuous.goal_limits and stated:
        low, high = continuous.goal_limits
        if not low <= goal <= high:
            where = "overrides.goal" if "goal" in profile.overrides else (
                "goal.weekly_running_minutes")
            out.append((note_id("goal", goal), f"The running goal is {goal} minutes a week "
                        f"({where}); the protocol's usual range is {low}-{high}."))
    return [PlanWarning(ref, text) for ref, text in out]


def _kind(slot: WeekPlan) -> WeekKind:
    """What a week's sessions depend on: its phase, walk-run, brisk walk and pause."""
    return slot.step.phase.id, slot.walk_run, slot.walk_minutes, slot.paused


def _kind_sessions(kind: WeekKind, protocol: Protocol) -> tuple[WeekSession, ...]:
    """The sessions of a kind of week, once per protocol: weeks repeat within a phase and
    across the athletes on a protocol."""
    return protocol.derive(("sessions", *kind), partial(_sessions, *kind, protocol))


def _sessions(phase_id: str, walk_run: WalkRun | None, walk_minutes: int | None, paused: bool,
              protocol: Protocol) -> tuple[WeekSession, ...]:
    """The week's sessions: run first, then the phase's own, with the brisk walk after strength.
    A paused week keeps only the kinds the protocol lets go on, without jumps or hops."""
    out: list[WeekSession] = []
    phase = protocol.phase(phase_id)
    if walk_run:
        run = walk_run
        times = (run.sessions_per_week, run.sessions_per_week)
        spacing = (phase.spacing_by_runs or {}).get(times[0], phase.spacing)
        out.append(WeekSession(
            "walk_run" if run.step else "run", phase.session_title,
            frequency(times, spacing, protocol.language), times, walk_run=run,
            duration_minutes=run.session_minutes, spacing=spacing))
    for session in phase.sessions:
        out.append(WeekSession(session.kind, session.title,
                               frequency(session.times, session.spacing, protocol.language),
                               session.times,
                               session.exercises, session.text, spacing=session.spacing))
    walk = protocol.brisk_walk
    if walk_minutes is not None and walk:
        position = next((i + 1 for i, s in enumerate(out) if s.kind in ("strength", "rehab")), 0)
        out.insert(position, WeekSession("walk", walk.title,
                                         frequency(walk.times, language=protocol.language),
                                         walk.times,
                                         text=walk.text, minutes=walk_minutes,
                                         duration_minutes=walk_minutes))
    if paused:
        return tuple(_without_impact(s, protocol) for s in out
                     if s.kind in protocol.paused_kinds and _without_impact(s, protocol))
    return tuple(out)


def _without_impact(session: WeekSession, protocol: Protocol) -> WeekSession | None:
    """The session without its jumps and hops; None when nothing else was in it."""
    kept = tuple(e for e in session.exercises if not protocol.exercises[e].impact)
    if kept == session.exercises:
        return session
    return replace(session, exercises=kept) if kept else None
