"""What one athlete's handout costs: its HTML and the PDF WeasyPrint makes of it, medians.

    python3 bench/handout.py [--athlete jordan-lee] [--runs 5]

Run from the project root (or from a checkout of another commit, to compare the two). One
process, WeasyPrint imported and warmed up first, as a build worker does.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import statistics
import sys
import time
from pathlib import Path

from pypdf import PdfReader

ROOT = Path.cwd()
sys.path.insert(0, str(ROOT))

from generator.profile import load_profile  # noqa: E402
from generator.protocol import in_language, load_protocols  # noqa: E402
from generator.render.environment import for_language, make_environment  # noqa: E402
from generator.render.html import render_handout  # noqa: E402
from generator.render.pdf import PdfRenderer  # noqa: E402
from generator.schedule import schedule  # noqa: E402

TODAY = dt.date(2026, 11, 23)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--athlete", default="jordan-lee")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    protocols = load_protocols(ROOT / "content")
    env = make_environment(ROOT / "templates")
    profile = load_profile(ROOT / "plans" / f"{args.athlete}.yaml", protocols, TODAY)
    # the athlete's language, as a build renders it
    protocol = in_language(protocols[profile.protocol], profile.language or "en")
    env = for_language(env, profile.language or "en")
    renderer = PdfRenderer([ROOT / "templates", ROOT / "content"])
    plan = schedule(profile, protocol, TODAY)

    def handout() -> bytes:
        html = render_handout(env, plan, protocol, profile)
        return renderer.render(html, ROOT / "templates")

    pdf = handout()  # warm: fonts loaded, templates compiled
    times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        handout()
        times.append(time.perf_counter() - start)
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{args.athlete}: handout median {statistics.median(times):.2f} s "
          f"(min {min(times):.2f}, {len(pdf) // 1024} KB, {pages} pages, "
          f"load average {load:.2f})")


if __name__ == "__main__":
    main()
