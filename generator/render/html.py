"""Plan -> the athlete's phone page (index.html) and the handout's HTML."""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
from dataclasses import dataclass

import jinja2
from markupsafe import Markup

from generator.plan import Plan, Week, WeekSession
from generator.profile import Clinician, Profile
from generator.protocol import Protocol
from generator.render.environment import asset_source, compact, load_template
from generator.render.markdown import protocol_markdown
from generator.render.sessions import changing_sessions, routine_sessions


@dataclass(frozen=True)
class Presentation:
    """How the outputs look, not what the plan says: set per build (and per profile for paper)."""

    paper: str = "a4"  # a4 | letter
    page_url: str | None = None  # the athlete's page online, for the handout's QR code
    pdf: bool = True  # whether this build makes plan.pdf (the page links it only then)
    clinic: Clinician = Clinician()  # rehab.yaml's clinic: what a profile's clinician leaves out

    def contact(self, clinician: Clinician) -> Clinician:
        """Whom the athlete calls: the profile's clinician, with the clinic, phone and email it
        leaves blank taken from the project's clinic."""
        return Clinician(name=clinician.name, clinic=clinician.clinic or self.clinic.clinic,
                         phone=clinician.phone or self.clinic.phone,
                         email=clinician.email or self.clinic.email)


def page_context(plan: Plan, protocol: Protocol, profile: Profile) -> dict:
    """What the templates need besides the plan: protocol text looked up, nothing computed."""
    groups, seen = [], set()
    for span in plan.phases:
        week = next(w for w in plan.weeks if w.phase == span.id)
        ids = [e for s in week.sessions for e in s.exercises if e not in seen]
        seen.update(ids)
        if ids:
            groups.append({"title": span.title,
                           "exercises": [protocol.exercises[e] for e in dict.fromkeys(ids)]})
    # Each checklist once, from the weeks that carry it: the next step starts the day after
    # its first week at the earliest.
    gate_groups: list[dict] = []
    for week in plan.weeks:
        if week.gate is None:
            continue
        group = next((g for g in gate_groups if g["gate"] == week.gate), None)
        if group is None:
            gate_groups.append({"gate": week.gate, "phases": [week.phase_title],
                                "next_start": week.end + dt.timedelta(days=1)})
        elif week.phase_title not in group["phases"]:
            group["phases"].append(week.phase_title)
    blocks = _phase_blocks(plan)
    return {
        "plan": plan,
        "gate_groups": gate_groups,
        "protocol": protocol,
        "profile": profile,
        "phase_about": {p.id: protocol_markdown(p.about) for p in protocol.phases},
        "exercise_groups": groups,
        "used_exercises": [ex for g in groups for ex in g["exercises"]],
        "phase_blocks": blocks,
        "block_of": {w.number: b["anchor"] for b in blocks for w in b["weeks"]},
        "routine": {s.id: routine_sessions(plan, s.id) for s in plan.phases},
        "changing": {w.number: changing_sessions(plan, w) for w in plan.weeks},
        "phase_notes": {s.id: _phase_notes(plan, s.id) for s in plan.phases},
        "next_gate": _next_gate(plan.weeks),
    }


def _phase_blocks(plan: Plan) -> list[dict]:
    """Each stay in a phase with its weeks (a setback makes a second stay); a checklist shared
    with an earlier block is listed only once."""
    blocks: list[dict] = []
    listed: dict = {}  # gate -> the block that shows it
    visits: dict[str, int] = {}
    for span in plan.phases:
        weeks = [w for w in plan.weeks if w.phase == span.id and span.start <= w.start <= span.end]
        statuses = {w.status for w in weeks}
        status = ("current" if "current" in statuses else
                  "done" if statuses == {"done"} else "upcoming")
        gate = next((w.gate for w in weeks if w.gate), None)
        visits[span.id] = visits.get(span.id, 0) + 1
        anchor = f"p-{span.id}" + (f"-{visits[span.id]}" if visits[span.id] > 1 else "")
        block = {"span": span, "weeks": weeks, "status": status, "gate": gate,
                 "gate_in": listed.get(gate), "anchor": anchor}
        blocks.append(block)
        if gate is not None:
            listed.setdefault(gate, block)
    return blocks


def _phase_notes(plan: Plan, phase: str) -> list[WeekSession]:
    """Sessions whose size changes week by week, each once, if how often stays the same.

    Their note says how often and how, once per phase; the week lines then say only how much.
    """
    seen: dict[str, set[str]] = {}
    first: dict[str, WeekSession] = {}
    for week in plan.weeks:
        if week.phase == phase:
            for session in changing_sessions(plan, week):
                seen.setdefault(session.title, set()).add(session.per_week)
                first.setdefault(session.title, session)
    return [s for title, s in first.items() if len(seen[title]) == 1]


def _next_gate(weeks: tuple[Week, ...]) -> dict[int, Week | None]:
    """For each week, the first week from it on whose checklist must be passed to move on."""
    found: dict[int, Week | None] = {}
    upcoming = None
    for week in reversed(weeks):
        if week.gate:
            upcoming = week
        found[week.number] = upcoming
    return found


@functools.lru_cache(maxsize=8)
def _script(env: jinja2.Environment) -> tuple[Markup, str]:
    """The page's own script, inlined, and its hash for the Content-Security-Policy."""
    source = compact(asset_source(env, "assets/plan.js"))
    digest = base64.b64encode(hashlib.sha256(source.encode()).digest()).decode()
    return Markup(source), f"sha256-{digest}"  # our file, never a person's text


def render_page(env: jinja2.Environment, plan: Plan, protocol: Protocol, profile: Profile,
                presentation: Presentation = Presentation()) -> str:
    script, script_hash = _script(env)
    context = page_context(plan, protocol, profile)
    context.update(script=script, script_hash=script_hash, has_pdf=presentation.pdf,
                   contact=presentation.contact(profile.clinician))
    return load_template(env, "plan.html").render(context)


def render_handout(env: jinja2.Environment, plan: Plan, protocol: Protocol, profile: Profile,
                   presentation: Presentation = Presentation()) -> str:
    context = page_context(plan, protocol, profile)
    context.update(paper=presentation.paper, qr_code=_qr_svg(presentation.page_url),
                   page_url=presentation.page_url, contact=presentation.contact(profile.clinician))
    return load_template(env, "handout.html").render(context)


def _qr_svg(url: str | None) -> Markup | None:
    """An inline SVG QR code of the page's address (inline: the PDF fetches nothing)."""
    if not url:
        return None
    import segno

    svg = segno.make(url, error="m").svg_inline(scale=3, border=2, dark="#000", light="#fff",
                                                omitsize=False)
    return Markup(svg)  # made by segno from the build's own --base-url
