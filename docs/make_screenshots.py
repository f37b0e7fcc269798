"""Remake the README's pictures from the example site: `python3 docs/make_screenshots.py`.

Builds the examples for a fixed date, opens jordan-lee's page in Debian's Chromium at phone
size (light and dark), and renders the handout's first pages with pdftoppm.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from click.testing import CliRunner
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
TODAY = dt.date(2026, 11, 23)
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from browser import PHONE, Site, chromium, missing  # noqa: E402

from generator.cli import main  # noqa: E402


def build(out: Path) -> None:
    result = CliRunner().invoke(main, [
        "build", "--plans", str(ROOT / "plans"), "--content", str(ROOT / "content"),
        "--templates", str(ROOT / "templates"), "--out", str(out), "--today", TODAY.isoformat(),
        "--base-url", "https://plans.example.org/"])
    if result.exit_code != 0:
        sys.exit(result.output)


def folder_of(site: Path, athlete: str) -> str:
    """The athlete's token folder, found by the plan inside it."""
    for plan in site.glob("*/plan.json"):
        if json.loads(plan.read_text())["athlete"]["id"] == athlete:
            return plan.parent.name
    sys.exit(f"no plan for {athlete} in {site}")


def phone_shots(site: Path) -> None:
    with Site(site) as served, chromium() as browser:
        for scheme in ("light", "dark"):
            context = browser.new_context(viewport=PHONE, color_scheme=scheme)
            page = context.new_page()
            page.clock.set_fixed_time(dt.datetime.combine(TODAY, dt.time(12)))
            page.goto(served.url + folder_of(site, "jordan-lee") + "/")
            page.screenshot(path=str(DOCS / f"phone-{scheme}.png"))
            context.close()


def handout_pages(site: Path, work: Path) -> None:
    handout = site / folder_of(site, "jordan-lee") / "plan.pdf"
    subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "2", str(handout),
                    str(work / "page")], check=True)
    for number, png in enumerate(sorted(work.glob("page-*.png")), start=1):
        Image.open(png).convert("L").save(DOCS / f"handout-page-{number}.png", optimize=True)


if __name__ == "__main__":
    if problem := missing():
        sys.exit(problem)
    with tempfile.TemporaryDirectory() as scratch:
        site = Path(scratch) / "site"
        build(site)
        phone_shots(site)
        handout_pages(site, Path(scratch))
    for png in sorted(DOCS.glob("*.png")):
        print(f"wrote {png.relative_to(ROOT)} ({png.stat().st_size // 1024} KB)")
