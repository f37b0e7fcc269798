"""YAML read safely, with the line and column of every value kept for error messages."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from generator.errors import InputError, Problem

MAX_BYTES = 256 * 1024  # a profile is a page of text; anything larger is a mistake

STR_TAG = "tag:yaml.org,2002:str"
Location = tuple[int, int]  # 1-based line, column
FieldPath = tuple[str | int, ...]


@dataclass(frozen=True)
class Document:
    """Plain Python values of one YAML file plus where each of them was written."""

    file: str
    value: Any
    locations: dict[FieldPath, Location] = field(default_factory=dict)
    # values that could not be read (an impossible date...): None in `value` (keep_going)
    problems: tuple[Problem, ...] = ()

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
        if size > max_bytes:
            raise InputError.single(
                label,
                f"file is {size:,} bytes; the limit is {max_bytes:,}",
                hint="is this the right file?",
            )
        with open(path, "rb") as handle:
            raw = handle.read(max_bytes + 1)  # the file may have grown since stat()
    except OSError as err:
        raise InputError.single(label, f"cannot read the file: {err.strerror or err}") from None
    if len(raw) > max_bytes:
        raise InputError.single(label, f"file is over the limit of {max_bytes:,} bytes",
                                hint="is this the right file?")
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
# A profile of 500 progress events has about 5,000; PyYAML reads some 20,000 a second.
PROFILE_MAX_NODES = 10_000
MAX_DEPTH = 40  # a profile is a few levels deep; PyYAML itself recurses once per level
MAX_ALIAS_PROBLEMS = 5  # one alias bomb must not print a thousand lines


class _TooManyValues(Exception):
    def __init__(self, mark: yaml.Mark):
        self.mark = mark


class _AliasMarks:
    """Remembers where each alias (*name) was written, as the composer meets it, and stops
    once the file holds more values than max_nodes (before reading the rest of it)."""

    alias_marks: list[yaml.Mark]
    max_nodes: int = MAX_NODES
    composed: int = 0

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            self.alias_marks.append(self.peek_event().start_mark)
        self.composed += 1
        if self.composed > self.max_nodes:
            raise _TooManyValues(self.peek_event().start_mark)
        return super().compose_node(parent, index)


class _Loader(_AliasMarks, yaml.SafeLoader):
    """The safe loader, all in Python: its errors are the ones a person is shown."""

    def __init__(self, stream: str, max_nodes: int = MAX_NODES):
        super().__init__(stream)
        self.alias_marks = []
        self.max_nodes = max_nodes


try:
    from yaml._yaml import CParser  # libyaml's scanner and parser, if PyYAML was built with it
except ImportError:  # pragma: no cover - PyYAML without libyaml
    CParser = None

if CParser is not None:
    class _FastLoader(CParser, _AliasMarks, yaml.composer.Composer, yaml.resolver.Resolver):
        """libyaml turns the text into events, about 8x faster; PyYAML's own composer builds
        the nodes from them, so the alias marks and the recursion limit (deep nesting) are
        exactly the Python loader's. Not libyaml's composer: it has no depth limit and
        crashes the process on a few thousand nested brackets."""

        def __init__(self, stream: str, max_nodes: int = MAX_NODES):
            CParser.__init__(self, stream)
            yaml.composer.Composer.__init__(self)
            yaml.resolver.Resolver.__init__(self)
            self.alias_marks = []
            self.max_nodes = max_nodes

        get_single_node = yaml.composer.Composer.get_single_node  # not CParser's

        def compose_node(self, parent, index):
            # libyaml and PyYAML disagree on some explicit tags (a lone `!`); a profile has
            # none, so a tag sends the text to the Python loader.
            if getattr(self.peek_event(), "tag", None) is not None:
                raise yaml.YAMLError("explicit tag: read by the Python loader")
            return super().compose_node(parent, index)

    class _Composer(CParser, yaml.resolver.Resolver):
        """libyaml's parser and composer, for a profile as most are written (_by_libyaml)."""

        def __init__(self, stream: str):
            CParser.__init__(self, stream)
            yaml.resolver.Resolver.__init__(self)
else:  # pragma: no cover
    _FastLoader = _Composer = None


# Where libyaml and PyYAML read the same text differently (found by tests/test_yamlsource.py):
# tabs, line breaks other than \n, byte order marks inside the text, `?` (inside [] or {},
# PyYAML ends a plain scalar there), a comment right after a block scalar's `|` or `>`, no
# line break at the end (an empty value there is placed differently). Text with any of them,
# or with a character YAML forbids, is read by the Python loader alone.
_PYTHON_ONLY = re.compile(r"[\t\r\x85\u2028\u2029\ufeff?]|[|>][-+0-9]*#|"
                          + yaml.reader.Reader.NON_PRINTABLE.pattern)


# What libyaml's own composer is not given (_by_libyaml): a tag (`!`) or an alias (`*name`)
# where a value may start, or text that may nest hundreds of levels deep (indented that
# far, or with that many brackets and compact "- " entries): it recurses in C without a
# limit, and tens of thousands of levels crash the process.
_COMPOSER_DOUBTS = re.compile(r"(?<![^\s\[{,:?-])(?:!|\*[0-9A-Za-z_-])|\n {100}")
MAX_OPENINGS = 300


def _by_libyaml(text: str, max_nodes: int) -> yaml.Node | None:
    """The node tree as libyaml composes it, about twice as fast as _FastLoader's, or None
    where the two might differ: a tag or alias, deep nesting, more than max_nodes values,
    an error. None sends the text to _FastLoader, whose marks, limits and messages are the
    ones a person is shown."""
    openings = sum(text.count(mark) for mark in ("[", "{", "- "))  # `?` is Python-only
    # every value is at least a character: a short text holds few enough
    if openings > MAX_OPENINGS or len(text) > max_nodes // 2 or _COMPOSER_DOUBTS.search(text):
        return None
    composer = _Composer(text)
    try:
        return composer.get_single_node()
    except yaml.YAMLError:
        return None
    finally:
        composer.dispose()


def _compose(text: str, max_nodes: int = MAX_NODES, allow_aliases: bool = False
             ) -> tuple[yaml.Node | None, list[yaml.Mark]]:
    """The document's node tree and its aliases' marks. Text the fast loaders read without
    complaint gives the same nodes and marks as the Python loader (tests/test_yamlsource.py
    compares them); anything else goes to the Python loader, whose errors carry the positions
    and wording a person is shown."""
    if _FastLoader is not None and text.endswith("\n") and not _PYTHON_ONLY.search(text):
        if not allow_aliases:  # a profile: aliases are refused, so none needs its mark
            root = _by_libyaml(text, max_nodes)
            if root is not None:
                return root, []
        loader = _FastLoader(text, max_nodes)
        try:
            return loader.get_single_node(), loader.alias_marks
        except (yaml.YAMLError, RecursionError):
            pass  # said again, the Python loader's way
        finally:
            loader.dispose()
    loader = _Loader(text, max_nodes)  # checks every character first: may raise ReaderError
    try:
        return loader.get_single_node(), loader.alias_marks
    finally:
        loader.dispose()


def load(
    path: Path, label: str | None = None, max_bytes: int = MAX_BYTES, allow_aliases: bool = False,
    max_nodes: int = MAX_NODES, keep_going: bool = False,
) -> Document:
    """Read a YAML file into a Document; every failure is an InputError naming the file.

    keep_going: a value that cannot be read (an impossible date, half a character) is None in
    the Document and its problem in `problems`, so that the file's checks still run and every
    problem of the file is listed at once; YAML that cannot be parsed is still an error."""
    label = label or str(path)
    return parse(read_text(path, label, max_bytes), label, allow_aliases, max_nodes, keep_going)


def parse(text: str, label: str, allow_aliases: bool = False,
          max_nodes: int = MAX_NODES, keep_going: bool = False) -> Document:
    try:
        node, alias_marks = _compose(text, max_nodes, allow_aliases)
    except yaml.reader.ReaderError as err:
        before = text[:err.position]
        line, column = before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1
        raise InputError.single(
            label, f"contains a control character (#x{err.character:04x}) that YAML forbids",
            line=line, column=column, hint="delete it; it may have come from a copy and paste",
        ) from None
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
        message = f"this is not valid YAML: {err.problem or err.context}"
        hint = "check indentation, and quote text that contains ': ' or starts with a symbol"
        if err.context and err.context_mark and err.problem_mark and (
            err.context_mark.line != err.problem_mark.line
        ):  # e.g. an unclosed bracket: say where it was opened, not only where the file ends
            opened = err.context_mark
            hint = f"{err.context} at line {opened.line + 1}, column {opened.column + 1}; {hint}"
        raise InputError.single(label, message, line=line, column=column, hint=hint) from None
    except yaml.YAMLError as err:
        raise InputError.single(label, f"this is not valid YAML: {err}") from None
    except _TooManyValues as err:
        raise InputError.single(
            label, f"holds more than {max_nodes:,} values; the rest was not read",
            line=err.mark.line + 1, column=err.mark.column + 1,
            hint="is a list pasted many times over?") from None
    except RecursionError:
        raise InputError.single(label, "values are nested too deeply",
                                hint=f"a profile needs at most a few levels, not {MAX_DEPTH}+"
                                ) from None
    if node is None:
        raise InputError.single(label, "the file is empty", hint="run `rehab new ID` for a starter")
    if alias_marks and not allow_aliases:
        marks = alias_marks
        raise InputError([
            Problem(file=label, line=mark.line + 1, column=mark.column + 1,
                    message="YAML aliases (*name) are not allowed here",
                    hint="write the value out in full" + (
                        f"; {len(marks)} aliases in this file" if i == 0 and len(marks) > 1
                        else ""))
            for i, mark in enumerate(marks[:MAX_ALIAS_PROBLEMS])
        ])
    converter = _Converter(label)
    value = converter.convert(node, ())
    if converter.problems and not keep_going:
        raise InputError(converter.problems)
    return Document(label, value, converter.locations, tuple(converter.problems))


class _Converter:
    """Node tree -> Python values. Refuses duplicate keys, merge keys and deep nesting."""

    def __init__(self, label: str):
        self.label = label
        self.nodes = 0
        self.locations: dict[FieldPath, Location] = {}
        self.problems: list[Problem] = []
        self.too_deep = False
        self._constructor = yaml.constructor.SafeConstructor()

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
        if len(path) > MAX_DEPTH:
            if not self.too_deep:
                self.too_deep = True
                self._problem(node, path[:2], "values are nested too deeply")
            return None
        if self.nodes > MAX_NODES:
            if self.nodes == MAX_NODES + 1:
                self._problem(node, path, f"the document expands to more than {MAX_NODES:,} "
                              "values (too many aliases?)")
            return None
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
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
        if node.tag == STR_TAG:  # what the safe constructor makes of text, the most common value
            if not node.value.isascii() and _half_a_character(node.value):
                self._problem(node, path, "this text holds half a character (a \\u escape "
                              "such as \\ud800 that is one of a pair), which cannot be written",
                              hint="type the character itself, or its whole \\U0001F600 form")
                return None
            return node.value
        try:
            value = self._constructor.construct_object(node, deep=True)
        except ValueError as err:  # e.g. 2026-02-30: looks like a date, is not one
            if node.tag == "tag:yaml.org,2002:timestamp":
                self._problem(node, path, f"'{node.value}' is not a real calendar date",
                              hint="use YYYY-MM-DD")
            else:
                self._problem(node, path, f"'{node.value}' cannot be read: {err}")
            return None
        except yaml.constructor.ConstructorError:
            tag = node.tag.replace("tag:yaml.org,2002:", "!!")
            self._problem(node, path, f"'{node.value}' has the tag '{tag}', which is not allowed",
                          hint="write plain text, numbers or dates; quote text that starts "
                          "with a symbol")
            return None
        except yaml.YAMLError as err:
            self._problem(node, path, f"'{node.value}' cannot be read: {err}")
            return None
        if isinstance(value, dt.datetime):
            return value.date() if value.time() == dt.time() else value
        return value


def _half_a_character(text: str) -> bool:
    """A lone surrogate ("\\ud800" in double quotes): Python holds it, no file can."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False
