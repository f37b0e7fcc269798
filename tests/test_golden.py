"""Golden files: what each example athlete gets, byte for byte.

A change to what users see shows here as a diff. After an intended change, look at the diff
as the athlete would, then regenerate:

    REHAB_UPDATE_GOLDEN=1 python3 -m pytest tests/test_golden.py
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest

GOLDEN = Path(__file__).parent / "golden"
ATHLETES = ("alex-morgan", "jordan-lee", "sam-okafor", "tomas-reyes", "rosa-lindqvist",
            "mia-hoffmann")
FILES = ("plan.json", "index.html", "plan.ics")
UPDATE = os.environ.get("REHAB_UPDATE_GOLDEN") == "1"


@pytest.mark.parametrize("name", FILES)
@pytest.mark.parametrize("athlete", ATHLETES)
def test_output_matches_the_golden_file(built_examples, athlete, name):
    """The examples as built by the conftest (fixed --today, with handouts)."""
    built = (built_examples.folder(athlete) / name).read_bytes()
    golden = GOLDEN / athlete / name
    if UPDATE:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_bytes(built)
        return
    assert golden.is_file(), f"no golden file {golden}; regenerate (see this module's docstring)"
    expected = golden.read_bytes()
    if built != expected:
        diff = difflib.unified_diff(
            expected.decode().splitlines(), built.decode().splitlines(),
            f"golden/{athlete}/{name}", "built", lineterm="", n=2)
        pytest.fail("output differs from the golden file:\n" + "\n".join(list(diff)[:80]))
