"""How long a huge profile takes to check: lists and maps at the size limit (256 KB).

    python3 bench/profile_check.py [--runs 3]

Run from the project root (or from a checkout of another commit, to compare the two). Each
case is a profile just under the file size limit that repeats one list or map; the time is
load_profile's (read, validate, refuse), medians of --runs, one process.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path.cwd()
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from factories import PROFILE_YAML  # noqa: E402

from generator.errors import InputError  # noqa: E402
from generator.profile import load_profile  # noqa: E402
from generator.protocol import load_protocols  # noqa: E402

TODAY = dt.date(2026, 11, 23)


def cases() -> dict[str, str]:
    def risk_factors(items: list[str]) -> str:
        return PROFILE_YAML.replace("risk_factors: []", f"risk_factors: [{', '.join(items)}]")

    events = "progress:\n" + "".join(
        f"  - {{date: 2026-09-{1 + i % 28:02d}, event: setback}}\n" for i in range(6_000))
    keys = "overrides:\n" + "".join(f"  k{i}: 1\n" for i in range(20_000))
    return {"25,000 repeated risk factors": risk_factors(["low_bmi"] * 25_000),
            "45,000 unknown risk factors": risk_factors(["x"] * 45_000),
            "6,000 progress events": PROFILE_YAML + events,
            "20,000 unknown override keys": PROFILE_YAML + keys}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    protocols = load_protocols(ROOT / "content")
    with tempfile.TemporaryDirectory() as scratch:
        for label, body in cases().items():
            path = Path(scratch) / "big-list.yaml"
            path.write_text(body, encoding="utf-8")
            times, problems = [], 0
            for _ in range(args.runs):
                start = time.perf_counter()
                try:
                    load_profile(path, protocols, TODAY)
                except InputError as err:
                    problems = len(err.problems)
                times.append(time.perf_counter() - start)
            load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
            print(f"{label} ({path.stat().st_size // 1024} KB): median "
                  f"{statistics.median(times):.2f} s, {problems} problems reported "
                  f"(load average {load:.1f})")


if __name__ == "__main__":
    main()
