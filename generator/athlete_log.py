"""The athlete's own log, made on the phone ("Download my log") and brought to the clinic:
checked and merged beside the profile (`rehab import-log`), and summed up for `rehab status`.

The file is {"athlete", "plan_as_of", "entries": [{"date", "done", "pain", "note"}]} (plus
"red_flag": true on a day the athlete ticked it). The merged log lives in
plans/<id>.log.json: the same shape, one entry per date, the newest import winning a date.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from generator.build import plan_athlete
from generator.errors import InputError
from generator.load import Inputs
from generator.plan import Audience, Note, Plan, Referral
from generator.profile import is_athlete_id
from generator.write import replace_file

MAX_BYTES = 2 * 1024 * 1024  # years of daily entries fit in a fraction of this
MAX_NOTE = 2000
ADHERENCE_DAYS = 14
PAIN_DAYS = 7
QUIET_LOG_DAYS = 7  # a log whose last day is this old: the athlete may have stopped logging
_ENTRY_KEYS = {"date", "done", "pain", "note", "red_flag"}


@dataclass(frozen=True)
class LogEntry:
    date: dt.date
    done: tuple[str, ...] = ()  # session titles ticked off that day
    pain: int | None = None  # 0-10
    note: str | None = None
    red_flag: bool = False


@dataclass(frozen=True)
class AthleteLog:
    athlete: str
    entries: tuple[LogEntry, ...]  # one per date, in date order
    plan_as_of: dt.date | None = None  # the plan the phone showed when the log was saved


@dataclass(frozen=True)
class LogSummary:
    """What `rehab status` shows of an athlete's log, as of a day."""

    done: int  # sessions done of those planned in the last ADHERENCE_DAYS days
    planned: int
    pain_max: int | None  # the highest pain in the last PAIN_DAYS days
    last_log: dt.date | None
    notes: tuple[Note, ...] = ()  # for the clinician: high pain, red flags, no recent log

    @property
    def adherence(self) -> float | None:
        return round(self.done / self.planned, 3) if self.planned else None

    @property
    def flags(self) -> tuple[str, ...]:
        return tuple(note.short for note in self.notes)


def log_path(plans_dir: Path, athlete: str) -> Path:
    """Where an athlete's imported log is kept: beside the profile."""
    return plans_dir / f"{athlete}.log.json"


# --- reading and checking ----------------------------------------------------------------------

def read_log(path: Path) -> AthleteLog:
    """A log file as JSON, checked for its shape; raises InputError naming the file."""
    name = str(path)
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise InputError.single(name, f"cannot be read ({err.strerror or err})") from None
    if len(raw) > MAX_BYTES:
        raise InputError.single(name, f"file is {len(raw):,} bytes; the limit is {MAX_BYTES:,}")
    try:
        document = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as err:
        raise InputError.single(name, f"this is not UTF-8 text (byte {err.start})") from None
    except json.JSONDecodeError as err:
        raise InputError.single(name, f"this is not a log (not JSON: {err.msg}, line "
                                f"{err.lineno} column {err.colno})",
                                hint="use the file from the page's Download my log") from None
    return parse_log(document, name)


def parse_log(document: object, name: str) -> AthleteLog:
    def fail(field: str, message: str, hint: str = "") -> InputError:
        return InputError.single(name, message, field=field, hint=hint)

    if not isinstance(document, dict) or not {"athlete", "entries"} <= set(document):
        raise fail("", "this is not a log: expected an object with athlete and entries",
                   hint="use the file from the page's Download my log")
    athlete = document["athlete"]
    if not isinstance(athlete, str) or not is_athlete_id(athlete):
        raise fail("athlete", f"{athlete!r} is not an athlete id")
    as_of = document.get("plan_as_of")
    plan_as_of = _date(as_of, "plan_as_of", fail) if as_of is not None else None
    if not isinstance(document["entries"], list):
        raise fail("entries", "expected a list of days")
    entries: dict[dt.date, LogEntry] = {}
    for i, raw in enumerate(document["entries"]):
        where = f"entries[{i}]"
        if not isinstance(raw, dict) or "date" not in raw:
            raise fail(where, "expected a day: {date, done, pain, note}")
        unknown = sorted(set(raw) - _ENTRY_KEYS)
        if unknown:
            raise fail(f"{where}.{unknown[0]}", "unknown field",
                       hint="a day has date, done, pain, note and red_flag")
        day = _date(raw["date"], f"{where}.date", fail)
        if day in entries:
            raise fail(f"{where}.date", f"{day} is listed twice")
        done = raw.get("done") or []
        if not isinstance(done, list) or not all(isinstance(t, str) for t in done):
            raise fail(f"{where}.done", "expected a list of session titles")
        pain = raw.get("pain")
        if pain is not None and (not isinstance(pain, int) or isinstance(pain, bool)
                                 or not 0 <= pain <= 10):
            raise fail(f"{where}.pain", f"{pain!r} is not a pain score",
                       hint="expected a whole number 0-10, or null")
        note = raw.get("note")
        if note is not None and (not isinstance(note, str) or len(note) > MAX_NOTE):
            raise fail(f"{where}.note", f"expected text of at most {MAX_NOTE} characters, or null")
        red_flag = raw.get("red_flag", False)
        if not isinstance(red_flag, bool):
            raise fail(f"{where}.red_flag", "expected true or false")
        entries[day] = LogEntry(day, tuple(dict.fromkeys(done)), pain, note or None, red_flag)
    return AthleteLog(athlete, tuple(entries[d] for d in sorted(entries)), plan_as_of)


def check_against(log: AthleteLog, name: str, plan: Plan, today: dt.date) -> None:
    """What only the athlete's plan can say: no day after today, every session one it has."""
    known = {t for week in plan.weeks for day in week.days for t in day.sessions}
    for i, entry in enumerate(log.entries):  # in date order, as stored
        if entry.date > today:
            raise InputError.single(name, f"{entry.date} is after today ({today})",
                                    field=f"entries[{i}].date", hint="check the phone's date")
        for title in entry.done:
            if title not in known:
                raise InputError.single(name, f"'{title}' is not a session of "
                                        f"{log.athlete}'s plan", field=f"entries[{i}].done")


def _date(value: object, field: str, fail) -> dt.date:
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise fail(field, f"{value!r} is not a date", hint="expected YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise fail(field, f"{value!r} is not a real calendar date") from None


# --- merging and storing ---------------------------------------------------------------------

def merge(earlier: AthleteLog | None, newer: AthleteLog) -> tuple[AthleteLog, int, int]:
    """The stored log with a new import: a date in both takes the newer import's day.
    Returns the merged log, and how many dates were new and how many replaced."""
    days = {e.date: e for e in (earlier.entries if earlier else ())}
    added = sum(e.date not in days for e in newer.entries)
    replaced = sum(e.date in days and days[e.date] != e for e in newer.entries)
    days.update((e.date, e) for e in newer.entries)
    as_of = max((d for d in (earlier and earlier.plan_as_of, newer.plan_as_of) if d),
                default=None)
    return AthleteLog(newer.athlete, tuple(days[d] for d in sorted(days)), as_of), added, replaced


def log_json(log: AthleteLog) -> bytes:
    """The stored log: the phone's format, one entry per date in order."""
    return (json.dumps({
        "athlete": log.athlete,
        "plan_as_of": log.plan_as_of.isoformat() if log.plan_as_of else None,
        "entries": [_entry_dict(e) for e in log.entries],
    }, indent=1, ensure_ascii=False) + "\n").encode()


def _entry_dict(entry: LogEntry) -> dict:
    out = {"date": entry.date.isoformat(), "done": list(entry.done), "pain": entry.pain,
           "note": entry.note}
    if entry.red_flag:
        out["red_flag"] = True
    return out


def stored_log(plans_dir: Path, athlete: str) -> AthleteLog | None:
    """The athlete's imported log, or None before the first import; raises InputError."""
    path = log_path(plans_dir, athlete)
    return read_log(path) if path.is_file() else None


# --- for the clinician ---------------------------------------------------------------------

def summarize(log: AthleteLog | None, plan: Plan, today: dt.date) -> LogSummary:
    """Sessions done of those the plan had on the last ADHERENCE_DAYS days up to today (a day
    the log does not have counts as none done), the highest pain of the last PAIN_DAYS days,
    and the flags: pain at or above the protocol's stop threshold, a red flag, and no day
    logged for QUIET_LOG_DAYS."""
    entries = {e.date: e for e in (log.entries if log else ())}
    planned_on = {d.date: d.sessions for w in plan.weeks for d in w.days}
    window = [today - dt.timedelta(days=n) for n in range(ADHERENCE_DAYS)]
    planned = sum(len(planned_on.get(day, ())) for day in window)
    done = sum(len(set(planned_on.get(day, ())) & set(entries[day].done))
               for day in window if day in entries)
    recent = sorted((entries[today - dt.timedelta(days=n)] for n in range(PAIN_DAYS)
                     if today - dt.timedelta(days=n) in entries), key=lambda e: e.date)
    pains = [e.pain for e in recent if e.pain is not None]
    notes = [_flag("pain", f"pain {e.pain}/10 {e.date}") for e in recent
             if e.pain is not None and e.pain >= plan.pain_stop_at]
    notes += [_flag("red_flag", f"red flag {e.date}") for e in recent if e.red_flag]
    last = max(entries, default=None)
    if last is not None and (today - last).days >= QUIET_LOG_DAYS:
        notes.append(_flag("no_log", f"no log for {(today - last).days} days (last {last})"))
    return LogSummary(done=done if log else 0, planned=planned if log else 0,
                      pain_max=max(pains, default=None), last_log=last, notes=tuple(notes))


def _flag(kind: str, words: str) -> Note:
    return Note(Audience.CLINICIAN, kind, words, words)


@dataclass(frozen=True)
class LogWeek:
    """One plan week of the athlete's log, up to today: for the clinic's chart."""

    number: int  # the plan's week number
    start: dt.date
    end: dt.date  # the week's last day, or today in the current week
    planned: int  # sessions the plan put on its days up to `end`
    done: int  # of those, ticked off in the log
    days: tuple[LogEntry | None, ...]  # each day from start to end: the log's, or None


def log_weeks(log: AthleteLog | None, plan: Plan, today: dt.date, count: int = 8
              ) -> tuple[LogWeek, ...]:
    """The last `count` weeks of the plan up to today, as the log has them (sessions done of
    those planned, as summarize() counts them; each day's entry for its pain)."""
    entries = {e.date: e for e in (log.entries if log else ())}
    out = []
    for week in [w for w in plan.weeks if w.start <= today][-count:]:
        days = [d for d in week.days if d.date <= today]
        planned = sum(len(d.sessions) for d in days)
        done = sum(len(set(d.sessions) & set(entries[d.date].done)) for d in days
                   if d.date in entries)
        out.append(LogWeek(week.number, week.start, days[-1].date, planned, done,
                           tuple(entries.get(d.date) for d in days)))
    return tuple(out)


# --- `rehab import-log` ----------------------------------------------------------------------

@dataclass(frozen=True)
class Imported:
    athlete: str
    file: Path
    stored: Path
    days: int  # days in the file
    added: int  # dates the stored log did not have
    replaced: int  # dates whose day changed
    summary: LogSummary


def import_logs(inputs: Inputs, files: Iterable[Path]) -> list[Imported | InputError]:
    """Each file on its own, in the order given: a bad one changes nothing, the rest go on."""
    out: list[Imported | InputError] = []
    for path in files:
        try:
            out.append(import_log(inputs, path))
        except InputError as err:
            out.append(err)
    return out


def import_log(inputs: Inputs, path: Path) -> Imported:
    """Check one file against its athlete's plan, merge it into the stored log, write that."""
    plans_dir, today, name = inputs.settings.plans, inputs.settings.today, str(path)
    log = read_log(path)
    profile = plans_dir / f"{log.athlete}.yaml"
    if not profile.is_file():
        raise InputError.single(name, f"no athlete '{log.athlete}' in {plans_dir}/",
                                field="athlete", hint="is it the right clinic's log?")
    try:
        _, plan = plan_athlete(profile, inputs)
    except InputError as err:
        raise InputError.single(name, f"{log.athlete}'s profile has {len(err.problems)} "
                                "error(s); the log needs the plan", field="athlete",
                                hint=f"see `rehab check {log.athlete}`") from None
    if isinstance(plan, Referral):
        raise InputError.single(name, f"{log.athlete} needs referral: there is no plan to "
                                "log against", field="athlete")
    check_against(log, name, plan, today)
    target = log_path(plans_dir, log.athlete)
    merged, added, replaced = merge(stored_log(plans_dir, log.athlete), log)
    replace_file(target, log_json(merged))
    return Imported(log.athlete, path, target, len(log.entries), added, replaced,
                    summarize(merged, plan, today))
