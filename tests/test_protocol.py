"""Protocol content: validated on load, tunable by a clinician, extensible without Python."""

from __future__ import annotations

import shutil

import pytest
from factories import ROOT, TODAY, make_profile

from generator.errors import InputError
from generator.protocol import load_protocol, load_protocols
from generator.schedule import schedule

SOURCE = ROOT / "content" / "femoral-neck-stress-fracture"


@pytest.fixture
def editable(tmp_path):
    """A copy of the protocol folder a test may edit."""
    folder = tmp_path / "content" / "femoral-neck-stress-fracture"
    shutil.copytree(SOURCE, folder)
    return folder


def edit(folder, old, new, name="protocol.yaml"):
    path = folder / name
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def problems(folder):
    with pytest.raises(InputError) as caught:
        load_protocol(folder)
    return [str(p) for p in caught.value.problems]


def test_the_shipped_protocol_loads_with_every_exercise(protocol):
    assert [p.strength_stage for p in protocol.phases if p.kind == "fixed" and
            p.strength_stage] == [1, 2, 3, 4, 5, 6]
    used = {e for p in protocol.phases for s in p.sessions for e in s.exercises}
    assert used <= set(protocol.exercises)
    for exercise in protocol.exercises.values():
        assert exercise.name and exercise.dose and exercise.how and exercise.cues
    assert {"pain_rule", "red_flags", "disclaimer"} <= set(protocol.text)


def test_a_clinician_can_tune_a_duration(editable):
    edit(editable, "weeks: {mild: [6, 7, 8]", "weeks: {mild: [7, 7, 8]")
    protocol = load_protocol(editable)
    plan = schedule(make_profile(severity="mild"), protocol, TODAY)
    assert sum(w.phase == "non_weight_bearing" for w in plan.weeks) == 7


def test_a_table_that_shortens_the_plan_for_more_history_is_refused(editable):
    edit(editable, "weeks: {mild: [6, 7, 8]", "weeks: {mild: [8, 7, 6]")
    assert any("more history must never mean fewer weeks" in p for p in problems(editable))


def test_a_table_that_shortens_the_plan_for_more_severity_is_refused(editable):
    edit(editable, "moderate: [7, 8, 8], severe: [12, 13, 14]",
         "moderate: [7, 8, 8], severe: [6, 6, 6]")
    found = problems(editable)
    assert any("severe injury must never get fewer weeks" in p for p in found)
    assert any("outside the protocol's limits 12-14" in p for p in found)


def test_errors_name_the_file_line_and_field(editable):
    edit(editable, "exercises: [squat_bodyweight,", "exercises: [squat_bodyweigth,")
    found = problems(editable)
    assert len(found) == 1
    assert "protocol.yaml:" in found[0]
    assert "unknown exercise 'squat_bodyweigth'" in found[0]
    assert "phases[3].sessions[0].exercises[0]" in found[0]


def test_a_strength_stage_without_exercises_is_refused(editable):
    edit(editable, "exercises: [goblet_squat, romanian_deadlift, heel_raise_double_weighted, "
         "bridge_double_weighted, split_squat, side_plank_modified]", "exercises: []")
    assert any("needs at least one exercise" in p for p in problems(editable))


def test_a_missing_text_file_is_reported(editable):
    (editable / "text" / "red-flags.md").unlink()
    assert any("text/red-flags.md' not found" in p for p in problems(editable))


def test_a_second_protocol_needs_no_python(tmp_path, editable):
    second = editable.parent / "tibial-stress-fracture"
    shutil.copytree(editable, second)
    edit(second, "id: femoral-neck-stress-fracture", "id: tibial-stress-fracture")
    edit(second, "title: Femoral neck stress fracture", "title: Tibial stress fracture")
    edit(second, "walk_run_min_weeks: 12", "walk_run_min_weeks: 14")
    protocols = load_protocols(editable.parent)
    assert set(protocols) == {"femoral-neck-stress-fracture", "tibial-stress-fracture"}
    plan = schedule(make_profile(protocol="tibial-stress-fracture", severity="mild"),
                    protocols["tibial-stress-fracture"], TODAY)
    first_run = next(w for w in plan.weeks if w.walk_run)
    assert (first_run.start - plan.diagnosed).days >= 14 * 7
    assert plan.protocol_title == "Tibial stress fracture"
