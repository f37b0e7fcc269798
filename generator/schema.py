"""A small declarative schema: validates a YAML Document and reports every problem at once."""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
from dataclasses import dataclass, field
from typing import Any

from generator.errors import Problem
from generator.yamlsource import Document, FieldPath

_KIND_WORDS = {
    "text": "text",
    "int": "a whole number",
    "number": "a number",
    "bool": "true or false",
    "date": "a date (YYYY-MM-DD)",
    "choice": "one of",
    "list": "a list",
    "section": "a set of fields (key: value lines)",
    "map": "a set of named entries",
    "scalar": "a single value",
    "any": "a value",
}


# Control characters other than tab and newline: NUL, ESC (a terminal escape), VT, FF, DEL,
# C1 codes. YAML lets a quoted string carry them as escapes ("\e", "\x9b"); the page, the
# calendar (RFC 5545 forbids them) and the terminal must never receive them.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
MAX_ITEMS = 1000  # no list anyone writes by hand is longer
# Any date a clinic records lies here; outside it is a typo (0026 for 2026) that would give a
# calendar no program reads, or dates past the year 9999.
EARLIEST, LATEST = dt.date(1900, 1, 1), dt.date(2100, 12, 31)


@dataclass(frozen=True)
class Field:
    kind: str
    required: bool = False
    default: Any = None
    choices: tuple = ()
    minimum: float | None = None
    maximum: float | None = None
    max_length: int | None = None
    min_items: int = 0
    max_items: int | None = None  # lists: MAX_ITEMS unless set; longer is refused whole
    unique: bool = False
    items: Field | None = None  # list items, or the values of a map
    fields: dict[str, Field] = field(default_factory=dict)  # section fields
    open: bool = False  # a section whose other keys are someone else's to check
    doc: str = ""

    def expected(self) -> str:
        if self.kind == "choice":
            return "one of " + ", ".join(str(c) for c in self.choices)
        return _KIND_WORDS[self.kind]


def validate(doc: Document, schema: Field) -> tuple[Any, list[Problem]]:
    """Check a document against a schema; returns the cleaned value (defaults filled in)."""
    problems: list[Problem] = []
    value = _check(doc, doc.value, schema, (), problems)
    return value, problems


def _check(doc: Document, value: Any, spec: Field, path: FieldPath, out: list[Problem]) -> Any:
    def bad(message: str, hint: str = "") -> None:
        out.append(doc.problem(path, message, hint))

    if value is None:
        if spec.required:
            bad(f"is empty; expected {spec.expected()}")
        return _default(spec)

    kind = spec.kind
    if kind == "section":
        if not isinstance(value, dict):
            bad(f"expected {spec.expected()}, got {_describe(value)}")
            return _default(spec)
        return _section(doc, value, spec, path, out)
    if kind == "map":
        if not isinstance(value, dict):
            bad(f"expected {spec.expected()}, got {_describe(value)}")
            return {}
        if spec.max_items is not None and len(value) > spec.max_items:
            bad(f"has {len(value):,} entries; the limit is {spec.max_items:,}")
            return {}
        return {k: _check(doc, v, spec.items, path + (k,), out) for k, v in value.items()}
    if kind == "list":
        if not isinstance(value, list):
            bad(f"expected {spec.expected()}, got {_describe(value)}",
                hint="write items on lines starting with '- ', or as [a, b]")
            return []
        if len(value) < spec.min_items:
            bad(f"needs at least {spec.min_items} item{'s' if spec.min_items > 1 else ''}")
        cap = MAX_ITEMS if spec.max_items is None else spec.max_items
        if len(value) > cap:  # one line, not one per item: thousands of items are one mistake
            bad(f"has {len(value):,} items; the limit is {cap:,}")
            return []
        items = [_check(doc, v, spec.items, path + (i,), out) for i, v in enumerate(value)]
        if spec.unique:
            seen = set()
            for i, item in enumerate(items):
                if item is None:  # not read: its own problem is reported
                    continue
                if _hashable(item) in seen:
                    out.append(doc.problem(path + (i,), f"'{item}' is listed twice"))
                seen.add(_hashable(item))
        return items
    if kind == "text":
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            bad(f"expected text, got {_describe(value)}")
            return None
        value = str(value)
        if control := CONTROL.search(value):
            bad(f"contains a control character (U+{ord(control.group()):04X}) at character "
                f"{control.start() + 1}; text may hold only tabs and line breaks",
                hint="delete it; in quotes, YAML reads escapes such as \\e or \\x07 as "
                "control characters")
            return None
        if spec.max_length and len(value) > spec.max_length:
            bad(f"is {len(value)} characters long; the limit is {spec.max_length}")
        if spec.required and not value.strip():
            bad("is empty; expected text")
        return value
    if kind == "any":  # checked by the caller, which knows what the value must be
        return value
    if kind == "scalar":
        if isinstance(value, dict | list):
            bad(f"expected a single value, got {_describe(value)}")
            return None
        return value
    if kind == "bool":
        if not isinstance(value, bool):
            bad(f"expected true or false, got {_describe(value)}")
            return spec.default
        return value
    if kind in ("int", "number"):
        ok = isinstance(value, int) if kind == "int" else isinstance(value, int | float)
        if isinstance(value, bool) or not ok:
            bad(f"expected {spec.expected()}, got {_describe(value)}")
            return spec.default
        if not math.isfinite(value):  # .nan and .inf are YAML numbers, but no one means them
            bad(f"expected {spec.expected()}, got {value}")
            return spec.default
        if spec.minimum is not None and value < spec.minimum:
            bad(f"{value} is below the minimum of {_num(spec.minimum)}")
        if spec.maximum is not None and value > spec.maximum:
            bad(f"{value} is above the maximum of {_num(spec.maximum)}")
        return value
    if kind == "date":
        if isinstance(value, dt.datetime):
            value = value.date()
        if not isinstance(value, dt.date):
            bad(f"expected a date (YYYY-MM-DD), got {_describe(value)}")
            return None
        if problem := date_window_problem(value):
            bad(problem, hint="check the year")
            return None
        return value
    if kind == "choice":
        if value not in spec.choices and isinstance(value, str):
            # `side: Left`, `severity: Moderate`: meant as written, stored as the choice is
            value = next((c for c in spec.choices
                          if isinstance(c, str) and c.casefold() == value.strip().casefold()),
                         value)
        if value not in spec.choices:
            words = [str(c) for c in spec.choices]
            close = difflib.get_close_matches(str(value), words, n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'?" if close else ""
            bad(f"'{value}' is not allowed; expected {spec.expected()}", hint)
            return None
        return value
    raise AssertionError(f"unknown schema kind {kind}")  # a programming error, not input


def date_window_problem(day: dt.date) -> str | None:
    if EARLIEST <= day <= LATEST:
        return None
    return f"{day.isoformat()} is not between {EARLIEST.year} and {LATEST.year}"


def _section(doc: Document, value: dict, spec: Field, path: FieldPath, out: list[Problem]):
    result = {}
    for key in value:
        if key not in spec.fields and not spec.open:
            close = difflib.get_close_matches(key, list(spec.fields), n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'?" if close else (
                "known fields: " + ", ".join(spec.fields))
            out.append(doc.problem(path + (key,), f"unknown field '{key}'", hint))
    for name, sub in spec.fields.items():
        if name in value:
            result[name] = _check(doc, value[name], sub, path + (name,), out)
        elif sub.required:
            out.append(doc.problem(path + (name,), f"is missing; expected {sub.expected()}",
                                   hint=sub.doc))
            result[name] = _default(sub)
        else:
            result[name] = _default(sub)
    return result


def _hashable(item: Any) -> Any:
    return repr(item) if isinstance(item, dict | list) else item


def _default(spec: Field) -> Any:
    if spec.kind == "section":
        return {name: _default(sub) for name, sub in spec.fields.items()}
    if spec.kind == "list":
        return list(spec.default or [])
    return spec.default


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"'{str(value).lower()}' (true/false)"
    if isinstance(value, dict):
        return "a set of fields"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dt.date):
        return f"the date {value.isoformat()}"
    if isinstance(value, bytes):
        return "binary data"
    if isinstance(value, int | float):
        return f"the number {value}"
    return f"'{value}'"


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)
