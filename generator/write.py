"""Files into the site: staged whole outside it, then renamed into place, so every file a
reader (or a browser during `rehab serve`) can open is a whole file, old or new."""

from __future__ import annotations

import json
import os
import shutil
import signal
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path


def staging_root(out: Path) -> Path:
    """Same file system as the site (so renames are atomic), never inside it."""
    return out.resolve().parent


def write_files(folder: Path, files: dict[str, bytes], staging: Path, *,
                skip_unchanged: bool = False) -> list[str]:
    """Stage every file completely in `staging`, then move each into place; returns the names
    written. A crash at any moment leaves each file either old and whole, or new and whole.

    skip_unchanged: a file whose bytes are already in place is left alone (not written twice).
    """
    if skip_unchanged:
        files = {name: data for name, data in files.items()
                 if not _holds(folder / name, data)}
    folder.mkdir(parents=True, exist_ok=True)
    staging.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".rehab-staging-", dir=staging) as scratch:
        staged = []
        for name, data in sorted(files.items()):
            path = Path(scratch) / name
            with open(path, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            staged.append((path, folder / name))
        with _ctrl_c_deferred():  # the moves are quick: let them finish as one set
            for source, target in staged:
                os.replace(source, target)
    return sorted(files)


def _holds(path: Path, data: bytes) -> bool:
    try:
        return path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False


@contextmanager
def _ctrl_c_deferred():
    """Hold SIGINT until the block ends, so Ctrl-C cannot mix old and new files of one athlete."""
    can_block = hasattr(signal, "pthread_sigmask") and (
        threading.current_thread() is threading.main_thread())
    if can_block:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        if can_block:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def remove_files(folder: Path, names: set[str]) -> None:
    """Files of an earlier build this one did not make again (e.g. plan.pdf after --no-pdf)."""
    for name in sorted(names):
        if Path(name).name == name:  # a damaged state file must never point outside the folder
            (folder / name).unlink(missing_ok=True)


def remove_output(out: Path, folder_name: str) -> bool:
    """Remove one athlete's folder from the site; True if there was one."""
    if not folder_name or folder_name in (".", "..") or Path(folder_name).name != folder_name:
        return False  # a damaged state file must never point the build outside site/
    folder = out / folder_name
    if folder.is_symlink():
        folder.unlink()
    elif folder.is_dir():
        shutil.rmtree(folder)
    else:
        return False
    return True


def is_athlete_folder(folder: Path) -> bool:
    """A folder this tool wrote: only files, among them index.html and a plan.json of ours."""
    if folder.is_symlink() or not folder.is_dir():
        return False
    entries = list(folder.iterdir())
    if any(entry.is_dir() or entry.is_symlink() for entry in entries):
        return False
    try:
        data = json.loads((folder / "plan.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (folder / "index.html").is_file() and isinstance(data, dict) and {
        "schema", "athlete", "weeks"} <= data.keys()


def remove_stale_folders(out: Path, keep: set[str]) -> list[Path]:
    """Remove athletes' folders that no profile maps to any more (a rotated key, a deleted
    profile); folders the tool did not write are never touched."""
    if not out.is_dir():
        return []
    removed = []
    for folder in sorted(out.iterdir()):
        if folder.name not in keep and is_athlete_folder(folder):
            shutil.rmtree(folder)
            removed.append(folder)
    return removed
