"""Design benchmark (#13): designs run as one batch against a loop of `simulate`.

    .venv/bin/python benchmarks/bench_design.py            # the three figures below
    .venv/bin/python benchmarks/bench_design.py --quick    # smaller sizes, to check the script

1. Batch against loop: a Latin hypercube of 1,000 distinct points (10 real parameters) x 10
   replications on the default market (3 clients, 2 vendors, quality_weighted, 156 weeks), run
   by `bposim.simulate_design` in one call, against a loop of `simulate` over the same points,
   timed on the first LOOP_POINTS of them and scaled to 1,000. Two loops are timed: the plain
   one (each point's Settings validated beforehand, only `simulate` timed) and the reference
   evaluator (`simulate_points`: set the point's values, validate, simulate). The ratio is
   against the plain loop, the faster of the two. Target: at least 20x.
2. Sobol end to end: `bposim-explore design=client_value` reduced to 10 parameters with N = 1024
   (Saltelli with second-order terms: 1024 x 22 = 22,528 runs x 156 weeks), from the command
   line on all cores (--jobs -1): sampling, the runs, SALib's analysis of four KPIs, the
   tornado charts and the HTML report. Target: under 60 s on 2 cores.
3. Peak memory of a 100,000-point design (a Latin hypercube over the same 10 parameters, one
   replication, 156 weeks) through simulate_design's chunks, in a fresh process: its peak
   resident set (ru_maxrss). Target: under 2 GiB.

Prints machine information, each figure, PASS/FAIL per target; exits 1 if a target is missed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TEN = ["client.audit_rate", "client.context_sharing", "client.feedback_clarity", "client.recognition",
       "client.expectation_clarity", "client.two_way_feedback", "vendor.metric_gameability",
       "vendor.risk_aversion", "vendor.gaming_aversion", "market.outcome_noise"]
DROPPED = ["~design.parameters.client.missed_break_cost", "~design.parameters.market.demand_noise"]  # 12 -> 10
LOOP_POINTS = 50


def lhs(n: int, seed: int = 0):
    """n points of the client_value design's 10 parameters (its bounds), Latin hypercube."""
    from bposim.explore import load_design

    design = load_design("client_value", ["design.sampler=lhs", f"design.size={n}", f"design.seed={seed}", *DROPPED])
    assert design.names == TEN, design.names
    return design.sample()


def batch_vs_loop(points: int, replications: int, loop_points: int) -> dict:
    import bposim
    from bposim.explore import simulate_points
    from bposim.explore.reference import point_config
    from bposim.config import validate

    design = lhs(points)
    start = time.perf_counter()
    result = bposim.simulate_design(design, replications=replications)
    batch = time.perf_counter() - start
    assert len(result.summary) == points * replications
    head = design.head(loop_points)
    settings = [validate(point_config(None, dict(zip(head.columns, row)))) for row in head.itertuples(index=False)]
    start = time.perf_counter()
    for s in settings:
        bposim.simulate(s, replications=replications)
    plain = (time.perf_counter() - start) / loop_points * points
    start = time.perf_counter()
    simulate_points(head, replications=replications)
    reference = (time.perf_counter() - start) / loop_points * points
    return {"batch": batch, "plain": plain, "reference": reference}


def sobol_cli(size: int, folder: Path) -> float:
    exe = shutil.which("bposim-explore", path=str(Path(sys.executable).parent)) or "bposim-explore"
    cmd = [exe, "design=client_value", f"design.size={size}", *DROPPED, "--jobs", "-1", "--out", str(folder)]
    start = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if out.returncode != 0 or not (folder / "report.html").exists():
        raise SystemExit(f"bposim-explore failed:\n{out.stderr[-3000:]}")
    return seconds


def _peak_child(points: int) -> None:
    """In a fresh process: run the design, print the peak resident set in bytes."""
    import bposim

    design = lhs(points, seed=1)
    result = bposim.simulate_design(design, replications=1)
    assert len(result.summary) == points
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)


def peak_memory(points: int) -> float:
    out = subprocess.run([sys.executable, __file__, "--peak-child", str(points)], capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"peak-memory run failed:\n{out.stderr[-3000:]}")
    return int(out.stdout.strip().splitlines()[-1]) / 2 ** 30


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes (the targets do not apply)")
    parser.add_argument("--peak-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.peak_child:
        _peak_child(args.peak_child)
        return
    import numpy
    import pandas

    print(f"date {dt.datetime.now().astimezone().isoformat(timespec='seconds')}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}, numpy {numpy.__version__}, pandas {pandas.__version__}, "
          f"{platform.platform(terse=True)}")
    points, reps, loop_n, sobol_n, big = (1000, 10, LOOP_POINTS, 1024, 100_000)
    if args.quick:
        points, reps, loop_n, sobol_n, big = (100, 2, 10, 32, 5_000)
    ok = True

    t = batch_vs_loop(points, reps, loop_n)
    ratio = t["plain"] / t["batch"]
    print(f"1. {points} points x {reps} replications: batch {t['batch']:.1f} s; loop of simulate "
          f"{t['plain']:.1f} s (timed on {loop_n} points, scaled), reference loop {t['reference']:.1f} s")
    print(f"   batch / loop: {ratio:.1f}x faster than the plain loop, {t['reference'] / t['batch']:.1f}x than the "
          f"reference loop  [target >= 20x: {'PASS' if ratio >= 20 else 'FAIL'}]")
    ok &= ratio >= 20

    with tempfile.TemporaryDirectory() as tmp:
        seconds = sobol_cli(sobol_n, Path(tmp) / "sobol")
    runs = sobol_n * (2 * len(TEN) + 2)
    print(f"2. Sobol over {len(TEN)} parameters, N = {sobol_n} ({runs:,} runs x 156 weeks), bposim-explore end to end: "
          f"{seconds:.1f} s  [target < 60 s: {'PASS' if seconds < 60 else 'FAIL'}]")
    ok &= seconds < 60

    gib = peak_memory(big)
    print(f"3. {big:,}-point design, chunked: peak resident memory {gib:.2f} GiB  "
          f"[target < 2 GiB: {'PASS' if gib < 2 else 'FAIL'}]")
    ok &= gib < 2
    if args.quick:
        print("(--quick: smaller sizes; the targets are for the full sizes)")
    sys.exit(0 if ok or args.quick else 1)


if __name__ == "__main__":
    main()
