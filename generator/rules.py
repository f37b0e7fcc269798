"""The fields a protocol declares for a profile, and the rules it states over them.

A protocol names the facts a clinician records about the injury (`injury_fields:`) and
the history (`history.fields:`), with their type, allowed values and athlete-facing
label. Its referral and review rules are data over those fields:

    referral:
      - when: {line_percent: {at_least: 50}}
        reason: ...

`when` maps field names to tests; all of them must hold (or, for a review flag only, is
`always`: true of every profile of the protocol). A test is a value (equal to
it), a list (one of them), or one of `{equals: x}`, `{one_of: [..]}`, `{at_least: n}`,
`{at_most: n}`, `{missing: true|false}`. A field with no value never passes a test but
`missing: true`. Everything is checked when the protocol loads (generator/protocol.py).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from generator.errors import Problem
from generator.schema import Field
from generator.yamlsource import Document, FieldPath

FIELD_TYPES = ("choice", "int", "number", "bool", "set")
TESTS = ("equals", "one_of", "at_least", "at_most", "missing")
_NUMERIC = ("int", "number")


@dataclass(frozen=True)
class FieldSpec:
    """One field a profile may carry, as the protocol declares it."""

    name: str
    type: str  # choice | int | number | bool | set (a list of distinct choices)
    label: str  # athlete-facing words, e.g. "MRI grade"
    required: bool = False
    default: Any = None
    values: Mapping[Any, str] = field(default_factory=dict)  # choice/set: value -> label
    range: tuple[float, float] | None = None  # int/number: lowest, highest
    severity: Mapping[Any, str] = field(default_factory=dict)  # value -> severity level
    show: bool = False  # shown to the athlete beside the severity (page, handout, plan.json)
    points: int = 0  # history: points per unit (per item of a set, per true)
    points_cap: int | None = None  # history: units counted at most

    def schema(self) -> Field:
        """How a profile's value is validated."""
        low, high = self.range or (None, None)
        if self.type == "set":
            return Field("list", unique=True, default=self.default or [],
                         items=Field("choice", choices=tuple(self.values)))
        if self.type == "choice":
            return Field("choice", required=self.required, default=self.default,
                         choices=tuple(self.values))
        return Field(self.type, required=self.required, default=self.default, minimum=low,
                     maximum=high, doc=self.label)

    def history_points(self, value: Any) -> int:
        if value is None or not self.points:
            return 0
        units = len(value) if self.type == "set" else int(value)
        if self.points_cap is not None:
            units = min(units, self.points_cap)
        return units * self.points

    def expected(self) -> str:
        if self.values:
            return "one of " + ", ".join(map(str, self.values))
        if self.range:
            return f"{_num(self.range[0])}-{_num(self.range[1])}"
        return {"bool": "true or false", "int": "a whole number"}.get(self.type, "a number")


@dataclass(frozen=True)
class Condition:
    field: str
    test: str  # one of TESTS
    value: Any

    def holds(self, values: Mapping[str, Any]) -> bool:
        value = values.get(self.field)
        if self.test == "missing":
            return (value is None) == bool(self.value)
        if value is None:
            return False
        if self.test == "equals":
            return value == self.value
        if self.test == "one_of":
            return value in self.value
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        return value >= self.value if self.test == "at_least" else value <= self.value


@dataclass(frozen=True)
class Rule:
    """A condition over a profile's fields, and what it means when it holds."""

    conditions: tuple[Condition, ...]
    reason: str  # the clinician-facing explanation
    short: str = ""  # a few words for `rehab status`, e.g. "pain at rest"
    athlete: str = ""  # what it changes for the athlete, in plain words (review flags)

    def matches(self, values: Mapping[str, Any]) -> bool:
        return all(c.holds(values) for c in self.conditions)


def matching(rules: tuple[Rule, ...], values: Mapping[str, Any]) -> tuple[Rule, ...]:
    return tuple(rule for rule in rules if rule.matches(values))


# --- reading the declarations ----------------------------------------------------------

FIELD_SCHEMA = Field("section", fields={
    "type": Field("choice", required=True, choices=FIELD_TYPES),
    "label": Field("text", required=True, max_length=80),
    "required": Field("bool", default=False),
    "default": Field("any"),
    "values": Field("any", doc="a list of values, or a map of value: label"),
    "range": Field("list", min_items=2, items=Field("number")),
    "severity": Field("map", items=Field("text")),
    "show": Field("bool", default=False),
    "points": Field("int", default=0, minimum=0, maximum=20),
    "points_cap": Field("int", minimum=0, maximum=100),
})
RULE_SCHEMA = Field("section", fields={
    "when": Field("any", required=True, doc="field tests, or `always` (review flags)"),
    "reason": Field("text", required=True),
    "short": Field("text", max_length=40, default=""),
    "athlete": Field("text", max_length=400, default="",
                     doc="what the flag changes for the athlete, in plain words"),
})


def field_specs(doc: Document, path: FieldPath, raw: dict | None, severity_levels: list,
                out: list[Problem]) -> dict[str, FieldSpec]:
    """Declared fields, each checked: values fit the type, severity maps onto known levels."""
    specs: dict[str, FieldSpec] = {}
    for name, entry in (raw or {}).items():
        where = path + (name,)
        if entry is None:
            continue  # the schema reported it
        kind = entry["type"]
        values = entry["values"]
        if isinstance(values, list):
            values = {v: str(v) for v in values}
        if kind in ("choice", "set"):
            if not isinstance(values, dict) or not values:
                out.append(doc.problem(where + ("values",), f"a {kind} field needs its values",
                                       hint="a list, or a map of value: label"))
                continue
        elif values is not None:
            out.append(doc.problem(where + ("values",), f"only choice and set fields have "
                                   f"values; this one is {kind}"))
        rng = entry["range"] or None  # an absent list validates to []
        if rng is not None and kind not in _NUMERIC:
            out.append(doc.problem(where + ("range",), f"only int and number fields have a "
                                   f"range; this one is {kind}"))
        if rng is not None and (len(rng) != 2 or rng[0] > rng[1]):
            out.append(doc.problem(where + ("range",), "expected [lowest, highest]"))
            rng = None
        spec = FieldSpec(
            name=name, type=kind, label=entry["label"], required=entry["required"],
            default=entry["default"], values=values or {},
            range=(rng[0], rng[1]) if rng else None,
            severity={}, show=entry["show"], points=entry["points"],
            points_cap=entry["points_cap"])
        if entry["default"] is not None and not _fits(spec, entry["default"]):
            out.append(doc.problem(where + ("default",), f"{entry['default']!r} is not "
                                   f"{spec.expected()}"))
        severity = {}
        for key, level in (entry["severity"] or {}).items():
            value = _coerce(spec, key)
            if not _fits(spec, value):
                out.append(doc.problem(where + ("severity", key), f"{key!r} is not a value of "
                                       f"this field ({spec.expected()})"))
            elif level not in severity_levels:
                out.append(doc.problem(where + ("severity", key), f"'{level}' is not one of the "
                                       "severity levels: " + ", ".join(severity_levels)))
            else:
                severity[value] = level
        specs[name] = FieldSpec(**{**spec.__dict__, "severity": severity})
    return specs


def rules(doc: Document, path: FieldPath, raw: list | None, fields: Mapping[str, FieldSpec],
          out: list[Problem], always: bool = False) -> tuple[Rule, ...]:
    """Rules over declared fields; a rule naming an unknown field is an error at its line.
    `always` lets a rule hold for every profile (`when: always`), for review flags."""
    found = []
    for i, entry in enumerate(raw or ()):
        if entry is None:
            continue
        conditions = []
        when = entry["when"]
        if when == "always" and always:
            found.append(Rule((), entry["reason"], entry["short"] or "", entry["athlete"] or ""))
            continue
        if not isinstance(when, dict):
            out.append(doc.problem(path + (i, "when"), f"expected field tests, got {when!r}",
                                   hint="e.g. when: {field: value}" + (
                                       ", or when: always" if always else "")))
            continue
        for name, test in when.items():
            where = path + (i, "when", name)
            spec = fields.get(name)
            if spec is None:
                close = difflib.get_close_matches(str(name), list(fields), n=1)
                out.append(doc.problem(where, f"unknown field '{name}'", hint=(
                    f"did you mean '{close[0]}'?" if close else
                    "declared fields: " + ", ".join(fields))))
                continue
            condition = _condition(doc, where, spec, test, out)
            if condition:
                conditions.append(condition)
        if not entry["when"]:
            out.append(doc.problem(path + (i, "when"), "needs at least one field to test"))
        found.append(Rule(tuple(conditions), entry["reason"], entry["short"] or "",
                          entry["athlete"] or ""))
    return tuple(found)


def _condition(doc: Document, where: FieldPath, spec: FieldSpec, test: Any,
               out: list[Problem]) -> Condition | None:
    if isinstance(test, dict):
        if len(test) != 1 or next(iter(test)) not in TESTS:
            out.append(doc.problem(where, "expected one test", hint="one of: " + ", ".join(TESTS)))
            return None
        name, value = next(iter(test.items()))
    else:
        name, value = ("one_of" if isinstance(test, list) else "equals"), test
    bad = None
    if name == "missing" and not isinstance(value, bool):
        bad = "missing takes true or false"
    elif name in ("at_least", "at_most") and spec.type not in _NUMERIC:
        bad = f"{name} compares numbers; '{spec.name}' is {spec.type}"
    elif name in ("at_least", "at_most") and not _fits(spec, value, bounds=False):
        bad = f"{value!r} is not a number"
    elif name in ("equals", "one_of"):
        candidates = value if name == "one_of" else [value]
        if not isinstance(candidates, list) or not candidates:
            bad = "one_of takes a list of values"
        else:
            wrong = [v for v in candidates if not _fits(spec, v)]
            if wrong:
                bad = f"{wrong[0]!r} is not a value of '{spec.name}' ({spec.expected()})"
            value = tuple(candidates) if name == "one_of" else value
    if bad:
        out.append(doc.problem(where, bad))
        return None
    return Condition(spec.name, name, value)


def _coerce(spec: FieldSpec, key: Any) -> Any:
    """Map keys arrive as YAML wrote them: `4:` is an int, `'4':` a string."""
    if spec.type in _NUMERIC and isinstance(key, str):
        try:
            return int(key)
        except ValueError:
            return key
    return key


def _fits(spec: FieldSpec, value: Any, bounds: bool = True) -> bool:
    if spec.type in ("choice", "set"):
        return value in spec.values
    if spec.type == "bool":
        return isinstance(value, bool)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    if spec.type == "int" and not isinstance(value, int):
        return False
    if bounds and spec.range:
        return spec.range[0] <= value <= spec.range[1]
    return True


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)
