"""What a clinic needs to choose a protocol and start a profile for it, from the protocol's
own declarations: `rehab protocols` lists them, `rehab new --protocol` writes a starter.

Pure: protocols in, text or plain data out. Every word about an injury comes from the
protocol's content (its title, field labels, values and rules); nothing here names one.
"""

from __future__ import annotations

from typing import Any

from generator.progress import NUMBERED, event_name, vocabulary
from generator.protocol import Protocol
from generator.rules import Condition, FieldSpec, Rule

_TESTS = {"equals": "is", "one_of": "is one of", "at_least": "at least", "at_most": "at most"}


def describe(protocol: Protocol) -> dict[str, Any]:
    """A protocol as plain data: what a profile records, and when it gets no plan."""
    return {
        "id": protocol.id,
        "title": protocol.title,
        "severity": list(protocol.severity_levels),
        "injury_fields": {name: _field(spec) for name, spec in protocol.injury_fields.items()},
        "history_fields": {name: _field(spec) for name, spec in protocol.history_fields.items()},
        "referral": [_when(rule) for rule in protocol.referral],
        "review_flags": [_when(rule) or "always" for rule in protocol.review_flags],
        "events": {name: list(numbers) for name, numbers in vocabulary(protocol).items()},
    }


def listing(protocols: dict[str, Protocol]) -> str:
    """`rehab protocols`: each protocol, its injury fields with their values, and its rules."""
    out: list[str] = []
    for protocol in (protocols[key] for key in sorted(protocols)):
        about = describe(protocol)
        out += [f"{protocol.id}  {protocol.title}",
                f"  severity: {' | '.join(about['severity'])} (or give a field that sets it)",
                "  injury fields (injury:, besides protocol, side, diagnosed, severity):"]
        width = max((len(name) for name in about["injury_fields"]), default=0)
        for name, spec in protocol.injury_fields.items():
            out.append(f"    {name:<{width}}  {values_text(spec)}  {spec.label}"
                       + (f"; sets the severity: {_severity_text(spec)}" if spec.severity else ""))
        out.append("  history fields (history:): " + "; ".join(
            f"{name} {values_text(spec)}" for name, spec in protocol.history_fields.items()))
        out.append("  events (progress:, rehab record): " + ", ".join(
            name + (f" {numbers[0]}-{numbers[-1]}" if numbers else "")
            for name, numbers in about["events"].items()))
        if about["referral"]:
            out.append("  no plan, a referral, when: " + "; ".join(about["referral"]))
        flags = [w for w in about["review_flags"] if w != "always"]
        if flags:
            out.append("  flagged for the clinician when: " + "; ".join(flags))
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def values_text(spec: FieldSpec) -> str:
    """The values a field takes, as a profile writes them: 'head | neck | shaft', '1-4'."""
    required = "required: " if spec.required else ""
    if spec.type in ("choice", "set"):
        words = " | ".join(map(str, spec.values)) if spec.type == "choice" else (
            "[" + ", ".join(map(str, spec.values)) + "]")
        return required + words
    if spec.type == "bool":
        return required + "true | false" + (f" (default {str(spec.default).lower()})"
                                              if spec.default is not None else "")
    if spec.range:
        low, high = (int(x) if float(x).is_integer() else x for x in spec.range)
        return f"{required}{low}-{high}"
    return required + ("a whole number" if spec.type == "int" else "a number")


def _field(spec: FieldSpec) -> dict[str, Any]:
    return {
        "type": spec.type, "label": spec.label, "required": spec.required,
        **({"values": {str(k): v for k, v in spec.values.items()}} if spec.values else {}),
        **({"range": list(spec.range)} if spec.range else {}),
        **({"default": spec.default} if spec.default not in (None, [], ()) else {}),
        **({"severity": {str(k): v for k, v in spec.severity.items()}} if spec.severity
           else {}),
    }


def _severity_text(spec: FieldSpec) -> str:
    """'1-2 mild, 3 moderate, 4 severe': consecutive values of one level joined."""
    runs: list[tuple[Any, Any, str]] = []
    for value, level in spec.severity.items():
        if runs and runs[-1][2] == level:
            runs[-1] = (runs[-1][0], value, level)
        else:
            runs.append((value, value, level))
    return ", ".join(f"{a}{'' if a == b else f'-{b}'} {level}" for a, b, level in runs)


def _when(rule: Rule) -> str:
    """A rule's condition in words: 'region is base and grade is 4'."""
    return " and ".join(_condition(c) for c in rule.conditions)


def _condition(condition: Condition) -> str:
    if condition.test == "missing":
        return f"{condition.field} {'not ' if condition.value else ''}recorded"
    value = condition.value
    if isinstance(value, bool):
        value = str(value).lower()
    elif isinstance(value, list | tuple):
        value = " or ".join(map(str, value))
    return f"{condition.field} {_TESTS[condition.test]} {value}"


def starter_sections(protocol: Protocol, diagnosed: str) -> tuple[str, str]:
    """The `injury:` and `history:` sections of a starter profile for this protocol, every
    field commented with its values and what its rules do; the fields it must have are
    written, the others commented out. Required fields with no safe value are left blank, so
    `rehab check` names them until the clinician fills them in."""
    marks = _value_marks(protocol)
    setters = [(name, spec) for name, spec in protocol.injury_fields.items() if spec.severity]
    middle = _middle(protocol)
    lines = ["injury:", f"  protocol: {protocol.id}",
             _line("side:", "left | right: the injured leg (required: fill it in)"),
             _line(f"diagnosed: {diagnosed}", "YYYY-MM-DD: week 1 of the plan starts on this day"),
             _line(f"severity: {middle}",
                   " | ".join(protocol.severity_levels) + (" ..." if setters else ""))]
    for name, spec in setters:
        example = next((v for v, level in spec.severity.items() if level == middle),
                       next(iter(spec.severity)))
        lines.append(_line(f"# {name}: {example}",
                           f"... or the {spec.label} {values_text(spec)} "
                           f"({_severity_text(spec)})"))
    for name, spec in protocol.injury_fields.items():
        if spec.severity:
            continue
        words = _described(spec, marks.get(name, {}))
        if spec.required:
            flagged = [v for v in spec.values if marks.get(name, {}).get(v) == "flagged"]
            value = ("unknown" if "unknown" in flagged else next(iter(flagged), "")
                     ) if spec.type == "choice" else ""
            lines.append(_line(f"{name}: {value}".rstrip(), f"{spec.label}: {words}"
                               + ("" if value else " (required: fill it in)")))
        else:
            example = str(spec.default).lower() if isinstance(spec.default, bool) else (
                next(iter(spec.values)) if spec.values else
                (int(spec.range[0]) if spec.range else ""))
            lines.append(_line(f"# {name}: {example}", f"{spec.label}: {words}"))
    joint = [_when(rule) for rule in protocol.referral if len(rule.conditions) > 1]
    if joint:
        lines.append(f"  # no plan, a referral, when: {'; '.join(joint)}")
    history = ["history:"]
    for name, spec in protocol.history_fields.items():
        if spec.type == "set":
            history.append(_line(f"{name}: []", f"{spec.label}: " + ", ".join(spec.values)))
        else:
            default = spec.default if spec.default is not None else 0
            history.append(_line(f"{name}: {default}", f"{spec.label}: {values_text(spec)}"))
    return "\n".join(lines) + "\n", "\n".join(history) + "\n"


def _middle(protocol: Protocol) -> str:
    """The severity level in the middle: the starter's example."""
    return protocol.severity_levels[len(protocol.severity_levels) // 2]


def _line(text: str, comment: str) -> str:
    return f"  {text:<30}  # {comment}"


def _value_marks(protocol: Protocol) -> dict[str, dict[Any, str]]:
    """For each field, the values that alone give a referral ('referral') or a flag."""
    marks: dict[str, dict[Any, str]] = {}
    for kind, rules in (("flagged", protocol.review_flags), ("referral", protocol.referral)):
        for rule in rules:
            if len(rule.conditions) == 1 and rule.conditions[0].test == "equals":
                condition = rule.conditions[0]
                marks.setdefault(condition.field, {})[condition.value] = kind
    return marks


def _described(spec: FieldSpec, marks: dict[Any, str]) -> str:
    """A field's values with what each does: 'a | b (no plan, a referral)'."""
    if spec.type == "choice":
        return " | ".join(f"{value}" + (f" ({_MARK[marks[value]]})" if value in marks else "")
                          for value in spec.values)
    if spec.type == "bool" and True in marks:
        return f"true | false (true: {_MARK[marks[True]]})"
    return values_text(spec).removeprefix("required: ")


_MARK = {"referral": "no plan, a referral", "flagged": "flagged for you"}


def starter_comments(protocol: Protocol) -> tuple[list[str], list[str]]:
    """The starter's commented examples of `progress:` and `overrides:`, in this protocol's
    own events and steps."""
    events: list[str] = []
    for position, phase in enumerate(protocol.phases):
        name = event_name(phase, position, 1 if phase.kind == "walk_run" else None)
        if not name or len(events) == 3:
            continue
        event, _, number = name.partition(" ")
        field = NUMBERED.get(event)
        events.append(f"#   - {{date: YYYY-MM-DD, event: {event}"
                      + (f", {field}: {number}" if field else "") + "}")
        if event == "strength_stage":
            break
    progress = ["# progress:", *events,
                '#   - {date: YYYY-MM-DD, event: setback, note: "what happened"}',
                "#   - {date: YYYY-MM-DD, event: pause, until: YYYY-MM-DD, note: flu}"
                "   # until = first day back"]
    first = protocol.phases[0]
    overrides = ["# overrides:"]
    if first.override_key and first.limits:
        overrides.append(f"#   {first.override_key}: {first.limits[_middle(protocol)][1]}")
    if any(p.strength_stage for p in protocol.phases if p.kind == "fixed"):
        overrides.append("#   weeks_per_strength_stage: 2")
    return progress, overrides
