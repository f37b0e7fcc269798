"""Where one athlete's build goes without the PDF: CPU milliseconds per athlete for each part.

    python3 bench/per_athlete.py [--athletes 200] [--rounds 2] [--changed]

Run from a checkout: its generator, content and templates build a synthetic project
(bench_build.py's athletes) in one warm process, and every athlete is timed part by part:
plan (profile read and scheduled), page, plan.json, plan.ics, offline files (service worker,
manifest), writing (the folder staged, synced and switched). The last round is printed; the
ones before warm the caches, as the earlier athletes of a build do. CPU time (process_time)
does not move with the machine's load as wall time does; the wall times follow.

--changed: every round's pages differ from those in place (as after a template edit), so
writing stages, syncs and switches every folder; without it, a round writes the bytes
already there (as `rehab build --force` does on the same day), which writing skips.
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
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = Path.cwd()
sys.path.insert(0, str(ROOT))
sys.path.insert(1, str(HERE))

TODAY = dt.date(2026, 11, 23)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--athletes", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--changed", action="store_true")
    args = parser.parse_args()

    from generator.build import plan_athlete
    from generator.config import load_settings
    from generator.load import Inputs, profile_paths
    from generator.render.artifacts import Renderer, plan_json
    from generator.render.html import PAGE_SCRIPT, page_script, render_page
    from generator.render.ics import render_calendar
    from generator.render.offline import offline_files
    from generator.write import prepare, write_folder

    # after the generator: bench_build puts its own checkout first on sys.path
    make_project = importlib.import_module("bench_build").make_project

    with tempfile.TemporaryDirectory(prefix="rehab-per-athlete-") as scratch:
        project = make_project(Path(scratch) / "project", args.athletes)
        os.chdir(project)
        settings = dataclasses.replace(load_settings(None, TODAY), pdf=False)
        inputs = Inputs(settings)
        renderer = Renderer(settings, inputs.env)
        out = project / "site"
        prepare(out)
        paths = profile_paths(settings.plans, ())
        # a build syncs the site folder once, at its end (older checkouts: once an athlete)
        once = {"sync_site": False} if "sync_site" in write_folder.__code__.co_varnames else {}
        cpu: dict[str, float] = defaultdict(float)
        wall: dict[str, float] = defaultdict(float)

        def timed(part: str, work, *args, **kwargs):
            started, used = time.perf_counter(), time.process_time()
            result = work(*args, **kwargs)
            cpu[part] += time.process_time() - used
            wall[part] += time.perf_counter() - started
            return result

        for round_number in range(args.rounds):
            cpu.clear()
            wall.clear()
            mark = f"<!-- round {round_number} -->".encode() if args.changed else b""
            for number, path in enumerate(paths):
                profile, plan = timed("plan", plan_athlete, path, inputs)
                protocol = inputs.protocols[profile.protocol]
                look = renderer.presentation(profile, f"athlete-{number}")
                page = timed("page", render_page, inputs.env, plan, protocol, profile, look)
                files = {"index.html": page.encode() + mark,
                         PAGE_SCRIPT: page_script(inputs.env)}
                files["plan.json"] = timed("json", plan_json, plan).encode()
                files["plan.ics"] = timed("calendar", render_calendar, plan, protocol,
                                          look.contact(profile.clinician), look.page_url)
                files |= timed("offline", offline_files, inputs.env, plan, files)
                timed("writing", write_folder, out / f"athlete-{number}", files,
                      skip_unchanged=True, **once)
        athletes = len(paths)
        print(f"{athletes} athletes, round {args.rounds} of {args.rounds}"
              f"{', pages changed' if args.changed else ''}; "
              f"load average {os.getloadavg()[0]:.1f}")
        for label, times in (("CPU ms/athlete", cpu), ("wall ms/athlete", wall)):
            parts = "  ".join(f"{part} {1000 * seconds / athletes:.2f}"
                              for part, seconds in times.items())
            print(f"{label:16} {parts}  total {1000 * sum(times.values()) / athletes:.2f}")


if __name__ == "__main__":
    main()
