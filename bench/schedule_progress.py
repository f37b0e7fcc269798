"""What recorded progress costs the scheduler: schedule() per athlete, medians of repeats.

    python3 bench/schedule_progress.py [--athletes 1000] [--repeats 5]

Compares athletes without progress events with athletes whose whole rehab so far
is recorded (16 step events, a setback and a pause). Run from the project root.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from factories import make_profile  # noqa: E402

from generator.progress import ProgressEvent  # noqa: E402
from generator.protocol import load_protocols  # noqa: E402
from generator.schedule import schedule  # noqa: E402

DIAGNOSED = dt.date(2026, 1, 6)


def full_history() -> tuple[ProgressEvent, ...]:
    """Every step on its planned day for a moderate athlete, plus a setback and a pause."""
    day = DIAGNOSED + dt.timedelta(weeks=7)
    names = ["partial_weight_bearing", "full_weight_bearing"]
    names += [f"strength_stage {n}" for n in range(1, 7)]
    events = []
    for name in names:
        event, _, number = name.partition(" ")
        events.append(ProgressEvent(len(events), day, event,
                                    stage=int(number) if number else None))
        day += dt.timedelta(weeks=1)
    events.append(ProgressEvent(len(events), day, "setback"))
    day += dt.timedelta(weeks=1)
    events.append(ProgressEvent(len(events), day, "strength_stage", stage=6))
    day += dt.timedelta(weeks=1)
    events.append(ProgressEvent(len(events), day, "walk_run_cleared"))
    for step in range(2, 8):
        day += dt.timedelta(weeks=1)
        events.append(ProgressEvent(len(events), day, "walk_run_step", step=step))
    events.append(ProgressEvent(len(events), day + dt.timedelta(days=2), "pause",
                                until=day + dt.timedelta(days=9)))
    return tuple(events)


def median_ms(profiles, protocol, today, repeats: int) -> float:
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        for profile in profiles:
            schedule(profile, protocol, today)
        runs.append((time.perf_counter() - start) / len(profiles) * 1000)
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--athletes", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    root = Path(__file__).resolve().parents[1]
    protocol = load_protocols(root / "content")["femoral-neck-stress-fracture"]
    history = full_history()
    today = history[-1].until
    base = make_profile(diagnosed=DIAGNOSED)
    without = [dataclasses.replace(base, id=f"a{i}") for i in range(args.athletes)]
    with_events = [dataclasses.replace(p, progress=history) for p in without]
    plain = median_ms(without, protocol, today, args.repeats)
    recorded = median_ms(with_events, protocol, today, args.repeats)
    print(f"schedule() per athlete, median of {args.repeats} runs over {args.athletes} athletes:")
    print(f"  no progress events:            {plain:.3f} ms")
    print(f"  {len(history)} events (setback, pause):  {recorded:.3f} ms")


if __name__ == "__main__":
    main()
