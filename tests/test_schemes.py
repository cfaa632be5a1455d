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


def test_hybrid_is_the_weighted_mix_of_its_parts():
    h = make("hybrid", fixed_fee=0.25, per_volume=0.25, quality_weighted=0.25, shared_outcome=0.25)
    parts = [make(n) for n in ("fixed_fee", "per_volume", "quality_weighted", "shared_outcome")]
    y, s, o = 0.9, 0.7, 3.0
    assert h.pay(y, s, o, SCALAR) == pytest.approx(sum(0.25 * p.pay(y, s, o, SCALAR) for p in parts))


@pytest.mark.parametrize("name", ["per_volume", "fixed_fee", "shared_outcome", "hybrid", "quality_weighted"])
@pytest.mark.parametrize("y, s", [(0.9, 0.8), (0.6, 0.7), (1.0, 0.95)])
def test_marginal_incentives_are_the_derivatives_of_pay(name, y, s):
    """What a scheme pays and what it tells the vendor it pays for cannot disagree."""
    params = {"sla_threshold": 0.0} if name == "quality_weighted" else {}  # the SLA step is smoothed on purpose
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
    """A scheme registered from outside runs through the whole model unchanged."""
    @dataclasses.dataclass
    class TieredParams:
        price: float = 1.0
        bonus: float = 0.5

    class Tiered(Scheme):
        name = "tiered_test"
        Params = TieredParams

        def pay(self, y, s, o, ops):
            return self.params.price * y + self.params.bonus * (s > 0.8)

        def rates(self, y, s, noise, ops):
            return Rates(volume=self.params.price + 0.0 * y, quality=0.0 * y, outcome=0.0 * y)

    monkeypatch.setitem(SCHEMES, "tiered_test", Tiered)
    cfg = bposim.compose()
    cfg.scheme = {"name": "tiered_test", "price": 1.8, "bonus": 0.2}
    result = bposim.simulate(cfg, replications=2)
    assert (result.summary.scheme == "tiered_test").all()
    assert result.summary.payments.gt(0).all()
    register(Tiered)  # the decorator form
    assert SCHEMES["tiered_test"] is Tiered
