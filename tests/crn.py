"""Paired comparisons on common random numbers, shared by the mechanism tests.

Two runs on the same seed see the same demand, shocks, breaks and audit dice in each
replication, so the per-replication difference of a metric is the lever's effect plus the
noise of what the lever itself changes. A mechanism holds when the mean of those paired
differences has the claimed sign with its 95% t interval excluding zero; where the test
knows how big the effect must be, its size is checked too (a broken coefficient moves it).
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

import numpy as np
import pandas as pd

import bposim
from bposim.analysis.stats import mean_ci
from bposim.state import CLIENT_TERMS, CONTRACT_START, MARKET_START, PERIOD, WEEKLY, RelationshipState


class Effect(NamedTuple):
    mean: float
    low: float
    high: float
    n: int

    def __str__(self) -> str:
        return f"{self.mean:.4g}, 95% CI [{self.low:.4g}, {self.high:.4g}] over {self.n} pairs"


@lru_cache(maxsize=None)
def _run(overrides: tuple[str, ...], reps: int, seed: int) -> bposim.SimulationResult:
    return bposim.simulate([*overrides, f"seed={seed}"], replications=reps)


def run(*overrides: str, reps: int, seed: int) -> bposim.SimulationResult:
    """A simulation result; identical requests are run once per session (do not mutate it)."""
    return _run(tuple(overrides), reps, seed)


def per_replication(frame: pd.DataFrame, column: str, how: str = "mean") -> np.ndarray:
    return frame.groupby("replication")[column].agg(how).sort_index().to_numpy()


def paired(treated, control) -> Effect:
    """Mean paired difference treated - control and its 95% confidence interval."""
    treated, control = np.asarray(treated, float), np.asarray(control, float)
    assert treated.shape == control.shape, (treated.shape, control.shape)
    mean, low, high, n = mean_ci(treated - control)
    return Effect(mean, low, high, n)


def assert_effect(treated, control, what: str, sign: int = 1, size: tuple[float, float] | None = None) -> Effect:
    """treated - control has `sign` (+1: treated is higher) with a 95% CI excluding zero, and,
    if `size` = (least, most) is given, a mean difference between those bounds."""
    effect = paired(treated, control)
    assert effect.n >= 2, f"{what}: too few paired replications ({effect.n})"
    assert sign * effect.low > 0 and sign * effect.high > 0, (
        f"{what}: expected {'>' if sign > 0 else '<'} 0, got {effect}")
    if size is not None:
        least, most = sorted(size)
        assert least <= effect.mean <= most, f"{what}: expected a difference in [{least:.4g}, {most:.4g}], got {effect}"
    return effect


def assert_greater(high, low, what: str) -> Effect:
    """high > low over paired replications, with a 95% CI excluding zero."""
    return assert_effect(high, low, what, sign=1)


def scalar_state(p, **values) -> RelationshipState:
    """One relationship's state as floats (what the per-agent engine steps), at contract start."""
    st = RelationshipState(base=100.0, vendor_id=0.0, size_log=0.0, recognition=float(p.client.recognition),
                           outcome_ring=[0.0], outcome_pos=0)
    for name, start in {**CONTRACT_START, **CLIENT_TERMS}.items():
        setattr(st, name, float(start(p)))
    for name in PERIOD + WEEKLY:
        setattr(st, name, 0.0)
    st.__dict__.update(MARKET_START)
    st.__dict__.update(values)
    return st
