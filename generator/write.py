"""Files into the site, an athlete's folder at a time: the whole folder is built beside the
old one, inside the site under a hidden name (so on the same file system, whatever is
mounted where), and switched in with one rename. A reader, a browser during `rehab serve`,
or a crash at any instant finds each folder old and whole, or new and whole.

    site/.rehab-staging/        this build's scratch space; removed when the build ends
        <token>.<random>.new    a folder being written; after the switch, the old folder
        <token>.old             an old folder set aside (only where no one-step swap exists)
        <token>.<random>.gone   a folder being removed

Every build first clears what a crash left there (`prepare`), putting back a folder that was
set aside and never replaced.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import json
import os
import secrets
import shutil
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from generator.lifetime import STOPS
from generator.secret import TOKEN_PATTERN

try:
    import fcntl
except ImportError:  # not on Windows: builds there are not serialised
    fcntl = None

STAGING = ".rehab-staging"
_LEGACY_STAGING = ".rehab-staging-"  # older builds staged beside the site under this prefix


class SiteWriteError(OSError):
    """The site folder itself cannot be written (a file in its place, a read-only disk)."""


def staging_folder(out: Path) -> Path:
    return out / STAGING


def prepare(out: Path) -> None:
    """Before a build writes anything: `out` is a folder this process can write, and what an
    earlier crash left in its staging folder is gone (a folder set aside is put back)."""
    if out.exists() and not out.is_dir():
        raise SiteWriteError(errno.ENOTDIR, "is a file, not a folder", str(out))
    staging = staging_folder(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        if staging.is_symlink() or (staging.exists() and not staging.is_dir()):
            staging.unlink()
        staging.mkdir(exist_ok=True)
    except OSError as err:
        raise SiteWriteError(err.errno, f"cannot write the site folder: {err.strerror}",
                             str(out)) from None
    for entry in sorted(staging.iterdir()):
        name, _, kind = entry.name.rpartition(".")
        if kind == "old" and entry.is_dir() and not entry.is_symlink() \
                and not (out / name).exists():
            os.rename(entry, out / name)  # set aside, never replaced: the old folder stands
        else:
            _remove(entry)
    for legacy in out.resolve().parent.glob(_LEGACY_STAGING + "*"):
        if legacy.is_dir() and not legacy.is_symlink():
            shutil.rmtree(legacy, ignore_errors=True)


def finish(out: Path) -> None:
    """After a build: no staging folder is left in the site (it would be uploaded)."""
    _remove(staging_folder(out))


@contextmanager
def site_lock(lock_file: Path) -> Iterator[None]:
    """One build at a time per site: a second `rehab build` (or `serve`) waits for the first.
    The lock goes with the process that holds it, however it ends."""
    if fcntl is None:
        yield
        return
    try:
        lock_file.parent.mkdir(parents=True, exist_ok=True)
        handle = open(lock_file, "a")  # noqa: SIM115 - held for the whole build
    except OSError as err:
        raise SiteWriteError(err.errno, f"cannot write the build's lock file: {err.strerror}",
                             str(lock_file)) from None
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def write_folder(folder: Path, files: dict[str, bytes], *, keep_others: bool = False,
                 skip_unchanged: bool = False, sync_site: bool = True) -> list[str]:
    """Make `folder` hold exactly `files` (plus, with keep_others, the files it held that
    `files` does not name), in one switch; returns the names written anew.

    skip_unchanged: a file whose bytes are already in place is kept as it is (a hard link to
    it, so its time stamp and inode stay), not written twice; a folder that holds exactly
    these bytes already is left as it is (nothing staged, switched or synced).
    sync_site: make the switch itself durable now (one fsync of the site folder); a build
    passes False and calls sync_folder(site) once, before it saves its state.
    """
    if skip_unchanged and _holds_all(folder, files, keep_others):
        return []
    staged = staging_folder(folder.parent) / f"{folder.name}.{secrets.token_hex(4)}.new"
    staged.mkdir()
    written = []
    try:
        current = {p.name for p in folder.iterdir() if p.is_file()} if folder.is_dir() else set()
        for name, data in sorted(files.items()):
            if skip_unchanged and name in current and _holds(folder / name, data) \
                    and _link(folder / name, staged / name):
                continue
            _write(staged / name, data)
            written.append(name)
        for name in sorted(current - set(files)) if keep_others else ():
            if not _link(folder / name, staged / name):
                shutil.copy2(folder / name, staged / name)
        _fsync_folder(staged)
        with signals_held():  # the switch is one or two renames: let them finish
            _switch(staged, folder)
        if sync_site:
            sync_folder(folder.parent)
    finally:
        _remove(staged)  # the old folder after a switch; a partial new one after a failure
    return written


def write_file(path: Path, data: bytes) -> None:
    """One file directly in the site (robots.txt), replaced in one rename."""
    _replace(path, data, staging_folder(path.parent) / f"{path.name}.{secrets.token_hex(4)}.new")


def replace_file(path: Path, data: bytes) -> None:
    """A file outside the site (an athlete's log beside the profile), replaced in one rename
    from a hidden temporary file beside it: whole or not at all."""
    _replace(path, data, path.with_name(f".{path.name}.{secrets.token_hex(4)}.new"))


def _replace(path: Path, data: bytes, staged: Path) -> None:
    try:
        _write(staged, data)
        os.replace(staged, path)
    finally:
        staged.unlink(missing_ok=True)


def remove_output(out: Path, folder_name: str) -> bool:
    """Remove one athlete's folder from the site in one rename (its files are then deleted
    out of sight); True if there was one."""
    if not folder_name or folder_name in (".", "..") or Path(folder_name).name != folder_name \
            or folder_name == STAGING:
        return False  # a damaged state file must never point the build outside site/
    folder = out / folder_name
    if folder.is_symlink():
        folder.unlink()
        return True
    if not folder.is_dir():
        return False
    gone = staging_folder(out) / f"{folder_name}.{secrets.token_hex(4)}.gone"
    gone.parent.mkdir(exist_ok=True)
    os.rename(folder, gone)
    _remove(gone)
    return True


def published_folders(out: Path) -> list[str]:
    """The athletes' folders in the site, by their look (a token name, a page, a plan)."""
    if not out.is_dir():
        return []
    return [p.name for p in sorted(out.iterdir())
            if TOKEN_PATTERN.match(p.name) and is_athlete_folder(p)]


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


# --- the moves ----------------------------------------------------------------------------

def _switch(staged: Path, folder: Path) -> None:
    """Put the staged folder where `folder` is. Afterwards `staged` holds the old folder (or
    nothing). At every instant `folder` is the old one or the new one, both whole: one
    exchange of the two where the system has it (Linux), else the old one is set aside under
    a name the next build puts back if this one dies before the second rename."""
    if not folder.exists() and not folder.is_symlink():
        try:
            os.rename(staged, folder)  # a first build: the folder appears whole
            return
        except OSError as err:
            if err.errno not in (errno.EEXIST, errno.ENOTEMPTY):
                raise  # otherwise another build made it meanwhile: swap with it
    if _exchange(staged, folder):
        return
    aside = staged.parent / f"{folder.name}.old"
    _remove(aside)
    os.rename(folder, aside)
    os.rename(staged, folder)
    os.rename(aside, staged)  # removed with the staging, like the exchanged old folder


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100
_renameat2 = None


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (renameat2 RENAME_EXCHANGE); False where the system or the
    file system has no such call (macOS, older kernels, some network file systems)."""
    global _renameat2
    if _renameat2 is None:
        try:
            _renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
            _renameat2.argtypes = (ctypes.c_int, ctypes.c_char_p, ctypes.c_int,
                                   ctypes.c_char_p, ctypes.c_uint)
        except (AttributeError, OSError):
            _renameat2 = False
    if not _renameat2:
        return False
    if _renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(a), None, str(b))


def _write(path: Path, data: bytes) -> None:
    with open(path, "xb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _link(source: Path, target: Path) -> bool:
    try:
        os.link(source, target)
        return True
    except OSError:  # a file system without hard links: the caller writes or copies instead
        return False


def _holds(path: Path | str, data: bytes) -> bool:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:  # one byte more than `data`: a longer file reads longer, and no more is read
        return os.read(fd, len(data) + 1) == data
    except OSError:
        return False
    finally:
        os.close(fd)


def _holds_all(folder: Path, files: dict[str, bytes], keep_others: bool) -> bool:
    """The folder is a real folder of regular files holding every one of `files` byte for
    byte, and nothing else (unless keep_others)."""
    if folder.is_symlink() or not folder.is_dir():
        return False
    try:
        with os.scandir(folder) as entries:
            found = {e.name for e in entries if e.is_file(follow_symlinks=False)} \
                if keep_others else {e.name if e.is_file(follow_symlinks=False) else "/"
                                     for e in entries}
    except OSError:
        return False
    wanted = set(files)
    where = os.fspath(folder)
    return (wanted <= found if keep_others else wanted == found) and all(
        _holds(os.path.join(where, name), data) for name, data in files.items())


def sync_folder(folder: Path) -> None:
    """Make the folder's new entries durable (a power cut after the build keeps them)."""
    _fsync_folder(folder)


def _fsync_folder(folder: Path) -> None:
    """Make the folder's new entries durable (a power cut after the build keeps them)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


@contextmanager
def signals_held():
    """Hold Ctrl-C, TERM and HUP until the block ends (in the main thread, where Python
    handles them), so they cannot fall between two renames."""
    can_block = hasattr(signal, "pthread_sigmask") and (
        threading.current_thread() is threading.main_thread())
    if can_block:
        signal.pthread_sigmask(signal.SIG_BLOCK, STOPS)
    try:
        yield
    finally:
        if can_block:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, STOPS)
