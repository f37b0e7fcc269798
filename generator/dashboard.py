"""`rehab dashboard`: the clinic's view of every athlete, one self-contained HTML file.

Built from what `rehab status` reads (the profiles, their plans, the imported logs) and
written beside the project key (.rehab/dashboard.html), never into the site: it names every
athlete and shows what only the clinician sees. Every fact comes from the plan and the log;
this module only orders the athletes (flags first) and gathers what each row shows.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from generator.athlete_log import LogWeek, log_weeks
from generator.config import Settings
from generator.errors import InputError
from generator.load import Inputs
from generator.plan import Audience, Note
from generator.secret import private_folder
from generator.status import Seen, StatusRow, survey

FILE_NAME = "dashboard.html"
LOG_WEEKS = 8  # weeks of the athlete's log the chart shows

# What a flag is about, for the filter, and how urgent it is (lower first). A referral or a
# profile that does not build comes first, then what the athlete was told to call about
# (pain at or above the stop threshold, a red flag), a step a clinician must record that is
# overdue, a log that stopped; then the plan's own review flags and a recent setback.
KINDS = {
    "referral": ("referral", 0), "failed": ("profile error", 0),
    "red_flag": ("red flag", 1), "pain": ("pain", 1),
    "overdue": ("overdue step", 2),
    "no_log": ("no recent log", 3), "log_unreadable": ("no recent log", 3),
    "recent_setback": ("setback", 4), "review_flag": ("review flag", 4),
}
CALM = 5  # the rank of an athlete without a flag


@dataclass(frozen=True)
class Flag:
    kind: str  # a key of KINDS
    short: str  # a few words, as `rehab status` shows it
    text: str  # in full

    @property
    def group(self) -> str:
        """The filter's words for it: 'pain', 'overdue step'."""
        return KINDS.get(self.kind, ("review flag", 4))[0]


@dataclass(frozen=True)
class Athlete:
    """One row of the dashboard."""

    seen: Seen
    flags: tuple[Flag, ...]  # most urgent first
    rank: int  # of its most urgent flag; CALM without one
    log_weeks: tuple[LogWeek, ...]  # the last weeks of the log (empty before an import)
    clinician_notes: str  # the profile's private notes for the clinic, when it has them
    notes: tuple[Note, ...]  # what else the plan tells the clinician: warnings, reminders

    @property
    def row(self) -> StatusRow:
        return self.seen.row

    @property
    def groups(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(flag.group for flag in self.flags))


@dataclass(frozen=True)
class Dashboard:
    as_of: dt.date
    athletes: tuple[Athlete, ...]  # in the order shown: flags first, then by next gate

    @property
    def protocols(self) -> tuple[str, ...]:
        return tuple(sorted({a.seen.plan.protocol_title for a in self.athletes
                             if a.seen.plan}))

    @property
    def groups(self) -> tuple[str, ...]:
        """Every flag group some athlete has, in order of urgency."""
        present = {g for a in self.athletes for g in a.groups}
        ordered = sorted(KINDS.values(), key=lambda pair: pair[1])
        return tuple(dict.fromkeys(g for g, _ in ordered if g in present))


def athlete_view(seen: Seen, today: dt.date) -> Athlete:
    row, plan = seen.row, seen.plan
    if row.state == "ok":
        flags = [Flag(note.kind, note.short or note.text, note.text) for note in row.flagged]
    elif row.state == "referral":  # the reasons say it in a few words already
        flags = [Flag("referral", reason, reason) for reason in row.problems]
    else:  # the errors name file, line and field: in full below the row
        count = len(row.problems)
        flags = [Flag("failed", f"{count} error{'s' if count != 1 else ''} in the profile",
                      "\n".join(row.problems))]
    flags.sort(key=lambda f: KINDS.get(f.kind, ("", 4))[1])  # stable: the plan's order within
    notes = tuple(n for n in plan.notes if n.audience == Audience.CLINICIAN
                  and n not in row.flagged) if plan else ()
    return Athlete(
        seen=seen, flags=tuple(flags),
        rank=min((KINDS.get(f.kind, ("", 4))[1] for f in flags), default=CALM),
        log_weeks=log_weeks(seen.log, plan, today, LOG_WEEKS) if plan and seen.log else (),
        clinician_notes=getattr(seen.profile, "clinician_notes", "") or "",
        notes=notes)


def order(athletes: list[Athlete]) -> list[Athlete]:
    """Flags first (the most urgent first), then by the next step's date, then by id."""
    def key(athlete: Athlete):
        step = athlete.row.next_step
        return (athlete.rank, step is None, step.earliest if step else dt.date.max,
                athlete.row.athlete)
    return sorted(athletes, key=key)


def make_dashboard(settings: Settings, inputs: Inputs) -> Dashboard:
    views = [athlete_view(seen, settings.today) for seen in survey(settings, inputs)]
    return Dashboard(settings.today, tuple(order(views)))


def default_path(settings: Settings) -> Path:
    """Beside the project key (.rehab/), which git and the site never see."""
    return settings.key_file.parent / FILE_NAME


def check_place(path: Path, settings: Settings) -> None:
    """The dashboard names every athlete: never inside the published site."""
    if path.resolve().is_relative_to(settings.out.resolve()):
        raise InputError.single(str(path), f"the dashboard must not be inside the site folder "
                                f"({settings.out}): it names every athlete and would be "
                                "published", hint=f"leave out --out (it goes to "
                                f"{default_path(settings)}), or choose a file elsewhere")


def write_dashboard(path: Path, html: str) -> None:
    """Readable only by its owner, replaced whole (a temporary file beside it, one rename)."""
    try:
        if path.parent.name == ".rehab":  # made here: it ignores itself in git, as for the key
            private_folder(path.parent)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise InputError.single(str(err.filename or path.parent),
                                f"cannot make the folder: {err.strerror or err}") from None
    staged = path.with_name(f".{path.name}.{secrets.token_hex(4)}.new")
    try:
        fd = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(html.encode())
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(staged, path)
    except OSError as err:
        raise InputError.single(str(err.filename or path),
                                f"cannot write the dashboard: {err.strerror or err}") from None
    finally:
        staged.unlink(missing_ok=True)

