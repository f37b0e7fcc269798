"""A template change against the templates before it: the page's CPU time, in one process.

    python3 bench/templates_ab.py OLD_TEMPLATES [NEW_TEMPLATES] [--athletes 100] [--rounds 15]

NEW_TEMPLATES is this checkout's templates/ unless given; OLD_TEMPLATES is a folder of
templates to compare with (e.g. `git archive HEAD templates | tar -x -C /tmp/old`, then
/tmp/old/templates). Both render the same plans of bench_build's synthetic athletes, with this
checkout's generator, in alternating rounds, so a change in the machine's load falls on both
alike. It says whether the pages are the same bytes (a change meant only to be faster must
keep them) and prints the medians of CPU milliseconds a page and their ratio.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = Path.cwd()
sys.path.insert(0, str(ROOT))
sys.path.insert(1, str(HERE))

TODAY = dt.date(2026, 11, 23)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path, nargs="?", default=ROOT / "templates")
    parser.add_argument("--athletes", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()

    from bench_build import make_project

    from generator.build import plan_athlete
    from generator.config import load_settings
    from generator.load import Inputs, profile_paths
    from generator.render.artifacts import Renderer
    from generator.render.environment import for_language
    from generator.render.html import render_page

    with tempfile.TemporaryDirectory(prefix="rehab-templates-ab-") as scratch:
        project = make_project(Path(scratch) / "project", args.athletes)
        os.chdir(project)
        sides = []
        for name, folder in (("old", args.old), ("new", args.new)):
            shutil.copytree(folder.resolve(), project / name)
            settings = dataclasses.replace(load_settings(None, TODAY), pdf=False,
                                           templates=project / name)
            inputs = Inputs(settings)
            sides.append((name, inputs, Renderer(settings, inputs.env)))
        _, inputs, renderer = sides[0]
        athletes = []
        for number, path in enumerate(profile_paths(inputs.settings.plans, ())):
            profile, plan = plan_athlete(path, inputs)
            athletes.append((profile, plan, inputs.protocols[profile.protocol],
                             renderer.presentation(profile, f"athlete-{number}")))

        def pages(inputs: Inputs) -> list[str]:
            return [render_page(for_language(inputs.env, plan.language), plan, protocol,
                                profile, look) for profile, plan, protocol, look in athletes]

        same = pages(sides[0][1]) == pages(sides[1][1])  # also warms both
        times: dict[str, list[float]] = {name: [] for name, _, _ in sides}
        for _ in range(args.rounds):
            for name, inputs, _ in sides:
                started = time.process_time()
                pages(inputs)
                times[name].append(1000 * (time.process_time() - started) / len(athletes))
    old, new = (statistics.median(times[name]) for name in ("old", "new"))
    print(f"{len(athletes)} athletes, {args.rounds} rounds; load average "
          f"{os.getloadavg()[0]:.1f}; pages {'the same bytes' if same else 'DIFFER'}")
    print(f"CPU ms a page: old {old:.2f}, new {new:.2f}: new is {old / new:.2f}x as fast")


if __name__ == "__main__":
    main()
