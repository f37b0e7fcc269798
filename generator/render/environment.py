"""The one Jinja environment of a build: autoescaped, strict, with the project's filters."""

from __future__ import annotations

import datetime as dt
import functools
import gettext
import hashlib
import re
import traceback
from collections.abc import Callable
from pathlib import Path

import jinja2
from markupsafe import Markup

from generator.errors import InputError
from generator.i18n import DEFAULT_LANGUAGE, translations, words
from generator.render import figure
from generator.render.sessions import amount, dose


@functools.lru_cache(maxsize=4096)  # the same dates on every page of a build
def day(value: dt.date) -> str:
    """Tue 1 Sep 2026"""
    return words().day(value)


@functools.lru_cache(maxsize=4096)
def short_day(value: dt.date) -> str:
    """1 Sep"""
    return words().short_day(value)


@functools.lru_cache(maxsize=4096)
def week_range(start: dt.date, end: dt.date) -> str:
    """Tue 17 – Mon 23 Nov 2026, Tue 24 Nov – Mon 30 Nov 2026 (the end part is always a whole
    `day`: plan.js reads it)."""
    return words().week_range(start, end)


@functools.lru_cache(maxsize=32)  # the same stylesheet and script on every page
def compact(source: str) -> Markup:
    """CSS or JS without comment lines and indentation: the phone page's bytes count.

    Safe for our own assets only: no line may continue a string or a comment.
    """
    source = re.sub(r"/\*.*?\*/", "", source, flags=re.S)
    lines = (line.strip() for line in source.splitlines())
    return Markup("\n".join(line for line in lines if line and not line.startswith("//")))


@functools.lru_cache(maxsize=32)
def compact_css(source: str) -> Markup:
    """`compact`, and no space around CSS punctuation (outside quoted strings)."""
    parts = re.split(r'("[^"\n]*")', str(compact(source)))
    for i in range(0, len(parts), 2):  # even parts are outside strings
        parts[i] = re.sub(r":\s+", ":", re.sub(r"\s*([{};,>])\s*", r"\1", parts[i]))
    return Markup("".join(parts))


def _protocol_markdown(text: str) -> Markup:
    from generator.render.markdown import protocol_markdown  # loaded when first rendered,

    return protocol_markdown(text)  # not by `rehab check`, which only compiles templates


def _notes_markdown(text: str) -> Markup:
    from generator.render.markdown import notes_markdown

    return notes_markdown(text)


class TemplateCache(jinja2.FileSystemBytecodeCache):
    """Compiled templates kept between runs (in the build state folder, .rehab/jinja/), so a
    new `rehab` process does not compile every template again.

    Jinja checks each entry against its template's source; the file names also carry this
    module's own source and Jinja's version, which decide how a template compiles. Only
    builds write (`write=False` for check, plan and status, which write nothing); a cache
    that cannot be written is no cache, never an error.
    """

    def __init__(self, folder: Path, write: bool = True):
        key = hashlib.sha256(jinja2.__version__.encode() + Path(__file__).read_bytes())
        super().__init__(str(folder), pattern=f"{key.hexdigest()[:16]}-%s.cache")
        self.write = write

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:  # unreadable, cut short, from elsewhere: compile the template instead
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if not self.write:
            return
        try:
            Path(self.directory).mkdir(parents=True, exist_ok=True)
            super().dump_bytecode(bucket)
        except OSError:
            pass


def make_environment(templates: Path | tuple[Path, ...],
                     cache: jinja2.BytecodeCache | None = None) -> jinja2.Environment:
    """Templates from one folder, or from several: a file in an earlier one hides the file of
    the same path in a later one (a project's own templates/ over the package's)."""
    folders = (templates,) if isinstance(templates, Path) else templates
    for folder in folders:
        if not folder.is_dir():
            raise InputError.single(str(folder), "templates folder not found",
                                    hint="run from the project folder or pass --templates")
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(folder) for folder in folders]),
        bytecode_cache=cache,
        autoescape=True,  # every template is HTML; nothing a person typed is marked safe
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        extensions=["jinja2.ext.i18n"],  # {% trans %} and _(): the athlete's language
    )
    env.policies["ext.i18n.trimmed"] = True  # a {% trans %} block's line breaks are spaces
    env.globals.update(_words(translations(DEFAULT_LANGUAGE)), language=DEFAULT_LANGUAGE)
    env.filters.update(
        md=_protocol_markdown, notes=_notes_markdown, day=day, short_day=short_day,
        week_range=week_range, dose=dose, amount=amount,
        compact=compact, compact_css=compact_css, figure=_figure, figure_box=_figure_box,
        inline=str.lower,
    )
    # What lives as long as this environment (a build's, or a `rehab serve` rebuild's): its
    # languages' overlays (for_language) and the page fragments rendered once for many
    # athletes (render/html.py how_tos). Overlays share these dicts with it.
    env.extend(language_envs={}, fragments={})
    return env


def _figure(picture, title: str, on_page: bool = False) -> Markup:
    """An exercise's drawing as a whole inline <svg>: the handout's, at the paper's scale, or
    (`on_page`) a how-to open when the page loads, at the page's."""
    scale = figure.SCREEN_PX if on_page else None
    # numbers and our own markup; the title is escaped
    return Markup(figure.svg(picture, title, scale=scale))


def _figure_box(picture) -> figure.Drawing:
    """The drawing's size (view_box, wide), for a page's <svg> that shows it from
    drawings.svg."""
    return figure.drawing(picture)


def for_language(env: jinja2.Environment, language: str) -> jinja2.Environment:
    """The environment for an athlete's language: the same templates (and compiled-template
    cache), with that language's catalogue for {% trans %} and _(), and its date filters.
    English is `env` itself. One per language and environment, kept with the environment (a
    new one for every `rehab serve` rebuild frees the old ones with it)."""
    if language == DEFAULT_LANGUAGE:
        return env
    if language not in env.language_envs:
        own = env.overlay(cache_size=400)  # its own template objects, bound to its filters
        said, catalogue = words(language), translations(language)
        own.globals = {**env.globals, **_words(catalogue), "language": language}
        own.filters = {**env.filters, "day": said.day, "short_day": said.short_day,
                       "week_range": said.week_range, "inline": said.inline,
                       "dose": functools.partial(dose, language=language),
                       "amount": functools.partial(amount, language=language)}
        env.language_envs[language] = own
    return env.language_envs[language]


def _words(catalogue: gettext.NullTranslations) -> dict[str, Callable[..., str]]:
    """The templates' _(), gettext, ngettext and pgettext in a catalogue's language (English:
    the msgids themselves). `_` is gettext itself rather than Jinja's alias of it, which calls
    it through the context: a page says some 150 words, about 70 of them "Week %(number)s"."""
    said = _newstyle(catalogue.gettext)
    return {"_": said, "gettext": said, "ngettext": _newstyle(catalogue.ngettext, plural=True),
            "pgettext": _newstyle(catalogue.pgettext)}


def _newstyle(translate: Callable[..., str], plural: bool = False) -> Callable[..., str]:
    """Jinja's newstyle gettext, ngettext (`plural`: its last argument is `num`) or pgettext
    (as install_gettext_translations(newstyle=True) makes them): the translation, with its
    %(name)s values escaped when the template autoescapes."""
    @jinja2.pass_eval_context
    def call(eval_ctx: jinja2.nodes.EvalContext, *args: object, **values: object) -> str:
        text = translate(*args)
        if eval_ctx.autoescape:
            text = Markup(text)
        if plural:
            values = {"num": args[-1], **values}
        return text % values if values else text
    return call


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
    for name in env.list_templates(filter_func=lambda name: name.endswith((".html", ".css"))):
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


def asset_source(env: jinja2.Environment, name: str) -> str:
    """A file under templates/ taken as it is (a script, an icon), not rendered."""
    try:
        return env.loader.get_source(env, name)[0]
    except jinja2.TemplateNotFound:
        raise InputError.single(name, "template asset not found",
                                hint="copy it from the project's templates/ folder") from None
