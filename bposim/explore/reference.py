"""The reference evaluator of a design: a plain loop of `bposim.simulate`, one point at a time.

    from bposim.explore.reference import simulate_points
    result = simulate_points(points, base=["steps=52"], replications=5)
    result.summary      # one row per point and replication: point, replication, the design's
                        # columns, seed, scheme, then every KPI of SimulationResult.summary

This is correct and slow: every point composes, validates and runs on its own (tens of
milliseconds each). It is the definition the fast path must equal: `bposim.simulate_design`
(bposim.explore.batch) runs all points x replications in the same arrays and gives the same
table. Use it to check the batch, or for a handful of points; use simulate_design for designs.

Replication r of every point runs on the same random streams (common random numbers): the
streams depend on the seed and the replication only, never on the point.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
from omegaconf import DictConfig, OmegaConf

from ..config import Config, Settings, as_dictconfig, compose_unvalidated, validate
from ..simulate import simulate


class ReferenceResult:
    """What the reference loop gave, in simulate_design's contract: `summary`, one row per point
    and replication; `timeseries` (None: the loop keeps none); `points`, each point's Settings."""

    def __init__(self, summary: pd.DataFrame, points: list[Settings]):
        self.summary = summary
        self.timeseries = None
        self.points = points


def _python(value: Any) -> Any:
    """A numpy scalar as the plain Python value OmegaConf and the validators expect."""
    if isinstance(value, np.generic):
        return value.item()
    return value


@lru_cache(maxsize=64)
def _scheme_node(name: str) -> str:
    return OmegaConf.to_yaml(compose_unvalidated([f"scheme={name}"]).scheme)


def _base_config(base: Any) -> DictConfig:
    if base is None or isinstance(base, (list, tuple)):
        return compose_unvalidated(list(base or []))
    if isinstance(base, Settings):
        return as_dictconfig(base.config)
    if isinstance(base, Config):
        return as_dictconfig(base)
    return base.copy() if isinstance(base, DictConfig) else OmegaConf.create(dict(base))


def point_config(base: Any, values: dict) -> DictConfig:
    """The configuration of one design point: the base with the point's values set.

    A `scheme` value swaps in that scheme's packaged terms (its Params defaults, the generated
    `scheme=NAME` entry) before the point's scheme.* values are applied, as `scheme=NAME` on the
    command line would.
    """
    if isinstance(base, (list, tuple)) and "scheme" in values:
        cfg = compose_unvalidated([*base, f"scheme={values['scheme']}"])
    else:
        cfg = _base_config(base)
        if "scheme" in values and cfg.scheme.get("name") != values["scheme"]:
            OmegaConf.set_struct(cfg, False)
            cfg.scheme = OmegaConf.create(_scheme_node(str(values["scheme"])))
    cfg = cfg.copy()
    OmegaConf.set_struct(cfg, False)
    for key, value in values.items():
        if key != "scheme":
            OmegaConf.update(cfg, key, _python(value), merge=True)
    return cfg


def simulate_points(design: pd.DataFrame, base: Any = None, replications: int = 1) -> ReferenceResult:
    """Run every row of `design` with `bposim.simulate`, one after the other (the reference loop).

    design: one row per point; columns are dotted config names (client.audit_rate, scheme.price,
        ...) and optionally `scheme` (a scheme name per row).
    base: a config from bposim.compose, a list of overrides, a Config, or None (the defaults):
        everything the design does not set.
    replications: per point, all on the same streams for every point.

    The fast path with the same contract is bposim.simulate_design.
    """
    design = design.reset_index(drop=True)
    tables, points = [], []
    for i, row in enumerate(design.itertuples(index=False)):
        values = dict(zip(design.columns, row))
        settings = validate(point_config(base, values))
        points.append(settings)
        summary = simulate(settings, replications=replications).summary
        front = pd.DataFrame({"point": i, "replication": summary["replication"].to_numpy()})
        for col in design.columns:
            front[col] = values[col]
        rest = summary.drop(columns=[c for c in ("replication", *design.columns) if c in summary.columns])
        tables.append(pd.concat([front, rest.reset_index(drop=True)], axis=1))
    summary = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=["point", "replication"])
    for col in design.columns:  # keep the design's dtypes (a concat of scalars widens them)
        if col in summary.columns and len(summary):
            summary[col] = summary[col].astype(design[col].dtype)
    return ReferenceResult(summary, points)
