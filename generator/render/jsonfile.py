"""plan.json text: exactly `json.dumps(value, indent=2, ensure_ascii=False)`, faster.

With `indent`, the standard library falls back to its pure-Python encoder, which was a
fifth of an HTML-only build's time per athlete. `indented_json` writes the same bytes with
the C string encoder and one list of pieces; `float_free_json` has orjson write them (about
50x faster again), for documents with no float in them, such as plan.json (every number in a
Plan is an int): orjson spells NaN and exponents differently (1e-7, not 1e-07). Whatever
orjson refuses (an int past 64 bits, a key that is not a string, a lone surrogate) goes to
`indented_json`. `dated_json` writes a document that still holds dates and dataclasses (as
Plan.to_document() gives it) the way the plain copy of it would be written, without making
that copy. tests/test_jsonfile.py compares them all.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from json.encoder import encode_basestring  # the C version when available, as json uses

import orjson

# A dataclass, a date or a str/int/dict subclass orjson would write its own way; passed
# through, it goes to indented_json, which writes json's spelling or raises json's TypeError.
_ORJSON = (orjson.OPT_INDENT_2 | orjson.OPT_PASSTHROUGH_DATACLASS
           | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_SUBCLASS)


def float_free_json(value: object) -> str:
    """indented_json(value), for a document with no float in it."""
    try:
        return orjson.dumps(value, option=_ORJSON).decode()
    except orjson.JSONEncodeError:
        return indented_json(value)


# orjson writes a date as its isoformat() and a dataclass as a map of its fields in order.
_DATED = orjson.OPT_INDENT_2 | orjson.OPT_PASSTHROUGH_SUBCLASS


def dated_json(document: object, plain: Callable[[], object]) -> str:
    """indented_json(plain()), where `document` is the same document with its dates still
    dates and some of its maps still dataclasses: the plain copy (dates as text, dataclasses
    as dicts) is made only for what orjson refuses."""
    try:
        return orjson.dumps(document, option=_DATED).decode()
    except orjson.JSONEncodeError:
        return indented_json(plain())


def indented_json(value: object) -> str:
    pieces: list[str] = []
    _emit(value, "\n", pieces)
    return "".join(pieces)


def _emit(value: object, pad: str, pieces: list[str]) -> None:
    if isinstance(value, str):
        pieces.append(encode_basestring(value))
    elif value is None or isinstance(value, bool | int | float):
        pieces.append(json.dumps(value))  # null, true, false, numbers: json's own spelling
    elif isinstance(value, dict):
        if not value:
            pieces.append("{}")
            return
        inner, separator = pad + "  ", "{"
        for key, item in value.items():
            if not isinstance(key, str):  # json writes these keys as strings too
                if not (key is None or isinstance(key, bool | int | float)):
                    raise TypeError(f"keys must be str, int, float, bool or None, not "
                                    f"{type(key).__name__}")
                key = json.dumps(key)
            pieces.append(separator + inner + encode_basestring(key) + ": ")
            _emit(item, inner, pieces)
            separator = ","
        pieces.append(pad + "}")
    elif isinstance(value, list | tuple):
        if not value:
            pieces.append("[]")
            return
        inner, separator = pad + "  ", "["
        for item in value:
            pieces.append(separator + inner)
            _emit(item, inner, pieces)
            separator = ","
        pieces.append(pad + "]")
    else:
        raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")
