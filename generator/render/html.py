"""Plan -> the athlete's phone page (index.html) and the handout's HTML."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import jinja2
from markupsafe import Markup

from generator.i18n import DEFAULT_LANGUAGE, _, words
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
    """What the templates need besides the plan: protocol text looked up, nothing decided.

    Exercise how-tos are grouped by the step that first uses them; `open_groups` are the
    page's open groups: the one this week's step brings in (or, when it brings in none, the
    latest group of this week's exercises: the ones learnt most recently). Exercises kept up
    from an earlier stage, and the next step's, stay a tap away (the phone opens the next
    step's when its date comes); opening every group of a week of kept-up exercises made a
    page of 9 screens."""
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
    open_groups: set[str] = set()
    if current:
        this_week = {group_of[e] for s in current.sessions for e in s.exercises if e in group_of}
        latest = [g["id"] for g in groups if g["id"] in this_week][-1:]
        open_groups = {current.phase} & this_week or set(latest)
    return {
        **_day_lookup(plan),
        "plan": plan,
        "protocol": protocol,
        "profile": profile,
        "phase_about": {p.id: protocol_markdown(p.about) for p in protocol.phases},
        "exercise_groups": groups,
        "used_exercises": [ex for g in groups for ex in g["exercises"]],
        "open_groups": open_groups,
    }


# plan.js's words (its English defaults are these msgids): the page carries them in its
# language, in a #words block, with "%(name)s" written "{name}" as plan.js fills them in.
SCRIPT_WORDS = {
    "done": _("Done"), "this_week": _("This week"), "now": _("Now"),
    "week_of": _("week %(week)s of %(weeks)s"), "week_total": _("Week %(number)s of %(total)s"),
    "before": _("Before you move on"),
    "check_this": _("Check this list at the end of this week, %(day)s."),
    "check_week": _("Check this list at the end of week %(week)s, %(day)s."),
    "today": _("Today is %(date)s."), "date": _("%(weekday)s %(day)s %(month)s %(year)s"),
    "rest": _("Rest day: no session planned today."), "pain": _("Pain"),
    "red_flag": _("Red flag today"), "note": _("Note"),
    "flag_stop": _("A red flag: stop and contact your clinician today."),
    "pain_stop": _("Pain of %(stop)s or more: stop and contact your clinician today."),
    "download": _("Download my log"), "share": _("Share my log"), "run": _("Run"),
    "walk": _("Walk"), "pause": _("Pause"), "resume": _("Resume"), "of": _("%(n)s of %(total)s"),
    "timer": _("Start walk-run timer"),
}


def script_words(language: str) -> dict[str, object] | None:
    """plan.js's words in the athlete's language; None for English (plan.js has them)."""
    if language == DEFAULT_LANGUAGE:
        return None
    said = words(language)
    out: dict[str, object] = {key: re.sub(r"%\((\w+)\)s", r"{\1}", said.gettext(message))
                              for key, message in SCRIPT_WORDS.items()}
    return out | said.calendar_names()


# The page's script, a file of its own beside the page: the same bytes for every athlete and
# every plan, so the phone keeps it across plan updates and the page's 60 KB holds the plan.
PAGE_SCRIPT = "plan.js"


def _day_lookup(plan: Plan) -> dict:
    """The plan's days, packed for the page's "Today": every session title once, every
    distinct week of days once (as title numbers per day), and each week's pattern number,
    each numbered in the order it first comes."""
    number: dict[str, int] = {}
    patterns: dict[tuple, int] = {}
    week_pattern = {}
    for week in plan.weeks:
        shape = tuple(tuple(number.setdefault(t, len(number)) for t in day.sessions)
                      for day in week.days)
        week_pattern[week.number] = patterns.setdefault(shape, len(patterns))
    return {"day_titles": list(number), "day_patterns": list(patterns),
            "week_pattern": week_pattern}


@functools.lru_cache(maxsize=8)
def page_script(env: jinja2.Environment) -> bytes:
    """plan.js as the phone gets it: our own file, without comments and indentation."""
    return (compact(asset_source(env, "assets/plan.js")) + "\n").encode()


def render_page(env: jinja2.Environment, plan: Plan, protocol: Protocol, profile: Profile,
                presentation: Presentation = Presentation()) -> str:
    context = page_context(plan, protocol, profile)
    context.update(how_tos=how_tos(env, protocol, context["exercise_groups"],
                                   context["open_groups"]),
                   script=PAGE_SCRIPT, has_pdf=presentation.pdf,
                   script_words=script_words(plan.language),
                   contact=presentation.contact(profile.clinician))
    return load_template(env, "plan.html").render(context)


def how_tos(env: jinja2.Environment, protocol: Protocol, groups: list[dict],
            open_groups: set[str]) -> Markup:
    """The page's how-tos section (partials/how_tos.html). It shows only the protocol's own
    words and drawings, so it is rendered once for each protocol, language, groups and open
    groups, and the same markup goes on every page that has them: a build of many athletes
    renders it a few times instead of once an athlete. The key holds the template itself (a
    template edited under `rehab serve` is a new one) and the protocol's digest (its files)."""
    template = load_template(env, "partials/how_tos.html")
    key = (template, protocol.digest, protocol.language, frozenset(open_groups),
           tuple((g["id"], g["title"], g["short"], tuple(ex.id for ex in g["exercises"]))
                 for g in groups))
    rendered = env.fragments  # kept with the environment: one build's
    if key not in rendered:
        if len(rendered) >= 256:  # a bound for a build of many protocols and languages
            rendered.clear()
        rendered[key] = Markup(template.render(exercise_groups=groups, open_groups=open_groups))
    return rendered[key]


# The handout prints this many weeks in full, from this week on; the rest is a timeline.
HANDOUT_WEEKS = 8


def handout_context(plan: Plan, protocol: Protocol, profile: Profile) -> dict:
    """What the handout shows where: the weeks done (a summary), the next HANDOUT_WEEKS in
    full with the checklists they lead to, the steps after them, the how-tos of this week's
    and the next step's exercises, and the drawings of the other exercises those weeks bring.
    Chosen from the plan's statuses, nothing decided."""
    weeks, current = plan.weeks, plan.current_week
    first = current.number - 1 if current else (0 if plan.as_of < plan.diagnosed else len(weeks))
    detail = weeks[first:first + HANDOUT_WEEKS]
    gated = [w for w in detail if w.gate]
    if detail and detail[-1].gate_week and not detail[-1].gate:
        gated.append(weeks[detail[-1].gate_week - 1])  # the checklist the last week leads to
    checklists: dict = {}
    for week in gated:
        checklists.setdefault(week.gate, week)
    sheets, seen = [], set()
    steps = [(_("Now"), current)] if current else []
    if current and current.span + 1 < len(plan.phases):
        upcoming = plan.phases[current.span + 1]
        steps.append((_("Next"), weeks[upcoming.first_week - 1]))
    elif not current and detail:
        steps.append((_("First"), detail[0]))
    # the steps after those that the detailed weeks reach: their exercises' drawings, name
    # and dose (the how-tos are on the page), so each exercise of these weeks is pictured
    last_span = max((week.span for label, week in steps), default=len(plan.phases))
    for week in detail:
        if week.span > last_span:
            steps.append((_("Then"), week))
            last_span = week.span
    for label, week in steps:
        ids = [e for s in week.sessions for e in s.exercises if e not in seen]
        seen.update(ids)
        if ids:
            sheets.append({"label": label, "week": week, "span": plan.phases[week.span],
                           "brief": label == "Then",
                           "exercises": [protocol.exercises[e] for e in dict.fromkeys(ids)]})
    last = detail[-1].number if detail else first
    return {
        # each stay the weeks done touched, with how many of its weeks are done
        "past": [(s, min(s.last_week, first) - s.first_week + 1) for s in plan.phases
                 if s.first_week <= first],
        "past_weeks": weeks[:first],
        "detail": detail,
        "checklists": [{"id": f"checklist-{i}", "gate": gate, "week": week}
                       for i, (gate, week) in enumerate(checklists.items(), start=1)],
        "checklist_id": {gate: f"checklist-{i}" for i, gate in enumerate(checklists, start=1)},
        "later": [s for s in plan.phases if s.last_week > last],
        "sheets": sheets,
    }


def render_handout(env: jinja2.Environment, plan: Plan, protocol: Protocol, profile: Profile,
                   presentation: Presentation = Presentation()) -> str:
    context = page_context(plan, protocol, profile)
    context.update(handout_context(plan, protocol, profile))
    context.update(paper=presentation.paper,
                   qr_code=_qr_svg(presentation.page_url, plan.language),
                   page_url=presentation.page_url, contact=presentation.contact(profile.clinician))
    return load_template(env, "handout.html").render(context)


def _qr_svg(url: str | None, language: str = DEFAULT_LANGUAGE) -> Markup | None:
    """An inline SVG QR code of the page's address (inline: the PDF fetches nothing)."""
    if not url:
        return None
    import segno

    # the title is the figure's text for screen readers (the tagged PDF's Alt)
    svg = segno.make(url, error="m").svg_inline(scale=3, border=2, dark="#000", light="#fff",
                                                omitsize=False,
                                                title=words(language).gettext(
                                                    "QR code of your plan's page"))
    return Markup(svg)  # made by segno from the build's own --base-url
