"""How sessions read: the plan's numbers in words, for the page, the handout and the calendar."""

from __future__ import annotations

from generator.plan import WeekSession


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
