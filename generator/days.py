"""Pure: which of a week's seven days each of its sessions falls on (plan.json's `days`, the
phone's "Today"). Driven by each session's times a week and its `spacing:` words, whose
meaning the protocol's `spacing_rules:` gives; nothing here names a session or an injury.

A session falls on as many days as its fewest times a week (2-3 times: 2 days), spread
evenly over the week, on the days that hold the least already. Sessions that others must
keep clear of go first (runs, for "not on run days"), then those that need rest days
between, then the rest, each in the week's own order.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping, Sequence

from generator.plan import Day, WeekSession
from generator.protocol import SpacingRule

WEEK = 7
DAYS = tuple(dt.timedelta(days=i) for i in range(WEEK))  # from a week's first day
NO_RULE = SpacingRule()


def plan_days(starts: Sequence[dt.date], weeks: Sequence[Sequence[WeekSession]],
              rules: Mapping[str, SpacingRule], free: Sequence[int] = ()
              ) -> list[tuple[Day, ...]]:
    """The seven days of every week, in order (a week's rest days reach back into the last).
    `free`: for each week, how many days must hold no session at all."""
    out: list[tuple[Day, ...]] = []
    before: tuple[frozenset[str], ...] = (frozenset(),) * WEEK  # kinds on last week's days
    spacing = tuple(sorted(rules.items()))
    free = list(free) or [0] * len(starts)
    last = placed = None
    for start, sessions, rest in zip(starts, weeks, free, strict=True):
        sessions = tuple(sessions)
        # a week like the one before it (most are: the very same sessions) is placed like it
        if last is None or sessions is not last[0] or (before, rest) != last[1:]:
            placed = _week_titles(sessions, spacing, before, rest)
            last = (sessions, before, rest)
        titles, before = placed
        out.append(_dated(start, titles))
    return out


@functools.lru_cache(maxsize=8192)
def _dated(start: dt.date, titles: tuple[tuple[str, ...], ...]) -> tuple[Day, ...]:
    """A week's days from its first: the same for every athlete with this week (most weeks
    of a clinic's athletes start on the same days, with the same sessions)."""
    return tuple(Day(start + after, on_day) for after, on_day in zip(DAYS, titles, strict=True))


@functools.lru_cache(maxsize=4096)
def _week_titles(sessions: tuple[WeekSession, ...], spacing: tuple[tuple[str, SpacingRule], ...],
                 before: tuple[frozenset[str], ...], rest: int
                 ) -> tuple[tuple[tuple[str, ...], ...], tuple[frozenset[str], ...]]:
    """One week's session titles and kinds by day. Weeks repeat within a phase, and across
    athletes on one protocol: a pure function of its arguments, so each is placed once."""
    placed = week_days(sessions, dict(spacing), [set(b) for b in before], rest)
    titles = tuple(tuple(s.title for s in sessions if any(s is p for p in on_day))
                   for on_day in placed)
    return titles, tuple(frozenset(s.kind for s in on_day) for on_day in placed)


def week_days(sessions: Sequence[WeekSession], rules: Mapping[str, SpacingRule],
              before: Sequence[set[str]] = (), free: int = 0) -> list[list[WeekSession]]:
    """For each day of the week, the sessions on it; `before` holds the kinds on each day of
    the week before (for rest days across the week's start). `free` days hold no session:
    the last days of the week that let every session keep its times, else the last ones."""
    if not free:
        return _placed(sessions, rules, before, frozenset())
    first = None
    for shift in range(WEEK - free + 1):  # the free days as late in the week as fit
        placed = _placed(sessions, rules, before,
                         frozenset(range(WEEK - free - shift, WEEK - shift)))
        if all(sum(any(s is x for x in day) for day in placed)
               >= min(s.times_per_week[0], WEEK - free) for s in sessions):
            return placed
        first = first or placed
    return first


def _placed(sessions: Sequence[WeekSession], rules: Mapping[str, SpacingRule],
            before: Sequence[set[str]], blocked: frozenset[int]) -> list[list[WeekSession]]:
    kept_clear = {kind for rule in rules.values() for kind in rule.not_with}

    def order(session: WeekSession) -> int:
        rule = rules.get(session.spacing, NO_RULE)
        return 0 if session.kind in kept_clear else 1 if rule.rest_days else \
            2 if rule.not_with else 3

    placed: list[list[WeekSession]] = [[] for _ in range(WEEK)]
    for session in sorted(sessions, key=order):  # stable: the week's order within each group
        for day in _days_for(session, rules.get(session.spacing, NO_RULE), placed,
                             list(before)[-WEEK:], blocked):
            placed[day].append(session)
    return placed


def _days_for(session: WeekSession, rule: SpacingRule, placed: list[list[WeekSession]],
              before: list[set[str]], blocked: frozenset[int] = frozenset()) -> list[int]:
    times = min(session.times_per_week[0], WEEK - len(blocked))
    lead = [set()] * (WEEK - len(before)) + before  # the days before this week, oldest first

    def kinds(day: int, extra: Sequence[int] = ()) -> set[str]:
        if day < 0:
            return lead[WEEK + day] if day >= -WEEK else set()
        if day >= WEEK:
            return set()
        own = {s.kind for s in placed[day]}
        return own | {session.kind} if day in extra else own

    def allowed(days: Sequence[int]) -> bool:
        for day in days:
            if day in blocked:
                return False
            if set(rule.not_with) & kinds(day):
                return False
            near = [d for d in range(day - rule.rest_days, day + rule.rest_days + 1) if d != day]
            if any(session.kind in kinds(d, [x for x in days if x != day]) for d in near):
                return False
        return True

    def load(days: Sequence[int]) -> int:
        return sum(len(placed[d]) for d in days)

    if times >= WEEK:
        return list(range(WEEK))
    if times >= WEEK - len(blocked):
        return [d for d in range(WEEK) if d not in blocked]
    # every even spread of `times` days over the week, each shifted to start on each day
    spreads = [sorted({(shift + i * WEEK // times) % WEEK for i in range(times)})
               for shift in range(WEEK)]
    fitting = [days for days in spreads if allowed(days)]
    if fitting:
        return min(fitting, key=load)  # min keeps the first (earliest shift) of equal loads
    chosen: list[int] = []  # no even spread fits: the least-loaded days that do, one by one
    for day in sorted(range(WEEK), key=lambda d: len(placed[d])):
        if len(chosen) < times and allowed(chosen + [day]):
            chosen.append(day)
    return sorted(chosen)
