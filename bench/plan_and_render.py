"""What one athlete costs before any file is written: schedule, page and calendar, medians.

    python3 bench/plan_and_render.py [--athlete sam-okafor] [--runs 15] [--repeats 20]

Run from the project root (or from a checkout of another commit, to compare the two).
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

ROOT = Path.cwd()
sys.path.insert(0, str(ROOT))

from generator.profile import load_profile  # noqa: E402
from generator.protocol import load_protocols  # noqa: E402
from generator.render.environment import make_environment  # noqa: E402
from generator.render.html import render_page  # noqa: E402
from generator.render.ics import render_calendar  # noqa: E402
from generator.schedule import schedule  # noqa: E402

TODAY = dt.date(2026, 11, 23)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--athlete", default="sam-okafor")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    protocols = load_protocols(ROOT / "content")
    env = make_environment(ROOT / "templates")
    profile = load_profile(ROOT / "plans" / f"{args.athlete}.yaml", protocols, TODAY)
    protocol = protocols[profile.protocol]

    def plan_only():
        schedule(profile, protocol, TODAY)

    def all_three():
        plan = schedule(profile, protocol, TODAY)
        render_page(env, plan, protocol, profile)
        render_calendar(plan, protocol, profile.clinician, None)

    for name, work in (("schedule", plan_only), ("schedule + page + calendar", all_three)):
        for _ in range(args.repeats):  # warm: templates compiled, Markdown cached
            work()
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            for _ in range(args.repeats):
                work()
            times.append((time.perf_counter() - start) / args.repeats * 1000)
        print(f"{args.athlete}, {name}: median {statistics.median(times):.2f} ms")


if __name__ == "__main__":
    main()
