"""content/<protocol>/ -> Protocol: phases, stages, exercises, gates and athlete-facing text."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

from generator import overlay, rules
from generator.errors import InputError, Problem
from generator.i18n import words
from generator.pose import Picture, read_picture
from generator.rules import FieldSpec, RiskTable, Rule
from generator.schema import Field, validate
from generator.yamlsource import Document, load, read_text

PHASE_KINDS = ("fixed", "hold", "walk_run", "continuous")
# What every profile's `injury:` has, whatever the protocol declares besides.
_PROFILE_INJURY_KEYS = ("protocol", "side", "diagnosed", "severity")
SESSION_KINDS = ("rehab", "strength", "walk", "cross_training", "walk_run", "run")
WEIGHT_BEARING = ("none", "partial", "full")
MAX_DERIVED = 4096  # a protocol gives a few hundred (kinds of week, courses): more is a bug
DEFAULT_PAIN_ADVICE = "Any pain: stop that session for today (the pain rule)."


@dataclass(frozen=True)
class Exercise:
    id: str
    name: str
    dose: str
    how: str  # Markdown
    cues: tuple[str, ...]
    impact: bool = False  # a jump or hop: left out while progress is paused
    start_dose: str = ""  # fewer landings first: the dose builds to `dose` over the stage
    not_before: str = ""  # a floor (floors:) it waits for, like a hop that loads as a stride
    picture: Picture | None = None  # its drawing (every shipped exercise has one)
    language: str = "en"  # the language of its text

    @property
    def dose_text(self) -> str:
        """The dose as the athlete reads it, with its build-up when there is one."""
        return words(self.language).gettext(
            "Start with %(start)s; build to %(dose)s", start=self.start_dose, dose=self.dose) \
            if self.start_dose else self.dose


@dataclass(frozen=True)
class Session:
    kind: str
    title: str
    times: tuple[int, int]  # sessions a week: fewest, most
    spacing: str = ""  # how they fall in the week, e.g. "a rest day between"
    exercises: tuple[str, ...] = ()
    text: str = ""


@dataclass(frozen=True)
class SpacingRule:
    """What a session's `spacing:` words mean for the days it falls on."""

    rest_days: int = 0  # days with no session of the same kind between two of them
    not_with: tuple[str, ...] = ()  # session kinds it never shares a day with


@dataclass(frozen=True)
class Gate:
    title: str
    checks: tuple[str, ...]


@dataclass(frozen=True)
class WalkRunStep:
    run: int
    walk: int
    repeats: int


@dataclass(frozen=True)
class Phase:
    id: str
    kind: str
    title: str
    short: str
    weight_bearing: str
    about: str  # Markdown
    sessions: tuple[Session, ...]
    gate: Gate
    milestone: bool = False
    opened_by_clinician: bool = False  # only a recorded clearance starts it (walk-run: step 1)
    strength_stage: int | None = None
    weeks: dict[str, tuple[int, ...]] | None = None  # fixed: severity -> weeks per history level
    weeks_per_step: dict[str, tuple[int, ...]] | None = None  # walk_run
    steps: tuple[WalkRunStep, ...] = ()
    sessions_per_week: int = 0
    session_title: str = ""  # walk_run and continuous: the run's name, e.g. "Walk-run"
    spacing: str = ""  # walk_run and continuous: how the runs fall in the week
    start_minutes: int = 0
    max_run_minutes: int = 0  # continuous: no single run longer
    max_sessions_per_week: int = 0  # continuous: runs a week grow up to this
    spacing_by_runs: dict[int, str] | None = None  # continuous: spacing for more runs a week
    beyond_goal: str = ""  # continuous: the athlete's note when the goal is beyond the runs
    max_weekly_increase_percent: float = 0
    default_goal_weekly_minutes: int = 0
    limits: dict[str, tuple[int, int]] | None = None  # the source's range of weeks, by severity
    goal_limits: tuple[int, int] | None = None  # continuous: the usual range of weekly goals
    # a healing floor (floors:) this phase never starts before, counted like the walk-run's
    not_before: str = ""
    rest_days: int = 0  # days a week with no session at all (full_rest_days:)

    @property
    def override_key(self) -> str | None:
        return override_key(self.kind, self.id, self.strength_stage)


@dataclass(frozen=True)
class BriskWalk:
    starts_with: str
    ends_before: str
    start_minutes: int
    step_minutes: int
    target_minutes: int
    weeks_per_step: dict[str, tuple[int, ...]]
    weeks_at_target_before_running: int
    title: str
    times: tuple[int, int]
    text: str


@dataclass(frozen=True)
class Protocol:
    id: str
    title: str
    severity_levels: tuple[str, ...]
    injury_fields: dict[str, FieldSpec]  # what a profile's `injury:` may record
    history_fields: dict[str, FieldSpec]  # what a profile's `history:` may record, with points
    history_levels: tuple[int, ...]
    history_level_names: tuple[str, ...]
    hard_limits: dict[str, tuple[int, int]]  # override key -> lowest, highest allowed
    # override key -> severity -> the shortest a recorded step lasts without an override
    severity_minimums: dict[str, dict[str, int]]
    setback_weeks: int  # a setback steps back one step for at least this many weeks
    resume_weeks: int  # after a pause, at least this many weeks at the same step
    recent_setback_days: int  # `rehab status` flags a setback this recent
    quiet_days: int  # ... and a profile with no event for longer, while a step is due
    paused_kinds: tuple[str, ...]  # session kinds a paused week keeps (never a run)
    leeway_days: int  # a recorded step may end this many days before its hard minimum
    step_pain_max: int  # a step forward recorded with more pain is flagged
    referral: tuple[Rule, ...]  # over injury_fields: a match means no plan
    review_flags: tuple[Rule, ...]  # over injury_fields: a match asks the clinician to look
    phases: tuple[Phase, ...]
    brisk_walk: BriskWalk | None
    exercises: dict[str, Exercise]
    text: dict[str, str]  # Markdown by name: pain_rule, red_flags, disclaimer, sources
    digest: str  # hash of every file the protocol was read from
    spacing_rules: dict[str, SpacingRule] = field(default_factory=dict)  # by `spacing:` words
    pain_stop_at: int = 1  # a day's pain score (0-10) at or above this: stop, call the clinic
    pain_advice: str = DEFAULT_PAIN_ADVICE  # the athlete's words for pain below stop_at
    # name -> severity -> weeks from the healing clock (diagnosis, or the latest new imaging)
    floors: dict[str, dict[str, int]] = field(default_factory=dict)
    language: str = "en"  # the language of its athlete text (generator/overlay.py)
    severity_names: dict[str, str] = field(default_factory=dict)  # level -> the athlete's word
    untranslated: tuple[Problem, ...] = ()  # overlay keys that fell back to English
    folder: str = ""  # where it was read from (its overlays are beside it)
    # what the loader and the scheduler work out from the protocol alone, once for every
    # athlete on it (derive()); a protocol read anew (an edit under `rehab serve`) starts empty
    derived: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def derive(self, key: tuple, work: Callable[[], Any]) -> Any:
        """What work() makes of this protocol alone (a schema, a kind of week's sessions),
        made once: kept in `derived` under key, which names everything else it depends on."""
        found = self.derived.get(key)
        if found is None:
            if len(self.derived) >= MAX_DERIVED:
                self.derived.clear()
            found = self.derived[key] = work()
        return found

    def severity_name(self, level: str) -> str:
        return self.severity_names.get(level, level)

    def floor(self, name: str, severity: str) -> int:
        """Weeks before a step that waits for this floor may start, for this severity."""
        return self.floors.get(name, {}).get(severity, 0)
    risk_scores: tuple[RiskTable, ...] = ()  # cumulative risk tables over the history fields

    def phase(self, phase_id: str) -> Phase:
        return next(p for p in self.phases if p.id == phase_id)

    @property
    def sources_summary(self) -> str:
        """What the handout prints of text/sources.md: the part before its first heading. The
        headed sections after it (every reference, why each number) are for clinicians."""
        lines = self.text.get("sources", "").splitlines(keepends=True)
        cut = next((i for i, line in enumerate(lines) if line.startswith("#")), len(lines))
        return "".join(lines[:cut]).strip()

    @cached_property  # every profile with overrides or a goal asks
    def override_keys(self) -> tuple[str, ...]:
        """What a profile's `overrides:` may set for this protocol."""
        keys = dict.fromkeys(p.override_key for p in self.phases if p.override_key)
        if any(p.kind == "continuous" for p in self.phases):
            keys["goal"] = None
        return tuple(keys)


# --- schema ----------------------------------------------------------------

_text = Field("text", required=True)
_opt_text = Field("text", default="")
_int_pos = Field("int", required=True, minimum=1, maximum=520)
_table = Field("map", items=Field("list", min_items=1, items=Field("int", minimum=0, maximum=52)))
_limits = Field("map", items=Field("list", min_items=2, items=Field("int", minimum=0, maximum=52)))
_times = Field("any", required=True, doc="sessions a week: a number, or [fewest, most]")
_session = Field("section", fields={
    "kind": Field("choice", required=True, choices=SESSION_KINDS),
    "title": _text,
    "times": _times,
    "spacing": _opt_text,
    "exercises": Field("list", items=Field("text")),
    "text": _opt_text,
})
_gate = Field("section", required=True, fields={
    "title": _text,
    "checks": Field("list", required=True, min_items=1, items=_text),
})
_phase = Field("section", fields={
    "id": _text,
    "kind": Field("choice", choices=PHASE_KINDS, default="fixed"),
    "title": _text,
    "short": _text,
    "weight_bearing": Field("choice", required=True, choices=WEIGHT_BEARING),
    "strength_stage": Field("int", minimum=1, maximum=20),
    "milestone": Field("bool", default=False),
    "opened_by": Field("choice", choices=("athlete", "clinician"), default="athlete"),
    "about": _text,
    "weeks": _table,
    "limits": _limits,
    "sessions": Field("list", items=_session),
    "extra_sessions": Field("list", items=_session),
    "gate": _gate,
    "weeks_per_step": _table,
    "sessions_per_week": Field("int", minimum=1, maximum=7),
    "session_title": _opt_text,
    "spacing": _opt_text,
    "steps": Field("list", items=Field("section", fields={
        "run": _int_pos, "walk": Field("int", required=True, minimum=0, maximum=60),
        "repeats": _int_pos,
    })),
    "start_minutes": Field("int", minimum=1, maximum=240),
    "max_run_minutes": Field("int", minimum=1, maximum=240),
    "max_sessions_per_week": Field("int", minimum=1, maximum=7),
    "spacing_by_runs": Field("map", items=Field("text")),
    "beyond_goal": Field("text", doc="the athlete's note for a goal beyond the longest runs: "
                         "{goal}, {runs}, {minutes}, {weekly}"),
    "max_weekly_increase_percent": Field("number", minimum=1, maximum=50),
    "default_goal_weekly_minutes": Field("int", minimum=10, maximum=2000),
    "goal_limits": Field("list", min_items=2, items=Field("int", minimum=1, maximum=2000)),
    "not_before": Field("text", doc="a floor name (floors:): the phase never starts before it"),
})
_hard_limit = Field("list", min_items=2, items=Field("int", minimum=1, maximum=2000))
PROTOCOL_SCHEMA = Field("section", fields={
    "id": _text, "title": _text,
    "severity": Field("section", required=True, fields={
        "levels": Field("list", required=True, min_items=1, unique=True, items=_text),
    }),
    "injury_fields": Field("map", items=rules.FIELD_SCHEMA),
    "history": Field("section", required=True, fields={
        "fields": Field("map", items=rules.FIELD_SCHEMA),
        "levels": Field("list", required=True, min_items=1, items=Field("int", minimum=0)),
        "level_names": Field("list", required=True, min_items=1, items=_text),
    }),
    # weeks from diagnosis (or new imaging) before a step may start: walk_run_min_weeks for
    # the first run, any other name for a phase's or an exercise's `not_before:`
    "floors": Field("map", required=True, items=Field(
        "any", doc="weeks (0-104), or weeks by severity level")),
    "full_rest_days": Field("section", fields={
        "per_week": Field("int", required=True, minimum=1, maximum=3),
        "from_phase": _text,
    }),
    "hard_limits": Field("map", required=True, items=_hard_limit),
    "severity_minimums": Field("map", items=Field("map", items=Field(
        "int", minimum=1, maximum=2000))),
    "progress": Field("section", required=True, fields={
        "setback_weeks": Field("int", required=True, minimum=1, maximum=12),
        "resume_weeks": Field("int", required=True, minimum=1, maximum=12),
        "recent_setback_days": Field("int", required=True, minimum=0, maximum=365),
        "quiet_days": Field("int", required=True, minimum=1, maximum=365),
        "leeway_days": Field("int", default=0, minimum=0, maximum=3),
        "step_pain_max": Field("int", default=0, minimum=0, maximum=10),
        # a pause never keeps a run: walk_run and run are not allowed here
        "paused_sessions": Field("list", required=True, unique=True, items=Field(
            "choice", choices=tuple(k for k in SESSION_KINDS if k not in ("walk_run", "run")))),
    }),
    "referral": Field("list", items=rules.RULE_SCHEMA),
    "review_flags": Field("list", items=rules.RULE_SCHEMA),
    "risk_scores": Field("list", items=rules.RISK_SCHEMA),
    "phases": Field("list", required=True, min_items=1, items=_phase),
    "brisk_walk": Field("section", fields={
        "starts_with": _text, "ends_before": _text,
        "start_minutes": _int_pos, "step_minutes": _int_pos, "target_minutes": _int_pos,
        "weeks_per_step": _table, "limits": _limits,
        "weeks_at_target_before_running": Field("int", default=1, minimum=0, maximum=12),
        "title": _text, "times": _times, "text": _opt_text,
    }),
    "text": Field("map", items=_text),
    "spacing_rules": Field("map", items=Field("section", fields={
        "rest_days": Field("int", default=0, minimum=0, maximum=3),
        "not_with": Field("list", unique=True, items=Field("choice", choices=SESSION_KINDS)),
    })),
    "pain_score": Field("section", required=True, fields={
        "stop_at": Field("int", required=True, minimum=1, maximum=10),
        "advice": Field("text", doc="what the phone says for pain below stop_at"),
    }),
})
EXERCISES_SCHEMA = Field("map", items=Field("section", fields={
    "name": _text, "dose": _text, "how": _text,
    "cues": Field("list", items=_text),
    "impact": Field("bool", default=False),
    "start_dose": Field("text", doc="a jump's or hop's first dose, fewer landings"),
    "not_before": Field("text", doc="a floor name (floors:): never in a week before it"),
    "picture": Field("any", doc="its drawing: view, poses, props, arrow"),
}))


# --- loading ---------------------------------------------------------------

def load_protocols(content: Path | tuple[Path, ...]) -> dict[str, Protocol]:
    """Every protocol under content/ (one folder each, with protocol.yaml). Given several
    content folders, a protocol folder in an earlier one hides one of the same name later."""
    folders: dict[str, Path] = {}
    for content_dir in (content,) if isinstance(content, Path) else content:
        if not content_dir.is_dir():
            raise InputError.single(str(content_dir), "content folder not found",
                                    hint="run from the project folder or pass --content")
        for folder in content_dir.iterdir():
            if (folder / "protocol.yaml").is_file():
                folders.setdefault(folder.name, folder)
    content_dir = content if isinstance(content, Path) else content[0]
    protocols: dict[str, Protocol] = {}
    problems: list[Problem] = []
    for folder in (folders[name] for name in sorted(folders)):
        try:
            protocol = load_protocol(folder)
        except InputError as err:
            problems.extend(err.problems)
            continue
        protocols[protocol.id] = protocol
    if problems:
        raise InputError(problems)
    if not protocols:
        raise InputError.single(str(content_dir), "no protocol found",
                                hint="each protocol is a folder holding protocol.yaml")
    return protocols


_TRANSLATED: dict[tuple[str, str, str], Protocol] = {}


def in_language(protocol: Protocol, language: str) -> Protocol:
    """The protocol in the athlete's language, read once per process (per protocol, language
    and content digest); English is the protocol itself."""
    if language == protocol.language or not protocol.folder:
        return protocol
    key = (protocol.folder, language, protocol.digest)
    if key not in _TRANSLATED:
        _TRANSLATED[key] = load_protocol(Path(protocol.folder), language)
    return _TRANSLATED[key]


def load_protocol(folder: Path, language: str = "en") -> Protocol:
    """The protocol in `language`: its athlete text from the language's overlays where they
    have it (generator/overlay.py), English elsewhere."""
    protocol_file = folder / "protocol.yaml"
    exercises_file = folder / "exercises.yaml"
    doc = load(protocol_file, allow_aliases=True, max_bytes=1024 * 1024)
    raw, problems = validate(doc, PROTOCOL_SCHEMA)
    ex_doc = load(exercises_file, allow_aliases=True, max_bytes=1024 * 1024)
    raw_exercises, ex_problems = validate(ex_doc, EXERCISES_SCHEMA)
    problems += ex_problems
    for name, ex in raw_exercises.items():
        ex["picture"] = read_picture(ex_doc, (name, "picture"), ex["picture"], problems)
    if problems:
        raise InputError(problems)
    problems += _check_consistency(doc, raw, raw_exercises)
    problems += [ex_doc.problem((name,), "a jump or hop (impact: true) needs a start_dose",
                                hint="fewer landings first, e.g. start_dose: 2 sets of 6")
                 for name, ex in raw_exercises.items() if ex["impact"] and not ex["start_dose"]]
    problems += [ex_doc.problem((name, "not_before"), f"'{ex['not_before']}' is not in the "
                                "protocol's floors", hint="known: " + ", ".join(raw["floors"]))
                 for name, ex in raw_exercises.items()
                 if ex["not_before"] and ex["not_before"] not in raw["floors"]]
    levels = raw["severity"]["levels"]
    injury_fields = rules.field_specs(doc, ("injury_fields",), raw["injury_fields"], levels,
                                      problems)
    history_fields = rules.field_specs(doc, ("history", "fields"), raw["history"]["fields"],
                                       levels, problems)
    declared = {
        "referral": rules.rules(doc, ("referral",), raw["referral"], injury_fields, problems),
        "review_flags": rules.rules(doc, ("review_flags",), raw["review_flags"], injury_fields,
                                    problems, always=True),
    }
    risk_scores = rules.risk_tables(doc, ("risk_scores",), raw["risk_scores"], history_fields,
                                    problems)

    text: dict[str, str] = {}
    digest = hashlib.sha256()
    for path in (protocol_file, exercises_file):
        digest.update(path.read_bytes())
    for other in sorted(overlay.content_languages(folder)):  # a changed translation rebuilds
        for path in overlay.overlay_files(folder, other):
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    for name, filename in sorted(raw["text"].items()):
        path = folder / "text" / filename
        if not path.is_file() or Path(filename).name != filename:
            problems.append(doc.problem(("text", name), f"text file 'text/{filename}' not found"))
            continue
        text[name] = read_text(path, str(path))
        digest.update(text[name].encode())
    for needed in ("pain_rule", "red_flags", "disclaimer"):
        if needed not in raw["text"]:
            problems.append(doc.problem(("text",), f"is missing '{needed}'",
                                        hint="name a Markdown file in text/"))
    if problems:
        raise InputError(problems)
    brisk_walk = raw["brisk_walk"] if "brisk_walk" in doc.value else None
    protocol = _build(raw, raw_exercises, text, digest.hexdigest(), injury_fields,
                      history_fields, declared, brisk_walk)
    protocol = replace(protocol, risk_scores=risk_scores, folder=str(folder))
    if language == "en":
        return protocol
    return _translated(protocol, folder, language, doc, raw, raw_exercises, text, brisk_walk)


def _translated(english: Protocol, folder: Path, language: str, doc: Document, raw: dict,
                raw_exercises: dict, text: dict[str, str], brisk_walk: dict | None) -> Protocol:
    """The English protocol with the language's overlays laid over its athlete text; numbers,
    rules and clinician text stay the English protocol's."""
    view = {**raw, "severity": {"levels": list(english.severity_levels)},
            "spacing_rules": {words: words for words in raw["spacing_rules"] or {}},
            "brisk_walk": brisk_walk}
    found = overlay.overlay(view, folder / f"protocol.{language}.yaml", overlay.PROTOCOL_TEXT)
    exercises = overlay.overlay(raw_exercises, folder / f"exercises.{language}.yaml",
                                overlay.EXERCISE_TEXT)
    texts = overlay.overlay_text(text, raw["text"] or {}, folder, language)
    errors = found.errors + exercises.errors + texts.errors
    if errors:
        raise InputError(errors)
    merged = found.value
    words = merged.pop("spacing_rules")

    def spaced(value: str) -> str:
        return words.get(value, value) if value else value

    for phase in merged["phases"]:
        phase["spacing"] = spaced(phase["spacing"])
        phase["spacing_by_runs"] = {k: spaced(v) for k, v in
                                    (phase["spacing_by_runs"] or {}).items()} or None
        for key in ("sessions", "extra_sessions"):
            phase[key] = [{**s, "spacing": spaced(s["spacing"])} for s in phase[key]]
    merged["spacing_rules"] = {spaced(w): rule for w, rule in (raw["spacing_rules"] or {}).items()}
    names = merged.pop("severity")["levels"]
    merged["severity"] = raw["severity"]
    walk = merged.pop("brisk_walk")
    problems: list[Problem] = []
    injury_fields = rules.field_specs(doc, ("injury_fields",), merged["injury_fields"],
                                      list(english.severity_levels), problems)
    declared = {"referral": english.referral, "review_flags": rules.rules(
        doc, ("review_flags",), merged["review_flags"], injury_fields, problems, always=True)}
    protocol = _build(merged, exercises.value, texts.value, english.digest, injury_fields,
                      english.history_fields, declared, walk)
    protocol = replace(protocol, exercises={k: replace(e, language=language)
                                            for k, e in protocol.exercises.items()})
    return replace(protocol, risk_scores=english.risk_scores, language=language, folder=str(folder),
                   severity_names=names,
                   untranslated=tuple(found.missing + exercises.missing + texts.missing))


def _check_consistency(doc: Document, raw: dict, exercises: dict) -> list[Problem]:
    """Rules a schema cannot express: references, orders, table shapes, safety limits."""
    out: list[Problem] = []
    levels = raw["severity"]["levels"]
    n_history = len(raw["history"]["levels"])
    if len(raw["history"]["level_names"]) != n_history:
        out.append(doc.problem(("history", "level_names"), "needs one name per history level"))
    if raw["history"]["levels"] != sorted(raw["history"]["levels"]):
        out.append(doc.problem(("history", "levels"), "must be in increasing order"))
    clash = set(raw["injury_fields"] or {}) & set(_PROFILE_INJURY_KEYS)
    for name in sorted(clash):
        out.append(doc.problem(("injury_fields", name), f"'{name}' is a field every profile "
                               "has already; choose another name"))

    def check_table(path: tuple, table: dict | None, limits: dict | None) -> None:
        if table is None:
            out.append(doc.problem(path, "is missing; expected weeks by severity"))
            return
        if sorted(table) != sorted(levels):
            out.append(doc.problem(path, "needs one row per severity level: " + ", ".join(levels)))
            return
        for sev, row in table.items():
            if len(row) != n_history:
                out.append(doc.problem(path + (sev,), f"needs {n_history} numbers, one per "
                                       "history level"))
            elif row != sorted(row):
                out.append(doc.problem(path + (sev,), "more history must never mean fewer weeks",
                                       hint="numbers must not decrease from left to right"))
            if limits and sev in limits:
                low, high = limits[sev][0], limits[sev][-1]
                for weeks in row:
                    if not low <= weeks <= high:
                        out.append(doc.problem(path + (sev,), f"{weeks} week"
                                               f"{'' if weeks == 1 else 's'} is outside the "
                                               f"protocol's limits {low}-{high}"))
        for lower, higher in zip(levels, levels[1:], strict=False):
            a, b = table.get(lower, ()), table.get(higher, ())
            if len(a) == len(b) and any(x > y for x, y in zip(a, b, strict=True)):
                out.append(doc.problem(path + (higher,), f"a {higher} injury must never get "
                                       f"fewer weeks than a {lower} one"))

    out += _check_history_lengthens(doc, raw, levels, n_history)
    phase_ids = [p["id"] for p in raw["phases"]]
    kinds = [p["kind"] for p in raw["phases"]]
    for i, phase in enumerate(raw["phases"]):
        path = ("phases", i)
        if phase_ids.count(phase["id"]) > 1:
            out.append(doc.problem(path + ("id",), f"phase id '{phase['id']}' is used twice"))
        kind = phase["kind"]
        if kind == "fixed":
            check_table(path + ("weeks",), phase["weeks"], phase["limits"])
        if kind == "walk_run":
            check_table(path + ("weeks_per_step",), phase["weeks_per_step"], phase["limits"])
            if not phase["steps"]:
                out.append(doc.problem(path + ("steps",), "a walk-run phase needs steps"))
        if kind in ("walk_run", "continuous") and not phase["sessions_per_week"]:
            out.append(doc.problem(path + ("sessions_per_week",), "is missing"))
        if kind == "continuous":
            for name in ("start_minutes", "max_weekly_increase_percent",
                         "default_goal_weekly_minutes", "max_run_minutes",
                         "max_sessions_per_week", "beyond_goal"):
                if not phase[name]:
                    out.append(doc.problem(path + (name,), "is missing"))
        if kind == "continuous" and phase["max_run_minutes"] and phase["sessions_per_week"]:
            low, high = phase["sessions_per_week"], phase["max_sessions_per_week"] or 0
            if high < low:
                out.append(doc.problem(path + ("max_sessions_per_week",), f"{high} is below "
                                       f"sessions_per_week ({low})"))
            if (phase["start_minutes"] or 0) > phase["max_run_minutes"]:
                out.append(doc.problem(path + ("start_minutes",), "is above max_run_minutes"))
            try:
                (phase["beyond_goal"] or "").format(goal=1, runs=1, minutes=1, weekly=1)
            except (KeyError, IndexError, ValueError) as err:
                out.append(doc.problem(path + ("beyond_goal",), f"unknown placeholder {err}",
                                       hint="use {goal}, {runs}, {minutes} and {weekly}"))
            for runs in phase["spacing_by_runs"] or {}:
                if not (str(runs).isdigit() and low <= int(runs) <= high):
                    out.append(doc.problem(path + ("spacing_by_runs", runs), f"'{runs}' is not "
                                           f"a number of runs a week from {low} to {high}"))
        if kind in ("walk_run", "continuous") and not phase["session_title"]:
            out.append(doc.problem(path + ("session_title",), "is missing",
                                   hint="the run's name on the plan, e.g. Walk-run"))
        for key in ("sessions", "extra_sessions"):
            for j, session in enumerate(phase[key]):
                spath = path + (key, j)
                if session["times"] is not None:
                    out += _check_times(doc, spath + ("times",), session["times"])
                if session["kind"] == "strength" and not session["exercises"]:
                    out.append(doc.problem(spath + ("exercises",),
                                           "a strength session needs at least one exercise"))
                for k, ex in enumerate(session["exercises"]):
                    if ex not in exercises:
                        out.append(doc.problem(spath + ("exercises", k),
                                               f"unknown exercise '{ex}'",
                                               hint="add it to exercises.yaml"))
        for key in ("sessions", "extra_sessions"):
            for j, session in enumerate(phase[key]):
                jumps = [e for e in session["exercises"] if exercises.get(e, {}).get("impact")]
                if not jumps:
                    continue
                if kind in ("walk_run", "continuous"):
                    # the runs are the impact days: jumps on the days between would leave none
                    # without impact
                    out.append(doc.problem(path + (key, j, "exercises"), f"'{jumps[0]}' is a "
                                           "jump or hop (impact: true): a phase with runs "
                                           "keeps jumps and hops out of its other sessions"))
                elif _times_of(session["times"] or 0)[1] > 3 or not session["spacing"]:
                    out.append(doc.problem(path + (key, j), "a session with jumps or hops "
                                           "needs at most 3 a week and its spacing (impact "
                                           "days never back to back)",
                                           hint="e.g. times: [2, 3], spacing: a rest day between"))
        if kind == "fixed" and phase["strength_stage"] and not any(
            s["kind"] == "strength" for s in phase["sessions"]
        ):
            out.append(doc.problem(path + ("sessions",),
                                   "a strength stage needs a strength session with exercises"))
    for kind in ("hold", "walk_run", "continuous"):
        if kinds.count(kind) > 1:
            out.append(doc.problem(("phases",), f"only one phase may be of kind '{kind}'"))
    order = [k for k in kinds if k != "fixed"]
    expected = [k for k in ("hold", "walk_run", "continuous") if k in order]
    if order != expected or (kinds and kinds[0] != "fixed") or (
        "fixed" in kinds[kinds.index(order[0]):] if order else False
    ):
        out.append(doc.problem(("phases",), "phases must be the fixed ones first, then hold, "
                               "walk_run and continuous, in that order"))
    out += _check_hard_limits(doc, raw)
    out += _check_spacing(doc, raw)
    if "walk_run" in kinds and not raw["floors"].get("walk_run_min_weeks"):
        out.append(doc.problem(("floors", "walk_run_min_weeks"), "is missing"))
    for name, value in raw["floors"].items():
        out += _check_floor(doc, ("floors", name), value, levels)
    out += _check_floors(doc, raw, exercises)
    rest = raw["full_rest_days"] if "full_rest_days" in doc.value else None
    if rest and rest["from_phase"] not in phase_ids:
        out.append(doc.problem(("full_rest_days", "from_phase"),
                               f"'{rest['from_phase']}' is not a phase id"))
    elif rest:
        for i in range(phase_ids.index(rest["from_phase"]), len(phase_ids)):
            for key in ("sessions", "extra_sessions"):
                for j, session in enumerate(raw["phases"][i][key]):
                    if _times_of(session["times"] or 0)[0] > 7 - rest["per_week"]:
                        out.append(doc.problem(
                            ("phases", i, key, j, "times"), "leaves no full rest day in the "
                            f"week (full_rest_days from {rest['from_phase']})",
                            hint=f"at most {7 - rest['per_week']} a week"))
    if "brisk_walk" not in doc.value:
        return out  # no brisk-walking progression in this protocol
    walk = raw["brisk_walk"]
    if walk["times"] is not None:
        out += _check_times(doc, ("brisk_walk", "times"), walk["times"])
    for name in ("starts_with", "ends_before"):
        if walk[name] not in phase_ids:
            out.append(doc.problem(("brisk_walk", name), f"'{walk[name]}' is not a phase id"))
    check_table(("brisk_walk", "weeks_per_step"), walk["weeks_per_step"], walk["limits"])
    if walk["target_minutes"] < walk["start_minutes"]:
        out.append(doc.problem(("brisk_walk", "target_minutes"), "is below start_minutes"))
    return out


def _weeks(n: object) -> bool:
    return isinstance(n, int) and not isinstance(n, bool) and 0 <= n <= 104


def _check_floor(doc: Document, path: tuple, value: object, levels: list) -> list[Problem]:
    """A floor is weeks, or weeks by severity that never fall for a more severe injury."""
    if _weeks(value):
        return []
    if not isinstance(value, dict) or sorted(value) != sorted(levels) or not all(
            map(_weeks, value.values())):
        return [doc.problem(path, f"expected a whole number of weeks (0-104), or one per "
                            f"severity level ({', '.join(levels)}); got {value!r}",
                            hint="e.g. 12, or {" + ", ".join(f"{lv}: 4" for lv in levels) + "}")]
    row = [value[level] for level in levels]
    if row != sorted(row):
        return [doc.problem(path, "a more severe injury must never get an earlier floor",
                            hint="weeks must not decrease from the mildest level to the most "
                            "severe")]
    return []


def _check_floors(doc: Document, raw: dict, exercises: dict) -> list[Problem]:
    """A `not_before:` names a floor; an exercise that waits for a floor is only in a phase
    at or after one that waits for it (the ladder climbs in order, so it never comes sooner)."""
    out: list[Problem] = []
    floors = raw["floors"]
    waited: set[str] = set()
    for i, phase in enumerate(raw["phases"]):
        if phase["not_before"]:
            if phase["not_before"] not in floors:
                out.append(doc.problem(("phases", i, "not_before"),
                                       f"'{phase['not_before']}' is not in floors",
                                       hint="known: " + ", ".join(sorted(floors))))
            waited.add(phase["not_before"])
        if phase["kind"] == "walk_run":
            waited.add("walk_run_min_weeks")
        for key in ("sessions", "extra_sessions"):
            for j, session in enumerate(phase[key]):
                for k, ex in enumerate(session["exercises"]):
                    floor = (exercises.get(ex) or {}).get("not_before")
                    if floor and floor in floors and floor not in waited:
                        out.append(doc.problem(
                            ("phases", i, key, j, "exercises", k), f"'{ex}' waits for "
                            f"floors.{floor}, but this phase may start before it",
                            hint=f"give this phase (or one before it) not_before: {floor}"))
    return out


def _check_history_lengthens(doc: Document, raw: dict, levels: list, n_history: int
                             ) -> list[Problem]:
    """More history always plans longer: for each severity, the weeks of every phase and
    walk-run step together grow from one history level to the next."""
    out = []
    for severity in levels:
        totals = [0] * n_history
        for phase in raw["phases"]:
            if phase["kind"] not in ("fixed", "walk_run"):
                continue  # a hold or continuous running has no table of weeks
            table = phase["weeks"] if phase["kind"] == "fixed" else phase["weeks_per_step"]
            row = (table or {}).get(severity) or ()
            repeat = len(phase["steps"]) if phase["kind"] == "walk_run" else 1
            if len(row) != n_history:
                return out  # check_table reports the shape
            totals = [t + weeks * repeat for t, weeks in zip(totals, row, strict=True)]
        for level in range(1, n_history):
            if totals[level] <= totals[level - 1]:
                out.append(doc.problem(("history", "levels"), f"a {severity} injury with history "
                                       f"level {level} plans {totals[level]} weeks, no more "
                                       f"than level {level - 1} ({totals[level - 1]})",
                                       hint="more history must plan longer: lengthen a phase's "
                                       "weeks for that level"))
    return out


def _check_spacing(doc: Document, raw: dict) -> list[Problem]:
    """Every `spacing:` a session uses says, in `spacing_rules:`, which days it may fall on."""
    known = raw["spacing_rules"] or {}
    used: list[tuple[tuple, str]] = []
    for i, phase in enumerate(raw["phases"]):
        if phase["spacing"]:
            used.append((("phases", i, "spacing"), phase["spacing"]))
        used += [(("phases", i, "spacing_by_runs", runs), words)
                 for runs, words in (phase["spacing_by_runs"] or {}).items()]
        for key in ("sessions", "extra_sessions"):
            used += [(("phases", i, key, j, "spacing"), s["spacing"])
                     for j, s in enumerate(phase[key]) if s["spacing"]]
    return [doc.problem(path, f"'{words}' is not in spacing_rules",
                        hint="say there which days it keeps free, e.g. "
                        f"'{words}': {{rest_days: 1}}")
            for path, words in used if words not in known]


def override_key(kind: str, phase_id: str, strength_stage: int | None) -> str | None:
    """The `overrides:` and `hard_limits:` key for a phase's weeks (per step for walk-run)."""
    if kind == "walk_run":
        return "walk_run_step_weeks"
    if kind != "fixed":
        return None
    return "weeks_per_strength_stage" if strength_stage else f"{phase_id}_weeks"


def _override_key(phase: dict) -> str | None:
    return override_key(phase["kind"], phase["id"], phase["strength_stage"])


def _check_hard_limits(doc: Document, raw: dict) -> list[Problem]:
    """Every step has hard limits, and the protocol's own numbers lie inside them."""
    out: list[Problem] = []
    hard = raw["hard_limits"]
    keys = {_override_key(p) for p in raw["phases"]} - {None}
    if any(p["kind"] == "continuous" for p in raw["phases"]):
        keys.add("goal")
    for key, pair in hard.items():
        if key not in keys:
            out.append(doc.problem(("hard_limits", key), f"'{key}' names no phase of this "
                                   "protocol", hint="known: " + ", ".join(sorted(keys))))
        elif len(pair) != 2 or pair[0] > pair[1]:
            out.append(doc.problem(("hard_limits", key), "expected [lowest, highest]"))
    for key, by_severity in (raw["severity_minimums"] or {}).items():
        pair = hard.get(key)
        if pair is None or len(pair) != 2:
            out.append(doc.problem(("severity_minimums", key), f"'{key}' has no hard_limits"))
            continue
        for severity, weeks in by_severity.items():
            path = ("severity_minimums", key, severity)
            if severity not in raw["severity"]["levels"]:
                out.append(doc.problem(path, f"'{severity}' is not a severity level"))
            elif not pair[0] <= weeks <= pair[1]:
                out.append(doc.problem(path, f"{weeks} is outside the hard limits "
                                       f"{pair[0]}-{pair[1]} (hard_limits.{key})"))
            else:
                phase = next((p for p in raw["phases"] if _override_key(p) == key), None)
                table = phase and (phase["weeks"] or phase["weeks_per_step"]) or {}
                if any(n < weeks for n in table.get(severity, ())):
                    out.append(doc.problem(path, f"the {severity} row plans fewer than {weeks} "
                                           "weeks: a plan must never break its own minimum"))
    for key in sorted(keys - set(hard)):
        out.append(doc.problem(("hard_limits",), f"is missing '{key}'",
                               hint="every step needs hard limits, e.g. [1, 4]"))

    def inside(path: tuple, numbers: list, key: str) -> None:
        pair = hard.get(key)
        if not pair or len(pair) != 2:
            return
        for n in numbers:
            if not pair[0] <= n <= pair[1]:
                out.append(doc.problem(path, f"{n} is outside the hard limits "
                                       f"{pair[0]}-{pair[1]} (hard_limits.{key})"))
                return

    for i, phase in enumerate(raw["phases"]):
        key = _override_key(phase)
        table = phase["weeks"] if phase["kind"] == "fixed" else phase["weeks_per_step"]
        if key:
            for name, rows in (("weeks" if phase["kind"] == "fixed" else "weeks_per_step", table),
                               ("limits", phase["limits"])):
                for sev, row in (rows or {}).items():
                    inside(("phases", i, name, sev), row, key)
        if phase["kind"] == "continuous":
            goal_limits = phase["goal_limits"]
            if not goal_limits or len(goal_limits) != 2 or goal_limits[0] > goal_limits[1]:
                out.append(doc.problem(("phases", i, "goal_limits"),
                                       "expected [lowest, highest] weekly minutes"))
                continue
            inside(("phases", i, "goal_limits"), goal_limits, "goal")
            low, high = goal_limits
            default = phase["default_goal_weekly_minutes"]
            if default and not low <= default <= high:
                out.append(doc.problem(("phases", i, "default_goal_weekly_minutes"),
                                       f"{default} is outside goal_limits {low}-{high}"))
    return out


def _sessions(raw: list[dict]) -> tuple[Session, ...]:
    return tuple(
        Session(kind=s["kind"], title=s["title"], times=_times_of(s["times"]),
                spacing=s["spacing"] or "", exercises=tuple(s["exercises"]), text=s["text"] or "")
        for s in raw
    )


def _times_of(value: int | list[int]) -> tuple[int, int]:
    return (value, value) if isinstance(value, int) else (value[0], value[1])


def _check_times(doc: Document, path: tuple, value: object) -> list[Problem]:
    """A number of sessions a week (1-7), or [fewest, most]."""
    def ok(n: object) -> bool:
        return isinstance(n, int) and not isinstance(n, bool) and 1 <= n <= 7

    if ok(value) or (isinstance(value, list) and len(value) == 2 and all(map(ok, value))
                     and value[0] < value[1]):
        return []
    return [doc.problem(path, f"expected sessions a week (1-7), or [fewest, most]; got {value!r}",
                        hint="e.g. times: 3, or times: [2, 3]")]


def _table_of(raw: dict | None) -> dict[str, tuple[int, ...]] | None:
    return None if raw is None else {k: tuple(v) for k, v in raw.items()}


def _build(raw: dict, raw_exercises: dict, text: dict[str, str], digest: str,
           injury_fields: dict[str, FieldSpec], history_fields: dict[str, FieldSpec],
           declared: dict[str, tuple[Rule, ...]], walk: dict | None) -> Protocol:
    rest = raw.get("full_rest_days") or {}
    ids = [p["id"] for p in raw["phases"]]
    rest_from = ids.index(rest["from_phase"]) if rest.get("from_phase") in ids else len(ids)
    phases = tuple(
        Phase(
            id=p["id"], kind=p["kind"], title=p["title"], short=p["short"],
            weight_bearing=p["weight_bearing"], about=p["about"],
            sessions=_sessions(p["sessions"]) + _sessions(p["extra_sessions"]),
            gate=Gate(p["gate"]["title"], tuple(p["gate"]["checks"])),
            milestone=p["milestone"], strength_stage=p["strength_stage"],
            opened_by_clinician=p["opened_by"] == "clinician",
            weeks=_table_of(p["weeks"]), weeks_per_step=_table_of(p["weeks_per_step"]),
            steps=tuple(WalkRunStep(**s) for s in p["steps"]),
            sessions_per_week=p["sessions_per_week"] or 0,
            session_title=p["session_title"] or "", spacing=p["spacing"] or "",
            start_minutes=p["start_minutes"] or 0,
            max_run_minutes=p["max_run_minutes"] or 0,
            max_sessions_per_week=p["max_sessions_per_week"] or 0,
            spacing_by_runs={int(k): v for k, v in (p["spacing_by_runs"] or {}).items()},
            beyond_goal=p["beyond_goal"] or "",
            max_weekly_increase_percent=p["max_weekly_increase_percent"] or 0,
            default_goal_weekly_minutes=p["default_goal_weekly_minutes"] or 0,
            limits={k: (v[0], v[-1]) for k, v in p["limits"].items()} if p["limits"] else None,
            goal_limits=tuple(p["goal_limits"]) if p["goal_limits"] else None,
            not_before=p["not_before"] or "",
            rest_days=rest["per_week"] if i >= rest_from else 0,
        )
        for i, p in enumerate(raw["phases"])
    )
    return Protocol(
        id=raw["id"], title=raw["title"],
        severity_levels=tuple(raw["severity"]["levels"]),
        injury_fields=injury_fields, history_fields=history_fields,
        history_levels=tuple(raw["history"]["levels"]),
        history_level_names=tuple(raw["history"]["level_names"]),
        floors={name: value if isinstance(value, dict) else dict.fromkeys(
                    raw["severity"]["levels"], value) for name, value in raw["floors"].items()},
        hard_limits={k: (v[0], v[-1]) for k, v in raw["hard_limits"].items()},
        severity_minimums={k: dict(v) for k, v in (raw["severity_minimums"] or {}).items()},
        setback_weeks=raw["progress"]["setback_weeks"],
        resume_weeks=raw["progress"]["resume_weeks"],
        recent_setback_days=raw["progress"]["recent_setback_days"],
        quiet_days=raw["progress"]["quiet_days"],
        paused_kinds=tuple(raw["progress"]["paused_sessions"]),
        leeway_days=raw["progress"]["leeway_days"],
        step_pain_max=raw["progress"]["step_pain_max"],
        referral=declared["referral"], review_flags=declared["review_flags"],
        phases=phases,
        brisk_walk=BriskWalk(
            starts_with=walk["starts_with"], ends_before=walk["ends_before"],
            start_minutes=walk["start_minutes"], step_minutes=walk["step_minutes"],
            target_minutes=walk["target_minutes"],
            weeks_per_step=_table_of(walk["weeks_per_step"]),
            weeks_at_target_before_running=walk["weeks_at_target_before_running"],
            title=walk["title"], times=_times_of(walk["times"]), text=walk["text"] or "",
        ) if walk else None,
        exercises={
            k: Exercise(id=k, name=v["name"], dose=v["dose"], how=v["how"], cues=tuple(v["cues"]),
                        impact=v["impact"], start_dose=v["start_dose"] or "",
                        not_before=v["not_before"] or "", picture=v["picture"])
            for k, v in raw_exercises.items()
        },
        text=text,
        digest=digest,
        spacing_rules={words: SpacingRule(rule["rest_days"] or 0, tuple(rule["not_with"]))
                       for words, rule in (raw["spacing_rules"] or {}).items()},
        pain_stop_at=raw["pain_score"]["stop_at"],
        pain_advice=raw["pain_score"]["advice"] or DEFAULT_PAIN_ADVICE,
    )

