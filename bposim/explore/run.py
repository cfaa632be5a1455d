"""Running a design: its points (times the compared schemes) through an evaluator, as one batch.

    run = run_design(load_design("gain_share_vs_quality"))
    run.summary            # one row per sampled point, scheme and replication
    run.outcome("client_net_value")    # one value per sampled point (mean over replications;
                                       # with compare: A minus B within each replication first)

The evaluator is `bposim.simulate_design` (all points in the same arrays) when it is available,
else the reference loop `bposim.explore.reference.simulate_points`; any callable
evaluate(design_frame, base=..., replications=...) returning an object with `.summary` in that
contract works (tests pass a small one).
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd

from .design import Design

Evaluator = Callable[..., object]


def default_evaluator() -> Evaluator:
    """The batch engine when it is installed, else the reference loop (correct, slow)."""
    try:
        from .batch import simulate_design
    except ImportError:
        from .reference import simulate_points

        return simulate_points
    return simulate_design


@dataclass
class DesignRun:
    """A design and what it gave."""

    design: Design
    points: pd.DataFrame   # one row per sampled point (the sampler's order), the design's columns
    summary: pd.DataFrame  # one row per sampled point, scheme and replication: `sample`, ...

    def outcome(self, kpi: str) -> np.ndarray:
        """One value per sampled point: the KPI's mean over replications; with compare, the mean
        over replications of (first scheme minus second) within each replication."""
        if self.design.compare:
            return self.differences(kpi).groupby("sample")["difference"].mean().to_numpy()
        return self.summary.groupby("sample")[kpi].mean().reindex(range(len(self.points))).to_numpy()

    def differences(self, kpi: str) -> pd.DataFrame:
        """With compare [A, B]: A minus B per sampled point and replication (same streams)."""
        a, b = self.design.compare
        wide = self.summary.pivot_table(index=["sample", "replication"], columns="scheme", values=kpi,
                                        aggfunc="first")
        out = (wide[a] - wide[b]).rename("difference").reset_index()
        return out.merge(self.points.rename_axis("sample").reset_index(), on="sample")


def expand(design: Design, points: pd.DataFrame) -> pd.DataFrame:
    """The frame the evaluator runs: the points, once per compared scheme when there is a pair."""
    if not design.compare:
        return points
    return pd.concat([points.assign(scheme=s) for s in design.compare], ignore_index=True)


def accepted(evaluate: Evaluator, options: dict) -> dict:
    """The options this evaluator takes (n_jobs, backend, folder, progress, ...: the batch
    engine's; the loop takes none). Options left at None or False are not passed."""
    try:
        names = inspect.signature(evaluate).parameters
    except (TypeError, ValueError):
        return {}
    return {k: v for k, v in options.items() if k in names and v is not None and v is not False}


def run_design(design: Design, points: pd.DataFrame | None = None, evaluate: Evaluator | None = None,
               **options) -> DesignRun:
    """Sample (unless points are given) and evaluate a design as one batch.

    options: passed on to the evaluator when it takes them, e.g. n_jobs and backend (where and
    how many chunks at once), folder (finished chunks kept there: a re-run resumes) and
    progress for simulate_design.
    """
    points = design.sample() if points is None else points.reset_index(drop=True)
    frame = expand(design, points)
    evaluate = evaluate or default_evaluator()
    result = evaluate(frame, base=list(design.base), replications=design.replications, **accepted(evaluate, options))
    summary = result.summary.copy()
    summary.insert(0, "sample", summary["point"].to_numpy() % len(points))
    if "scheme" not in summary.columns:
        summary["scheme"] = design.schemes()[0]
    return DesignRun(design=design, points=points, summary=summary)
