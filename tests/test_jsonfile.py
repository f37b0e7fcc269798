"""plan.json text is exactly what json.dumps(indent=2, ensure_ascii=False) would write."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.plan import plain_data
from generator.render.jsonfile import dated_json, float_free_json, indented_json

scalars = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
           | st.text())
keys = st.text() | st.integers() | st.booleans() | st.none() | st.floats(allow_nan=False)
documents = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                         | st.dictionaries(keys, inner, max_size=4), max_leaves=30)


@given(documents)
def test_same_text_as_the_standard_library(document):
    assert indented_json(document) == json.dumps(document, indent=2, ensure_ascii=False)


float_free = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner)
    | st.dictionaries(keys.filter(lambda k: not isinstance(k, float)), inner, max_size=4),
    max_leaves=30)


@given(float_free)
def test_orjson_writes_the_same_text_for_documents_without_floats(document):
    assert float_free_json(document) == json.dumps(document, indent=2, ensure_ascii=False)


def test_what_orjson_refuses_is_written_by_the_slow_path_or_refused_alike():
    for document in ({"big": 2 ** 70}, {1: "one", None: 0}, {"lone": "\ud800"}):
        assert float_free_json(document) == json.dumps(document, indent=2, ensure_ascii=False)
    with pytest.raises(TypeError):
        float_free_json({"when": object()})


@dataclasses.dataclass(frozen=True)
class Visit:
    date: dt.date
    pains: tuple[int, ...]
    note: str | None = None


dated = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text() | st.dates(),
    lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner)
    | st.builds(Visit, st.dates(), st.tuples(st.integers(0, 10)), st.none() | st.text())
    | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=30)


@given(dated)
def test_dates_and_dataclasses_are_written_as_their_plain_copy_would_be(document):
    plain = plain_data(document)
    assert dated_json(document, lambda: plain) == json.dumps(plain, indent=2,
                                                             ensure_ascii=False)


def test_what_orjson_refuses_in_a_dated_document_is_written_from_its_plain_copy():
    for document in ({"big": 2 ** 70, "on": dt.date(2026, 11, 23)},
                     {"lone": "\ud800", "visit": Visit(dt.date(2026, 1, 2), (3,))}):
        plain = plain_data(document)
        assert dated_json(document, lambda plain=plain: plain) == json.dumps(
            plain, indent=2, ensure_ascii=False)


def test_every_example_plan_is_written_as_before(built_examples):
    for path in sorted(built_examples.site.glob("*/plan.json")):
        text = path.read_text(encoding="utf-8")
        assert text == json.dumps(json.loads(text), indent=2, ensure_ascii=False) + "\n"


def test_what_json_cannot_write_is_refused():
    with pytest.raises(TypeError):
        indented_json({"when": object()})
