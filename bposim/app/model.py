"""The model behind the workshop page: one contract, or two side by side (A/B).

WorkshopModel is what the page (a mesa.Model) steps and rebuilds on Reset. It holds one BPOModel per
contract. In A/B mode both are built from the same seed, so they draw the same demand, shocks,
breaks and audit dice (common random numbers, bposim.rng): any difference between the panes
is the contract's (and the lesson's one changed practice), not luck.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import Any

import mesa
import numpy as np

from ..metrics import ALL, FOOTER
from ..config import Settings, settings_from
from ..model import BPOModel
from .levers import LEVERS, checked, contract_b, model_overrides
from .plots import RECENT_SWITCH



_COMPOSING = threading.Lock()


def contract_settings(overrides: tuple[tuple[str, Any], ...]) -> Settings:
    """The validated settings of a contract's overrides, composed once per server process:
    composing (Hydra, OmegaConf) takes ~40 ms a contract, and a room of 30 opening the page or
    picking the same lesson would compose the same settings 30 or 60 times. Settings are only
    read by a model, so every model of the same overrides can share them. One composition at a
    time: 30 sessions picking a new lesson at the same moment wait for the first one's instead
    of all composing it (the work holds the interpreter's lock anyway)."""
    with _COMPOSING:
        return _composed(overrides)


@lru_cache(maxsize=512)
def _composed(overrides: tuple[tuple[str, Any], ...]) -> Settings:
    return settings_from(None, dict(overrides))


class WorkshopModel(mesa.Model):
    """A workshop market under contract A, and under contract B when comparing.

    Args:
        scheme: contract A's payment scheme.
        audit_rate: chance per week of an audit at full trust.
        metric_gameability: how far corner-cutting inflates the measured quality score.
        feedback_clarity: how clear and actionable feedback items are (0-1).
        two_way_feedback: how much the client asks for the vendor's feedback (0-1).
        context_sharing: sharing of playbooks and business updates (0-1).
        recognition: how much good work is recognised (0-1).
        quarterly_reviews: review the contract every 13 weeks.
        pressure_shock: a demand surge with lost capacity from week 52.
        compare: also run contract B on the same random streams.
        scheme_b: contract B's payment scheme.
        b_changes: lever values B holds differently from A (a lesson's one changed practice).
        rng: seed of every random stream (the same seed gives the same run).
        market: market settings other than the page's (room mode's larger market), e.g.
            {"market.n_clients": 16, "market.n_vendors": 4}.
    """

    def __init__(self, scheme: str = "per_volume", audit_rate: float = 0.1, metric_gameability: float = 0.6,
                 feedback_clarity: float = 0.5, two_way_feedback: float = 0.5, context_sharing: float = 0.5,
                 recognition: float = 0.3, quarterly_reviews: bool = True, pressure_shock: bool = False,
                 compare: bool = False, scheme_b: str = "shared_outcome", b_changes: dict | None = None,
                 rng: Any = 0, market: dict | None = None):
        seed = 0 if rng is None else int(rng)
        super().__init__(rng=seed)
        self.seed = seed
        self.levers = checked(dict(
            scheme=scheme, audit_rate=audit_rate, metric_gameability=metric_gameability,
            feedback_clarity=feedback_clarity, two_way_feedback=two_way_feedback,
            context_sharing=context_sharing, recognition=recognition,
            quarterly_reviews=quarterly_reviews, pressure_shock=pressure_shock,
            compare=compare, scheme_b=scheme_b))
        self.b_changes = dict(b_changes or {})
        # Checked even when B is off: a lesson's change with a typo must not pass unnoticed.
        contract_b(self.levers, self.b_changes)
        self.market = dict(market or {})
        self.contracts: dict[str, BPOModel] = {"A": self._contract(self.levers, seed, self.market)}
        if compare:
            self.levers_b = contract_b(self.levers, self.b_changes)
            self.contracts["B"] = self._contract(self.levers_b, seed, self.market)
        self.steps_total = self.contracts["A"].n_steps
        # Week each relationship last moved to another vendor (-inf: never), per pane.
        self.last_switch = {pane: np.full(c.n_relationships, -np.inf) for pane, c in self.contracts.items()}

    @staticmethod
    def _contract(levers: dict, seed: int, market: dict) -> BPOModel:
        # Mesa's DataCollector is off: the pane reads the recorder's arrays, which hold the
        # same weekly values without a deep copy per week.
        overrides = {**model_overrides(levers), **market}
        return BPOModel(contract_settings(tuple(sorted(overrides.items()))), rng=seed, collect=False, engine="array")

    def step(self) -> None:
        """One week for every contract on the page."""
        for pane, contract in self.contracts.items():
            if contract.running:
                before = contract.state.vendor_id[0].copy()
                contract.advance_week()
                moved = contract.state.vendor_id[0] != before
                self.last_switch[pane][moved] = contract.week
        self.running = any(c.running for c in self.contracts.values())

    @property
    def week(self) -> int:
        """Weeks simulated so far."""
        return self.contracts["A"].week

    def series(self, pane: str) -> dict[str, np.ndarray]:
        """Weekly market values so far of one contract, by metric name (bposim.metrics.ALL):
        flows summed over relationships, rates and indices averaged."""
        weekly = self.contracts[pane].recorder.weekly()[:, :, 0]
        return {name: weekly[:, k] for k, name in enumerate(_NAMES)}

    def plot_ranges(self) -> dict[str, tuple[float, float]]:
        """Ranges the data-scaled panels show from week 1 (they widen if the run leaves them):
        a few escalations a week, and client value from a quarter of the market's gross value
        below zero up to all of it (a switch's cost shows as a dip)."""
        contract = self.contracts["A"]
        c = contract.settings.client
        gross = float(contract.client_size.sum()) * (c.value_volume + c.value_quality)
        return {"escalations": (0.0, 4.0), "client_net_value": (-gross / 4, gross)}

    def network(self, pane: str) -> dict[str, np.ndarray]:
        """Who serves whom this week, with trust, gaming, volume and recent switches (replication 0)."""
        contract = self.contracts[pane]
        st = contract.state
        vendor_id = st.vendor_id[0].astype(int)
        n_vendors = len(contract.vendors)
        # Work a client does itself (vendor index n_vendors) is no vendor's: it has no node.
        by_vendor = vendor_id < n_vendors
        trust_in_client = st.trust_in_client[0][by_vendor]
        served = np.bincount(vendor_id[by_vendor], minlength=n_vendors)
        vendor_trust = np.where(served > 0, np.bincount(vendor_id[by_vendor], trust_in_client, n_vendors)
                                / np.maximum(served, 1), contract.settings.vendor.trust_init)
        size = contract.client_size[0]
        volume = st.volume[0]
        recent = contract.week - self.last_switch[pane] <= RECENT_SWITCH
        return {
            "client_of": contract.client_of,
            "vendor_id": vendor_id,
            "trust_in_vendor": st.trust_in_vendor[0],
            "client_trust": np.bincount(contract.client_of, st.trust_in_vendor[0]) / np.bincount(contract.client_of),
            "client_size": size / size.max(),
            "vendor_trust": vendor_trust,
            "volume_share": volume / max(volume.max(), 1e-9),
            "gaming": st.gaming[0],
            "recent_switch": np.unique(contract.client_of[recent]),
        }

    def totals(self, pane: str) -> dict[str, float]:
        """Running totals of the week's counts and hours so far, for the pane's footer."""
        return running_totals(self.series(pane))

    def running_with(self) -> str:
        """The lever values this model was built with, as one line (the sliders may have moved since)."""
        shown = [f"{lever.label.lower()} {_show(self.levers[lever.name])}" for lever in LEVERS
                 if lever.name not in ("scheme", "compare", "scheme_b")]
        return f"seed {self.seed}, " + ", ".join(shown)

    def describe(self, pane: str) -> str:
        """One line naming the contract and what B changes, for the pane's title."""
        levers = self.levers if pane == "A" else self.levers_b
        text = f"{pane}: {levers['scheme'].replace('_', ' ')}"
        if pane == "B" and self.b_changes:
            text += " + " + ", ".join(f"{name.replace('_', ' ')} {_show(value)}"
                                      for name, value in self.b_changes.items())
        return text


def running_totals(series: dict[str, np.ndarray]) -> dict[str, float]:
    """The footer's totals from a pane's weekly series (WorkshopModel.series)."""
    return {name: float(series[name].sum()) for name in FOOTER}


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    return f"{value:g}" if isinstance(value, float) else str(value)


_NAMES = [m.name for m in ALL]
