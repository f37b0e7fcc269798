"""YAML read safely, with the line and column of every value kept for error messages."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from generator.errors import InputError, Problem

MAX_BYTES = 256 * 1024  # a profile is a page of text; anything larger is a mistake

Location = tuple[int, int]  # 1-based line, column
FieldPath = tuple[str | int, ...]


@dataclass(frozen=True)
class Document:
    """Plain Python values of one YAML file plus where each of them was written."""

    file: str
    value: Any
    locations: dict[FieldPath, Location] = field(default_factory=dict)

    def where(self, path: FieldPath) -> dict[str, int | None]:
        """Line/column of a field, or of its nearest written parent."""
        while path not in self.locations and path:
            path = path[:-1]
        line, column = self.locations.get(path, (None, None))
        return {"line": line, "column": column}

    def problem(self, path: FieldPath, message: str, hint: str = "") -> Problem:
        return Problem(
            file=self.file, field=dotted(path), message=message, hint=hint, **self.where(path)
        )


def dotted(path: FieldPath) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def read_text(path: Path, label: str, max_bytes: int = MAX_BYTES) -> str:
    """The file as text, refusing what is too big or not text at all."""
    try:
        size = path.stat().st_size
    except OSError as err:
        raise InputError.single(label, f"cannot read the file: {err.strerror}") from None
    if size > max_bytes:
        raise InputError.single(
            label,
            f"file is {size:,} bytes; the limit is {max_bytes:,}",
            hint="is this the right file?",
        )
    raw = path.read_bytes()
    if b"\x00" in raw:
        raise InputError.single(label, "this is not a text file (it contains NUL bytes)")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise InputError.single(
            label,
            f"this is not UTF-8 text (byte {err.start})",
            hint="save the file as UTF-8",
        ) from None


MAX_NODES = 100_000  # bounds alias expansion in trusted content ("billion laughs")


def load(
    path: Path, label: str | None = None, max_bytes: int = MAX_BYTES, allow_aliases: bool = False
) -> Document:
    """Read a YAML file into a Document; every failure is an InputError naming the file."""
    label = label or str(path)
    return parse(read_text(path, label, max_bytes), label, allow_aliases)


def parse(text: str, label: str, allow_aliases: bool = False) -> Document:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
        message = f"this is not valid YAML: {err.problem or err.context}"
        raise InputError.single(
            label, message, line=line, column=column,
            hint="check indentation, and quote text that contains ': ' or starts with a symbol",
        ) from None
    except yaml.YAMLError as err:
        raise InputError.single(label, f"this is not valid YAML: {err}") from None
    if node is None:
        raise InputError.single(label, "the file is empty", hint="run `rehab new ID` for a starter")
    converter = _Converter(label, allow_aliases)
    value = converter.convert(node, ())
    if converter.problems:
        raise InputError(converter.problems)
    return Document(label, value, converter.locations)


class _Converter:
    """Node tree -> Python values. Refuses duplicate keys, and aliases unless allowed."""

    def __init__(self, label: str, allow_aliases: bool):
        self.label = label
        self.allow_aliases = allow_aliases
        self.nodes = 0
        self.locations: dict[FieldPath, Location] = {}
        self.problems: list[Problem] = []
        self._constructor = yaml.SafeLoader("")

    def _problem(self, node: yaml.Node, path: FieldPath, message: str, hint: str = "") -> None:
        self.problems.append(
            Problem(
                file=self.label, field=dotted(path), message=message, hint=hint,
                line=node.start_mark.line + 1, column=node.start_mark.column + 1,
            )
        )

    def convert(self, node: yaml.Node, path: FieldPath):
        # A key's own position wins over its value's: that is where a person looks.
        self.locations.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
        self.nodes += 1
        if self.nodes > MAX_NODES:
            if self.nodes == MAX_NODES + 1:
                self._problem(node, path, f"the document expands to more than {MAX_NODES:,} "
                              "values (too many aliases?)")
            return None
        if getattr(node, "_visited", False) and not self.allow_aliases:
            self._problem(node, path, "YAML anchors and aliases (&, *) are not allowed here",
                          hint="write the value out in full")
            return None
        if isinstance(node, yaml.MappingNode):
            node._visited = True
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            node._visited = True
            return [self.convert(item, path + (i,)) for i, item in enumerate(node.value)]
        return self._scalar(node, path)

    def _mapping(self, node: yaml.MappingNode, path: FieldPath) -> dict:
        out: dict = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                self._problem(key_node, path, "YAML merge keys (<<) are not allowed here")
                continue
            key = self._scalar(key_node, path) if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, str | int | bool) or key is None:
                self._problem(key_node, path, "a key must be a plain word")
                continue
            key = str(key).lower() if isinstance(key, bool) else str(key)
            if key in out:
                self._problem(key_node, path + (key,), f"'{key}' is written twice",
                              hint="keep one of them")
                continue
            mark = key_node.start_mark
            self.locations[path + (key,)] = (mark.line + 1, mark.column + 1)
            out[key] = self.convert(value_node, path + (key,))
        return out

    def _scalar(self, node: yaml.ScalarNode, path: FieldPath):
        try:
            value = self._constructor.construct_object(node, deep=True)
        except ValueError as err:  # e.g. 2026-02-30: looks like a date, is not one
            if node.tag == "tag:yaml.org,2002:timestamp":
                self._problem(node, path, f"'{node.value}' is not a real calendar date",
                              hint="use YYYY-MM-DD")
            else:
                self._problem(node, path, f"'{node.value}' cannot be read: {err}")
            return None
        except yaml.YAMLError as err:
            self._problem(node, path, f"'{node.value}' cannot be read: {err}")
            return None
        if isinstance(value, dt.datetime):
            return value.date() if value.time() == dt.time() else value
        return value
