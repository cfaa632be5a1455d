"""Clients and vendors: Mesa agents made on demand, with views over the state arrays."""

from __future__ import annotations

import numpy as np
import pytest

import bposim
from bposim.agents import Client, RelationshipAgent, Vendor
from private_api import registered_agents


def stepped(weeks=8, **params):
    m = bposim.BPOModel(replications=2, collect=False, engine="array", **params)
    for _ in range(weeks):
        m.step()
    return m


def test_building_a_market_makes_no_agent_until_one_is_asked_for():
    m = bposim.BPOModel(n_clients=20_000, n_vendors=400, steps=1, collect=False)
    assert registered_agents(m) == 0, "no Python object per client or vendor at build"
    assert len(m.clients) == 20_000 and len(m.vendors) == 400
    first, last = m.clients[0], m.clients[-1]
    assert m.clients[0] is first and last.client_id == 19_999
    assert registered_agents(m) == 2, "indexing makes only the agent asked for"
    assert len(m.agents) == 20_400 and m.agent_types == [Client, Vendor]
    assert [c.client_id for c in m.clients[:3]] == [0, 1, 2]


def test_client_views_add_up_to_the_market():
    m = stepped(n_clients=7, n_vendors=3, vendors_per_client=2)
    slots = np.concatenate([c.relationships for c in m.clients])
    assert sorted(slots.tolist()) == list(range(m.n_relationships))
    for c in m.clients:
        assert (m.client_of[c.relationships] == c.client_id).all()
    np.testing.assert_allclose(sum(c.spend for c in m.clients), m.state.payments.sum(axis=1))
    np.testing.assert_allclose(sum(c.net_value for c in m.clients), m.state.client_net_value.sum(axis=1))
    np.testing.assert_allclose(sum(c.baseline_demand for c in m.clients), m.state.base.sum(axis=1))
    assert m.clients[0].trust_in_vendor.shape == (2, 2) and m.clients[0].vendor_ids.shape == (2, 2)


def test_vendor_views_add_up_to_the_market():
    m = stepped(weeks=30, n_clients=12, n_vendors=4, review_period=4, scheme="per_volume")
    for r in range(2):
        held = sorted(i for v in m.vendors for i in v.relationships[r].tolist())
        assert held == list(range(m.n_relationships)), "each relationship has one vendor"
        served = sorted(c for v in m.vendors for c in v.clients[r])
        assert served == sorted(m.client_of.tolist())
    np.testing.assert_allclose(sum(v.margin for v in m.vendors), m.state.vendor_margin.sum(axis=1))
    np.testing.assert_allclose(sum(v.capacity for v in m.vendors), m.state.staff.sum(axis=1))
    assert np.all((m.vendors[0].engagement >= 0) & (m.vendors[0].engagement <= 1))


def test_the_per_agent_engine_steps_relationship_agents():
    m = bposim.BPOModel(n_clients=2, n_vendors=1, engine="agents", collect=False)
    assert m.agent_types == [RelationshipAgent, Client, Vendor]
    assert len(m.agents_by_type[RelationshipAgent]) == 2


def test_blocked_relationship_phases_give_the_same_numbers():
    cfg = bposim.compose(["market.n_clients=300", "market.n_vendors=12", "market.vendors_per_client=2",
                          "shock.random_rate=0.05", "client.review_period=3", "steps=30", "record.relationships=all"])
    runs = []
    for block in (None, 37):
        m = bposim.BPOModel(cfg, replications=2, collect=False, engine="array")
        if block:
            m.engine.block = block
        for _ in range(m.n_steps):
            m.advance_week()
        runs.append((m.recorder.weekly(), np.stack(m.recorder.frames)))
    for whole, blocked in zip(*runs):
        np.testing.assert_array_equal(whole, blocked)


@pytest.mark.parametrize("clients", [1, 2, 3, 7, 8, 40])
def test_the_recorders_sums_are_numpys_sums(clients):
    from bposim.metrics import ATTRIBUTES

    m = bposim.BPOModel(n_clients=clients, n_vendors=1, replications=300, collect=False, engine="array",
                        scheme="per_volume", review_period=2)
    for _ in range(5):
        m.advance_week()
        np.testing.assert_array_equal(m.engine.sums(ATTRIBUTES), m.engine.frame(ATTRIBUTES).sum(axis=2))
