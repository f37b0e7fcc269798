"""`rehab serve`: a local preview of site/ that rebuilds what changed and reloads the page.

The server listens on 127.0.0.1 only, and answers only requests addressed to it by name
(Host: 127.0.0.1, localhost or [::1] with its port): a web page elsewhere that points its own
host name at 127.0.0.1 (DNS rebinding) gets 403, never the athlete list or a plan. It adds
two things to the HTML it sends, never to the files in site/: a small script that reloads
the page after a rebuild, and a banner with the errors of the athlete shown (their last good
plan stays underneath).
"""

from __future__ import annotations

import html
import json
import multiprocessing
import os
import re
import sys
import threading
import time
from collections.abc import Callable
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from generator.build import Outcome, SiteReport, build_site
from generator.config import Settings
from generator.errors import InputError
from generator.load import output_folder
from generator.pdf_helper import WarmPdf
from generator.report import athlete_lines, site_report_lines
from generator.secret import read_key

POLL_SECONDS = 0.1  # a look at every watched file costs about a millisecond per 250 files
SETTLE_SECONDS = 0.05  # an editor's save is one write or one rename: done within this
WAIT_SECONDS = 20  # the longest /__reload?after=N holds its answer back
RELOAD_SCRIPT = """\
// rehab serve: reload when the build generation moves on (never written into site/).
// The server answers /__reload?after=N as soon as the generation is past N: no poll delay.
(() => {
  const seen = document.currentScript.dataset.generation;
  const poll = () => fetch(`/__reload?after=${seen}`, {cache: "no-store"})
    .then((r) => r.json())
    .then((state) => {
      if (String(state.generation) !== seen) location.reload(); else poll();
    })
    .catch(() => setTimeout(poll, 1000));
  poll();
})();
"""
BANNER_STYLE = ("position:sticky;top:0;z-index:9999;max-height:40vh;overflow:auto;margin:0;"
                "padding:.75rem 1rem;"
                "background:#8b0000;color:#fff;font:14px/1.4 monospace;white-space:pre-wrap")


FAILED_BANNER = "This profile has errors; the plan below is the last good build:"
REFERRAL_BANNER = "REFERRAL: no plan made, referral needed:"


class Preview:
    """One preview session: rebuilds on change and remembers what went wrong, for the page."""

    def __init__(self, settings: Settings, echo: Callable[[str], None] = print,
                 debug: bool = False):
        self.settings = settings
        self.echo = echo
        self.debug = debug
        self.generation = 0  # moves on after every rebuild that changed something
        self._moved = threading.Condition()  # ... and wakes the pages waiting for that
        self.site_errors: list[str] = []  # content or templates broken: every page
        self.athlete_errors: dict[str, list[str]] = {}
        self.folders: dict[str, str] = {}  # output folder -> athlete
        self._key: bytes | None = None
        self._snapshot: dict[str, tuple[int, int]] | None = None
        self._pdf = WarmPdf() if settings.pdf else None  # WeasyPrint, kept between rebuilds
        self._lock = threading.Lock()
        # Workers are started by a clean server process, not forked from this threaded one.
        self._mp_context = multiprocessing.get_context(
            "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn")

    def folder_of(self, athlete: str) -> str:
        """The athlete's token folder (asked after a build, which made the key if need be)."""
        if self._key is None:
            self._key = read_key(self.settings.key_file)
        return output_folder(athlete, self._key)

    def folders_watched(self) -> list[Path]:
        """The project's own folders the build reads (the package's content and templates,
        used where the project has none, do not change while it serves)."""
        settings = self.settings
        return [root for root in (settings.plans, settings.content, settings.templates)
                if root.is_dir()]

    def watched(self) -> dict[str, tuple[int, int]]:
        """Size and modification time of every file the build reads (one stat each; folders
        linked in are not followed)."""
        found = {}
        folders = [str(root) for root in
                   (self.settings.plans, self.settings.content, self.settings.templates)]
        while folders:
            try:
                entries = os.scandir(folders.pop())
            except OSError:
                continue
            with entries:
                for entry in entries:
                    try:
                        if entry.is_dir():
                            if not entry.is_symlink():
                                folders.append(entry.path)
                        elif entry.is_file():
                            status = entry.stat()
                            found[entry.path] = (status.st_size, status.st_mtime_ns)
                    except OSError:
                        continue
        return found

    def poll(self) -> bool:
        """Rebuild if any watched file changed since the last look; True if it did."""
        snapshot = self.watched()
        if snapshot == self._snapshot:
            return False
        time.sleep(SETTLE_SECONDS)  # an editor may write a file in steps: let it finish
        before, self._snapshot = self._snapshot or {}, self.watched()
        changed = {path for path in before.keys() | self._snapshot.keys()
                   if before.get(path) != self._snapshot.get(path)}
        plans = os.path.join(str(self.settings.plans), "")
        if self._pdf is not None and not all(path.startswith(plans) for path in changed):
            self._pdf.forget()  # templates or content changed: their fonts and images too
        self.rebuild()
        self.warm_up()
        return True

    def warm_up(self) -> None:
        """After the first build, and after one that changed templates or content: WeasyPrint
        imported and its fonts loaded in this process, so the next edit's handout follows its
        page as fast as any later one (about 0.4 s sooner after the first build)."""
        if self._pdf is None or self._pdf.ready:
            return
        try:
            self._pdf.warm_up([*self.settings.template_folders, *self.settings.content_folders])
        except Exception as err:  # the real handout will say what is wrong, where
            if self.debug:
                self.echo(f"could not ready WeasyPrint: {type(err).__name__}: {err}")

    def rebuild(self) -> None:
        """The build `rehab build` runs, pages first: an edited athlete's page is current within
        a fraction of a second, and their handout (about a second) follows."""
        with self._lock:
            started = time.perf_counter()
            finished: dict[str, str] = {}  # athlete -> "handout (why) [seconds]"

            def built(outcome: Outcome, why: str) -> None:
                note = f"({why}) [{time.perf_counter() - started:.2f} s]"
                if outcome.part != "all":
                    note = f"{outcome.part} {note}"
                if outcome.part == "page":  # shown at once; the report follows the handout
                    self._page_ready(outcome, note)
                else:
                    finished[outcome.athlete] = note

            try:
                report = build_site(self.settings, page_first=True, on_built=built,
                                    mp_context=self._mp_context, pdf_helper=self._pdf)
            except InputError as err:
                self.site_errors = [
                    "Content or templates have errors; every page is from the last good build:",
                    *(str(problem) for problem in err.problems)]
                for problem in err.problems:
                    self.echo(f"error: {problem}")
                self._move_on()
                return
            except Exception as err:  # a bug: say so, keep serving the last good site
                self.site_errors = [f"internal error: {type(err).__name__}: {err}"]
                self.echo(self.site_errors[0])
                self._move_on()
                return
            for line in site_report_lines(report, notes=finished, debug=self.debug):
                self.echo(line.text)
            self._take(report)

    def _page_ready(self, outcome: Outcome, note: str) -> None:
        self.echo(athlete_lines(outcome, note=note)[0].text)  # its warnings: in the report
        self.site_errors = []  # content and templates were read: they are fine
        self.athlete_errors.pop(outcome.athlete, None)
        self.folders[self.folder_of(outcome.athlete)] = outcome.athlete
        self._move_on()

    def _take(self, report: SiteReport) -> None:
        """After a build: the athlete list, and a banner for each athlete with errors."""
        changed = bool(report.removed) or bool(self.site_errors)
        self.site_errors = []
        for athlete in report.removed:
            self.athlete_errors.pop(athlete, None)
            self.folders.pop(self.folder_of(athlete), None)
        for outcome in report.outcomes:
            athlete = outcome.athlete
            self.folders[self.folder_of(athlete)] = athlete
            before = self.athlete_errors.pop(athlete, None)
            if outcome.status == "failed":
                self.athlete_errors[athlete] = [FAILED_BANNER, *map(str, outcome.problems)]
            elif outcome.status == "referral":
                self.athlete_errors[athlete] = [REFERRAL_BANNER, *outcome.reasons]
            changed = changed or outcome.status == "built" or (
                before != self.athlete_errors.get(athlete))
        if changed:
            self._move_on()

    def _move_on(self) -> None:
        with self._moved:
            self.generation += 1
            self._moved.notify_all()

    def wait_past(self, generation: int, seconds: float = WAIT_SECONDS) -> int:
        """The generation once it is past `generation`, or after `seconds` at most."""
        with self._moved:
            self._moved.wait_for(lambda: self.generation != generation, timeout=seconds)
            return self.generation

    def errors_for(self, folder: str) -> list[str]:
        athlete = self.folders.get(folder, "")
        return self.site_errors + self.athlete_errors.get(athlete, [])

    def decorate(self, page: str, folder: str) -> str:
        """The page as served: an error banner on top, the reload script at the end."""
        errors = self.errors_for(folder)
        if errors:
            banner = (f'<div role="alert" style="{BANNER_STYLE}">'
                      f'{html.escape(chr(10).join(errors))}</div>')
            page, found = re.subn(r"(<body[^>]*>)", lambda m: m.group(1) + banner, page,
                                  count=1)
            if not found:
                page = banner + page
        script = (f'<script src="/__livereload.js" '
                  f'data-generation="{self.generation}"></script>')
        # The page's policy allows only scripts from the site itself, which this server's
        # reload script is (a policy naming its hash instead gets 'self' added here).
        if "script-src 'self'" not in page:
            page = page.replace("script-src '", "script-src 'self' '", 1)
        if "</body>" in page:
            return page.replace("</body>", script + "</body>", 1)
        return page + script

    def index_page(self) -> str:
        """A serve-only list of athletes (site/ itself has none, on purpose)."""
        rows = []
        folders = self.folders.copy()  # one step: the watcher thread may be adding to it
        for folder, athlete in sorted(folders.items(), key=lambda item: item[1]):
            status = "error" if self.athlete_errors.get(athlete) else "ok"
            rows.append(f'<li><a href="/{html.escape(folder)}/">{html.escape(athlete)}</a> '
                        f"{status}</li>")
        page = ("<!doctype html><html lang=en><meta charset=utf-8><title>rehab serve</title>"
                f"<body><h1>rehab serve</h1><ul>{''.join(rows)}</ul></body></html>")
        return self.decorate(page, "")


LOCAL_NAMES = ("127.0.0.1", "localhost", "[::1]")


class _Handler(SimpleHTTPRequestHandler):
    def __init__(self, *args, preview: Preview, **kwargs):
        self.preview = preview
        super().__init__(*args, directory=str(preview.settings.out), **kwargs)

    def addressed_here(self) -> bool:
        """The Host header names this machine and this server's port (HTTP/1.1 requires it;
        a browser always sends it, with the name the page used)."""
        port = self.server.server_address[1]
        host = (self.headers.get("Host") or "").strip().lower()
        return host in {f"{name}:{port}" for name in LOCAL_NAMES} or (
            port == 80 and host in LOCAL_NAMES)

    def do_GET(self):  # noqa: N802 - the http.server naming
        if not self.addressed_here():
            return self.send_error(403, "Not addressed to this preview server")
        try:
            return self._get()
        except (ValueError, OSError):  # a path no file can have: NUL, bad escapes, too long
            return self.send_error(404)

    def do_HEAD(self):  # noqa: N802
        if not self.addressed_here():
            return self.send_error(403, "Not addressed to this preview server")
        try:
            return super().do_HEAD()
        except (ValueError, OSError):
            return self.send_error(404)

    def _get(self):
        path = unquote(urlsplit(self.path).path, errors="strict")
        if "\x00" in path:
            return self.send_error(404)
        if path == "/__reload":
            after = parse_qs(urlsplit(self.path).query).get("after", [""])[0]
            if after.isdigit():  # a page's script: answer when there is something new
                self.preview.wait_past(int(after))
            body = json.dumps({"generation": self.preview.generation,
                               "errors": self.preview.site_errors})
            return self._send(body.encode(), "application/json")
        if path == "/__livereload.js":
            return self._send(RELOAD_SCRIPT.encode(), "text/javascript; charset=utf-8")
        if path == "/":
            return self._send(self.preview.index_page().encode(), "text/html; charset=utf-8")
        target = Path(self.translate_path(self.path))
        if target.is_dir() and path.endswith("/"):
            target = target / "index.html"
        if target.suffix == ".html" and target.is_file():
            folder = path.strip("/").split("/")[0]
            page = self.preview.decorate(target.read_text(encoding="utf-8"), folder)
            return self._send(page.encode(), "text/html; charset=utf-8")
        return super().do_GET()

    def _send(self, body: bytes, content_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def end_headers(self):
        self.send_header("Cache-Control", "no-store")  # a preview is never cached
        super().end_headers()

    def log_message(self, format, *args):  # noqa: A002 - the http.server signature
        pass  # the terminal shows builds and errors, not every request


class _Server(ThreadingHTTPServer):
    echo: Callable[[str], None] = print

    def handle_error(self, request, client_address):
        """One line, never a traceback; nothing at all for a request that broke off."""
        err = sys.exc_info()[1]
        if not isinstance(err, ConnectionError):
            self.echo(f"internal error while answering a request: {type(err).__name__}: {err}")


def make_server(preview: Preview, port: int) -> ThreadingHTTPServer:
    """Bound to 127.0.0.1: plans are health data; the preview is for this machine only."""
    out = preview.settings.out
    if out.exists() and not out.is_dir():
        raise InputError.single(str(out), "is a file, not a folder", hint="pass --out a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise InputError.single(str(out), f"cannot make the site folder: {err.strerror}"
                                ) from None
    try:
        server = _Server(("127.0.0.1", port), partial(_Handler, preview=preview))
        server.echo = preview.echo
    except OSError as err:
        raise InputError.single("--port", f"cannot listen on 127.0.0.1:{port}: {err.strerror}",
                                hint="pass another --port, or --port 0 for any free one"
                                ) from None
    server.daemon_threads = True
    return server


def watch(preview: Preview, stop: threading.Event, interval: float = POLL_SECONDS) -> None:
    """Build now, then again whenever a watched file changes, until stopped."""
    while True:
        preview.poll()
        if stop.wait(interval):
            return


def serve_forever(settings: Settings, port: int = 8000, echo: Callable[[str], None] = print,
                  debug: bool = False) -> None:
    preview = Preview(settings, echo=echo, debug=debug)
    server = make_server(preview, port)
    host, bound = server.server_address[:2]
    folders = ", ".join(f"{folder}/" for folder in preview.folders_watched()) or "nothing"
    echo(f"serving {settings.out}/ on http://{host}:{bound}/ ; watching {folders} "
         "(Ctrl+C stops)")
    stop = threading.Event()
    # The first build runs in the watcher, so the last good site is served meanwhile.
    watcher = threading.Thread(target=watch, args=(preview, stop), daemon=True)
    watcher.start()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        echo("stopped")
    finally:
        stop.set()
        server.server_close()
