"""Scaling benchmark: build and stepping cost per relationship-week from 1,000 to 1,000,000 relationships.

What it measures (results and their meaning: benchmarks/README.md):
  1. for 1,000 / 10,000 / 100,000 / 1,000,000 relationships (one vendor per 50 clients, one
     replication; a tender invites 5 of them, client.tender_shortlist), 52 weeks, weekly aggregates only (record.relationships=none), each size in
     a fresh subprocess: the time to build `BPOModel` (configuration validated beforehand, not
     timed), stepping relationship-steps per second, the cost of build plus stepping per
     relationship-week and its ratio to the 10,000-relationship figure, the process's peak
     resident memory (ru_maxrss) and the memory per relationship (peak less what the process
     held before building, over relationships);
  2. `bposim.compose` of a new override list that changes only values, against a full
     composition of the same list (the override check, Hydra's composition, then validation: what
     every compose cost before #16), in this process, the two interleaved.
Targets: build + stepping cost per relationship-week within 2x over 10,000 .. 1,000,000
relationships; the 1,000,000-relationship run under 2 GiB peak; value-only compose >= 10x
faster than a full composition.

Run from the repository root:  .venv/bin/python benchmarks/bench_scale.py  [--sizes 1000,10000]
(about 1.5 min on 2 cores; exit status 1 if a target is missed)
"""

from __future__ import annotations

import argparse
import datetime
import gc
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time

SIZES = (1_000, 10_000, 100_000, 1_000_000)
WEEKS = 52
REFERENCE = 10_000
TARGET_CURVE, TARGET_GIB, TARGET_COMPOSE = 2.0, 2.0, 10.0
COMPOSE_REPEATS = 21
REPEATS, REPEAT_UP_TO = 3, 100_000  # best of 3 up to 100,000 relationships, one run above
# Vendors a tender invites: a market of 20,000 vendors tenders among a few bidders, as real ones
# do (a tender of the whole market costs tendering relationships x vendors: quadratic growth).
SHORTLIST = 5


def peak_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB


def current_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def one_size(n: int, weeks: int, shortlist: int = SHORTLIST) -> dict:
    """Build and step one market in this process; what a fresh subprocess prints as JSON.

    Times are CPU seconds of this process (the machine is shared: wall time counts other
    processes' turns too), best of a few repeats for the sizes that take seconds; the peak
    is the process's whole life's (a repeat reuses the memory the one before freed).
    """
    import bposim
    from bposim.config import settings_from

    settings = settings_from([f"market.n_clients={n}", f"market.n_vendors={max(1, n // 50)}",
                              f"client.tender_shortlist={shortlist}", f"steps={weeks}", "record.relationships=none"])
    before = current_bytes()
    best = None
    for _ in range(REPEATS if n <= REPEAT_UP_TO else 1):
        wall, start = time.perf_counter(), time.process_time()
        model = bposim.BPOModel(settings, collect=False, engine="array")
        built = time.process_time()
        for _ in range(model.n_steps):
            model.advance_week()
        stepped = time.process_time()
        summary = model.recorder.summary(range(model.replications))
        run = {"build_s": built - start, "step_s": stepped - built, "wall_s": time.perf_counter() - wall}
        if best is None or run["build_s"] + run["step_s"] < best["build_s"] + best["step_s"]:
            best = run
        del model
        gc.collect()  # the model holds reference cycles: free it before the next repeat builds
    return {"n": n, "weeks": weeks, **best, "peak_bytes": peak_bytes(), "before_bytes": before,
            "client_net_value": float(summary.client_net_value.iloc[0])}


def run_sizes(sizes, weeks: int, shortlist: int = SHORTLIST) -> list[dict]:
    rows = []
    for n in sizes:
        out = subprocess.run([sys.executable, __file__, "--one", str(n), "--weeks", str(weeks), "--shortlist", str(shortlist)],
                             check=True, capture_output=True, text=True)
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return rows


def full_composition(overrides: list[str]):
    """A configuration as every compose made it before #16, with no reuse: the safety check of
    the overrides, a whole Hydra composition (bposim.config.full_composition: Hydra, then the
    YAML round trip compose always made), then validation."""
    from bposim.config import full_composition as hydra_composition, validate
    from bposim.config.load import group_options
    from bposim.config.safety import check_overrides

    overrides = tuple(overrides)
    check_overrides(overrides, group_options, allow_hydra=False)  # as compose checks them
    return validate(hydra_composition(overrides))


def compose_times(repeats: int) -> tuple[float, float]:
    """Median seconds of bposim.compose for new value-only override lists, and of a full
    composition of the same lists (Hydra, then validation).

    Every call gets a list it has not seen (a new value), so no cache of whole lists answers it.
    """
    import bposim

    bposim.compose([])  # start-up (Hydra's first composition, imports) is not what either costs afterwards
    full_composition([])
    value_only, full = [], []
    for i in range(repeats):
        overrides = [f"client.audit_rate={0.1 + 0.001 * i}", f"seed={i}"]
        start = time.perf_counter()
        bposim.compose(overrides)
        value_only.append(time.perf_counter() - start)
        start = time.perf_counter()
        full_composition(overrides)
        full.append(time.perf_counter() - start)
    return statistics.median(value_only), statistics.median(full)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="relationships, comma-separated")
    parser.add_argument("--weeks", type=int, default=WEEKS)
    parser.add_argument("--shortlist", type=int, default=SHORTLIST, help="client.tender_shortlist (vendors a tender invites)")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one_size(args.one, args.weeks, args.shortlist)))
        return 0

    import mesa
    import numpy as np

    import bposim

    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"bposim {bposim.__version__} scaling benchmark, {datetime.datetime.now():%Y-%m-%d %H:%M}")
    print(f"CPUs {os.cpu_count()}, Python {platform.python_version()}, numpy {np.__version__}, "
          f"mesa {mesa.__version__}, {platform.platform()}\n")
    print(f"1. One replication, {args.weeks} weeks, weekly aggregates only (record.relationships=none), "
          f"{args.shortlist} vendors invited to a tender; each size in a fresh process")
    rows = run_sizes(sizes, args.weeks, args.shortlist)
    cost = {r["n"]: (r["build_s"] + r["step_s"]) / (r["n"] * r["weeks"]) for r in rows}
    ref = cost.get(REFERENCE)
    print("  (build and step: CPU seconds; wall: the same run's wall-clock seconds)")
    print(f"  {'relationships':>13} {'build s':>8} {'step s':>8} {'wall s':>8} {'rel-steps/s':>12} {'ns/rel-week':>11} "
          f"{'vs 10k':>7} {'peak MiB':>9} {'bytes/rel':>10}")
    for r in rows:
        n = r["n"]
        per_rel = (r["peak_bytes"] - r["before_bytes"]) / n
        ratio = f"{cost[n] / ref:.2f}x" if ref else "-"
        print(f"  {n:>13,} {r['build_s']:>8.3f} {r['step_s']:>8.3f} {r['wall_s']:>8.3f} {n * r['weeks'] / r['step_s']:>12,.0f} "
              f"{cost[n] * 1e9:>11.0f} {ratio:>7} {r['peak_bytes'] / 2 ** 20:>9.0f} {per_rel:>10,.0f}")

    print("\n2. bposim.compose of a new override list (median of %d)" % COMPOSE_REPEATS)
    value_only, full = compose_times(COMPOSE_REPEATS)
    speedup = full / value_only
    print(f"  value-only (client.audit_rate, seed): {value_only * 1e3:.2f} ms")
    print(f"  full composition (check + Hydra + validation): {full * 1e3:.2f} ms")
    print(f"  full / value-only = {speedup:.1f}x")

    print("\nTargets")
    ok = True
    big = [n for n in cost if n >= REFERENCE]
    if ref and len(big) > 1:
        spread = max(cost[n] for n in big) / min(cost[n] for n in big)
        good = spread <= TARGET_CURVE
        ok &= good
        print(f"  cost per relationship-week, {min(big):,} .. {max(big):,}: max/min = {spread:.2f}x "
              f"(<= {TARGET_CURVE:.0f}x) {'PASS' if good else 'FAIL'}")
    for r in rows:
        if r["n"] == 1_000_000:
            gib = r["peak_bytes"] / 2 ** 30
            good = gib < TARGET_GIB
            ok &= good
            print(f"  1,000,000 relationships peak {gib:.2f} GiB (< {TARGET_GIB:.0f} GiB) {'PASS' if good else 'FAIL'}")
    good = speedup >= TARGET_COMPOSE
    ok &= good
    print(f"  value-only compose {speedup:.1f}x faster than full (>= {TARGET_COMPOSE:.0f}x) {'PASS' if good else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
