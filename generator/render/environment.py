"""The one Jinja environment of a build: autoescaped, strict, with the project's filters."""

from __future__ import annotations

import datetime as dt
import traceback
from pathlib import Path

import jinja2

from generator.errors import InputError
from generator.render.markdown import notes_markdown, protocol_markdown


def day(value: dt.date) -> str:
    """Tue 1 Sep 2026"""
    return f"{value:%a} {value.day} {value:%b %Y}"


def short_day(value: dt.date) -> str:
    """1 Sep"""
    return f"{value.day} {value:%b}"


def date_range(start: dt.date, end: dt.date) -> str:
    if start.year != end.year:
        return f"{short_day(start)} {start.year} – {short_day(end)} {end.year}"
    return f"{short_day(start)} – {short_day(end)} {end.year}"


def make_environment(templates_dir: Path) -> jinja2.Environment:
    if not templates_dir.is_dir():
        raise InputError.single(str(templates_dir), "templates folder not found",
                                hint="run from the project folder or pass --templates")
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        autoescape=True,  # every template is HTML; nothing a person typed is marked safe
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        md=protocol_markdown, notes=notes_markdown, day=day, short_day=short_day,
        date_range=date_range,
    )
    return env


def load_template(env: jinja2.Environment, name: str) -> jinja2.Template:
    """A template, with syntax errors reported like any other input error."""
    try:
        return env.get_template(name)
    except jinja2.TemplateSyntaxError as err:
        raise InputError.single(err.filename or name, f"template error: {err.message}",
                                line=err.lineno) from None
    except jinja2.TemplateNotFound as err:
        raise InputError.single(str(err.name), "template not found") from None


def check_templates(env: jinja2.Environment) -> None:
    """Compile every template now, so syntax errors are reported together and before any
    athlete is built (a partial is otherwise only compiled when first used)."""
    problems = []
    for name in env.list_templates(extensions=["html", "css"]):
        try:
            load_template(env, name)
        except InputError as err:
            problems.extend(err.problems)
    for name in ("plan.html", "handout.html"):
        try:
            load_template(env, name)
        except InputError as err:
            problems.extend(p for p in err.problems if p not in problems)
    if problems:
        raise InputError(problems)


def template_error(err: jinja2.TemplateError) -> InputError:
    """An error met while rendering (e.g. an undefined variable), at its template line."""
    file, line = None, None
    for frame, lineno in traceback.walk_tb(err.__traceback__):
        # Jinja rewrites tracebacks so template frames carry the template's file and line.
        if frame.f_code.co_filename.endswith((".html", ".css")):
            file, line = frame.f_code.co_filename, lineno
    return InputError.single(file or "templates", f"template error: {err}", line=line)
