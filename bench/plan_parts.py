"""Where the plan's time goes: CPU milliseconds per athlete for each step of plan_athlete.

    python3 bench/plan_parts.py [--athletes 200] [--rounds 5]

Run from a checkout, or from a checkout of another commit as `python3 /this/checkout/bench/
plan_parts.py` to compare the two in alternating runs. bench_build.py's synthetic athletes
are planned in one warm process, step by step: the profile's path checked, the YAML read
and validated, the course (steps and lengths), the climb (week by week) and the dated plan
(sessions, days, notes). Each round is timed with process_time; each part's least over
--rounds is printed (the other rounds saw more of the machine's load). Caches that fill
with the athletes themselves (a week's days) are emptied before each round, as at the start
of a build; what is kept per protocol stays, as for a build's later athletes.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import importlib
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = Path.cwd()
sys.path.insert(0, str(ROOT))
sys.path.insert(1, str(ROOT / "bench"))  # the measured checkout's athletes, if it has them
sys.path.insert(2, str(HERE))

TODAY = dt.date(2026, 11, 23)
PARTS = ("path", "yaml", "course", "climb", "dated")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--athletes", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    from generator import days, schedule
    from generator.build import plan_athlete
    from generator.config import load_settings
    from generator.load import Inputs, check_profile_path, profile_paths
    from generator.profile import load_profile
    from generator.progress import climb

    make_project = importlib.import_module("bench_build").make_project
    with tempfile.TemporaryDirectory(prefix="rehab-plan-parts-") as scratch:
        project = make_project(Path(scratch) / "project", args.athletes)
        os.chdir(project)
        settings = dataclasses.replace(load_settings(None, TODAY), pdf=False)
        inputs = Inputs(settings)
        paths = profile_paths(settings.plans, ())
        for path in paths:  # imports, translations, what is kept per protocol
            plan_athlete(path, inputs)
        best = dict.fromkeys(PARTS, float("inf"))
        for _ in range(args.rounds):
            for cache in ("_dated",):  # older checkouts have none
                getattr(getattr(days, cache, None), "cache_clear", lambda: None)()
            used = dict.fromkeys(PARTS, 0.0)
            for path in paths:
                started = time.process_time()
                check_profile_path(path, settings.plans)
                checked = time.process_time()
                profile = load_profile(path, inputs.protocols, TODAY, inputs.starter)
                profile = dataclasses.replace(
                    profile, language=profile.language or settings.language)
                protocol = inputs.protocol(profile)
                read = time.process_time()
                course = schedule.course(profile, protocol)
                coursed = time.process_time()
                timeline = climb(course, profile.diagnosed, profile.progress, profile.source,
                                 TODAY)
                climbed = time.process_time()
                schedule._dated_plan(profile, protocol, TODAY, timeline, course)
                dated = time.process_time()
                for part, seconds in zip(PARTS, (checked - started, read - checked,
                                                 coursed - read, climbed - coursed,
                                                 dated - climbed), strict=True):
                    used[part] += seconds
            best = {part: min(best[part], used[part]) for part in PARTS}
        print(f"{len(paths)} athletes, least of {args.rounds} rounds; "
              f"load average {os.getloadavg()[0]:.1f}")
        print("CPU ms/athlete  " + "  ".join(
            f"{part} {1000 * best[part] / len(paths):.3f}" for part in PARTS)
            + f"  total {1000 * sum(best.values()) / len(paths):.3f}")


if __name__ == "__main__":
    main()
