"""The `rehab` command: parse, call, report. Logic lives in the modules it calls."""

from __future__ import annotations

import contextlib
import datetime as dt
import sys
import traceback
from pathlib import Path

import click

from generator import __version__
from generator.build import Outcome, Settings, build_all
from generator.errors import InputError, NeedsReferral
from generator.profile import ID_PATTERN
from generator.render.text import render_text

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
PROGRESS_MIN = 20  # athletes to build before a progress bar is worth showing


def _date(ctx, param, value):
    if value is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"'{value}' is not a date; use YYYY-MM-DD") from None


def folder_options(command):
    for option in reversed([
        click.option("--plans", type=click.Path(path_type=Path), default="plans",
                     show_default=True, help="Folder of athlete profiles."),
        click.option("--content", type=click.Path(path_type=Path), default="content",
                     show_default=True, help="Folder of protocol content."),
        click.option("--templates", type=click.Path(path_type=Path), default="templates",
                     show_default=True, help="Folder of Jinja templates."),
        click.option("--today", callback=_date, metavar="YYYY-MM-DD",
                     help="The date plans are made for (default: the real date)."),
    ]):
        command = option(command)
    return command


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="rehab")
@click.option("--debug", is_flag=True, help="Show Python tracebacks for unexpected errors.")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """Personalised, dated rehab plans: HTML for the athlete, PDF for the clinic."""
    ctx.obj = {"debug": debug}


@main.command()
@click.argument("ids", nargs=-1)
@folder_options
@click.option("--out", type=click.Path(path_type=Path), default="site", show_default=True,
              help="Output folder.")
@click.option("--no-pdf", is_flag=True, help="Skip the PDF handouts (faster previews).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Worker processes (default: the number of CPU cores).")
@click.option("--force", is_flag=True, help="Rebuild every athlete, changed or not.")
@click.pass_context
def build(ctx, ids, plans, content, templates, today, out, no_pdf, jobs, force):
    """Build the plan of every athlete in plans/ (or only IDS) whose inputs changed."""
    from generator.sitebuild import build_site

    settings = Settings(plans=plans, content=content, templates=templates, out=out,
                        today=today, pdf=not no_pdf)
    report = _guarded(ctx, lambda: build_site(settings, ids, jobs=jobs, force=force,
                                              progress=_progress_bar))
    for athlete in report.removed:
        click.echo(f" removed  {athlete} (profile deleted)")
    _report(report.outcomes, verb="built", list_unchanged=bool(ids))


@main.command()
@folder_options
@click.option("--out", type=click.Path(path_type=Path), default="site", show_default=True,
              help="Output folder.")
@click.option("--no-pdf", is_flag=True, help="Skip the PDF handouts.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Worker processes for large rebuilds (default: the number of CPU cores).")
@click.pass_context
def serve(ctx, plans, content, templates, today, out, no_pdf, port, jobs):
    """Preview site/ on http://127.0.0.1:PORT, rebuilding and reloading as files change."""
    from generator.serve import serve_forever

    settings = Settings(plans=plans, content=content, templates=templates, out=out,
                        today=today, pdf=not no_pdf)
    _guarded(ctx, lambda: serve_forever(settings, port=port, jobs=jobs, echo=click.echo))


@contextlib.contextmanager
def _progress_bar(total: int):
    """A bar for long builds on a terminal; nothing at all when output is piped or logged."""
    if total < PROGRESS_MIN or not sys.stdout.isatty():
        yield lambda n: None
        return
    with click.progressbar(length=total, label="building", file=sys.stdout) as bar:
        yield bar.update


@main.command()
@click.argument("ids", nargs=-1)
@folder_options
@click.pass_context
def check(ctx, ids, plans, content, templates, today):
    """Validate profiles and content; write nothing."""
    settings = Settings(plans=plans, content=content, templates=templates, today=today)
    outcomes = _guarded(ctx, lambda: build_all(settings, ids, write=False))
    _report(outcomes, verb="ok")


@main.command()
@click.argument("athlete")
@folder_options
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.pass_context
def plan(ctx, athlete, plans, content, templates, today, fmt):
    """Print the computed plan of one athlete."""
    from generator.build import Build, plan_json

    settings = Settings(plans=plans, content=content, templates=templates, today=today)

    def compute():
        return Build(settings).plan_for(plans / f"{athlete}.yaml")[1]

    try:
        result = _guarded(ctx, compute)
    except NeedsReferral as referral:
        _referral_message(athlete, referral.reasons)
        sys.exit(EXIT_FAILED)
    click.echo(plan_json(result) if fmt == "json" else render_text(result), nl=False)


@main.command()
@click.argument("athlete")
@click.option("--plans", type=click.Path(path_type=Path), default="plans", show_default=True)
@click.option("--templates", type=click.Path(path_type=Path), default="templates",
              show_default=True)
def new(athlete, plans, templates):
    """Write plans/ATHLETE.yaml, a commented starter profile."""
    if not ID_PATTERN.match(athlete):
        raise click.BadParameter("use lowercase letters, digits and hyphens, e.g. jordan-lee",
                                 param_hint="ATHLETE")
    target = plans / f"{athlete}.yaml"
    if target.exists():
        click.echo(f"{target}: already exists; not overwritten", err=True)
        sys.exit(EXIT_FAILED)
    starter = (templates / "starter-profile.yaml").read_text(encoding="utf-8")
    text = starter.replace("{{ id }}", athlete).replace("{{ today }}", dt.date.today().isoformat())
    plans.mkdir(parents=True, exist_ok=True)
    with open(target, "x", encoding="utf-8") as handle:
        handle.write(text)
    click.echo(f"wrote {target}: fill it in, then `rehab check {athlete}`")


def _guarded(ctx: click.Context, work):
    """Run work; input errors are printed plainly, never as tracebacks."""
    try:
        return work()
    except InputError as err:
        for problem in err.problems:
            click.echo(f"error: {problem}", err=True)
        sys.exit(EXIT_FAILED)
    except NeedsReferral:
        raise
    except KeyboardInterrupt:
        click.echo("interrupted: files already written are whole; nothing half-written", err=True)
        sys.exit(130)
    except Exception as err:  # a bug, not bad input: say so briefly
        if ctx.find_root().obj.get("debug"):
            traceback.print_exc()
        else:
            click.echo(f"internal error: {type(err).__name__}: {err} (rerun with --debug)",
                       err=True)
        sys.exit(EXIT_FAILED)


def _referral_message(athlete: str, reasons: tuple[str, ...]) -> None:
    click.echo(f"REFERRAL {athlete}: no plan made. Orthopaedic surgical referral needed:", err=True)
    for reason in reasons:
        click.echo(f"  - {reason}", err=True)


def _report(outcomes: list[Outcome], verb: str, list_unchanged: bool = False) -> None:
    for outcome in outcomes:
        if outcome.status == "unchanged":
            if list_unchanged:
                click.echo(f"unchanged  {outcome.athlete} -> {outcome.folder}/")
        elif outcome.status == "built":
            where = f" -> {outcome.folder}/" if outcome.folder else ""
            click.echo(f"{verb:>8}  {outcome.athlete}{where}")
        elif outcome.status == "referral":
            _referral_message(outcome.athlete, outcome.reasons)
        else:
            click.echo(f"  failed  {outcome.athlete}:", err=True)
            for problem in outcome.problems:
                click.echo(f"          {problem}", err=True)
    built = sum(o.status == "built" for o in outcomes)
    failed = sum(o.status == "failed" for o in outcomes)
    referral = sum(o.status == "referral" for o in outcomes)
    unchanged = sum(o.status == "unchanged" for o in outcomes)
    summary = f"{built} {verb}, {failed} failed, {referral} need referral"
    if unchanged:
        summary += f", {unchanged} unchanged"
    if not outcomes:
        summary = "no profiles found (add one with `rehab new ID`)"
    click.echo(summary)
    if failed or referral:
        sys.exit(EXIT_FAILED)


if __name__ == "__main__":
    main()
