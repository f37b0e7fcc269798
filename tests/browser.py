"""A real browser for the tests and docs/make_screenshots.py: Debian's Chromium, via Playwright.

Never a downloaded browser (no `playwright install`). Under CI=true a missing browser fails
the tests instead of skipping them: the phone page must be proven in a real client.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import threading
from pathlib import Path

CHROMIUM = Path(os.environ.get("REHAB_CHROMIUM", "/usr/bin/chromium"))
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
PHONE = {"width": 390, "height": 844}


def missing() -> str | None:
    """Why the browser cannot run here, or None."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install playwright)"
    if not CHROMIUM.exists():
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    return None


@contextlib.contextmanager
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def send_head(self):
        if self.server.down:  # drop the connection: what a phone without signal sees
            self.close_connection = True
            return None
        # A test rebuilds the site seconds after the browser fetched it; the handler's 304 goes
        # by whole-second modification times, so a rebuild within the same second would be
        # "not modified" and the browser would keep the old sw.js. Always send the file.
        del self.headers["If-Modified-Since"]
        return super().send_head()

    def send_error(self, code, message=None, explain=None):
        if code == 404:  # some hosts (S3) answer 403 for a file that is not there
            code = self.server.missing_status
        super().send_error(code, message, explain)


class _Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # a browser closing mid-download (a page closed while precaching) is not news


class Site:
    """site/ served on localhost (a secure context, so service workers run), in a thread."""

    def __init__(self, root: Path):
        handler = functools.partial(_Quiet, directory=str(root))
        self.server = _Server(("127.0.0.1", 0), handler)
        self.server.down = False
        self.server.missing_status = 404
        self.url = f"http://127.0.0.1:{self.server.server_port}/"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Site:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def down(self) -> bool:
        return self.server.down

    @down.setter
    def down(self, value: bool) -> None:
        self.server.down = value
