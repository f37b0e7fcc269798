"""The speed targets (issue 23), this checkout against another commit, run in alternation.

    python3 bench/speed.py                      # against HEAD~1
    python3 bench/speed.py --baseline main --athletes 200 --runs 5
    python3 bench/speed.py --only one_edit,serve   # only these figures (see FIGURES)

Both checkouts build the same synthetic project (bench_build.py's athletes), each in its own
copy, and every figure is taken from the two in turn (baseline, this, baseline, this ...), so
a change in the machine's load falls on both alike: read the ratios first, the seconds second.

    HTML per athlete   (`rehab build --no-pdf --force --jobs 1` - the same build with nothing
                       to do) / athletes: plan, page, calendar, JSON and writing, on one core,
                       start-up and the survey of the project taken out
    handout            one athlete's handout (its HTML and WeasyPrint's PDF) in a warm process,
                       median over the five example athletes
    one edit + PDF     `rehab build` after one profile changed among --athletes, all built
                       with PDFs before: a new process, start-up and imports included; also
                       its CPU seconds (with its PDF helper's), steadier on a busy machine
    serve              `rehab serve`'s rebuild after one profile changed: the page current,
                       then its handout

The baseline is exported with `git archive` into a scratch folder (the repository is not
touched). Every process runs with Python's bytecode cached, as an installed package has it
(pip compiles it), in a scratch folder per checkout (PYTHONPYCACHEPREFIX), even where the
environment says PYTHONDONTWRITEBYTECODE: otherwise every new process would compile the
generator's modules from source again (about a fifth of a second of a one-edit build).
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TODAY = "2026-11-23"
FIGURES = ("html", "handout", "one_edit", "serve")
TARGETS = {"html_ms": 5.0, "handout_s": 0.3, "one_edit_s": 0.7, "one_edit_cpu_s": None,
           "serve_page_s": 0.2, "serve_pdf_s": 0.5}


def export(rev: str, into: Path) -> Path:
    """The generator, content and templates of commit `rev`, as files."""
    into.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", rev, "generator", "content", "templates",
                              "plans", "pyproject.toml"], cwd=ROOT, capture_output=True,
                             check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def environment(source: Path, project: Path) -> dict[str, str]:
    """`source` first on sys.path; its bytecode cached beside the project, as if installed."""
    env = dict(os.environ, PYTHONPATH=str(source),
               PYTHONPYCACHEPREFIX=str(project.parent / f"{project.name}-pycache"))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def rehab(source: Path, project: Path, *args: str) -> float:
    """Seconds for one `python3 -m generator ...` of `source` in a new process."""
    return rehab_times(source, project, *args)[0]


def rehab_times(source: Path, project: Path, *args: str) -> tuple[float, float]:
    """Wall seconds and CPU seconds (the process and every process it waited for: its PDF
    helper, its workers) of one `python3 -m generator ...` of `source`."""
    env = environment(source, project)
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "generator", *args], cwd=project, env=env,
                          capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{source}: {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    now = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = now.ru_utime + now.ru_stime - used.ru_utime - used.ru_stime
    return seconds, cpu


def worker(source: Path, project: Path, what: str) -> list[float]:
    """Run this script's --worker `what` with `source` first on sys.path; its figures."""
    env = environment(source, project)
    done = subprocess.run([sys.executable, str(HERE / "speed.py"), "--worker", what,
                           "--project", str(project)], cwd=project, env=env,
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{source}: worker {what} failed:\n{done.stdout}\n{done.stderr}")
    return [float(x) for x in done.stdout.split()]


def touch_profile(project: Path) -> None:
    path = project / "plans" / "athlete-0001.yaml"
    path.write_text(path.read_text("utf-8") + f"  Edit {time.time_ns()}.\n", "utf-8")


# --- run inside a checkout (--worker): the generator imported is that checkout's -------------

def handout_worker(project: Path) -> list[float]:
    import datetime as dt

    from generator.profile import load_profile
    from generator.protocol import load_protocols
    from generator.render.environment import make_environment
    from generator.render.html import render_handout
    from generator.render.pdf import PdfRenderer
    from generator.schedule import schedule

    today = dt.date.fromisoformat(TODAY)
    protocols = load_protocols(project / "content")
    env = make_environment(project / "templates")
    renderer = PdfRenderer([project / "templates", project / "content"])
    times = []
    for path in sorted((project / "examples").glob("*.yaml")):
        profile = load_profile(path, protocols, today)
        protocol, own_env = in_language(protocols[profile.protocol], env, profile)
        plan = schedule(profile, protocol, today)

        def handout(plan=plan, protocol=protocol, profile=profile, env=own_env) -> bytes:
            return renderer.render(render_handout(env, plan, protocol, profile),
                                   project / "templates")

        handout()  # warm: fonts loaded, templates compiled
        for _ in range(3):
            started = time.perf_counter()
            handout()
            times.append(time.perf_counter() - started)
    return [statistics.median(times)]


def serve_worker(project: Path) -> list[float]:
    import datetime as dt

    from generator.config import Settings
    from generator.serve import Preview

    settings = Settings(plans=project / "plans", content=project / "content",
                        templates=project / "templates", out=project / "site",
                        today=dt.date.fromisoformat(TODAY))
    marks: dict[str, float] = {}
    session = Preview(settings, echo=lambda line: marks.setdefault(
        "page" if " page " in line else "handout" if " handout " in line else "other",
        time.perf_counter()))
    session.poll()  # the project is built: nothing new
    touch_profile(project)
    marks.clear()
    started = time.perf_counter()
    session.poll()
    return [marks["page"] - started, marks["handout"] - started]


def in_language(protocol, env, profile):
    """The protocol and templates in the athlete's language, as a build renders them (a
    checkout from before the athletes' languages: English)."""
    try:
        from generator.protocol import in_language as protocol_in
        from generator.render.environment import for_language
    except ImportError:
        return protocol, env
    language = getattr(profile, "language", None) or "en"
    return protocol_in(protocol, language), for_language(env, language)


# --- the driver -------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", default="HEAD~1", help="commit to compare with")
    parser.add_argument("--athletes", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5, help="runs of each figure (median)")
    parser.add_argument("--only", default=",".join(FIGURES),
                        help=f"figures to take, comma-separated (of {', '.join(FIGURES)})")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--project", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    only = set(args.only.split(","))
    if only - set(FIGURES):
        parser.error(f"--only: unknown {', '.join(sorted(only - set(FIGURES)))}")
    if args.worker:
        work = {"handout": handout_worker, "serve": serve_worker}[args.worker]
        print(" ".join(f"{x:.6f}" for x in work(args.project)))
        return

    sys.path.insert(0, str(HERE))
    from bench_build import make_project

    rev = subprocess.run(["git", "rev-parse", "--short", args.baseline], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout.strip()
    head = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT,
                          capture_output=True, text=True, check=True).stdout.strip()
    print(f"machine: {os.cpu_count()} cores, {platform.machine()}, Python "
          f"{platform.python_version()}; load average {os.getloadavg()[0]:.1f}; "
          f"baseline {rev} against this checkout ({head}); {args.athletes} athletes, "
          f"medians of {args.runs} runs taken in alternation", flush=True)
    with tempfile.TemporaryDirectory(prefix="rehab-speed-") as scratch:
        scratch = Path(scratch)
        sources = {"baseline": export(args.baseline, scratch / "baseline"), "this": ROOT}
        projects = {}
        for name, source in sources.items():
            project = make_project(scratch / f"project-{name}", args.athletes)
            shutil.rmtree(project / "content")  # each checkout's own content and templates
            shutil.rmtree(project / "templates")
            for folder in ("content", "templates"):
                shutil.copytree(source / folder, project / folder)
            shutil.copytree(source / "plans", project / "examples")
            projects[name] = project
        figures: dict[str, dict[str, list[float]]] = {n: {} for n in sources}

        def measure(key: str, action) -> None:
            for _ in range(args.runs):
                for name, source in sources.items():
                    figures[name].setdefault(key, []).append(action(source, projects[name]))

        def html_ms(source: Path, project: Path) -> float:
            full = rehab(source, project, "build", "--today", TODAY, "--no-pdf", "--force",
                         "--jobs", "1")
            idle = rehab(source, project, "build", "--today", TODAY, "--no-pdf", "--jobs", "1")
            return 1000 * (full - idle) / args.athletes

        for name, source in sources.items():  # bytecode compiled, as an install has it
            rehab(source, projects[name], "--version")
        if "html" in only:
            measure("html_ms", html_ms)
            print("  HTML per athlete done", flush=True)
        if "handout" in only:
            measure("handout_s", lambda s, p: worker(s, p, "handout")[0])
            print("  handout done", flush=True)
        if only & {"one_edit", "serve"}:
            for name, source in sources.items():  # every athlete with a PDF, for the edits
                rehab(source, projects[name], "build", "--today", TODAY, "--jobs", "2")
            print("  full builds with PDFs done", flush=True)

        def one_edit(source: Path, project: Path) -> tuple[float, float]:
            touch_profile(project)
            return rehab_times(source, project, "build", "--today", TODAY)

        if "one_edit" in only:
            measure("one_edit", one_edit)
            for name in sources:  # on a busy machine the CPU seconds say more than the wall
                edits = figures[name].pop("one_edit")
                figures[name]["one_edit_s"] = [wall for wall, _ in edits]
                figures[name]["one_edit_cpu_s"] = [cpu for _, cpu in edits]
        serve: dict[str, list[list[float]]] = {n: [] for n in sources}
        for _ in range(args.runs if "serve" in only else 0):
            for name, source in sources.items():
                serve[name].append(worker(source, projects[name], "serve"))
        for name in sources:
            if serve[name]:
                figures[name]["serve_page_s"] = [page for page, _ in serve[name]]
                figures[name]["serve_pdf_s"] = [pdf for _, pdf in serve[name]]

    print(f"\nload average at the end {os.getloadavg()[0]:.1f}\n")
    print(f"{'figure':18} {'baseline ' + rev:>16} {'this':>10} {'speed-up':>9}  target")
    for key, target in TARGETS.items():
        if key not in figures["this"]:
            continue
        before = statistics.median(figures["baseline"][key])
        after = statistics.median(figures["this"][key])
        unit = "ms" if key.endswith("_ms") else "s"
        verdict = "" if target is None else \
            f"  <= {target:g} {unit}: {'met' if after <= target else 'NOT met'}"
        print(f"{key:18} {before:14.3f} {unit:1} {after:8.3f} {unit:1} {before / after:8.2f}x"
              + verdict)


if __name__ == "__main__":
    main()
