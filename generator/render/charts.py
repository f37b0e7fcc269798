"""Inline SVG charts for the clinic's dashboard: plan and log in, SVG text out.

Readable in black and white: shapes, fills and hatching carry the meaning (a cross for a
setback, a square for pain at or above the stop threshold, hatching for a stay after a
setback), never colour. Each chart is an image with a title and a description for screen
readers; the dashboard prints the same data as a table beside it. Every word from a
profile, a plan or a log is escaped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from markupsafe import Markup, escape

from generator.athlete_log import LogWeek
from generator.plan import Plan, RecordedEvent, Status

WIDTH = 380  # the log chart's; the plan's is narrower, so its words stay readable
PLAN_WIDTH = 320
FONT = 'font-family="system-ui, sans-serif" font-size="11"'
BAND_FILL = {Status.DONE: "#c8c8c8", Status.CURRENT: "#5c5c5c", Status.UPCOMING: "#ffffff"}


def _n(x: float) -> str:
    """A coordinate, short and stable: 12.5, 40."""
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _day(day: dt.date) -> str:
    return f"{day.day} {day:%b %Y}"


def _svg(uid: str, size: tuple[int, int], title: str, desc: str, body: Iterable[str],
         defs: str = "") -> Markup:
    width, height = size
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
             f'aria-labelledby="{uid}-t {uid}-d" xmlns="http://www.w3.org/2000/svg">',
             f'<title id="{uid}-t">{escape(title)}</title>',
             f'<desc id="{uid}-d">{escape(desc)}</desc>']
    if defs:
        parts.append(f"<defs>{defs}</defs>")
    parts += body
    parts.append("</svg>")
    return Markup("\n".join(parts))


def _hatch(pattern_id: str) -> str:
    return (f'<pattern id="{pattern_id}" width="5" height="5" patternUnits="userSpaceOnUse" '
            'patternTransform="rotate(45)"><rect width="5" height="5" fill="#fff"/>'
            '<line x1="0" y1="0" x2="0" y2="5" stroke="#000" stroke-width="2"/></pattern>')


def _dots(pattern_id: str) -> str:
    return (f'<pattern id="{pattern_id}" width="4" height="4" patternUnits="userSpaceOnUse">'
            '<rect width="4" height="4" fill="#fff"/><circle cx="2" cy="2" r="1" fill="#000"/>'
            '</pattern>')


# --- the plan: phases, events, today ------------------------------------------------------

def event_mark(event: RecordedEvent, x: float, y: float) -> str:
    """A recorded event's mark, its shape by kind: a cross for a setback, two bars for a
    pause, a diamond for new imaging, a ring for a return, a triangle for a step."""
    tip = f"<title>{escape(_day(event.date))}: {escape(event.summary)}</title>"
    if event.event == "setback":
        return (f'<g class="mark setback" stroke="#000" stroke-width="2.2">{tip}'
                f'<line x1="{_n(x - 4)}" y1="{_n(y - 4)}" x2="{_n(x + 4)}" y2="{_n(y + 4)}"/>'
                f'<line x1="{_n(x - 4)}" y1="{_n(y + 4)}" x2="{_n(x + 4)}" y2="{_n(y - 4)}"/>'
                "</g>")
    if event.event == "pause":
        return (f'<g class="mark pause" fill="#000">{tip}'
                f'<rect x="{_n(x - 3.5)}" y="{_n(y - 4.5)}" width="2.5" height="9"/>'
                f'<rect x="{_n(x + 1)}" y="{_n(y - 4.5)}" width="2.5" height="9"/></g>')
    if event.event == "new_imaging":
        return (f'<path class="mark imaging" d="M{_n(x)} {_n(y - 5)}l5 5-5 5-5-5z" fill="#fff" '
                f'stroke="#000" stroke-width="1.5">{tip}</path>')
    if event.event == "resume":
        return (f'<circle class="mark resume" cx="{_n(x)}" cy="{_n(y)}" r="3.5" fill="#fff" '
                f'stroke="#000" stroke-width="1.5">{tip}</circle>')
    return (f'<path class="mark step" d="M{_n(x - 4.5)} {_n(y - 4)}h9l-4.5 8z" fill="#000">'
            f"{tip}</path>")


def timeline(plan: Plan, today: dt.date, uid: str) -> Markup:
    """Phases as bands from the diagnosis to the plan's end, events as marks above them,
    paused weeks dotted, stays after a setback hatched, today as a dashed line."""
    left, right, height = 6, PLAN_WIDTH - 6, 88
    start, end = plan.diagnosed, plan.end + dt.timedelta(days=1)
    span = max((end - start).days, 1)

    def x(day: dt.date) -> float:
        return left + (right - left) * min(max((day - start).days, 0), span) / span

    band_top, band_height, mark_rows = 38, 26, (30, 19)
    body = []
    for phase in plan.phases:
        fill = BAND_FILL[phase.status]
        label = f"{phase.title}: {_day(phase.start)} to {_day(phase.end)}"
        if phase.setback:
            label += " (after a setback)"
        x0, x1 = x(phase.start), x(phase.end + dt.timedelta(days=1))
        body.append(f'<rect class="band {phase.status}" x="{_n(x0)}" y="{band_top}" '
                    f'width="{_n(x1 - x0)}" height="{band_height}" fill="{fill}" stroke="#000" '
                    f'stroke-width="0.8"><title>{escape(label)}</title></rect>')
        if phase.setback:
            body.append(f'<rect x="{_n(x0)}" y="{band_top}" width="{_n(x1 - x0)}" '
                        f'height="{band_height / 2:g}" fill="url(#{uid}-hatch)" stroke="#000" '
                        'stroke-width="0.8"/>')
    for week in plan.weeks:
        if week.paused:
            x0, x1 = x(week.start), x(week.end + dt.timedelta(days=1))
            body.append(f'<rect class="paused" x="{_n(x0)}" y="{band_top + band_height / 2:g}" '
                        f'width="{_n(x1 - x0)}" height="{band_height / 2:g}" '
                        f'fill="url(#{uid}-dots)" stroke="#000" stroke-width="0.8"/>')
    last = [-99.0, -99.0]  # the last mark's x in each row: marks a few days apart alternate
    for event in plan.events:
        at = x(event.date) + 0.5 * (right - left) / span
        row = 0 if at - last[0] >= 10 or at - last[1] < 10 else 1
        last[row] = at
        body.append(event_mark(event, at, mark_rows[row]))
    if start <= today < end:
        at = x(today)
        anchor = "start" if at < left + 30 else "end" if at > right - 30 else "middle"
        body.append(f'<line class="today" x1="{_n(at)}" y1="13" x2="{_n(at)}" y2="70" '
                    'stroke="#000" stroke-width="1.5" stroke-dasharray="4 2"/>')
        body.append(f'<text x="{_n(at)}" y="11" text-anchor="{anchor}" {FONT}>today</text>')
    body.append(f'<text x="{left}" y="82" {FONT}>{escape(_day(start))}</text>')
    body.append(f'<text x="{right}" y="82" text-anchor="end" {FONT}>'
                f"{escape(_day(plan.end))}</text>")
    current = plan.current_week
    now = (f"now week {current.number} of {len(plan.weeks)}, {current.step_title}"
           + (" (setback)" if current.setback else "") if current else
           "the plan is complete" if today >= end else "the plan has not started")
    setbacks = sum(e.event == "setback" for e in plan.events)
    desc = (f"Phases from {_day(start)} to {_day(plan.end)}: {now}. "
            f"{len(plan.events)} event{'s' if len(plan.events) != 1 else ''} recorded"
            + (f", {setbacks} of them setback{'s' if setbacks != 1 else ''}" if setbacks
               else "") + ". The phases and events are listed in the table below.")
    return _svg(uid, (PLAN_WIDTH, height), f"Plan of {plan.athlete_name}", desc, body,
                _hatch(f"{uid}-hatch") + _dots(f"{uid}-dots"))


# --- the log: pain per day, sessions done per week ----------------------------------------

def log_chart(weeks: tuple[LogWeek, ...], stop_at: int, name: str, uid: str,
              slots: int = 8) -> Markup:
    """Two panels on one time axis, a column per plan week (the latest at the right): each
    logged day's pain (0-10; a square at or above the stop threshold, a line joining days
    in a row, a triangle above a red-flag day), and below, the sessions done of those
    planned in each week as a bar in its frame."""
    left, right, height = 40, WIDTH - 4, 158
    slot = (right - left) / slots
    first = slots - len(weeks)
    pain_top, pain_bottom = 28, 78
    done_top, done_bottom = 90, 126

    def pain_y(pain: int) -> float:
        return pain_bottom - (pain_bottom - pain_top) * pain / 10

    body = [f'<text transform="translate(11 {(pain_top + pain_bottom) / 2:g}) rotate(-90)" '
            f'text-anchor="middle" {FONT}>pain</text>',
            f'<text transform="translate(11 {(done_top + done_bottom) / 2:g}) rotate(-90)" '
            f'text-anchor="middle" {FONT}>done</text>']
    for value in (0, 5, 10):
        y = pain_y(value)
        body.append(f'<line x1="{left}" y1="{_n(y)}" x2="{right}" y2="{_n(y)}" stroke="#999999" '
                    'stroke-width="0.6"/>')
        body.append(f'<text x="{left - 4}" y="{_n(y + 4)}" text-anchor="end" {FONT}>'
                    f"{value}</text>")
    y = pain_y(stop_at)
    body.append(f'<line class="stop" x1="{left}" y1="{_n(y)}" x2="{right}" y2="{_n(y)}" '
                'stroke="#000" stroke-width="1.2" stroke-dasharray="5 3"/>')
    # the key to the dashed line, above the panel: nothing is drawn under it
    body.append(f'<line x1="{right - 96}" y1="7" x2="{right - 76}" y2="7" stroke="#000" '
                'stroke-width="1.2" stroke-dasharray="5 3"/>')
    body.append(f'<text x="{right}" y="11" text-anchor="end" {FONT}>stop at {stop_at}</text>')
    body.append(f'<text x="{left - 4}" y="{done_top + 8}" text-anchor="end" {FONT}>all</text>')
    body.append(f'<text x="{left - 4}" y="{done_bottom}" text-anchor="end" {FONT}>0</text>')
    line: list[str] = []
    lines: list[list[str]] = []
    points, flags = [], []
    for i, week in enumerate(weeks):
        x0 = left + (first + i) * slot
        body.append(f'<line x1="{_n(x0)}" y1="{pain_top - 12}" x2="{_n(x0)}" y2="{done_bottom}" '
                    'stroke="#cccccc" stroke-width="0.6"/>')
        day_width = slot / 7
        for d, entry in enumerate(week.days):
            cx = x0 + (d + 0.5) * day_width
            if entry is None or entry.pain is None:
                if line:
                    lines.append(line)
                line = []
            else:
                cy = pain_y(entry.pain)
                line.append(f"{_n(cx)},{_n(cy)}")
                tip = f"<title>{escape(_day(entry.date))}: pain {entry.pain}</title>"
                points.append(
                    f'<rect x="{_n(cx - 3)}" y="{_n(cy - 3)}" width="6" height="6" fill="#000">'
                    f"{tip}</rect>" if entry.pain >= stop_at else
                    f'<circle cx="{_n(cx)}" cy="{_n(cy)}" r="2.4" fill="#000">{tip}</circle>')
            if entry is not None and entry.red_flag:
                flags.append(f'<path d="M{_n(cx)} 14l4.5 8h-9z" fill="#fff" stroke="#000" '
                             f'stroke-width="1.4"><title>{escape(_day(entry.date))}: '
                             "red flag</title></path>")
        bar_x, bar_w = x0 + slot * 0.2, slot * 0.6
        logged = any(entry is not None for entry in week.days)
        share = week.done / week.planned if week.planned and logged else 0
        bar_h = (done_bottom - done_top) * share
        body.append(f'<rect x="{_n(bar_x)}" y="{done_top}" width="{_n(bar_w)}" '
                    f'height="{done_bottom - done_top}" fill="#fff" stroke="#000" '
                    'stroke-width="0.8" stroke-dasharray="2 2"/>')
        if bar_h:
            body.append(f'<rect x="{_n(bar_x)}" y="{_n(done_bottom - bar_h)}" '
                        f'width="{_n(bar_w)}" height="{_n(bar_h)}" fill="#7a7a7a" '
                        f'stroke="#000" stroke-width="0.8"><title>Week {week.number}: '
                        f"{week.done} of {week.planned} sessions done</title></rect>")
        middle = _n(x0 + slot / 2)
        body.append(f'<text x="{middle}" y="140" text-anchor="middle" {FONT}>'
                    f"wk {week.number}</text>")
        body.append(f'<text x="{middle}" y="154" text-anchor="middle" {FONT}>'
                    + (f"{week.done}/{week.planned}" if logged and week.planned else
                       "no log" if not logged else "-")
                    + "</text>")
    if line:
        lines.append(line)
    body += [f'<polyline points="{" ".join(run)}" fill="none" stroke="#000" '
             'stroke-width="1.2"/>' for run in lines if len(run) > 1]
    body += points + flags
    return _svg(uid, (WIDTH, height), f"Log of {name}, last {len(weeks)} weeks",
                log_summary(weeks, stop_at), body)


def log_summary(weeks: tuple[LogWeek, ...], stop_at: int) -> str:
    """The chart in one sentence."""
    entries = [e for w in weeks for e in w.days if e is not None]
    done, planned = sum(w.done for w in weeks), sum(w.planned for w in weeks)
    pains = [e for e in entries if e.pain is not None]
    worst = max(pains, key=lambda e: (e.pain, e.date), default=None)
    red = sum(e.red_flag for e in entries)
    when = (f"Weeks {weeks[0].number} to {weeks[-1].number}" if len(weeks) > 1 else
            f"Week {weeks[0].number}")
    words = [f"{when}: {done} of {planned} planned sessions done"
             + (f" ({round(100 * done / planned)}%)" if planned else ""),
             f"{len(entries)} day{'s' if len(entries) != 1 else ''} logged"]
    if worst:
        words.append(f"highest pain {worst.pain} on {_day(worst.date)} (stop at {stop_at})")
    if red:
        words.append(f"{red} red-flag day{'s' if red != 1 else ''}")
    return "; ".join(words) + ". Each week is in the table below."
