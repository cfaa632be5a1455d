"""Running the model and handing back tidy tables: the `simulate` API and its result type."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
from omegaconf import DictConfig, OmegaConf

from .configure import settings_from
from .metrics import summarise
from .model import BPOModel


@dataclass
class SimulationResult:
    """What one configuration gave over its replications.

    timeseries: one row per replication and week (`replication`, `step`, then every metric of
        bposim.METRICS, market totals or means).
    relationships: one row per replication, recorded week and relationship, with `client_id`
        and `vendor_id` (empty when record.relationships is off).
    summary: one row per replication of scalar KPIs (totals of flows, run means of rates).
    config: the validated configuration that ran (an OmegaConf DictConfig).
    """

    timeseries: pd.DataFrame
    relationships: pd.DataFrame
    summary: pd.DataFrame
    config: DictConfig


def simulate(config_or_overrides: Any = None, replications: int | None = None) -> SimulationResult:
    """Run the model for config.steps weeks and return its tables.

    config_or_overrides: a configuration from `bposim.compose`, a list of Hydra overrides
        (["scheme=per_volume", "seed=3"]), a Config, a dict, or None for the defaults.
    replications: how many (None: the config's `replications`). All replications run at once
        in the same arrays; replication r gives the same numbers as it would alone.
    """
    settings = settings_from(config_or_overrides)
    model = BPOModel(settings, replications=replications, collect=False)
    for _ in range(model.n_steps):
        model.step()
    reps = range(model.replications)
    ts = model.recorder.timeseries(reps)
    rel = model.recorder.relationships(reps, model.client_of)
    summary = summarise(ts)
    summary.insert(1, "seed", model.seed)
    summary.insert(2, "scheme", settings.scheme.name)
    cfg = OmegaConf.structured(settings.config)
    return SimulationResult(timeseries=ts, relationships=rel, summary=summary, config=cfg)
