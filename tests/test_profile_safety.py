"""Profiles that are absurd or hostile: huge lists, control characters, dates far off.
Each is one clear problem naming the field, found quickly (bench/profile_check.py times it)."""

from __future__ import annotations

import pytest
from factories import PROFILE_YAML, TODAY

from generator.errors import InputError
from generator.profile import load_profile
from generator.yamlsource import PROFILE_MAX_NODES


@pytest.fixture
def problems(tmp_path, protocols):
    """Every problem `rehab check` prints for a profile, without the file name."""
    def check(text: str) -> list[str]:
        path = tmp_path / "test-athlete.yaml"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(InputError) as caught:
            load_profile(path, protocols, TODAY)
        return [str(p).removeprefix(f"{path}:") for p in caught.value.problems]
    return check


def with_history(risk_factors: str) -> str:
    return PROFILE_YAML.replace("  risk_factors: []", f"  risk_factors: [{risk_factors}]")


def test_tens_of_thousands_of_risk_factors_are_one_problem(problems):
    [problem] = problems(with_history(", ".join(["x"] * 45_000)))  # 135 KB
    assert problem.startswith("10:")
    assert problem.split(": ", 1)[1] == (
        f"holds more than {PROFILE_MAX_NODES:,} values; the rest was not read "
        "(is a list pasted many times over?)")


def test_a_long_list_under_the_value_limit_is_one_problem_too(problems):
    assert problems(with_history(", ".join(["low_bmi"] * 1_500))) == [
        "10:3: history.risk_factors: has 1,500 items; the limit is 1,000"]


def test_more_than_500_progress_events_is_one_problem(problems):
    events = "".join("  - {date: 2026-10-01, event: setback}\n" for _ in range(501))
    assert problems(PROFILE_YAML + "progress:\n" + events) == [
        "16:1: progress: has 501 items; the limit is 500"]
