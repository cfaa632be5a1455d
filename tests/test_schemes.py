"""Payment schemes: what each pays, and that the incentives it shows the vendor match its pay."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import bposim
from bposim.ops import ARRAY, SCALAR
from bposim.schemes import SCHEMES, Rates, Scheme, build_scheme, register


def make(name, **params):
    problems = []
    scheme = build_scheme({"name": name, **params}, problems)
    assert not problems, problems
    return scheme


def test_registry_holds_the_five_schemes():
    assert {"per_volume", "quality_weighted", "shared_outcome", "fixed_fee", "hybrid"} <= set(SCHEMES)


def test_per_volume_pays_per_unit_and_ignores_quality():
    s = make("per_volume", price=2.0)
    assert s.pay(0.8, 0.1, 5.0, SCALAR) == pytest.approx(1.6)
    assert s.pay(0.8, 0.9, 0.0, SCALAR) == pytest.approx(1.6)


def test_fixed_fee_pays_the_same_whatever_is_delivered():
    s = make("fixed_fee", fee=1.5)
    assert s.pay(0.0, 0.0, 0.0, SCALAR) == s.pay(1.0, 1.0, 9.0, SCALAR) == 1.5


def test_shared_outcome_pays_base_plus_share_of_outcome():
    s = make("shared_outcome", base_fee=0.5, share=0.25)
    assert s.pay(1.0, 0.8, 4.0, SCALAR) == pytest.approx(1.5)


def test_quality_weighted_multiplier_floor_cap_and_sla_credit():
    s = make("quality_weighted", price=2.0, target=0.75, slope=1.0, floor=0.5, cap=1.3,
             sla_threshold=0.5, sla_credit=0.1)
    assert s.pay(1.0, 0.75, 0, SCALAR) == pytest.approx(2.0)          # at target: price
    assert s.pay(1.0, 0.85, 0, SCALAR) == pytest.approx(2.2)          # bonus
    assert s.pay(1.0, 0.60, 0, SCALAR) == pytest.approx(1.7)          # malus
    assert s.pay(1.0, 0.40, 0, SCALAR) == pytest.approx(2 * 0.65 * 0.9)  # below SLA: credit
    assert s.pay(1.0, 0.00, 0, SCALAR) == pytest.approx(2 * 0.5 * 0.9)   # floor
    big = make("quality_weighted", slope=10.0)
    assert big.pay(1.0, 1.0, 0, SCALAR) == pytest.approx(2 * 1.3)     # cap


def test_hybrid_pays_the_weighted_mix_of_its_parts_at_their_declared_terms():
    # Worked by hand at y = 0.9, s = 0.7, o = 3.0 with each part at its declared defaults:
    # fixed_fee 1.9; per_volume 2.0 * 0.9 = 1.8; quality_weighted 2.0 * 0.9 * (1 + (0.7 - 0.75)) = 1.71
    # (above the SLA threshold 0.5, so no credit); shared_outcome 0.6 + 0.35 * 3.0 = 1.65.
    y, s, o = 0.9, 0.7, 3.0
    default = make("hybrid")  # weights 0.3, 0.2, 0.3, 0.2
    assert default.pay(y, s, o, SCALAR) == pytest.approx(0.3 * 1.9 + 0.2 * 1.8 + 0.3 * 1.71 + 0.2 * 1.65)
    volume_only = make("hybrid", fixed_fee=0.0, per_volume=1.0, quality_weighted=0.0, shared_outcome=0.0)
    assert volume_only.pay(y, s, o, SCALAR) == pytest.approx(1.8)
    r = default.rates(y, s, 0.05, SCALAR)  # 0.2 * price + 0.3 * price * multiplier; outcome 0.2 * share
    assert r.volume == pytest.approx(0.2 * 2.0 + 0.3 * 2.0 * 0.95, rel=1e-3)
    assert r.outcome == pytest.approx(0.2 * 0.35)


def test_hybrid_weights_must_add_up_to_one():
    problems = []
    build_scheme({"name": "hybrid", "fixed_fee": 0.5, "per_volume": 0.5, "quality_weighted": 0.5,
                  "shared_outcome": 0.0}, problems)
    assert len(problems) == 1 and "add up to 1" in problems[0] and "1.5" in problems[0]


@pytest.mark.parametrize("name, params", [
    ("per_volume", {}), ("fixed_fee", {}), ("shared_outcome", {}), ("hybrid", {}), ("quality_weighted", {}),
    ("linear", {"fixed": 0.2, "volume_rate": 0.7, "quality_rate": 1.3, "outcome_rate": 0.4}),
    ("kpi_index", {"fixed": 0.1, "rate": 2.0, "volume_weight": 0.3, "quality_weight": 0.8}),
])
@pytest.mark.parametrize("y, s", [(0.9, 0.8), (0.6, 0.7), (1.0, 0.95)])
def test_marginal_incentives_are_the_derivatives_of_pay(name, params, y, s):
    """What a scheme pays and what it tells the vendor it pays for cannot disagree."""
    if name == "quality_weighted":
        params = {"sla_threshold": 0.0}  # the SLA step is smoothed on purpose
    scheme = make(name, **params)
    o, h = 2.0, 1e-6
    r = scheme.rates(y, s, 0.01, SCALAR)  # little score noise: the smoothed SLA cliff is far away
    num = [(scheme.pay(y + h, s, o, SCALAR) - scheme.pay(y - h, s, o, SCALAR)) / (2 * h),
           (scheme.pay(y, s + h, o, SCALAR) - scheme.pay(y, s - h, o, SCALAR)) / (2 * h),
           (scheme.pay(y, s, o + h, SCALAR) - scheme.pay(y, s, o - h, SCALAR)) / (2 * h)]
    assert [r.volume, r.quality, r.outcome] == pytest.approx(num, abs=1e-6)


def test_sla_threshold_shows_as_an_incentive_near_the_cliff():
    qw = make("quality_weighted", slope=0.0, sla_threshold=0.6, sla_credit=0.2)
    near = qw.rates(1.0, 0.62, 0.05, SCALAR).quality
    far = qw.rates(1.0, 0.95, 0.05, SCALAR).quality
    assert near > 0.1 and far < 1e-6


def test_rates_work_on_arrays_as_on_floats():
    for name in SCHEMES:
        scheme = make(name)
        y = np.array([[0.5, 0.9]])
        s = np.array([[0.6, 0.8]])
        arr = scheme.rates(y, s, 0.05, ARRAY)
        for j in range(2):
            one = scheme.rates(float(y[0, j]), float(s[0, j]), 0.05, SCALAR)
            assert np.asarray(arr.volume)[0, j] == pytest.approx(one.volume)
            assert np.asarray(arr.quality)[0, j] == pytest.approx(one.quality)


def test_a_new_scheme_needs_only_its_class(monkeypatch):
    """A scheme registered from outside, with the decorator alone, runs through the whole model."""
    monkeypatch.setattr("bposim.schemes.base.SCHEMES", dict(SCHEMES))  # the registry is restored afterwards
    from bposim.schemes import base

    @register
    class Tiered(Scheme):
        name = "tiered_test"

        @dataclasses.dataclass
        class Params(Scheme.Params):
            price: float = 1.0
            bonus: float = 0.5

        def pay(self, y, s, o, ops):
            return self.params.price * y + self.params.bonus * (s > 0.8)

        def rates(self, y, s, noise, ops):
            return Rates(volume=self.params.price + 0.0 * y, quality=0.0 * y, outcome=0.0 * y)

    assert "tiered_test" in base.SCHEMES and "tiered_test" not in SCHEMES
    problems = []
    built = build_scheme({"name": "tiered_test", "price": 1.8, "bonus": 0.2}, problems)
    assert not problems and isinstance(built, Tiered) and built.params.price == 1.8
    results = {}
    for price in (0.9, 1.8):
        cfg = bposim.compose(["seed=5", "market.n_clients=2"])
        # As written: participation pricing would offset the price with the fixed part.
        cfg.scheme = {"name": "tiered_test", "price": price, "bonus": 0.2, "pricing": "as_written"}
        results[price] = bposim.simulate(cfg, replications=2).summary
    assert (results[1.8].scheme == "tiered_test").all()
    # The model pays what the class says: twice the price, about twice the pay (capacity caps volume).
    assert (results[1.8].payments > 1.5 * results[0.9].payments).all()


def test_linear_and_kpi_index_pay_their_terms():
    linear = make("linear", fixed=0.2, volume_rate=0.7, quality_rate=1.3, outcome_rate=0.4)
    assert linear.pay(0.9, 0.6, 2.0, SCALAR) == pytest.approx(0.2 + 0.63 + 0.78 + 0.8)
    kpi = make("kpi_index", fixed=0.1, rate=2.0, volume_weight=0.3, quality_weight=0.8)
    assert kpi.pay(0.9, 0.6, 2.0, SCALAR) == pytest.approx(0.1 + 2.0 * (0.27 + 0.48))


def test_fixed_fee_volume_floor_credits_the_fee_below_it():
    sla = make("fixed_fee", fee=2.0, volume_floor=0.8, sla_credit=0.25)
    assert sla.pay(0.79, 0.5, 0.0, SCALAR) == pytest.approx(1.5)
    assert sla.pay(0.81, 0.5, 0.0, SCALAR) == pytest.approx(2.0)


@pytest.mark.parametrize("s", [0.45, 0.55, 0.7])
def test_quality_weighted_volume_rate_is_the_expected_pay_per_unit_through_the_sla(s):
    # Expected pay per unit of volume with normal score noise sigma: price * M(s) * (1 - credit *
    # P(score < threshold)), P from scipy's normal CDF (the scheme uses a closed-form approximation).
    from scipy.stats import norm
    qw = make("quality_weighted", price=2.0, target=0.75, slope=1.0, sla_threshold=0.5, sla_credit=0.2)
    sigma = 0.05
    expected = 2.0 * (1 + (s - 0.75)) * (1 - 0.2 * norm.cdf((0.5 - s) / sigma))
    assert qw.rates(1.0, s, sigma, SCALAR).volume == pytest.approx(expected, rel=2e-3)


def test_the_sla_density_is_the_normal_density_at_the_threshold():
    # The marginal incentive of an SLA cliff is the normal density of landing at the threshold.
    from scipy.stats import norm

    from bposim.ops import SCALAR
    from bposim.schemes.sla import below_threshold
    for x, noise in [(0.5, 0.05), (0.62, 0.1), (0.4, 0.2)]:
        below, density = below_threshold(0.5, x, noise, SCALAR)
        assert density == pytest.approx(norm.pdf(0.5, loc=x, scale=noise), rel=1e-12)
        assert below == pytest.approx(norm.cdf(0.5, loc=x, scale=noise), abs=0.003)  # Polya's approximation
