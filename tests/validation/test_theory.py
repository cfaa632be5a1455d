"""The simulation reproduces contract theory's closed forms in reduced settings.

Each check runs the model (configs/scenario/*), never the formula, and compares with
bposim.theory. Tolerances: efforts and slopes are deterministic in the reduced settings and
must match to 1e-9; client profit, which needs the pay variance estimated from 520 weeks x 20
replications of simulated noise, within 2% of the first-best surplus scale; optimal rates
within one step of the grid the simulation is evaluated on.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bposim import theory as T
from bposim import validation as V

QUICK = dict(weeks=3, replications=1)  # efforts: deterministic, a few weeks suffice
fast = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def near(sim, theory, scale, tol=0.02):
    return abs(sim - theory) <= tol * scale


# --- 1. Holmstrom-Milgrom 1987 ------------------------------------------------------------------

@pytest.mark.parametrize("b, c, r, s2, p", [(0.3, 2.0, 1.0, 0.25, 1.0), (0.8, 1.0, 2.0, 0.1, 1.5),
                                            (0.5, 4.0, 0.5, 0.5, 2.0)])
def test_hm87_effort_and_profit(b, c, r, s2, p):
    out = V.run_scenario("hm87", [f"scheme.volume_rate={b}", f"vendor.cost_volume={c}", f"vendor.risk_aversion={r}",
                         f"market.volume_noise={s2 ** 0.5}", f"client.value_volume={p}"])
    np.testing.assert_allclose(out.effort_volume, T.hm87_effort(b, c), atol=1e-9)
    assert near(out.client_profit(), T.hm87_client_profit(b, p, c, r, s2), p * p / (2 * c))


def test_hm87_simulated_profit_peaks_at_the_optimal_rate():
    p, c, r, s2 = 1.0, 2.0, 1.0, 0.25
    grid = np.round(np.arange(0.1, 1.01, 0.05), 3)
    curve = V.profit_curve("hm87", "scheme.volume_rate", grid)
    best = curve.rate[curve.profit.idxmax()]
    assert abs(best - T.hm87_optimal_rate(p, c, r, s2)) <= 0.05 + 1e-9
    theory = [T.hm87_client_profit(b, p, c, r, s2) for b in grid]
    assert all(near(s, t, p * p / (2 * c)) for s, t in zip(curve.profit, theory))


@fast
@given(b=st.floats(0.0, 2.0), c=st.floats(0.5, 5.0))
def test_hm87_effort_is_b_over_c_for_any_parameters(b, c):
    out = V.run_scenario("hm87", [f"scheme.volume_rate={b!r}", f"vendor.cost_volume={c!r}"], **QUICK)
    np.testing.assert_allclose(out.effort_volume, b / c, rtol=1e-9, atol=1e-12)


# --- 2. Holmstrom-Milgrom 1991, multitask -------------------------------------------------------

MT = dict(c11=2.0, c12=1.0, c22=3.0, k1=0.6, k2=1.6)


def mt_overrides(c11, c12, c22, k1, k2, rates=(0.4, 0.0)):
    c11, c12, c22, k1, k2 = map(float, (c11, c12, c22, k1, k2))
    rates = tuple(map(float, rates))
    return [f"vendor.cost_volume={c11!r}", f"vendor.cost_substitution={c12!r}", f"vendor.cost_quality={c22!r}",
            f"vendor.intrinsic_volume={k1!r}", f"vendor.intrinsic_quality={k2!r}",
            f"scheme.volume_rate={rates[0]!r}", f"scheme.quality_rate={rates[1]!r}"]


@fast
@given(c11=st.floats(1.0, 4.0), c22=st.floats(1.0, 4.0), frac=st.floats(0.05, 0.9),
       b1=st.floats(0.0, 1.0), b2=st.floats(0.0, 0.5))
def test_multitask_effort_is_inverse_K_times_rates_plus_k(c11, c22, frac, b1, b2):
    c12 = frac * (c11 * c22) ** 0.5
    K = T.cost_matrix(c11, c12, c22)
    # k chosen so both efforts are interior (> 0, quality < 1): the closed form's domain.
    target = np.array([0.3, 0.4])
    k = K @ target - np.array([b1, b2])
    out = V.run_scenario("multitask", mt_overrides(c11, c12, c22, float(k[0]), float(k[1]), (b1, b2)), **QUICK)
    t = T.multitask_effort(K, (b1, b2), k)
    np.testing.assert_allclose([out.effort_volume.mean(), out.effort_quality.mean()], t, atol=1e-9)


@pytest.mark.parametrize("c11, c12, c22", [(2.0, 1.0, 3.0), (1.0, 0.5, 1.0), (3.0, 2.0, 2.0)])
def test_paying_for_volume_lowers_quality_effort_at_minus_c12_over_det(c11, c12, c22):
    K = T.cost_matrix(c11, c12, c22)
    k = K @ np.array([0.3, 0.5])
    efforts = [V.run_scenario("multitask", mt_overrides(c11, c12, c22, *map(float, k), (b, 0.0)), **QUICK).effort_quality.mean()
               for b in (0.2, 0.3)]
    assert (efforts[1] - efforts[0]) / 0.1 == pytest.approx(T.multitask_quality_slope(K), abs=1e-9)
    assert efforts[1] < efforts[0]


def test_optimal_volume_rate_with_quality_unmeasured():
    K = T.cost_matrix(MT["c11"], MT["c12"], MT["c22"])
    grid = np.round(np.arange(0.0, 0.81, 0.05), 3)
    curve = V.profit_curve("multitask", "scheme.volume_rate", grid)
    best = curve.rate[curve.profit.idxmax()]
    theory = T.multitask_optimal_volume_rate(1.0, 1.0, K, 1.0, 0.09)
    assert abs(best - theory) <= 0.05 + 1e-9
    S = np.diag([0.09, 0.0025])
    expected = [T.multitask_client_profit((b, 0.0), (1, 1), K, (MT["k1"], MT["k2"]), 1.0, S) for b in grid]
    assert all(near(s, t, 0.5) for s, t in zip(curve.profit, expected))


def test_optimal_volume_rate_is_zero_when_volume_costs_more_quality_than_it_is_worth():
    # b1 c22 <= b2 c12: value_volume 0.3, value_quality 1.0, c12 = 1, c22 = 3 -> 0.9 <= 1.
    K = T.cost_matrix(MT["c11"], MT["c12"], MT["c22"])
    assert T.multitask_optimal_volume_rate(0.3, 1.0, K, 1.0, 0.09) == 0.0
    curve = V.profit_curve("multitask", "scheme.volume_rate", [0.0, 0.1, 0.2, 0.4],
                           overrides=["client.value_volume=0.3"])
    assert curve.rate[curve.profit.idxmax()] == 0.0


def test_optimal_rates_with_both_tasks_measured():
    K = T.cost_matrix(MT["c11"], MT["c12"], MT["c22"])
    S = np.array([[0.09, 0.0], [0.0, 0.0025]])
    best = T.multitask_optimal_rates((1.0, 1.0), K, 1.0, S)

    def profit(rates):
        k = K @ np.array([0.35, 0.45]) - np.asarray(best)  # interior efforts near the optimum
        over = mt_overrides(MT["c11"], MT["c12"], MT["c22"], float(k[0]), float(k[1]), rates)
        return V.run_scenario("multitask", over).client_profit(), k

    at_best, k = profit(tuple(best))
    assert near(at_best, T.multitask_client_profit(best, (1, 1), K, k, 1.0, S), 0.5)
    for d in ([0.1, 0], [-0.1, 0], [0, 0.1], [0, -0.1]):
        assert profit(tuple(best + np.array(d)))[0] < at_best, d


# --- 3. Baker: distortion -------------------------------------------------------------------------

def baker_overrides(f, g, sigma, b):
    return [f"client.value_volume={f[0]!r}", f"client.value_quality={f[1]!r}", f"scheme.volume_weight={g[0]!r}",
            f"scheme.quality_weight={g[1]!r}", f"market.volume_noise={sigma!r}", f"market.quality_noise={sigma!r}",
            f"scheme.rate={b!r}"]


@fast
@given(g1=st.floats(0.1, 1.0), g2=st.floats(0.1, 1.0), b=st.floats(0.0, 0.8))
def test_baker_action_follows_the_measure(g1, g2, b):
    out = V.run_scenario("distortion", baker_overrides((0.3, 0.6), (g1, g2), 0.0, b), **QUICK)
    np.testing.assert_allclose([out.effort_volume.mean(), out.effort_quality.mean()], T.baker_action(b, (g1, g2)),
                               atol=1e-9)


def test_baker_optimal_rate_and_profit_curve():
    f, g, sigma = (0.3, 0.6), (0.8, 0.4), 0.2
    s2 = (g[0] ** 2 + g[1] ** 2) * sigma ** 2
    grid = np.round(np.arange(0.1, 1.01, 0.05), 3)
    curve = V.profit_curve("distortion", "scheme.rate", grid, overrides=baker_overrides(f, g, sigma, 0.5))
    assert abs(curve.rate[curve.profit.idxmax()] - T.baker_optimal_rate(f, g, 1.0, s2)) <= 0.05 + 1e-9
    scale = (f[0] ** 2 + f[1] ** 2) / 2
    assert all(near(s, T.baker_client_profit(b, f, g, 1.0, s2), scale) for b, s in zip(grid, curve.profit))


@pytest.mark.parametrize("f, g", [((0.3, 0.6), (0.8, 0.4)), ((0.5, 0.5), (0.5, 0.5)), ((0.2, 0.7), (1.0, 0.1))])
def test_without_noise_a_distorted_measure_reaches_cos2_of_first_best(f, g):
    b_star = T.baker_optimal_rate(f, g, 1.0, 0.0)
    reached = V.run_scenario("distortion", baker_overrides(f, g, 0.0, b_star), **QUICK).client_profit()
    first_best = V.run_scenario("distortion", baker_overrides(f, f, 0.0, 1.0), **QUICK).client_profit()
    assert reached / first_best == pytest.approx(T.baker_efficiency(f, g), rel=1e-9)


# --- 4. Klein-Leffler: honest quality in a repeated relationship ----------------------------------

def kl_overrides(q, fee, c_high, c_low, outside):
    return [f"client.audit_rate={q!r}", f"scheme.fee={fee!r}", f"vendor.operating_cost={c_high!r}",
            f"vendor.gaming_saving={c_high - c_low!r}", f"vendor.outside_option={outside!r}"]


def test_honest_share_jumps_from_zero_to_one_at_the_threshold():
    q, fee, ch, cl, vbar = 0.2, 1.0, 0.6, 0.3, 0.0
    d_star = T.relational_threshold(q, fee, ch, cl, vbar)
    grid = np.round(np.arange(0.5, 0.991, 0.02), 3)
    share = V.honest_share(grid, kl_overrides(q, fee, ch, cl, vbar))
    expected = [1.0 if T.relational_honest(d, q, fee, ch, cl, vbar) else 0.0 for d in grid]
    assert share.honest_share.tolist() == expected
    assert share.honest_share[grid < d_star].max() == 0.0 and share.honest_share[grid > d_star].min() == 1.0


@fast
@given(q=st.floats(0.05, 1.0), margin=st.floats(0.05, 1.0), saving=st.floats(0.01, 0.5),
       vbar=st.floats(0.0, 0.3), d=st.floats(0.05, 0.99))
def test_vendor_is_honest_exactly_when_the_repeated_game_condition_holds(q, margin, saving, vbar, d):
    ch = 0.5
    fee = ch + vbar + margin
    d_star = T.relational_threshold(q, fee, ch, ch - saving, vbar)
    if abs(d - d_star) < 1e-6:
        return  # on the knife edge both answers are right up to rounding
    share = V.honest_share([d], kl_overrides(q, fee, ch, ch - saving, vbar)).honest_share.item()
    assert share == (1.0 if T.relational_honest(d, q, fee, ch, ch - saving, vbar) else 0.0)
