"""Contract economics (#12): the horizon, the contract's term and renewal, risk in money and
participation pricing, each pinned by direction and rough size on simulated outcomes.

Every comparison is paired: two configurations that differ only in the lever, on the same seed
(common random numbers), and the 95% t interval of the paired differences over replications
must exclude zero in the expected direction. Unit-level checks call one weekly phase on one
relationship's floats.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

import bposim
from bposim.analysis.stats import mean_ci
from bposim.config import settings_from
from bposim.dynamics.reviews import end_of_term, review
from bposim.ops import SCALAR
from test_mechanisms import scalar_state  # one relationship's floats at contract start

SEED = 11
REPS = 20


@lru_cache(maxsize=None)
def _simulate(overrides: tuple[str, ...], reps: int, seed: int) -> bposim.SimulationResult:
    return bposim.simulate([*overrides, f"seed={seed}"], replications=reps)


def summary(*overrides: str, reps: int = REPS, seed: int = SEED) -> pd.DataFrame:
    return _simulate(tuple(overrides), reps, seed).summary.sort_values("replication")


def paired(a: pd.DataFrame, b: pd.DataFrame, column: str) -> tuple[float, float, float]:
    """Mean and 95% CI of a - b over paired replications."""
    mean, lo, hi, _ = mean_ci(a[column].to_numpy() - b[column].to_numpy())
    return mean, lo, hi


def assert_lower(a, b, column, what):
    mean, lo, hi = paired(a, b, column)
    assert hi < 0, f"{what}: {column} difference {mean:.4g}, 95% CI [{lo:.4g}, {hi:.4g}] does not exclude 0"
    return mean


def assert_higher(a, b, column, what):
    mean, lo, hi = paired(a, b, column)
    assert lo > 0, f"{what}: {column} difference {mean:.4g}, 95% CI [{lo:.4g}, {hi:.4g}] does not exclude 0"
    return mean


# --- 1. The horizon ----------------------------------------------------------------------------


def test_the_weekly_factor_is_derived_from_the_annual_rate_unless_set():
    rate = 0.3
    derived = summary("vendor.discount_factor=-1", f"vendor.annual_discount_rate={rate}", reps=3)
    direct = summary(f"vendor.discount_factor={(1 + rate) ** (-1 / 52)!r}", "vendor.annual_discount_rate=5", reps=3)
    pd.testing.assert_frame_equal(derived.reset_index(drop=True), direct.reset_index(drop=True))


def test_a_longer_horizon_means_less_gaming():
    common = ("scheme=quality_weighted", "vendor.discount_factor=-1")
    patient = summary(*common, "vendor.annual_discount_rate=0.05")
    impatient = summary(*common, "vendor.annual_discount_rate=1.0")
    drop = assert_lower(patient, impatient, "gaming", "5% a year against 100% a year")
    # Rough size: the patient vendor cuts corners on well under three quarters as much work.
    assert -drop > 0.25 * impatient.gaming.mean()


def test_a_contract_term_gives_the_relationship_value_without_quarterly_reviews():
    # Without reviews and without a term, nothing can end the contract: the relationship is
    # worth nothing at risk, so only the clawback deters. With a term the client can decline
    # to renew (and does, for cause), so the vendor has something to lose.
    common = ("scheme=per_volume", "client.review_period=0")
    with_term = summary(*common, "client.contract_term=156", "steps=312")
    open_ended = summary(*common, "client.contract_term=0", "steps=312")
    drop = assert_lower(with_term, open_ended, "gaming", "term 156 weeks against none")
    assert -drop > 0.5 * open_ended.gaming.mean()


def test_a_longer_term_means_less_gaming():
    # No cool-off: a term ended for corner-cutting found would otherwise bar the vendor, and the
    # weeks worked in-house (no vendor, no gaming) would dilute the short terms' gaming.
    common = ("scheme=per_volume", "client.review_period=0", "vendor.discount_factor=-1",
              "client.renewal_base=0", "client.renewal_trust=0", "client.cool_off=0")
    long_term = summary(*common, "client.contract_term=104")
    short_term = summary(*common, "client.contract_term=13")
    drop = assert_lower(long_term, short_term, "gaming", "104-week term against 13 weeks, never renewed")
    assert -drop > 0.5 * short_term.gaming.mean()


def test_a_likelier_renewal_means_less_gaming():
    common = ("scheme=per_volume", "client.review_period=0", "client.contract_term=26", "vendor.discount_factor=-1")
    sure = summary(*common, "client.renewal_base=1")
    never = summary(*common, "client.renewal_base=0", "client.renewal_trust=0")
    assert_lower(sure, never, "gaming", "renewal certain against never")


def test_contracts_end_at_term_unless_renewed():
    # Never renewed: every relationship switches vendor exactly at the end of each 26-week term.
    never = bposim.simulate(["client.review_period=0", "client.contract_term=26", "client.renewal_base=0",
                             "client.renewal_trust=0", "steps=104", "record.relationships=all"], replications=2)
    rel = never.relationships
    assert set(rel.loc[rel.switches > 0, "step"]) == {26, 52, 78, 104}
    assert (rel.loc[rel.step.isin([26, 52, 78, 104]), "switches"] == 1).all()
    # Always renewed and never ended for cause: no switch at all.
    always = summary("client.review_period=0", "client.contract_term=26", "client.renewal_base=1",
                     "client.review_terminate=false", reps=2)
    assert (always.switches == 0).all()


def test_renewal_chance_rises_with_trust():
    p = settings_from(None, {"client.contract_term": 26, "client.review_period": 0,
                             "client.renewal_base": 0.2, "client.renewal_trust": 0.6})
    u = np.linspace(0.0, 1.0, 2001)[:-1]
    renewed = {}
    for trust in (0.0, 0.5, 1.0):
        kept = 0
        for x in u:
            st = scalar_state(p, tenure=26.0, trust_in_vendor=trust)
            end_of_term(st, p, [x, 0.5], 2, SCALAR)
            kept += st.switches == 0.0
        renewed[trust] = kept / u.size
    assert renewed[0.0] < renewed[0.5] < renewed[1.0]
    assert abs(renewed[0.0] - 0.2) < 1e-3 and abs(renewed[1.0] - 0.8) < 1e-3


def test_without_reviews_gaming_found_in_the_term_is_a_cause_not_to_renew():
    p = settings_from(None, {"client.contract_term": 26, "client.review_period": 0, "client.renewal_base": 1.0,
                             "client.termination_on_detection": 1.0})
    clean = scalar_state(p, tenure=26.0)
    end_of_term(clean, p, [0.5, 0.5], 2, SCALAR)
    caught = scalar_state(p, tenure=26.0, term_detected=1.0)
    end_of_term(caught, p, [0.5, 0.5], 2, SCALAR)
    assert clean.switches == 0.0 and caught.switches == 1.0


# --- 2. Risk in money and participation ----------------------------------------------------------

PARTICIPATION = ("scheme.pricing=participation", "vendor.risk_in_money=true")


def _first_week_pay(*overrides: str, reps: int = REPS) -> pd.DataFrame:
    rel = bposim.simulate([*overrides, f"seed={SEED}", "steps=2", "record.relationships=all"],
                          replications=reps).relationships
    return rel[rel.step == 1].sort_values(["replication", "relationship"]).reset_index(drop=True)


def test_more_risk_aversion_raises_the_fixed_fee_under_participation():
    common = ("scheme=shared_outcome", *PARTICIPATION, "market.client_size_spread=0")
    averse = _first_week_pay(*common, "vendor.risk_aversion=0.05")
    neutral = _first_week_pay(*common, "vendor.risk_aversion=0")
    # Same seed, same first week: the only difference in pay is the fixed part set at signing.
    extra = averse.payments - neutral.payments
    mean, lo, hi, _ = mean_ci(extra)
    assert lo > 0, f"fixed fee rise {mean:.4g}, CI [{lo:.4g}, {hi:.4g}]"
    # Rough size: about the risk premium r/2 Var(pay) of the outcome share, in MU a week.
    p = settings_from(None, {"scheme": "shared_outcome"})
    share, noise = p.scheme.params.share, p.market.outcome_noise
    premium = 0.5 * 0.05 * (share * noise * averse.demand.mean()) ** 2
    assert 0.7 * premium < mean < 1.5 * premium


def test_more_risk_aversion_lowers_the_client_value_of_outcome_sharing_under_participation():
    common = ("scheme=shared_outcome", *PARTICIPATION)
    averse = summary(*common, "vendor.risk_aversion=0.05")
    neutral = summary(*common, "vendor.risk_aversion=0")
    assert_lower(averse, neutral, "client_net_value", "risk-averse vendor under outcome sharing")


def test_risk_in_money_makes_a_bigger_contract_riskier_per_unit():
    def premium_per_unit(base_demand):
        common = ("scheme=shared_outcome", *PARTICIPATION, "market.client_size_spread=0",
                  f"market.base_demand={base_demand}")
        averse = _first_week_pay(*common, "vendor.risk_aversion=0.05", reps=4)
        neutral = _first_week_pay(*common, "vendor.risk_aversion=0", reps=4)
        return float(((averse.payments - neutral.payments) / base_demand).mean())
    small, big = premium_per_unit(50.0), premium_per_unit(100.0)
    assert abs(big / small - 2.0) < 0.05


def test_the_vendor_walks_away_on_its_certainty_equivalent_in_money():
    # A period whose margin beats the outside option, but not once the risk carried is counted.
    def loss_reviews(in_money: bool) -> float:
        p = settings_from(None, {"vendor.risk_in_money": in_money, "vendor.outside_option": 0.1})
        st = scalar_state(p, period_margin=0.1 * 100.0 * 13 + 50.0, period_risk=80.0, period_net=1.0)
        review(st, p, [0.99, 0.5], 2, SCALAR)
        return st.loss_reviews
    assert loss_reviews(True) == 1.0 and loss_reviews(False) == 0.0


def test_as_written_pricing_keeps_the_schemes_terms():
    # As written no fixed part is ever added (through signing and a renewal); participation, the
    # default, adds one at signing.
    def fixed_parts(*overrides):
        m = bposim.BPOModel(bposim.compose(["scheme=per_volume", "client.contract_term=13", "steps=20", *overrides]),
                            replications=2, collect=False, engine="array")
        for _ in range(m.n_steps):
            m.advance_week()
        return m.state.fixed_pay
    assert (fixed_parts("scheme.pricing=as_written") == 0.0).all()
    assert (fixed_parts() != 0.0).all()


# --- 3. Reviews both ways --------------------------------------------------------------------------


def _final_terms(*overrides: str, reps: int = REPS):
    """The client's contract terms after the run, per replication (mean over relationships)."""
    m = bposim.BPOModel(bposim.compose([*overrides, f"seed={SEED}"]), replications=reps, collect=False, engine="array")
    for _ in range(m.n_steps):
        m.advance_week()
    return m.state.verification.mean(axis=1), m.state.audit_boost.mean(axis=1)


def test_reviews_relax_the_reweighting_after_clean_periods():
    relaxing, _ = _final_terms("scheme=quality_weighted")  # the default relax_step, 0.25
    ratchet, _ = _final_terms("scheme=quality_weighted", "client.relax_step=0")
    mean, lo, hi, _ = mean_ci(relaxing - ratchet)
    assert hi < 0, f"verification difference {mean:.3g}, CI [{lo:.3g}, {hi:.3g}]"
    assert -mean > 0.2 * ratchet.mean()  # rough size: a fifth or more of the re-weighting undone


def test_reviews_relax_audits_after_clean_periods_by_default():
    _, relaxing = _final_terms("scheme=quality_weighted")  # the default audit_relax_step, 1.5
    _, ratchet = _final_terms("scheme=quality_weighted", "client.audit_relax_step=1")
    mean, lo, hi, _ = mean_ci(relaxing - ratchet)
    assert hi < 0, f"audit boost difference {mean:.3g}, CI [{lo:.3g}, {hi:.3g}]"
    assert -mean > 0.2 * (ratchet.mean() - 1.0)  # rough size: a fifth or more of the boost undone


def test_reviews_relax_audits_faster_at_a_higher_relax_rate():
    _, fast_relax = _final_terms("scheme=quality_weighted", "client.audit_relax_step=3")
    _, no_relax = _final_terms("scheme=quality_weighted", "client.audit_relax_step=1")
    mean, lo, hi, _ = mean_ci(fast_relax - no_relax)
    assert hi < 0, f"audit boost difference {mean:.3g}, CI [{lo:.3g}, {hi:.3g}]"


def test_a_clean_review_relaxes_and_a_drifting_one_tightens():
    p = settings_from(None, {"client.relax_step": 0.5, "client.audit_relax_step": 2.0})
    terms = dict(verification=0.6, quality_tilt=0.4, audit_boost=3.0, trust_in_vendor=0.8, period_net=1.0,
                 period_margin=1e4)
    clean = scalar_state(p, **terms, period_audits=2.0, period_gap=0.0)
    review(clean, p, [0.99, 0.5], 2, SCALAR)
    assert (clean.verification, clean.quality_tilt, clean.audit_boost) == (0.3, 0.2, 1.5)
    unseen = scalar_state(p, **terms)  # no audit in the period: nothing shows it clean
    review(unseen, p, [0.99, 0.5], 2, SCALAR)
    assert (unseen.verification, unseen.quality_tilt, unseen.audit_boost) == (0.6, 0.4, 3.0)
    drifting = scalar_state(p, **terms, period_audits=2.0, period_gap=1.0)
    review(drifting, p, [0.99, 0.5], 2, SCALAR)
    assert drifting.verification > 0.6 and drifting.quality_tilt > 0.4 and drifting.audit_boost > 3.0


# --- 5. The client's value function -----------------------------------------------------------------


def test_unserved_demand_costs_the_client():
    costly = summary("scheme=fixed_fee")  # the default: 1 MU a unit of demand not delivered
    free = summary("scheme=fixed_fee", "client.unserved_cost=0")
    loss = assert_lower(costly, free, "client_net_value", "unserved demand at 1 MU a unit")
    # Rough size: about 1 MU per unit of demand the record shows unserved.
    unserved = float((free.demand - free.volume).mean())
    assert 0.7 * unserved < -loss < 1.1 * unserved


def test_quality_valued_per_unit_delivered_costs_a_fixed_fee_that_leaves_demand_undone():
    # Per seat (the earlier model) quality was worth the same whatever share of demand a vendor
    # delivered; per unit delivered, a quarter left undone takes a quarter of the quality value.
    common = ("scheme=fixed_fee", "client.unserved_cost=0")
    per_unit, per_seat = summary(*common), summary(*common, "client.quality_per_unit=false")
    loss = assert_lower(per_unit, per_seat, "client_net_value", "quality valued per unit delivered")
    # Rough size: value_quality x quality x units not delivered (the outcome's reading moves a little).
    c = bposim.compose([]).client
    undone = float(((per_seat.demand - per_seat.volume) * per_seat.true_quality).mean()) * c.value_quality
    assert 0.7 * undone < -loss < 1.3 * undone


def test_rework_per_defect_costs_the_client():
    assert_lower(summary("scheme=per_volume", "client.rework_cost=2.0"), summary("scheme=per_volume"),
                 "client_net_value", "rework at 2 MU a defective unit")


def test_an_outcome_that_counts_unserved_demand_buys_volume_under_outcome_sharing():
    # Quality valued per seat: per unit delivered (the default) the outcome already pulls volume
    # to the throughput cap (98.7% of demand served), where no further pull can show.
    common = ("scheme=shared_outcome", "client.quality_per_unit=false")
    assert_higher(summary(*common, "client.unserved_cost=2.0"), summary(*common, "client.unserved_cost=0"),
                  "volume", "outcome share with unserved demand in the outcome")


def test_a_volume_floor_makes_a_fixed_fee_vendor_deliver_when_the_credit_outweighs_the_effort():
    # Without the pull of the work queue (intrinsic_volume = 0) nothing in a fixed fee asks for volume.
    common = ("scheme=fixed_fee", "vendor.intrinsic_volume=0", "scheme.volume_floor=0.9")
    none = summary("scheme=fixed_fee", "vendor.intrinsic_volume=0")
    full_credit = summary(*common, "scheme.sla_credit=1.0")
    assert_higher(full_credit, none, "volume", "fixed fee with a 90% volume SLA, whole fee at stake")
    share = lambda s: float(s.volume.sum() / s.demand.sum())  # noqa: E731
    assert share(none) < 0.05 and share(full_credit) > 0.6
    # A credit worth less than the effort of reaching the floor (0.2 x 1.9 MU against about
    # 0.95 MU of effort a unit of demand) is not worth meeting: the vendor takes the credit.
    small_credit = summary(*common, "scheme.sla_credit=0.2")
    assert share(small_credit) < 0.05


def test_both_engines_agree_with_terms_participation_and_risk_in_money():
    overrides = ["client.contract_term=26", "market.n_clients=1", "market.n_vendors=2", "steps=120",
                 "scheme.pricing=participation", "vendor.risk_in_money=true", "vendor.discount_factor=-1"]
    models = [bposim.BPOModel(bposim.compose(overrides), replications=2, engine=e, collect=False)
              for e in ("array", "agents")]
    for _ in range(120):
        for m in models:
            m.advance_week()
    for name in ("fixed_pay", "vendor_id", "tenure", "trust_in_vendor", "gaming", "period_risk"):
        np.testing.assert_allclose(getattr(models[0].state, name), getattr(models[1].state, name), atol=1e-9)


# --- 2b. The relational premium (scheme.premium) ---------------------------------------------------


def test_participation_leaves_the_vendor_exactly_the_premium_above_its_outside_option():
    # A fixed fee with no gaming and no noise in what it pays: the first week's pay differs
    # only by the fixed part participation sets, which moves one for one with the premium.
    common = ("scheme=fixed_fee", "vendor.decision_noise=0", "vendor.gaming_saving=0",
              "market.client_size_spread=0", "client.audit_rate=0")
    rent = _first_week_pay(*common, "scheme.premium=0.5", reps=3)
    none = _first_week_pay(*common, "scheme.premium=0", reps=3)
    base = settings_from(None).market.base_demand
    np.testing.assert_allclose(rent.payments - none.payments, 0.5 * base, rtol=1e-9)


def test_the_relational_premium_deters_gaming_under_participation():
    # Klein-Leffler: at premium 0 the vendor loses nothing with the contract, so only the
    # clawback and its aversion hold gaming back; the premium is what termination takes away.
    rent = summary("scheme=quality_weighted", "scheme.premium=0.5")
    none = summary("scheme=quality_weighted", "scheme.premium=0")
    drop = assert_lower(rent, none, "gaming", "premium 0.5 against 0")
    assert -drop > 0.5 * none.gaming.mean()  # rough size: less than half the gaming


def test_a_longer_horizon_means_less_gaming_at_the_default_terms():
    # The default contract (participation with the premium, a 156-week term): the premium's
    # value over the term and renewals grows as the vendor discounts less (5% against 30% a year).
    # The effect is half a point of corner-cutting (-0.006 under either trust model), which 20
    # replications only just tell from noise: 60 do (95% CI about [-0.008, -0.004]).
    patient = summary("scheme=per_volume", "scheme.premium=0.2", "vendor.annual_discount_rate=0.05", reps=60)
    impatient = summary("scheme=per_volume", "scheme.premium=0.2", "vendor.annual_discount_rate=0.3", reps=60)
    assert_lower(patient, impatient, "gaming", "5% a year against 30% a year")
