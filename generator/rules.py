"""The fields a protocol declares for a profile, and the rules it states over them.

A protocol names the facts a clinician records about the injury (`injury_fields:`) and
the history (`history.fields:`), with their type, allowed values and athlete-facing
label. Its referral and review rules are data over those fields:

    referral:
      - when: {line_percent: {at_least: 50}}
        reason: ...

`when` maps field names to tests; all of them must hold (or, for a review flag and a risk
score's points only, is `always`: true of every profile of the protocol). A test is a value
(equal to it), a list (one of them), or one of `{equals: x}`, `{one_of: [..]}`, `{at_least:
n}`, `{at_most: n}`, `{includes: x}` (a set field holds x), `{missing: true|false}`. A field
with no value never passes a test but `missing: true`. Everything is checked when the
protocol loads (generator/protocol.py).

A cumulative risk score (`risk_scores:`) is a table over the history fields: each item
scores the highest of its `points` whose `when` holds, the items add up, and the total falls
in one of the `bands` (from its `from` to the next band's), which may ask for review.
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
TESTS = ("equals", "one_of", "at_least", "at_most", "includes", "missing")
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
        if self.test == "includes":
            return self.value in value
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


@dataclass(frozen=True)
class RiskItem:
    """One row of a risk table: its points, each with the condition that gives them."""

    label: str  # e.g. "Low energy availability"
    levels: tuple[tuple[int, tuple[Condition, ...]], ...]  # (points, conditions); () = always

    @property
    def least(self) -> int:
        """The points every profile scores: the highest of those given `always`."""
        return max((points for points, conditions in self.levels if not conditions), default=0)

    def points(self, values: Mapping[str, Any]) -> int:
        """The highest points whose conditions all hold; 0 when none does."""
        return max((points for points, conditions in self.levels
                    if all(c.holds(values) for c in conditions)), default=0)


@dataclass(frozen=True)
class RiskBand:
    lowest: int  # the band holds totals from this up to the next band's lowest
    name: str  # a word for a table, e.g. "restricted"
    clearance: str  # what the band means, in the source's words
    review: bool = False  # a total in this band is a review flag for the clinician


@dataclass(frozen=True)
class RiskTable:
    """A cumulative risk score a protocol declares over the history fields."""

    id: str
    name: str  # short, as the clinician knows the tool
    title: str  # the tool and its source, for the clinician
    items: tuple[RiskItem, ...]
    bands: tuple[RiskBand, ...]  # from the lowest total up
    note: str = ""  # how the table reads the profile, for the clinician

    @property
    def least(self) -> int:
        """The lowest total any profile of the protocol can have."""
        return sum(item.least for item in self.items)

    def notice(self, total: int) -> str:
        """How the plan tells the clinician about a total: a review flag where its band asks
        for review; a reminder where every profile reaches that band (a flag raised for every
        athlete flags no one); nothing in a band that asks for none."""
        band = self.band(total)
        if not band.review:
            return ""
        return "reminder" if band.lowest <= self.least else "review_flag"

    def band(self, total: int) -> RiskBand:
        return [b for b in self.bands if b.lowest <= total][-1]

    def band_range(self, band: RiskBand) -> str:
        """'2-5', '6 or more'."""
        later = self.bands[self.bands.index(band) + 1:]
        high = later[0].lowest - 1 if later else None
        if high is None:
            return f"{band.lowest} or more"
        return str(band.lowest) if high == band.lowest else f"{band.lowest}-{high}"


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
RISK_SCHEMA = Field("section", fields={
    "id": Field("text", required=True, max_length=40),
    "name": Field("text", required=True, max_length=40, doc="the tool's short name"),
    "title": Field("text", required=True, max_length=200, doc="the tool and its source"),
    "note": Field("text", max_length=600, default="",
                  doc="how the table reads a profile, for the clinician"),
    "items": Field("list", required=True, min_items=1, items=Field("section", fields={
        "label": Field("text", required=True, max_length=80),
        "points": Field("list", required=True, min_items=1, items=Field("section", fields={
            "points": Field("int", required=True, minimum=1, maximum=100),
            "when": Field("any", required=True, doc="field tests, or `always`"),
        })),
    })),
    "bands": Field("list", required=True, min_items=1, items=Field("section", fields={
        "from": Field("int", required=True, minimum=0, maximum=10_000,
                      doc="the lowest total of the band"),
        "name": Field("text", required=True, max_length=40),
        "clearance": Field("text", required=True, max_length=200),
        "review": Field("bool", default=False, doc="a total in it flags the plan for review"),
    })),
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
        conditions = _when(doc, path + (i, "when"), entry["when"], fields, out, always)
        if conditions is not None:
            found.append(Rule(conditions, entry["reason"], entry["short"] or "",
                              entry["athlete"] or ""))
    return tuple(found)


def risk_tables(doc: Document, path: FieldPath, raw: list | None,
                fields: Mapping[str, FieldSpec], out: list[Problem]) -> tuple[RiskTable, ...]:
    """Cumulative risk tables over the history fields, each checked: known fields, bands
    from 0 up, each id once."""
    tables: list[RiskTable] = []
    for i, entry in enumerate(raw or ()):
        if entry is None:
            continue
        where = path + (i,)
        if entry["id"] in {t.id for t in tables}:
            out.append(doc.problem(where + ("id",), f"risk score id '{entry['id']}' is used "
                                   "twice"))
        items = []
        for j, item in enumerate(entry["items"]):
            levels = []
            for k, level in enumerate(item["points"] if item else ()):
                if level is None:
                    continue
                conditions = _when(doc, where + ("items", j, "points", k, "when"),
                                   level["when"], fields, out, always=True)
                if conditions is not None:
                    levels.append((level["points"], conditions))
            if item and levels:
                items.append(RiskItem(item["label"], tuple(levels)))
        bands = tuple(RiskBand(b["from"], b["name"], b["clearance"], b["review"])
                      for b in entry["bands"] if b)
        lowest = [b.lowest for b in bands]
        if lowest and (lowest[0] != 0 or lowest != sorted(set(lowest))):
            out.append(doc.problem(where + ("bands",), "bands must start from 0 and go up",
                                   hint="e.g. from: 0, then from: 2, then from: 6"))
        if items and bands:
            tables.append(RiskTable(entry["id"], entry["name"], entry["title"], tuple(items),
                                    bands, entry["note"] or ""))
    return tuple(tables)


def _when(doc: Document, where: FieldPath, when: Any, fields: Mapping[str, FieldSpec],
          out: list[Problem], always: bool) -> tuple[Condition, ...] | None:
    """A `when:` as conditions (all must hold; none: `always`), or None if it is wrong."""
    if when == "always" and always:
        return ()
    if not isinstance(when, dict):
        out.append(doc.problem(where, f"expected field tests, got {when!r}",
                               hint="e.g. when: {field: value}" + (
                                   ", or when: always" if always else "")))
        return None
    if not when:
        out.append(doc.problem(where, "needs at least one field to test"))
    conditions = []
    for name, test in when.items():
        spec = fields.get(name)
        if spec is None:
            close = difflib.get_close_matches(str(name), list(fields), n=1)
            out.append(doc.problem(where + (name,), f"unknown field '{name}'", hint=(
                f"did you mean '{close[0]}'?" if close else
                "declared fields: " + ", ".join(fields))))
            continue
        condition = _condition(doc, where + (name,), spec, test, out)
        if condition:
            conditions.append(condition)
    return tuple(conditions)


def _condition(doc: Document, where: FieldPath, spec: FieldSpec, test: Any,
               out: list[Problem]) -> Condition | None:
    if isinstance(test, dict):
        if len(test) != 1 or next(iter(test)) not in TESTS:
            out.append(doc.problem(where, "expected one test", hint="one of: " + ", ".join(TESTS)))
            return None
        name, value = next(iter(test.items()))
    else:  # a plain value: equal to it (a set field: holds it); a list: one of them
        name = "one_of" if isinstance(test, list) else (
            "includes" if spec.type == "set" else "equals")
        value = test
    bad = None
    if name == "missing" and not isinstance(value, bool):
        bad = "missing takes true or false"
    elif name in ("at_least", "at_most") and spec.type not in _NUMERIC:
        bad = f"{name} compares numbers; '{spec.name}' is {spec.type}"
    elif name in ("at_least", "at_most") and not _fits(spec, value, bounds=False):
        bad = f"{value!r} is not a number"
    elif name == "includes" and spec.type != "set":
        bad = f"includes tests a set field; '{spec.name}' is {spec.type}"
    elif name == "includes" and value not in spec.values:
        bad = f"{value!r} is not a value of '{spec.name}' ({spec.expected()})"
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
