"""Checking every configuration of a sweep before any job runs.

Hydra expands a sweep only as it launches jobs, so a value out of range would otherwise fail
one job in the middle of the sweep. Here the sweep overrides are expanded up front: each
combination of config-group choices is composed once with Hydra, and every combination of the
other swept values is applied to it and validated (a dictionary update, no Hydra), so the
first bad value stops the sweep with the field, the value and the allowed range.
"""

from __future__ import annotations

import itertools

from hydra.core.override_parser.overrides_parser import OverridesParser
from omegaconf import OmegaConf

from ..config import ConfigError, validate
from ..configure import _compose

MAX_COMBINATIONS = 100_000


def _choices(override) -> list[str]:
    if override.is_sweep_override():
        return [str(v) for v in override.sweep_string_iterator()]
    return [override.get_value_element_as_str()]


def validate_sweep(task_overrides: list[str]) -> int:
    """Validate every job of the sweep; return the number of jobs. Raises ConfigError."""
    parsed = OverridesParser.create().parse_overrides([str(o) for o in task_overrides])
    groups, values = [], []
    for o in parsed:
        prefix = "+" if o.is_add() else ("++" if o.is_force_add() else "")
        entry = (prefix + o.key_or_group, _choices(o))
        # A key without a dot that picks a config file (scheme=, scenario=, +experiment=) is a group.
        (groups if ("." not in o.key_or_group and o.key_or_group not in ("seed", "steps", "replications", "label"))
         else values).append(entry)
    n_jobs = 1
    for _, choices in groups + values:
        n_jobs *= len(choices)
    if n_jobs > MAX_COMBINATIONS:
        raise ConfigError([f"the sweep has {n_jobs} jobs: allowed at most {MAX_COMBINATIONS} per sweep"])
    for group_combo in itertools.product(*[[f"{k}={v}" for v in c] for k, c in groups]):
        base = _compose(tuple(group_combo))
        for value_combo in itertools.product(*[[(k, v) for v in c] for k, c in values]):
            cfg = base.copy()
            try:
                for key, text in value_combo:
                    OmegaConf.update(cfg, key.lstrip("+"), OmegaConf.create(f"v: {text}").v, merge=True,
                                     force_add=key.startswith("+"))
            except Exception:
                # Something Hydra itself would refuse (an unknown key, a bad value type):
                # compose this job with Hydra so its own message comes through unchanged.
                _compose((*group_combo, *(f"{k}={v}" for k, v in value_combo)))
                raise
            try:
                validate(cfg)
            except ConfigError as err:
                job = " ".join([*group_combo, *(f"{k}={v}" for k, v in value_combo)])
                raise ConfigError([f"in sweep job [{job}]: {p}" for p in err.problems]) from None
    return n_jobs
