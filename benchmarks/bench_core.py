"""Core speed benchmark: the array engine against the per-agent Mesa loop, and a tiny run's wall time.

What it measures (results and their meaning: benchmarks/README.md):
  1. relationship-steps per second (relationships x weeks / seconds spent in model.step()) of
     BPOModel with engine="array" (numpy over all relationships) and engine="agents" (one Mesa
     agent per relationship, AgentSet.do("step")), on the same relationships, for
     1 client x 1 vendor, 50 clients x 20 vendors and 10,000 clients x 200 vendors, 260 weeks;
  2. the wall time of bposim.simulate(cfg) for 1 client x 1 vendor over 156 weeks, cfg composed
     beforehand (composition is timed separately), and the same run stepping BPOModel directly
     with engine="auto" and engine="array".
Only stepping is timed (models are built outside the timer); fast cases report the best of
several repeats. Targets: 10,000-relationship array >= 20x the per-agent loop; 1x1 156 weeks < 20 ms.

Run from the repository root:  .venv/bin/python benchmarks/bench_core.py  [--quick]
(about 45 s on 2 cores, 30 s with --quick; exit status 1 if a target is missed)
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import sys
import time

import mesa
import numpy as np

import bposim
from bposim.config import settings_from

WEEKS = 260
SLOW_AGENT_WEEKS = 26     # the per-agent loop over 10,000 relationships runs ~15k rel-steps/s
TARGET_RATIO, TARGET_MS = 20.0, 20.0

ALL_ROWS = "weekly aggregates + per-relationship rows (record.relationships=auto -> all)"
AGGREGATES = "weekly aggregates only (record.relationships=none)"
# (label, overrides, what is recorded, weeks the per-agent loop is timed over)
SIZES = [
    ("1 client x 1 vendor", ["market.n_clients=1", "market.n_vendors=1"], ALL_ROWS, WEEKS),
    ("50 clients x 20 vendors", ["market.n_clients=50", "market.n_vendors=20", "record.relationships=none"],
     AGGREGATES, WEEKS),
    ("10,000 clients x 200 vendors", ["market.n_clients=10000", "market.n_vendors=200", "record.relationships=none"],
     AGGREGATES, SLOW_AGENT_WEEKS),
]


def step_seconds(settings, engine: str, repeats: int) -> tuple[float, int, int]:
    """Best time of `repeats` runs of stepping a freshly built model; (seconds, relationships, weeks)."""
    best = float("inf")
    for _ in range(repeats):
        model = bposim.BPOModel(settings, collect=False, engine=engine)
        start = time.perf_counter()
        for _ in range(model.n_steps):
            model.step()
        best = min(best, time.perf_counter() - start)
    return best, model.n_relationships, model.n_steps


def best_of(fn, repeats: int) -> tuple[float, float]:
    """(first, best) wall time of fn() in seconds over `repeats` calls."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times[0], min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats (noisier)")
    args = parser.parse_args()
    repeats = 2 if args.quick else 5
    api_repeats = 3 if args.quick else 7

    print(f"bposim {bposim.__version__} core benchmark, {datetime.datetime.now():%Y-%m-%d %H:%M}")
    print(f"CPUs {os.cpu_count()}, Python {platform.python_version()}, numpy {np.__version__}, "
          f"mesa {mesa.__version__}, {platform.platform()}")
    print(f"repeats: best of {repeats} (fast cases), {api_repeats} (156-week runs)\n")

    print("1. Relationship-steps per second (stepping only; models built outside the timer)")
    for label, overrides, recorded, agent_weeks in SIZES:
        slow = agent_weeks < WEEKS
        array_s, n, weeks = step_seconds(settings_from(overrides + [f"steps={WEEKS}"]), "array", repeats)
        agent_s, _, _ = step_seconds(settings_from(overrides + [f"steps={agent_weeks}"]), "agents",
                                     1 if slow else repeats)
        array_rate, agent_rate = n * weeks / array_s, n * agent_weeks / agent_s
        ratio_big = array_rate / agent_rate       # the last size is the one with a target
        print(f"  {label}: {n:,} relationship(s); records {recorded}")
        print(f"    array : {array_rate:>12,.0f} rel-steps/s  ({weeks} weeks in {array_s:.3f} s)")
        note = f"; only {agent_weeks} weeks, one run: the loop is slow here" if slow else ""
        print(f"    agents: {agent_rate:>12,.0f} rel-steps/s  ({agent_weeks} weeks in {agent_s:.3f} s{note})")
        print(f"    array/agents = {ratio_big:.2f}x")

    print("\n2. 1 client x 1 vendor, 156 weeks (weekly aggregates + per-relationship rows: record auto -> all)")
    overrides = ["market.n_clients=1", "market.n_vendors=1"]
    start = time.perf_counter()
    cfg = bposim.compose(overrides)
    compose_cold = time.perf_counter() - start
    compose_warm = best_of(lambda: bposim.compose(overrides), api_repeats)[1]
    print(f"  bposim.compose(...) beforehand: first {compose_cold * 1e3:.1f} ms (Hydra + validation), "
          f"again {compose_warm * 1e3:.2f} ms (Hydra cached, validation not)")
    api_first, api_best = best_of(lambda: bposim.simulate(cfg), api_repeats)
    print(f"  bposim.simulate(cfg), whole call: best {api_best * 1e3:.2f} ms (first call {api_first * 1e3:.2f} ms)")
    validation, settings = best_of(lambda: settings_from(cfg), api_repeats)[1], settings_from(cfg)
    print(f"    of which settings_from(cfg), the OmegaConf validation simulate starts with: {validation * 1e3:.2f} ms")
    for engine in ("auto", "array"):
        chosen = bposim.BPOModel(settings, collect=False, engine=engine).engine.name
        best = step_seconds(settings, engine, api_repeats)[0]
        print(f"  BPOModel(engine={engine!r} -> {chosen}), stepping only: best {best * 1e3:.2f} ms")

    ok_ratio, ok_ms = ratio_big >= TARGET_RATIO, api_best * 1e3 < TARGET_MS
    print("\nTargets")
    print(f"  10,000-relationship array >= {TARGET_RATIO:.0f}x per-agent loop: {ratio_big:.1f}x  "
          f"{'PASS' if ok_ratio else 'FAIL'}")
    print(f"  1x1, 156 weeks via bposim.simulate < {TARGET_MS:.0f} ms: {api_best * 1e3:.2f} ms  "
          f"{'PASS' if ok_ms else 'FAIL'}")
    return 0 if ok_ratio and ok_ms else 1


if __name__ == "__main__":
    sys.exit(main())
