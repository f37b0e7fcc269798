"""The `rehab` command: parse, call, report. Logic lives in the modules it calls."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sys
import traceback
from pathlib import Path
from urllib.parse import urlsplit

import click

from generator import __version__
from generator.build import Outcome, Settings, check_all, output_folder
from generator.errors import InputError
from generator.plan import Referral
from generator.profile import ID_PATTERN, profile_path
from generator.render.text import render_text
from generator.secret import read_key

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
PROGRESS_MIN = 20  # athletes to build before a progress bar is worth showing


def _date(ctx, param, value):
    if value is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"'{value}' is not a date; use YYYY-MM-DD") from None


def _ids(ctx, param, value):
    """Ids typed on the command line name files in plans/: '../x' or '/etc/x' is a usage error."""
    for athlete in (value,) if isinstance(value, str) else value:
        if not ID_PATTERN.match(athlete):
            raise click.BadParameter(f"'{athlete}' is not an athlete id; use lowercase letters, "
                                     "digits and hyphens, e.g. jordan-lee")
    return value


def _base_url(ctx, param, value):
    if value is None:
        return None
    parsed = urlsplit(value)
    if parsed.scheme not in ("https", "http") or not parsed.netloc or parsed.query \
            or parsed.fragment:
        raise click.BadParameter(f"'{value}' is not a site address; use https://host/path")
    return value


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
@click.argument("ids", nargs=-1, callback=_ids)
@folder_options
@click.option("--out", type=click.Path(path_type=Path), default="site", show_default=True,
              help="Output folder.")
@click.option("--no-pdf", is_flag=True, help="Skip the PDF handouts (faster previews).")
@click.option("--paper", type=click.Choice(["a4", "letter"]), default="a4", show_default=True,
              help="Handout paper size (a profile's `paper:` overrides it).")
@click.option("--base-url", callback=_base_url, metavar="URL",
              help="Where site/ is published (https://...): adds a QR code to each handout.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Worker processes (default: the number of CPU cores).")
@click.option("--force", is_flag=True, help="Rebuild every athlete, changed or not.")
@click.pass_context
def build(ctx, ids, plans, content, templates, today, out, no_pdf, paper, base_url, jobs, force):
    """Build the plan of every athlete in plans/ (or only IDS) whose inputs changed."""
    from generator.sitebuild import build_site

    settings = Settings(plans=plans, content=content, templates=templates, out=out,
                        today=today, pdf=not no_pdf, paper=paper, base_url=base_url)
    report = _guarded(ctx, lambda: build_site(settings, ids, jobs=jobs, force=force,
                                              progress=_progress_bar))
    for athlete in report.removed:
        click.echo(f" removed  {athlete} (profile deleted)")
    for folder in report.removed_folders:
        click.echo(f" removed  {folder}/ (no profile uses this folder any more)")
    _report(report.outcomes, verb="built", debug=ctx.find_root().obj.get("debug"),
            list_unchanged=bool(ids))


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
@click.argument("ids", nargs=-1, callback=_ids)
@folder_options
@click.pass_context
def check(ctx, ids, plans, content, templates, today):
    """Validate profiles and content; write nothing."""
    settings = Settings(plans=plans, content=content, templates=templates, today=today)
    outcomes = _guarded(ctx, lambda: check_all(settings, ids))
    _report(outcomes, verb="ok", debug=ctx.find_root().obj.get("debug"))


@main.command()
@click.argument("athlete", callback=_ids)
@folder_options
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.pass_context
def plan(ctx, athlete, plans, content, templates, today, fmt):
    """Print the computed plan of one athlete."""
    from generator.build import Build, plan_json

    settings = Settings(plans=plans, content=content, templates=templates, today=today)

    def compute():
        return Build(settings).plan_for(profile_path(plans, athlete))[1]

    result = _guarded(ctx, compute)
    if isinstance(result, Referral):
        _referral_message(athlete, result.reasons)
        sys.exit(EXIT_FAILED)
    click.echo(plan_json(result) if fmt == "json" else render_text(result), nl=False)


@main.command()
@folder_options
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.pass_context
def status(ctx, plans, content, templates, today, fmt):
    """One line per athlete: where they are, what is next, what needs a look."""
    from generator.status import collect, render_table, to_dict

    settings = Settings(plans=plans, content=content, templates=templates, today=today)
    rows = _guarded(ctx, lambda: collect(settings))
    if fmt == "json":
        document = {"as_of": today.isoformat(), "athletes": [to_dict(r) for r in rows]}
        click.echo(json.dumps(document, indent=2, ensure_ascii=False))
    else:
        click.echo(render_table(rows, today), nl=False)
    if any(r.state != "ok" for r in rows):
        sys.exit(EXIT_FAILED)


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


@main.command()
@click.argument("athlete", callback=_ids)
@click.option("--plans", type=click.Path(path_type=Path), default="plans", show_default=True)
@click.option("--out", type=click.Path(path_type=Path), default="site", show_default=True)
@click.pass_context
def link(ctx, athlete, plans, out):
    """Print the folder (URL path) of ATHLETE's pages in the site."""
    settings = Settings(plans=plans, out=out)

    def folder():
        path = profile_path(plans, athlete)
        if not path.is_file():
            raise InputError.single(str(path), "profile not found")
        return out / output_folder(athlete, read_key(settings.key_file))

    found = _guarded(ctx, folder)
    click.echo(f"{found}/")
    if not (found / "index.html").is_file():
        click.echo(f"{athlete}: not built yet; run `rehab build {athlete}`", err=True)


def _guarded(ctx: click.Context, work):
    """Run work; input errors are printed plainly, never as tracebacks."""
    try:
        return work()
    except InputError as err:
        for problem in err.problems:
            click.echo(f"error: {problem}", err=True)
        sys.exit(EXIT_FAILED)
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


def _report(outcomes: list[Outcome], verb: str, debug: bool = False,
            list_unchanged: bool = False) -> None:
    for outcome in outcomes:
        if outcome.status == "unchanged":
            if list_unchanged:
                click.echo(f"unchanged  {outcome.athlete} -> {outcome.folder}/")
        elif outcome.status == "built":
            where = f" -> {outcome.folder}/" if outcome.folder else ""
            click.echo(f"{verb:>8}  {outcome.athlete}{where}")
            for warning in outcome.warnings:
                click.echo(f"{'check':>8}  {outcome.athlete}: {warning}")
        elif outcome.status == "referral":
            _referral_message(outcome.athlete, outcome.reasons)
        else:
            click.echo(f"  failed  {outcome.athlete}:", err=True)
            for problem in outcome.problems:
                click.echo(f"          {problem}", err=True)
            if debug and outcome.error is not None:
                traceback.print_exception(outcome.error)
    built = sum(o.status == "built" for o in outcomes)
    failed = [o.athlete for o in outcomes if o.status == "failed"]
    referral = [o.athlete for o in outcomes if o.status == "referral"]
    unchanged = sum(o.status == "unchanged" for o in outcomes)
    summary = f"{built} {verb}, {len(failed)} failed, {len(referral)} need referral"
    if unchanged:
        summary += f", {unchanged} unchanged"
    for label, names in (("failed", failed), ("referral", referral)):
        if names:
            summary += f"\n  {label}: {', '.join(names)}"
    if not outcomes:
        summary = "no profiles found (add one with `rehab new ID`)"
    click.echo(summary)
    if failed or referral:
        sys.exit(EXIT_FAILED)


if __name__ == "__main__":
    main()
