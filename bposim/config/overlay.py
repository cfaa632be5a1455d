"""Value overrides applied to a composed configuration as Hydra applies them, without Hydra.

A Hydra composition (~50-160 ms) is mostly building the defaults list and merging the config
files, and it is the same work for every override list that picks the same config files. So
both `bposim.compose` and a sweep's up-front check compose each combination of config-group
choices once (`split`: which overrides pick files, which set values) and then apply the value
overrides to a plain copy of it (`overlay`), as Hydra would: its parsing of the value, the
conversion its typed schema makes (a float field turns 1 into 1.0, a text field 5 into "5").

Whatever cannot be applied here for sure (a deletion, a dict or list value, an interpolation, a
key that does not exist, `+` on a key that does, a value Hydra's schema refuses) makes
`overlay` return None: the caller then composes the list whole with Hydra, so the result and
the errors are Hydra's.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Optional

from omegaconf import DictConfig, OmegaConf

from .safety import is_group, parse
from .schema import Config

_SCALARS = (str, int, float, bool, type(None))


def split(overrides: tuple[str, ...]) -> tuple[tuple[str, ...], list]:
    """(the overrides that pick config files, as written; the parsed value overrides)."""
    parsed = [parse(o) for o in overrides]
    return tuple(o.input_line for o in parsed if is_group(o)), [o for o in parsed if not is_group(o)]


def plain_base(cfg: DictConfig) -> Optional[dict]:
    """A composed configuration as plain dicts without its hydra node, or None when it holds an
    interpolation (a value could then depend on an override: compose such lists whole)."""
    data = OmegaConf.to_container(cfg, resolve=False)
    data.pop("hydra", None)
    return None if has_interpolation(data) else data


def has_interpolation(data: Any) -> bool:
    if isinstance(data, dict):
        return any(has_interpolation(v) for v in data.values())
    if isinstance(data, list):
        return any(has_interpolation(v) for v in data)
    return isinstance(data, str) and "${" in data


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


UNSURE, APPLIED, REFUSED = range(3)


def apply(data: dict, o: Any) -> int:
    """Apply one value override to `data` (copying each dict on its path) as Hydra would.

    APPLIED: done; REFUSED: Hydra's typed config refuses the value (it is applied as given, so
    that bposim can name the problem); UNSURE: this cannot be done here for sure."""
    if o.is_delete() or o.is_sweep_override():
        return UNSURE
    value = o.value()
    if not isinstance(value, _SCALARS) or (isinstance(value, str) and "${" in value):
        return UNSURE
    *parents, leaf = o.key_or_group.split(".")
    node = data
    for name in parents:
        child = node.get(name)
        if child is None and (o.is_add() or o.is_force_add()):
            child = {}
        if not isinstance(child, dict):
            return UNSURE
        node[name] = node = dict(child)
    if leaf in node:
        if isinstance(node[leaf], (dict, list)):  # Hydra merges into a mapping
            return UNSURE
        if o.is_add() and node[leaf] is not None:  # Hydra refuses: "An item is already at ..."
            return UNSURE
    elif not (o.is_add() or o.is_force_add()):  # Hydra refuses: "Could not override ..."
        return UNSURE
    takes, typed = _typed(o.key_or_group, value)
    node[leaf] = typed if takes else value
    return APPLIED if takes else REFUSED


def overlay(base: dict, values: list) -> tuple[Optional[dict], bool]:
    """(base with the value overrides applied, or None if any is UNSURE; whether Hydra's schema
    would refuse one of them). `base` itself is left as it was."""
    data = dict(base)
    outcomes = {apply(data, o) for o in values}
    if UNSURE in outcomes:
        return None, False
    return data, REFUSED in outcomes
