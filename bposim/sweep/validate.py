"""Checking every configuration of a sweep before any job runs.

Hydra expands a sweep only as it launches jobs, so a value out of range would otherwise fail
one job in the middle of the sweep. Here the sweep overrides are expanded up front, into the
same jobs Hydra's basic sweeper launches, and every job is checked: its overrides at bposim's
door (bposim.config.safety: syntax, known keys, declared types), then each combination of
config-group choices is composed once with Hydra, and each job's other overrides are applied to
a plain copy of it as Hydra applies them (bposim.config.overlay) and validated, a dictionary
update per job and no Hydra, so the first bad value stops the sweep with the field, the value
and the allowed range.

A job whose overrides that shortcut cannot apply exactly as Hydra would is composed whole with
Hydra, so Hydra's own message comes through (on one line), and that configuration is validated.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Callable, Iterable, Sequence

from hydra.core.override_parser.types import Override
from hydra.errors import HydraException
from omegaconf import DictConfig
from omegaconf.errors import OmegaConfBaseException

from ..config import ConfigError, Settings, compose_unvalidated, validate, without_hydra
from ..config.overlay import overlay, plain_base, split
from ..config.safety import check_overrides, one_line
from .hydra_private import split_sweep

MAX_COMBINATIONS = 100_000

# Overrides -> the configuration Hydra composes from them (with or without its hydra node).
Composer = Callable[[tuple], DictConfig]

# Jobs (their override lists) this process has already validated: bposim-run checks the whole
# sweep when it starts, and the bposim sweeper then skips those jobs instead of checking them again.
_validated: set[tuple[str, ...]] = set()


def _n_jobs(parsed: list[Override]) -> int:
    sizes = {}
    for o in parsed:  # a key given twice counts once (the last one wins, as in Hydra)
        sizes[o.get_key_element()] = (len(list(o.sweep_string_iterator())) if o.is_sweep_override() else 1)
    return math.prod(sizes.values())


def sweep_jobs(overrides: Sequence[str]) -> list[list[str]]:
    """The jobs of a sweep, each a list of overrides, in the order Hydra's basic sweeper runs them.

    Raises ConfigError for a sweep too large, or one with no job (a sweep over no values)."""
    parsed = check_overrides([str(o) for o in overrides])
    for o in parsed:
        if not o.is_sweep_override():
            continue
        try:
            values = list(o.sweep_string_iterator())
        except Exception as err:  # noqa: BLE001 - interval(), a range with step 0, ...
            raise ConfigError([f"{o.input_line}: cannot be expanded into jobs ({one_line(err)}): a sweep "
                               f"lists values (a,b,c) or a range(start, stop, step)"]) from None
        if not values:
            raise ConfigError([f"{o.input_line} gives no values: the sweep would run no job"])
    n_jobs = _n_jobs(parsed)
    if n_jobs > MAX_COMBINATIONS:
        raise ConfigError([f"the sweep has {n_jobs} jobs: allowed at most {MAX_COMBINATIONS} per sweep"])
    return split_sweep(parsed)


def validate_sweep(task_overrides: list[str], compose: Composer | None = None) -> int:
    """Validate every job of the sweep; return the number of jobs. Raises ConfigError.

    compose: how to compose a list of overrides with Hydra (default: as bposim.compose does);
    bposim-run passes its sweep's own config loader, so that its compositions serve the jobs."""
    jobs = sweep_jobs(task_overrides)
    validate_jobs(jobs, compose)
    return len(jobs)


def validate_jobs(jobs: Iterable[Sequence[str]], compose: Composer | None = None) -> None:
    """Validate each job (a list of overrides); jobs already validated in this process are skipped.

    Raises ConfigError for the first job with a bad value, naming the job, the field, the value
    and the allowed range; Hydra's own errors (unknown group or key) come through unchanged."""
    for job in jobs:
        key = tuple(str(o) for o in job)
        if key in _validated:
            continue
        try:
            _validate_job(key, compose or compose_unvalidated)
        except ConfigError as err:
            raise ConfigError([f"in sweep job [{' '.join(key)}]: {p}" for p in err.problems]) from None
        _validated.add(key)


def _composed(overrides: tuple[str, ...], compose: Composer) -> DictConfig:
    """compose(overrides), with Hydra's own refusal on one line as a ConfigError."""
    try:
        return compose(overrides)
    except (HydraException, OmegaConfBaseException) as err:
        raise ConfigError([one_line(err)]) from None


@lru_cache(maxsize=256)
def _base(groups: tuple[str, ...], compose: Composer) -> dict | None:
    return plain_base(_composed(groups, compose))


def _validate_job(job: tuple[str, ...], compose: Composer = compose_unvalidated) -> Settings:
    """The job's validated settings, as validate(bposim.compose(job)) gives them."""
    check_overrides(job)  # types, keys and syntax, as every door checks them
    groups, values = split(job)
    base = _base(groups, compose)
    if base is not None:
        data, refused = overlay(base, values)
        if data is not None:
            settings = validate(data)  # bposim's message (field, value, range) for a bad value
            if not refused:
                return settings
    # Compose this job whole with Hydra: its own message (on one line) for what it refuses, else
    # the exact config.
    return validate(without_hydra(_composed(job, compose)))
