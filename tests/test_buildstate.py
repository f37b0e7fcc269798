"""The build state: why an athlete is built again, and why nothing else is trusted."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from factories import TODAY

import generator
from generator.buildstate import (
    REASONS,
    BuildState,
    SharedInputs,
    athlete_inputs,
    digest_bytes,
    digest_tree,
    state_path,
    survey,
    tool_digest,
)


@pytest.fixture
def shared(tmp_path) -> SharedInputs:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "plan.html").write_text("<p>{{ plan }}</p>")
    return SharedInputs.of(templates, TODAY, {"pdf": False})


@pytest.fixture
def built(tmp_path, shared):
    """One athlete, ann, recorded as built into site/abc/ with two files."""
    out = tmp_path / "site"
    (out / "abc").mkdir(parents=True)
    for name in ("index.html", "plan.json"):
        (out / "abc" / name).write_text(name)
    state = BuildState(state_path(out))
    inputs = athlete_inputs(shared, "p1", "proto", "d1")
    state.record("ann", inputs, out, "abc", ("index.html", "plan.json"))
    return state, inputs, out


def test_the_state_file_lives_beside_the_site_never_in_it(tmp_path):
    assert state_path(tmp_path / "site") == tmp_path / ".rehab" / "site.state.json"
    assert state_path(tmp_path / "www" / "public") == tmp_path / "www/.rehab/public.state.json"


def test_an_athlete_with_the_same_inputs_and_intact_files_is_current(built):
    state, inputs, out = built
    assert state.stale_reason("ann", inputs, out, "abc") is None


def test_an_unknown_athlete_is_new(built):
    state, inputs, out = built
    assert state.stale_reason("ben", inputs, out, "abc") == "new"


@pytest.mark.parametrize("key", sorted(REASONS))
def test_each_changed_input_names_its_reason(built, key):
    state, inputs, out = built
    assert state.stale_reason("ann", {**inputs, key: "other"}, out, "abc") == REASONS[key]


def test_the_first_changed_input_is_the_reason_given(built):
    state, inputs, out = built
    changed = {**inputs, "today": "2030-01-01", "profile": "p2"}
    assert state.stale_reason("ann", changed, out, "abc") == "profile changed"


def test_a_new_folder_means_a_rebuild(built):
    state, inputs, out = built
    assert state.stale_reason("ann", inputs, out, "xyz") == "output folder changed"


def test_a_touched_output_file_means_a_rebuild(built):
    state, inputs, out = built
    (out / "abc" / "index.html").write_text("edited by hand")
    assert state.stale_reason("ann", inputs, out, "abc") == "index.html changed in the output"


def test_a_missing_output_file_means_a_rebuild(built):
    state, inputs, out = built
    (out / "abc" / "plan.json").unlink()
    assert state.stale_reason("ann", inputs, out, "abc") == "plan.json missing from the output"


def test_the_state_survives_a_save_and_a_load(built):
    state, inputs, out = built
    state.save()
    again = BuildState.load(state.path)
    assert again.stale_reason("ann", inputs, out, "abc") is None
    assert again.athletes["ann"].files == state.athletes["ann"].files


def test_an_unchanged_state_is_not_written_again(built):
    state, _, _ = built
    state.save()
    written = state.path.stat().st_mtime_ns
    BuildState.load(state.path).save()
    assert state.path.stat().st_mtime_ns == written


@pytest.mark.parametrize("text", [
    "", "{not json", "[]", "null", '{"schema": 99, "athletes": {}}', '{"schema": 1}',
    '{"schema": 1, "athletes": []}', '{"schema": 1, "athletes": {"ann": {"inputs": {}}}}',
    '{"schema": 1, "athletes": {"ann": 7}}',
])
def test_a_damaged_or_foreign_state_file_means_nothing_is_known(tmp_path, text):
    path = tmp_path / "state.json"
    path.write_text(text)
    assert BuildState.load(path).athletes == {}


def test_a_missing_state_file_means_nothing_is_known(tmp_path):
    assert BuildState.load(tmp_path / "none.json").athletes == {}


def test_unreadable_bytes_in_the_state_file_mean_nothing_is_known(tmp_path):
    path = tmp_path / "state.json"
    path.write_bytes(b"\xff\xfe\x00")
    assert BuildState.load(path).athletes == {}


def test_templates_digest_follows_content_and_names(tmp_path):
    folder = tmp_path / "templates"
    (folder / "assets").mkdir(parents=True)
    (folder / "assets" / "style.css").write_text("a{}")
    before = digest_tree(folder)
    (folder / "assets" / "style.css").write_text("a{color:red}")
    edited = digest_tree(folder)
    (folder / "assets" / "style.css").rename(folder / "assets" / "other.css")
    assert len({before, edited, digest_tree(folder)}) == 3


def test_a_new_generator_version_changes_the_tool_digest(monkeypatch):
    before = tool_digest()
    monkeypatch.setattr(generator, "__version__", "99.0.0")
    assert tool_digest() != before


def test_the_options_and_the_date_are_inputs(tmp_path):
    one = SharedInputs.of(tmp_path, TODAY, {"pdf": True})
    assert SharedInputs.of(tmp_path, TODAY, {"pdf": False}).options != one.options
    assert SharedInputs.of(tmp_path, TODAY + dt.timedelta(days=1),
                           {"pdf": True}).today != one.today


def test_survey_reads_each_profile_and_says_who_is_stale_and_why(tmp_path, built, shared):
    state, _, out = built
    plans = tmp_path / "plans"
    plans.mkdir()
    ann, ben, cat = (plans / f"{a}.yaml" for a in ("ann", "ben", "cat"))
    ann.write_text("ann's profile")
    ben.write_text("ben's profile")
    state.athletes["ann"].inputs["profile"] = digest_bytes(b"ann's profile")
    found = survey(state, [ann, ben, cat], shared, {"proto": "d1"}, lambda a: "abc", out)
    assert list(found.current) == ["ann"]
    assert found.reasons == {"ben": "new", "cat": "profile not readable"}
    assert found.todo == [(ben, digest_bytes(b"ben's profile")), (cat, "")]


def test_survey_sees_a_changed_protocol_and_force(tmp_path, built, shared):
    state, _, out = built
    ann = tmp_path / "ann.yaml"
    ann.write_text("ann's profile")
    state.athletes["ann"].inputs["profile"] = digest_bytes(b"ann's profile")
    changed = survey(state, [ann], shared, {"proto": "d2"}, lambda a: "abc", out)
    assert changed.reasons == {"ann": "protocol content changed"}
    forced = survey(state, [ann], shared, {"proto": "d1"}, lambda a: "abc", out, force=True)
    assert forced.reasons == {"ann": "forced"}


def test_record_keeps_what_was_written(built):
    state, _, out = built
    entry = state.athletes["ann"]
    assert entry.folder == "abc" and sorted(entry.files) == ["index.html", "plan.json"]
    stat = (out / "abc" / "index.html").stat()
    assert entry.files["index.html"] == [stat.st_size, stat.st_mtime_ns]
    assert json.loads(json.dumps(entry.inputs)) == entry.inputs


def test_state_path_is_absolute_for_a_relative_site(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert state_path(Path("site")) == tmp_path / ".rehab" / "site.state.json"
