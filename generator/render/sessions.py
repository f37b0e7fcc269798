"""How sessions read: the plan's numbers in words, for the page, the handout and the calendar
(in the athlete's language)."""

from __future__ import annotations

from generator.i18n import words
from generator.plan import WeekSession


def amount(session: WeekSession, language: str = "en") -> str | None:
    """How much, for sessions whose size changes week by week: '20 minutes', '7 × (...)'."""
    say = words(language).gettext
    walk_run = session.walk_run
    if session.kind == "walk":
        return say("%(minutes)s minutes", minutes=session.minutes)
    if walk_run and walk_run.step:
        return say("%(repeats)s × (run %(run)s min, walk %(walk)s min) = %(total)s min",
                   repeats=walk_run.repeats, run=walk_run.run_minutes,
                   walk=walk_run.walk_minutes, total=walk_run.session_minutes)
    if walk_run:  # continuous: the title already says "Easy run"
        return say("%(minutes)s minutes", minutes=walk_run.run_minutes)
    return None


def dose(session: WeekSession, language: str = "en") -> str:
    """'20 minutes, 3-4 times', '7 × (run 1 min, walk 2 min) = 21 min, 3 times, ...'"""
    size = amount(session, language)
    return f"{size}, {session.per_week}" if size else session.per_week


def headline(session: WeekSession, language: str = "en") -> str:
    """The few words a calendar title has room for: 'brisk walk 20 min', 'run 1 / walk 2 × 7'."""
    say = words(language).gettext
    walk_run = session.walk_run
    if session.kind == "walk":
        return say("brisk walk %(minutes)s min", minutes=session.minutes)
    if walk_run and walk_run.step:
        return say("walk-run %(repeats)s × (run %(run)s / walk %(walk)s min)",
                   repeats=walk_run.repeats, run=walk_run.run_minutes,
                   walk=walk_run.walk_minutes)
    if walk_run:
        return say("easy run %(minutes)s min", minutes=walk_run.run_minutes)
    return session.title
