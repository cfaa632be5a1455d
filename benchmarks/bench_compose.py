"""Compose time: a value-only override list (bposim.compose's fast path: the kept composition of
its config-group choices, the values applied as Hydra would, validated) against a full Hydra
composition of the same kind of list, validated, measured in the same run (issue #16, item 2;
target: value-only at least 10x faster).

    .venv/bin/python benchmarks/bench_compose.py [--n 200]

Every list is new (a seed not used before), so neither path is served by a cache of whole lists.
"""

from __future__ import annotations

import argparse
import statistics
import time

import bposim
from bposim.config import full_composition, validate
from bposim.config.safety import check_overrides as door


def per_call(fn, lists) -> list[float]:
    times = []
    for overrides in lists:
        started = time.perf_counter()
        fn(overrides)
        times.append(time.perf_counter() - started)
    return times


def full(overrides):
    door(overrides)
    validate(full_composition(tuple(overrides)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=200, help="value-only lists (full compositions: n/10)")
    args = parser.parse_args()
    bposim.compose(["seed=1"])  # the base composition, made once as in any session
    values = [[f"seed={10_000 + i}", f"client.audit_rate={0.05 + (i % 50) / 100}", "market.n_clients=5"]
              for i in range(args.n)]
    fulls = [[f"seed={90_000 + i}", f"client.audit_rate={0.05 + (i % 50) / 100}", "market.n_clients=5"]
             for i in range(max(5, args.n // 10))]
    fast_t = per_call(bposim.compose, values)
    full_t = per_call(full, fulls)
    fast_ms, full_ms = statistics.median(fast_t) * 1e3, statistics.median(full_t) * 1e3
    print(f"value-only compose: median {fast_ms:.2f} ms over {len(fast_t)} lists")
    print(f"full composition:   median {full_ms:.1f} ms over {len(full_t)} lists")
    print(f"ratio: {full_ms / fast_ms:.1f}x")


if __name__ == "__main__":
    main()
