"""The `rehab` command: parse, call, report. Logic lives in the modules it calls.

Each command imports what it uses when it runs: `rehab --help` and `rehab check` do not pay
for Jinja, the calendar or WeasyPrint (bench/startup.py).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
import signal
import sys
import threading
import traceback
from pathlib import Path

import click

from generator import __version__
from generator.config import CONFIG_FILE, SCHEMA, base_url_problem, load_settings
from generator.errors import InputError
from generator.schema import date_window_problem
from generator.secret import BACKUP_HINT
from generator.terminal import for_terminal, json_for_terminal

EXIT_FAILED = 1
PROGRESS_MIN = 20  # athletes to build before a progress bar is worth showing


def _date(ctx, param, value):
    if value is None:
        return dt.date.today()
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"'{for_terminal(value)}' is not a date; use YYYY-MM-DD"
                                 ) from None
    if problem := date_window_problem(day):
        raise click.BadParameter(f"{problem}; check the year")
    return day


def _ids(ctx, param, value):
    """Ids typed on the command line name files in plans/: '../x' or '/etc/x' is a usage error."""
    if value == ():  # no ids, nothing to check: profile.py loads later, if the command needs it
        return value
    from generator.profile import ID_HINT, is_athlete_id

    for athlete in (value,) if isinstance(value, str) else value:
        if not is_athlete_id(athlete):
            raise click.BadParameter(f"'{_shown(athlete)}' is not an athlete id; "
                                     f"use {ID_HINT}")
    return value


def _base_url(ctx, param, value):
    if value is not None and (problem := base_url_problem(value)):
        raise click.BadParameter(problem)
    return value


def _option(*decls: str, key: str, **kwargs):
    """A project option: no default of its own, so rehab.yaml's value stands unless it is given."""
    default = {None: "", True: "yes", False: "no"}.get(SCHEMA.fields[key].default,
                                                          SCHEMA.fields[key].default)
    fallback = kwargs.pop("fallback", default)
    words = f"rehab.yaml's `{key}`" + (f", else {fallback}" if fallback else "")
    return click.option(*decls, default=None, help=f"{kwargs.pop('help')} [default: {words}]",
                        **kwargs)


CONFIG = click.option("--config", type=click.Path(path_type=Path), metavar="FILE",
                      help=f"Project config (default: ./{CONFIG_FILE} if there is one).")
PLANS = _option("--plans", key="plans", type=click.Path(path_type=Path), metavar="DIR",
                help="Folder of athlete profiles.")
CONTENT = _option("--content", key="content", type=click.Path(path_type=Path), metavar="DIR",
                  help="Folder of protocol content.")
TEMPLATES = _option("--templates", key="templates", type=click.Path(path_type=Path),
                    metavar="DIR", help="Folder of Jinja templates.")
OUT = _option("--out", key="out", type=click.Path(path_type=Path), metavar="DIR",
              help="Output folder.")
TODAY = click.option("--today", callback=_date, metavar="YYYY-MM-DD",
                     help="The date plans are made for (default: the real date).")


def _apply(command, options):
    for option in reversed(options):
        command = option(command)
    return command


def folder_options(command):
    """What every command that reads profiles takes."""
    return _apply(command, [CONFIG, PLANS, CONTENT, TEMPLATES, TODAY])


def site_options(command):
    """What `build` and `serve` both take: they write the same site from the same settings."""
    return _apply(command, [
        OUT,
        _option("--pdf/--no-pdf", key="pdf", help="Make the PDF handouts (--no-pdf: faster "
                "previews; the page then links no PDF)."),
        _option("--paper", key="paper", type=click.Choice(["a4", "letter"]),
                help="Handout paper size (a profile's `paper:` overrides it)."),
        _option("--base-url", key="base_url", callback=_base_url, metavar="URL",
                fallback="none, no QR code",
                help="Where site/ is published (https://...): adds a QR code to each handout."),
        _option("--jobs", "-j", key="jobs", type=click.IntRange(min=1),
                fallback="the number of CPU cores", help="Worker processes."),
    ])


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="rehab")
@click.option("--debug", is_flag=True, help="Show Python tracebacks for unexpected errors.")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """Personalised, dated rehab plans: HTML for the athlete, PDF for the clinic."""
    ctx.obj = {"debug": debug}
    _stop_on_terminate(ctx)


class Stopped(KeyboardInterrupt):
    """TERM or HUP (`kill`, a timeout, a closed terminal): stop as Ctrl-C does, so the build
    cleans up and its worker processes stop with it."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def _stop_on_terminate(ctx: click.Context) -> None:
    if threading.current_thread() is not threading.main_thread():
        return

    def stop(signum, frame):
        raise Stopped(signum)

    stops = [s for s in (getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None)) if s]
    before = {s: signal.signal(s, stop) for s in stops}
    ctx.call_on_close(lambda: [signal.signal(s, handler) for s, handler in before.items()])


@main.command()
@click.argument("ids", nargs=-1, callback=_ids)
@folder_options
@site_options
@click.option("--force", is_flag=True, help="Rebuild every athlete, changed or not.")
@click.option("--new-key", is_flag=True, help="Make a new project key first: every athlete "
              "gets a new link (a lost or leaked key). Back the new key up.")
@click.pass_context
def build(ctx, ids, config, today, force, new_key, **flags):
    """Build the plan of every athlete in plans/ (or only IDS) whose inputs changed."""
    if new_key and ids:
        raise click.UsageError("--new-key moves every athlete to a new link: build them all "
                               "(leave out the ids)")
    helper = None
    if flags.get("pdf") is not False:  # first: WeasyPrint loads while the build plans
        from generator.pdf_helper import PdfHelper

        helper = PdfHelper.start()
    try:
        from generator.build import build_site
        from generator.report import all_good, site_report_lines

        report = _guarded(ctx, lambda: build_site(load_settings(config, today, **flags), ids,
                                                  force=force, progress=_progress_bar,
                                                  new_key=new_key, pdf_helper=helper))
    finally:
        if helper is not None:
            helper.stop()
    _print(site_report_lines(report, debug=_debug(ctx), list_unchanged=bool(ids)))
    if not all_good(report.outcomes) or report.problems:
        sys.exit(EXIT_FAILED)


@main.command()
@folder_options
@site_options
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port on 127.0.0.1 (0: any free one).")
@click.pass_context
def serve(ctx, config, today, port, **flags):
    """Preview site/ on http://127.0.0.1:PORT, rebuilding and reloading as files change.

    It builds exactly what `rehab build` with the same options would.
    """
    from generator.serve import serve_forever

    settings = _guarded(ctx, lambda: load_settings(config, today, **flags))
    _guarded(ctx, lambda: serve_forever(settings, port=port, echo=_echo,
                                        debug=_debug(ctx)))


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
def check(ctx, ids, config, today, **flags):
    """Validate rehab.yaml, profiles and content; write nothing."""
    from generator.build import check_all
    from generator.report import Line, all_good, report_lines

    untranslated: list = []
    outcomes = _guarded(ctx, lambda: check_all(load_settings(config, today, **flags), ids,
                                               untranslated))
    # a missing translation is a warning: the athlete reads the English there, never a blank
    _print([Line(f" warning  {problem}") for problem in untranslated])
    _print(report_lines(outcomes, verb="ok", debug=_debug(ctx)))
    if not all_good(outcomes):
        sys.exit(EXIT_FAILED)


@main.command()
@CONFIG
@CONTENT
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.pass_context
def protocols(ctx, config, fmt, **flags):
    """List the protocols: what each covers, its injury fields and their values, and when it
    makes no plan (a referral). A profile names one in injury.protocol."""
    from generator.guide import describe, listing
    from generator.protocol import load_protocols

    settings = _guarded(ctx, lambda: load_settings(config, **flags))
    found = _guarded(ctx, lambda: load_protocols(settings.content_folders))
    if fmt == "json":
        click.echo(json_for_terminal(json.dumps([describe(found[key]) for key in sorted(found)],
                                                indent=2, ensure_ascii=False)))
    else:
        _echo(listing(found).rstrip("\n"))


@main.command()
@click.argument("athlete", callback=_ids)
@folder_options
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.pass_context
def plan(ctx, athlete, config, today, fmt, **flags):
    """Print the computed plan of one athlete."""
    from generator.build import plan_athlete
    from generator.load import Inputs
    from generator.plan import Referral
    from generator.profile import profile_path
    from generator.render.artifacts import plan_json
    from generator.render.text import render_text
    from generator.report import referral_lines

    def compute():
        settings = load_settings(config, today, **flags)
        return plan_athlete(profile_path(settings.plans, athlete), Inputs(settings))[1]

    result = _guarded(ctx, compute)
    if isinstance(result, Referral):
        _print(referral_lines(athlete, result.reasons))
        sys.exit(EXIT_FAILED)
    if fmt == "json":
        _echo(json_for_terminal(plan_json(result)), nl=False)
    else:
        _echo(render_text(result), nl=False)


@main.command()
@folder_options
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.pass_context
def status(ctx, config, today, fmt, **flags):
    """One line per athlete: where they are, what is next, what needs a look."""
    from generator.status import collect, render_table, to_dict

    rows = _guarded(ctx, lambda: collect(load_settings(config, today, **flags)))
    if fmt == "json":
        document = {"as_of": today.isoformat(), "athletes": [to_dict(r) for r in rows]}
        _echo(json_for_terminal(json.dumps(document, indent=2, ensure_ascii=False)))
    else:
        _echo(render_table(rows, today), nl=False)
    if any(r.state != "ok" for r in rows):
        sys.exit(EXIT_FAILED)


@main.command()
@folder_options
@click.option("--out", "out_file", type=click.Path(path_type=Path, dir_okay=False),
              metavar="FILE", help="Where to write it [default: .rehab/dashboard.html beside "
              "plans/; never inside the site folder].")
@click.option("--open", "open_it", is_flag=True, help="Open it in the web browser.")
@click.pass_context
def dashboard(ctx, config, today, out_file, open_it, **flags):
    """Write the clinic's dashboard: one HTML file with every athlete, flags first, a chart
    of each plan and of the last 8 weeks of each imported log. Private: never uploaded."""
    from generator.dashboard import check_place, default_path, make_dashboard, write_dashboard
    from generator.load import Inputs
    from generator.render.dashboard import render_dashboard

    def make():
        settings = load_settings(config, today, **flags)
        target = out_file or default_path(settings)
        check_place(target, settings)
        inputs = Inputs(settings)
        board = make_dashboard(settings, inputs)
        write_dashboard(target, render_dashboard(board, inputs.env))
        return target, board

    target, board = _guarded(ctx, make)
    flagged = sum(bool(a.flags) for a in board.athletes)
    _echo(f"wrote {target}: {len(board.athletes)} athletes, {flagged} with a flag "
          "(private: keep it at the clinic)")
    if open_it:
        import webbrowser

        webbrowser.open(target.resolve().as_uri())
    if any(a.row.state != "ok" for a in board.athletes):
        sys.exit(EXIT_FAILED)


@main.command("import-log")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@folder_options
@click.pass_context
def import_log(ctx, files, config, today, **flags):
    """Import athletes' logs from their phones (the page's Download my log) beside their
    profiles: checked, merged with earlier imports (the newest wins a date)."""
    from generator.athlete_log import import_logs
    from generator.load import Inputs
    from generator.plan import plural

    results = _guarded(ctx, lambda: import_logs(Inputs(load_settings(config, today, **flags)),
                                                files))
    for result in results:
        if isinstance(result, InputError):
            for problem in result.problems:
                click.echo(f"error: {problem}", err=True)
            continue
        click.echo(f"imported  {result.file} -> {result.stored}: {plural(result.days, 'day')} "
                   f"({result.added} new, {result.replaced} changed)")
        for flag in result.summary.flags:
            click.echo(f"   check  {result.athlete}: {flag}")
    if any(isinstance(r, InputError) for r in results):
        sys.exit(EXIT_FAILED)


@main.command()
@click.argument("athlete", metavar="ID_OR_NAME")
@click.option("--name", help="The athlete's name for the profile, with an id given "
              "(default: ID_OR_NAME when it is a name, else a placeholder).")
@click.option("--protocol", "protocol_id", metavar="PROTOCOL",
              help="The protocol to start the profile for (`rehab protocols` lists them; "
              "default: the starter's own).")
@CONFIG
@PLANS
@CONTENT
@TEMPLATES
@click.pass_context
def new(ctx, athlete, name, protocol_id, config, **flags):
    """Write plans/ID.yaml, a commented starter profile: `rehab new "Ann Lee"` writes
    plans/ann-lee.yaml with the name filled in; `rehab new ann-lee` takes the id as it is."""
    from generator.profile import ID_HINT, PROFILE_FIELDS, is_athlete_id
    from generator.project import fill_in, id_from_name
    from generator.shipped import STARTER, find_file

    typed_name = not is_athlete_id(athlete)
    if typed_name and name is not None:
        raise click.BadParameter(f"'{_shown(athlete)}' is not an athlete id; with --name, "
                                 f"give the id ({ID_HINT})", param_hint="ID_OR_NAME")
    if typed_name:
        name, athlete = athlete, id_from_name(athlete)
        if not athlete:
            raise click.BadParameter(
                f"'{_shown(name)}' makes no id (an id is {ID_HINT}); give one: "
                f"rehab new ID --name {_quoted(_shown(name))}", param_hint="ID_OR_NAME")
    if name is not None:
        longest = PROFILE_FIELDS["name"].max_length
        problem = ("is empty" if not name.strip() else
                   "holds a control character or a line break"
                   if re.search(r"[\x00-\x1f\x7f-\x9f]", name) else
                   f"is longer than {longest} characters" if len(name) > longest else None)
        if problem and typed_name:
            raise click.BadParameter(f"'{_shown(name)}' is not an athlete id, and as a name it "
                                     f"{problem}", param_hint="ID_OR_NAME")
        if problem:
            raise click.BadParameter(f"the name {problem}", param_hint="--name")
        name = name.strip()
    settings = _guarded(ctx, lambda: load_settings(config, **flags))
    target = settings.plans / f"{athlete}.yaml"
    if target.exists():
        why = f" (the id made from '{name}')" if typed_name else ""
        other = (f"; another athlete of that name needs an id of their own: rehab new "
                 f"{athlete}-2 --name {_quoted(name)}" if typed_name else "")
        _echo(f"{target}: already exists{why}; not overwritten{other}", err=True)
        sys.exit(EXIT_FAILED)
    starter = _guarded(ctx, lambda: find_file(settings.template_folders, STARTER)).read_text(
        encoding="utf-8")
    text = fill_in(starter, athlete, dt.date.today(), name)
    if protocol_id is not None:
        text = _guarded(ctx, lambda: for_protocol(text, protocol_id, settings))
    if settings.plans.exists() and not settings.plans.is_dir():
        _echo(f"error: {settings.plans}: is a file, not a folder (pass --plans a folder)",
              err=True)
        sys.exit(EXIT_FAILED)
    handle = None
    try:
        settings.plans.mkdir(parents=True, exist_ok=True)
        with open(target, "x", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as err:  # a read-only folder, a full disk, a file named like plans/
        if handle is not None:  # made, then not filled: no half a starter left behind
            target.unlink(missing_ok=True)
        _echo(f"error: {err.filename or target}: cannot write: {err.strerror or err}", err=True)
        sys.exit(EXIT_FAILED)
    named = f" for {name}" if name else ""
    chosen = re.search(r"(?m)^  protocol: *(\S+)", text)
    _echo(f"wrote {target}{named}: fill it in, then `rehab check {athlete}`")
    if chosen and protocol_id is None:
        _echo(f"  its protocol: {chosen.group(1)} (`rehab protocols` lists the others; "
              f"`--protocol ID` starts a profile for one)")


def for_protocol(starter: str, protocol_id: str, settings) -> str:
    """The starter written for the protocol named on the command line, or why it cannot be."""
    import difflib

    from generator.project import starter_for
    from generator.protocol import load_protocols

    found = load_protocols(settings.content_folders)
    if protocol_id not in found:
        close = [key for key in sorted(found) if protocol_id.lower() in key][:1] or \
            difflib.get_close_matches(protocol_id, list(found), n=1)
        raise InputError.single("--protocol", f"unknown protocol '{protocol_id}'",
                                hint=f"did you mean '{close[0]}'?" if close else
                                "known: " + ", ".join(sorted(found)))
    return starter_for(starter, found[protocol_id], dt.date.today())


def _day(ctx, param, value):
    return None if value is None else _date(ctx, param, value)


def _pain(ctx, param, value):
    """A pain score as the athlete gives it: a whole number 0-10 (never 2.5, never 11)."""
    if value is None:
        return None
    try:
        score = int(value)
    except ValueError:
        score = None
    if score is None or str(score) != value.strip() or not 0 <= score <= 10:
        raise click.BadParameter(f"'{_shown(value)}' is not a pain score: use a whole number "
                                 "0-10")
    return score


def _fields(ctx, param, value):
    import yaml

    fields = {}
    for item in value:
        name, equals, text = item.partition("=")
        if not equals or not name.isidentifier():
            raise click.BadParameter(f"'{item}' is not NAME=VALUE")
        try:
            fields[name] = yaml.safe_load(text) if text.strip() else text
        except yaml.YAMLError:
            fields[name] = text
    return fields


@main.command()
@click.argument("athlete", callback=_ids)
@click.argument("event")
@click.option("--date", "day", callback=_day, metavar="YYYY-MM-DD",
              help="The day it happened [default: today, or --today].")
@click.option("--stage", type=int, help="The event's `stage:` (the protocol says which take it).")
@click.option("--step", type=int, help="The event's `step:` (the protocol says which take it).")
@click.option("--until", callback=_day, metavar="YYYY-MM-DD",
              help="A pause's first day back.")
@click.option("--pain", callback=_pain, metavar="0-10",
              help="The pain reported: a whole number 0-10.")
@click.option("--note", help="A note for the athlete (shown on their plan).")
@click.option("--field", "fields", multiple=True, callback=_fields, metavar="NAME=VALUE",
              help="Any other field of the event (VALUE read as YAML reads it); repeatable.")
@folder_options
@click.pass_context
def record(ctx, athlete, event, day, stage, step, until, pain, note, fields, config, today,
           **flags):
    """Add one visit's EVENT to plans/ATHLETE.yaml, checked as `rehab build` checks it.

    The file's comments and layout are kept; a bad event changes nothing and says why.
    """
    from generator.record import record_event

    given = {"stage": stage, "step": step, "until": until, "pain": pain, "note": note}
    clash = sorted(set(fields) & ({"date", "event"} | set(given)))
    if clash:
        raise click.BadParameter(f"use --{clash[0]} for '{clash[0]}'", param_hint="--field")
    entry = {"date": day or today, "event": event,
             **{name: value for name, value in given.items() if value is not None}, **fields}
    done = _guarded(ctx, lambda: record_event(load_settings(config, today, **flags), athlete,
                                              entry))
    from generator.report import check_lines, referral_lines

    click.echo(f"recorded in {done.path}: {done.event_text}")
    _print(check_lines(athlete, done.warnings))  # what this event brought; `check` lists all
    if done.referral:
        _print(referral_lines(athlete, done.referral))


@main.command()
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False))
@click.option("--with-content", is_flag=True,
              help="Also copy the protocol content into FOLDER/content/, to edit.")
@click.pass_context
def init(ctx, folder, with_content):
    """Make FOLDER a new clinic project: rehab.yaml, plans/ with a fictional example,
    .gitignore. In a project already, --with-content adds its content/ alone."""
    from generator.project import init_project

    made = _guarded(ctx, lambda: init_project(folder, dt.date.today(), with_content))
    click.echo(f"created {', '.join(str(folder / name) for name in made.written)}")
    if made.written == ("content/",):  # a project already: its protocols to edit
        click.echo("its builds now read the protocols from there; edit them, then `rehab check`")
        return
    go = "" if folder.resolve() == Path.cwd().resolve() else f"cd {_quoted(folder)} && "
    steps = [(f"{go}rehab build", "the example athlete's plan, into site/"),
             ("rehab protocols", "the injuries rehab plans for, and what each profile records"),
             ('rehab new "First Last" --protocol ID',
              "a profile for your first athlete, in plans/, for that protocol")]
    example = next((name for name in made.written if name.startswith("plans/")), None)
    if example:  # a fictional athlete must not go online with the clinic's own
        steps.append((f"rm {example}",
                      "the fictional example: delete it before you publish site/"))
    width = max(len(command) for command, _ in steps)
    click.echo("next:")
    for command, why in steps:
        click.echo(f"  {command:{width}}   # {why}")


def _quoted(path: Path) -> str:
    import shlex

    return shlex.quote(str(path))


@main.command()
@click.argument("athlete", callback=_ids)
@CONFIG
@PLANS
@OUT
@click.pass_context
def link(ctx, athlete, config, **flags):
    """Print the folder (URL path) of ATHLETE's pages in the site."""
    from generator.load import output_folder
    from generator.profile import profile_path
    from generator.secret import read_key

    def folder():
        settings = load_settings(config, **flags)
        path = profile_path(settings.plans, athlete)
        if not path.is_file():
            raise InputError.single(str(path), "profile not found")
        key = settings.key_file
        token = output_folder(athlete, read_key(key))
        return key, settings.out / token, settings.page_url(token)

    key_file, found, address = _guarded(ctx, folder)
    _echo(f"{found}/")  # the one line on stdout, for scripts: the folder in the site
    if address:
        _echo(f"{athlete}'s link: {address}", err=True)
    else:
        _echo(f"{athlete}'s link: the site's address followed by {found.name}/ (set "
              f"`base_url: https://...`, where {found.parent}/ is published, in rehab.yaml "
              "to print it in full)", err=True)
    if not (found / "index.html").is_file():
        _echo(f"{athlete}: not built yet; run `rehab build {athlete}`", err=True)
    _echo(f"the link is made from {key_file}: {BACKUP_HINT}", err=True)


def _guarded(ctx: click.Context, work):
    """Run work; input errors are printed plainly, never as tracebacks."""
    try:
        return work()
    except InputError as err:
        for problem in err.problems:
            _echo(f"error: {problem}", err=True)
        sys.exit(EXIT_FAILED)
    except KeyboardInterrupt as err:
        signum = getattr(err, "signum", signal.SIGINT)
        how = "interrupted" if signum == signal.SIGINT else \
            f"stopped ({signal.Signals(signum).name})"
        _echo(f"{how}: files already written are whole; nothing half-written", err=True)
        sys.exit(128 + signum)
    except Exception as err:  # a bug, not bad input: say so briefly
        if _debug(ctx):
            traceback.print_exc()
        else:
            _echo(f"internal error: {type(err).__name__}: {err} (rerun with --debug)",
                       err=True)
        sys.exit(EXIT_FAILED)


def _debug(ctx: click.Context) -> bool:
    return bool(ctx.find_root().obj.get("debug"))


def _shown(typed: str) -> str:
    """A word typed on the command line, every control character shown (a newline too)."""
    return for_terminal(typed).replace("\n", "\\n").replace("\t", "\\t")


def _echo(text: str, err: bool = False, nl: bool = True) -> None:
    """Everything the command prints: typed text and file names may hold escape sequences."""
    click.echo(for_terminal(text), err=err, nl=nl)


def _print(lines: list) -> None:  # report.Line
    for line in lines:
        _echo(line.text, err=line.error)


if __name__ == "__main__":
    main()
