"""The vendor's equations (decisions, production, payments) against results worked out by hand.

Each test closes a gap the mutation check (benchmarks/mutation.py) found in the vendor's side of
the model: a mutant of an equation no other test noticed. Expected values come from a reduced
setting solved by hand (a first-order condition, a quadratic's loss away from its optimum, a
discounted sum), from many draws of the model's own noise (a sample variance or correlation),
or from a property every version of the equation must keep; never from the formula under test
written again. Every setting a result depends on is given explicitly, so the tests hold
whatever the model's defaults are.
"""

from __future__ import annotations

import numpy as np
import pytest

from bposim.config import settings_from
from bposim.dynamics.contract import contract_pay, contract_rates
from bposim.dynamics.decisions import best_response, pay_risk_premium
from bposim.dynamics.payments import settle
from bposim.dynamics.production import produce
from bposim.ops import ARRAY, SCALAR
from crn import scalar_state

# A client whose value is linear in volume and in quality per seat: no rework, no unserved cost.
LINEAR_VALUE = ("client.value_volume=2.0", "client.value_quality=3.0", "client.rework_cost=0.0",
                "client.unserved_cost=0.0", "client.quality_per_unit=false")
# No motive for effort but pay: no pull of the queue, no pride, engagement or transparency motive,
# and no context or improvement yet, so a unit of quality effort is a unit of quality.
PAY_ONLY = ("vendor.intrinsic_volume=0.0", "vendor.intrinsic_quality=0.0", "vendor.engagement_motivation=0.0",
            "vendor.transparency_motivation=0.0", "vendor.context_quality=0.0", "vendor.improvement_quality=0.0")
# No reason to cut corners or not but the one a test switches on.
NO_GAMING_MOTIVES = ("vendor.gaming_saving=0.0", "vendor.gaming_throughput=0.0", "vendor.gaming_quality_loss=0.0",
                     "vendor.metric_gameability=0.0", "vendor.gaming_aversion=0.0", "vendor.engagement_aversion=0.0",
                     "client.gaming_sanction=0.0", "client.termination_on_detection=0.0")


def _state(p, **values):
    base = dict(demand=100.0, attention=1.0, audit_belief=0.0, engagement=0.5, warning_risk=0.0, deviance=0.0,
                effort_volume=0.0, effort_quality=0.0, gaming=0.0)
    return scalar_state(p, **{**base, **values})


# --- an outcome share: effort and corner-cutting read the discounted value of the outcome --------


def test_outcome_share_efforts_are_the_discounted_share_of_value_over_the_cost_curvature():
    # Paid share b of an outcome reported L weeks on, the client valuing volume at V_y and quality
    # at V_q a seat: with separate tasks (no cross cost) each effort solves its own first-order
    # condition b * delta**L * V = K * t, so t_vol = b d^L V_y / K11 and t_qual = b d^L V_q / K22.
    share, delta, lag = 0.4, 0.9, 2
    p = settings_from(["scheme=shared_outcome", f"scheme.share={share}", f"vendor.discount_factor={delta}",
                       f"market.outcome_lag={lag}", "vendor.cost_substitution=0.0", "vendor.cost_volume=2.0",
                       "vendor.cost_quality=6.0", "vendor.base_quality=0.5", "market.quality_ceiling=1.0",
                       *LINEAR_VALUE, *PAY_ONLY])
    t_vol, t_qual, *_ = best_response(_state(p), p, SCALAR)
    assert t_vol == pytest.approx(share * 0.81 * 2.0 / 2.0, rel=1e-12)
    assert t_qual == pytest.approx(share * 0.81 * 3.0 / 6.0, rel=1e-12)


@pytest.mark.parametrize("per_unit", [False, True])
def test_an_outcome_share_values_quality_per_seat_or_per_unit_delivered(per_unit):
    # As above, with a cost u of each unit of demand not delivered: a unit of volume is worth
    # V_y + u to the client (plus V_q q when quality is valued per unit delivered), and a point of
    # quality V_q a seat, or V_q y per unit delivered, at the expected volume y and score q.
    share, delta, lag, unserved, y, q = 0.4, 0.9, 2, 1.5, 0.6, 0.7
    p = settings_from(["scheme=shared_outcome", f"scheme.share={share}", f"vendor.discount_factor={delta}",
                       f"market.outcome_lag={lag}", "vendor.cost_substitution=0.0", "vendor.cost_volume=2.0",
                       "vendor.cost_quality=6.0", "vendor.base_quality=0.5", "market.quality_ceiling=1.0",
                       *LINEAR_VALUE, *PAY_ONLY, f"client.unserved_cost={unserved}",
                       f"client.quality_per_unit={str(per_unit).lower()}"])
    t_vol, t_qual, *_ = best_response(_state(p, volume_expected=y, score_expected=q), p, SCALAR)
    v_volume = 2.0 + unserved + (3.0 * q if per_unit else 0.0)
    v_quality = 3.0 * (y if per_unit else 1.0)
    assert t_vol == pytest.approx(share * delta ** lag * v_volume / 2.0, rel=1e-12)
    assert t_qual == pytest.approx(share * delta ** lag * v_quality / 6.0, rel=1e-12)


def test_corner_cutting_under_an_outcome_share_pays_for_the_value_it_destroys():
    # Cutting corners on all work saves S and lowers true quality by l; under a share b of the
    # outcome (reported L weeks on, worth V_q a seat a quality point) the vendor loses
    # b delta**L V_q l of discounted pay. Nothing else moves the choice, so with a quadratic cost
    # c g^2 / 2 the target is g = (S - b delta**L V_q l) / c.
    share, delta, lag, saving, loss, cost = 0.4, 0.9, 1, 0.5, 0.2, 1.25
    p = settings_from(["scheme=shared_outcome", f"scheme.share={share}", f"vendor.discount_factor={delta}",
                       f"market.outcome_lag={lag}", *LINEAR_VALUE, *NO_GAMING_MOTIVES,
                       f"vendor.gaming_saving={saving}", f"vendor.gaming_quality_loss={loss}",
                       f"vendor.gaming_cost={cost}"])
    g = best_response(_state(p), p, SCALAR)[2]
    assert g == pytest.approx((saving - share * delta * 3.0 * loss) / cost, rel=1e-12)


# --- the honest margin and the value of going on --------------------------------------------------


def test_a_costlier_vendor_type_earns_its_extra_operating_cost_less_and_chooses_the_same_efforts():
    # A vendor type with operating costs f times the norm (vendor types, at heterogeneity > 0)
    # pays (f - 1) * operating_cost more a week per unit of demand; its efforts do not move, since
    # the operating cost is a fixed cost.
    p = settings_from(["scheme=per_volume", "vendor.operating_cost=0.3"])
    norm = best_response(_state(p, vendor_cost_factor=1.0), p, SCALAR)
    costly = best_response(_state(p, vendor_cost_factor=1.5), p, SCALAR)
    assert costly[:2] == norm[:2]
    assert norm[3] - costly[3] == pytest.approx(0.5 * 0.3, rel=1e-12)
    # And in the week's books: the vendor's cost in MU rises by base * (f - 1) * operating_cost.
    books = []
    for factor in (1.0, 1.5):
        st = _state(p, vendor_cost_factor=factor, effort_volume=0.5, effort_quality=0.2, volume_measured=0.5,
                    score=0.7, true_quality=0.7, volume=50.0)
        settle(st, p, SCALAR)
        books.append(st.vendor_cost)
    assert books[1] - books[0] == pytest.approx(100.0 * 0.5 * 0.3, rel=1e-12)


def _threat_setting(*extra):
    # Corner-cutting deterred by nothing but the threat of losing the contract when an audit finds
    # it: a certain termination for cause, an audit expected one week in a hundred, an open-ended
    # contract with weekly discount 0.96, so the relationship is worth 0.96 / 0.04 = 24 weeks of margin;
    # unthreatened, the vendor would cut corners on 4/5 of its work.
    return settings_from(["scheme=per_volume", "scheme.price=2.0", *NO_GAMING_MOTIVES, "vendor.gaming_saving=4.0",
                          "vendor.gaming_cost=5.0", "client.termination_on_detection=1.0",
                          "vendor.discount_factor=0.96", "client.contract_term=0", "client.review_period=13",
                          "vendor.risk_aversion=0.0", "client.renewal_base=0.5", *extra])


def test_the_threat_of_termination_weighs_the_margin_above_the_outside_option():
    belief, weeks, cost = 0.01, 0.96 / 0.04, 5.0
    honest = best_response(_state(_threat_setting(), audit_belief=belief), _threat_setting(), SCALAR)[3]
    assert honest > 0.2, honest
    targets = {}
    for outside in (0.0, 0.1, honest, honest + 0.5):
        p = _threat_setting(f"vendor.outside_option={outside}")
        targets[outside] = best_response(_state(p, audit_belief=belief), p, SCALAR)[2]
    unthreatened = _threat_setting("client.termination_on_detection=0.0")
    free = best_response(_state(unthreatened, audit_belief=belief), unthreatened, SCALAR)[2]
    assert 0.0 < targets[0.0] < targets[0.1] < free < 1.0, (targets, free)
    # Each MU of outside option is an MU less lost for each of the 24 discounted weeks, risked
    # with the chance of an audit, against the marginal cost of corner-cutting.
    assert targets[0.1] - targets[0.0] == pytest.approx(belief * 0.1 * weeks / cost, rel=1e-9)
    # A vendor that could earn as much elsewhere has nothing to lose by being thrown out.
    assert targets[honest] == pytest.approx(free, abs=1e-12)
    assert targets[honest + 0.5] == pytest.approx(free, abs=1e-12)


def test_a_one_week_term_without_reviews_still_threatens_termination():
    # No periodic reviews (review_period = 0), but a contract of one-week terms: the client can end
    # it for cause at the end of any week, so the threat deters as it does under reviews.
    targets = {}
    for termination in (0.0, 1.0):
        p = _threat_setting("client.review_period=0", "client.contract_term=1",
                            f"client.termination_on_detection={termination}")
        targets[termination] = best_response(_state(p, audit_belief=0.01), p, SCALAR)[2]
    assert 0.0 < targets[1.0] < targets[0.0], targets


# --- an SLA volume floor on a fixed fee: meet it with the least effort, or not at all -------------

# A fixed fee of 1.9 with an SLA floor; the vendor's unpaid motives pull volume and quality effort
# to the interior point K^-1 k of its cost curvature K (the fee does not move with effort).
FLOOR = ("scheme=fixed_fee", "scheme.fee=1.9", "vendor.cost_volume=2.0", "vendor.cost_substitution=0.5",
         "vendor.cost_quality=1.5", "vendor.intrinsic_volume=0.6", "vendor.intrinsic_quality=0.6",
         "vendor.engagement_motivation=0.0", "vendor.transparency_motivation=0.0", "vendor.context_quality=0.0",
         "vendor.improvement_quality=0.0", "vendor.base_quality=0.5", "market.quality_ceiling=1.0",
         "vendor.max_throughput=1.0", "client.quality_bonus_rate=0.4")
K = np.array([[2.0, 0.5], [0.5, 1.5]])


def _motives(tilt):
    # What a unit of each effort is worth to the vendor: its unpaid motives, and on a contract
    # re-weighted by `tilt` the quality bonus, 0.4 MU a score point at full tilt (pay linear in quality).
    return np.array([0.6, 0.6 + 0.4 * tilt])


def _floor_response(credit, demand, floor=0.9, margin=0.05, tilt=0.0):
    p = settings_from([*FLOOR, f"scheme.volume_floor={floor}", f"scheme.sla_margin={margin}",
                       f"scheme.sla_credit={credit}"])
    return best_response(_state(p, demand=demand, quality_tilt=tilt), p, SCALAR)[:2]


def _best_quality_effort_given(volume_effort, tilt=0.0):
    # The vendor's objective k't - t'Kt/2 over quality effort alone (the fee fixed), by a fine search.
    b = np.linspace(0.0, 0.5, 100_001)  # quality effort up to the ceiling: (1 - 0.5) per unit
    objective = _motives(tilt)[1] * b - 0.5 * (2.0 * K[0, 1] * volume_effort * b + K[1, 1] * b * b)
    return b[np.argmax(objective)]


@pytest.mark.parametrize("tilt", [0.0, 0.5])
def test_a_vendor_meets_a_volume_floor_exactly_when_the_credit_outweighs_the_effort_it_costs(tilt):
    # Moving volume effort from the smooth optimum t to r (the least that reaches the floor, the
    # quality effort re-optimised) loses (r - t1)^2 (K11 - K12^2 / K22) / 2 of the objective (the
    # quadratic's Schur complement): the floor is met when the credit saved, fee * credit, is more.
    # On a re-weighted contract the quality bonus is part of the pay and counts once.
    demand, level = 125.0, 0.95
    smooth = np.linalg.solve(K, _motives(tilt))
    reach = level / (demand / 100.0)
    loss = 0.5 * (reach - smooth[0]) ** 2 * (K[0, 0] - K[0, 1] ** 2 / K[1, 1])
    threshold = loss / 1.9
    assert 0.05 < threshold < 0.5 and 0.0 < smooth[1] < 0.5
    t_vol, t_qual = _floor_response(1.02 * threshold, demand, tilt=tilt)
    assert demand / 100.0 * t_vol == pytest.approx(level, rel=1e-12), "the floor plus its margin, no more"
    assert t_qual == pytest.approx(_best_quality_effort_given(t_vol, tilt), abs=1e-5)
    assert _floor_response(0.98 * threshold, demand, tilt=tilt) == pytest.approx(tuple(smooth), rel=1e-12)


@pytest.mark.parametrize("demand, floor, margin", [(125.0, 0.9, 0.05), (80.0, 0.6, 0.1), (1.2e-7, 1e-9, 1e-10)])
def test_the_least_effort_that_meets_a_volume_floor_delivers_the_floor_plus_its_margin(demand, floor, margin):
    # The whole fee at stake: well worth meeting, at any positive demand (even a demand a billionth
    # of the baseline, with a floor as small).
    t_vol, t_qual = _floor_response(1.0, demand, floor, margin)
    assert demand / 100.0 * t_vol == pytest.approx(floor + margin, rel=1e-9)
    assert t_qual == pytest.approx(_best_quality_effort_given(t_vol), abs=1e-5)


# --- the risk premium is (r/2) times the variance of the week's pay as the model produces it -------


@pytest.mark.parametrize("rates, noises", [
    # volume and score pay, measurement noises correlated
    ((0.8, 1.5, 0.0), dict(volume_noise=0.2, quality_noise=0.08, true_quality_noise=0.0, outcome_noise=0.0,
                           noise_correlation=0.6)),
    # outcome pay: the report's own noise and true quality's noise through the client's value
    ((0.0, 0.0, 0.5), dict(volume_noise=0.0, quality_noise=0.0, true_quality_noise=0.1, outcome_noise=0.15,
                           noise_correlation=0.0)),
    # every channel at once, negatively correlated measures
    ((0.6, 1.2, 0.4), dict(volume_noise=0.15, quality_noise=0.06, true_quality_noise=0.05, outcome_noise=0.1,
                           noise_correlation=-0.5)),
    # the score and the outcome moved by the same true-quality draw (with lag 0, covariance)
    ((0.0, 1.5, 0.5), dict(volume_noise=0.0, quality_noise=0.02, true_quality_noise=0.1, outcome_noise=0.05,
                           noise_correlation=0.0)),
])
@pytest.mark.parametrize("lag", [0, 1])
def test_the_risk_premium_is_half_the_risk_aversion_times_the_variance_of_produced_pay(rates, noises, lag):
    # Many independent weeks of the model's own production (produce) at fixed efforts, paid by a
    # linear contract: the sample variance of the pay they earn, times r/2, is the premium the
    # vendor charges for that contract. With the outcome reported a week later this week's
    # report and this week's score carry independent draws of true quality; reported the same
    # week (lag 0) they carry the same draw, and the premium counts their covariance.
    volume_rate, quality_rate, outcome_rate = rates
    risk, n = 0.7, 200_000
    p = settings_from(["scheme=linear", "scheme.fixed=0.0", f"scheme.volume_rate={volume_rate}",
                       f"scheme.quality_rate={quality_rate}", f"scheme.outcome_rate={outcome_rate}",
                       "vendor.risk_in_money=false", f"vendor.risk_aversion={risk}", f"market.outcome_lag={lag}",
                       "vendor.base_quality=0.5", "market.quality_ceiling=1.0", "market.pressure_quality_loss=0.0",
                       *LINEAR_VALUE, *(f"market.{k}={v}" for k, v in noises.items())])
    rng = np.random.default_rng(3)
    st = _state(p, effort_volume=0.6, effort_quality=0.0, gaming=0.0, verification=0.3, audited_quality=0.5,
                outcome_ring=[np.zeros(n) for _ in range(lag + 1)], outcome_pos=0)
    for _ in range(lag + 1):  # the last week's report is the first week's value
        produce(st, p, rng.standard_normal((4, n)), ARRAY)
    pay = contract_pay(st, p, st.volume_measured, st.score, st.outcome_reported, ARRAY)
    premium = pay_risk_premium(st, p, *contract_rates(st, p, SCALAR), 3.0)
    # The sample variance of n normal draws has a relative sd of sqrt(2 / n), 0.3% here.
    assert premium == pytest.approx(0.5 * risk * pay.var(), rel=0.015)


# --- production: the measures' noise and the outcome's lag ---------------------------------------


def test_measurement_noises_have_the_sds_and_the_correlation_they_are_given():
    n, rho = 200_000, 0.7
    p = settings_from(["market.volume_noise=0.2", "market.quality_noise=0.05", f"market.noise_correlation={rho}",
                       "market.true_quality_noise=0.0", "market.outcome_noise=0.3", "market.outcome_lag=0",
                       "vendor.base_quality=0.5", "market.pressure_quality_loss=0.0", "vendor.context_quality=0.0",
                       "vendor.improvement_quality=0.0", *LINEAR_VALUE])
    st = _state(p, effort_volume=0.6, effort_quality=0.0, gaming=0.0, verification=0.0,
                outcome_ring=[np.zeros(n)], outcome_pos=0)
    produce(st, p, np.random.default_rng(5).standard_normal((4, n)), ARRAY)
    volume_error = st.volume_measured - 0.6
    score_error = st.score - st.true_quality
    outcome_error = st.outcome_reported - (2.0 * 0.6 + 3.0 * 0.5)
    assert np.all(st.true_quality == 0.5)
    # Sample sds within 2% (their relative sd is 1 / sqrt(2n), 0.16%), correlation within 0.02.
    assert volume_error.std() == pytest.approx(0.2, rel=0.02)
    assert score_error.std() == pytest.approx(0.05, rel=0.02)
    assert outcome_error.std() == pytest.approx(0.3, rel=0.02)
    assert np.corrcoef(volume_error, score_error)[0, 1] == pytest.approx(rho, abs=0.02)
    assert abs(np.corrcoef(volume_error, outcome_error)[0, 1]) < 0.02


@pytest.mark.parametrize("lag", [0, 1, 2, 3])
def test_the_outcome_reported_is_the_value_delivered_lag_weeks_before(lag):
    # No noise: each week the vendor delivers a different volume at quality 0.6; the client values
    # volume at 2 and quality at 3 a seat (per unit of baseline demand at demand 1.5 times the
    # baseline: 2 y + 3 q). Until the first real outcome arrives the report is the start value.
    p = settings_from(["market.volume_noise=0.0", "market.quality_noise=0.0", "market.true_quality_noise=0.0",
                       "market.outcome_noise=0.0", f"market.outcome_lag={lag}", "vendor.base_quality=0.6",
                       "market.pressure_quality_loss=0.0", "vendor.max_throughput=10.0", *LINEAR_VALUE])
    start = -1.0
    st = _state(p, demand=150.0, effort_quality=0.0, gaming=0.0, outcome_ring=[start] * (lag + 1), outcome_pos=0)
    delivered, reported = [], []
    for week in range(8):
        st.effort_volume = 0.1 * (week + 1)
        produce(st, p, [0.0, 0.0, 0.0, 0.0], SCALAR)
        delivered.append(2.0 * 1.5 * st.effort_volume + 3.0 * 0.6)
        reported.append(st.outcome_reported)
    assert reported == pytest.approx([start] * lag + delivered[:8 - lag], rel=1e-12)


# --- payments: what the vendor feels is unfair --------------------------------------------------


@pytest.mark.parametrize("true_quality, score, unfair", [
    (0.8, 0.8 * 0.97, 0.0),   # paid 3% less than the truth earns, within a 5% tolerance
    (0.8, 0.8 * 0.92, 1.0),   # 8% less: unfair
    (0.8, 0.8, 0.0),          # paid on the truth itself, however little that is
    (0.7, 0.7 * 0.8, 0.0),    # 20% less, but true quality missed the target of 0.75
])
def test_a_penalty_is_unfair_when_true_quality_met_the_target_and_pay_fell_short_beyond_tolerance(
        true_quality, score, unfair):
    # A contract paying 1 MU per score point (so under 1 MU a week per unit of demand).
    p = settings_from(["scheme=linear", "scheme.fixed=0.0", "scheme.volume_rate=0.0", "scheme.quality_rate=1.0",
                       "scheme.outcome_rate=0.0", "vendor.unfair_tolerance=0.05", "client.quality_target=0.75"])
    st = _state(p, true_quality=true_quality, score=score, volume_measured=1.0, effort_volume=0.5,
                effort_quality=0.2, volume=100.0)
    settle(st, p, SCALAR)
    assert st.payments == pytest.approx(100.0 * score, rel=1e-12)
    assert st.unfair_penalty == unfair


# --- building a scheme from its settings -----------------------------------------------------------


def test_no_scheme_is_built_from_values_that_fail_their_checks():
    # A floor above the cap fails quality_weighted's own rule: the problem is named, and no scheme
    # comes back for a caller to run on anyway.
    from bposim.schemes import build_scheme
    problems = []
    assert build_scheme({"name": "quality_weighted", "floor": 1.2, "cap": 1.1}, problems) is None
    assert len(problems) == 1 and "scheme.floor = 1.2" in problems[0]
    problems = []
    assert build_scheme({"name": "quality_weighted", "floor": 1.1, "cap": 1.2}, problems) is not None and not problems


@pytest.mark.parametrize("shared_outcome, accepted", [
    (0.1, True),              # 0.7 + 0.1 + 0.1 + 0.1 is 0.9999999999999999 in floats: rounding only
    (0.1 + 1.2e-9, False),    # off by more than a billionth: not weights that add up to 1
    (0.1 - 1.2e-9, False),
])
def test_hybrid_weights_add_up_to_one_up_to_rounding_only(shared_outcome, accepted):
    from bposim.schemes import build_scheme
    problems = []
    build_scheme({"name": "hybrid", "fixed_fee": 0.7, "per_volume": 0.1, "quality_weighted": 0.1,
                  "shared_outcome": shared_outcome}, problems)
    assert (not problems) == accepted, problems


@pytest.mark.parametrize("slope, s", [
    (1.0, 0.52), (1.0, 0.6),   # the multiplier on its slope, the SLA threshold (0.5) near
    (3.0, 0.55),               # the multiplier at its floor (1 + 3 (0.55 - 0.75) < 0.5), the SLA near
    (3.0, 0.95),               # the multiplier at its cap (1 + 3 (0.95 - 0.75) > 1.3)
])
def test_quality_weighted_quality_rate_is_the_slope_of_expected_pay_through_the_sla(slope, s):
    # With normal score noise sigma the week's expected pay is the pay without the SLA times
    # 1 - credit * P(score < threshold), P from scipy's normal CDF (the scheme approximates it);
    # the quality rate the vendor reads is its slope in the score, here by a central difference.
    from scipy.stats import norm

    from bposim.schemes import build_scheme
    terms = {"name": "quality_weighted", "price": 2.0, "target": 0.75, "slope": slope, "floor": 0.5, "cap": 1.3}
    with_sla = build_scheme({**terms, "sla_threshold": 0.5, "sla_credit": 0.2}, [])
    without = build_scheme({**terms, "sla_threshold": 0.0}, [])
    y, sigma, h = 0.9, 0.05, 1e-6

    def expected_pay(score):
        return without.pay(y, score, 0.0, SCALAR) * (1.0 - 0.2 * norm.cdf((0.5 - score) / sigma))

    slope_of_pay = (expected_pay(s + h) - expected_pay(s - h)) / (2 * h)
    # Polya's approximation of P is within 0.003: 2 * 0.9 * 3 * 0.2 * 0.003 at most in the slope.
    assert with_sla.rates(y, s, sigma, SCALAR).quality == pytest.approx(slope_of_pay, abs=0.004)
