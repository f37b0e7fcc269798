"""Athletes built in this process, or in a pool of worker processes when that pays.

Each athlete is an independent unit (generator.build.build_athlete); this module only decides
where units run. A pool starts on first need and serves every step of one build.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

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
                 mp_context=None):
        self.settings = settings
        self.local = local
        self.make_unit = make_unit
        self.mp_context = mp_context
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)

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
            pool = self._start(workers)
            futures: list[Future] = [pool.submit(_build_in_worker, batch, part)
                                     for batch in batches]
            try:
                for future in as_completed(futures):
                    outcomes = future.result()
                    yield from outcomes
                    advance(len(outcomes))
            except BaseException:
                for future in futures:
                    future.cancel()
                raise

    def _start(self, workers: int) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=workers, mp_context=self.mp_context, initializer=_start_worker,
                initargs=(self.make_unit, self.settings))
        return self._pool


_unit: Unit | None = None


def _start_worker(make_unit: Callable[[Settings], Unit], settings: Settings) -> None:
    """Once per worker process: read the inputs, import WeasyPrint, make the font config."""
    global _unit
    _unit = make_unit(settings)


def _build_in_worker(paths: list[Path], part: str) -> list:
    assert _unit is not None, "worker started without _start_worker"
    return [_unit(path, part) for path in paths]
