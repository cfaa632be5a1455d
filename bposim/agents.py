"""Client and Vendor agents: the model's structure and public face.

Agents carry identity and the policies they act under, and give read-only views of their rows
in the model's state arrays (one value per replication). The weekly dynamics run on those
arrays for all relationships at once (bposim.dynamics), not in a Python loop per agent.
"""

from __future__ import annotations

import mesa
import numpy as np


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

    @property
    def capacity(self) -> np.ndarray:
        """Units of work it can serve per week (before shocks), per replication: the staff of
        the contracts it holds now."""
        return np.where(self._mine(), self.model.state.staff, 0.0).sum(axis=1)

    def _mine(self) -> np.ndarray:
        return self.model.state.vendor_id == self.vendor_id

    @property
    def clients(self) -> list[list[int]]:
        """Client ids it serves, per replication."""
        client_of = self.model.client_of
        return [sorted(set(client_of[row].tolist())) for row in self._mine()]

    @property
    def margin(self) -> np.ndarray:
        """This week's margin over all its clients, per replication (MU)."""
        return np.where(self._mine(), self.model.state.vendor_margin, 0.0).sum(axis=1)

    @property
    def engagement(self) -> np.ndarray:
        """Mean engagement of its teams, per replication (nan where it has no client)."""
        mine = self._mine()
        total = np.where(mine, self.model.state.engagement, 0.0).sum(axis=1)
        count = mine.sum(axis=1)
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)
