"""The project's secret key, and the unguessable folder name it gives each athlete in site/."""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from pathlib import Path

from generator.errors import InputError

KEY_BYTES = 32
TOKEN_CHARS = 32  # 128 bits of the HMAC: far beyond guessing, still a short URL
TOKEN_PATTERN = re.compile(rf"^[0-9a-f]{{{TOKEN_CHARS}}}\Z")  # \Z: "$" also takes "...\n"
BACKUP_HINT = "keep a copy of it with your backup of plans/: without it no link can be made again"


def folder_token(key: bytes, athlete: str) -> str:
    """Stable for one key and id; without the key, not derivable from the id or name."""
    return hmac.new(key, athlete.encode("utf-8"), hashlib.sha256).hexdigest()[:TOKEN_CHARS]


def read_key(path: Path) -> bytes:
    """The key from an existing key file; InputError if it is missing or damaged."""
    try:
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        raise InputError.single(str(path), "no key file yet", hint=(
            "`rehab build` creates it on the first build; if athletes have links already, "
            "restore it from your backup")) from None
    except (OSError, UnicodeDecodeError) as err:
        raise InputError.single(str(path), f"cannot read the key file: {err}") from None
    if not re.fullmatch(rf"[0-9a-f]{{{KEY_BYTES * 2}}}", text):
        raise InputError.single(
            str(path), f"is not a key file ({KEY_BYTES * 2} hex digits expected)",
            hint="restore it from your backup; `rehab build --new-key` makes a new one, and "
            "every athlete's link changes (see README)",
        )
    return bytes.fromhex(text)


def load_or_create_key(path: Path) -> bytes:
    """Read the key, or make one (readable by its owner only) if there is none yet."""
    if path.exists():
        return read_key(path)
    _write_key(path, replace=False)
    return read_key(path)


def make_new_key(path: Path) -> bytes:
    """A new key in place of any old one (`rehab build --new-key`): every link changes."""
    _write_key(path, replace=True)
    return read_key(path)


def missing_key_error(path: Path, out: Path, folders: int, state_file: Path,
                      in_state: int) -> InputError:
    """Folders were made with a key that is gone: making a new one would move everyone."""
    if folders:
        found = f"{out} holds {folders} athlete folder{'s' * (folders != 1)} made with it"
    else:
        found = (f"the last build ({state_file}) made {in_state} athlete "
                 f"folder{'s' * (in_state != 1)} with it")
    return InputError.single(str(path), f"the project key is missing, but {found}", hint=(
        f"copy secret.key back to {path} from the backup you keep with plans/; a new key "
        "would give every athlete a new link and take the old ones down. To do that on "
        "purpose: rehab build --new-key"))


def check_key_place(path: Path, out: Path) -> None:
    """The key must never be published with the site."""
    if path.resolve().is_relative_to(out.resolve()):
        raise InputError.single(str(path), "the key file must not be inside the site folder: "
                                "it would be published", hint="pass a --plans or --out elsewhere")


def private_folder(folder: Path) -> None:
    """The project's own folder (.rehab/: the key, the build state): it ignores itself in
    git, wherever it lives, so the key is never committed by accident."""
    folder.mkdir(parents=True, exist_ok=True)
    ignore = folder / ".gitignore"
    if not ignore.exists():
        try:
            with open(ignore, "x", encoding="ascii") as handle:
                handle.write("# rehab's key and build state: never commit them\n*\n")
        except FileExistsError:
            pass


def _write_key(path: Path, replace: bool) -> None:
    try:
        private_folder(path.parent)
        draft = path.with_name(f".{path.name}.{os.getpid()}.draft")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    except OSError as err:
        raise InputError.single(str(err.filename or path), "cannot write the key file: "
                                f"{err.strerror}") from None
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secrets.token_hex(KEY_BYTES) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        if replace:
            os.replace(draft, path)
        else:
            # A hard link appears whole or not at all, and fails if another build made a key
            # first: then both builds use that one.
            os.link(draft, path)
    except FileExistsError:
        pass
    except OSError as err:
        raise InputError.single(str(path), f"cannot write the key file: {err.strerror}"
                                ) from None
    finally:
        draft.unlink(missing_ok=True)
