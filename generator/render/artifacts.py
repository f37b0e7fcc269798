"""Plan -> {file name: bytes}: every file of one athlete's folder, made from one plan."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import jinja2

from generator.config import Settings
from generator.plan import Plan
from generator.profile import Profile
from generator.protocol import Protocol
from generator.render.environment import for_language, template_error
from generator.render.figure import DRAWINGS, drawings_file
from generator.render.html import (
    PAGE_SCRIPT,
    Presentation,
    page_script,
    render_handout,
    render_page,
)
from generator.render.ics import render_calendar
from generator.render.jsonfile import dated_json
from generator.render.offline import offline_files

HANDOUT = "plan.pdf"
SERVICE_WORKER = "sw.js"  # lists the hash of every other file, the handout's too
ROBOTS = "User-agent: *\nDisallow: /\n"

# What to render: every file; or all but the handout and the service worker that lists it
# (`rehab serve` shows the page first); or every file for the second step of that.
PARTS = ("all", "page", "handout")


def plan_json(plan: Plan) -> str:
    # == json.dumps(plan.to_dict(), indent=2, ensure_ascii=False), without the slow path (no
    # Plan field is a float), nor the plain copy of the document (most of the time it took)
    return dated_json(plan.to_document(), plan.to_dict) + "\n"


def site_files() -> dict[str, bytes]:
    """Files of the site itself, naming no athlete."""
    return {"robots.txt": ROBOTS.encode()}


class Renderer:
    """Renders athletes' folders for one build; one per process (WeasyPrint loads once)."""

    def __init__(self, settings: Settings, env: jinja2.Environment, helper=None):
        self.settings = settings
        self.env = env
        self._pdf = None
        self.helper = helper  # a generator.pdf_helper.PdfHelper: WeasyPrint in another process

    @property
    def pdf(self):
        if self._pdf is None:
            from generator.render.pdf import PdfRenderer

            self._pdf = PdfRenderer([*self.settings.template_folders,
                                     *self.settings.content_folders])
        return self._pdf

    def _handout_pdf(self, html: str) -> Callable[[], bytes]:
        """The handout's PDF, begun: the call returns its bytes. With a helper process, it
        is made there while this process renders the athlete's other files."""
        base = self.settings.template_folders[0]
        if self.helper is not None and self.helper.alive:
            from generator.pdf_helper import HelperGone

            try:
                pending = self.helper.submit([*self.settings.template_folders,
                                              *self.settings.content_folders], html, base)
            except HelperGone:
                pending = None

            def collect() -> bytes:
                if pending is not None:
                    with contextlib.suppress(HelperGone):
                        return pending()
                return self.pdf.render(html, base)  # made here, as without a helper

            return collect
        return lambda: self.pdf.render(html, base)

    def presentation(self, profile: Profile, folder: str) -> Presentation:
        return Presentation(paper=profile.paper or self.settings.paper,
                            page_url=self.settings.page_url(folder),
                            pdf=self.settings.pdf, clinic=self.settings.clinic)

    def render(self, profile: Profile, plan: Plan, protocol: Protocol, folder: str,
               part: str = "all") -> dict[str, bytes]:
        """The athlete's files; `folder` is the name of their folder in the site (for links)."""
        look = self.presentation(profile, folder)
        env = for_language(self.env, plan.language)  # the athlete's words, dates and numbers
        with_handout = self.settings.pdf and part != "page"
        try:
            # The handout first: its PDF (the slow part) may be made in another process
            # while this one renders the rest.
            handout = render_handout(env, plan, protocol, profile, look) \
                if with_handout else None
            pdf = self._handout_pdf(handout) if handout is not None else None
            files = {
                "index.html": render_page(env, plan, protocol, profile, look).encode(),
                PAGE_SCRIPT: page_script(self.env),
                DRAWINGS: drawings_file(protocol),
                "plan.json": plan_json(plan).encode(),
                "plan.ics": render_calendar(plan, protocol, look.contact(profile.clinician),
                                            look.page_url),
            }
        except jinja2.TemplateError as err:  # e.g. a misspelt variable in a template
            raise template_error(err) from None
        if pdf is not None:
            files[HANDOUT] = pdf()
        offline = offline_files(self.env, plan, files)  # last: it hashes the others
        if self.settings.pdf and not with_handout:
            del offline[SERVICE_WORKER]  # it would list a handout not made yet
        return files | offline
