"""Plan -> plan.ics: a week per all-day event, plus the checklists (gates) and milestones.

Same plan, same bytes: no clock, no random UIDs. A UID names what an event is (week 12, the
gate after walk-run step 3, the start of strength stage 2), so importing a newer plan moves
the event instead of adding a second one. The stamp is the plan's as-of date, so a later
build's events read as newer.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from icalendar import vText

from generator.plan import Plan, Week
from generator.profile import Clinician
from generator.protocol import Protocol
from generator.render.markdown import plain_text
from generator.render.sessions import dose, headline

PRODID = "-//rehab-plans//plan.ics//EN"


def calendar_uid_base(athlete_id: str) -> str:
    """Stable per athlete, and not the athlete's id itself (the file may be shared)."""
    return hashlib.sha256(f"rehab-plans:{athlete_id}".encode()).hexdigest()[:16]


def render_calendar(plan: Plan, protocol: Protocol, clinician: Clinician,
                    page_url: str | None = None) -> bytes:
    """The calendar as icalendar writes it (same property order, escaping and folding),
    assembled line by line: building ~80 icalendar Event objects cost 20 ms an athlete, most
    of an HTML-only build. tests/test_render_ics.py holds the bytes equal to icalendar's."""
    base = calendar_uid_base(plan.athlete_id)
    stamp = f"DTSTAMP:{plan.as_of:%Y%m%d}T000000Z"
    # Later builds must win when a client compares versions of the same UID.
    sequence = f"SEQUENCE:{(plan.as_of - dt.date(2000, 1, 1)).days}"
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{_text(PRODID)}", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH", f"X-WR-CALNAME:{_text(f'Rehab plan · {plan.athlete_name}')}"]

    def event(uid: str, day: dt.date, days: int, summary: str, description: str) -> None:
        description += f"\n\nYour plan: {page_url}" if page_url else ""
        lines.extend((
            "BEGIN:VEVENT",
            f"SUMMARY:{_text(summary)}",
            f"DTSTART;VALUE=DATE:{day:%Y%m%d}",
            f"DTEND;VALUE=DATE:{day + dt.timedelta(days=days):%Y%m%d}",
            stamp,
            f"UID:{_text(f'{uid}-{base}@rehab-plans')}",
            sequence,
            f"DESCRIPTION:{_text(description)}",
            "TRANSP:TRANSPARENT",  # a plan, not a busy slot
            "END:VEVENT",
        ))

    total = len(plan.weeks)
    # Every week carries the pain rule and red flags: the calendar is where the athlete looks.
    safety = ("\n\nThe pain rule\n" + plain_text(protocol.text["pain_rule"]) + "\n\nRed flags\n"
              + plain_text(protocol.text["red_flags"]))
    if clinician.phone:
        safety += f"\nCall {clinician.name or 'your clinician'}: {clinician.phone}"
    gate_count: dict[str, int] = {}
    for week in plan.weeks:
        key = ", ".join(headline(s) for s in week.sessions if not s.every_week)
        event(f"week-{week.number}", week.start, 7,
              f"Week {week.number}: {week.phase_title}" + (f" · {key}" if key else ""),
              _week_text(week, total, protocol) + safety)
        if week.gate:
            # Named by what it gates, not by date: a re-dated plan moves the event.
            gate_count[week.phase] = gate_count.get(week.phase, 0) + 1
            event(f"gate-{week.phase}-{gate_count[week.phase]}", week.end, 1,
                  f"Checklist: {week.gate.title.lower()}",
                  _checklist(week) + "\nMove on only when every item is true.")
    for milestone, day in plan.milestones.items():
        span = next((s for s in plan.phases if s.id == milestone), None)
        if day and span:
            event(f"milestone-{milestone}", day, 1, f"Earliest start: {span.title}",
                  f"{span.title} ({span.short}) may start today, if the checklist before it "
                  "is true. The date is the earliest, never a deadline.")
    lines.append("END:VCALENDAR")
    return "\r\n".join(fold(line) for line in lines).encode() + b"\r\n"


def _text(value: str) -> str:
    """A TEXT value escaped by icalendar itself."""
    return vText(value).to_ical().decode()


def fold(line: str, limit: int = 75, separator: str = "\r\n ") -> str:
    """RFC 5545 folding, the same as icalendar's: pieces of at most limit-1 octets, never
    ending on a backslash or caret (the start of an escape)."""
    pieces = []
    start, width = 0, limit - 1
    while len(line[start:].encode()) > width:
        end = start + width
        while len(line[start:end].encode()) > width:  # multi-byte characters
            end -= 1
        if end - start > 1 and line[end - 1] in "\\^":
            end -= 1
        pieces.append(line[start:end])
        start = end
    pieces.append(line[start:])
    return separator.join(pieces)


def _week_text(week: Week, total: int, protocol: Protocol) -> str:
    lines = [f"Week {week.number} of {total}: {week.phase_title}"
             + (f", week {week.phase_week} of {week.phase_weeks}" if week.phase_weeks > 1 else ""),
             ""]
    for session in week.sessions:
        lines.append(f"{session.title}: {dose(session)}")
        lines += [f"  - {protocol.exercises[e].name}: {protocol.exercises[e].dose}"
                  for e in session.exercises]
        if session.text:
            lines.append(f"  {session.text}")
    if week.gate:
        lines += ["", "At the end of this week:", _checklist(week)]
    return "\n".join(lines)


def _checklist(week: Week) -> str:
    return "\n".join([f"{week.gate.title}:"] + [f"[ ] {check}" for check in week.gate.checks])

