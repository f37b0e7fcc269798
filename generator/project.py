"""`rehab init`: a new clinic project, and the profiles `rehab new` and `init` write.

A new project holds its settings and its athletes only; the protocol content and the
templates come from the package (generator/shipped.py) until the clinic adds its own.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from generator.config import CONFIG_FILE
from generator.errors import InputError
from generator.shipped import STARTER as STARTER_TEMPLATE
from generator.shipped import find_file, shipped

EXAMPLE_TEMPLATE = "example-profile.yaml"  # under templates/, beside the starter profile
EXAMPLE = "riley-park"  # the fictional athlete's id in a new project
IGNORED = ("/site/", "/.rehab/")  # the built site; the secret key and the build state

# Every key of rehab.yaml (config.SCHEMA), commented out with its default. A test checks
# that it names every key and reads as the defaults.
CONFIG_TEXT = """\
# rehab.yaml: how this project builds. `rehab build`, `serve`, `check`, `status`, `plan`,
# `link`, `new` and `record` read it; a command-line flag beats the value here.
# Every key is optional and shown with its default, commented out: delete the `# ` in
# front of a key to set it. Folders are relative to this file's folder.

# plans: plans              # athlete profiles, one YAML file per athlete (--plans)
# out: site                 # where the site is written (--out); its build state goes
                            # to .rehab/ beside it, never inside
# base_url: https://plans.example.org/   # where `out` is published (--base-url): each
                            # handout gets a QR code of its athlete's page, and calendar
                            # events link it. Unset: no QR code.
# paper: a4                 # handout paper, a4 or letter (--paper); a profile's
                            # `paper:` wins for its athlete
# language: en              # the athletes' page, handout and calendar: en or de; a
                            # profile's `language:` wins for its athlete. The clinic's
                            # outputs (status, check, the report) stay in English.
# pdf: true                 # make plan.pdf, the printed handout (--pdf / --no-pdf)
# jobs: 2                   # worker processes (--jobs); unset: the number of CPU cores

# The protocols and the page and handout templates come with rehab. A folder of your own
# overrides them: content/<protocol>/ replaces the protocol folder of that name (`rehab
# init --with-content` copies them here to edit), templates/ the file of the same path.
# content: content          # your protocols (--content)
# templates: templates      # your templates and assets (--templates)

# The contact a page, handout and calendar show where a profile's `clinician:` leaves
# the clinic, phone or email blank (the profile's own values always win).
# clinic:
#   name: ""                # e.g. Riverside Sports Medicine
#   phone: ""               # quoted, e.g. "+44 20 7946 0001", or YAML may read a number
#   email: ""               # e.g. clinic@riverside.example
"""


@dataclass(frozen=True)
class NewProject:
    folder: Path
    written: tuple[str, ...]  # relative paths, as they should be listed


STARTER_NAME = "New Athlete"  # the starter's name when `rehab new` is given an id only
ID_LENGTH = 64  # profile.ID_PATTERN's longest id


def fill_in(template: str, athlete: str, today: dt.date, name: str | None = None) -> str:
    """A profile template's `{{ id }}`, `{{ name }}`, `{{ today }}` and `{{ today - N days }}`.

    A clinic's own starter without `{{ name }}` gets the name on its top-level `name:` line.
    """
    def day(match: re.Match) -> str:
        return (today - dt.timedelta(days=int(match.group(1) or 0))).isoformat()

    text = template.replace("{{ id }}", athlete)
    if "{{ name }}" in text:
        text = text.replace("{{ name }}", yaml_text(name or STARTER_NAME))
    elif name:
        text = re.sub(r"(?m)^name:[ \t]*(?:\S[^#\n]*?)?(?=[ \t]*(?:#|$))",
                      lambda _: f"name: {yaml_text(name)}", text, count=1)
    return re.sub(r"\{\{ today(?: - (\d+) days)? \}\}", day, text)


def starter_for(starter: str, protocol, today: dt.date) -> str:
    """A filled-in starter with its injury and history sections, and its examples of progress
    events and overrides, written for this protocol from its own declarations."""
    from generator.guide import starter_comments, starter_sections

    injury, history = starter_sections(protocol, today.isoformat())
    progress, overrides = starter_comments(protocol)
    text = replace_section(replace_section(starter, "injury", injury), "history", history)
    return replace_comment_block(replace_comment_block(text, "progress", progress),
                                 "overrides", overrides)


def replace_section(profile: str, key: str, section: str) -> str:
    """A profile's top-level `key:` block (its line and the indented lines after it) replaced
    by `section`; appended when the profile has none."""
    lines = profile.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.startswith(f"{key}:")), None)
    if start is None:
        return profile + section
    end = start + 1
    while end < len(lines) and (lines[end].startswith((" ", "\t")) or not lines[end].strip()):
        end += 1
    return "".join(lines[:start]) + section + "".join(lines[end:])


def replace_comment_block(profile: str, head: str, lines: list[str]) -> str:
    """A commented example (its `# head:` line and the `#   ` lines after it) replaced."""
    rows = profile.splitlines(keepends=True)
    start = next((i for i, row in enumerate(rows) if row.rstrip() == f"# {head}:"), None)
    if start is None:
        return profile
    end = start + 1
    while end < len(rows) and rows[end].startswith("#   "):
        end += 1
    return "".join(rows[:start]) + "".join(f"{line}\n" for line in lines) + "".join(rows[end:])


def yaml_text(text: str) -> str:
    """Text as a YAML value on one line: plain where YAML reads it back as the same text,
    else double-quoted (JSON's quoting is YAML's)."""
    import yaml

    plain = "#" not in text and text == text.strip()
    try:
        plain = plain and yaml.safe_load(f"name: {text}") == {"name": text}
    except yaml.YAMLError:
        plain = False
    return text if plain else json.dumps(text, ensure_ascii=False)


# Letters with no accent to take off: spelt out, not dropped ('Weiß' is not 'Wei')
SPELT_OUT = str.maketrans({"ß": "ss", "ẞ": "ss", "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe",
                           "ø": "o", "Ø": "o", "ł": "l", "Ł": "l", "đ": "d", "Đ": "d",
                           "þ": "th", "Þ": "th", "ı": "i"})


def id_from_name(name: str) -> str:
    """The id a typed name makes: 'Ann Lee' -> 'ann-lee', "Zoë O'Brien" -> 'zoe-obrien',
    'Jonas Weiß' -> 'jonas-weiss'; '' when no letter a-z or digit is left (a name in another
    script)."""
    spelt = unicodedata.normalize("NFKD", name.translate(SPELT_OUT))
    ascii_text = spelt.encode("ascii", "ignore").decode()
    words = re.sub(r"['`]", "", ascii_text.lower())
    return re.sub(r"[^a-z0-9]+", "-", words).strip("-")[:ID_LENGTH].rstrip("-")
# The starter's fields a person must fill in: their values there are examples, never to
# reach an athlete (a profile that still holds one is refused: profile.py)
STARTER_TEXT_FIELDS = (("name",), ("notes",), ("clinician", "name"), ("clinician", "clinic"),
                       ("clinician", "phone"), ("clinician", "email"))


def starter_examples(template: str) -> dict[tuple[str, ...], str]:
    """The example text a profile template (`rehab new`'s starter) gives its fill-in fields,
    by field path; {} for a template that does not read as a profile."""
    from generator.yamlsource import parse

    try:
        values = parse(fill_in(template, "x", dt.date(2000, 1, 1)), STARTER_TEMPLATE).value
    except InputError:
        return {}
    found = {}
    for path in STARTER_TEXT_FIELDS:
        value = values
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        if isinstance(value, str) and value.strip():
            found[path] = value.strip()
    return found


def init_project(folder: Path, today: dt.date, with_content: bool = False) -> NewProject:
    """Write a new project into folder (made if needed); writes nothing if any of its files
    would replace one already there. In a project already (`with_content`), only content/."""
    config, plans, content = folder / CONFIG_FILE, folder / "plans", folder / "content"
    if folder.exists() and not folder.is_dir():
        raise InputError.single(str(folder), "is a file, not a folder")
    if with_content and content.exists():
        raise InputError.single(str(content), "already exists; not overwritten",
                                hint="leave out --with-content, or move it away first")
    if config.exists() and with_content:  # a project that wants the protocols to edit
        shutil.copytree(shipped("content"), content, copy_function=shutil.copy)
        return NewProject(folder, ("content/",))
    if config.exists():
        raise InputError.single(str(config), "already exists: this is a project already",
                                hint="run `rehab build` there, or choose a new folder; "
                                "`--with-content` adds content/ to it")
    add_example = not (plans.is_dir() and any(plans.glob("*.yaml")))
    example = find_file((shipped("templates"),), EXAMPLE_TEMPLATE).read_text(encoding="utf-8")

    written = [CONFIG_FILE]
    plans.mkdir(parents=True, exist_ok=True)
    with open(config, "x", encoding="utf-8") as handle:
        handle.write(CONFIG_TEXT)
    if add_example:
        with open(plans / f"{EXAMPLE}.yaml", "x", encoding="utf-8") as handle:
            handle.write(fill_in(example, EXAMPLE, today))
        written.append(f"plans/{EXAMPLE}.yaml")
    if _ignore(folder / ".gitignore"):
        written.append(".gitignore")
    if with_content:
        shutil.copytree(shipped("content"), content, copy_function=shutil.copy)
        written.append("content/")
    return NewProject(folder, tuple(written))


def _ignore(path: Path) -> bool:
    """Add what git must never see to .gitignore (made if needed); True if it changed."""
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    missing = [line for line in IGNORED if line not in text.splitlines()]
    if not missing:
        return False
    lead = "\n" if text and not text.endswith("\n") else ""
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(lead + "# the built site; the secret key and the build state\n"
                     + "".join(f"{line}\n" for line in missing))
    return True
