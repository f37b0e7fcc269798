"""Plan -> the athlete's phone page (index.html) and the handout's HTML."""

from __future__ import annotations

import datetime as dt

import jinja2

from generator.plan import Plan
from generator.profile import Profile
from generator.protocol import Protocol
from generator.render.environment import load_template
from generator.render.markdown import protocol_markdown


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
    gate_groups: list[dict] = []
    listed: set[str] = set()
    for span in plan.phases[:-1]:
        if span.id in listed:
            continue  # a phase met again after a setback has the same checklist
        listed.add(span.id)
        gate = protocol.phase(span.id).gate
        if gate_groups and gate_groups[-1]["gate"] == gate:
            gate_groups[-1]["phases"].append(span.title)
        else:
            gate_groups.append({"gate": gate, "phases": [span.title],
                                "next_start": span.end + dt.timedelta(days=1)})
    return {
        "plan": plan,
        "gate_groups": gate_groups,
        "protocol": protocol,
        "profile": profile,
        "phase_gates": {p.id: p.gate for p in protocol.phases},
        "phase_ends": _phase_ends(plan),
        "phase_about": {p.id: protocol_markdown(p.about) for p in protocol.phases},
        "exercise_groups": groups,
        "used_exercises": [ex for g in groups for ex in g["exercises"]],
    }


def _phase_ends(plan: Plan) -> dict:
    """Where each phase ends: its stay that holds this week, else its first."""
    ends: dict = {}
    for span in plan.phases:
        ends.setdefault(span.id, span.end)
    current = plan.current_week
    for span in plan.phases:
        if current and span.start <= current.start <= span.end:
            ends[span.id] = span.end
    return ends


def render_page(env: jinja2.Environment, plan: Plan, protocol: Protocol, profile: Profile) -> str:
    return load_template(env, "plan.html").render(page_context(plan, protocol, profile))


def render_handout(env: jinja2.Environment, plan: Plan, protocol: Protocol,
                   profile: Profile) -> str:
    return load_template(env, "handout.html").render(page_context(plan, protocol, profile))
