"""Build benchmarks: synthetic athletes in a scratch project, medians over several runs.

    python3 bench/bench_build.py                       # 100 and 1000 athletes, PDFs on 100
    python3 bench/bench_build.py --athletes 100 --pdf-athletes 20 --runs 3 --pdf-runs 1

Every build is timed end to end as a clinician runs it (`python3 -m generator build` in a
new process, so Python start-up and imports are included). The PDF overhead ratio is timed
in this process: our handout (template + PdfRenderer) against bare WeasyPrint rendering the
same HTML. PDFs for 1000 athletes take tens of minutes on 2 cores, so PDF figures come from
--pdf-athletes (default 100).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import platform
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
TODAY = dt.date(2026, 11, 23)
RISK_FACTORS = ("low_energy_availability", "menstrual_dysfunction", "low_bone_density",
                "low_bmi", "late_menarche")
FIRST = ("Alex", "Jordan", "Sam", "Robin", "Kim", "Lee", "Noor", "Ira", "Max", "Ola")
LAST = ("Morgan", "Lee", "Okafor", "Silva", "Novak", "Berg", "Khan", "Rossi", "Ng", "Diaz")


def profile_yaml(rng: random.Random, number: int) -> str:
    """A plausible profile: every severity and history level, no referral cases."""
    diagnosed = TODAY - dt.timedelta(days=rng.randrange(0, 400))
    if rng.random() < 0.3:
        grading = f"  mri_grade: {rng.randint(1, 4)}"
    else:
        grading = f"  severity: {rng.choice(['mild', 'moderate', 'severe'])}"
    factors = rng.sample(RISK_FACTORS, rng.choice([0, 0, 1, 2]))
    return f"""\
name: {rng.choice(FIRST)} {rng.choice(LAST)} {number}
injury:
  protocol: femoral-neck-stress-fracture
  side: {rng.choice(['left', 'right'])}
  diagnosed: {diagnosed.isoformat()}
{grading}
  fracture_side: compression
  fracture_line_percent: {rng.randrange(0, 45)}
  hip_effusion: {str(rng.random() < 0.1).lower()}
history:
  prior_bone_stress_injuries: {rng.choice([0, 0, 1, 2])}
  risk_factors: [{', '.join(factors)}]
goal:
  weekly_running_minutes: {rng.choice([90, 120, 150, 200])}
clinician:
  name: Dr Bench
  clinic: Bench Clinic
  phone: "+1 555 0100"
notes: |
  Synthetic athlete {number}. Keep it **pain-free**.
"""


def make_project(root: Path, athletes: int, seed: int = 6) -> Path:
    for name in ("content", "templates"):
        shutil.copytree(ROOT / name, root / name)
    plans = root / "plans"
    plans.mkdir()
    rng = random.Random(seed)
    for number in range(1, athletes + 1):
        (plans / f"athlete-{number:04d}.yaml").write_text(profile_yaml(rng, number), "utf-8")
    return root


def rehab_build(project: Path, *args: str) -> float:
    """Seconds for one `rehab build` in a new process, as a clinician would run it."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "generator", "build", "--today",
                             TODAY.isoformat(), *args], cwd=project, env=env,
                            capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"build failed:\n{result.stdout}\n{result.stderr}")
    return seconds


def median_of(runs: int, action, before=None) -> float:
    times = []
    for _ in range(runs):
        if before:
            before()
        times.append(action())
    return statistics.median(times)


def touch_profile(project: Path) -> None:
    """One clinician edit: a new line in one profile's notes."""
    path = project / "plans" / "athlete-0001.yaml"
    path.write_text(path.read_text("utf-8") + f"  Edit {time.time_ns()}.\n", "utf-8")


def touch_template(project: Path) -> None:
    path = project / "templates" / "plan.html"
    path.write_text(path.read_text("utf-8") + f"{{# edit {time.time_ns()} #}}\n", "utf-8")


def html_benchmarks(sizes: list[int], runs: int, jobs: int, scratch: Path) -> dict:
    figures: dict = {}
    for size in sizes:
        project = make_project(scratch / f"html-{size}", size)
        serial_runs, pooled_runs = [], []
        for _ in range(runs):  # alternated, so both see the same background load
            serial_runs.append(cpu_seconds_of(lambda p=project: rehab_build(
                p, "--no-pdf", "--force", "--jobs", "1")))
            pooled_runs.append(cpu_seconds_of(lambda p=project: rehab_build(
                p, "--no-pdf", "--force", "--jobs", str(jobs))))
        serial = statistics.median(w for w, _ in serial_runs)
        pooled = statistics.median(w for w, _ in pooled_runs)
        serial_cpu = statistics.median(c for _, c in serial_runs)
        pooled_cpu = statistics.median(c for _, c in pooled_runs)
        figures[f"html_full_{size}"] = {
            "serial_s": serial, f"jobs{jobs}_s": pooled, "serial_cpu_s": serial_cpu,
            "pooled_cpu_s": pooled_cpu, "per_athlete_ms_serial": 1000 * serial / size,
            "per_athlete_ms_pooled": 1000 * pooled / size, "speedup": serial / pooled}
        print(f"HTML-only full build, {size} athletes: serial {serial:.2f} s "
              f"({1000 * serial / size:.1f} ms/athlete), --jobs {jobs} {pooled:.2f} s "
              f"({1000 * pooled / size:.1f} ms/athlete), speed-up {serial / pooled:.2f}x; "
              f"CPU {serial_cpu:.1f} s vs {pooled_cpu:.1f} s", flush=True)
        noop = median_of(runs, lambda p=project: rehab_build(p, "--no-pdf"))
        one = median_of(runs, lambda p=project: rehab_build(p, "--no-pdf"),
                        before=lambda p=project: touch_profile(p))
        template = median_of(runs, lambda p=project: rehab_build(p, "--no-pdf"),
                             before=lambda p=project: touch_template(p))
        figures[f"html_incremental_{size}"] = {"noop_s": noop, "one_profile_s": one,
                                               "one_template_s": template}
        print(f"  rebuild of {size}: nothing changed {noop:.2f} s; one profile changed "
              f"{one:.2f} s; one template changed {template:.2f} s", flush=True)
    return figures


def cpu_seconds_of(action) -> tuple[float, float]:
    """Wall and CPU seconds (all child processes) of one action."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = action()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def pdf_benchmarks(size: int, runs: int, jobs: int, scratch: Path) -> dict:
    project = make_project(scratch / f"pdf-{size}", size)
    serial, pooled = [], []
    for _ in range(runs):  # alternated, so both see the same background load
        serial.append(cpu_seconds_of(lambda: rehab_build(project, "--force", "--jobs", "1")))
        pooled.append(cpu_seconds_of(
            lambda: rehab_build(project, "--force", "--jobs", str(jobs))))
    serial_s = statistics.median(w for w, _ in serial)
    pooled_s = statistics.median(w for w, _ in pooled)
    serial_cpu = statistics.median(c for _, c in serial)
    pooled_cpu = statistics.median(c for _, c in pooled)
    print(f"HTML+PDF full build, {size} athletes: serial {serial_s:.1f} s "
          f"({serial_s / size:.2f} s/athlete), --jobs {jobs} {pooled_s:.1f} s "
          f"({pooled_s / size:.2f} s/athlete), speed-up {serial_s / pooled_s:.2f}x; "
          f"CPU {serial_cpu:.1f} s vs {pooled_cpu:.1f} s", flush=True)
    noop = median_of(runs, lambda: rehab_build(project))
    one = median_of(runs, lambda: rehab_build(project), before=lambda: touch_profile(project))
    print(f"  rebuild of {size} with PDFs: nothing changed {noop:.2f} s; one profile changed "
          f"{one:.2f} s (its PDF included)", flush=True)
    figures = {f"pdf_full_{size}": {"serial_s": serial_s, f"jobs{jobs}_s": pooled_s,
                                    "serial_cpu_s": serial_cpu, "pooled_cpu_s": pooled_cpu,
                                    "per_athlete_s_serial": serial_s / size,
                                    "per_athlete_s_pooled": pooled_s / size,
                                    "speedup": serial_s / pooled_s},
               f"pdf_incremental_{size}": {"noop_s": noop, "one_profile_s": one}}
    figures.update(serve_benchmark(project, runs))
    return figures


def serve_benchmark(project: Path, runs: int) -> dict:
    """`rehab serve` after one profile edit: when the page is current, when its PDF is."""
    from generator.config import Settings
    from generator.serve import Preview

    settings = Settings(plans=project / "plans", content=project / "content",
                        templates=project / "templates", out=project / "site", today=TODAY)
    marks: dict[str, float] = {}
    session = Preview(settings, echo=lambda line: marks.setdefault(
        "page" if " page " in line else "handout" if " handout " in line else "other",
        time.perf_counter()))
    session.poll()  # the first look builds nothing new: the project is built
    page, handout = [], []
    for _ in range(runs):
        touch_profile(project)
        marks.clear()
        started = time.perf_counter()
        session.poll()
        page.append(marks["page"] - started)
        handout.append(marks["handout"] - started)
    page_s, handout_s = statistics.median(page), statistics.median(handout)
    print(f"  rehab serve, one profile edited: page current after {page_s:.2f} s, "
          f"its PDF after {handout_s:.2f} s", flush=True)
    return {"serve_one_profile": {"page_s": page_s, "pdf_s": handout_s}}


def overhead_benchmark(athletes: int, runs: int, scratch: Path) -> dict:
    """Our handout PDF against bare WeasyPrint on the same HTML, alternated in one process."""
    import weasyprint
    from pypdf import PdfReader  # a test dependency: pip install -e '.[test]'
    from weasyprint.text.fonts import FontConfiguration

    from generator.build import plan_athlete
    from generator.config import Settings
    from generator.load import Inputs
    from generator.render.artifacts import Renderer
    from generator.render.html import render_handout

    project = make_project(scratch / "overhead", athletes)
    settings = Settings(plans=project / "plans", content=project / "content",
                        templates=project / "templates", out=project / "site", today=TODAY)
    inputs = Inputs(settings)
    renderer = Renderer(settings, inputs.env)
    base_url = settings.templates.resolve().as_uri() + "/"
    ours, bare, bare_shared_fonts, pages = [], [], [], []
    shared_fonts = FontConfiguration()
    renderer.pdf.render("<p>warm up</p>", settings.templates)
    for path in sorted(settings.plans.glob("*.yaml")):
        profile, plan = plan_athlete(path, inputs)
        protocol = inputs.protocols[profile.protocol]
        html = render_handout(inputs.env, plan, protocol, profile)
        for _ in range(runs):
            started = time.perf_counter()
            pdf = renderer.pdf.render(render_handout(inputs.env, plan, protocol, profile),
                                      settings.templates)
            ours.append(time.perf_counter() - started)
            started = time.perf_counter()
            weasyprint.HTML(string=html, base_url=base_url, media_type="print").write_pdf()
            bare.append(time.perf_counter() - started)
            started = time.perf_counter()
            weasyprint.HTML(string=html, base_url=base_url, media_type="print").write_pdf(
                font_config=shared_fonts)
            bare_shared_fonts.append(time.perf_counter() - started)
        pages.append(len(PdfReader(io.BytesIO(pdf)).pages))
    ours_s, bare_s = statistics.median(ours), statistics.median(bare)
    shared_s = statistics.median(bare_shared_fonts)
    per_page = 1000 * ours_s / statistics.median(pages)
    print(f"PDF per athlete, {athletes} athletes x {runs} runs: ours (template + PdfRenderer) "
          f"{ours_s:.3f} s, bare WeasyPrint {bare_s:.3f} s (with one shared font "
          f"configuration {shared_s:.3f} s); overhead ratio {ours_s / bare_s:.2f} "
          f"({ours_s / shared_s:.2f} against the shared-font bare run); "
          f"median {statistics.median(pages)} pages, {per_page:.0f} ms/page", flush=True)
    return {"pdf_overhead": {"ours_s": ours_s, "bare_s": bare_s, "bare_shared_fonts_s": shared_s,
                             "ratio": ours_s / bare_s, "ratio_shared_fonts": ours_s / shared_s,
                             "median_pages": statistics.median(pages), "ms_per_page": per_page}}


def targets(figures: dict, jobs: int) -> list[tuple[str, str, bool]]:
    """The issue's targets on a 2-core machine, with the measured figure."""
    rows = []
    largest = max((k for k in figures if k.startswith("html_full_")),
                  key=lambda k: int(k.rsplit("_", 1)[1]), default=None)
    if largest:
        size = largest.rsplit("_", 1)[1]
        inc = figures[f"html_incremental_{size}"]
        full = figures[largest]
        rows.append((f"no-op rebuild of {size} < 1 s", f"{inc['noop_s']:.2f} s",
                     inc["noop_s"] < 1))
        best = min(full["serial_s"], full[f"jobs{jobs}_s"])
        rows.append((f"HTML-only full build of {size} < 10 s", f"{best:.2f} s", best < 10))
    pdf_inc = next((v for k, v in figures.items() if k.startswith("pdf_incremental_")), None)
    if pdf_inc:
        rows.append(("one changed profile < 1 s including its PDF (rehab build)",
                     f"{pdf_inc['one_profile_s']:.2f} s", pdf_inc["one_profile_s"] < 1))
    if "serve_one_profile" in figures:
        serve = figures["serve_one_profile"]
        rows.append(("one changed profile < 1 s including its PDF (rehab serve)",
                     f"page {serve['page_s']:.2f} s, PDF {serve['pdf_s']:.2f} s",
                     serve["pdf_s"] < 1))
    if "pdf_overhead" in figures:
        ratio = figures["pdf_overhead"]["ratio"]
        rows.append(("PDF overhead ratio <= 1.1", f"{ratio:.2f}", ratio <= 1.1))
    pdf_full = next((v for k, v in figures.items() if k.startswith("pdf_full_")), None)
    if pdf_full:
        rows.append((f"--jobs {jobs} >= 1.7x serial for PDFs",
                     f"{pdf_full['speedup']:.2f}x", pdf_full["speedup"] >= 1.7))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--athletes", type=int, nargs="+", default=[100, 1000],
                        help="HTML-only project sizes (default: 100 1000)")
    parser.add_argument("--pdf-athletes", type=int, default=100,
                        help="project size for the PDF builds; 0 skips them (default: 100)")
    parser.add_argument("--overhead-athletes", type=int, default=5,
                        help="athletes for the PDF overhead ratio (default: 5)")
    parser.add_argument("--runs", type=int, default=3, help="runs per HTML figure (median)")
    parser.add_argument("--pdf-runs", type=int, default=3, help="runs per PDF figure (median)")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes to compare")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()

    print(f"machine: {os.cpu_count()} cores, {platform.machine()}, Python "
          f"{platform.python_version()}, {platform.platform()}; medians of {args.runs} runs "
          f"(PDF: {args.pdf_runs}); load average {os.getloadavg()[0]:.1f}", flush=True)
    figures: dict = {}
    with tempfile.TemporaryDirectory(prefix="rehab-bench-") as scratch:
        figures.update(html_benchmarks(args.athletes, args.runs, args.jobs, Path(scratch)))
        if args.overhead_athletes:
            figures.update(overhead_benchmark(args.overhead_athletes, args.pdf_runs,
                                              Path(scratch)))
        if args.pdf_athletes:
            figures.update(pdf_benchmarks(args.pdf_athletes, args.pdf_runs, args.jobs,
                                          Path(scratch)))
    print(f"\nload average at the end {os.getloadavg()[0]:.1f}; targets (2-core machine):")
    for target, measured, met in targets(figures, args.jobs):
        print(f"  {'met    ' if met else 'NOT met'}  {target}: {measured}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", "utf-8")


if __name__ == "__main__":
    main()
