"""A process that imports WeasyPrint while the build loads, plans and renders HTML.

`rehab build` after one edit spends about a quarter of a second importing WeasyPrint and
another loading its fonts: both only need WeasyPrint, not the build's inputs. So `rehab build`
(unless --no-pdf) forks one helper first thing, before the command line is read
(generator/__main__.py); it imports WeasyPrint and, unless a handout is already waiting,
makes one small PDF (fonts loaded) while this process reads the settings and profiles, plans
and renders the HTML; then it turns the handout's HTML into the PDF. Only bytes cross: the
build writes every file itself, as before (atomic folders, no file half-written).

The helper goes when the build no longer needs it (no PDF to make, or a pool of workers that
import WeasyPrint themselves), when the build ends, and with the build if it dies (Linux: the
parent-death signal; elsewhere a watch on the parent). It ignores Ctrl-C: the build decides.
Should the helper fail (it cannot fork, WeasyPrint fails to load, it dies), the build makes
the PDF itself, as without the helper, so any error is the one the user would see anyway.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import select
import signal
import socket
import struct
import sys
from collections.abc import Callable
from pathlib import Path

_SIZE = struct.Struct("!Q")


class HelperGone(Exception):
    """The helper cannot make this PDF (it died or never loaded WeasyPrint)."""


class PdfHelper:
    """The build's side: render(roots, html, base_dir) -> the PDF's bytes, made by the helper."""

    def __init__(self, pid: int, sock: socket.socket):
        self.pid = pid
        self._sock: socket.socket | None = sock
        self._waiting = self._received = 0  # handouts submitted; replies read
        self._replies: dict[int, tuple] = {}

    @classmethod
    def start(cls) -> PdfHelper | None:
        """The helper forked by start_early(), or one forked now; None where that cannot be
        done (no fork, no socketpair)."""
        global _early
        early, _early = _early, None
        return early or cls._fork()

    @classmethod
    def _fork(cls) -> PdfHelper | None:
        if not hasattr(os, "fork") or not hasattr(socket, "socketpair"):
            return None
        try:
            ours, theirs = socket.socketpair()
        except OSError:
            return None
        builder = os.getpid()
        sys.stdout.flush(), sys.stderr.flush()  # nothing buffered is printed twice
        try:
            pid = os.fork()
        except OSError:
            ours.close(), theirs.close()
            return None
        if pid == 0:  # the helper: never returns
            code = 1
            try:
                ours.close()
                _serve(theirs, builder)
                code = 0
            finally:
                os._exit(code)
        theirs.close()
        return cls(pid, ours)

    @property
    def alive(self) -> bool:
        return self._sock is not None

    def render(self, roots: list[Path], html: str, base_dir: Path) -> bytes:
        return self.submit(roots, html, base_dir)()

    def submit(self, roots: list[Path], html: str, base_dir: Path) -> Callable[[], bytes]:
        """Hand the helper a handout now; the returned call waits for its PDF. A handout
        submitted before the last one was collected waits for it (its PDF is dropped)."""
        self._collect()  # a reply not collected (an error came in between) is no one's now
        if self._sock is None:
            raise HelperGone
        try:
            _send(self._sock, ([str(r) for r in roots], html, str(base_dir)))
        except (OSError, pickle.PickleError):
            self.stop()
            raise HelperGone from None
        self._waiting += 1
        ticket = self._waiting
        replies: dict[int, tuple] = self._replies

        def collect() -> bytes:
            self._collect()
            kind, value = replies.pop(ticket, ("gone", None))
            if kind == "gone":  # WeasyPrint did not load there: the build tries itself
                self.stop()
                raise HelperGone
            if kind == "error":
                raise value
            return value

        return collect

    def _collect(self) -> None:
        """Read the reply to the last handout submitted, if it is not read yet."""
        if self._sock is None or self._waiting == self._received:
            return
        try:
            reply = _receive(self._sock)
        except (OSError, EOFError, pickle.PickleError):
            self.stop()
            return
        self._received = self._waiting
        self._replies.clear()  # only the last one is ever wanted
        self._replies[self._received] = reply

    def stop(self) -> None:
        """End the helper now (it holds nothing the build needs) and reap it."""
        sock, self._sock = self._sock, None
        if sock is None:
            return
        sock.close()
        with contextlib.suppress(OSError):
            os.kill(self.pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            os.waitpid(self.pid, 0)


class WarmPdf:
    """WeasyPrint in this process, kept loaded from one build to the next (`rehab serve`): the
    build hands it its handouts as it would a PdfHelper's. Its fonts stay loaded between
    builds (some 50 ms of each handout); forget() drops them, and every image WeasyPrint kept,
    when templates or content may have changed."""

    alive = True  # (a PdfHelper's word: this one is always there)

    def __init__(self) -> None:
        self._renderer = None

    def warm_up(self, roots: list[Path]) -> None:
        """WeasyPrint imported and its fonts loaded now, while no athlete waits."""
        from generator.render.pdf import WARM_UP_HTML

        self._renderer_for(roots).render(WARM_UP_HTML, roots[0])

    def submit(self, roots: list[Path], html: str, base_dir: Path) -> Callable[[], bytes]:
        """The PDF, made when the build collects it (after the page and calendar)."""
        renderer = self._renderer_for(roots)
        return lambda: renderer.render(html, base_dir)

    @property
    def ready(self) -> bool:
        return self._renderer is not None

    def forget(self) -> None:
        self._renderer = None

    def stop(self) -> None:
        """Nothing to end: a build that needs no PDF leaves it for the next one."""

    def _renderer_for(self, roots: list[Path]):
        if self._renderer is None:
            from generator.render.pdf import PdfRenderer

            self._renderer = PdfRenderer(roots)
        else:
            self._renderer.allow(roots)
        return self._renderer


_early: PdfHelper | None = None


def start_early() -> None:
    """Fork the helper before the command line is even read (generator/__main__.py, for what
    looks like `rehab build`): WeasyPrint then imports while click and the settings do too.
    The build's PdfHelper.start() takes it; stop_early() ends one no command took."""
    global _early
    if _early is None:
        _early = PdfHelper._fork()


def stop_early() -> None:
    global _early
    early, _early = _early, None
    if early is not None:
        early.stop()


def _serve(sock: socket.socket, builder: int) -> None:
    """The helper's life: tied to the build, WeasyPrint loaded and warmed, then PDFs."""
    from generator.lifetime import tie_to_build

    tie_to_build(builder)
    with contextlib.suppress(OSError):  # it prints nothing: the build speaks for it
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1), os.dup2(devnull, 2)
    try:
        from generator.render.pdf import WARM_UP_HTML, PdfRenderer

        renderer = PdfRenderer([])
        if not _waiting(sock):  # fonts loaded, lazy imports done before the handout comes;
            renderer.render(WARM_UP_HTML, Path.cwd())  # one that came already pays them
    except BaseException:  # noqa: BLE001 - the build makes its PDF itself, and sees why
        renderer = None
    while True:
        try:
            roots, html, base_dir = _receive(sock)
        except (OSError, EOFError):
            return  # the build is done with us
        if renderer is None:
            _send(sock, ("gone", None))
            continue
        try:
            renderer.allow([Path(r) for r in roots])
            reply = ("ok", renderer.render(html, Path(base_dir)))
        except Exception as err:  # noqa: BLE001 - raised again in the build, as if made there
            reply = ("error", err)
        try:
            _send(sock, reply)
        except (pickle.PickleError, TypeError, AttributeError):
            _send(sock, ("error", RuntimeError(f"{type(reply[1]).__name__}: {reply[1]}")))


def _waiting(sock: socket.socket) -> bool:
    """Whether the build has sent something (a handout, or its end) not read yet."""
    return bool(select.select([sock], [], [], 0)[0])


def _send(sock: socket.socket, message) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    sock.sendall(_SIZE.pack(len(data)) + data)


def _receive(sock: socket.socket):
    size = _SIZE.unpack(_exactly(sock, _SIZE.size))[0]
    return pickle.loads(_exactly(sock, size))


def _exactly(sock: socket.socket, size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = sock.recv(min(left, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)
