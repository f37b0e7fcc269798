"""Reading YAML a person typed: every failure names the file, line and column, never crashes."""

from __future__ import annotations

import datetime as dt

import pytest

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
