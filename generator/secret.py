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
TOKEN_PATTERN = re.compile(rf"^[0-9a-f]{{{TOKEN_CHARS}}}$")


def folder_token(key: bytes, athlete: str) -> str:
    """Stable for one key and id; without the key, not derivable from the id or name."""
    return hmac.new(key, athlete.encode("utf-8"), hashlib.sha256).hexdigest()[:TOKEN_CHARS]


def read_key(path: Path) -> bytes:
    """The key from an existing key file; InputError if it is missing or damaged."""
    try:
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        raise InputError.single(str(path), "no key file yet",
                                hint="`rehab build` creates it on the first build") from None
    except (OSError, UnicodeDecodeError) as err:
        raise InputError.single(str(path), f"cannot read the key file: {err}") from None
    if not re.fullmatch(rf"[0-9a-f]{{{KEY_BYTES * 2}}}", text):
        raise InputError.single(
            str(path), f"is not a key file ({KEY_BYTES * 2} hex digits expected)",
            hint="delete it to make a new key; every athlete's link changes (see README)",
        )
    return bytes.fromhex(text)


def load_or_create_key(path: Path) -> bytes:
    """Read the key, or make one (readable by its owner only) if there is none yet."""
    if path.exists():
        return read_key(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{os.getpid()}.draft")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secrets.token_hex(KEY_BYTES) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        # A hard link appears whole or not at all, and fails if another build made a key
        # first: then both builds use that one.
        os.link(draft, path)
    except FileExistsError:
        pass
    finally:
        draft.unlink(missing_ok=True)
    return read_key(path)
