"""Holmstrom-Milgrom (1987) with the fixed part set by participation pricing, in the simulation.

With scheme.pricing=participation the simulated contract sets its own fixed part at signing so
that the vendor's certainty-equivalent margin equals its outside option; the client then picks
the rate. Checked on the simulated record, not on a profit formula: (1) the vendor's simulated
CE margin (mean margin less r/2 times the sample variance of weekly pay) equals its outside
option (plus the relational premium scheme.premium, 0 in the reduced scenarios) within 1%; (2) the client's simulated take (mean value less mean pay) over the rate
peaks at b* = p / (1 + r c s2) within 2% (vertex of a parabola fitted to the simulated points).
"""

from __future__ import annotations

import numpy as np
import pytest

from bposim import theory as T
from bposim import validation as V
from bposim.schemes.base import PREMIUM

# An outside option of 1 MU keeps weekly pay above the zero floor of settlement almost always.
PRICED = ["scheme.pricing=participation", "vendor.outside_option=1.0"]


@pytest.mark.parametrize("premium", [0.0, PREMIUM])
@pytest.mark.parametrize("b, c, r, sigma", [(0.3, 2.0, 1.0, 0.5), (0.8, 1.0, 2.0, 0.3), (0.6, 2.0, 0.0, 0.5)])
def test_participation_leaves_the_vendor_its_outside_option_and_the_premium(b, c, r, sigma, premium):
    # The reduced scenario prices at premium 0 (the textbook); the default premium leaves the
    # vendor that much more, the relational quasi-rent of the business runs.
    out = V.run_scenario("hm87", [*PRICED, f"scheme.premium={premium}", f"scheme.volume_rate={b}",
                         f"vendor.cost_volume={c}", f"vendor.risk_aversion={r}", f"market.volume_noise={sigma}"])
    ce = out.vendor_certainty_equivalent()
    assert abs(ce - (1.0 + premium)) <= 0.01 * (1.0 + premium), f"vendor CE margin {ce:.5f}, outside option 1 + premium {premium}"


@pytest.mark.parametrize("r", [1.0, 4.0])
def test_client_take_under_participation_peaks_at_the_hm87_rate(r):
    p, c, s2 = 1.0, 2.0, 0.25
    b_star = T.hm87_optimal_rate(p, c, r, s2)
    grid = np.round(b_star * np.linspace(0.6, 1.4, 9), 4)
    take = [V.run_scenario("hm87", [*PRICED, f"vendor.risk_aversion={r}", f"scheme.volume_rate={float(b)!r}"]).client_take()
            for b in grid]
    a2, a1, _ = np.polyfit(grid, take, 2)
    peak = -a1 / (2 * a2)
    assert a2 < 0 and abs(peak - b_star) <= 0.02 * b_star, f"simulated peak {peak:.4f}, b* {b_star:.4f}"
    assert grid[int(np.argmax(take))] == pytest.approx(b_star, rel=0.11)


@pytest.mark.parametrize("premium", [0.0, PREMIUM])
@pytest.mark.parametrize("r", [0.0, 1.0])
def test_participation_prices_the_zero_floor_of_pay(r, premium):
    # A noisy count (sd 2 a unit of demand, pay sd 0.6) and a small outside option: the linear
    # pay the fixed part sets falls below zero in a sizeable share of weeks, and settlement pays
    # 0 there. Participation prices that option: the vendor's simulated certainty equivalent of
    # its weekly margin, the exact CARA value -(1/r) ln mean exp(-r margin) (the mean margin at
    # r = 0), is its outside option plus the premium, floor and all, with an operating cost to
    # cover too. 200 replications of 520 weeks: the margin's mean has a standard error of 0.2%
    # of the target.
    outside = 0.3
    out = V.run_scenario("hm87", ["scheme.pricing=participation", f"vendor.outside_option={outside}",
                                  "vendor.operating_cost=0.2",
                                  f"scheme.premium={premium}", "market.volume_noise=2.0",
                                  f"vendor.risk_aversion={r}"], replications=200)
    margin = out.margin  # MU a week at a baseline demand of 1 unit: per unit of demand
    ce = margin.mean() if r == 0 else -np.log(np.mean(np.exp(-r * margin))) / r
    floored = np.mean(out.pay <= 0.0)
    assert floored > 0.02, f"the floor binds in {floored:.1%} of weeks only"
    target = outside + premium
    assert abs(ce - target) <= 0.01 * target, f"vendor CE margin {ce:.5f}, outside option + premium {target}"
