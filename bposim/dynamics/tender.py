"""Vendor types and the market's memory: who a client that ends a contract turns to next.

Vendors differ in type, drawn once at set-up from their own random stream ("vendor_types", so
every scheme and parameter point of a seed meets the same vendors): ability (quality per unit
of quality effort), cost (a factor on vendor.operating_cost), integrity (aversion to cutting
corners added to vendor.gaming_aversion) and capacity (a factor on vendor.capacity_slack).
Log ability, log cost and log capacity are normal with mean-one factors; integrity is a
normal shift. market.vendor_heterogeneity scales every spread: at 0 each vendor has ability 1,
cost 1, integrity 0 and capacity 1, and the equations see exactly the numbers they saw before
types existed.

After the relationship phases of a week, every relationship whose contract ended that week,
and every one whose in-house spell is over, runs a tender (`tender`):
  - the vendor just left is passed over (when another exists), and every vendor the client
    terminated (at a review, or at a term's end for corner-cutting found) less than
    client.cool_off weeks ago is barred; a vendor not renewed, or that walked away, is not;
  - the client invites client.tender_shortlist of the eligible vendors, as a real tender invites
    a few bidders, not the whole market: the first ones at or after a place drawn uniformly
    (stream "shortlists"), going round the vendors; in a market of no more vendors than that,
    every eligible vendor, with no draw. So a tender's work grows with the shortlist, not with
    the market's vendors;
  - with client.vendor_selection = tender the client picks the invited vendor of best expected
    value per unit of demand: its value to the client at the quality the market has seen from
    that vendor (its reputation: audited true quality over every client's audits, with a prior
    of client.reputation_weight audits at the quality target), less its price (its cost-based
    bid under participation pricing; the written terms, the same for all, otherwise), less the
    expected cost of having to end the contract again (audit chance x the share of audits that
    found corner-cutting x termination chance x switching cost); equally good vendors are drawn
    at random; with random, a vendor is drawn uniformly from the invited;
  - with none eligible, the client takes the work in-house for client.inhouse_weeks weeks
    (vendor index n_vendors, a cell of its own in the capacity split), then tenders again.
The array engine runs it on its arrays; the per-agent engine on its agents' floats gathered
into arrays and written back (bposim.engines), so both give the same numbers.
"""

from __future__ import annotations

import numpy as np

from ..state import BARRED, restart_contracts
from .contract import audit_chance, client_value

TYPE_FIELDS = ("vendor_ability", "vendor_cost_factor", "vendor_integrity")

# Rows of vendors scored at once: keeps a tender's (rows x vendors) scores small in big markets.
SCORE_CELLS = 1 << 22


def _heterogeneous(m) -> bool:
    return bool(np.any(np.asarray(m.vendor_heterogeneity) > 0.0))


def draw_types(m, z: np.ndarray) -> dict[str, np.ndarray]:
    """Vendor types (R, V + 1) from standard normals z (R, 4, V); the last column is the client's
    own in-house team, of neutral type."""
    h = np.asarray(m.vendor_heterogeneity, float)
    h = h.reshape(-1, 1) if h.ndim else h

    def factor(spread, x):  # mean-one lognormal
        s = h * spread
        return np.exp(s * x - 0.5 * s * s)

    types = {"vendor_ability": factor(m.ability_spread, z[:, 0]), "vendor_cost_factor": factor(m.cost_spread, z[:, 1]),
             "vendor_integrity": h * m.integrity_spread * z[:, 2], "capacity": factor(m.capacity_spread, z[:, 3])}
    neutral = {"vendor_ability": 1.0, "vendor_cost_factor": 1.0, "vendor_integrity": 0.0, "capacity": 1.0}
    return {k: np.concatenate([np.broadcast_to(a, z[:, 0].shape), np.full((z.shape[0], 1), neutral[k])], axis=1)
            for k, a in types.items()}


class VendorMarket:
    """The vendors' types and the market's memory of them, per replication (R, V + 1)."""

    def __init__(self, settings, streams, replications: int, n_vendors: int):
        m, c = settings.market, settings.client
        self.n_vendors = n_vendors
        self.types = draw_types(m, streams.once("vendor_types", (4, n_vendors))) if _heterogeneous(m) else None
        shape = (replications, n_vendors + 1)
        self.bank = {k: np.zeros(shape) for k in ("seen_audits", "seen_detected", "seen_quality")}
        self.rows = np.arange(replications)[:, None]
        # Whether a week's ends need this phase at all: otherwise the relationship phases' own
        # uniform pick among the other vendors stands (the model before the tender existed).
        self.active = c.vendor_selection == "tender" or c.cool_off > 0
        # Vendors invited to a tender, when fewer than the market's: a shortlist, drawn per tender.
        self.shortlist = c.tender_shortlist if c.tender_shortlist < n_vendors else None
        # Places a tender looks at from the drawn one: at most BARRED + 1 vendors are ineligible
        # (the barred ones and the vendor just left), so these hold a full shortlist whenever the
        # market has one, and the work is O(tendering x window), not O(tendering x V).
        self.window = n_vendors if self.shortlist is None else min(n_vendors, self.shortlist + BARRED + 1)

    @staticmethod
    def stream_widths(settings, n_relationships: int, n_vendors: int) -> dict[str, int]:
        """The streams the tenders draw from, one uniform per relationship and tender week each:
        the pick, and where the shortlist starts (only in a market bigger than the shortlist, so
        a small market's runs need no generators for it)."""
        widths = {"tenders": n_relationships}
        if settings.client.tender_shortlist < n_vendors:
            widths["shortlists"] = n_relationships
        return widths

    def start(self, st, settings) -> None:
        """The relationships at set-up take on their first vendors' types."""
        if self.types is not None:
            self.give_types(st, settings, np.ones(st.base.shape, dtype=bool))

    def give_types(self, st, settings, mask) -> None:
        """Where mask is true, the relationship takes on its (new) vendor's type and staffing."""
        vendor = st.vendor_id.astype(np.intp)
        for name in (*TYPE_FIELDS, "capacity"):
            value = np.take_along_axis(self.types[name], vendor, axis=1)
            if name == "capacity":
                st.staff = np.where(mask, settings.vendor.capacity_slack * st.base * value, st.staff)
            else:
                setattr(st, name, np.where(mask, value, getattr(st, name)))

    def reputation(self, st) -> dict[str, np.ndarray]:
        """Every client's audits of each vendor so far, (R, V + 1): banked from contracts that
        ended, plus the running contracts'."""
        R, V1 = self.bank["seen_audits"].shape
        index = (self.rows * V1 + st.vendor_id.astype(np.intp)).ravel()
        return {k: bank + np.bincount(index, weights=getattr(st, k).ravel(), minlength=R * V1).reshape(R, V1)
                for k, bank in self.bank.items()}

    def values(self, st, p, rep, rows, cols, vendors=None) -> np.ndarray:
        """Expected value per unit of demand of each vendor (T, W) to the tendering relationships
        at (rows, cols): vendors (T or 1, W) are the vendors' indices, every vendor when None."""
        c = _Rows(p.client, rows)
        at = (rows[:, None], np.arange(self.n_vendors)[None, :] if vendors is None else vendors)
        k = c.reputation_weight
        audits = rep["seen_audits"][at]
        quality = (k * c.quality_target + rep["seen_quality"][at]) / np.maximum(k + audits, 1e-12)
        found = rep["seen_detected"][at] / np.maximum(k + audits, 1e-12)
        price = 0.0
        if p.scheme.pricing == "participation" and self.types is not None:
            price = _Rows(p.vendor, rows).operating_cost * self.types["vendor_cost_factor"][at]
        refit = (audit_chance(c, st.audit_boost[rows, cols][:, None], c.trust_init, np)
                 * found * np.minimum(c.termination_on_detection, 1.0)
                 * c.switching_cost / st.base[rows, cols][:, None])
        return client_value(c, 1.0, quality, 1.0, 1.0) - price - refit

    def needed(self, st) -> bool:
        """Whether this week's end needs the phase: a contract ended, or an in-house spell is over."""
        return bool((st.switches > 0.0).any() or ((st.in_house > 0.0) & (st.inhouse_left <= 0.0)).any())

    def tender(self, st, p, week: int, u: np.ndarray, start: np.ndarray | None = None) -> None:
        """Run the week's tenders in place (see the module's docstring); u: (R, N) uniforms for
        the pick, start: (R, N) uniforms for where each shortlist starts (with a shortlist);
        week: weeks simulated so far (a vendor barred until week w is eligible from then on)."""
        c = p.client
        ended = st.switches > 0.0
        if not self.active:  # the phases' own pick stands; a new vendor brings its type
            if self.types is not None and ended.any():
                self.give_types(st, p, ended)
            return
        back = (st.in_house > 0.0) & (st.inhouse_left <= 0.0) & ~ended
        if ended.any():
            self._bank(st, ended)
            if c.cool_off > 0:  # a vendor the client terminated is barred; one not renewed or that left is not
                barring = ended & (st.ended_for_cause > 0.0)
                for i in range(BARRED - 1, 0, -1):
                    setattr(st, f"barred_{i}", np.where(barring, getattr(st, f"barred_{i - 1}"), getattr(st, f"barred_{i}")))
                    setattr(st, f"barred_{i}_until", np.where(barring, getattr(st, f"barred_{i - 1}_until"),
                                                            getattr(st, f"barred_{i}_until")))
                st.barred_0 = np.where(barring, st.last_vendor, st.barred_0)
                st.barred_0_until = np.where(barring, float(week + c.cool_off), st.barred_0_until)
            st.ended_for_cause = np.where(ended, 0.0, st.ended_for_cause)
        tendering = ended | back
        rows, cols = np.nonzero(tendering)
        if rows.size == 0:
            return
        V = self.n_vendors
        rep = self.reputation(st) if c.vendor_selection == "tender" else None
        pick = np.empty(rows.size)
        step = max(1, SCORE_CELLS // self.window)
        for first in range(0, rows.size, step):
            r, i = rows[first:first + step], cols[first:first + step]
            vendors, invited = self.invited(st, r, i, ended, week, None if start is None else start[r, i])
            if rep is None:
                best = invited
            else:
                score = np.where(invited, self.values(st, p, rep, r, i, vendors), -np.inf)
                top = score.max(axis=1, keepdims=True)
                best = invited & (score >= top - 1e-12 * np.maximum(np.abs(top), 1.0))
            count = best.sum(axis=1)
            k = np.minimum((u[r, i] * count).astype(np.intp), np.maximum(count - 1, 0))
            chosen = np.argmax(np.cumsum(best, axis=1) > k[:, None], axis=1)
            chosen = np.take_along_axis(np.broadcast_to(vendors, best.shape), chosen[:, None], axis=1)[:, 0]
            pick[first:first + step] = np.where(count > 0, chosen, V)
        outside = pick == V
        new_vendor = st.vendor_id.copy()
        new_vendor[rows, cols] = pick
        st.vendor_id = new_vendor
        going = np.zeros(st.base.shape, dtype=bool)
        going[rows, cols] = outside
        returning = np.zeros(st.base.shape, dtype=bool)
        returning[rows, cols] = ~outside & back[rows, cols]
        st.in_house = np.where(going, 1.0, np.where(tendering, 0.0, st.in_house))
        st.inhouse_left = np.where(going, float(c.inhouse_weeks), st.inhouse_left)
        if returning.any():
            # Back from in-house: a new contract with a new team, and its transition costs.
            restart_contracts(st, p, returning, np)
            st.audit_belief = np.where(returning, audit_chance(c, st.audit_boost, c.trust_init, np), st.audit_belief)
            cost = returning * c.switching_cost
            st.switches = st.switches + returning
            st.switch_cost = st.switch_cost + cost
            st.client_net_value = st.client_net_value - cost
        if self.types is not None:
            self.give_types(st, p, tendering)

    def invited(self, st, r, i, ended, week: int, start=None) -> tuple[np.ndarray, np.ndarray]:
        """The vendors a tender of the relationships at (r, i) looks at, (T or 1, W) indices in
        ascending order, and which of them are invited (T, W): the eligible ones, or with a
        shortlist (start: (T,) uniforms) the first client.tender_shortlist eligible ones from
        place floor(start x V) on, round the vendors (W = self.window places)."""
        V = self.n_vendors
        if start is None:
            vendors = np.arange(V)[None, :]
        else:
            vendors = ((start * V).astype(np.intp)[:, None] + np.arange(self.window)) % V
        eligible = np.ones((r.size, vendors.shape[1]), dtype=bool)
        for j in range(BARRED):
            barred = (getattr(st, f"barred_{j}")[r, i][:, None] == vendors) & (
                getattr(st, f"barred_{j}_until")[r, i][:, None] > week)
            eligible &= ~barred
        if V > 1:  # the vendor just left is passed over, when there is another
            eligible &= ~((st.last_vendor[r, i][:, None] == vendors) & ended[r, i][:, None])
        if start is None:
            return vendors, eligible
        eligible &= np.cumsum(eligible, axis=1) <= self.shortlist
        # In vendor order, as a tender of the whole market sees them: ties are drawn among the
        # same way, so a shortlist holding every eligible vendor picks as the whole market would.
        order = np.argsort(vendors, axis=1)
        return np.take_along_axis(vendors, order, axis=1), np.take_along_axis(eligible, order, axis=1)

    def _bank(self, st, ended) -> None:
        """The ended contracts' audits go into their vendors' record; the new contracts start afresh."""
        R, V1 = self.bank["seen_audits"].shape
        index = (self.rows * V1 + np.maximum(st.last_vendor, 0.0).astype(np.intp))[ended]
        for k, bank in self.bank.items():
            seen = getattr(st, k)
            bank += np.bincount(index, weights=seen[ended], minlength=R * V1).reshape(R, V1)
            setattr(st, k, np.where(ended, 0.0, seen))


class _Rows:
    """A settings section whose per-point (rows, 1) arrays are taken at the tendering rows (T, 1)."""

    def __init__(self, section, rows):
        self._section, self._rows = section, rows

    def __getattr__(self, name):
        value = getattr(self._section, name)
        if isinstance(value, np.ndarray) and value.ndim == 2:
            return value[self._rows]  # (T, 1)
        return value
