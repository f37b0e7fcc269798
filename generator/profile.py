"""plans/<id>.yaml -> a validated, typed Profile. Every problem in the file is reported at once."""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from generator.errors import InputError, Problem
from generator.i18n import languages
from generator.progress import NUMBERED, PAUSE, ProgressEvent, vocabulary
from generator.protocol import Protocol
from generator.rules import matching
from generator.schema import Field, validate
from generator.yamlsource import PROFILE_MAX_NODES, Document, load

ID_PATTERN = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?")

_text = Field("text", max_length=200)
# The injury fields every protocol has; a protocol declares the rest (injury_fields:).
_INJURY = {
    "protocol": Field("text", required=True, doc="the protocol's id"),
    "side": Field("choice", required=True, choices=("left", "right")),
    "diagnosed": Field("date", required=True, doc="the day the plan's clock starts"),
    "severity": Field("text", max_length=40),
}
PROFILE_FIELDS = {
    "name": Field("text", required=True, max_length=120, doc="the athlete's name"),
    "injury": Field("section", required=True, fields=_INJURY),
    "history": Field("section", fields={}),
    "goal": Field("section", fields={
        # its limits are the protocol's hard_limits.goal, checked below
        "weekly_running_minutes": Field("int", minimum=1),
    }),
    "clinician": Field("section", fields={
        "name": _text, "clinic": _text, "phone": Field("text", max_length=40),
        "email": Field("text", max_length=120),
    }),
    "notes": Field("text", max_length=20_000, doc="Markdown for the athlete"),
    # the clinic's own: `rehab status`, `check` and the build report show it; never the
    # athlete's page, handout, calendar or plan.json
    "clinician_notes": Field("text", max_length=20_000, doc="for the clinic only"),
    # at most 500 events (a visit a week for nearly ten years)
    "progress": Field("list", max_items=500, items=Field("section", required=True, fields={
        "date": Field("date", required=True, doc="the day it happened"),
        "event": Field("text", required=True, max_length=40,
                       doc="e.g. partial_weight_bearing, strength_stage, setback, pause"),
        "stage": Field("int", minimum=1, maximum=20),
        "step": Field("int", minimum=1, maximum=50),
        "until": Field("date", doc="a pause's first day back"),
        "pain": Field("int", minimum=0, maximum=10, doc="the pain reported, 0-10"),
        "note": Field("text", max_length=1000),
    })),
    # keys depend on the protocol's phases (checked in load_profile)
    "overrides": Field("map", max_items=50, items=Field("int", minimum=0, maximum=2000)),
    "paper": Field("choice", choices=("a4", "letter"), doc="the handout's paper size"),
    # the athlete's language: a language with a catalogue (generator/locale/); default
    # rehab.yaml's `language:`
    "language": Field("choice", choices=languages(), doc="the language of the athlete's "
                      "page, handout and calendar"),
    # ids of the plan's notes for the clinician that they have read: no command repeats them
    "reviewed": Field("list", max_items=200, unique=True, items=Field(
        "text", required=True, max_length=120, doc="a note's id, as `rehab check` prints it")),
}


def profile_schema(protocol: Protocol | None, known: tuple[str, ...] = ()) -> Field:
    """The profile's schema with the protocol's own injury and history fields.

    Without a known protocol, the injury and history sections accept any other key: the
    unknown protocol is the one problem worth reporting there.
    """
    fields = dict(_INJURY)
    if known:
        fields["protocol"] = Field("text", required=True, doc="known: " + ", ".join(known))
    if protocol is None:
        injury = Field("section", required=True, fields=fields, open=True)
        history = Field("section", open=True)
    else:
        injury = Field("section", required=True, fields={
            **fields, **{n: f.schema() for n, f in protocol.injury_fields.items()}})
        history = Field("section", fields={
            n: f.schema() for n, f in protocol.history_fields.items()})
    return Field("section", fields={**PROFILE_FIELDS, "injury": injury, "history": history})


@dataclass(frozen=True)
class Clinician:
    name: str = ""
    clinic: str = ""
    phone: str = ""
    email: str = ""


@dataclass(frozen=True)
class Profile:
    id: str
    name: str
    protocol: str
    side: str
    diagnosed: dt.date
    severity: str  # resolved: stated, or from an injury field that maps onto severity
    severity_stated: str | None
    injury: dict[str, Any]  # the protocol's injury fields (defaults filled in, None if unset)
    history: dict[str, Any]  # the protocol's history fields (defaults filled in)
    goal_weekly_minutes: int | None
    clinician: Clinician
    notes: str  # Markdown, typed by the clinician, for the athlete
    progress: tuple[ProgressEvent, ...] = ()  # in date order
    overrides: dict[str, int] = field(default_factory=dict)  # the clinician's lengths and goal
    source: str = ""  # the file it was read from, for errors found while scheduling
    paper: str | None = None  # a4 | letter; None: the build's --paper
    language: str | None = None  # the athlete's language; None: rehab.yaml's `language:`
    clinician_notes: str = ""  # the clinic's own notes: no renderer ever shows them
    reviewed: frozenset[str] = frozenset()  # ids of the plan's notes the clinician has read


def is_athlete_id(text: str) -> bool:
    """The one rule for ids: lowercase letters, digits and hyphens, the whole string."""
    return ID_PATTERN.fullmatch(text) is not None


ID_HINT = "lowercase letters, digits and hyphens, e.g. jordan-lee"


def profile_id(path: Path) -> str:
    return path.stem


def check_id(path: Path) -> None:
    if not is_athlete_id(path.stem):
        raise InputError.single(str(path), f"'{path.stem}' is not a valid athlete id",
                                hint=f"file names are {ID_HINT}.yaml")


def profile_path(plans_dir: Path, athlete: str) -> Path:
    """plans/<athlete>.yaml for an id typed on the command line; '../x' or '/etc/x' never."""
    if not is_athlete_id(athlete):
        raise InputError.single(athlete, "is not a valid athlete id", hint=f"ids are {ID_HINT}")
    return plans_dir / f"{athlete}.yaml"


def check_inside(path: Path, plans_dir: Path) -> None:
    """A profile must really live in plans/: a symlink to a file elsewhere is refused."""
    if path.parent == plans_dir and not path.is_symlink():
        return  # a file of the folder itself: inside it wherever the folder really is
    if not path.resolve().is_relative_to(plans_dir.resolve()):
        raise InputError.single(
            str(path), "is a link to a file outside the plans folder; not read",
            hint="copy the profile into the plans folder instead of linking to it",
        )


def load_profile(path: Path, protocols: dict[str, Protocol], today: dt.date,
                 starter: Mapping[tuple[str, ...], str] | None = None) -> Profile:
    """Read and validate one profile; raises InputError listing every problem in it.

    starter: the starter profile's example text by field (`rehab new`), which a profile
    must not still hold: an unedited starter never reaches an athlete.
    """
    check_id(path)
    doc = load(path, max_nodes=PROFILE_MAX_NODES, keep_going=True)
    if not isinstance(doc.value, dict):
        raise InputError([*doc.problems, doc.problem(
            (), "a profile must be a set of fields (key: value lines)",
            hint="run `rehab new ID` for a commented starter")])
    given = doc.value.get("injury")
    name = given.get("protocol") if isinstance(given, dict) else None
    protocol = protocols.get(name) if isinstance(name, str) else None
    known = tuple(protocols)
    schema = protocol.derive(("profile schema", known), partial(profile_schema, protocol, known)
                             ) if protocol else profile_schema(None, known)
    raw, checked = validate(doc, schema)
    # a value that could not be read is None: its own problem says why, not "is empty"
    unread = {problem.field for problem in doc.problems}
    problems = [*doc.problems, *(p for p in checked if p.field not in unread)]
    raw["overrides"] = raw["overrides"] or {}  # an absent map validates to None
    injury = raw["injury"]

    if injury["protocol"] and protocol is None:
        close = difflib.get_close_matches(injury["protocol"], list(protocols), n=1)
        problems.append(doc.problem(
            ("injury", "protocol"), f"unknown protocol '{injury['protocol']}'",
            hint=f"did you mean '{close[0]}'?" if close else "known: " + ", ".join(protocols)))

    severity = injury["severity"]
    if protocol:
        levels = protocol.severity_levels
        if severity is not None and severity not in levels:  # Moderate: as the protocol writes it
            severity = next((level for level in levels
                             if level.casefold() == severity.strip().casefold()), severity)
        if severity is not None and severity not in levels:
            close = difflib.get_close_matches(severity, levels, n=1)
            problems.append(doc.problem(
                ("injury", "severity"), f"'{severity}' is not allowed; expected one of "
                + ", ".join(levels), hint=f"did you mean '{close[0]}'?" if close else ""))
        problems += _check_severity_source(doc, injury, protocol)

    diagnosed = injury["diagnosed"]
    if diagnosed is not None and diagnosed > today:
        problems.append(doc.problem(
            ("injury", "diagnosed"), f"{diagnosed.isoformat()} is after today "
            f"({today.isoformat()})", hint="check the year, or pass --today"))
    problems += _check_filled_in(doc, raw, starter or {})
    if protocol:
        problems += _check_overrides(doc, raw, protocol)
        problems += _check_progress(doc, raw["progress"], protocol, diagnosed, today)
    if problems:
        raise InputError(sorted(problems, key=lambda p: (p.line or 0, p.column or 0)),
                         referral=_referral_despite(problems, injury, protocol,
                                                    given if isinstance(given, dict) else {}))

    clinician = raw["clinician"]
    return Profile(
        id=profile_id(path),
        name=raw["name"].strip(),
        protocol=protocol.id,
        side=injury["side"],
        diagnosed=diagnosed,
        severity=most_severe(protocol, severity, implied_severity(injury, protocol)),
        severity_stated=severity,
        injury={n: _frozen(injury[n]) for n in protocol.injury_fields},
        history={n: _frozen(raw["history"][n]) for n in protocol.history_fields},
        goal_weekly_minutes=raw["goal"]["weekly_running_minutes"],
        clinician=Clinician(**{k: (v or "").strip() for k, v in clinician.items()}),
        notes=raw["notes"] or "",
        progress=tuple(
            ProgressEvent(index=i, date=e["date"], event=e["event"], stage=e["stage"],
                          step=e["step"], until=e["until"], note=(e["note"] or "").strip(),
                          pain=e["pain"],
                          **doc.where(("progress", i)))
            for i, e in enumerate(raw["progress"])),
        overrides={k: v for k, v in raw["overrides"].items() if v is not None},
        source=doc.file,
        paper=raw["paper"],
        language=raw["language"],
        clinician_notes=(raw["clinician_notes"] or "").strip(),
        reviewed=frozenset(ref.strip() for ref in raw["reviewed"] if ref),
    )


def _check_filled_in(doc: Document, raw: dict, starter: Mapping[tuple[str, ...], str]
                     ) -> list[Problem]:
    """Each field that still holds the starter's example text (a name, the notes, the
    clinician): one problem each, so the clinician sees every field left to fill in."""
    out = []
    for path, example in starter.items():
        value = raw
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        if not isinstance(value, str) or not value.strip():
            continue
        if path == ("notes",):
            left = " ".join(example.split()).casefold() in " ".join(value.split()).casefold()
        else:
            left = value.strip().casefold() == example.casefold()
        if left:
            what = "the athlete's name" if path == ("name",) else (
                "your notes for the athlete, or delete `notes:`" if path == ("notes",) else
                "the clinician's details, or leave it empty for rehab.yaml's clinic")
            out.append(doc.problem(path, f"still holds the starter profile's example text "
                                   f"('{_clipped(example)}'); it must never reach an athlete",
                                   hint=f"write {what}"))
    return out


def _clipped(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 3].rstrip() + "..."


def _referral_despite(problems: list[Problem], injury: dict, protocol: Protocol | None,
                      typed: dict) -> tuple[str, ...]:
    """The protocol's referral rules over the injury fields that read without a problem: a
    typo elsewhere must never keep a plan online for a fracture that needs a surgeon."""
    if protocol is None:
        return ()
    broken = {p.field.split("[")[0] for p in problems}
    clean = {name: injury.get(name) for name in protocol.injury_fields
             if f"injury.{name}" not in broken}
    # a value typed but unreadable (`region: bass`) in a field a rule tests, whose other
    # tests hold: it may be a referral, so no plan stays online until the field is fixed
    unread = {name for name in protocol.injury_fields if f"injury.{name}" in broken
              and typed.get(name) not in (None, "", [])}
    reasons = [rule.reason for rule in matching(protocol.referral, clean)]
    for rule in protocol.referral:
        fields = {c.field for c in rule.conditions}
        if rule.reason not in reasons and fields & unread and all(
                c.holds(clean) for c in rule.conditions if c.field not in unread):
            names = ", ".join(f"injury.{name}" for name in sorted(fields & unread))
            reasons.append(f"{rule.reason} (possibly: {names} could not be read; until it "
                           "is fixed, no plan is published)")
    return tuple(reasons)


def most_severe(protocol: Protocol, *levels: str | None) -> str:
    """The more severe of the stated severity and the one a field (imaging) implies."""
    return max((level for level in levels if level), key=protocol.severity_levels.index)


def implied_severity(injury: dict[str, Any], protocol: Protocol) -> str | None:
    """The severity the first injury field with a severity map gives (e.g. an MRI grade)."""
    for spec in protocol.injury_fields.values():
        if spec.severity and injury.get(spec.name) is not None:
            return spec.severity.get(injury[spec.name])
    return None


def _check_severity_source(doc: Document, injury: dict, protocol: Protocol) -> list[Problem]:
    """Severity is stated, or follows from a field that maps onto it, which must map."""
    sources = [spec for spec in protocol.injury_fields.values() if spec.severity]
    out = []
    for spec in sources:
        value = injury.get(spec.name)
        if value is not None and value not in spec.severity and injury["severity"] is None:
            out.append(doc.problem(("injury", spec.name), f"{value} gives no severity level in "
                                   "this protocol", hint="state `severity:` instead"))
    given = [s for s in sources if injury.get(s.name) is not None]
    if injury["severity"] is None and not given and ("injury",) in doc.locations:
        names = "', '".join(s.name for s in sources)
        message = f"needs either 'severity' or '{names}'" if sources else "needs 'severity'"
        levels = " | ".join(protocol.severity_levels)
        hint = ", or ".join([f"severity: {levels}"] + [f"{s.name}: {s.expected()}"
                                                       for s in sources])
        out.append(doc.problem(("injury",), message, hint=hint))
    return out


def _frozen(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _check_overrides(doc: Document, raw: dict, protocol: Protocol) -> list[Problem]:
    """Known keys, within the protocol's hard limits; outside its usual ranges only warns."""
    out = []
    overrides = dict(raw["overrides"])
    stated_goal = raw["goal"]["weekly_running_minutes"]
    if stated_goal is not None and "goal" in overrides:
        out.append(doc.problem(("overrides", "goal"), "the goal is also set in "
                               "goal.weekly_running_minutes", hint="keep one of them"))
    elif stated_goal is not None and "goal" in protocol.hard_limits:
        overrides["goal"] = stated_goal
    for key, value in overrides.items():
        path = ("overrides", key) if key in raw["overrides"] else ("goal", "weekly_running_minutes")
        if key not in protocol.override_keys:
            close = difflib.get_close_matches(key, protocol.override_keys, n=1)
            out.append(doc.problem(path, f"unknown override '{key}'", hint=(
                f"did you mean '{close[0]}'?" if close else
                "known: " + ", ".join(protocol.override_keys))))
            continue
        if value is None:
            continue
        low, high = protocol.hard_limits[key]
        if not low <= value <= high:
            unit = "minutes a week" if key == "goal" else "weeks"
            out.append(doc.problem(path, f"{value} {unit} is outside the protocol's hard safety "
                                   f"limits of {low}-{high} (hard_limits.{key})",
                                   hint="a clinician may leave the usual range, never these"))
    return out


def _check_progress(doc: Document, events: list[dict], protocol: Protocol,
                    diagnosed: dt.date | None, today: dt.date) -> list[Problem]:
    """Each event on its own: a known name, the fields it needs, dates in order.

    Whether the sequence makes sense (no skipped step, floors, minimum lengths) is
    checked by the scheduler, which knows the athlete's planned lengths.
    """
    out = []
    names = protocol.derive(("vocabulary",), partial(vocabulary, protocol))
    previous: tuple[int, dt.date] | None = None
    for i, event in enumerate(events):
        path = ("progress", i)
        name, day = event["event"], event["date"]
        if name is not None and name not in names:
            close = difflib.get_close_matches(name, list(names), n=1)
            out.append(doc.problem(path + ("event",), f"unknown event '{name}'", hint=(
                f"did you mean '{close[0]}'?" if close else "known: " + ", ".join(names))))
            name = None
        for number_field in ("stage", "step"):
            wanted = name is not None and NUMBERED.get(name) == number_field
            value = event[number_field]
            if wanted and value is None:
                out.append(doc.problem(path, f"a '{name}' event needs '{number_field}'",
                                       hint=f"{number_field}: one of {_numbers(names[name])}"))
            elif wanted and value not in names[name]:
                hint = f"one of {_numbers(names[name])}"
                if name == "walk_run_step" and value == 1:
                    hint = "the first walk-run step is recorded as `event: walk_run_cleared`"
                out.append(doc.problem(path + (number_field,), f"{value} is not a "
                                       f"{number_field} of this protocol", hint=hint))
            elif not wanted and value is not None and name is not None:
                owner = next(k for k, v in NUMBERED.items() if v == number_field)
                out.append(doc.problem(path + (number_field,), f"'{number_field}' is only "
                                       f"used with '{owner}' events"))
        until = event["until"]
        if name == PAUSE and day is not None and until is not None and until <= day:
            out.append(doc.problem(path + ("until",), f"{until} is not after the pause's date "
                                   f"{day}", hint="until is the first day back"))
        elif name is not None and name != PAUSE and until is not None:
            out.append(doc.problem(path + ("until",), "'until' is only used with 'pause' events"))
        if day is None:
            continue
        if diagnosed is not None and day < diagnosed:
            out.append(doc.problem(path + ("date",), f"{day} is before the diagnosis "
                                   f"({diagnosed})", hint="check the year"))
        if day > today:
            out.append(doc.problem(path + ("date",), f"{day} is after today ({today})",
                                   hint="record what has happened; the plan looks ahead itself"))
        if previous and day < previous[1]:
            out.append(doc.problem(path + ("date",), f"{day} is before the event above it "
                                   f"(progress[{previous[0]}] on {previous[1]})",
                                   hint="list the events in date order"))
        previous = (i, day)
    return out


def _numbers(values: tuple[int, ...]) -> str:
    return f"{values[0]}-{values[-1]}" if len(values) > 1 else ", ".join(map(str, values))

