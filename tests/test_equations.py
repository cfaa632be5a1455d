"""Equations checked against an independent computation: a brute-force search, a numerical
derivative, an explicit sum or a truth table, never the same formula written again.

Each test here closes a gap the mutation check (benchmarks/mutation.py) found: a mutant of
the equation that no other test noticed.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from bposim.config import settings_from
from bposim.dynamics.contract import client_value, client_value_slopes, relationship_weeks
from bposim.dynamics.decisions import box_best_response
from bposim.dynamics.reviews import review
from bposim.ops import ARRAY, SCALAR
from bposim.state import RelationshipState
from crn import per_replication, run, scalar_state

SEED = 11
REPS = 10


# --- the vendor's effort choice: a box-constrained quadratic program -----------------------------


def test_box_best_response_is_the_best_point_of_the_box():
    rng = np.random.default_rng(7)
    for _ in range(300):
        k11, k22 = rng.uniform(0.5, 3.0, 2)
        k12 = rng.uniform(-0.9, 0.9) * math.sqrt(k11 * k22)
        m1, m2 = rng.uniform(-1.0, 3.0, 2)
        u1, u2 = rng.uniform(0.05, 2.0, 2)
        t1, t2 = box_best_response(k11, k12, k22, m1, m2, u1, u2, SCALAR)

        def value(a, b):
            return m1 * a + m2 * b - 0.5 * (k11 * a * a + 2 * k12 * a * b + k22 * b * b)

        grid1, grid2 = np.meshgrid(np.linspace(0, u1, 201), np.linspace(0, u2, 201))
        best = value(grid1, grid2).max()
        assert -1e-12 <= t1 <= u1 + 1e-12 and -1e-12 <= t2 <= u2 + 1e-12
        assert value(t1, t2) >= best - 1e-9, (k11, k12, k22, m1, m2, u1, u2)
    # The same on arrays (the engine's path, with its shortcut for the capacity corner).
    k = dict(k11=2.0, k12=0.5, k22=1.0)
    m1, m2 = np.array([4.0, 0.2, 3.0]), np.array([0.5, 0.1, -1.0])
    u1, u2 = np.array([1.0, 1.0, 1.0]), np.array([0.5, 0.5, 0.5])
    t1, t2 = box_best_response(k["k11"], k["k12"], k["k22"], m1, m2, u1, u2, ARRAY)
    for i in range(3):
        one = box_best_response(k["k11"], k["k12"], k["k22"], m1[i], m2[i], u1[i], u2[i], SCALAR)
        assert (t1[i], t2[i]) == pytest.approx(one)


# --- the value of the relationship going on --------------------------------------------------------


@pytest.mark.parametrize("term, tenure, trust", [(0, 5.0, 0.5), (1, 3.0, 0.5), (13, 0.0, 0.5), (13, 7.0, 0.9),
                                                 (52, 51.0, 0.2)])
def test_relationship_weeks_is_the_discounted_sum_of_the_weeks_to_come(term, tenure, trust):
    p = settings_from([f"client.contract_term={term}", "client.renewal_base=0.3", "client.renewal_trust=0.6"])
    c, delta = p.client, 0.97
    st = scalar_state(p, tenure=tenure, trust_in_vendor=trust)
    rho = min(c.renewal_base + c.renewal_trust * trust, 1.0) if term else 1.0
    # Week k after this one is still in the relationship with chance rho ** (renewals needed by then).
    left = term - 1 - int(tenure) % term if term else 10 ** 9
    total = sum(delta ** k * rho ** (0 if k <= left else 1 + (k - left - 1) // term) for k in range(1, 6000))
    assert relationship_weeks(st, c, delta, SCALAR) == pytest.approx(total, rel=1e-9)


# --- the client's value function and its slopes ------------------------------------------------------


@pytest.mark.parametrize("overrides", [
    ["client.rework_cost=0.4"], ["client.unserved_cost=0.7"], ["client.quality_per_unit=true"],
    ["client.rework_cost=0.4", "client.unserved_cost=0.7", "client.quality_per_unit=true"],
])
@pytest.mark.parametrize("y, q", [(0.9, 0.7), (0.5, 0.95)])
def test_client_value_slopes_are_the_derivatives_of_client_value(overrides, y, q):
    c = settings_from(overrides).client
    h, d = 1e-6, 1.2
    slopes = client_value_slopes(c, y, q)
    numeric = ((client_value(c, y + h, q, d, 1.0) - client_value(c, y - h, q, d, 1.0)) / (2 * h),
               (client_value(c, y, q + h, d, 1.0) - client_value(c, y, q - h, d, 1.0)) / (2 * h))
    assert slopes == pytest.approx(numeric, abs=1e-6)


# --- reviews: re-pricing and the vendor walking away ----------------------------------------------


@pytest.mark.parametrize("vendor_margin, client_net, expected", [
    (5.0, 5.0, 1.0),      # both earn: the price holds
    (-5.0, 5.0, 1.1),     # only the vendor loses: the price rises a step
    (5.0, -5.0, 0.9),     # only the client loses: the price is cut a step
    (-5.0, -5.0, 1.0),    # both lose: re-pricing cannot help either
])
@pytest.mark.parametrize("reprice", [True, False])
def test_reviews_reprice_only_for_the_side_that_loses(vendor_margin, client_net, expected, reprice):
    p = settings_from(["client.reprice_step=0.1", f"client.review_reprice={str(reprice).lower()}",
                       "vendor.exit_patience=0"])
    st = scalar_state(p, trust_in_vendor=0.8, period_margin=vendor_margin, period_net=client_net)
    review(st, p, (0.99, 0.3), 2, SCALAR)
    assert st.switches == 0.0
    assert st.price_factor == pytest.approx(expected if reprice else 1.0)
    assert st.price_cut == (1.0 if reprice and expected < 1.0 else 0.0)


@pytest.mark.parametrize("patience", [0, 1, 2])
def test_a_vendor_losing_money_walks_away_after_its_patience_runs_out(patience):
    p = settings_from([f"vendor.exit_patience={patience}", "client.review_reprice=false"])
    st = scalar_state(p, trust_in_vendor=0.8)
    walked = []
    for _ in range(4):
        st.period_margin, st.period_net = -10.0, 5.0
        review(st, p, (0.99, 0.3), 2, SCALAR)
        walked.append(st.switches)
    # A new team starts with no losing reviews behind it: a patience of one walks at every review.
    assert walked == {0: [0.0] * 4, 1: [1.0] * 4, 2: [0.0, 1.0, 0.0, 1.0]}[patience]


@pytest.mark.parametrize("walks", [False, True])
def test_a_clean_review_relaxes_the_terms_only_of_a_contract_that_goes_on(walks):
    # A clean period (audited, no drift, trust not low) undoes client.relax_step of the
    # re-weighting, at the review of a contract that goes on; a vendor that walks away at that
    # review ends the contract, and its terms are not relaxed on the way out.
    p = settings_from(["vendor.exit_patience=1", "client.review_reprice=false", "client.relax_step=0.25"])
    st = scalar_state(p, trust_in_vendor=0.8, verification=0.4, quality_tilt=0.6)
    st.period_audits, st.period_gap, st.period_detected = 3.0, 0.0, 0.0
    st.period_margin, st.period_net = (-10.0 if walks else 10.0), 5.0
    review(st, p, (0.99, 0.3), 2, SCALAR)
    assert st.switches == (1.0 if walks else 0.0)
    assert (st.verification, st.quality_tilt) == ((0.4, 0.6) if walks else pytest.approx((0.3, 0.45), rel=1e-12))


def test_a_review_leaves_work_done_in_house_alone():
    # Work the client has taken in-house has no contract to review: however low the trust and
    # however drifting the period, a review neither ends it (no switch, no switching cost) nor
    # re-weights terms; the spell runs its client.inhouse_weeks.
    p = settings_from(["client.review_reprice=false"])
    st = scalar_state(p, trust_in_vendor=0.05, verification=0.4, quality_tilt=0.6, in_house=1.0)
    st.period_audits, st.period_gap, st.period_detected = 3.0, 3.0, 2.0
    st.period_margin, st.period_net = -10.0, 5.0
    review(st, p, (0.0, 0.3), 2, SCALAR)
    assert (st.switches, st.switch_cost, st.ended_for_cause) == (0.0, 0.0, 0.0)
    assert (st.verification, st.quality_tilt) == (0.4, 0.6)


# --- feedback, context, demand and decision noise, on simulated weeks --------------------------------


def test_items_are_raised_at_the_chance_the_equation_gives():
    # No shortfall term: an item is raised with chance feedback_base, plus feedback_on_incident
    # in a week with a missed break or an escalation (both recorded per relationship-week).
    # Frequent breaks the vendor seldom flags make weeks with an incident common whatever the scheme.
    rel = run("client.feedback_base=0.2", "client.feedback_rate=0", "client.feedback_on_incident=0.3",
              "client.break_rate=0.3", "vendor.proactivity_base=-5", reps=REPS, seed=SEED).relationships
    incident = (rel.breaks_missed + rel.escalations) > 0
    assert incident.mean() > 0.05
    expected = 0.2 + 0.3 * incident.to_numpy()
    gap = per_replication(rel.assign(x=rel.feedback_given - expected), "x")
    assert abs(gap.mean()) < 3 * gap.std(ddof=1) / math.sqrt(REPS) + 0.005, gap
    silent = run("client.feedback_base=0", "client.feedback_rate=0", "client.feedback_on_incident=0",
                 reps=2, seed=SEED).relationships
    assert (silent.feedback_given == 0).all()


def test_context_grows_as_the_learning_equation_says_when_fully_shared():
    # Full sharing: no decay, so context after t weeks is 1 - (1 - growth) ** t exactly. Neither
    # reviews nor the end of a term may switch the team (which restarts its context).
    kept = ("client.context_sharing=1.0", "client.early_planning=0.5", "client.review_period=0", "client.contract_term=0")
    rel = run(*kept, reps=2, seed=SEED).relationships
    c = run(*kept, reps=2, seed=SEED).settings.client
    growth = c.context_learning_shared + c.context_learning_planning * 0.5 + c.context_learning_tenure
    np.testing.assert_allclose(rel.context, 1.0 - (1.0 - growth) ** rel.step, rtol=1e-9)


def test_demand_noise_keeps_mean_demand():
    # Lognormal noise with mean one: noisy demand is on average the noiseless demand.
    noisy = run("market.demand_noise=0.8", reps=40, seed=SEED).relationships
    quiet = run("market.demand_noise=0", reps=40, seed=SEED).relationships
    ratio = per_replication(noisy, "demand") / per_replication(quiet, "demand")
    # exp(-0.16) = 0.85 if the correction were 0.75 sigma^2 instead of 0.5 sigma^2.
    assert ratio.mean() == pytest.approx(1.0, abs=0.05)


def test_decision_noise_has_the_sd_it_is_given():
    # Full rationality with a constant interior best response (g* = gaming_saving / gaming_cost),
    # so this week's gaming is g* plus decision noise.
    ts = run("scenario=hm87", "steps=200", "vendor.decision_noise=0.05", "vendor.gaming_saving=0.5",
             "vendor.gaming_cost=1.0", "record.relationships=all", reps=4, seed=SEED).relationships
    assert ts.gaming.std() == pytest.approx(0.05, rel=0.1) and ts.gaming.mean() == pytest.approx(0.5, abs=0.01)
    assert ts.effort_volume.std() == pytest.approx(0.05, rel=0.1)


@pytest.mark.parametrize("term", [0, 13])
def test_a_term_opens_at_a_new_contract_and_at_each_renewal(term):
    from bposim.dynamics.contract import contract_starts
    c = settings_from([f"client.contract_term={term}"]).client
    opens = [t for t in range(40) if contract_starts(RelationshipState(tenure=float(t)), c, SCALAR)]
    assert opens == ([0] if term == 0 else [0, 13, 26, 39])


def test_the_termination_chance_the_vendor_fears_is_a_probability():
    # termination_on_detection + warning_risk can pass 1; the chance of losing the contract
    # cannot, so a warning on top of a certain termination deters no further.
    from bposim.dynamics.decisions import best_response
    # A short horizon (weekly factor 0.96, open-ended), so the vendor games part of its work.
    p = settings_from(["scheme=per_volume", "client.termination_on_detection=1.0", "vendor.gaming_saving=5.0",
                       "vendor.gaming_cost=5", "vendor.discount_factor=0.96", "client.contract_term=0"])
    choices = []
    for warning in (0.0, 0.6):
        st = scalar_state(p, demand=100.0, attention=1.0, warning_risk=warning, audit_belief=0.2, engagement=0.5)
        choices.append(best_response(st, p, SCALAR)[2])
    assert 0.0 < choices[0] < 1.0, choices
    assert choices[1] == pytest.approx(choices[0], abs=1e-12)


def test_the_gaming_target_is_a_share_of_the_work_at_most_all_of_it():
    # A saving far above every cost of corner-cutting: the vendor cuts corners on all its work,
    # not on more than all of it.
    from bposim.dynamics.decisions import best_response
    p = settings_from(["scheme=per_volume", "vendor.gaming_saving=50.0", "vendor.gaming_cost=1"])
    st = scalar_state(p, demand=100.0, attention=1.0, audit_belief=0.0, engagement=0.5)
    assert best_response(st, p, SCALAR)[2] == 1.0


def test_a_vendor_sure_of_an_audit_every_week_sees_nothing_to_gain_from_inflating_the_score():
    # Audited weeks pay on the truth, so the gain from gaming a quality score scales with the
    # chance of a week going unaudited: none at an audit belief of 1, all of it at 0. Every other
    # reason to cut corners (saving, throughput, sanctions, aversion, quality loss) is off.
    from bposim.dynamics.decisions import best_response
    rate, gameability, cost = 0.5, 0.6, 2.0
    p = settings_from(["scheme=linear", f"scheme.quality_rate={rate}", "scheme.volume_rate=0.0",
                       "vendor.gaming_saving=0.0", "vendor.gaming_throughput=0.0", "vendor.gaming_quality_loss=0.0",
                       f"vendor.metric_gameability={gameability}", f"vendor.gaming_cost={cost}",
                       "vendor.gaming_aversion=0.0", "vendor.engagement_aversion=0.0",
                       "client.gaming_sanction=0.0", "client.termination_on_detection=0.0"])
    targets = {}
    for belief in (0.0, 0.5, 1.0):
        st = scalar_state(p, demand=100.0, attention=1.0, audit_belief=belief, verification=0.0,
                          warning_risk=0.0, deviance=0.0)
        targets[belief] = best_response(st, p, SCALAR)[2]
    assert targets[1.0] == 0.0
    assert targets[0.0] == pytest.approx(rate * gameability / cost, rel=1e-12)
    assert targets[0.5] == pytest.approx(targets[0.0] / 2, rel=1e-12)


def test_the_honest_margin_counts_the_outcome_share_per_seat():
    # Under a share of the outcome, a client that values quality at V per seat (one seat per unit
    # of baseline demand) pays the vendor share * V * q more per unit of demand for honest
    # quality q. Quality effort held at its ceiling and no risk premium, so the efforts do not
    # move with V: the honest margin rises by exactly that. The outcome is noiseless, so the
    # zero floor of pay, an option the vendor holds on noisy pay, is worth nothing here.
    from bposim.dynamics.decisions import best_response
    share = 0.35

    def margin(value):
        p = settings_from(["scheme=shared_outcome", f"scheme.share={share}", f"client.value_quality={value}",
                           "client.value_volume=0.0", "client.rework_cost=0.0", "client.unserved_cost=0.0",
                           "client.quality_per_unit=false", "vendor.risk_aversion=0.0",
                           "vendor.intrinsic_quality=10.0", "market.outcome_noise=0.0",
                           "market.true_quality_noise=0.0"])
        st = scalar_state(p, demand=100.0, attention=1.0, audit_belief=0.0, engagement=0.5)
        t_vol, t_qual, _, honest, _ = best_response(st, p, SCALAR)
        return honest, t_vol, t_qual, p.market.quality_ceiling

    low, high = margin(1.0), margin(2.0)
    assert low[1:] == high[1:], "the efforts must not move with the value of quality here"
    assert high[0] - low[0] == pytest.approx(share * (2.0 - 1.0) * high[3], rel=1e-9)


@pytest.mark.parametrize("found", [0, 1, 2])
def test_corner_cutting_found_in_a_term_ends_it_at_the_term_end_without_reviews(found):
    # No periodic reviews, a 13-week term, and a certain termination for cause: a term in which
    # audits found corner-cutting (once or more) ends with a switch, even on the renewal draw
    # most in favour; a clean term is renewed on that draw.
    from bposim.dynamics.audits import audit
    from bposim.dynamics.reviews import end_of_term
    p = settings_from(["client.review_period=0", "client.contract_term=13", "client.termination_on_detection=1.0",
                       "client.audit_rate=0.5", "market.n_vendors=2"])
    st = scalar_state(p, gaming=1.0, tenure=0.0, trust_in_vendor=0.9, warning_risk=0.0)
    for week in range(13):
        st.tenure = float(week)
        # An audit that finds corner-cutting in the first `found` weeks, none after.
        audit(st, p, [0.0, 0.0] if week < found else [1.0, 1.0], SCALAR)
    st.tenure = 13.0
    end_of_term(st, p, [0.0, 0.0], 2, SCALAR)
    assert st.switches == (1.0 if found else 0.0)
    assert st.term_detected == 0.0, "a new term starts with a clean record"


def test_a_one_week_term_opens_every_week():
    from bposim.dynamics.contract import contract_starts
    c = settings_from(["client.contract_term=1"]).client
    assert all(contract_starts(RelationshipState(tenure=float(t)), c, SCALAR) for t in range(10))


def test_the_audit_chance_is_a_probability():
    # A high rate, raised by reviews and by distrust, audits every week: the chance is 1, not more
    # (a new vendor team expects this chance, so its belief would pass 1).
    from bposim.dynamics.contract import audit_chance
    c = settings_from(["client.audit_rate=0.8", "client.audit_trust_sensitivity=2.0"]).client
    assert audit_chance(c, 2.0, 0.0, SCALAR) == 1.0
    assert audit_chance(c, 1.0, 1.0, SCALAR) == pytest.approx(0.8, rel=1e-12)


def test_the_weekly_discount_is_the_factor_given_or_the_annual_rate_compounded_weekly():
    from types import SimpleNamespace

    from bposim.dynamics.contract import weekly_discount
    derived = 1.1 ** (-1 / 52)  # a 10% annual cost of capital, weekly: 52 weeks compound to 1/1.1
    assert weekly_discount(SimpleNamespace(discount_factor=-1.0, annual_discount_rate=0.1)) == pytest.approx(derived, rel=1e-12)
    assert weekly_discount(SimpleNamespace(discount_factor=0.95, annual_discount_rate=0.1)) == 0.95
    # Design points side by side, each with its own setting.
    both = weekly_discount(SimpleNamespace(discount_factor=np.array([0.95, -1.0]), annual_discount_rate=np.array([0.1, 0.1])))
    np.testing.assert_allclose(both, [0.95, derived], rtol=1e-12)


def test_reweighting_pays_a_bonus_per_score_point_above_target_and_raises_the_quality_rate():
    # A contract re-weighted towards quality (quality_tilt) pays quality_bonus_rate per score point
    # above the target, in full at a tilt of 1, scaled by the re-pricing factor.
    from bposim.dynamics.contract import contract_pay, contract_rates
    p = settings_from(["scheme=per_volume", "client.quality_bonus_rate=0.4", "client.quality_target=0.7"])
    plain = scalar_state(p, quality_tilt=0.0, price_factor=0.9, volume_expected=1.0, score_expected=0.8)
    tilted = scalar_state(p, quality_tilt=0.5, price_factor=0.9, volume_expected=1.0, score_expected=0.8)
    gain = contract_pay(tilted, p, 1.0, 0.8, 0.0, SCALAR) - contract_pay(plain, p, 1.0, 0.8, 0.0, SCALAR)
    assert gain == pytest.approx(0.9 * 0.5 * 0.4 * (0.8 - 0.7), rel=1e-12)
    rate = contract_rates(tilted, p, SCALAR)[1] - contract_rates(plain, p, SCALAR)[1]
    assert rate == pytest.approx(0.9 * 0.5 * 0.4, rel=1e-12)


def test_the_risk_premium_charges_every_noisy_pay_channel_and_their_correlation():
    # The vendor's premium is (r/2) Var(pay): each paid measure that carries noise adds to it on
    # its own, and measures that move together (positive correlation) add more than apart.
    from bposim.dynamics.decisions import pay_risk_premium

    def premium(b_y, b_s, b_o, correlation=0.0, noise=(0.2, 0.1, 0.05, 0.3)):
        p = settings_from(["vendor.risk_aversion=2.0", f"market.volume_noise={noise[0]}",
                           f"market.quality_noise={noise[1]}", f"market.true_quality_noise={noise[2]}",
                           f"market.outcome_noise={noise[3]}", f"market.noise_correlation={correlation}"])
        st = scalar_state(p, verification=0.0)
        return pay_risk_premium(st, p, b_y, b_s, b_o, 0.8)

    alone = [premium(0.5, 0.0, 0.0), premium(0.0, 0.5, 0.0), premium(0.0, 0.0, 0.5)]
    assert all(x > 0.0 for x in alone), alone
    assert premium(0.5, 0.5, 0.5) == pytest.approx(sum(alone), rel=1e-12), "independent noises add up"
    assert premium(0.5, 0.5, 0.0, correlation=0.5) > premium(0.5, 0.5, 0.0) > premium(0.5, 0.5, 0.0, correlation=-0.5)
    # True quality's own noise alone (none on the score or the outcome) still makes both the
    # quality pay and the outcome pay risky.
    only_true_quality = (0.0, 0.0, 0.1, 0.0)
    assert premium(0.0, 0.5, 0.0, noise=only_true_quality) > 0.0
    assert premium(0.0, 0.0, 0.5, noise=only_true_quality) > 0.0


def test_a_noiseless_quality_score_is_read_through_the_noise_floor():
    # quality_weighted's expected pay through the SLA needs a noise width: a noiseless score
    # (market.quality_noise = 0) is read at the floor of 0.01, where the marginal rates stay finite.
    from bposim.dynamics.contract import contract_rates
    rates = {}
    for noise in (0.0, 0.005, 0.01, 0.012):
        p = settings_from(["scheme=quality_weighted", f"market.quality_noise={noise}"])
        # Just above the SLA threshold, where the chance of falling below it turns on the noise.
        st = scalar_state(p, volume_expected=1.0, score_expected=p.scheme.params.sla_threshold + 0.005)
        rates[noise] = np.array(contract_rates(st, p, SCALAR), dtype=float)
    assert all(np.isfinite(r).all() for r in rates.values())
    np.testing.assert_allclose(rates[0.0], rates[0.01], rtol=1e-12)
    np.testing.assert_allclose(rates[0.005], rates[0.01], rtol=1e-12)
    assert not np.allclose(rates[0.012], rates[0.01], rtol=1e-6), "above the floor the noise is read as it is"


def test_audits_keep_the_vendors_record_of_audits_findings_and_audited_quality():
    # What a vendor's record shows other clients (tenders read it): how often it was audited, how
    # often corner-cutting was found, and the true quality the audits saw, summed over weeks.
    from bposim.dynamics.audits import audit
    p = settings_from(["client.audit_rate=0.5"])
    st = scalar_state(p, gaming=0.5, true_quality=0.8, seen_audits=0.0, seen_detected=0.0, seen_quality=0.0)
    for u in ([0.0, 0.0], [0.0, 0.9], [1.0, 0.0]):  # audited and found, audited clean, not audited
        audit(st, p, u, SCALAR)
    assert (st.seen_audits, st.seen_detected) == (2.0, 1.0)
    assert st.seen_quality == pytest.approx(2 * 0.8, rel=1e-12)


def test_the_risk_premium_is_in_money_for_the_contracts_size_or_per_unit_of_demand():
    from bposim.dynamics.decisions import pay_risk_premium
    premiums = {}
    for money in ("true", "false"):
        p = settings_from([f"vendor.risk_in_money={money}", "vendor.risk_aversion=0.02", "market.volume_noise=0.2"])
        st = scalar_state(p, verification=0.0)
        premiums[money] = pay_risk_premium(st, p, 0.5, 0.0, 0.0, 0.0)
    assert premiums["false"] == pytest.approx(0.5 * 0.02 * (0.5 * 0.2) ** 2, rel=1e-12)  # (r/2) Var
    assert premiums["true"] == pytest.approx(100.0 * premiums["false"], rel=1e-12)  # base 100: r on pay in MU


def test_quality_effort_stops_where_quality_reaches_its_ceiling():
    from bposim.dynamics.decisions import best_response, quality_productivity
    p = settings_from(["scheme=per_volume", "vendor.intrinsic_quality=10.0", "vendor.base_quality=0.3"])
    st = scalar_state(p, demand=100.0, attention=1.0, audit_belief=0.0, engagement=0.5, vendor_ability=1.25)
    t_qual = best_response(st, p, SCALAR)[1]
    assert p.vendor.base_quality + quality_productivity(st, p) * t_qual == pytest.approx(p.market.quality_ceiling, rel=1e-12)


def test_volume_effort_follows_the_weeks_demand():
    # Pay per unit delivered: with demand 1.5 times the baseline each unit of effort delivers 1.5
    # times as much, so the marginal pay of effort, and the effort (no cross-cost), are 1.5 times.
    from bposim.dynamics.decisions import best_response
    p = settings_from(["scheme=per_volume", "scheme.price=0.5", "vendor.cost_substitution=0.0",
                       "vendor.intrinsic_volume=0.0", "vendor.max_throughput=10.0"])
    efforts = [best_response(scalar_state(p, demand=demand, attention=1.0, audit_belief=0.0, engagement=0.5),
                             p, SCALAR)[0] for demand in (100.0, 150.0)]
    assert 0.0 < efforts[0] and efforts[1] == pytest.approx(1.5 * efforts[0], rel=1e-9)


def test_a_periods_risk_is_the_sum_of_its_weekly_premiums():
    from bposim.dynamics.decisions import decide
    p = settings_from(["vendor.risk_aversion=0.02", "market.volume_noise=0.2"])
    st = scalar_state(p, demand=100.0, attention=1.0, audit_belief=0.1, engagement=0.5,
                      effort_volume=0.5, effort_quality=0.5, gaming=0.0)
    total = 0.0
    for _ in range(3):
        decide(st, p, [0.0, 0.0, 0.0], SCALAR)
        total += st.risk_premium
    assert st.risk_premium > 0.0 and st.period_risk == pytest.approx(total, rel=1e-12)
