"""A tender's shortlist (client.tender_shortlist, bposim/dynamics/tender.py: VendorMarket.invited).

A tender invites a few vendors, not the whole market: the first client.tender_shortlist eligible
ones from a place drawn on stream "shortlists", round the vendors. A market of no more vendors
than that invites every eligible vendor and draws nothing (the golden and pinned runs hold those
numbers). What a shortlist costs the client in vendors' abilities: tests/test_market.py.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

import bposim
from bposim.config import ConfigError, settings_from
from bposim.dynamics.tender import VendorMarket
from bposim.state import BARRED

SEED = 7
TEMPTED = ("vendor.gaming_aversion=0", "vendor.gaming_saving=1.5", "scheme.premium=0", "client.termination_on_detection=1")
WIDE = ("market.vendor_heterogeneity=1", "market.n_clients=24", "market.n_vendors=12")


def tender_state(rng, V, T, week):
    """T tendering relationships (one replication) with random bars, some over, and vendors left."""
    st = SimpleNamespace(last_vendor=rng.integers(0, V, (1, T)).astype(float))
    for j in range(BARRED):
        setattr(st, f"barred_{j}", np.where(rng.random((1, T)) < 0.7, rng.integers(0, V, (1, T)), -1).astype(float))
        setattr(st, f"barred_{j}_until", rng.integers(week - 5, week + 5, (1, T)).astype(float))
    return st, rng.random((1, T)) < 0.8


def eligible_of(st, ended, V, t, week):
    barred = {getattr(st, f"barred_{j}")[0, t] for j in range(BARRED) if getattr(st, f"barred_{j}_until")[0, t] > week}
    left = {st.last_vendor[0, t]} if ended[0, t] and V > 1 else set()
    return [v for v in range(V) if v not in barred | left]


@pytest.mark.parametrize("V, K", [(10, 3), (6, 3), (12, 1), (5, 4), (40, 7)])
def test_a_shortlist_invites_the_first_eligible_vendors_round_the_market_from_its_drawn_place(V, K):
    # Reference: walk the vendors from floor(u V) on, wrapping round, and keep the first K that
    # are neither barred nor the vendor just left; fewer when fewer are eligible (none: in-house).
    rng, T, week = np.random.default_rng(3), 400, 50
    market = VendorMarket(settings_from([f"market.n_vendors={V}", f"client.tender_shortlist={K}"]), None, 1, V)
    st, ended = tender_state(rng, V, T, week)
    start = rng.random(T)
    vendors, invited = market.invited(st, np.zeros(T, dtype=np.intp), np.arange(T), ended, week, start)
    assert (np.diff(vendors, axis=1) > 0).all(), "each row's vendors are distinct, in vendor order"
    sizes = set()
    for t in range(T):
        eligible = eligible_of(st, ended, V, t, week)
        walk = [(int(start[t] * V) + j) % V for j in range(V)]
        expected = [v for v in walk if v in eligible][:K]
        assert sorted(vendors[t][invited[t]]) == sorted(expected), t
        sizes.add(len(expected))
    assert max(sizes) == K
    # At most BARRED + 1 vendors are ineligible: fewer than K are left only in a market that small.
    assert (min(sizes) < K) == (V - BARRED - 1 < K), sizes


@pytest.mark.parametrize("place", [0, 9])
def test_a_full_shortlist_is_invited_past_every_ineligible_vendor_in_a_row(place):
    # The worst case: the four barred vendors and the one just left stand right at the drawn
    # place (round the end of the market from place 9), so the three invited are the next three.
    V, K, week = 12, 3, 20
    market = VendorMarket(settings_from([f"market.n_vendors={V}", f"client.tender_shortlist={K}"]), None, 1, V)
    out = [(place + j) % V for j in range(BARRED + 1)]
    st = SimpleNamespace(last_vendor=np.array([[out[-1]]], dtype=float))
    for j in range(BARRED):
        setattr(st, f"barred_{j}", np.array([[out[j]]], dtype=float))
        setattr(st, f"barred_{j}_until", np.array([[week + 1.0]]))
    vendors, invited = market.invited(st, np.zeros(1, dtype=np.intp), np.zeros(1, dtype=np.intp), np.ones((1, 1), bool),
                                      week, np.array([(place + 0.5) / V]))
    assert sorted(vendors[0][invited[0]]) == sorted((place + BARRED + 1 + j) % V for j in range(K))


def test_without_a_shortlist_a_tender_looks_at_every_eligible_vendor_in_order():
    rng, T, week, V = np.random.default_rng(4), 200, 30, 6
    market = VendorMarket(settings_from([f"market.n_vendors={V}"]), None, 1, V)
    assert market.shortlist is None  # the default invites every vendor of a market this small
    st, ended = tender_state(rng, V, T, week)
    vendors, invited = market.invited(st, np.zeros(T, dtype=np.intp), np.arange(T), ended, week)
    np.testing.assert_array_equal(vendors, np.arange(V)[None, :])
    for t in range(T):
        assert list(np.flatnonzero(invited[t])) == eligible_of(st, ended, V, t, week)


def test_a_market_no_bigger_than_the_shortlist_draws_no_shortlist():
    small = bposim.BPOModel(bposim.compose(["market.n_vendors=12", "client.tender_shortlist=12"]), collect=False)
    big = bposim.BPOModel(bposim.compose(["market.n_vendors=12", "client.tender_shortlist=11"]), collect=False)
    assert small.market.shortlist is None and big.market.shortlist == 11
    with pytest.raises(KeyError):
        small.streams["shortlists"]
    assert big.streams["shortlists"].width == big.n_relationships


@pytest.mark.parametrize("selection", ["tender", "random"])
def test_a_shortlist_holding_every_eligible_vendor_picks_as_the_whole_market_draw_for_draw(selection):
    # A cool-off of one week (so the market's tender runs at a random pick too) bars only the
    # vendor just left: a tender's eligible vendors are the other V - 1. A shortlist of V - 1
    # invites them all and picks what the whole market's tender picks, on the same draw; a
    # shortlist of V - 2 leaves one out and picks otherwise.
    base = [*WIDE[:2], "market.n_vendors=6", "client.cool_off=1", f"client.vendor_selection={selection}", *TEMPTED,
            "steps=104", "record.relationships=all"]
    whole, five, four = (bposim.simulate([*base, f"client.tender_shortlist={k}"], replications=4).relationships
                         for k in (6, 5, 4))
    assert whole.switches.sum() > 20
    pd.testing.assert_frame_equal(five, whole)
    assert not np.array_equal(four.vendor_id, whole.vendor_id)


def test_a_shortlist_is_drawn_again_the_same_for_the_same_seed_and_differs_for_another():
    def vendors(seed):
        return bposim.simulate([*WIDE, *TEMPTED, "client.tender_shortlist=3", "steps=104", f"seed={seed}",
                                "record.relationships=all"], replications=3).relationships.vendor_id.to_numpy()

    np.testing.assert_array_equal(vendors(SEED), vendors(SEED))
    assert not np.array_equal(vendors(SEED), vendors(SEED + 1))


def test_a_replication_draws_the_same_shortlists_alone_or_in_a_batch():
    overrides = [*WIDE, *TEMPTED, "client.tender_shortlist=3", "steps=104", f"seed={SEED}"]
    batch = bposim.simulate(overrides, replications=3).timeseries
    alone = bposim.simulate(overrides, replications=1).timeseries
    assert batch.switches.sum() > 0
    pd.testing.assert_frame_equal(batch[batch.replication == 0].reset_index(drop=True), alone)


@pytest.mark.parametrize("value, problem", [("0", "0 is out of range: allowed [1, 1000000] (vendors a tender invites"),
                                            ("-3", "-3 is out of range: allowed [1, 1000000]"),
                                            ("1000001", "1000001 is out of range: allowed [1, 1000000]"),
                                            ("2.5", "2.5 must be a whole number")])
def test_a_shortlist_out_of_range_is_refused_in_one_line(value, problem):
    with pytest.raises(ConfigError) as error:
        settings_from([f"client.tender_shortlist={value}"])
    [line] = error.value.problems
    assert line.startswith(f"client.tender_shortlist = {problem}") and "\n" not in line
