"""From what a user types to validated settings: Hydra composition and keyword parameters.

`compose` builds a configuration from the packaged configs (configs/, shipped as the package
bposim.configs) with Hydra's override syntax and validates it. `settings_from` accepts what
BPOModel and simulate accept: a composed config, a list of overrides, a Config, or keywords,
and returns Settings (built once per run: Settings passed back in are used as they are).
"""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from functools import lru_cache
from typing import Any

from hydra import compose as hydra_compose
from hydra import initialize_config_module
from hydra.core.global_hydra import GlobalHydra
from omegaconf import DictConfig, OmegaConf

from .params import ConfigError, default_of
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
    # Hydra composition costs ~50 ms; the YAML of an identical request is reused.
    if GlobalHydra.instance().is_initialized():
        GlobalHydra.instance().clear()
    try:
        with initialize_config_module(config_module=CONFIG_MODULE, version_base="1.3"):
            cfg = hydra_compose(config_name="config", overrides=list(overrides))
    finally:
        GlobalHydra.instance().clear()
    return OmegaConf.to_yaml(cfg)


def compose_unvalidated(overrides: list[str] | tuple[str, ...] | None = None) -> DictConfig:
    """The composed configuration before validation (sweeps validate each job themselves)."""
    cfg = OmegaConf.create(_compose_cached(tuple(overrides or ())))
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
