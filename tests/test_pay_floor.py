"""The zero floor of pay and the variance of pay, on simulated weeks (#12).

Settlement never bills the vendor (gross pay is floored at zero, payments.settle), so noisier
pay is an option worth more to the vendor; participation pricing now prices that option
(bposim.dynamics.pay_floor), and the terms as written keep it. The risk premium's variance of
pay counts the score-outcome covariance when the outcome paid this week carries this week's
true quality (market.outcome_lag = 0). Checked against the simulation, never a formula against
itself.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import bposim
from bposim.analysis.stats import mean_ci
from bposim.config import compose, validate
from bposim.dynamics.pay_floor import floored_pay, pay_for
from bposim.ops import ARRAY, SCALAR
from bposim.weekly import WeeklyModel

# The HM87 scenario paid on the outcome instead of the count: pay = fixed + 0.35 * outcome, the
# outcome the client's value of the volume delivered (one unit of value a unit), reported with
# noise market.outcome_noise; a risk-neutral vendor, so only the floor can move what it is paid.
ON_OUTCOME = ["scenario=hm87", "scheme.volume_rate=0.0", "scheme.outcome_rate=0.35", "market.volume_noise=0.0",
              "vendor.risk_aversion=0", "steps=520"]


def _payments(noise: float, *extra: str, reps: int = 40) -> np.ndarray:
    run = bposim.simulate([*ON_OUTCOME, f"market.outcome_noise={noise}", *extra, "seed=3"], replications=reps)
    return run.summary.sort_values("replication").payments.to_numpy()


def test_a_noisier_outcome_pays_more_as_written_and_not_under_participation():
    # Outcome noise 0.5 -> 5 on common random numbers. As written with no fixed part the linear
    # pay is near zero, so the floor is worth much more on the noisier outcome. Under
    # participation (outside option 0.5 a week) the fixed part is set on the floored pay: the
    # vendor is paid what leaves it its outside option whatever the noise.
    quiet, loud = _payments(0.5, "scheme.pricing=as_written", "scheme.fixed=0.0"), \
        _payments(5.0, "scheme.pricing=as_written", "scheme.fixed=0.0")
    mean, low, _, _ = mean_ci(loud - quiet)
    assert low > 0.0 and mean > 2.0 * quiet.mean(), f"as written the floor adds {mean:.1f} MU to {quiet.mean():.1f}"
    priced = ["scheme.pricing=participation", "vendor.outside_option=0.5"]
    quiet, loud = _payments(0.5, *priced), _payments(5.0, *priced)
    mean, low, high, _ = mean_ci(loud - quiet)
    assert low < 0.0 < high, f"participation: noise 5 - 0.5 pays {mean:.1f} [{low:.1f}, {high:.1f}] MU"
    assert high - low < 0.05 * quiet.mean(), "the interval is narrow enough to tell"


def _pay_and_premium(lag: int, reps: int = 400) -> tuple[float, float]:
    """hybrid at fixed efforts on noisy measures: the simulated variance of weekly pay and the
    variance the vendor's premium charges, 2 premium / r (weeks 100-159, after the point where
    the vendor reads its rates has settled)."""
    risk = 0.01
    p = validate(compose(["scenario=reduced", "scheme=hybrid", "seed=1", "steps=160", f"market.outcome_lag={lag}",
                          "market.quality_noise=0.03", "market.true_quality_noise=0.05", "market.outcome_noise=0.1",
                          "market.volume_noise=0.05", "market.noise_correlation=0.3", "vendor.base_quality=0.7",
                          "vendor.expectation_learning=0.05", f"vendor.risk_aversion={risk}"]))
    model = WeeklyModel(p, p.config.seed, replications=reps)
    pay, premium = [], []
    for week in range(160):
        model.advance_week()
        if week >= 100:
            pay.append(model.state.payments.copy())
            premium.append(model.state.risk_premium.copy())
    # base demand 1: the premium in MU is (r/2) Var(pay) (far from the floor, as here)
    return float(np.var(pay)), float(np.mean(premium)) * 2.0 / risk


@pytest.mark.parametrize("lag", [0, 3])
def test_the_risk_premium_charges_the_variance_of_hybrid_pay_the_simulation_gives(lag):
    # hybrid pays on the count, the score (quality_weighted) and the outcome. With the outcome
    # paid the week it happens (lag 0) the score and the outcome carry the same draw of true
    # quality, which adds 2 b_s b_o Cov(score, outcome) to the variance; with a lag they do
    # not. 400 replications x 60 weeks: the sample variance's relative sd is under 1%.
    simulated, charged = _pay_and_premium(lag)
    assert charged == pytest.approx(simulated, rel=0.03)


def test_the_covariance_is_what_the_lag_changes():
    # The same contract and noises: the outcome's lag alone moves the variance, by the
    # covariance term; in the simulation and in the premium alike, and by a margin the 3% above
    # could not hide (the earlier premium missed it at lag 0).
    (sim_0, charged_0), (sim_3, charged_3) = _pay_and_premium(0), _pay_and_premium(3)
    assert sim_0 / sim_3 - 1.0 > 0.06
    assert charged_0 / charged_3 - 1.0 == pytest.approx(sim_0 / sim_3 - 1.0, abs=0.02)


def test_both_engines_agree_where_participation_prices_a_binding_floor():
    # Where the floor binds, participation solves for the fixed part by Newton's method on each
    # relationship's floats (agents) and on the arrays at once: the same numbers.
    tiny = ["market.n_clients=2", "market.n_vendors=2", "steps=40", "scheme=shared_outcome",
            "market.outcome_noise=5.0", "market.outcome_lag=0", "client.contract_term=8", "vendor.risk_aversion=0.02"]
    models = [bposim.BPOModel(bposim.compose(tiny), replications=2, engine=e, collect=False) for e in ("array", "agents")]
    fixed = []
    for _ in range(40):
        for m in models:
            m.advance_week()
        fixed.append(models[0].state.fixed_pay.copy())
    for name in ("fixed_pay", "payments", "risk_premium", "period_risk", "vendor_id", "trust_in_vendor"):
        np.testing.assert_allclose(getattr(models[0].state, name), getattr(models[1].state, name), atol=1e-9)
    assert np.ptp(fixed) > 0.0, "contracts were priced more than once"


# --- the floor's values, against sampled pay and against each other --------------------------------------------


@pytest.mark.parametrize("m, s, r", [(0.5, 1.0, 0.0), (0.5, 1.0, 1.0), (-1.0, 2.0, 0.5), (0.2, 3.0, 3.0), (2.0, 0.1, 1.0)])
def test_the_floored_pays_certainty_equivalent_is_the_sampled_one_and_pricing_inverts_it(m, s, r):
    # A million normal draws floored at zero: their mean (r = 0) or exact CARA value.
    pay = np.maximum(m + s * np.random.default_rng(0).standard_normal(1_000_000), 0.0)
    sampled = pay.mean() if r == 0 else -np.log(np.mean(np.exp(-r * pay))) / r
    mean, premium, _ = floored_pay(m, s * s, r, SCALAR)
    assert mean == pytest.approx(pay.mean(), abs=3e-3 * s)
    assert mean - premium == pytest.approx(sampled, abs=3e-3 * s)
    assert pay_for(mean - premium, s * s, r, SCALAR)[0] == pytest.approx(m, abs=1e-9)


def test_more_fixed_pay_is_worth_more_to_the_vendor_even_far_below_the_floor():
    # The mean-variance value E[Y] - (r/2) Var(Y) of floored pay falls as its mean rises where
    # r s > 2.23; the exact CARA value rises everywhere, so participation has one root.
    m = np.linspace(-20.0, 20.0, 4001)
    mean, premium, slope = floored_pay(m, 9.0, 2.0, ARRAY)
    ce = mean - premium
    assert np.all(np.diff(ce) > 0.0) and np.all(slope > 0.0)
    assert np.all(np.diff(ce, 2) >= -1e-9), "convex: Newton from the right falls to the root"


@pytest.mark.parametrize("m, s", [(0.3, 1.0), (-0.5, 2.0), (1.0, 0.4)])
def test_the_near_neutral_reading_meets_the_exact_one_where_they_hand_over(m, s):
    # Below a = r s = 1e-4 the certainty equivalent is read to second order (mean less r/2 times
    # the floored pay's variance); above, exactly. At the seam the two premiums per unit of r
    # agree to about a, and the slopes too.
    from bposim.dynamics.pay_floor import NEAR_NEUTRAL
    below, above = 0.99 * NEAR_NEUTRAL / s, 1.01 * NEAR_NEUTRAL / s
    mean_b, premium_b, slope_b = floored_pay(m, s * s, below, SCALAR)
    mean_a, premium_a, slope_a = floored_pay(m, s * s, above, SCALAR)
    assert mean_b == mean_a
    assert premium_b / below == pytest.approx(premium_a / above, rel=1e-3)
    assert premium_b > 0.0 and slope_b == pytest.approx(slope_a, rel=1e-3)


@pytest.mark.parametrize("target, s, r", [(0.05, 1.0, 0.0), (0.3, 2.0, 1.5), (0.01, 0.5, 4.0), (2.0, 1.0, 0.5)])
def test_newton_reaches_the_fixed_part_in_a_few_steps(target, s, r, monkeypatch):
    # Started right of the root on a convex, rising certainty equivalent, Newton converges
    # quadratically: a dozen steps are plenty even where the floor binds in most weeks.
    from bposim.dynamics import pay_floor
    monkeypatch.setattr(pay_floor, "NEWTON_STEPS", 12)
    m, unfloored = pay_for(target, s * s, r, ARRAY)
    assert not unfloored
    mean, premium, _ = floored_pay(m, s * s, r, ARRAY)
    assert mean - premium == pytest.approx(target, rel=1e-10)
    assert m < target + 0.5 * r * s * s, "the floor is worth something: less fixed pay is needed"


@pytest.mark.parametrize("m, s, r", [(27.0, 3.0, 2.0), (12.0, 2.0, 1.0), (0.4, 1.0, 0.5), (-2.0, 1.5, 3.0), (3.0, 0.5, 0.0)])
def test_the_floored_pays_value_is_the_integral_of_its_distribution(m, s, r):
    # Simpson's rule over the normal density, floored pay max(x, 0): the expected pay and the
    # exact CARA value to 1e-9, also where the floor is a few sds away but the risk aversion
    # weighs its tail (z - a = 3 at the first point: the linear value is off by 1e-4 there).
    x = np.linspace(m - 40.0 * s, m + 40.0 * s, 400_001)
    density = np.exp(-0.5 * ((x - m) / s) ** 2) / (s * math.sqrt(2.0 * math.pi))
    pay = np.maximum(x, 0.0)
    h = x[1] - x[0]
    weights = np.ones_like(x)
    weights[1:-1:2], weights[2:-1:2] = 4.0, 2.0

    def integral(f):
        return float(np.sum(weights * f * density) * h / 3.0)

    mean, premium, _ = floored_pay(m, s * s, r, SCALAR)
    assert mean == pytest.approx(integral(pay), rel=1e-9, abs=1e-12)
    exact = integral(pay) if r == 0 else -math.log(integral(np.exp(-r * (pay - max(m, 0.0))))) / r + max(m, 0.0)
    assert mean - premium == pytest.approx(exact, rel=1e-9, abs=1e-12)


def test_a_target_no_fixed_part_can_reach_keeps_the_unfloored_solution():
    # Outside option, premium and costs at or below 0: floored pay is worth more than that at any
    # fixed part, so participation keeps the unfloored rule (pay below zero in most weeks).
    for target in (-0.2, 0.0):
        m, unfloored = pay_for(target, 1.0, 0.5, SCALAR)
        assert m == target + 0.25 and not unfloored
