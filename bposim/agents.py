"""The model's agents: clients, vendors, and the relationship of the per-agent engine.

Client and Vendor are Mesa agents that give views of their rows in the model's state arrays
(one value per replication): a client's relationships, trust, spend and net value; a vendor's
clients, capacity, margin and engagement. The weekly dynamics run on those arrays for all
relationships at once (bposim.dynamics), so a market of a million clients needs no million
Python objects to step: `BPOModel.clients` and `.vendors` are rosters that make each agent
the first time it is asked for, and `model.agents` makes them all.

RelationshipAgent is one client-vendor contract in one replication stepping its own floats:
the per-agent engine (bposim.engines.AgentEngine), the plain Mesa loop the array code is
checked and timed against.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import mesa
import numpy as np

from .dynamics.week import Draws, relationship_week
from .ops import SCALAR
from .state import RelationshipState


class Client(mesa.Agent):
    """A firm buying outsourced work.

    Attributes:
        client_id: index of the client (0 is the one `market.big_client_multiplier` scales).
        slots: indices of its relationships (one per vendor it contracts, multi-sourcing).
        practices: the management practices it applies (the client section of the settings).
    """

    def __init__(self, model: "mesa.Model", client_id: int, slots: np.ndarray):
        super().__init__(model)
        self.client_id = client_id
        self.slots = slots
        self.practices = model.settings.client

    def _rows(self, name: str) -> np.ndarray:
        return getattr(self.model.state, name)[:, self.slots]

    @property
    def relationships(self) -> np.ndarray:
        """Indices of its relationships (columns of the state arrays)."""
        return self.slots

    @property
    def baseline_demand(self) -> np.ndarray:
        """Baseline weekly demand per replication (units/week), summed over its vendors."""
        return self._rows("base").sum(axis=1)

    @property
    def vendor_ids(self) -> np.ndarray:
        """Vendors serving it, per replication and slot."""
        return self._rows("vendor_id").astype(int)

    @property
    def trust_in_vendor(self) -> np.ndarray:
        """Its trust in each of its vendors, per replication and slot."""
        return self._rows("trust_in_vendor")

    @property
    def spend(self) -> np.ndarray:
        """This week's payments to its vendors, per replication (MU)."""
        return self._rows("payments").sum(axis=1)

    @property
    def net_value(self) -> np.ndarray:
        """This week's net value from its outsourcing, per replication (MU)."""
        return self._rows("client_net_value").sum(axis=1)


class Vendor(mesa.Agent):
    """A BPO provider serving several clients from one pool of capacity.

    Attributes:
        vendor_id: index of the vendor.
    """

    def __init__(self, model: "mesa.Model", vendor_id: int):
        super().__init__(model)
        self.vendor_id = vendor_id

    def _mine(self) -> np.ndarray:
        """(replications, relationships): which contracts it holds now (they move on a switch)."""
        return self.model.state.vendor_id == self.vendor_id

    def _total(self, name: str) -> np.ndarray:
        return np.where(self._mine(), getattr(self.model.state, name), 0.0).sum(axis=1)

    @property
    def relationships(self) -> list[np.ndarray]:
        """Indices of the relationships it holds, per replication."""
        return [np.flatnonzero(row) for row in self._mine()]

    @property
    def clients(self) -> list[list[int]]:
        """Client ids it serves, per replication."""
        client_of = self.model.client_of
        return [np.unique(client_of[row]).tolist() for row in self._mine()]

    @property
    def capacity(self) -> np.ndarray:
        """Units of work it can serve per week (before shocks), per replication: the staff of
        the contracts it holds now."""
        return self._total("staff")

    @property
    def margin(self) -> np.ndarray:
        """This week's margin over all its clients, per replication (MU)."""
        return self._total("vendor_margin")

    @property
    def engagement(self) -> np.ndarray:
        """Mean engagement of its teams, per replication (nan where it has no client)."""
        count = self._mine().sum(axis=1)
        return np.where(count > 0, self._total("engagement") / np.maximum(count, 1), np.nan)


class Roster(Sequence):
    """The model's clients (or vendors) as a sequence whose agents are made on first use.

    A Mesa agent costs microseconds to make and register; a million of them would cost more
    than building and stepping the market. The roster knows how many there are and makes (and
    keeps) agent i when it is first indexed; `make_all` makes the rest, in order.
    """

    def __init__(self, make: Callable[[int], mesa.Agent], n: int):
        self._make = make
        self._n = n
        self._made: dict[int, mesa.Agent] = {}

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(self._n))]
        i = int(i)
        if i < 0:
            i += self._n
        if not 0 <= i < self._n:
            raise IndexError(f"index {i} out of range for {self._n} agents")
        agent = self._made.get(i)
        if agent is None:
            agent = self._made[i] = self._make(i)
        return agent

    def __iter__(self) -> Iterator[mesa.Agent]:
        return (self[i] for i in range(self._n))

    def make_all(self) -> None:
        if len(self._made) < self._n:
            for i in range(self._n):
                self[i]


class RelationshipAgent(mesa.Agent):
    """One client-vendor contract in one replication, stepping its own floats."""

    def __init__(self, model, replication: int, index: int, st: RelationshipState):
        super().__init__(model)
        self.replication = replication
        self.index = index
        self.st = st
        self.draws: Draws | None = None
        self.review_now = False

    def step(self) -> None:
        m = self.model
        relationship_week(self.st, m.settings, self.draws, self.review_now, m.settings.market.n_vendors, SCALAR)
