"""Each job's configuration as Hydra composes it, for a fraction of the cost.

Every launcher composes each job's configuration anew where the job runs
(`config_loader.load_sweep_config`): ~0.1-0.2 s a job, most of it building the defaults list and
merging the config files, the same work for every job that picks the same config files. The
bposim sweeper hands the launcher `SweepConfigLoader`, which does that work once per
combination of config-group choices, keeps the result, and for each job applies the job's value
overrides to a copy of it with Hydra's own code, then sets the fields Hydra derives from the
job's overrides (hydra.overrides.task, hydra.job.override_dirname).

The compositions are kept per process. The launching process makes them first, when bposim-run
checks every job before the sweep starts; they travel with the loader to the processes that
run the jobs (joblib's workers, submitit's and Ray's jobs), which then compose nothing.

The result is the configuration Hydra would compose (tests/test_sweeper.py compares them).
Anything else is left to Hydra: a job with an override of Hydra's own settings, or any error
(Hydra then composes the job itself and reports its own message).
"""

from __future__ import annotations

import copy
import os
import pickle
from collections import OrderedDict
from typing import Any, List, Optional

from hydra.core.config_loader import ConfigLoader
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf

from .hydra_private import apply_value_overrides, caching_repo, is_hydras_loader, overrides_dirname

_MAX_ENTRIES = 64
_MAX_SHIPPED_BYTES = 512_000  # travels with every job: a few compositions, not hundreds
# Per process: (what a composition depends on) -> the composed configuration. Never handed out
# itself: each job gets a deep copy (~10 ms).
_composed: "OrderedDict[tuple, DictConfig]" = OrderedDict()
_repos: "OrderedDict[tuple, Any]" = OrderedDict()
_received: set[int] = set()  # shipped compositions already taken in (by hash)
_shipped: dict[str, Any] = {"entries": None, "blob": None}


class SweepConfigLoader(ConfigLoader):
    """Hydra's config loader, with `load_sweep_config` reusing one composition per combination of
    config-group choices. Everything else goes to Hydra's loader unchanged."""

    def __init__(self, loader: ConfigLoader) -> None:
        self.loader = loader
        self._received_blob: Optional[bytes] = None

    def __getstate__(self) -> dict:
        return {"loader": self.loader, "composed": _ship()}

    def __setstate__(self, state: dict) -> None:
        self.loader = state["loader"]
        self._received_blob = state.get("composed")  # taken in when first needed, see _reuse

    def load_sweep_config(self, master_config: DictConfig, sweep_overrides: List[str]) -> DictConfig:
        try:
            cfg = self._reuse(master_config, list(sweep_overrides))
        except Exception:  # Hydra composes it and reports its own error, if any
            cfg = None
        if cfg is None:
            cfg = self.loader.load_sweep_config(master_config, list(sweep_overrides))
        return cfg

    def _reuse(self, master_config: DictConfig, sweep_overrides: List[str]) -> Optional[DictConfig]:
        loader = self.loader
        if not is_hydras_loader(loader):
            return None
        task = OverridesParser.create().parse_overrides(sweep_overrides)
        if any(o.is_hydra_override() or o.is_sweep_override() for o in task):
            return None
        config_name = master_config.hydra.job.config_name
        hydra_overrides = [str(o) for o in OmegaConf.to_container(master_config.hydra.overrides.hydra)]
        # All a composition depends on besides the config files: the config, Hydra's overrides
        # (the sweep's, the same for every job), the working directory and the environment
        # variables Hydra copies into the config.
        context = (config_name, tuple(hydra_overrides), os.getcwd(),
                   tuple((k, os.environ.get(k)) for k in master_config.hydra.job.env_copy))
        repo = _remember(_repos, context, lambda: caching_repo(loader, config_name, hydra_overrides))
        # Hydra's rule (defaults_list.Overrides): an override of an existing config group picks
        # a config file, unless its value is a dict; anything else sets a value.
        is_pick = [repo.group_exists(o.key_or_group) and not isinstance(o.value(), dict) for o in task]
        picks = [o.input_line for o, pick in zip(task, is_pick) if pick]
        values = [o for o, pick in zip(task, is_pick) if not pick]
        key = (*context, tuple(picks))
        if key not in _composed and self._received_blob is not None:
            _take_in(self._received_blob)
        composed = _remember(_composed, key, lambda: loader.load_configuration(
            config_name=config_name, overrides=hydra_overrides + picks, run_mode=RunMode.RUN))
        cfg = copy.deepcopy(composed)
        # What Hydra's _load_configuration_impl does with the job's own overrides:
        apply_value_overrides(values, cfg)
        cfg.hydra.overrides.task = [o.input_line for o in task]
        cfg.hydra.job.override_dirname = overrides_dirname(task, cfg.hydra.job.config.override_dirname)
        # ... and what load_sweep_config does after it.
        OmegaConf.copy_cache(from_config=master_config, to_config=cfg)
        return cfg

    # The rest of the ConfigLoader interface: Hydra's loader.
    def load_configuration(self, *args: Any, **kwargs: Any) -> DictConfig:
        return self.loader.load_configuration(*args, **kwargs)

    def get_search_path(self) -> Any:
        return self.loader.get_search_path()

    def get_sources(self) -> Any:
        return self.loader.get_sources()

    def list_groups(self, parent_name: str) -> Any:
        return self.loader.list_groups(parent_name)

    def get_group_options(self, *args: Any, **kwargs: Any) -> Any:
        return self.loader.get_group_options(*args, **kwargs)

    def compute_defaults_list(self, *args: Any, **kwargs: Any) -> Any:
        return self.loader.compute_defaults_list(*args, **kwargs)


def _remember(cache: OrderedDict, key: tuple, make) -> Any:
    if key in cache:
        cache.move_to_end(key)
        return cache[key]
    value = cache[key] = make()
    if len(cache) > _MAX_ENTRIES:
        cache.popitem(last=False)
    return value


def _ship() -> Optional[bytes]:
    """This process's compositions, pickled once for every job the launcher sends (None if they
    do not pickle or are too big: the jobs then compose their own)."""
    entries = list(_composed.items())
    if _shipped["entries"] != [k for k, _ in entries]:
        try:
            blob = pickle.dumps(entries)
        except Exception:
            # A config class no longer the one its module holds (Hydra's plugin scan re-executes
            # plugin modules), which pickle refuses.
            blob = None
        _shipped.update(entries=[k for k, _ in entries],
                        blob=blob if blob is not None and len(blob) <= _MAX_SHIPPED_BYTES else None)
    return _shipped["blob"]


def _take_in(blob: bytes) -> None:
    """Add compositions shipped by the launching process to this process's (once per blob)."""
    tag = hash(blob)
    if tag in _received:
        return
    _received.add(tag)
    try:
        entries = pickle.loads(blob)
    except Exception:  # not usable here: compose as usual
        return
    for key, cfg in entries:
        if key not in _composed:
            _remember(_composed, key, lambda cfg=cfg: cfg)
