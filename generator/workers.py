"""Athletes built in this process, or in a pool of worker processes when that pays.

Each athlete is an independent unit (generator.build.build_athlete); this module only decides
where units run. A pool starts on first need and serves every step of one build.

Workers never outlive the build: Ctrl-C reaches only the `rehab` process (workers ignore it),
which stops them when it stops for any reason (Ctrl-C, TERM, an error); and a worker whose
parent dies without a word (kill -9) goes with it (Linux: the kernel's parent-death signal;
elsewhere a watch on the parent, twice a second).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

from generator.config import Settings
from generator.write import STOPS, signals_held

# Below this many HTML-only athletes, starting worker processes costs more than it saves.
# With PDFs (about a second each) two athletes are already worth a pool.
POOL_MIN_HTML_ONLY = 64

# unit(profile path, part) -> an Outcome; made once per process by make_unit(settings).
Unit = Callable[[Path, str], Any]
# progress(total) -> a context manager yielding advance(n); the CLI passes a progress bar.
Progress = Callable[[int], contextlib.AbstractContextManager[Callable[[int], None]]]


def no_progress(total: int):
    return contextlib.nullcontext(lambda n: None)


class Workers:
    """Where one build's units run: `local` here, or `make_unit` in each worker process."""

    def __init__(self, settings: Settings, local: Unit, make_unit: Callable[[Settings], Unit],
                 mp_context=None, on_pool: Callable[[], None] | None = None):
        self.settings = settings
        self.on_pool = on_pool  # called before a pool starts (the build's PDF helper goes)
        self.local = local
        self.make_unit = make_unit
        self.mp_context = mp_context
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, kind, *exc) -> None:
        if self._pool is None:
            return
        if kind is None:
            self._pool.shutdown(cancel_futures=True)
        else:  # stopped: the workers stop now, not after the handouts they are making
            self.stop()

    def stop(self) -> None:
        """End every worker process (TERM, then KILL for any still there after a second)."""
        pool, self._pool = self._pool, None
        if pool is None:
            return
        processes = list((getattr(pool, "_processes", None) or {}).values())
        for process in processes:
            with contextlib.suppress(OSError, ValueError):
                process.terminate()
        deadline = time.monotonic() + 1
        for process in processes:
            with contextlib.suppress(OSError, ValueError, AssertionError):
                process.join(max(0.0, deadline - time.monotonic()))
                if process.is_alive():
                    process.kill()
                    process.join(1)
        pool.shutdown(wait=False)

    def run(self, paths: list[Path], part: str, progress: Progress = no_progress
            ) -> Iterator[Any]:
        """Outcomes in any order."""
        handouts = self.settings.pdf and part != "page"
        worth_a_pool = len(paths) >= (2 if handouts else POOL_MIN_HTML_ONLY)
        with progress(len(paths)) as advance:
            if self.settings.workers == 1 or not worth_a_pool:
                for path in paths:
                    yield self.local(path, part)
                    advance(1)
                return
            workers = min(self.settings.workers, len(paths))
            # A handout takes about a second: one athlete per task keeps the workers evenly
            # busy. A page takes milliseconds: batches keep the hand-over cost out of sight.
            size = 1 if handouts else max(1, min(32, len(paths) // (workers * 8)))
            batches = [paths[i:i + size] for i in range(0, len(paths), size)]
            with signals_held():  # the workers are forked here: they start with them held
                pool = self._start(workers)
                futures: list[Future] = [pool.submit(_build_in_worker, batch, part)
                                         for batch in batches]
            # Stopped here, the futures are left as they are: stop() ends the workers, and
            # the pool fails what was pending (cancelling first trips the pool's own clean-up).
            for future in as_completed(futures):
                outcomes = future.result()
                yield from outcomes
                advance(len(outcomes))

    def _start(self, workers: int) -> ProcessPoolExecutor:
        if self._pool is None:
            if self.on_pool is not None:
                self.on_pool()
            self._pool = ProcessPoolExecutor(
                max_workers=workers, mp_context=self.mp_context, initializer=_start_worker,
                initargs=(self.make_unit, self.settings, os.getpid()))
        return self._pool


_unit: Unit | None = None
_PR_SET_PDEATHSIG = 1



def _start_worker(make_unit: Callable[[Settings], Unit], settings: Settings,
                  builder: int) -> None:
    """Once per worker process: tie it to the build, then read the inputs, import WeasyPrint,
    make the font config."""
    global _unit
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the build decides what Ctrl-C stops
    for stop in set(STOPS) - {signal.SIGINT}:  # not the build's handlers a fork inherited
        signal.signal(stop, signal.SIG_DFL)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOPS)
    _die_with_parent(builder)
    _unit = make_unit(settings)


def _die_with_parent(builder: int) -> None:
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    parent = os.getppid()
    if parent != builder and not _alive(builder):  # (a forkserver's worker has another parent)
        os._exit(1)  # the build died before this worker was set up

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)  # the parent went without stopping us

    threading.Thread(target=watch, daemon=True, name="rehab-parent-watch").start()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def _build_in_worker(paths: list[Path], part: str) -> list:
    assert _unit is not None, "worker started without _start_worker"
    return [_unit(path, part) for path in paths]
