"""Checking every configuration of a sweep before any job runs.

Hydra expands a sweep only as it launches jobs, so a value out of range would otherwise fail
one job in the middle of the sweep. Here the sweep overrides are expanded up front, into the
same jobs Hydra's basic sweeper launches, and every job is checked: each combination of
config-group choices is composed once with Hydra, and each job's other overrides are applied to
a plain copy of it as Hydra applies them (Hydra's parsing of the value, the conversion its typed
schema makes: an int field takes "26" but refuses 26.0) and validated, a dictionary update per
job and no Hydra, so the first bad value stops the sweep with the field, the value and the
allowed range.

A job whose overrides this shortcut cannot apply exactly as Hydra would (a deletion, a dict or
list value, an interpolation, a key that does not exist, `+` on a key that does, a value Hydra's
schema refuses) is composed whole with Hydra, so Hydra's own message comes through unchanged,
and that configuration is validated.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any, Callable, Iterable, Sequence

from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Override
from omegaconf import DictConfig, OmegaConf

from ..config import Config, ConfigError, Settings, compose_unvalidated, validate

MAX_COMBINATIONS = 100_000

# Overrides -> the configuration Hydra composes from them (with or without its hydra node).
Composer = Callable[[tuple], DictConfig]

# Keys without a dot that set a value rather than pick a config file.
_TOP_VALUES = ("seed", "steps", "replications", "label")

# Jobs (their override lists) this process has already validated: bposim-run checks the whole
# sweep when it starts, and the bposim sweeper then skips those jobs instead of checking them again.
_validated: set[tuple[str, ...]] = set()


def _n_jobs(parsed: list[Override]) -> int:
    sizes = {}
    for o in parsed:  # a key given twice counts once (the last one wins, as in Hydra)
        sizes[o.get_key_element()] = (len(list(o.sweep_string_iterator())) if o.is_sweep_override() else 1)
    return math.prod(sizes.values())


def sweep_jobs(overrides: Sequence[str]) -> list[list[str]]:
    """The jobs of a sweep, each a list of overrides, in the order Hydra's basic sweeper runs them."""
    parsed = OverridesParser.create().parse_overrides([str(o) for o in overrides])
    n_jobs = _n_jobs(parsed)
    if n_jobs > MAX_COMBINATIONS:
        raise ConfigError([f"the sweep has {n_jobs} jobs: allowed at most {MAX_COMBINATIONS} per sweep"])
    return BasicSweeper.split_arguments(parsed, None)[0]


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


@lru_cache(maxsize=4096)
def _parse(override: str) -> Override:
    return OverridesParser.create().parse_override(override)


def _is_group(o: Override) -> bool:
    # A key without a dot that picks a config file (scheme=, scenario=, +experiment=) is a group.
    return o.package is not None or ("." not in o.key_or_group and o.key_or_group not in _TOP_VALUES)


@lru_cache(maxsize=256)
def _base(groups: tuple[str, ...], compose: Composer) -> dict | None:
    """The configuration for these config-group choices as plain dicts, or None when it holds an
    interpolation (a value could then depend on an override: compose such jobs whole)."""
    data = OmegaConf.to_container(compose(groups), resolve=False)
    data.pop("hydra", None)
    return None if _has_interpolation(data) else data


def _without_hydra(cfg: DictConfig) -> DictConfig:
    return OmegaConf.masked_copy(cfg, [k for k in cfg if k != "hydra"]) if "hydra" in cfg else cfg


def _has_interpolation(data: Any) -> bool:
    if isinstance(data, dict):
        return any(_has_interpolation(v) for v in data.values())
    if isinstance(data, list):
        return any(_has_interpolation(v) for v in data)
    return isinstance(data, str) and "${" in data


_SCALARS = (str, int, float, bool, type(None))


@lru_cache(maxsize=1)
def _schema() -> DictConfig:
    """A scratch copy of the typed schema every Hydra composition starts from (bposim_schema)."""
    return OmegaConf.structured(Config)


@lru_cache(maxsize=4096, typed=True)
def _typed(key: str, value: Any) -> tuple[bool, Any]:
    """(whether Hydra's typed config takes the value, the value as it would hold it): an int field
    takes 26 and "26" but refuses 26.0, a float field turns 1 into 1.0, a text field 5 into "5".
    Keys outside the typed sections (scheme.*) take the value as given."""
    *parents, leaf = key.split(".")
    node = OmegaConf.select(_schema(), ".".join(parents)) if parents else _schema()
    if not isinstance(node, DictConfig) or not OmegaConf.is_config(node) or leaf not in node \
            or OmegaConf.get_type(node) in (None, dict):
        return True, value
    try:
        node[leaf] = value
    except Exception:
        return False, None
    return True, node[leaf]


_UNSURE, _APPLIED, _REFUSED = range(3)


def _apply(data: dict, o: Override) -> int:
    """Apply one value override to `data` (copying each dict on its path) as Hydra would.

    _APPLIED: done; _REFUSED: Hydra's typed config refuses the value (it is applied as given, so
    that bposim can name the problem); _UNSURE: this cannot be done here for sure (the job is then
    composed with Hydra)."""
    if o.is_delete() or o.is_sweep_override():
        return _UNSURE
    value = o.value()
    if not isinstance(value, _SCALARS) or (isinstance(value, str) and "${" in value):
        return _UNSURE
    *parents, leaf = o.key_or_group.split(".")
    node = data
    for name in parents:
        child = node.get(name)
        if child is None and (o.is_add() or o.is_force_add()):
            child = {}
        if not isinstance(child, dict):
            return _UNSURE
        node[name] = node = dict(child)
    if leaf in node:
        if isinstance(node[leaf], (dict, list)):  # Hydra merges into a mapping
            return _UNSURE
        if o.is_add() and node[leaf] is not None:  # Hydra refuses: "An item is already at ..."
            return _UNSURE
    elif not (o.is_add() or o.is_force_add()):  # Hydra refuses: "Could not override ..."
        return _UNSURE
    takes, typed = _typed(o.key_or_group, value)
    node[leaf] = typed if takes else value
    return _APPLIED if takes else _REFUSED


def _validate_job(job: tuple[str, ...], compose: Composer = compose_unvalidated) -> Settings:
    """The job's validated settings, as validate(bposim.compose(job)) gives them."""
    parsed = [_parse(o) for o in job]
    groups = tuple(o.input_line for o in parsed if _is_group(o))
    base = _base(groups, compose)
    if base is not None:
        data = dict(base)
        applied = {_apply(data, o) for o in parsed if not _is_group(o)}
        if _UNSURE not in applied:
            settings = validate(data)  # bposim's message (field, value, range) for a bad value
            if _REFUSED not in applied:
                return settings
    # Compose this job whole with Hydra: its own message for what it refuses, else the exact config.
    return validate(_without_hydra(compose(job)))
