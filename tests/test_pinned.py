"""A run's numbers, pinned to the last digit: refactoring the model must not move them.

tests/data/pinned_runs.json holds the summaries of a few runs that cover both engines,
every scheme, multi-sourcing, shocks, frequent reviews (switches) and capacity shortage
(water-filling), as computed before the linear-build rework (issue #16). Regenerate it only
when a change is meant to move the numbers:  .venv/bin/python tests/test_pinned.py

The runs marked "random pick, no cool-off" are the model before tenders (issue #12: a random
pick among the other vendors, no cool-off, identical vendors at market.vendor_heterogeneity 0,
and the adaptive trust model that was the default before trust became a belief);
their numbers are the ones pinned before vendor types and tenders existed, unchanged since
(every column; the in-house work cost added with tenders is 0 throughout).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

import bposim
from bposim.schemes import SCHEMES

DATA = Path(__file__).parent / "data" / "pinned_runs.json"
SHORTAGE = ["market.n_clients=6", "market.n_vendors=3", "market.vendors_per_client=2", "shock=surge",
            "client.review_period=4", "steps=60"]
RUNS = {
    "default, per-agent engine": ([], 1, "agents"),
    "default, 3 replications": ([], 3, "array"),
    **{f"{name}, multi-sourcing, surge, monthly reviews": ([f"scheme={name}", *SHORTAGE], 2, "array")
       for name in sorted(SCHEMES)},
    "per_volume, multi-sourcing, surge, per-agent engine": (["scheme=per_volume", *SHORTAGE[:-1], "steps=30"], 1, "agents"),
    "300 clients x 12 vendors, random shocks": (["market.n_clients=300", "market.n_vendors=12", "shock.random_rate=0.05",
                                                 "client.review_period=6", "steps=40", "record.relationships=none"], 2, "array"),
}
LEGACY = ("client.vendor_selection=random", "client.cool_off=0", "client.trust_model=adaptive")
RUNS.update({f"{name}, random pick, no cool-off": ([*RUNS[name][0], *LEGACY], *RUNS[name][1:])
             for name in ("default, per-agent engine", "default, 3 replications",
                          "quality_weighted, multi-sourcing, surge, monthly reviews",
                          "300 clients x 12 vendors, random shocks")})


def run(overrides, replications, engine):
    model = bposim.BPOModel(bposim.compose(overrides), replications=replications, collect=False, engine=engine)
    for _ in range(model.n_steps):
        model.advance_week()
    summary = model.recorder.summary(range(model.replications))
    return {column: [float(x) for x in summary[column]] for column in summary.columns}


def same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


@pytest.mark.parametrize("name", list(RUNS))
def test_run_numbers_are_pinned(name):
    pinned = json.loads(DATA.read_text())[name]
    got = run(*RUNS[name])
    assert list(got) == list(pinned)
    for column, values in pinned.items():
        assert all(same(a, b) for a, b in zip(got[column], values, strict=True)), (column, got[column], values)


if __name__ == "__main__":
    DATA.write_text(json.dumps({name: run(*spec) for name, spec in RUNS.items()}, indent=1) + "\n")
