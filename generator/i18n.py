"""The athlete's language: interface words from gettext catalogues, dates and numbers by Babel.

Catalogues live in generator/locale/<language>/LC_MESSAGES/messages.po (English is the
msgids themselves). A .po is compiled in memory when first used, so the catalogue a
translator edits is the one a build reads: no .mo to forget. The clinician's outputs
(status, check, the build report, the dashboard) never come here: they stay in English.
"""

from __future__ import annotations

import datetime as dt
import functools
import gettext
import io
from pathlib import Path

DEFAULT_LANGUAGE = "en"
LOCALE_DIR = Path(__file__).parent / "locale"
CATALOGUE = "LC_MESSAGES/messages.po"


@functools.cache
def languages() -> tuple[str, ...]:
    """English, then every language with a catalogue, in alphabetical order."""
    found = sorted(p.parent.parent.name for p in LOCALE_DIR.glob(f"*/{CATALOGUE}"))
    return (DEFAULT_LANGUAGE, *(lang for lang in found if lang != DEFAULT_LANGUAGE))


@functools.cache
def catalogue_digest() -> str:
    """What every catalogue holds, for the build state: a changed .po rebuilds its athletes."""
    import hashlib

    digest = hashlib.sha256()
    for path in sorted(LOCALE_DIR.glob(f"*/{CATALOGUE}")):
        digest.update(path.parent.parent.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


@functools.cache
def translations(language: str) -> gettext.NullTranslations:
    """The language's catalogue (fuzzy entries left out: they fall back to English)."""
    if language == DEFAULT_LANGUAGE:
        return gettext.NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po
    from babel.support import Translations

    path = LOCALE_DIR / language / CATALOGUE
    with path.open("rb") as po:
        catalog = read_po(po, locale=language)
    mo = io.BytesIO()
    write_mo(mo, catalog)
    mo.seek(0)
    return Translations(mo)


class Words:
    """One language's words for the athlete: gettext, plurals, dates and numbers."""

    def __init__(self, language: str = DEFAULT_LANGUAGE):
        self.language = language
        self._t = translations(language)

    def gettext(self, message: str, **values: object) -> str:
        text = self._t.gettext(message)
        return text % values if values else text

    def ngettext(self, singular: str, plural: str, n: int, **values: object) -> str:
        return self._t.ngettext(singular, plural, n) % {"num": n, **values}

    # Dates: English keeps the exact words it always had; other languages use their
    # locale's names through Babel, in the pattern their catalogue gives.
    def day(self, value: dt.date) -> str:
        """Tue 1 Sep 2026 / Di., 1. Sept. 2026"""
        if self.language == DEFAULT_LANGUAGE:
            return f"{value:%a} {value.day} {value:%b %Y}"
        return self._date(value, self._t.gettext("EEE d MMM y"))

    def short_day(self, value: dt.date) -> str:
        """1 Sep / 1. Sept."""
        if self.language == DEFAULT_LANGUAGE:
            return f"{value.day} {value:%b}"
        return self._date(value, self._t.gettext("d MMM"))

    def day_month(self, value: dt.date) -> str:
        """Mon 7 Dec / Mo., 7. Dez."""
        if self.language == DEFAULT_LANGUAGE:
            return f"{value:%a} {value.day} {value:%b}"
        return self._date(value, self._t.gettext("EEE d MMM"))

    def inline(self, title: str) -> str:
        """A title inside a sentence: English lowercases it ('the checklist before strength
        stage 2'); German keeps its capitals (nouns are capitalised)."""
        return title.lower() if self.language == DEFAULT_LANGUAGE else title

    def week_range(self, start: dt.date, end: dt.date) -> str:
        """Tue 17 – Mon 23 Nov 2026, Tue 24 Nov – Mon 30 Nov 2026 (the end part is always a
        whole `day`: plan.js reads it)."""
        if (start.year, start.month) == (end.year, end.month):
            first = (f"{start:%a} {start.day}" if self.language == DEFAULT_LANGUAGE
                     else self._date(start, self._t.gettext("EEE d")))
        else:
            first = self.day_month(start)
            first += f" {start.year}" if start.year != end.year else ""
        return f"{first} – {self.day(end)}"

    def _date(self, value: dt.date, pattern: str) -> str:
        return _babel_date(value, pattern, self.language)

    def number(self, value: float) -> str:
        """1.5 / 1,5"""
        if self.language == DEFAULT_LANGUAGE:
            return f"{value:g}"
        from babel.numbers import format_decimal

        return format_decimal(value, locale=self.language)

    def calendar_names(self) -> dict[str, list[str]]:
        """Weekday (Sunday first, as JavaScript counts) and month abbreviations, for plan.js."""
        if self.language == DEFAULT_LANGUAGE:
            return {"days": ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"],
                    "months": ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep",
                               "Oct", "Nov", "Dec"]}
        from babel.dates import get_day_names, get_month_names

        days = get_day_names("abbreviated", locale=self.language)
        months = get_month_names("abbreviated", locale=self.language)
        return {"days": [days[6]] + [days[i] for i in range(6)],
                "months": [months[i] for i in range(1, 13)]}


@functools.cache
@functools.lru_cache(maxsize=8192)  # a plan's ~70 weeks of dates, in several patterns
def _babel_date(value: dt.date, pattern: str, language: str) -> str:
    from babel.dates import format_date

    return format_date(value, pattern, locale=language)


def words(language: str = DEFAULT_LANGUAGE) -> Words:
    return Words(language)


def _(message: str) -> str:
    """Marks a message for extraction where it is translated later (pybabel finds `_`)."""
    return message
