"""The market, review, learning, in-house and feedback equations checked against what the model
declares about them, each computed here independently: a renewal argument for random shocks, the
sine's period and phase read off the simulated demand record, water-filling solved by bisection,
the caps that keep trust and chances within [0, 1] set up so that they bind, and the review's
rules on hand-built states.

Each test closes a gap the mutation check (benchmarks/mutation.py) found: a mutant of the
equation that no other test noticed.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest

from bposim.config import settings_from
from bposim.dynamics.contract import audit_chance
from bposim.dynamics.feedback import exchange_feedback
from bposim.dynamics.inhouse import work_in_house
from bposim.dynamics.learning import update_engagement, update_trust
from bposim.dynamics.market import advance_shocks, allocate_capacity
from bposim.dynamics.reviews import end_of_term, review, switch_vendor
from bposim.ops import SCALAR
from bposim.state import RelationshipState
from crn import run, scalar_state

SEED = 11


# --- shocks: a scheduled one, and random ones as a renewal process ---------------------------------


def shock_weeks(**settings) -> np.ndarray:
    """Weeks shocked (R, weeks) from the simulated demand record: with no demand noise and no
    season, a relationship's demand is its baseline, times 1 + surge in a shocked week."""
    overrides = ["market.demand_noise=0", "market.seasonality=0", "shock.demand_surge=0.5",
                 "record.relationships=all", *(f"{k}={v}" for k, v in settings.items())]
    rel = run(*overrides, reps=2, seed=SEED).relationships
    first = rel[rel.relationship == 0].pivot(index="replication", columns="step", values="demand")
    quiet = first.min(axis=1).to_numpy()[:, None]   # weeks out of a shock are at the baseline
    ratio = first.to_numpy() / quiet
    assert np.all(np.isclose(ratio, 1.0) | np.isclose(ratio, 1.5)), "demand is either the baseline or the surge"
    return np.isclose(ratio, 1.5)


@pytest.mark.parametrize("start", [0, 7])
def test_a_scheduled_shock_lasts_its_duration_from_the_week_it_starts(start):
    shocked = shock_weeks(**{"shock.week": start, "shock.duration": 5, "shock.random_rate": 0, "steps": 20})
    expected = [start <= w < start + 5 for w in range(20)]  # record step s is week s - 1
    assert (shocked == np.array(expected)).all(), shocked.astype(int)


def test_random_shocks_start_at_their_rate_and_each_lasts_its_duration():
    # Read from the process the ODD declares (3.1.1): in a week with no shock running a new one
    # starts with chance r and lasts D weeks, counting the week it starts; one cannot start while
    # another runs. So the shocked weeks come in runs of whole shocks (multiples of D), shocks
    # start in a share r of the weeks open to one, and the long-run share of weeks shocked is
    # r D / (r D + 1 - r) (a renewal cycle: D shocked weeks with chance r, one quiet week otherwise).
    r, D, R, weeks = 0.06, 4, 3000, 200
    p = SimpleNamespace(shock=SimpleNamespace(week=-1, random_rate=r, duration=D))
    rng = np.random.default_rng(5)
    left = np.zeros((R, 1))
    shocked = np.zeros((R, weeks), dtype=bool)
    for w in range(weeks):
        left = advance_shocks(left, w, p, rng.random((R, 1)))
        shocked[:, w] = left[:, 0] > 0
    starts = open_weeks = 0
    for row in shocked:
        edges = np.flatnonzero(np.diff(np.concatenate(([0], row.astype(int), [0]))))
        runs = edges[1::2] - edges[::2]
        complete = runs[:-1] if row[-1] else runs           # a run cut off by the record's end
        assert np.all(complete % D == 0), runs
        starts += int(np.ceil(runs / D).sum())
        open_weeks += int((~row).sum()) + int(np.ceil(runs / D).sum())
    rate = starts / open_weeks
    assert rate == pytest.approx(r, abs=4 * math.sqrt(r * (1 - r) / open_weeks)), rate
    share = shocked[:, 50:].mean()                          # past the start (no shock in week -1)
    assert share == pytest.approx(r * D / (r * D + 1 - r), abs=0.01), share


# --- the yearly season, read off the demand record --------------------------------------------------


def test_the_season_is_a_yearly_sine_peaking_a_quarter_into_the_year():
    amplitude = 0.3
    rel = run("market.demand_noise=0", f"market.seasonality={amplitude}", "shock.week=-1", "shock.random_rate=0",
              "steps=160", "record.relationships=all", reps=1, seed=SEED).relationships
    demand = rel[rel.relationship == 0].sort_values("step").demand.to_numpy()
    level = demand / demand[0]                              # week 0 (step 1) is at the yearly mean
    # The period: the shortest lag at which the record repeats is 52 weeks.
    lags = [lag for lag in range(1, 105) if np.allclose(level[lag:], level[:-lag], rtol=0, atol=1e-9)]
    assert lags[:1] == [52], lags[:3]
    year = level[:52]
    assert year.mean() == pytest.approx(1.0, abs=1e-12)    # a full year of a sine averages out
    assert int(np.argmax(year)) == 13 and year.max() == pytest.approx(1 + amplitude, rel=1e-12)
    assert int(np.argmin(year)) == 39 and year.min() == pytest.approx(1 - amplitude, rel=1e-12)
    assert level[26] == pytest.approx(1.0, abs=1e-12)


# --- the capacity split: water-filling ---------------------------------------------------------------


def water_level(demand, pull, capacity):
    """The exact split, by bisection on the level lam: sum_i demand_i min(1, lam pull_i) = capacity."""
    low, high = 0.0, 1.0 / pull.min()
    for _ in range(200):
        lam = 0.5 * (low + high)
        if (demand * np.minimum(1.0, lam * pull)).sum() > capacity:
            high = lam
        else:
            low = lam
    return np.minimum(1.0, low * pull)


@pytest.mark.parametrize("n, pull_ratio, demand_ratio", [(8, 0.7, 0.9), (40, 0.3, 0.75)])
def test_a_short_vendor_splits_all_its_capacity_by_pull(n, pull_ratio, demand_ratio):
    # One vendor short of capacity, n relationships whose pulls (through their sizes) and demands
    # fall geometrically. The second case fills only one more relationship per round of the
    # water-filling, so it needs more than 20 rounds: the split must still be the exact one.
    p = settings_from(["vendor.attention_margin=0", "vendor.attention_trust=0", "vendor.attention_recognition=0",
                       "vendor.attention_size=1"])
    pull = pull_ratio ** np.arange(n)
    demand = 100.0 * demand_ratio ** np.arange(n)
    capacity = 0.999 * demand.sum()
    st = RelationshipState(demand=demand[None, :], size_log=np.log(pull)[None, :], recognition=np.zeros((1, n)),
                           margin_rate_expected=np.zeros((1, n)), trust_in_client=np.zeros((1, n)))
    share = allocate_capacity(st, p, np.zeros((1, n), dtype=np.intp), np.array([capacity]), 1)[0]
    np.testing.assert_allclose(share, water_level(demand, pull, capacity), rtol=1e-9)
    assert (demand * share).sum() == pytest.approx(capacity, rel=1e-12)


# --- reviews -------------------------------------------------------------------------------------------


def reviewed(p, **values):
    st = scalar_state(p, **{"trust_in_vendor": 0.8, **values})
    review(st, p, (0.99, 0.3), 2, SCALAR)
    return st


@pytest.mark.parametrize("vendor_margin, client_net, expected", [
    (0.5, -5.0, 0.9),     # a small profit is not a loss: only the client loses, the price is cut
    (-5.0, 0.5, 1.1),     # the same for the client: only the vendor loses, the price rises
    (0.0, -5.0, 0.9),     # breaking even is not losing either
])
def test_a_side_that_earns_anything_at_all_is_not_losing(vendor_margin, client_net, expected):
    p = settings_from(["client.reprice_step=0.1", "client.review_reprice=true", "vendor.exit_patience=0"])
    st = reviewed(p, period_margin=vendor_margin, period_net=client_net)
    assert st.price_factor == pytest.approx(expected, rel=1e-12)


def test_only_a_termination_marks_the_vendor_as_ended_for_cause():
    # The flag (0 or 1) that makes a tender bar the vendor: set by a termination, not by a kept
    # contract, a vendor walking away, or work done in-house.
    p = settings_from(["vendor.exit_patience=1", "client.review_reprice=false", "client.terminate_below_trust=0.3",
                       "client.review_terminate=true"])
    assert reviewed(p, trust_in_vendor=0.8).ended_for_cause == 0.0                    # kept
    assert reviewed(p, trust_in_vendor=0.8, period_margin=-10.0).switches == 1.0       # walked ...
    assert reviewed(p, trust_in_vendor=0.8, period_margin=-10.0).ended_for_cause == 0.0  # ... not barred
    assert reviewed(p, trust_in_vendor=0.8, in_house=1.0).ended_for_cause == 0.0      # no contract
    ended = reviewed(p, trust_in_vendor=0.1)
    assert ended.switches == 1.0 and ended.ended_for_cause == 1.0


def test_a_single_audit_that_shows_drift_above_the_tolerance_reweights_the_contract():
    # The review reads the mean gap over the period's audits: with one audit, that audit's gap.
    p = settings_from(["client.misalignment_tolerance=0.1", "client.reweight_step=0.5", "client.review_reprice=false",
                       "vendor.exit_patience=0"])
    drift = reviewed(p, period_audits=1.0, period_gap=0.12)
    within = reviewed(p, period_audits=1.0, period_gap=0.08)
    two = reviewed(p, period_audits=2.0, period_gap=0.16)   # a mean of 0.08 per audit
    assert drift.verification == pytest.approx(0.5, rel=1e-12) and drift.audit_boost > 1.0
    assert within.verification == 0.0 and two.verification == 0.0


@pytest.mark.parametrize("rate", [0.3, 1.2e-6])
def test_drift_raises_audits_to_every_week_and_no_further(rate):
    # Reviews that keep finding drift multiply the audit boost until audits come every week; a boost
    # beyond that would change nothing then, but would make the first clean review after it lower
    # audits less than its relax factor says. Full trust and no trust sensitivity: the audit chance
    # is the rate times the boost, capped at 1.
    p = settings_from([f"client.audit_rate={rate}", "client.audit_trust_sensitivity=0", "client.audit_boost_step=10",
                       "client.audit_relax_step=1.25", "client.review_reprice=false", "client.review_warn=false",
                       "vendor.exit_patience=0"])
    st = scalar_state(p, trust_in_vendor=1.0)
    for _ in range(12):
        st.period_audits, st.period_gap = 1.0, 0.5
        review(st, p, (0.99, 0.3), 2, SCALAR)
    assert audit_chance(p.client, st.audit_boost, 1.0, SCALAR) == pytest.approx(1.0, rel=1e-9)
    st.period_audits, st.period_gap = 1.0, 0.0
    review(st, p, (0.99, 0.3), 2, SCALAR)                 # a clean period: an audit, no gap
    assert audit_chance(p.client, st.audit_boost, 1.0, SCALAR) == pytest.approx(1 / 1.25, rel=1e-9)


def test_a_switch_hands_the_work_to_each_other_vendor_alike():
    # The next vendor is uniform over the others: with 4 vendors, leaving vendor 1, each of 0, 2
    # and 3 takes over on a third of the draws, and vendor 1 never does.
    p = settings_from(["market.n_vendors=4"])
    picks = []
    for u in (np.arange(300) + 0.5) / 300:
        st = scalar_state(p, vendor_id=1.0)
        switch_vendor(st, p, True, u, 4, SCALAR)
        picks.append(st.vendor_id)
    assert {v: picks.count(v) for v in sorted(set(picks))} == {0.0: 100, 2.0: 100, 3.0: 100}


# --- the end of a contract's term ------------------------------------------------------------------------


def term_end(overrides, **values):
    p = settings_from(["client.contract_term=13", "client.switching_cost=40", "market.n_vendors=2", *overrides])
    st = scalar_state(p, tenure=13.0, switch_cost=0.0, switches=0.0, **values)
    cost = end_of_term(st, p, [0.5, 0.3], 2, SCALAR)
    return st, cost


def test_a_term_not_renewed_costs_the_client_the_switching_cost_once():
    st, cost = term_end(["client.renewal_base=0", "client.renewal_trust=0"])
    assert (st.switches, cost, st.switch_cost) == (1.0, 40.0, 40.0)
    st, cost = term_end(["client.renewal_base=1"])
    assert (st.switches, cost, st.switch_cost) == (0.0, 0.0, 0.0)


@pytest.mark.parametrize("period", [1, 13])
def test_with_reviews_corner_cutting_found_in_the_term_is_not_a_cause_at_its_end(period):
    # Under periodic reviews, the reviews judge what the audits found; the term's end only renews
    # by trust. So a term with a detection and a certain renewal is renewed, and a vendor not
    # renewed is not marked as ended for cause (a tender does not bar it).
    cause = [f"client.review_period={period}", "client.termination_on_detection=1.0", "client.review_terminate=true"]
    st, _ = term_end([*cause, "client.renewal_base=1"], term_detected=1.0, warning_risk=0.0)
    assert st.switches == 0.0
    st, _ = term_end([*cause, "client.renewal_base=0", "client.renewal_trust=0"], term_detected=1.0)
    assert st.switches == 1.0 and st.ended_for_cause == 0.0


def test_without_reviews_a_warned_vendor_found_cutting_corners_is_renewed_the_less_the_stronger_the_warning():
    # No periodic reviews: a term in which audits found corner-cutting ends for cause with the
    # chance a review would apply, termination_on_detection plus the weight of the warning the
    # vendor is under. Here 0.3 + 0.4, so of renewal draws spread over [0, 1) at a certain renewal
    # otherwise, 30% renew.
    cause = ["client.review_period=0", "client.review_terminate=true", "client.termination_on_detection=0.3",
             "client.renewal_base=1"]
    p = settings_from(["client.contract_term=13", "market.n_vendors=2", *cause])
    renewed = 0
    for u in (np.arange(100) + 0.5) / 100:
        st = scalar_state(p, tenure=13.0, term_detected=1.0, warning_risk=0.4)
        end_of_term(st, p, [u, 0.3], 2, SCALAR)
        renewed += st.switches == 0.0
    assert renewed == 30


@pytest.mark.parametrize("found", [0.0, 1.0])
def test_without_reviews_a_term_ended_for_what_its_audits_found_marks_the_vendor(found):
    # Not renewed after a term whose audits found corner-cutting: ended for cause (a tender bars
    # the vendor); after a clean term, simply not renewed.
    st, _ = term_end(["client.review_period=0", "client.review_terminate=true", "client.renewal_base=0",
                      "client.renewal_trust=0"], term_detected=found)
    assert st.switches == 1.0 and st.ended_for_cause == found


def test_the_client_pays_the_switching_cost_in_the_week_a_term_ends_unrenewed():
    # Paired runs on common random numbers, at switching costs of 0 and 1,000 MU: no review, no
    # tender reading the cost (a random pick, no cool-off), every 13-week term ends unrenewed. The
    # client's net value differs by exactly -1,000 in each week of a switch and nowhere else.
    base = ("client.review_period=0", "client.contract_term=13", "client.renewal_base=0", "client.renewal_trust=0",
            "client.vendor_selection=random", "client.cool_off=1", "market.n_vendors=2", "steps=40",
            "record.relationships=all")
    free, costly = (run(*base, f"client.switching_cost={cost}", reps=2, seed=SEED).relationships for cost in (0, 1000))
    assert costly.switches.sum() > 0
    np.testing.assert_allclose(costly.client_net_value - free.client_net_value, -1000.0 * costly.switches, atol=1e-9)


def test_work_done_in_house_has_no_term_to_end():
    st, cost = term_end(["client.renewal_base=0", "client.renewal_trust=0"], in_house=1.0)
    assert (st.switches, cost) == (0.0, 0.0)


# --- trust and engagement: the caps that keep them in range --------------------------------------------


ALL_SIGNS = ["client.trust_model=adaptive", "client.trust_gain=1", "client.trust_gain_flag=1",
             "client.trust_gain_action=1", "client.trust_gain_vendor_feedback=1", "client.trust_loss_gaming=1",
             "client.trust_loss_missed_break=1", "client.trust_loss_escalation=1", "client.trust_loss_repeat=1"]


def test_the_clients_trust_goes_all_the_way_to_one_on_good_signs_and_no_further():
    p = settings_from(ALL_SIGNS)
    st = scalar_state(p, trust_in_vendor=0.6, score=1.0, breaks_flagged=1.0, feedback_actioned=1.0, vendor_feedback=1.0)
    update_trust(st, p, SCALAR)
    assert st.trust_in_vendor == pytest.approx(1.0, abs=1e-12) and st.trust_in_vendor <= 1.0


def test_the_clients_trust_falls_all_the_way_to_zero_on_bad_signs_and_no_further():
    p = settings_from(ALL_SIGNS)
    st = scalar_state(p, trust_in_vendor=0.6, score=0.0, detected_gaming=1.0, breaks_missed=1.0, escalations=2.0,
                      feedback_repeated=3.0)
    update_trust(st, p, SCALAR)
    assert st.trust_in_vendor == pytest.approx(0.0, abs=1e-12) and st.trust_in_vendor >= 0.0


def test_the_vendors_trust_falls_to_zero_at_most():
    p = settings_from(["vendor.trust_loss_unfair=1", "vendor.trust_loss_price_cut=1", "vendor.trust_loss_warning=1"])
    st = scalar_state(p, trust_in_client=0.6, unfair_penalty=1.0, price_cut=1.0, unfounded_warning=1.0)
    update_trust(st, p, SCALAR)
    assert st.trust_in_client == pytest.approx(0.0, abs=1e-12) and st.trust_in_client >= 0.0


def test_an_unfair_week_earns_the_client_none_of_the_vendors_trust():
    # Its trust losses switched off: a fair week raises the vendor's trust, an unfairly paid one
    # leaves it where it was.
    p = settings_from(["vendor.trust_gain=0.5", "vendor.trust_loss_unfair=0", "client.recognition=0.8",
                       "client.expectation_clarity=0.8"])
    fair, unfair = (scalar_state(p, trust_in_client=0.5, unfair_penalty=x) for x in (0.0, 1.0))
    update_trust(fair, p, SCALAR)
    update_trust(unfair, p, SCALAR)
    assert fair.trust_in_client > 0.5 and unfair.trust_in_client == 0.5


def engaged(overrides, **values):
    p = settings_from(overrides)
    st = scalar_state(p, **values)
    update_engagement(st, p, SCALAR)
    return st


def test_a_loss_bigger_than_the_pay_counts_as_a_margin_rate_of_minus_one():
    # margin_rate_expected lives in [-1, 1] (ODD, state variables): a week whose costs are three
    # times its pay is read as losing all of it, not more.
    st = engaged(["vendor.margin_learning=1"], payments=50.0, vendor_margin=-100.0)
    assert st.margin_rate_expected == -1.0


def test_the_margin_score_runs_from_zero_at_minus_the_reference_to_one_at_it():
    # Engagement on margin alone, moving all the way in one week: it is the margin score, linear
    # from 0 at -margin_reference to 1 at +margin_reference, so 3/4 at half the reference.
    ref = 0.2
    only_margin = ["vendor.margin_learning=0", f"vendor.margin_reference={ref}", "vendor.engagement_speed=1",
                   "vendor.engagement_weight_recognition=0", "vendor.engagement_weight_trust=0"]
    scores = [engaged(only_margin, margin_rate_expected=x).engagement for x in (-ref, 0.0, ref / 2, ref)]
    assert scores == pytest.approx([0.0, 0.5, 0.75, 1.0], abs=1e-12)


def test_the_margin_rate_does_not_depend_on_the_contracts_size():
    # Pay and margin both in MU: a contract 10,000 times bigger earning the same per unit of
    # demand has the same margin rate, even in a week paying next to nothing.
    rates = [engaged(["vendor.margin_learning=1"], base=base, payments=5e-10 * base, vendor_margin=5e-10 * base)
             .margin_rate_expected for base in (1.0, 1e4)]
    assert rates[0] == pytest.approx(rates[1], rel=1e-12)


# --- work done in-house --------------------------------------------------------------------------------


def test_in_house_work_serves_all_the_demand_and_measures_it_as_a_vendor_week_would():
    # A vendor week measures volume per unit of baseline demand (production.py: volume = base * y,
    # volume_measured = y without gaming or noise), and served is the share of demand delivered.
    p = settings_from(["client.inhouse_quality=0.7"])
    st = scalar_state(p, in_house=1.0, inhouse_left=5.0, demand=120.0, served=0.3, volume=10.0, volume_measured=0.1,
                      effort_volume=0.3, effort_quality=0.2, gaming=0.1)
    work_in_house(st, p, SCALAR)
    assert st.volume == 120.0
    assert st.served == pytest.approx(st.volume / st.demand, rel=1e-12)
    assert st.volume_measured * st.base == pytest.approx(st.volume, rel=1e-12)


# --- feedback ------------------------------------------------------------------------------------------


def test_a_client_who_chose_to_raise_nothing_raises_nothing_however_short_the_score():
    # In the workshop room a person's "no feedback this week" is a draw of 1 (bposim.app.room
    # Seats.draws), above every probability: however sure the model's chance of raising an item,
    # none is raised.
    p = settings_from(["client.feedback_base=1", "client.feedback_rate=10", "client.feedback_on_incident=1"])
    st = scalar_state(p, score=0.0, breaks_missed=1.0, open_items=0.0)
    exchange_feedback(st, p, [1.0, 1.0, 1.0, 1.0], SCALAR)
    assert st.feedback_given == 0.0 and st.open_items == 0.0


# --- vendor types and tenders (dynamics/tender.py) ------------------------------------------------------

TEMPTED = ("vendor.gaming_aversion=0", "vendor.gaming_saving=1.5", "scheme.premium=0", "client.termination_on_detection=1",
           "client.review_period=4", "vendor.exit_patience=0")


def test_vendor_types_are_drawn_at_their_declared_spreads_and_the_in_house_team_is_neutral():
    # Log ability, cost and capacity normal with mean-one factors (log mean -s^2/2, sd s) and
    # integrity a normal shift (mean 0, sd s), each s = heterogeneity x its spread; the last
    # column, the client's own team, of neutral type (ability 1, cost 1, integrity 0, capacity 1).
    from bposim.dynamics.tender import draw_types
    h = 0.5
    spreads = {"vendor_ability": 0.6, "vendor_cost_factor": 0.4, "vendor_integrity": 0.8, "capacity": 1.0}
    m = SimpleNamespace(vendor_heterogeneity=h, ability_spread=0.6, cost_spread=0.4, integrity_spread=0.8,
                        capacity_spread=1.0)
    types = draw_types(m, np.random.default_rng(3).standard_normal((200, 4, 500)))
    for name, spread in spreads.items():
        s = h * spread
        drawn = types[name][:, :-1]
        if name == "vendor_integrity":
            assert drawn.mean() == pytest.approx(0.0, abs=0.01) and drawn.std() == pytest.approx(s, rel=0.01)
        else:
            assert drawn.mean() == pytest.approx(1.0, abs=0.01), name
            assert np.log(drawn).std() == pytest.approx(s, rel=0.01), name
    neutral = {"vendor_ability": 1.0, "vendor_cost_factor": 1.0, "vendor_integrity": 0.0, "capacity": 1.0}
    assert {name: set(types[name][:, -1]) for name in neutral} == {name: {v} for name, v in neutral.items()}


def test_a_vendor_staffs_a_contract_with_its_capacity_factor_times_the_slack():
    # A vendor's capacity type is a mean-one lognormal factor on vendor.capacity_slack: the log of
    # a contract's staff per unit of baseline demand and slack has mean -s^2/2 and sd s over vendors.
    import bposim
    s = 0.5
    model = bposim.BPOModel(bposim.compose(["market.vendor_heterogeneity=1", f"market.capacity_spread={s}",
                                            "market.n_clients=400", "market.n_vendors=400", "vendor.capacity_slack=1.2"]),
                            replications=4, collect=False)
    st = model.state
    log_factor = np.log(st.staff / (1.2 * st.base))
    assert log_factor.mean() == pytest.approx(-s * s / 2, abs=0.03) and log_factor.std() == pytest.approx(s, rel=0.05)


@pytest.mark.parametrize("shortlist", [(), ("client.tender_shortlist=1",)])
def test_design_points_with_their_own_vendor_types_and_tender_terms_give_their_numbers_alone(shortlist):
    # Design points side by side (bposim.explore) each with their own heterogeneity and the
    # tender's terms (switching cost, reputation prior, audit rate), with frequent terminations,
    # and tenders of the whole market or of a shortlist (drawn on a stream whose block repeats
    # per point): every point's numbers are those of its run alone.
    import pandas as pd

    import bposim
    from bposim.explore import batch
    design = pd.DataFrame({"market.vendor_heterogeneity": [0.5, 1.0, 1.5], "client.switching_cost": [500.0, 1500.0, 3000.0],
                           "client.reputation_weight": [1.0, 4.0, 10.0], "client.audit_rate": [0.1, 0.2, 0.3]})
    base = ["market.n_clients=6", "market.n_vendors=3", *TEMPTED, *shortlist, "steps=52"]
    result = bposim.simulate_design(design, base=base, replications=2)
    assert len(batch.groups_of(result.points)) == 1, "the points run as one batch"
    assert result.summary.switches.sum() > 0
    for i, row in design.iterrows():
        alone = bposim.simulate([*base, *(f"{k}={v!r}" for k, v in row.items())], replications=2).summary
        got = result.summary[result.summary.point == i]
        for column in alone.columns.drop(["replication", "seed", "scheme"]):
            np.testing.assert_allclose(got[column].to_numpy(float), alone[column].to_numpy(float), rtol=1e-12,
                                       atol=1e-12, err_msg=f"point {i}, {column}")


def in_house_weeks(*overrides, steps=60):
    rel = run("market.n_vendors=1", "market.n_clients=3", "client.inhouse_weeks=10", f"steps={steps}",
              "record.relationships=all", *overrides, reps=3, seed=SEED).relationships
    return rel


def test_a_vendor_simply_not_renewed_is_not_barred():
    # One vendor, no reviews, every term ends without renewal: the vendor was not terminated, so
    # the client signs it again each time (three ends in 45 weeks), never taking the work in-house.
    rel = in_house_weeks("client.review_period=0", "client.review_terminate=false", "client.contract_term=13",
                         "client.renewal_base=0", "client.renewal_trust=0", "client.cool_off=52", steps=45)
    assert (rel.groupby(["replication", "relationship"]).switches.sum() == 3).all()
    assert (rel.in_house == 0).all()


def test_one_week_terms_end_every_week_when_never_renewed():
    rel = in_house_weeks("client.review_period=0", "client.review_terminate=false", "client.contract_term=1",
                         "client.renewal_base=0", "client.renewal_trust=0", steps=6)
    assert (rel.switches == 1).all()


@pytest.mark.parametrize("selection", ["tender", "random"])
def test_a_terminated_only_vendor_is_barred_for_even_one_week_of_cool_off(selection):
    # With one vendor, terminating it leaves none eligible for the cool-off, however short and
    # however the client picks: the client takes the work in-house.
    rel = in_house_weeks(*TEMPTED, f"client.vendor_selection={selection}", "client.cool_off=1")
    assert (rel.in_house == 1).any()


def test_every_audit_goes_into_the_record_of_the_vendor_it_audited():
    # The market's memory of the vendors (what tenders read): banked from ended contracts plus the
    # running ones, it holds every audit, finding and audited quality of the run once, each in the
    # record of the vendor that did that week's work.
    import bposim
    R, V = 3, 3
    model = bposim.BPOModel(bposim.compose(["market.n_clients=6", f"market.n_vendors={V}", "market.vendor_heterogeneity=1",
                                            *TEMPTED, "steps=80", f"seed={SEED}"]), replications=R, collect=False)
    totals = {k: np.zeros((R, V + 1)) for k in ("seen_audits", "seen_detected", "seen_quality")}
    rows = np.repeat(np.arange(R)[:, None], model.state.base.shape[1], axis=1)
    switched = 0.0
    for _ in range(model.n_steps):
        worker = model.state.vendor_id.astype(int)        # who does this week's work
        model.advance_week()
        st = model.state
        switched += st.switches.sum()
        for k, seen in (("seen_audits", st.audited), ("seen_detected", st.detected_gaming),
                        ("seen_quality", st.audited * st.true_quality)):
            np.add.at(totals[k], (rows, worker), seen)
    assert switched > 0 and totals["seen_detected"].sum() > 0
    rep = model.market.reputation(model.state)
    for k, total in totals.items():
        np.testing.assert_allclose(rep[k], total, rtol=1e-12, atol=1e-12, err_msg=k)


def tender_scores(overrides, seen, cost_factor=None):
    """The tender's expected value per unit of demand of each of two vendors (and the row's best),
    for one relationship of baseline 100 whose client has the audit boost 1."""
    from bposim.dynamics.tender import VendorMarket
    p = settings_from(["market.n_vendors=2", "client.value_volume=0.5", "client.value_quality=1.0",
                       "client.quality_per_unit=false", "client.rework_cost=0", "client.unserved_cost=0",
                       "client.quality_target=0.7", "client.reputation_weight=2", "client.audit_trust_sensitivity=0",
                       *overrides])
    market = VendorMarket(p, None, 1, 2)
    if cost_factor is not None:
        market.types = {"vendor_cost_factor": np.array([[*cost_factor, 1.0]])}
    rep = {k: np.array([[*v, 0.0]], dtype=float) for k, v in seen.items()}
    st = SimpleNamespace(audit_boost=np.ones((1, 1)), base=np.full((1, 1), 100.0))
    return market.values(st, p, rep, np.array([0]), np.array([0]))[0]


NOTHING_SEEN = {"seen_audits": [0, 0], "seen_detected": [0, 0], "seen_quality": [0, 0]}


def test_a_tender_values_a_vendor_by_the_mean_quality_of_its_audits_and_a_prior_of_two_at_the_target():
    # Vendor 0 never audited; vendor 1 audited 4 times at 0.9 each. The prior counts as 2 audits at
    # the target 0.7, so the reputations are the plain means of [0.7, 0.7] and [0.7, 0.7, 0.9 x 4];
    # a unit of demand served in full is worth 0.5 + 1.0 x quality (no rework, no unserved demand).
    scores = tender_scores([], {"seen_audits": [0, 4], "seen_detected": [0, 0], "seen_quality": [0, 3.6]})
    reputation = [np.mean([0.7, 0.7]), np.mean([0.7, 0.7, 0.9, 0.9, 0.9, 0.9])]
    np.testing.assert_allclose(scores, [0.5 + q for q in reputation], rtol=1e-12)


def test_a_tender_counts_rework_and_no_unserved_demand_for_a_vendor_serving_all_of_it():
    # Per unit of demand served in full at quality q: 0.5 + 1.0 q - 0.4 (1 - q) of rework, and no
    # cost of unserved demand, whatever its rate.
    scores = tender_scores(["client.rework_cost=0.4", "client.unserved_cost=0.9"], NOTHING_SEEN)
    np.testing.assert_allclose(scores, 0.5 + 0.7 - 0.4 * 0.3, rtol=1e-12)


def test_a_tender_charges_a_vendor_found_cutting_corners_the_expected_cost_of_ending_again():
    # Vendor 1 was audited 8 times and found cutting corners twice: with the prior's 2 clean audits,
    # a share 2 / 10 of audits finds it. At an audit chance of 0.2 a week, termination on detection
    # with chance 0.5 and a switching cost of 1,000 MU on a contract of 100 units a week, the expected
    # cost of ending again is 0.2 x 0.2 x 0.5 x 1000 / 100 = 0.2 per unit of demand.
    seen = {"seen_audits": [0, 8], "seen_detected": [0, 2], "seen_quality": [0, 8 * 0.7]}
    scores = tender_scores(["client.audit_rate=0.2", "client.termination_on_detection=0.5", "client.switching_cost=1000"],
                           seen)
    assert scores[0] - scores[1] == pytest.approx(0.2, rel=1e-9)


@pytest.mark.parametrize("pricing, gap", [("participation", 0.5 * (1.3 - 0.8)), ("as_written", 0.0)])
def test_a_tender_prices_a_vendor_by_its_cost_only_when_the_price_is_its_bid(pricing, gap):
    # Under participation pricing a vendor bids its cost (operating_cost x its cost factor): the
    # cheaper one is worth the difference more; under the written terms every vendor charges alike.
    scores = tender_scores(["vendor.operating_cost=0.5", f"scheme.pricing={pricing}"], NOTHING_SEEN, cost_factor=(1.3, 0.8))
    assert scores[1] - scores[0] == pytest.approx(gap, abs=1e-12)


def test_a_random_pick_hands_an_ended_contract_to_each_other_eligible_vendor_alike():
    # client.vendor_selection = random: a contract that ends goes to a vendor drawn uniformly from
    # the eligible ones (the vendor just left passed over). With three identical vendors and a
    # cool-off of one week (so the market's tender runs, barring no one but the vendor just left),
    # a client leaving vendor j goes to each of the other two with chance 1/2.
    import bposim
    model = bposim.BPOModel(bposim.compose(["market.n_clients=30", "market.n_vendors=3", "market.vendor_heterogeneity=0",
                                            "client.vendor_selection=random", "client.cool_off=1", *TEMPTED,
                                            "steps=120", f"seed={SEED}"]), replications=4, collect=False)
    moves = np.zeros((3, 3))
    for _ in range(model.n_steps):
        before = model.state.vendor_id.copy()
        model.advance_week()
        after, moved = model.state.vendor_id, model.state.switches > 0.0
        moved &= (before < 3) & (after < 3) & (before != after)
        np.add.at(moves, (before[moved].astype(int), after[moved].astype(int)), 1.0)
    for j in range(3):
        others = [k for k in range(3) if k != j]
        n = moves[j, others].sum()
        assert n >= 40, f"too few contracts left vendor {j} to judge the pick"
        share = moves[j, others[1]] / n
        assert abs(share - 0.5) < 3.5 * (0.25 / n) ** 0.5, (j, moves[j])  # within 3.5 sd of a fair pick


def test_a_client_bars_the_last_four_vendors_it_terminated_newest_first():
    # The cool-off's memory is a shift register of BARRED = 4 vendors: each termination pushes the
    # vendor just terminated in front and moves the others back one place, dropping the oldest. So
    # slot j always holds the vendor pushed j terminations ago (none yet where fewer happened).
    import bposim
    from bposim.state import BARRED
    model = bposim.BPOModel(bposim.compose(["market.n_clients=12", "market.n_vendors=7", "client.cool_off=1000",
                                            *TEMPTED, "steps=150", f"seed={SEED}"]), replications=2, collect=False)
    st = model.state
    pushed = [[[] for _ in range(st.base.shape[1])] for _ in range(st.base.shape[0])]
    deepest = 0
    for _ in range(model.n_steps):
        front = st.barred_0.copy()
        model.advance_week()
        st = model.state
        for r, i in zip(*np.nonzero(st.barred_0 != front)):
            pushed[r][i].insert(0, st.barred_0[r, i])
        for r in range(st.base.shape[0]):
            for i in range(st.base.shape[1]):
                history = pushed[r][i]
                deepest = max(deepest, len(history))
                for j in range(BARRED):
                    expected = history[j] if j < len(history) else None
                    got = getattr(st, f"barred_{j}")[r, i]
                    assert (got == expected) if expected is not None else got < 0, (r, i, j, history[:BARRED], got)
    assert deepest > BARRED, "no client terminated more than four vendors: the oldest slot was never tested"
