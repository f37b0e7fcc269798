"""`rehab record`: one visit's event appended to an athlete's profile.

The profile with the event is checked exactly as `rehab build` checks a profile (build.py's
plan_athlete: the loader, every schema rule and the scheduler), before anything is written.
The event's fields are whatever the command line gave: which fields an event may have, and
what they mean, is the profile schema's business only.

The event is added as text, in the style of the list it joins (a `- {date: ..., event: ...}`
line, or a block item), after the list's last item: every other byte of the file, its
comments and layout, stays as it was. The result is read back and must hold exactly the old
values plus the event, or nothing is written.
"""

from __future__ import annotations

import dataclasses
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from generator.build import plan_athlete
from generator.config import Settings
from generator.errors import InputError, Problem
from generator.load import Inputs, check_profile_path
from generator.plan import Note, Plan, Referral
from generator.profile import profile_path
from generator.yamlsource import parse, read_text

KEY = "progress"


@dataclass(frozen=True)
class Recorded:
    path: Path
    event: dict[str, Any]
    # the plan's notes for the clinician that this event brought (`check` lists them all)
    warnings: tuple[Note, ...] = ()
    referral: tuple[str, ...] = ()  # the profile needs referral (it did before the event too)

    @property
    def event_text(self) -> str:
        return _flow(self.event)


def record_event(settings: Settings, athlete: str, event: dict[str, Any]) -> Recorded:
    """Append event to plans/<athlete>.yaml if the profile with it builds; InputError if not,
    and then the file is untouched."""
    path = profile_path(settings.plans, athlete)
    check_profile_path(path, settings.plans)
    label = str(path)
    text = read_text(path, label)
    old = parse(text, label)  # a file that does not read is reported as it is
    updated = with_event(text, old.value, event, label)
    try:
        outcome, before = _check(settings, path, updated, text)
    except InputError as err:
        line = text[:_common_prefix(text, updated)].count("\n") + 1
        raise InputError([*err.problems, Problem(
            file=label, message="nothing recorded: the file is as it was",
            hint=f"line {line} is where the event would have gone")]) from None
    _replace(path, text, updated)
    if isinstance(outcome, Referral):
        return Recorded(path, event, referral=outcome.reasons)
    return Recorded(path, event, warnings=tuple(n for n in outcome.to_review
                                                if n.id not in before))


def with_event(text: str, values: Any, event: dict[str, Any], label: str) -> str:
    """The profile's text with event appended to its progress list."""
    if not isinstance(values, dict):
        raise InputError.single(label, "a profile must be a set of fields (key: value lines)")
    updated = _insert(text, event, label)
    expected = {**values, KEY: [*(values.get(KEY) or []), event]}
    try:
        if parse(updated, label).value == expected:
            return updated
    except InputError:
        pass
    raise InputError.single(label, "the event cannot be added without changing the rest of "
                            "the file", hint=f"add it to `{KEY}:` by hand, then `rehab check`")


def _insert(text: str, event: dict[str, Any], label: str) -> str:
    newline = "\r\n" if "\r\n" in text else "\n"
    root = yaml.compose(text, Loader=yaml.SafeLoader)  # parse() has read it safely already
    if not isinstance(root, yaml.MappingNode) or root.flow_style:
        raise InputError.single(label, "the event cannot be added to a profile written as "
                                "one {...} mapping", hint=f"add it to `{KEY}:` by hand")
    found = [(k, v) for k, v in root.value if isinstance(k, yaml.ScalarNode) and k.value == KEY]
    if not found:  # the first event: a new list under the starter's example, or at the end
        at = _after_example(text)
        if at is not None:
            return f"{text[:at]}{KEY}:{newline}  - {_flow(event)}{newline}{text[at:]}"
        ending = "" if not text or text.endswith("\n") else newline
        return f"{text}{ending}{KEY}:{newline}  - {_flow(event)}{newline}"
    key, items = found[0]
    if isinstance(items, yaml.SequenceNode) and items.flow_style:  # progress: [..., ...]
        close = items.end_mark.index - 1
        comma = ", " if items.value else ""
        return f"{text[:close]}{comma}{_flow(event)}{text[close:]}"
    if isinstance(items, yaml.SequenceNode) and items.value:  # a block list: after its last item
        last = items.value[-1]
        at = _line_end(text, _end(last).index)
        dash = " " * items.start_mark.column
        if isinstance(last, yaml.MappingNode) and not last.flow_style:
            inner = " " * last.start_mark.column  # where the item's keys start, as above
            lines = _block(event).splitlines()
            item = f"{dash}-{inner[len(dash) + 1:]}{lines[0]}{newline}" + "".join(
                f"{inner}{line}{newline}" for line in lines[1:])
        else:
            item = f"{dash}- {_flow(event)}{newline}"
        return text[:at] + item + text[at:]
    if isinstance(items, yaml.ScalarNode) and items.tag == "tag:yaml.org,2002:null":
        # `progress:` with nothing (or ~, null) after it: the list starts on the next line
        text = text[:items.start_mark.index] + text[items.end_mark.index:]
        at = _line_end(text, key.end_mark.index)
        indent = " " * (key.start_mark.column + 2)
        return f"{text[:at]}{indent}- {_flow(event)}{newline}{text[at:]}"
    raise InputError.single(label, "is not a list of events, so no event can be added to it",
                            field=KEY, line=items.start_mark.line + 1,
                            column=items.start_mark.column + 1,
                            hint="write it as `- {date: ..., event: ...}` lines")


EXAMPLE = re.compile(rf"^#[ \t]*{KEY}:[ \t]*\r?$", re.MULTILINE)  # `# progress:`
EXAMPLE_ITEM = re.compile(r"#[ \t]*-[ \t]|#[ \t]{2,}\S")  # `#   - {date: ...}`, indented


def _after_example(text: str) -> int | None:
    """The end of a commented-out `# progress:` example at the top level (the starter's),
    with its commented items: the new list goes right under it. None when there is none."""
    match = EXAMPLE.search(text)
    if match is None:
        return None
    at = _line_end(text, match.end())
    while at < len(text) and EXAMPLE_ITEM.match(text, at):
        at = _line_end(text, at + 1)
    if at == len(text) and not text.endswith("\n"):
        return None  # the example ends the file: the list goes at the end, as without one
    return at


def _common_prefix(one: str, other: str) -> int:
    return len(os.path.commonprefix([one, other]))


def _end(node: yaml.Node) -> yaml.Mark:
    """Where a node's last value ends (a block mapping's own end mark lies past any comments
    after it, so the last value's end is taken instead)."""
    while isinstance(node, yaml.MappingNode | yaml.SequenceNode) and not node.flow_style \
            and node.value:
        node = node.value[-1][1] if isinstance(node, yaml.MappingNode) else node.value[-1]
    return node.end_mark


def _line_end(text: str, index: int) -> int:
    """The start of the line after the one holding index (index itself if a line starts
    there): a comment after the last item stays on its line."""
    if index == 0 or text[index - 1] == "\n":
        return index
    end = text.find("\n", index)
    return len(text) if end < 0 else end + 1


def _dump(value: Any, flow: bool) -> str:
    return yaml.safe_dump(value, default_flow_style=flow, sort_keys=False, allow_unicode=True,
                          width=float("inf")).rstrip("\n")


def _flow(event: dict[str, Any]) -> str:
    return _dump(event, flow=True)


def _block(event: dict[str, Any]) -> str:
    return _dump(event, flow=False)


def _check(settings: Settings, path: Path, text: str, before: str):
    """The plan (or referral) a build would make of the profile written as text, and the ids
    of the notes its plan had before (as `before`, the file's text; none if it did not
    build); InputError naming the real file if the new text would fail."""
    with tempfile.TemporaryDirectory(prefix="rehab-record-") as scratch:
        candidate = Path(scratch) / path.name
        inputs = Inputs(dataclasses.replace(settings, plans=Path(scratch)))
        candidate.write_text(before, encoding="utf-8")
        try:
            earlier = plan_athlete(candidate, inputs, for_clinic=True)[1]
            known = {n.id for n in earlier.notes} if isinstance(earlier, Plan) else set()
        except InputError:
            known = set()
        candidate.write_text(text, encoding="utf-8")
        try:
            _, outcome = plan_athlete(candidate, inputs, for_clinic=True)
        except InputError as err:
            raise InputError(_relabel(err.problems, candidate, path)) from None
    if isinstance(outcome, Referral) and outcome.problems:
        raise InputError(_relabel(outcome.problems, candidate, path))
    return outcome, known


def _relabel(problems: tuple[Problem, ...], scratch: Path, real: Path) -> list[Problem]:
    return [dataclasses.replace(p, file=str(real)) if p.file == str(scratch) else p
            for p in problems]


def _replace(path: Path, before: str, text: str) -> None:
    """Write text over the profile in one step (a reader sees the old file or the new one),
    unless the file changed since it was read."""
    target = path.resolve()
    if read_text(target, str(path)) != before:
        raise InputError.single(str(path), "changed while the event was being checked; "
                                "nothing recorded", hint="run the command again")
    fd, temp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, target.stat().st_mode & 0o7777)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
