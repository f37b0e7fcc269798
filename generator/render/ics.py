"""Plan -> plan.ics: a week per all-day event from this week on, plus the checklists (gates)
and the earliest start of each step ahead, with a reminder on those days.

Same plan, same bytes: no clock, no random UIDs. A UID names what an event is (week 12, the
gate after walk-run step 3, the start of strength stage 2), so importing a newer plan moves
the event instead of adding a second one. The stamp is the plan's as-of date, so a later
build's events read as newer. Weeks already done and steps already started get no event: the
calendar is for what is coming.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from generator import i18n
from generator.plan import NextStep, Plan, Status, Week, WeekSession
from generator.profile import Clinician
from generator.protocol import Protocol
from generator.render.markdown import plain_text
from generator.render.sessions import dose, headline

PRODID = "-//rehab-plans//plan.ics//EN"
REMINDER = "PT9H"  # an alarm at 9:00 on the day of a checklist or a step's earliest start


def calendar_uid_base(athlete_id: str) -> str:
    """Stable per athlete, and not the athlete's id itself (the file may be shared)."""
    return hashlib.sha256(f"rehab-plans:{athlete_id}".encode()).hexdigest()[:16]


def render_calendar(plan: Plan, protocol: Protocol, clinician: Clinician,
                    page_url: str | None = None) -> bytes:
    """The calendar as icalendar writes it (same property order, escaping and folding),
    assembled line by line: building ~80 icalendar Event objects cost 20 ms an athlete, most
    of an HTML-only build. tests/test_render_ics.py holds the bytes equal to icalendar's."""
    base = calendar_uid_base(plan.athlete_id)
    stamp = f"DTSTAMP:{_date(plan.as_of)}T000000Z"
    # Later builds must win when a client compares versions of the same UID.
    sequence = f"SEQUENCE:{max(0, (plan.as_of - dt.date(2000, 1, 1)).days)}"
    words = i18n.words(plan.language)
    say = words.gettext
    name = say("Rehab plan · %(name)s", name=plan.athlete_name)
    # Lines that carry text are folded as they are added; the others are short and ASCII.
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{_text(PRODID)}", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH", fold(f"X-WR-CALNAME:{_text(name)}")]

    your_plan = "\n\n" + say("Your plan: %(url)s", url=page_url) if page_url else ""

    def event(uid: str, day: dt.date, days: int, summary: str, description: str,
              remind: bool = False) -> None:
        description += your_plan
        summary = _text(summary)
        lines.extend((
            "BEGIN:VEVENT",
            fold(f"SUMMARY:{summary}"),
            f"DTSTART;VALUE=DATE:{_date(day)}",
            f"DTEND;VALUE=DATE:{_date(day + dt.timedelta(days=days))}",
            stamp,
            fold(f"UID:{_text(f'{uid}-{base}@rehab-plans')}"),
            sequence,
            fold(f"DESCRIPTION:{_text(description)}"),
            "TRANSP:TRANSPARENT",  # a plan, not a busy slot
        ))
        if remind:  # at 9:00 on the day (an all-day event starts at midnight)
            lines.extend(("BEGIN:VALARM", "ACTION:DISPLAY", fold(f"DESCRIPTION:{summary}"),
                          f"TRIGGER:{REMINDER}", "END:VALARM"))
        lines.append("END:VEVENT")

    total = len(plan.weeks)
    ahead = [w for w in plan.weeks if w.status != Status.DONE]
    call = ("\n" + say("Call %(name)s: %(phone)s", name=clinician.name or say("your clinician"),
                       phone=clinician.phone) if clinician.phone else "")
    # The pain rule and red flags in full once, in the first event; the others point there.
    safety = ("\n\n" + say("The pain rule") + "\n" + plain_text(protocol.text["pain_rule"])
              + "\n\n" + say("Red flags") + "\n" + plain_text(protocol.text["red_flags"]) + call)
    pointer = ("\n\n" + (say("Pain, or a red flag? Stop. The pain rule and red flags are in "
                             "your plan (link below) and in the event of week %(week)s.",
                             week=ahead[0].number) if page_url else
                         say("Pain, or a red flag? Stop. The pain rule and red flags are in "
                             "your plan and in the event of week %(week)s.",
                             week=ahead[0].number)) + call) if ahead else ""
    # Weeks share their session objects: each is put in words once (by id: the plan holds
    # them meanwhile), its few words for a title and its lines in a week's description.
    said: dict[int, tuple[str, str]] = {}

    def session_words(session: WeekSession) -> tuple[str, str]:
        if id(session) not in said:
            said[id(session)] = (headline(session, plan.language),
                                 _session_text(session, protocol, words.language))
        return said[id(session)]

    gate_count: dict[str, int] = {}
    for week in plan.weeks:  # numbered over the whole plan: a gate keeps its UID as weeks pass
        if week.gate:
            gate_count[week.phase] = gate_count.get(week.phase, 0) + 1
        if week.status == Status.DONE:
            continue
        key = ", ".join(session_words(s)[0] for s in week.sessions if not s.every_week)
        event(f"week-{week.number}", week.start, 7,
              say("Week %(number)s: %(phase)s", number=week.number, phase=week.phase_title)
              + (f" · {key}" if key else ""),
              _week_text(week, total, words, [session_words(s)[1] for s in week.sessions])
              + (safety if week is ahead[0] else pointer))
        if week.gate:
            # Named by what it gates, not by date: a re-dated plan moves the event.
            event(f"gate-{week.phase}-{gate_count[week.phase]}", week.end, 1,
                  say("Checklist: %(gate)s", gate=words.inline(week.gate.title)),
                  _checklist(week) + "\n" + say("Move on only when every item is true."),
                  remind=True)
    for step in _steps_ahead(ahead):
        week = next(w for w in plan.weeks if w.start == step.earliest)
        # the start of a phase keeps the UID it had as a milestone; later walk-run steps
        # are named by how the clinician records them
        uid = (f"milestone-{week.phase}" if week.phase_week == 1 else
               "step-" + step.event.replace(" ", "-"))
        event(uid, step.earliest, 1, say("Earliest start: %(step)s", step=step.title),
              (say("%(step)s may start today, if the checklist before it (%(gate)s) is true.",
                   step=step.title, gate=words.inline(step.gate_title)) if step.gate_title
               else say("%(step)s may start today, if the checklist before it is true.",
                        step=step.title))
              + " " + say("The date is the earliest, never a deadline."), remind=True)
    lines.append("END:VCALENDAR")
    return "\r\n".join(lines).encode() + b"\r\n"


def _steps_ahead(weeks: list[Week]) -> list[NextStep]:
    """Each step still to come once, in order: the weeks' next steps from this week on."""
    return list(dict.fromkeys(w.next_step for w in weeks if w.next_step))


def _date(day: dt.date) -> str:
    """YYYYMMDD, the year always in four digits (strftime writes the year 26 as '26')."""
    return day.isoformat().replace("-", "")


def _text(value: str) -> str:
    """A TEXT value escaped as icalendar escapes it (RFC 5545 3.3.11, in icalendar's order:
    a written `\\N` is a line break too, and every line break is written `\\n`)."""
    return (value.replace("\\N", "\n").replace("\\", "\\\\").replace(";", "\\;")
            .replace(",", "\\,").replace("\r\n", "\\n").replace("\n", "\\n")
            .replace("\r", "\\n"))


def fold(line: str, limit: int = 75, separator: str = "\r\n ") -> str:
    """RFC 5545 folding, the same as icalendar's: pieces of at most limit-1 octets, never
    ending on a backslash or caret (the start of an escape)."""
    width = limit - 1
    if len(line) <= width and (len(line) <= width // 4 or line.isascii()
                               or len(line.encode()) <= width):
        return line  # most lines: short enough whatever their characters
    pieces = []
    start = 0
    if line.isascii():  # a character is an octet: no need to measure each piece
        while len(line) - start > width:
            end = start + width
            if width > 1 and line[end - 1] in "\\^":
                end -= 1
            pieces.append(line[start:end])
            start = end
        pieces.append(line[start:])
        return separator.join(pieces)
    # Cut the UTF-8 bytes, each cut moved back to the start of a character (a byte that is
    # not 0b10xxxxxx): the longest piece that fits, measured once, not character by character.
    data = line.encode()
    while len(data) - start > width:
        end = start + width
        while data[end] & 0xC0 == 0x80:
            end -= 1
        if end - start > 1 and data[end - 1] in b"\\^":
            end -= 1
        pieces.append(data[start:end].decode())
        start = end
    pieces.append(data[start:].decode())
    return separator.join(pieces)


def _week_text(week: Week, total: int, words: i18n.Words, sessions: list[str]) -> str:
    """`sessions`: each session's lines (_session_text)."""
    say = words.gettext
    lines = [say("Week %(number)s of %(total)s: %(phase)s", number=week.number, total=total,
                 phase=week.phase_title)
             + (say(", week %(week)s of %(weeks)s", week=week.phase_week,
                    weeks=week.phase_weeks) if week.phase_weeks > 1 else ""),
             ""]
    if week.paused:
        lines[1:1] = [say("Progress is paused: rest and recover, no running, jumps or hops."),
                      ""]
    elif week.back_from:
        lines[1:1] = [say("Back after the pause on %(day)s: pick up at this step again.",
                          day=words.day_month(week.back_from)), ""]
    lines += sessions
    if week.gate:
        lines += ["", say("At the end of this week:"), _checklist(week)]
    return "\n".join(lines)


def _session_text(session: WeekSession, protocol: Protocol, language: str) -> str:
    """'Strength: 3 times a week', its exercises with their doses, and its note."""
    lines = [f"{session.title}: {dose(session, language)}"]
    lines += [f"  - {protocol.exercises[e].name}: {protocol.exercises[e].dose_text}"
              for e in session.exercises]
    if session.text:
        lines.append(f"  {session.text}")
    return "\n".join(lines)


def _checklist(week: Week) -> str:
    return "\n".join([f"{week.gate.title}:"] + [f"[ ] {check}" for check in week.gate.checks])

