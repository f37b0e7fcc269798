"""Start-up of the `rehab` command: --help, --version and `check` as new processes, medians.

    python3 bench/startup.py [--source DIR ...] [--runs 15]

Each --source is a checkout of the generator (default: the one holding this script); give two
to compare them (the first is the baseline). Every command runs as `python3 -m generator ...`
in a scratch copy of that checkout's example project, with the checkout first on sys.path.
`check, warm` runs after a `rehab build --no-pdf` (whatever that build leaves in .rehab/).
Also lists which slow-to-import libraries each command loaded (python3 -X importtime).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
TODAY = "2026-11-23"
HEAVY = ("weasyprint", "icalendar", "segno", "jinja2", "markdown_it")
COMMANDS = {
    "python3 -c pass": None,  # the interpreter alone: the floor under every figure
    "rehab --version": ["--version"],
    "rehab --help": ["--help"],
    "rehab check, cold": ["check", "--today", TODAY],
    "rehab check, warm": ["check", "--today", TODAY],
}


def project(source: Path, into: Path) -> Path:
    for name in ("content", "templates", "plans"):
        shutil.copytree(source / name, into / name)
    if (source / "rehab.yaml").is_file():
        shutil.copy(source / "rehab.yaml", into / "rehab.yaml")
    return into


def command(args: list[str] | None, importtime: bool = False) -> list[str]:
    if args is None:
        return [sys.executable, "-c", "pass"]
    return [sys.executable, *(["-X", "importtime"] if importtime else []), "-m", "generator",
            *args]


def run(argv: list[str], cwd: Path, source: Path) -> subprocess.CompletedProcess:
    """With the source's bytecode cached beside its scratch project, as an installed package
    has it (pip compiles it), whatever PYTHONDONTWRITEBYTECODE says (bench/speed.py too)."""
    env = {**os.environ, "PYTHONPATH": str(source),
           "PYTHONPYCACHEPREFIX": str(cwd.parent / f"{cwd.name}-pycache")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed in {cwd}:\n{done.stdout}{done.stderr}")
    return done


def measure(sources: list[Path], runs: int) -> list[dict[str, tuple[float, list[str]]]]:
    """Per source: name -> (median seconds, the slow libraries it imported). Runs of the
    sources alternate, so a change in the machine's load falls on all of them alike."""
    found: list[dict] = [{} for _ in sources]
    with tempfile.TemporaryDirectory() as scratch:
        roots = [project(s, Path(scratch) / str(i)) for i, s in enumerate(sources)]
        for name, args in COMMANDS.items():
            for source, root in zip(sources, roots, strict=True):
                if name.endswith("warm"):
                    run(command(["build", "--no-pdf", "--today", TODAY]), root, source)
                elif name.endswith("cold"):
                    shutil.rmtree(root / ".rehab", ignore_errors=True)
            for source, root in zip(sources, roots, strict=True):
                run(command(args), root, source)  # bytecode written, not timed
            times: list[list[float]] = [[] for _ in sources]
            for _ in range(runs):
                for i, (source, root) in enumerate(zip(sources, roots, strict=True)):
                    start = time.perf_counter()
                    run(command(args), root, source)
                    times[i].append(time.perf_counter() - start)
            for i, (source, root) in enumerate(zip(sources, roots, strict=True)):
                loaded = []
                if args is not None:
                    trace = run(command(args, importtime=True), root, source).stderr
                    loaded = [lib for lib in HEAVY if f" {lib}\n" in trace]
                found[i][name] = (statistics.median(times[i]), loaded)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, action="append",
                        help="a checkout of the generator (repeat to compare; first = baseline)")
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    sources = [s.resolve() for s in args.source or [HERE]]
    results = measure(sources, args.runs)
    print(f"medians of {args.runs} runs; load average {os.getloadavg()[0]:.2f}")
    for name in COMMANDS:
        cells = [f"{r[name][0] * 1000:6.0f} ms" for r in results]
        if len(results) > 1:
            cells.append(f"x{results[0][name][0] / results[-1][name][0]:.2f}")
        print(f"{name:20} " + "  ".join(cells))
        for source, result in zip(sources, results, strict=True):
            if result[name][1]:
                print(f"{'':20}   {source.name}: imports {', '.join(result[name][1])}")


if __name__ == "__main__":
    main()
