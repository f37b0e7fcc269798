"""rehab.yaml: how a project builds. Every key is declared once here, with its type and default.

Commands read the file (a missing one means every default), and their flags override it.
Folders written in the file are relative to the file's own folder; folders given as flags,
to the current directory.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from generator.errors import InputError
from generator.i18n import DEFAULT_LANGUAGE, languages
from generator.schema import Field, validate
from generator.shipped import search_path
from generator.yamlsource import Document, parse, read_text

if TYPE_CHECKING:  # profile.py imports the clinical core: `rehab --help` need not load it
    from generator.profile import Clinician

CONFIG_FILE = "rehab.yaml"
_CONTACT = 120  # characters; a clinic's name, phone or email is one line

SCHEMA = Field("section", fields={
    "plans": Field("text", default="plans", doc="folder of athlete profiles"),
    "content": Field("text", default="content", doc="folder of protocol content"),
    "templates": Field("text", default="templates", doc="folder of Jinja templates and assets"),
    "out": Field("text", default="site", doc="output folder"),
    "base_url": Field("text", default=None, max_length=500,
                      doc="where the site is published (https://...): a QR code on each "
                      "handout, a link in each calendar event"),
    "paper": Field("choice", choices=("a4", "letter"), default="a4",
                   doc="handout paper size; a profile's `paper:` wins for its athlete"),
    "language": Field("choice", choices=languages(), default=DEFAULT_LANGUAGE,
                      doc="the athletes' language; a profile's `language:` wins for its athlete"),
    "pdf": Field("bool", default=True, doc="make the PDF handouts"),
    "jobs": Field("int", minimum=1, maximum=256, default=None,
                  doc="worker processes (none: the number of CPU cores)"),
    "clinic": Field("section", doc="the contact a page and handout show where a profile's "
                    "`clinician:` leaves it blank", fields={
                        "name": Field("text", default="", max_length=_CONTACT),
                        "phone": Field("text", default="", max_length=40),
                        "email": Field("text", default="", max_length=_CONTACT),
                    }),
})
FOLDERS = ("plans", "content", "templates", "out")


@dataclass(frozen=True)
class Settings:
    """One command's settings: rehab.yaml's values, then its flags; `today` is never in the file."""

    plans: Path = Path("plans")
    content: Path = Path("content")
    templates: Path = Path("templates")
    out: Path = Path("site")
    today: dt.date = field(default_factory=dt.date.today)
    pdf: bool = True
    paper: str = "a4"  # handout paper unless a profile names its own
    language: str = "en"  # the athletes' language unless a profile names its own
    base_url: str | None = None  # where site/ is served; enables the handout's QR code
    jobs: int | None = None  # worker processes; None: one per CPU core
    # Fills the contact a profile's clinician leaves blank (`clinic` is the clinic's name).
    clinic: Clinician = field(default_factory=lambda: _clinician())
    secret_file: Path | None = None  # default: .rehab/secret.key beside plans/

    @property
    def key_file(self) -> Path:
        """Outside site/, in the project folder (the parent of plans/), ignored by git."""
        return self.secret_file or self.plans.parent / ".rehab" / "secret.key"

    def page_url(self, folder: str) -> str | None:
        """An athlete's page on the published site (`base_url`), or None when it is not set."""
        base = self.base_url
        return f"{base.rstrip('/')}/{folder}/" if base else None

    @property
    def workers(self) -> int:
        return self.jobs or os.cpu_count() or 1

    @property
    def content_folders(self) -> tuple[Path, ...]:
        """The project's content/ (if it has one), then the package's: a protocol folder in
        the first hides the one of the same name in the second (generator/shipped.py)."""
        return search_path(self.content, "content")

    @property
    def template_folders(self) -> tuple[Path, ...]:
        """The project's templates/ (if it has one), then the package's, file by file."""
        return search_path(self.templates, "templates")


def base_url_problem(value: str) -> str | None:
    """Why a site address is not one we can put on a handout, or None if it is fine."""
    parsed = urlsplit(value)
    if parsed.scheme not in ("https", "http") or not parsed.netloc or parsed.query \
            or parsed.fragment:
        return f"'{value}' is not a site address; use https://host/path"
    return None


def read_config(path: Path) -> dict:
    """The file's values, checked against SCHEMA, every default filled in; InputError lists
    every problem with its line."""
    label = str(path)
    if not path.is_file():
        raise InputError.single(label, "config file not found",
                                hint="pass --config FILE, or leave it out to use the defaults")
    text = read_text(path, label)
    if not any(_is_content(line) for line in text.splitlines()):
        return _defaults()  # every key commented out: the defaults, as documented
    doc = parse(text, label)
    values, problems = validate(doc, SCHEMA)
    for name in FOLDERS:
        if values[name] is not None and not values[name].strip():
            problems.append(doc.problem((name,), "is empty; expected a folder"))
    if values["base_url"] and (problem := base_url_problem(values["base_url"])):
        problems.append(doc.problem(("base_url",), problem))
    if problems:
        raise InputError(sorted(problems, key=lambda p: (p.line or 0, p.column or 0)))
    return values


def load_settings(config: Path | None = None, today: dt.date | None = None,
                  **flags) -> Settings:
    """Settings for one command: `config` (default: ./rehab.yaml, if there is one), with every
    flag that is not None taking the place of the file's value.

    Flags: plans, content, templates, out (Paths), pdf, paper, base_url, jobs.
    """
    unknown = set(flags) - set(SCHEMA.fields)
    if unknown:
        raise TypeError(f"not a setting: {', '.join(sorted(unknown))}")  # a programming error
    if config is None and Path(CONFIG_FILE).is_file():
        config = Path(CONFIG_FILE)
    values = read_config(config) if config is not None else _defaults()
    home = config.parent if config is not None else Path()
    for name in FOLDERS:
        values[name] = home / values[name]  # an absolute folder in the file stays absolute
    values.update({name: value for name, value in flags.items() if value is not None})
    for name in ("content", "templates"):
        # Without a folder of its own a project uses the package's; a folder named in
        # rehab.yaml or by a flag must be there (a typo must not fall back silently).
        if values[name] != home / SCHEMA.fields[name].default and not values[name].is_dir():
            raise InputError.single(str(values[name]), f"{name} folder not found", hint=(
                f"create it, or remove `{name}:` from {config or CONFIG_FILE} (or the --{name} "
                f"flag) to use the package's own {name}"))
    clinic = values.pop("clinic")
    return Settings(**{name: values[name] for name in SCHEMA.fields if name != "clinic"},
                    clinic=_clinician(clinic=clinic["name"].strip(),
                                      phone=clinic["phone"].strip(),
                                      email=clinic["email"].strip()),
                    today=today or dt.date.today())


def _clinician(**contact: str) -> Clinician:
    from generator.profile import Clinician

    return Clinician(**contact)


def _defaults() -> dict:
    return validate(Document(CONFIG_FILE, {}), SCHEMA)[0]


def _is_content(line: str) -> bool:
    line = line.strip()
    return bool(line) and not line.startswith("#") and line not in ("---", "...")
