"""Plan -> the athlete's phone page (index.html) and the handout's HTML."""

from __future__ import annotations

import base64
import functools
import hashlib
from dataclasses import dataclass

import jinja2
from markupsafe import Markup

from generator.plan import Plan
from generator.profile import Clinician, Profile
from generator.protocol import Protocol
from generator.render.environment import asset_source, compact, load_template
from generator.render.markdown import protocol_markdown


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
    """What the templates need besides the plan: protocol text looked up, nothing decided."""
    groups, seen = [], set()
    for span in plan.phases:
        week = plan.weeks[span.first_week - 1]
        ids = [e for s in week.sessions for e in s.exercises if e not in seen]
        seen.update(ids)
        if ids:
            groups.append({"title": span.title,
                           "exercises": [protocol.exercises[e] for e in dict.fromkeys(ids)]})
    return {
        "plan": plan,
        "protocol": protocol,
        "profile": profile,
        "phase_about": {p.id: protocol_markdown(p.about) for p in protocol.phases},
        "exercise_groups": groups,
        "used_exercises": [ex for g in groups for ex in g["exercises"]],
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
