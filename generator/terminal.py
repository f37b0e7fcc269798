"""Text on its way to a terminal: what `rehab` prints never runs an escape sequence.

Its own module, free of the build, so every command can use it without loading more.
"""

from __future__ import annotations

import re

_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def for_terminal(text: str) -> str:
    """Text as a terminal should get it: an escape sequence typed in a profile or a file name
    (an OSC that retitles the window, a colour, a cursor move) is shown as \\x1b, never run."""
    return _UNPRINTABLE.sub(lambda m: _escape(m.group()), text)


def json_for_terminal(text: str) -> str:
    """JSON text with those characters as \\u escapes: the same JSON, safe on a terminal."""
    return _UNPRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
