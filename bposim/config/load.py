"""From what a user types to validated settings: Hydra composition and keyword parameters.

`compose` builds a configuration from the packaged configs (configs/, shipped as the package
bposim.configs) with Hydra's override syntax and validates it. `settings_from` accepts what
BPOModel and simulate accept: a composed config, a list of overrides, a Config, or keywords,
and returns Settings (built once per run: Settings passed back in are used as they are).
"""

from __future__ import annotations

import pickle
from dataclasses import asdict, fields, is_dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
from hydra import compose as hydra_compose
from hydra import initialize_config_module
from hydra.core.global_hydra import GlobalHydra
from hydra.errors import HydraException
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from .overlay import overlay, plain_base, split
from .params import ConfigError, default_of, in_range
from .safety import check_overrides, one_line, value_problem
from .schema import Config
from .settings import Settings, validate

CONFIG_MODULE = "bposim.configs"
GROUPS = ("scheme", "scenario", "shock")  # keyword values that pick a config file rather than set a value

def compose(overrides: list[str] | None = None) -> DictConfig:
    """The validated configuration composed from the packaged configs with Hydra overrides.

    Example: compose(["scheme=per_volume", "seed=7", "market.n_clients=20"]).
    Raises ConfigError naming the field, the value and the allowed range for a bad value;
    Hydra's own errors (unknown group or key) come through unchanged.
    """
    cfg = compose_unvalidated(overrides)
    validate(cfg)
    return cfg


@lru_cache(maxsize=256)
def _compose_cached(overrides: tuple[str, ...]) -> str:
    # Hydra composition costs ~50-160 ms; the YAML of an identical request is reused.
    if GlobalHydra.instance().is_initialized():
        GlobalHydra.instance().clear()
    try:
        with initialize_config_module(config_module=CONFIG_MODULE, version_base="1.3"):
            cfg = hydra_compose(config_name="config", overrides=list(overrides))
    except (HydraException, OmegaConfBaseException) as err:
        raise ConfigError([one_line(err)]) from None
    finally:
        GlobalHydra.instance().clear()
    return OmegaConf.to_yaml(cfg)


@lru_cache(maxsize=64)
def _base(groups: tuple[str, ...]) -> dict | None:
    """The composition of these config-group choices as plain dicts (see overlay.plain_base)."""
    return plain_base(OmegaConf.create(_compose_cached(groups)))


def group_options(group: str) -> list[str]:
    """A config group's options (scheme -> fixed_fee, hybrid, ...): the packaged YAML files and
    the entries registered in Hydra's ConfigStore (the schemes'); [] if it is no group."""
    from hydra.core.config_store import ConfigStore

    names: set[str] = set()
    folder = resources.files(CONFIG_MODULE) / group
    if folder.is_dir():
        names.update(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml"))
    try:
        names.update(n[:-5] for n in ConfigStore.instance().list(group) if n.endswith(".yaml"))
    except Exception:  # noqa: BLE001 - not a group of the ConfigStore
        pass
    return sorted(names)


def compose_unvalidated(overrides: list[str] | tuple[str, ...] | None = None) -> DictConfig:
    """The composed configuration before validation (sweeps validate each job themselves).

    An override list that only sets values (no new config-group choice) reuses the composition
    of its group choices and applies the values as Hydra would (bposim.config.overlay): the same
    configuration as a full Hydra composition, at a fraction of its cost."""
    overrides = tuple(str(o) for o in overrides or ())
    check_overrides(overrides, group_options, allow_hydra=False)
    groups, values = split(overrides)
    if values:
        base = _base(groups)
        data, refused = overlay(base, values) if base is not None else (None, False)
        if data is not None and not refused:
            return _from_base(groups, base, data)
    return full_composition(overrides)


@lru_cache(maxsize=64)
def _base_config(groups: tuple[str, ...]) -> bytes:
    """The base of these group choices as a struct DictConfig, pickled: unpickling one is about
    five times cheaper than OmegaConf.create building it again from the plain dicts."""
    cfg = OmegaConf.create(_base(groups))
    OmegaConf.set_struct(cfg, True)
    return pickle.dumps(cfg)


def _changed_leaves(base: dict, data: dict, path: tuple = ()):
    """The (path, value) of each leaf in which data differs from base, or None if the two differ
    in shape (a key added or removed, a leaf turned into a node)."""
    if base.keys() != data.keys():
        return None
    out = []
    for key, value in data.items():
        was = base[key]
        if isinstance(value, dict) or isinstance(was, dict):
            if not (isinstance(value, dict) and isinstance(was, dict)):
                return None
            inner = _changed_leaves(was, value, (*path, key))
            if inner is None:
                return None
            out += inner
        elif type(value) is not type(was) or value != was:
            out.append(((*path, key), value))
    return out


def _from_base(groups: tuple[str, ...], base: dict, data: dict) -> DictConfig:
    """OmegaConf.create(data) in struct mode, built as a copy of the base with the leaves the
    overrides changed set on it (the overlay changes only existing scalar leaves)."""
    changes = _changed_leaves(base, data)
    if changes is None or any(isinstance(v, (dict, list)) for _, v in changes):
        cfg = OmegaConf.create(data)
        OmegaConf.set_struct(cfg, True)
        return cfg
    cfg = pickle.loads(_base_config(groups))
    for path, value in changes:
        node = cfg
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
    return cfg


def compose_schemes(schemes: list[str], overrides: list[str] | tuple[str, ...] = ()) -> dict[str, DictConfig]:
    """compose([f"scheme={s}", *overrides]) for each scheme, from one Hydra composition when the
    overrides only set values (a comparison of schemes on the same settings).

    The scheme group's entries differ in nothing but the scheme node, which is the scheme's name
    and its Params defaults (register_scheme_config), followed by what configs/config.yaml adds
    to every scheme (pricing): so each other scheme's composition is the first one with that node
    swapped, and the values applied as compose applies them. Anything else (a config-group choice,
    a value that cannot be applied for sure) composes each scheme whole."""
    from ..schemes import SCHEMES

    overrides = tuple(str(o) for o in overrides)
    out = {schemes[0]: compose([f"scheme={schemes[0]}", *overrides])}
    groups, values = split(overrides)
    base = _base((f"scheme={schemes[0]}",)) if not groups else None
    if base is None:
        return out | {s: compose([f"scheme={s}", *overrides]) for s in schemes[1:]}
    own = {f.name for f in fields(SCHEMES[schemes[0]].Params)} | {"name"}
    shared = {k: v for k, v in base["scheme"].items() if k not in own}
    for s in schemes[1:]:
        check_overrides((f"scheme={s}", *overrides), group_options, allow_hydra=False)
        data, refused = overlay({**base, "scheme": {"name": s, **asdict(SCHEMES[s].Params()), **shared}}, values)
        if data is None or refused:
            out[s] = compose([f"scheme={s}", *overrides])
            continue
        cfg = OmegaConf.create(data)
        OmegaConf.set_struct(cfg, True)
        validate(cfg)
        out[s] = cfg
    return out


def full_composition(overrides: tuple[str, ...]) -> DictConfig:
    """compose_unvalidated through a whole Hydra composition, always (the reference it must equal)."""
    cfg = OmegaConf.create(_compose_cached(tuple(overrides)))
    OmegaConf.set_struct(cfg, True)
    return cfg


def _leaf_paths() -> dict[str, list[str]]:
    paths: dict[str, list[str]] = {}
    for section in fields(Config):
        default = default_of(section)
        if is_dataclass(default):
            for f in fields(default):
                paths.setdefault(f.name, []).append(f"{section.name}.{f.name}")
        else:
            paths.setdefault(section.name, []).append(section.name)
    return paths


def _override(key: str, value: Any) -> str:
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, str):
        text = value
    else:
        text = repr(value)
    return f"{key}={text}"


def keyword_overrides(params: dict[str, Any]) -> list[str]:
    """Hydra overrides from keyword parameters (see BPOModel)."""
    out = list(params.pop("overrides", None) or [])
    leaves = _leaf_paths()
    for key, value in params.items():
        path = key.replace("__", ".")
        if "." not in path and path not in GROUPS:
            found = leaves.get(path, [])
            if len(found) > 1:
                raise ConfigError([f"{key} is ambiguous: use one of {', '.join(sorted(found))}"])
            if not found:
                raise ConfigError([f"{key} is not a known parameter (give a dotted path such as client.audit_rate)"])
            path = found[0]
        problem = value_problem(path, value) if path not in GROUPS else None
        if problem:
            raise ConfigError([problem.replace(f"{path} =", f"{key} =", 1) if key != path else problem])
        out.append(_override(path, value))
    return out


def _declared_range(name: str) -> str:
    return next(f.metadata["range"] for f in fields(Config) if f.name == name)


def _whole_keyword(name: str, value: Any, field_name: str, otherwise: str) -> int:
    spec = _declared_range(field_name)
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ConfigError([f"{name} = {value!r} must be a whole number in {spec}{otherwise}"])
    if not in_range(int(value), spec):
        raise ConfigError([f"{name} = {value!r} is out of range: allowed {spec}"])
    return int(value)


def replications_keyword(value: Any, default: int) -> int:
    """The `replications` keyword of simulate and BPOModel: None (the config's) or a whole number
    in the declared range, exactly (0 is refused, not read as "the config's")."""
    if value is None:
        return default
    return _whole_keyword("replications", value, "replications", " (or None: the config's replications)")


def seed_keyword(rng: Any, default: int) -> int:
    """The `rng` keyword of BPOModel: None (the config's seed), a whole number in the seed's
    range, or a numpy Generator to draw one from."""
    if rng is None:
        return default
    if isinstance(rng, np.random.Generator):
        return int(rng.integers(2 ** 63))
    return _whole_keyword("rng", rng, "seed", ", a numpy Generator or None (the config's seed)")


def settings_from(config: Any = None, params: dict[str, Any] | None = None) -> Settings:
    """Validated settings from a config object or overrides, plus keyword parameters."""
    params = dict(params or {})
    if isinstance(config, Settings) and not params:
        return config
    if isinstance(config, Settings):
        config = OmegaConf.structured(config.config)
    if config is None or isinstance(config, (list, tuple)):
        overrides = list(config or []) + keyword_overrides(params)
        return validate(compose_unvalidated(overrides))
    if isinstance(config, Config):
        config = OmegaConf.structured(config)
    cfg = config if isinstance(config, DictConfig) else OmegaConf.create(config)
    if params:
        groups = sorted(set(params) & set(GROUPS))
        if groups:
            raise ConfigError([f"{groups[0]} picks a config file: compose it, e.g. "
                               f"BPOModel(overrides=['{groups[0]}=NAME', ...]), instead of passing a config"])
        cfg = cfg.copy()
        for item in keyword_overrides(params):
            key, _, value = item.partition("=")
            OmegaConf.update(cfg, key, OmegaConf.create(f"v: {value}").v, merge=True)
    return validate(cfg)
