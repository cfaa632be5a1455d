"""Configuration: composition, the packaged YAML, and every validation error."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import yaml

import bposim
from bposim import ConfigError
from bposim.config import ClientConfig, MarketConfig, ShockConfig, VendorConfig, validate
from bposim.schemes import SCHEMES
from bposim.schemes.base import DEFAULT_PRICING, PREMIUM

CONFIGS = Path(__file__).resolve().parents[1] / "configs"


def test_defaults_compose_with_the_named_knobs():
    cfg = bposim.compose()
    assert cfg.steps == 156 and cfg.replications == 1 and cfg.seed == 0
    assert cfg.market.n_clients >= 1 and cfg.market.n_vendors >= 1
    assert cfg.scheme["name"] in SCHEMES


def test_overrides_use_hydra_syntax():
    cfg = bposim.compose(["scheme=per_volume", "seed=7", "market.n_clients=20", "client.audit_rate=0.2"])
    assert cfg.scheme["name"] == "per_volume" and cfg.seed == 7
    assert cfg.market.n_clients == 20 and cfg.client.audit_rate == 0.2


@pytest.mark.parametrize("name", sorted(SCHEMES))
def test_scheme_name_composes_to_exactly_its_params_defaults(name):
    """`scheme=NAME` is generated from the class's Params: no YAML file repeats the defaults."""
    cfg = bposim.compose([f"scheme={name}"])
    fields = {f.name: f.default for f in dataclasses.fields(SCHEMES[name].Params)}
    data = dict(cfg.scheme)
    assert data.pop("name") == name
    assert data.pop("pricing") == DEFAULT_PRICING  # a setting every scheme takes (in its group entry)
    assert data == fields and "premium" in fields  # scheme.premium: inherited from Scheme.Params
    assert not (CONFIGS / "scheme").exists(), "the scheme group comes from the registry"


def test_a_scheme_parameter_can_still_be_overridden_after_picking_the_scheme():
    cfg = bposim.compose(["scheme=per_volume", "scheme.price=2.5"])
    assert dict(cfg.scheme) == {"name": "per_volume", "price": 2.5, "pricing": DEFAULT_PRICING, "premium": PREMIUM}


@pytest.mark.parametrize("override, field, allowed", [
    ("client.audit_rate=1.5", "client.audit_rate = 1.5", "[0, 1]"),
    ("market.n_clients=0", "market.n_clients = 0", "[1, 1000000]"),
    ("market.base_demand=0", "market.base_demand = 0.0", "(0, inf)"),
    ("vendor.discount_factor=1", "vendor.discount_factor = 1.0", "[-1, 0.9999]"),
    ("vendor.discount_factor=-0.5", "vendor.discount_factor = -0.5", "[0, 0.9999], or -1 to derive it from vendor.annual_discount_rate"),
    ("vendor.cost_quality=-2", "vendor.cost_quality = -2.0", "(0, 100]"),
    ("steps=0", "steps = 0", "[1, 100000]"),
    ("replications=0", "replications = 0", "[1, 1000000]"),
    ("shock.capacity_cut=1", "shock.capacity_cut = 1.0", "[0, 0.99]"),
    ("record.every=0", "record.every = 0", "[1, 10000]"),
    ("scheme.price=-1", "scheme.price = -1.0", "[0, 1000]"),
    ("scheme=shared_outcome scheme.share=2", "scheme.share = 2.0", "[0, 1]"),
])
def test_out_of_range_names_field_value_and_range(override, field, allowed):
    with pytest.raises(ConfigError) as err:
        bposim.compose(override.split())
    message = str(err.value)
    assert field in message and f"allowed {allowed}" in message


def test_every_declared_range_is_enforced():
    """For each numeric field of each section, a value just outside its range is refused."""
    from bposim.config.params import _RANGE, _bound
    for section, cls in (("market", MarketConfig), ("vendor", VendorConfig), ("client", ClientConfig),
                         ("shock", ShockConfig)):
        for f in dataclasses.fields(cls):
            spec = f.metadata.get("range")
            if not spec:
                continue
            lo_br, lo, hi, hi_br = _RANGE.match(spec).groups()
            lo, hi = _bound(lo), _bound(hi)
            bad = lo - 1 if lo != float("-inf") else (hi + 1 if hi != float("inf") else None)
            if bad is None:
                continue
            if f.type == "int" or f.type is int:
                bad = int(bad)
            with pytest.raises(ConfigError, match=f"{section}.{f.name} = "):
                validate({section: {f.name: bad}})  # the same check compose runs, without Hydra's 0.1 s


def test_several_errors_are_reported_together():
    with pytest.raises(ConfigError) as err:
        bposim.compose(["client.audit_rate=2", "vendor.risk_aversion=-1"])
    assert len(err.value.problems) == 2


@pytest.mark.parametrize("overrides, text", [
    (["vendor.cost_substitution=5"], "vendor.cost_substitution = 5.0 is out of range: the effort cost must be convex"),
    (["market.vendors_per_client=3", "market.n_vendors=2"], "market.vendors_per_client = 3 is out of range"),
    (["client.terminate_below_trust=0.5", "client.warn_below_trust=0.3"], "client.terminate_below_trust = 0.5"),
    (["record.relationships=some"], "record.relationships = 'some' is not allowed"),
    (["client.trust_model=beta"], "client.trust_model = 'beta' is not allowed: use belief, adaptive or fixed"),
    (["scheme=quality_weighted", "scheme.floor=2", "scheme.cap=1"], "scheme.floor = 2.0 is out of range"),
    (["scheme=hybrid", "scheme.fixed_fee=0.9"], "must add up to 1"),
    (["+scheme.bogus=1"], "scheme.bogus is not a parameter of scheme quality_weighted"),
])
def test_rules_across_fields(overrides, text):
    with pytest.raises(ConfigError, match=None) as err:
        bposim.compose(overrides)
    assert text in str(err.value)


def test_wrong_type_is_refused_naming_the_field():
    # (Was Hydra's ConfigCompositionException: bposim now names the field, value and type.)
    with pytest.raises(ConfigError, match="market.n_clients = 'many' must be a whole number"):
        bposim.compose(["market.n_clients=many"])


def test_unknown_groups_and_keys_are_refused_naming_what_is_allowed():
    # (Were Hydra's MissingConfigException and ConfigCompositionException, passed through.)
    with pytest.raises(ConfigError, match="scheme = 'no_such_scheme' is not a known option: allowed fixed_fee"):
        bposim.compose(["scheme=no_such_scheme"])
    with pytest.raises(ConfigError, match="client.no_such_key is not a parameter of client: allowed"):
        bposim.compose(["client.no_such_key=1"])


def test_keyword_parameters_resolve_unique_names_and_refuse_ambiguous_ones():
    m = bposim.BPOModel(scheme="per_volume", audit_rate=0.3, n_clients=2, rng=4)
    assert m.settings.scheme.name == "per_volume"
    assert m.settings.client.audit_rate == 0.3 and m.settings.market.n_clients == 2
    m = bposim.BPOModel(**{"client.audit_rate": 0.25}, client__recognition=0.9)
    assert m.settings.client.audit_rate == 0.25 and m.settings.client.recognition == 0.9
    with pytest.raises(ConfigError, match="trust_init is ambiguous: use one of client.trust_init, vendor.trust_init"):
        bposim.BPOModel(trust_init=0.4)
    with pytest.raises(ConfigError, match="nonsense is not a known parameter"):
        bposim.BPOModel(nonsense=1)
    with pytest.raises(ConfigError, match="client.audit_rate = 9.0"):
        bposim.BPOModel(audit_rate=9.0)
