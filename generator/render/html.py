"""Plan -> the athlete's phone page (index.html) and the handout's HTML."""

from __future__ import annotations

import base64
import functools
import hashlib
from dataclasses import dataclass

import jinja2
from markupsafe import Markup

from generator.plan import Plan
from generator.profile import Profile
from generator.protocol import Protocol
from generator.render.environment import asset_source, compact, load_template
from generator.render.markdown import protocol_markdown


@dataclass(frozen=True)
class Presentation:
    """How the outputs look, not what the plan says: set per build (and per profile for paper)."""

    paper: str = "a4"  # a4 | letter
    page_url: str | None = None  # the athlete's page online, for the handout's QR code
    pdf: bool = True  # whether this build makes plan.pdf (the page links it only then)


def page_context(plan: Plan, protocol: Protocol, profile: Profile) -> dict:
    """What the templates need besides the plan: protocol text looked up, nothing decided.

    Exercise how-tos are grouped by the step that first uses them; `open_groups` are the
    groups of this week's exercises and of the next step's (the page opens those)."""
    groups, seen, group_of = [], set(), {}
    for span in plan.phases:
        week = plan.weeks[span.first_week - 1]
        ids = list(dict.fromkeys(e for s in week.sessions for e in s.exercises if e not in seen))
        seen.update(ids)
        if ids:
            group_of.update((e, span.id) for e in ids)
            groups.append({"id": span.id, "title": span.title, "short": span.short,
                           "exercises": [protocol.exercises[e] for e in ids]})
    current = plan.current_week
    focus: list[str] = []
    if current:
        focus += [e for s in current.sessions for e in s.exercises]
        if current.span + 1 < len(plan.phases):
            focus += [e for s in plan.phases[current.span + 1].routine for e in s.exercises]
    return {
        "plan": plan,
        "protocol": protocol,
        "profile": profile,
        "phase_about": {p.id: protocol_markdown(p.about) for p in protocol.phases},
        "exercise_groups": groups,
        "used_exercises": [ex for g in groups for ex in g["exercises"]],
        "open_groups": {group_of[e] for e in focus if e in group_of},
    }


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
    context.update(script=script, script_hash=script_hash, has_pdf=presentation.pdf)
    return load_template(env, "plan.html").render(context)


def render_handout(env: jinja2.Environment, plan: Plan, protocol: Protocol, profile: Profile,
                   presentation: Presentation = Presentation()) -> str:
    context = page_context(plan, protocol, profile)
    context.update(paper=presentation.paper, qr_code=_qr_svg(presentation.page_url),
                   page_url=presentation.page_url)
    return load_template(env, "handout.html").render(context)


def _qr_svg(url: str | None) -> Markup | None:
    """An inline SVG QR code of the page's address (inline: the PDF fetches nothing)."""
    if not url:
        return None
    import segno

    svg = segno.make(url, error="m").svg_inline(scale=3, border=2, dark="#000", light="#fff",
                                                omitsize=False)
    return Markup(svg)  # made by segno from the build's own --base-url
