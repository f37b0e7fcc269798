"""A protocol's content in another language: overlays beside the English, file by file.

    content/<protocol>/protocol.<lang>.yaml    the athlete's text of protocol.yaml
    content/<protocol>/exercises.<lang>.yaml   the athlete's text of exercises.yaml
    content/<protocol>/text/<lang>/<name>.md   a text file, under the English file's name

An overlay mirrors the English structure and holds only athlete-facing text (the keys in
PROTOCOL_TEXT and EXERCISE_TEXT below). A key it leaves out falls back to English and is
listed as untranslated (`rehab check` warns); a key the English lacks, or one that is not
the athlete's text, is an error naming the file and key. The format for translators:
docs/i18n-format.md.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.errors import Problem
from generator.yamlsource import Document, load, read_text

TEXT = "text"  # a value the athlete reads: translated as a whole
# How an overlay mirrors the English: a dict of keys; ("each", spec): a mapping whose keys
# are the English ones; ("list", spec): a list of the same length and order; ("by_id", spec):
# the English list of mappings with an `id`, keyed by that id; ("by_value",): the English list
# of words, keyed by each word.
PHASE_SESSION = {"title": TEXT, "text": TEXT}
PROTOCOL_TEXT: dict[str, Any] = {
    "title": TEXT,
    "severity": {"levels": ("by_value",)},
    "injury_fields": ("each", {"label": TEXT, "values": ("each", TEXT)}),
    "pain_score": {"advice": TEXT},
    "review_flags": ("list", {"athlete": TEXT}),
    "phases": ("by_id", {
        "title": TEXT, "short": TEXT, "about": TEXT, "session_title": TEXT,
        "beyond_goal": TEXT,
        "sessions": ("list", PHASE_SESSION), "extra_sessions": ("list", PHASE_SESSION),
        "gate": {"title": TEXT, "checks": ("list", TEXT)},
    }),
    "brisk_walk": {"title": TEXT, "text": TEXT},
    "spacing_rules": ("each", TEXT),  # keyed by the English words: the words the athlete reads
}
EXERCISE_TEXT: Any = ("each", {"name": TEXT, "dose": TEXT, "how": TEXT, "cues": ("list", TEXT),
                               "start_dose": TEXT})
UNTRANSLATED = "not translated; the athlete reads the English"
PLACEHOLDER = re.compile(r"\{(\w*)\}")


@dataclass
class Overlaid:
    """English with one language laid over it: the merged values, and what the overlay got
    wrong (errors) or left to English (missing: file and key path)."""

    value: Any
    errors: list[Problem]
    missing: list[Problem]


def overlay_files(folder: Path, language: str) -> list[Path]:
    """Every file of the language's overlay for this protocol folder (some may be absent)."""
    text = folder / "text" / language
    return [p for p in (folder / f"protocol.{language}.yaml", folder / f"exercises.{language}.yaml")
            if p.is_file()] + (sorted(text.glob("*.md")) if text.is_dir() else [])


def content_languages(folder: Path) -> set[str]:
    """The languages this protocol folder has any overlay for."""
    found = {p.name.split(".")[1] for p in folder.glob("*.*.yaml")
             if p.name.split(".")[0] in ("protocol", "exercises")}
    text = folder / "text"
    found |= {p.name for p in text.iterdir() if p.is_dir()} if text.is_dir() else set()
    return found


def overlay(english: Any, path: Path, spec: Any) -> Overlaid:
    """The English value with the overlay file's text laid over it (a missing file: all
    English, every key missing)."""
    result = Overlaid(None, [], [])
    doc = load(path, allow_aliases=True, max_bytes=1024 * 1024) if path.is_file() else None
    given = doc.value if doc is not None else None
    result.value = _merge(english, given, spec, (), doc, str(path), result)
    return result


def overlay_text(english: dict[str, str], files: dict[str, str], folder: Path,
                 language: str) -> Overlaid:
    """The protocol's Markdown texts (name -> English text, files: name -> file name) with
    text/<lang>/<file name> where it exists."""
    result = Overlaid(dict(english), [], [])
    for name, filename in sorted(files.items()):
        path = folder / "text" / language / filename
        if name not in english:
            continue
        if path.is_file():
            result.value[name] = read_text(path, str(path))
        else:
            result.missing.append(Problem(file=str(path), field=f"text.{name}",
                                          message=UNTRANSLATED))
    known = set(files.values())
    folder_of = folder / "text" / language
    if folder_of.is_dir():
        for path in sorted(folder_of.iterdir()):
            if path.name not in known:
                result.errors.append(Problem(file=str(path), message="is not one of the "
                                             "English text files", hint="known: "
                                             + ", ".join(sorted(known))))
    return result


def _where(doc: Document | None, path: tuple) -> dict:
    if doc is None:
        return {}
    try:
        return doc.where(path)
    except Exception:  # a path the document does not have: no line to show
        return {}


def _key(path: tuple) -> str:
    return ".".join(str(p) for p in path)


def _merge(english: Any, given: Any, spec: Any, path: tuple, doc: Document | None, file: str,
           out: Overlaid) -> Any:
    def error(message: str, hint: str = "", at: tuple | None = None) -> None:
        out.errors.append(Problem(file=file, field=_key(path), message=message, hint=hint,
                                  **_where(doc, at or path)))

    def unknown(key: Any, message: str, choices: list[str], label: str) -> None:
        """A key the English lacks, at its own line, with the nearest the English has."""
        close = difflib.get_close_matches(str(key), choices, n=1)
        error(message, at=path + (key,), hint=f"did you mean '{close[0]}'?" if close else
              f"{label}: " + ", ".join(choices))

    def missing() -> None:
        out.missing.append(Problem(file=file, field=_key(path), message=UNTRANSLATED))

    if spec == TEXT:
        if not english:
            if given not in (None, ""):
                error("the English has no text here to translate")
            return english
        if given is None:
            missing()
            return english
        if not isinstance(given, str) or not given.strip():
            error("expected the translated text", hint="a string, as in the English file")
            return english
        if sorted(PLACEHOLDER.findall(given)) != sorted(PLACEHOLDER.findall(english)):
            error("its placeholders differ from the English ("
                  + ", ".join("{" + p + "}" for p in PLACEHOLDER.findall(english)) + ")",
                  hint="keep every {name} exactly as in English")
            return english
        return given
    if english is None:
        if given is not None:
            error("the English has nothing here to translate")
        return english
    if isinstance(spec, dict):
        if given is not None and not isinstance(given, dict):
            error("expected keys, as in the English file")
            given = None
        merged = dict(english)
        for key in given or {}:
            if key not in spec:
                unknown(key, f"'{key}' is not athlete text to translate" if key in english
                        else f"'{key}' is not in the English file",
                        [k for k in spec if k in english], "translatable here")
        for key, sub in spec.items():
            if key in english:
                merged[key] = _merge(english[key], (given or {}).get(key), sub, path + (key,),
                                     doc, file, out)
        return merged
    kind, *rest = spec
    if kind == "by_value":
        merged_names: dict[str, str] = {}
        if given is not None and not isinstance(given, dict):
            error("expected each English word as a key, with its translation")
            given = None
        for key in given or {}:
            if key not in english:
                unknown(key, f"'{key}' is not in the English list", list(map(str, english)),
                        "known")
        for word in english:
            merged_names[word] = _merge(word, (given or {}).get(word), TEXT, path + (word,),
                                        doc, file, out)
        return merged_names
    if kind == "each" or kind == "by_id":
        keyed = {e.get("id"): e for e in english} if kind == "by_id" else english
        if not isinstance(keyed, dict):
            return english
        if given is not None and not isinstance(given, dict):
            error("expected a mapping keyed as the English" + (" ids" if kind == "by_id" else ""))
            given = None
        for key in given or {}:
            if key not in keyed:
                unknown(key, f"'{key}' is not in the English file", list(map(str, keyed)),
                        "known")
        merged_map = {key: _merge(value, (given or {}).get(key), rest[0], path + (key,), doc,
                                  file, out) for key, value in keyed.items()}
        return list(merged_map.values()) if kind == "by_id" else merged_map
    # a list: the same length and order as the English
    if given is not None and (not isinstance(given, list) or len(given) != len(english)):
        error(f"expected a list of {len(english)}, in the English order",
              hint="an entry with nothing to translate is {}")
        given = None
    return [_merge(e, given[i] if given is not None else None, rest[0], path + (i,), doc, file,
                   out) for i, e in enumerate(english)]
