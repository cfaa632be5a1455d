"""Running the model and handing back tidy tables: the `simulate` API and its result type."""

from __future__ import annotations

from functools import cached_property
from typing import Any

import pandas as pd
from omegaconf import DictConfig

from .config import as_dictconfig
from .config import settings_from
from .metrics import Recorder
from .progress import week_bar
from .weekly import stepping_model


class SimulationResult:
    """What one configuration gave over its replications.

    summary: one row per replication of scalar KPIs (totals of flows, run means of rates).
    timeseries: one row per replication and week (`replication`, `step`, then every metric of
        bposim.METRICS, market totals or means).
    relationships: one row per replication, recorded week and relationship, with `client_id`
        and `vendor_id` (empty when record.relationships is off).
    config: the validated configuration that ran (an OmegaConf DictConfig).
    settings: the same, as the typed settings the model ran with.

    The weekly tables and the config are built on first use from the recorded arrays: a sweep
    that reads only summaries never pays for them.
    """

    def __init__(self, recorder: Recorder, replication_ids, client_of, summary: pd.DataFrame, settings: Any):
        self._recorder = recorder
        self._reps = list(replication_ids)
        self._client_of = client_of
        self.summary = summary
        self.settings = settings

    @cached_property
    def timeseries(self) -> pd.DataFrame:
        return self._recorder.timeseries(self._reps)

    @cached_property
    def relationships(self) -> pd.DataFrame:
        return self._recorder.relationships(self._reps, self._client_of)

    @cached_property
    def config(self) -> DictConfig:
        return as_dictconfig(self.settings.config)


def simulate(config_or_overrides: Any = None, replications: int | None = None,
             progress: bool | None = None) -> SimulationResult:
    """Run the model for config.steps weeks and return its tables.

    config_or_overrides: a configuration from `bposim.compose`, a list of Hydra overrides
        (["scheme=per_volume", "seed=3"]), a Config, a dict, or None for the defaults.
    replications: how many (None: the config's `replications`). All replications run at once
        in the same arrays; replication r gives the same numbers as it would alone.
    progress: a bar over the weeks on stderr: True, False, or None to show it only on a
        terminal for runs long enough to need one.
    """
    settings = settings_from(config_or_overrides)
    model = stepping_model(settings, replications)
    bar = week_bar(model.n_steps, model.n_steps * model.n_relationships * model.replications, progress)
    for _ in range(model.n_steps):
        model.advance_week()
        if bar is not None:
            bar.update()
    if bar is not None:
        bar.close()
    reps = range(model.replications)
    summary = model.recorder.summary(reps)
    summary.insert(1, "seed", model.seed)
    summary.insert(2, "scheme", settings.scheme.name)
    return SimulationResult(model.recorder, reps, model.client_of, summary, settings)
