"""Validated settings: a configuration checked field by field, with its scheme object built.

`validate` is the one door every run goes through (the API, the commands, every sweep job):
it refuses unknown keys, wrong types and out-of-range values, naming each, before anything runs.
"""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

from omegaconf import DictConfig, OmegaConf

from .params import ConfigError, check_fields, default_of
from .safety import user_value_problems
from .schema import Config

# How the client's trust in its vendor moves (docs/ODD.md 3.11): the first is the default.
TRUST_MODELS = ("belief", "adaptive", "fixed")


class Settings:
    """A validated configuration: typed sections plus the scheme object built from scheme.*.

    Sections are plain attributes (not properties): the weekly equations read them thousands
    of times per run.
    """

    __slots__ = ("config", "scheme", "market", "vendor", "client", "shock", "record")

    def __init__(self, config: Config, scheme: Any):
        self.config = config
        self.scheme = scheme  # a bposim.schemes.Scheme
        self.market = config.market
        self.vendor = config.vendor
        self.client = config.client
        self.shock = config.shock
        self.record = config.record


def _cross_checks(cfg: Config, problems: list[str]) -> None:
    v, m, c = cfg.vendor, cfg.market, cfg.client
    if v.cost_substitution ** 2 >= v.cost_volume * v.cost_quality:
        problems.append(
            f"vendor.cost_substitution = {v.cost_substitution!r} is out of range: the effort cost must be "
            f"convex, so cost_substitution^2 < cost_volume * cost_quality "
            f"(allowed [0, {(v.cost_volume * v.cost_quality) ** 0.5:.6g}))")
    if v.discount_factor < 0.0 and v.discount_factor != -1.0:
        problems.append(
            f"vendor.discount_factor = {v.discount_factor!r} is out of range: allowed [0, 0.9999], "
            f"or -1 to derive it from vendor.annual_discount_rate")
    if m.vendors_per_client > m.n_vendors:
        problems.append(
            f"market.vendors_per_client = {m.vendors_per_client} is out of range: allowed "
            f"[1, market.n_vendors = {m.n_vendors}]")
    if c.terminate_below_trust > c.warn_below_trust:
        problems.append(
            f"client.terminate_below_trust = {c.terminate_below_trust} is out of range: allowed "
            f"[0, client.warn_below_trust = {c.warn_below_trust}]")
    if c.vendor_selection not in ("tender", "random"):
        problems.append(
            f"client.vendor_selection = {c.vendor_selection!r} is not allowed: use tender or random")
    if c.trust_model not in TRUST_MODELS:
        problems.append(f"client.trust_model = {c.trust_model!r} is not allowed: use belief, adaptive or fixed")
    if cfg.record.relationships not in ("auto", "all", "none"):
        problems.append(
            f"record.relationships = {cfg.record.relationships!r} is not allowed: use auto, all or none")


def to_config(cfg: Any) -> Config:
    """A Config dataclass from a DictConfig, dict or Config (types and ranges are checked later).

    Built field by field rather than through OmegaConf's structured merge, which costs tens of
    milliseconds: a one-client run takes less than that.
    """
    if isinstance(cfg, Config):
        return copy.deepcopy(cfg)
    # Unresolved: an interpolation is refused by name, never resolved (it could read the
    # environment, and its value would be echoed into the message).
    data = OmegaConf.to_container(cfg, resolve=False) if isinstance(cfg, DictConfig) else copy.deepcopy(dict(cfg))
    problems: list[str] = user_value_problems({k: v for k, v in data.items() if k != "hydra"})
    if problems:
        raise ConfigError(problems)
    values: dict[str, Any] = {}
    known_top = {f.name for f in dataclasses.fields(Config)}
    for key in sorted(set(data) - known_top - {"hydra"}):
        problems.append(f"{key} is not a bposim setting: allowed {', '.join(sorted(known_top))}")
    for f in dataclasses.fields(Config):
        if f.name not in data:
            continue
        value = data[f.name]
        default = default_of(f)
        if not dataclasses.is_dataclass(default):
            values[f.name] = value
            continue
        if not isinstance(value, dict):
            problems.append(f"{f.name} = {value!r} must be a mapping of its settings")
            continue
        fields = {x.name for x in dataclasses.fields(default)}
        for key in sorted(set(value) - fields):
            problems.append(f"{f.name}.{key} is not a parameter of {f.name}: allowed {', '.join(sorted(fields))}")
        values[f.name] = dataclasses.replace(default, **{k: v for k, v in value.items() if k in fields})
    if problems:
        raise ConfigError(problems)
    return Config(**values)


def without_hydra(cfg: DictConfig) -> DictConfig:
    """The configuration without Hydra's own node (what bposim validates and runs)."""
    return OmegaConf.masked_copy(cfg, [k for k in cfg if k != "hydra"]) if "hydra" in cfg else cfg


def as_dictconfig(config: Config) -> DictConfig:
    """The plain OmegaConf form of a Config (what results carry and YAML files hold)."""
    return OmegaConf.create(dataclasses.asdict(config))


def validate(cfg: Any) -> Settings:
    """Check every field; raise ConfigError naming each bad field, its value and the allowed range."""
    from ..schemes import build_scheme

    obj = to_config(cfg)
    problems: list[str] = []
    check_fields(obj, "", problems)
    scheme = None
    if isinstance(obj.scheme, dict):
        scheme = build_scheme(obj.scheme, problems)
    else:
        problems.append(f"scheme = {obj.scheme!r} must be a mapping with a name (pick one with scheme=NAME)")
    if not problems:
        _cross_checks(obj, problems)
    if problems:
        raise ConfigError(problems)
    return Settings(config=obj, scheme=scheme)
