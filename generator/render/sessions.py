"""How sessions read: dose wording, and which sessions stay the same through a phase."""

from __future__ import annotations

import re

from generator.plan import Plan, Week, WeekSession


def amount(session: WeekSession) -> str | None:
    """How much, for sessions whose size changes week by week: '20 minutes', '7 × (...)'."""
    walk_run = session.walk_run
    if session.kind == "walk":
        return f"{session.minutes} minutes"
    if walk_run and walk_run.step:
        return (f"{walk_run.repeats} × (run {walk_run.run_minutes} min, walk "
                f"{walk_run.walk_minutes} min) = {walk_run.session_minutes} min")
    if walk_run:  # continuous: the title already says "Easy run"
        return f"{walk_run.run_minutes} minutes"
    return None


def dose(session: WeekSession) -> str:
    """'20 minutes, 3-4 times', '7 × (run 1 min, walk 2 min) = 21 min, 3 times, ...'"""
    size = amount(session)
    return f"{size}, {session.per_week}" if size else session.per_week


def headline(session: WeekSession) -> str:
    """The few words a calendar title has room for: 'brisk walk 20 min', 'run 1 / walk 2 × 7'."""
    walk_run = session.walk_run
    if session.kind == "walk":
        return f"brisk walk {session.minutes} min"
    if walk_run and walk_run.step:
        return (f"walk-run {walk_run.repeats} × (run {walk_run.run_minutes} / walk "
                f"{walk_run.walk_minutes} min)")
    if walk_run:
        return f"easy run {walk_run.run_minutes} min"
    return session.title


_TIMES = re.compile(r"^\s*(?:\d+\s*-\s*)?(\d+)\s+times?\b")


def tick_boxes(per_week: str) -> int:
    """Boxes to tick on paper for one session: '2-3 times' -> 3, 'daily' -> 7.

    A layout choice read from the dose wording; anything unrecognised gets a box a day.
    """
    match = _TIMES.match(per_week)
    return min(int(match.group(1)), 7) if match else 7


def changing_sessions(plan: Plan, week: Week) -> tuple[WeekSession, ...]:
    """The sessions of a week that are not the same in every week of its phase (walk length...)."""
    same = _routine(plan, week.phase)
    return tuple(s for s in week.sessions if s not in same)


def routine_sessions(plan: Plan, phase: str) -> tuple[WeekSession, ...]:
    """The sessions every week of a phase has, word for word: shown once per phase."""
    return _routine(plan, phase)


def _routine(plan: Plan, phase: str) -> tuple[WeekSession, ...]:
    weeks = [w for w in plan.weeks if w.phase == phase]
    return tuple(s for s in weeks[0].sessions if all(s in w.sessions for w in weeks[1:]))
