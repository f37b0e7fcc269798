"""The clinic's dashboard as one HTML file: its CSS and script inline, its charts inline SVG,
a Content-Security-Policy that lets nothing else run or load (no request leaves the file)."""

from __future__ import annotations

import base64
import hashlib

import jinja2

from generator.dashboard import Dashboard
from generator.render.charts import log_chart, timeline
from generator.render.environment import (
    asset_source,
    compact,
    compact_css,
    load_template,
    template_error,
)

TEMPLATE = "dashboard.html"


def _sha256(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


def render_dashboard(board: Dashboard, env: jinja2.Environment) -> str:
    css = compact_css(asset_source(env, "assets/dashboard.css"))
    script = compact(asset_source(env, "assets/dashboard.js"))
    csp = (f"default-src 'none'; style-src '{_sha256(css)}'; script-src '{_sha256(script)}'; "
           "base-uri 'none'; form-action 'none'")
    charts = []
    for i, athlete in enumerate(board.athletes):
        plan = athlete.seen.plan
        charts.append((
            timeline(plan, board.as_of, f"plan-{i}") if plan else None,
            log_chart(athlete.log_weeks, plan.pain_stop_at, plan.athlete_name, f"log-{i}")
            if plan and athlete.log_weeks else None))
    try:
        return load_template(env, TEMPLATE).render(
            board=board, rows=list(zip(board.athletes, charts, strict=True)), css=css,
            script=script, csp=csp)
    except jinja2.TemplateError as err:
        raise template_error(err) from None
