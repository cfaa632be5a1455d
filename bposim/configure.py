"""From what a user types to validated settings: Hydra composition and keyword parameters.

`compose` builds a configuration from the packaged configs (configs/, shipped as the package
bposim.configs) with Hydra's override syntax and validates it. `settings_from` accepts what
BPOModel and simulate accept: a composed config, a list of overrides, a Config, or keywords.
"""

from __future__ import annotations

import dataclasses
from functools import lru_cache
from typing import Any

from hydra import compose as hydra_compose
from hydra import initialize_config_module
from hydra.core.global_hydra import GlobalHydra
from omegaconf import DictConfig, OmegaConf

from .config import Config, ConfigError, Settings, validate

CONFIG_MODULE = "bposim.configs"
GROUPS = ("scheme", "scenario", "shock")  # keyword values that pick a config file rather than set a value


def compose(overrides: list[str] | None = None) -> DictConfig:
    """The validated configuration composed from the packaged configs with Hydra overrides.

    Example: compose(["scheme=per_volume", "seed=7", "market.n_clients=20"]).
    Raises ConfigError naming the field, the value and the allowed range for a bad value;
    Hydra's own errors (unknown group or key) come through unchanged.
    """
    cfg = _compose(tuple(overrides or ()))
    validate(cfg)
    return cfg


@lru_cache(maxsize=256)
def _compose_cached(overrides: tuple[str, ...]) -> str:
    # Hydra composition costs ~50 ms; the YAML of an identical request is reused.
    if GlobalHydra.instance().is_initialized():
        GlobalHydra.instance().clear()
    try:
        with initialize_config_module(config_module=CONFIG_MODULE, version_base="1.3"):
            cfg = hydra_compose(config_name="config", overrides=list(overrides))
    finally:
        GlobalHydra.instance().clear()
    return OmegaConf.to_yaml(cfg)


def _compose(overrides: tuple[str, ...]) -> DictConfig:
    cfg = OmegaConf.create(_compose_cached(overrides))
    OmegaConf.set_struct(cfg, True)
    return cfg


def _leaf_paths() -> dict[str, list[str]]:
    paths: dict[str, list[str]] = {}
    for section in dataclasses.fields(Config):
        default = section.default_factory() if section.default_factory is not dataclasses.MISSING else None
        if dataclasses.is_dataclass(default):
            for f in dataclasses.fields(default):
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
        out.append(_override(path, value))
    return out


def settings_from(config: Any = None, params: dict[str, Any] | None = None) -> Settings:
    """Validated settings from a config object or overrides, plus keyword parameters."""
    params = dict(params or {})
    if isinstance(config, Settings) and not params:
        return config
    if isinstance(config, Settings):
        config = OmegaConf.structured(config.config)
    if config is None or isinstance(config, (list, tuple)):
        overrides = list(config or []) + keyword_overrides(params)
        return validate(_compose(tuple(overrides)))
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
