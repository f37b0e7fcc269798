"""The clinical core, a pure function: (Profile, Protocol, today) -> Plan. No I/O, no clock.

Weeks are counted from the diagnosis day: week 1 starts on it and every week is
seven days, so every phase starts on the diagnosis weekday and a week never
straddles two phases. All lengths come from the protocol content.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from generator.errors import NeedsReferral
from generator.plan import PhaseSpan, Plan, WalkRun, Week, WeekSession
from generator.profile import Profile
from generator.protocol import Phase, Protocol

MAX_WEEKS = 156  # three years: a plan longer than this is a content error


@dataclass(frozen=True)
class _Slot:
    """One week before dates and statuses are attached."""

    phase: Phase
    walk_run: WalkRun | None = None
    gate: bool = False  # last week of a step: its gate must be passed first


def history_points(profile: Profile, protocol: Protocol) -> int:
    prior = min(profile.prior_bone_stress_injuries, protocol.prior_injury_cap)
    return prior + len(profile.risk_factors)


def history_level(profile: Profile, protocol: Protocol) -> int:
    """0 = none, then higher for more previous bone stress injuries and risk factors."""
    points = history_points(profile, protocol)
    return max(i for i, threshold in enumerate(protocol.history_levels) if points >= threshold)


def referral_reasons(profile: Profile, protocol: Protocol) -> tuple[str, ...]:
    return tuple(r.reason for r in protocol.referral if r.matches(getattr(profile, r.field)))


def schedule(profile: Profile, protocol: Protocol, today: dt.date) -> Plan:
    """Plan every week from diagnosis to the running goal. Raises NeedsReferral."""
    reasons = referral_reasons(profile, protocol)
    if reasons:
        raise NeedsReferral(profile.id, reasons)
    severity, level = profile.severity, history_level(profile, protocol)
    walk = protocol.brisk_walk
    goal = profile.goal_weekly_minutes or next(
        (p.default_goal_weekly_minutes for p in protocol.phases if p.kind == "continuous"), 0)

    slots: list[_Slot] = []
    walk_start: int | None = None  # index of the first week with brisk walking

    def walk_minutes(index: int) -> int | None:
        if walk_start is None or index < walk_start:
            return None
        steps = (index - walk_start) // walk.weeks_per_step[severity][level]
        return min(walk.start_minutes + steps * walk.step_minutes, walk.target_minutes)

    def add(phase: Phase, weeks: int, walk_run: WalkRun | None = None) -> None:
        nonlocal walk_start
        if phase.id == walk.starts_with:
            walk_start = len(slots)
        for i in range(weeks):
            slots.append(_Slot(phase, walk_run, gate=i == weeks - 1))
        if len(slots) > MAX_WEEKS:
            raise ValueError(f"protocol {protocol.id} makes a plan longer than {MAX_WEEKS} weeks")

    def ready_to_run(index: int) -> bool:
        """Floors for the first run, checked for the week at `index`."""
        if index < protocol.walk_run_min_weeks:
            return False
        at_target = sum(1 for j in range(index) if walk_minutes(j) == walk.target_minutes)
        return at_target >= walk.weeks_at_target_before_running

    for phase in protocol.phases:
        if phase.kind == "fixed":
            add(phase, phase.weeks[severity][level])
        elif phase.kind == "hold":
            held = 0
            while not ready_to_run(len(slots) + held):
                held += 1
            add(phase, held)
        elif phase.kind == "walk_run":
            per_step = phase.weeks_per_step[severity][level]
            for number, step in enumerate(phase.steps, start=1):
                add(phase, per_step, WalkRun(step.run, step.walk, step.repeats,
                                             phase.sessions_per_week, number))
        elif phase.kind == "continuous":
            sessions = phase.sessions_per_week
            per_run = min(phase.start_minutes, math.ceil(goal / sessions))
            growth = 1 + phase.max_weekly_increase_percent / 100
            while True:
                add(phase, 1, WalkRun(per_run, 0, 1, sessions, None))
                if per_run * sessions >= goal:
                    break
                # floor keeps the weekly rise at or under the limit
                per_run = min(max(math.floor(per_run * growth), per_run + 1),
                              math.ceil(goal / sessions))

    return _dated_plan(profile, protocol, today, slots, walk_minutes, level, goal)


def _dated_plan(profile, protocol, today, slots, walk_minutes, level, goal) -> Plan:
    walk_end = next(
        (i for i, s in enumerate(slots) if s.phase.id == protocol.brisk_walk.ends_before),
        len(slots))
    weeks: list[Week] = []
    for index, slot in enumerate(slots):
        start = profile.diagnosed + dt.timedelta(weeks=index)
        end = start + dt.timedelta(days=6)
        minutes = walk_minutes(index) if index < walk_end else None
        phase_weeks = [i for i, s in enumerate(slots) if s.phase.id == slot.phase.id]
        weeks.append(Week(
            number=index + 1,
            start=start,
            end=end,
            phase=slot.phase.id,
            phase_title=slot.phase.title,
            phase_week=phase_weeks.index(index) + 1,
            phase_weeks=len(phase_weeks),
            weight_bearing=slot.phase.weight_bearing,
            strength_stage=slot.phase.strength_stage,
            walk_minutes=minutes,
            walk_run=slot.walk_run,
            sessions=_sessions(slot, minutes, protocol),
            gate=slot.phase.gate if slot.gate and index < len(slots) - 1 else None,
            status="done" if end < today else "current" if start <= today else "upcoming",
        ))

    spans = []
    for phase in protocol.phases:
        mine = [w for w in weeks if w.phase == phase.id]
        if mine:
            spans.append(PhaseSpan(phase.id, phase.title, phase.short, mine[0].start,
                                   mine[-1].end, len(mine)))
    starts = {s.id: s.start for s in spans}
    milestones = {p.id: starts.get(p.id) for p in protocol.phases if p.milestone}

    warnings = []
    if profile.severity_stated and profile.mri_grade:
        implied = protocol.mri_grade.get(profile.mri_grade)
        if implied and implied != profile.severity_stated:
            warnings.append(
                f"Severity is given as {profile.severity_stated}, but MRI grade "
                f"{profile.mri_grade} usually means {implied}. The plan follows the stated "
                "severity: check it.")
    flags = tuple(r.reason for r in protocol.review_flags if r.matches(getattr(profile, r.field)))

    return Plan(
        athlete_id=profile.id,
        athlete_name=profile.name,
        protocol=protocol.id,
        protocol_title=protocol.title,
        as_of=today,
        diagnosed=profile.diagnosed,
        side=profile.side,
        severity=profile.severity,
        mri_grade=profile.mri_grade,
        history_level=level,
        history_level_name=protocol.history_level_names[level],
        goal_weekly_minutes=goal,
        phases=tuple(spans),
        milestones=milestones,
        weeks=tuple(weeks),
        review_flags=flags,
        warnings=tuple(warnings),
    )


def _sessions(slot: _Slot, walk_minutes: int | None, protocol: Protocol) -> tuple[WeekSession, ...]:
    """The week's sessions: run first, then the phase's own, with the brisk walk after strength."""
    out: list[WeekSession] = []
    if slot.walk_run:
        title = "Walk-run" if slot.walk_run.step else "Easy run"
        out.append(WeekSession("walk_run" if slot.walk_run.step else "run", title,
                               f"{slot.walk_run.sessions_per_week} times, a rest day between",
                               walk_run=slot.walk_run))
    for session in slot.phase.sessions:
        out.append(WeekSession(session.kind, session.title, session.per_week,
                               session.exercises, session.text))
    if walk_minutes is not None:
        walk = protocol.brisk_walk
        position = next((i + 1 for i, s in enumerate(out) if s.kind in ("strength", "rehab")), 0)
        out.insert(position, WeekSession("walk", "Brisk walk", walk.per_week, text=walk.text,
                                         minutes=walk_minutes))
    return tuple(out)
