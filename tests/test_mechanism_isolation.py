"""One mechanism, one test: each switches off the channels that could stand in for it.

Every test compares two runs that differ only in the lever of one mechanism, on common random
numbers (tests/crn.py), with the rival channels switched off so that, were the mechanism
broken, the two runs would agree (most then agree exactly). It asserts the direction with a
95% confidence interval excluding zero and the size: against a quantity recomputed from the
run's own records where the mechanism fixes it (attention, audits, size), otherwise within a
band around the size the mechanism had when the test was written.

Each test was checked by breaking its mechanism in a copy of the code and seeing it fail
(benchmarks/mutation.py, the declared knock-outs).
"""

from __future__ import annotations

import numpy as np
import pytest

from crn import assert_effect, per_replication, run

SEED = 2024
REPS = 12
SHOCK_WEEKS = (53, 60)  # steps of shock=surge: starts in week 52 (step 53), lasts 8 weeks

# Trust held at its start value, so the audit chance cannot move.
STICKY_TRUST = ("client.trust_model=fixed",)


def rels(*overrides: str):
    return run(*overrides, reps=REPS, seed=SEED).relationships


def summ(*overrides: str):
    return run(*overrides, reps=REPS, seed=SEED).summary.sort_values("replication")


def breaks(frame) -> np.ndarray:
    return per_replication(frame, "breaks_flagged", "sum") + per_replication(frame, "breaks_missed", "sum")


# --- audits (dynamics/audits.py) -----------------------------------------------------------------


def test_detection_resets_the_deviance_that_rare_audits_let_grow():
    # Per-volume pay, no clawback and no reviews: the audit chance then enters the vendor's
    # choice nowhere (no expected penalty, no termination, no score to inflate), and warnings
    # (which also reset deviance) never come. What frequent audits still do is find the corners
    # cut and reset the drift of the aversion to cutting them; without that reset the two runs
    # are the same run.
    iso = ("scheme=per_volume", "client.gaming_sanction=0", "client.review_period=0", "vendor.gaming_drift=0.05")
    rare = summ(*iso, "client.audit_rate=0.05")
    frequent = summ(*iso, "client.audit_rate=0.5")
    # 0.08 when written: deviance caps at (1 - aversion's share left), so the effect is bounded.
    assert_effect(rare.gaming, frequent.gaming, "gaming, rare vs frequent audits (deviance reset only)",
                  size=(0.04, 0.16))


# Trust moved by its own evidence from the same start: the client reads each week's score against
# what it expects of a trustworthy and an untrustworthy vendor. With a low bar for the untrustworthy
# type (0.25) a good week is evidence for the vendor and trust climbs; a client that expects
# near-perfect work of either type (1 and 0.98, spread 0.2) reads the same weeks as evidence against
# it. Both arms start a contract at the same trust, so a mechanism that read the start value instead
# of the trust of the week would show no difference. Reviews off: no audit boost, no switch
# resetting trust.
TRUST_ARMS = (("client.belief_quality_if_untrustworthy=0.25",),
              ("client.belief_quality_if_trustworthy=1", "client.belief_quality_if_untrustworthy=0.98",
               "client.belief_quality_spread=0.2"))


def with_last_weeks_trust(*overrides: str):
    """Relationship-weeks with the client's trust as it stood when the week began."""
    frame = rels(*overrides).sort_values(["replication", "relationship", "step"])
    start = run(*overrides, reps=REPS, seed=SEED).settings.client.trust_init
    before = frame.groupby(["replication", "relationship"]).trust_in_vendor.shift().fillna(start)
    return frame.assign(trust_before=before)


def test_audits_come_more_often_the_less_the_client_trusts():
    # Audit chance audit_rate * (1 + audit_trust_sensitivity * (1 - trust)): linear in trust
    # (and far from the cap of 1 here), so the difference in audits per relationship-week is
    # audit_rate * sensitivity times the difference in trust.
    trusting, wary = (with_last_weeks_trust("client.review_period=0", *arm) for arm in TRUST_ARMS)
    c = run("client.review_period=0", reps=REPS, seed=SEED).settings.client
    gap = per_replication(trusting, "trust_before") - per_replication(wary, "trust_before")
    assert gap.mean() > 0.4
    expected = c.audit_rate * c.audit_trust_sensitivity * gap.mean()
    assert_effect(per_replication(wary, "audits"), per_replication(trusting, "audits"),
                  "audits per relationship-week, wary vs trusting client", size=(0.75 * expected, 1.25 * expected))


def test_oversight_hours_fall_with_the_clients_trust():
    # Replaces a reading of hours by trust band in observed data (confounded: low-trust weeks
    # are also weeks of breaks and repeated items). Every per-event hour off, so what is left is
    # supervision, base * (1 - trust_relief * trust) * (1 - scope_relief * clarity), and the
    # difference follows the difference in trust exactly.
    quiet = ("client.review_period=0", "client.hours_per_audit=0", "client.hours_per_missed_break=0",
             "client.hours_per_flagged_break=0", "client.hours_per_feedback_item=0")
    trusting, wary = (with_last_weeks_trust(*quiet, *arm) for arm in TRUST_ARMS)
    c = run(*quiet, reps=REPS, seed=SEED).settings.client
    gap = per_replication(trusting, "trust_before") - per_replication(wary, "trust_before")
    expected = (c.oversight_base_hours * c.oversight_trust_relief * (1 - c.oversight_scope_relief * c.expectation_clarity)
                * gap.mean())
    assert expected > 0.5
    assert_effect(per_replication(wary, "oversight_hours"), per_replication(trusting, "oversight_hours"),
                  "weekly oversight hours, wary vs trusting client", size=(0.99 * expected, 1.01 * expected))


# quality_weighted pays for quality, so it needs a bigger saving to cut corners at all.
@pytest.mark.parametrize("scheme, saving", [("per_volume", 0.4), ("quality_weighted", 1.0)])
def test_the_expected_sanction_deters_corner_cutting(scheme, saving):
    # Only the expected penalty audit_belief * sanction links audits to the choice here: no
    # reviews and an open-ended contract (no termination threat, no boost), no drift (no deviance reset), trust held (the
    # audit rate does not move), and a score gaming cannot inflate (metric_gameability 0: the
    # unaudited share of the score is no gain), so quality_weighted's other audit channel is shut.
    iso = (f"scheme={scheme}", "client.review_period=0", "client.contract_term=0", "vendor.gaming_drift=0",
           "vendor.metric_gameability=0",
           f"vendor.gaming_saving={saving}", *STICKY_TRUST)
    rare = rels(*iso, "client.audit_rate=0.05")
    frequent = rels(*iso, "client.audit_rate=0.5")
    # Interior best response: gaming falls by sanction / gaming_cost per unit of audit belief,
    # and the belief follows the audits met (0.98 of that under per_volume when written). Under
    # quality_weighted the pay's slope at the point expected moves with gaming too (0.72), so
    # the size must lie between 60% and 110% of that.
    p = run(*iso, "client.audit_rate=0.05", reps=REPS, seed=SEED).settings
    expected = p.client.gaming_sanction / p.vendor.gaming_cost * (frequent.audits.mean() - rare.audits.mean())
    assert_effect(per_replication(rare, "gaming"), per_replication(frequent, "gaming"),
                  f"gaming under {scheme}, rare vs frequent audits (deterrence only)",
                  size=(0.6 * expected, 1.1 * expected))


# --- production and process breaks (dynamics/production.py, dynamics/breaks.py) ----------------------


def test_a_stretched_team_delivers_lower_true_quality():
    # The pressure loss is m.pressure_quality_loss * (1 - attention): during the surge the
    # difference in true quality must match it, computed from the attention recorded.
    stretched = rels("shock=surge", "market.pressure_quality_loss=0.3")
    unharmed = rels("shock=surge", "market.pressure_quality_loss=0")
    window = [r[r.step.between(*SHOCK_WEEKS)] for r in (stretched, unharmed)]
    expected = -0.3 * float((1.0 - window[1].attention).mean())
    assert expected < -0.05, "the surge should leave the teams short of capacity"
    assert_effect(per_replication(window[0], "true_quality"), per_replication(window[1], "true_quality"),
                  "true quality during the surge, pressure loss vs none", sign=-1,
                  size=(1.3 * expected, 0.7 * expected))


# No break more likely under corner-cutting, and many of them, so a flagged share is measured
# every replication.
MANY_BREAKS = ("client.break_gaming=0", "client.break_rate=0.3")


def test_low_attention_makes_breaks_more_likely():
    # Always short of capacity; the extra breaks are break_rate * break_pressure * (1 - attention),
    # so relative to the breaks without pressure they are about the mean shortfall of attention.
    short = ("vendor.capacity_slack=0.8", *MANY_BREAKS)
    pressed = rels(*short, "client.break_pressure=1")
    calm = rels(*short, "client.break_pressure=0")
    shortfall = float((1.0 - calm.attention).mean())
    assert shortfall > 0.1
    effect = assert_effect(breaks(pressed), breaks(calm), "breaks per replication, break pressure vs none")
    relative = effect.mean / breaks(calm).mean()
    assert relative == pytest.approx(shortfall, rel=0.3), f"extra breaks {relative:.3f} vs shortfall {shortfall:.3f}"


def test_a_team_short_of_capacity_flags_fewer_of_its_breaks():
    # Flagging scales with attention. Break pressure and the pressure quality loss off, so the
    # breaks and the quality a short team meets are those of an amply staffed one; the share it
    # flags must shrink in the proportion of its attention.
    iso = (*MANY_BREAKS, "client.break_pressure=0", "market.pressure_quality_loss=0")
    short = rels(*iso, "vendor.capacity_slack=0.7")
    ample = rels(*iso, "vendor.capacity_slack=2")
    assert (ample.attention == 1.0).all()

    def flagged_share(frame):
        return per_replication(frame, "breaks_flagged", "sum") / breaks(frame)

    effect = assert_effect(flagged_share(ample), flagged_share(short), "share of breaks flagged, ample vs short capacity")
    ratio = flagged_share(short).mean() / flagged_share(ample).mean()
    assert ratio == pytest.approx(short.attention.mean(), rel=0.08), f"flagged-share ratio {ratio:.3f}, {effect}"


# --- the capacity split (dynamics/market.py) ---------------------------------------------------------


def test_a_bigger_client_pulls_the_vendors_attention():
    # One short vendor, client 0 three times the others, no pull from margin or trust: with the
    # size pull, where client 0 is not fully served its attention is exp(attention_size * log 3)
    # times a small client's; without it every client gets the same share. No cool-off: a client
    # ending its contract signs with the one vendor again rather than taking the work in-house.
    iso = ("market.n_vendors=1", "client.cool_off=0", "vendor.capacity_slack=0.8", "market.client_size_spread=0",
           "market.big_client_multiplier=3", "vendor.attention_margin=0", "vendor.attention_trust=0")
    pulled = rels(*iso, "vendor.attention_size=0.5")
    even = rels(*iso, "vendor.attention_size=0")

    def gap(frame):
        return per_replication(frame[frame.client_id == 0], "attention") - per_replication(frame[frame.client_id > 0], "attention")

    assert_effect(gap(pulled), gap(even), "attention, big minus small client, size pull vs none", size=(0.2, 0.5))
    weekly = pulled.pivot_table(index=["replication", "step"], columns="client_id", values="attention")
    rationed = weekly[weekly[0] < 1.0]
    assert len(rationed) > 100
    np.testing.assert_allclose(rationed[0] / rationed[1], 3 ** 0.5, rtol=1e-9)


# --- contract reviews (dynamics/reviews.py) --------------------------------------------------------

# A gameable quality-weighted contract whose vendor drifts toward corner-cutting, rarely audited,
# under reviews that can only re-weight pay (and boost audits): each review test switches one more off.
DRIFTING_UNDER_REWEIGHTING = ("scheme=quality_weighted", "vendor.metric_gameability=1.0", "vendor.gaming_drift=0.05",
                              "client.audit_rate=0.05", "client.review_warn=false", "client.review_terminate=false",
                              "client.review_reprice=false")


def test_reweighting_alone_curbs_drifting_corner_cutting():
    # Reviews that only re-weight pay toward audited quality: no warning, termination or
    # re-pricing, and no audit boost (audit_boost_step 1), which on its own would deter gaming.
    drifting = (*DRIFTING_UNDER_REWEIGHTING, "client.audit_boost_step=1")
    reviewed = summ(*drifting, "client.review_period=13")
    unreviewed = summ(*drifting, "client.review_period=0")
    # Sizes when written: gaming 0.41 lower, quality gap 0.17 lower, true quality 0.16 higher.
    assert_effect(reviewed.gaming, unreviewed.gaming, "gaming, re-weighting reviews vs none", sign=-1, size=(-0.7, -0.2))
    assert_effect(reviewed.quality_gap, unreviewed.quality_gap, "quality gap, re-weighting reviews vs none", sign=-1,
                  size=(-0.3, -0.08))
    assert_effect(reviewed.true_quality, unreviewed.true_quality, "true quality, re-weighting reviews vs none",
                  size=(0.08, 0.3))


def test_unchecked_drift_wears_the_aversion_away_but_no_further():
    # No audits at all, so nothing resets deviance: after two years of strong drift the vendor
    # cuts corners like one with no aversion, and no more (deviance saturates at 1; were it to
    # pass 1, the aversion would turn into a taste for cutting corners).
    base = ("scheme=per_volume", "client.audit_rate=0", "client.review_period=0", "scheme.price=0.5")
    drifted = run(*base, "vendor.gaming_drift=0.5", reps=REPS, seed=SEED).timeseries
    shameless = run(*base, "vendor.gaming_aversion=0", "vendor.engagement_aversion=0", "vendor.gaming_drift=0",
                    reps=REPS, seed=SEED).timeseries
    last = [per_replication(t[t.step > 104], "gaming") for t in (drifted, shameless)]
    assert 0.3 < last[1].mean() < 0.9, "the shameless vendor's gaming should be interior"
    np.testing.assert_allclose(last[0], last[1], atol=1e-3)


def test_reviews_that_find_misalignment_audit_more():
    # Only the audit boost differs: reviews that find the score drifting from the truth multiply
    # the audit rate by audit_boost_step (1 switches the boost off).
    drifting = (*DRIFTING_UNDER_REWEIGHTING, "client.review_period=13")
    boosted = rels(*drifting, "client.audit_boost_step=1.5")
    flat = rels(*drifting, "client.audit_boost_step=1")
    later = [f[f.step > 52] for f in (boosted, flat)]
    effect = assert_effect(per_replication(later[0], "audits"), per_replication(later[1], "audits"),
                           "audits per relationship-week after the first year, boost vs none")
    assert effect.mean > 0.5 * later[1].audits.mean(), f"the boost should at least add half the audits: {effect}"
