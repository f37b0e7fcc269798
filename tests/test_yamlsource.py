"""Reading YAML a person typed: every failure names the file, line and column, never crashes."""

from __future__ import annotations

import datetime as dt
import os

import pytest
import yaml
from factories import ROOT
from hypothesis import given, settings
from hypothesis import strategies as st

from generator import yamlsource
from generator.errors import InputError
from generator.yamlsource import MAX_BYTES, load, parse


def problems_of(text: str, **options) -> list:
    with pytest.raises(InputError) as caught:
        parse(text, "plans/x.yaml", **options)
    return list(caught.value.problems)


def test_values_keep_the_line_and_column_they_were_written_at():
    doc = parse("name: A\ninjury:\n  side: left\n", "plans/x.yaml")
    assert doc.value == {"name": "A", "injury": {"side": "left"}}
    assert doc.where(("injury", "side")) == {"line": 3, "column": 3}
    assert doc.where(("injury", "missing")) == {"line": 2, "column": 1}  # nearest parent


def test_malformed_yaml_says_where_and_where_the_bracket_was_opened():
    [problem] = problems_of("name: A\nrisk: [one, two\n")
    assert problem.file == "plans/x.yaml"
    assert problem.line == 3 and problem.column == 1
    assert "not valid YAML" in problem.message
    assert "line 2, column 7" in problem.hint


def test_bad_indentation_points_at_the_line():
    [problem] = problems_of("name: A\ninjury:\n  side: left\n diagnosed: 2026-01-01\n")
    assert problem.line == 4
    assert "not valid YAML" in str(problem)


def test_an_empty_file_suggests_the_starter():
    for text in ("", "\n\n", "# only a comment\n"):
        [problem] = problems_of(text)
        assert problem.message == "the file is empty"
        assert "rehab new" in problem.hint


def test_a_key_written_twice_is_refused_at_the_second():
    [problem] = problems_of("name: A\nside: left\nname: B\n")
    assert (problem.line, problem.column, problem.field) == (3, 1, "name")
    assert "written twice" in problem.message


def test_every_problem_of_a_file_comes_together():
    problems = problems_of("a: 1\na: 2\nb: 2026-02-30\nc: !foo x\n")
    assert [p.line for p in problems] == [2, 3, 4]


def test_impossible_dates_are_named_as_such():
    [problem] = problems_of("injury:\n  diagnosed: 2026-02-30\n")
    assert (problem.line, problem.column, problem.field) == (2, 14, "injury.diagnosed")
    assert "'2026-02-30' is not a real calendar date" in problem.message


def test_half_a_character_is_refused_where_it_is_written():
    """A \\ud800 escape is text to Python but cannot be written to a page: it used to stop the
    build with an internal error."""
    [problem] = problems_of('name: "Alex \\ud800 Morgan"\nnotes: "Fine \\U0001F600"\n')
    assert (problem.line, problem.column, problem.field) == (1, 7, "name")
    assert "half a character" in problem.message


def test_dates_with_a_midnight_time_are_plain_dates():
    assert parse("d: 2026-09-01\n", "x").value["d"] == dt.date(2026, 9, 1)


def test_an_alias_bomb_is_refused_without_expanding_it():
    laughs = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in "bcdefghi":
        previous = chr(ord(level) - 1)
        laughs.append(f"{level}: &{level} [" + ",".join([f"*{previous}"] * 9) + "]")
    problems = problems_of("\n".join(laughs) + "\n")
    assert len(problems) == 5  # a few positions, not 9**8 lines of output
    assert (problems[0].line, problems[0].column) == (2, 8)
    assert "aliases" in problems[0].message
    assert "72 aliases in this file" in problems[0].hint


def test_even_a_harmless_alias_is_refused_in_a_profile():
    [problem] = problems_of("a: &x foo\nb: *x\n")
    assert (problem.line, problem.column) == (2, 4)


def test_a_file_with_too_many_values_stops_where_the_limit_is_passed():
    text = "name: A\nrisk: [" + ", ".join(["x"] * 50) + "]\n"
    [problem] = problems_of(text, max_nodes=20)
    assert problem.message == "holds more than 20 values; the rest was not read"
    assert (problem.line, problem.column) == (2, 53)  # the 21st value: the 16th item
    assert parse(text, "plans/x.yaml", max_nodes=60).value["risk"] == ["x"] * 50


def test_aliases_are_allowed_in_protocol_content_but_bounded():
    assert parse("a: &x [1]\nb: *x\n", "x", allow_aliases=True).value == {"a": [1], "b": [1]}
    [problem] = problems_of("a: &a [*a]\n", allow_aliases=True)  # refers to itself
    assert "nested too deeply" in problem.message


def test_merge_keys_are_refused():
    [problem] = problems_of("<<: {a: 1}\nb: 2\n")
    assert "merge keys" in problem.message


def test_python_tags_are_refused_not_run():
    [problem] = problems_of(
        "a: !!python/object/apply:os.system ['echo hi']\nb: !!python/name:os.system x\n")
    assert problem.line == 2
    assert "!!python/name:os.system" in problem.message


def test_deep_nesting_is_an_error_not_a_recursion_crash():
    for text in ("a: " + "[" * 5000 + "]" * 5000, "a: " + "[" * 100 + "]" * 100,
                 "".join("  " * i + f"k{i}:\n" for i in range(200)) + "  " * 200 + "x: 1\n"):
        [problem] = problems_of(text)
        assert "nested too deeply" in problem.message


def test_non_text_files_are_named_not_decoded(tmp_path):
    binary = tmp_path / "photo.yaml"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    latin1 = tmp_path / "latin1.yaml"
    latin1.write_bytes("name: Zoë\n".encode("latin-1"))
    with pytest.raises(InputError, match="not a text file"):
        load(binary, "plans/photo.yaml")
    with pytest.raises(InputError, match="not UTF-8 text") as caught:
        load(latin1, "plans/latin1.yaml")
    assert caught.value.problems[0].hint == "save the file as UTF-8"


def test_a_byte_order_mark_is_fine(tmp_path):
    path = tmp_path / "bom.yaml"
    path.write_bytes("\ufeffname: Zoë\n".encode())
    assert load(path).value == {"name": "Zoë"}


def test_a_file_over_the_size_limit_is_not_read(tmp_path):
    path = tmp_path / "huge.yaml"
    path.write_text("notes: " + "x" * MAX_BYTES + "\n")
    with pytest.raises(InputError) as caught:
        load(path, "plans/huge.yaml")
    [problem] = caught.value.problems
    assert problem.file == "plans/huge.yaml"
    assert f"the limit is {MAX_BYTES:,}" in problem.message


def test_keys_must_be_plain_words():
    [problem] = problems_of("[a, b]: 1\n")
    assert problem.message == "a key must be a plain word"


def test_a_control_character_is_located_not_a_crash():
    [problem] = problems_of("name: Jo\nnotes: copied\x08 text\n")
    assert (problem.line, problem.column) == (2, 14)
    assert "control character (#x0008)" in problem.message


# --- libyaml: the same documents, read faster -------------------------------------------------

def outcome(text: str, fast: bool, **options):
    """What parse() gives with or without libyaml's parser: a Document or the problems."""
    saved = yamlsource._FastLoader
    if not fast:
        yamlsource._FastLoader = None
    try:
        doc = parse(text, "plans/x.yaml", **options)
        return ("read", doc.value, doc.locations)
    except InputError as err:
        return ("refused", err.problems)
    finally:
        yamlsource._FastLoader = saved


@pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML built without libyaml")
def test_libyaml_reads_what_a_build_reads_and_the_python_loader_does_not():
    """A profile: libyaml's parser and composer; content, whose aliases are allowed and
    located: libyaml's parser with PyYAML's composer."""
    calls = []
    real_composer, real_loader = yamlsource._Composer, yamlsource._FastLoader

    class ComposerSpy(real_composer):
        def __init__(self, stream, *args):
            calls.append(("composer", stream))
            super().__init__(stream, *args)

    class LoaderSpy(real_loader):
        def __init__(self, stream, *args):
            calls.append(("loader", stream))
            super().__init__(stream, *args)

    yamlsource._Composer, yamlsource._FastLoader = ComposerSpy, LoaderSpy
    try:
        parse("name: A\n", "plans/x.yaml")
        parse("name: A\n", "content/x.yaml", allow_aliases=True)
    finally:
        yamlsource._Composer, yamlsource._FastLoader = real_composer, real_loader
    assert calls == [("composer", "name: A\n"), ("loader", "name: A\n")]


@pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML built without libyaml")
def test_every_file_of_the_project_reads_the_same_with_libyaml():
    files = [*ROOT.glob("content/*/*.yaml"), *ROOT.glob("plans/*.yaml"),
             *ROOT.glob("tests/protocols/*/*.yaml"), ROOT / "rehab.yaml",
             ROOT / "templates" / "starter-profile.yaml"]
    for path in files:
        text = path.read_text(encoding="utf-8")
        for options in ({"allow_aliases": True}, {}):  # as content, and as a profile
            assert outcome(text, fast=True, **options) == \
                outcome(text, fast=False, **options), path


@pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML built without libyaml")
@pytest.mark.parametrize("text", [
    "a: " + "[" * 5000 + "]" * 5000,  # libyaml's own composer would crash the process
    "a: " + "[" * 100_000 + "]" * 100_000,
    "- " * 3000 + "x\n",
    "a: &a [*a]\n",
    "a: &x foo\nb: *x\nc: *x\n",
    "name: Jo\nnotes: copied\x08 text\n",
    "name: Zoë\nrisk: [one, two\n",
    "<<: {a: 1}\nb: 2\n",
    "a: !!python/name:os.system x\n",
    "a:\tb\n\tc: d\n",
    "k: 'it''s'\n\"q\": \"\\u00e9\\x41\"\n",
    "\ufeffname: A\n",
    "a: 1\n...\n---\nb: 2\n",
    "a: " + "[" * 150 + "]" * 150 + "\n",  # deep, but few enough for libyaml's composer
    "- " * 150 + "x\n",
    "name: A\nnotes: Great job!\n",
    "name: ! A\n",
    "a: &x [1]\nb: *x\n",
    "a: &x 1\nb: 2\n",
])
def test_libyaml_keeps_every_defence_and_every_message(text):
    for options in ({}, {"allow_aliases": True}):
        assert outcome(text, fast=True, **options) == outcome(text, fast=False, **options)


_YAMLISH = st.lists(st.sampled_from(list("ab1 :-?[]{},#&*!|>'\"\n\t\r%@`.\\~<=") +
                                    ["é", "\u2028", "\x85", "\ufeff", "  ", "\n  ", "- ", ": ",
                                     "&a ", "*a", "!!str ", "2026-02-30", "---", "...", "%YAML 1.1",
                                     "0x1f", "1_000", "null", "yes"]),
                    max_size=40).map("".join)
_SEED = (ROOT / "plans" / "alex-morgan.yaml").read_text(encoding="utf-8")
_CONTENT = (ROOT / "content" / "femoral-neck-stress-fracture" / "exercises.yaml").read_text(
    encoding="utf-8")[:3000]


@pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML built without libyaml")
@settings(max_examples=int(os.environ.get("REHAB_FUZZ_EXAMPLES", 300)), deadline=None)
@given(st.one_of(_YAMLISH, *(st.tuples(st.integers(0, len(seed)), st.integers(0, 40), _YAMLISH)
                             .map(lambda t, seed=seed: seed[:t[0]] + t[2] + seed[t[0] + t[1]:])
                             for seed in (_SEED, _CONTENT))), st.booleans())
def test_libyaml_and_the_python_loader_agree_on_any_text(text, allow_aliases):
    """Text libyaml reads must read the same in Python; anything else is the Python error.
    (It found every exception in yamlsource._PYTHON_ONLY.)"""
    assert outcome(text, fast=True, allow_aliases=allow_aliases) == \
        outcome(text, fast=False, allow_aliases=allow_aliases)


def test_the_fast_loader_stops_past_the_value_limit_too():
    """libyaml's parser with PyYAML's composer counts values as the Python loader does."""
    text = "risk_factors: [" + ", ".join(["a"] * 50) + "]\n"
    with pytest.raises(InputError, match="holds more than 20 values; the rest was not read"):
        parse(text, "plans/x.yaml", max_nodes=20)
