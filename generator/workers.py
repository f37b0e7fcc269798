"""Athletes built in this process, or in a pool of worker processes when that pays.

Each athlete is an independent unit (generator.build.build_athlete); this module only decides
where units run. A pool starts on first need and serves every step of one build.

Workers never outlive the build (generator/lifetime.py).
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.lifetime import tie_to_build
from generator.write import signals_held

if TYPE_CHECKING:  # multiprocessing loads when a build starts a pool, not for one athlete
    from concurrent.futures import Future, ProcessPoolExecutor

    from generator.config import Settings

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
            from concurrent.futures import as_completed

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
            from concurrent.futures import ProcessPoolExecutor

            if self.on_pool is not None:
                self.on_pool()
            self._pool = ProcessPoolExecutor(
                max_workers=workers, mp_context=self.mp_context, initializer=_start_worker,
                initargs=(self.make_unit, self.settings, os.getpid()))
        return self._pool


_unit: Unit | None = None


def _start_worker(make_unit: Callable[[Settings], Unit], settings: Settings,
                  builder: int) -> None:
    """Once per worker process: tie it to the build, then read the inputs, import WeasyPrint,
    make the font config."""
    global _unit
    tie_to_build(builder)
    _unit = make_unit(settings)


def _build_in_worker(paths: list[Path], part: str) -> list:
    assert _unit is not None, "worker started without _start_worker"
    return [_unit(path, part) for path in paths]
