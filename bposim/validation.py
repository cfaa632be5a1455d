"""Running the reduced scenarios and measuring what the closed forms in bposim.theory predict.

Every figure here comes from the simulation (the vendor agent's chosen efforts, the simulated
value, cost and pay noise), never from the formulas; bposim.theory is only the yardstick.

Client profit with the fixed part set so the vendor just accepts (participation): the client
keeps  E[value] - E[effort cost] + (vendor's linear effort benefit k't) - (r/2) Var(pay) - vbar,
each term measured on the simulated weeks, with Var(pay) the sample variance of weekly pay.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .simulate import simulate

# Enough weekly pay draws that the sample variance is within about 1.5% of the true one.
WEEKS = 520
REPLICATIONS = 20


@dataclass
class Run:
    """Per-week arrays of one reduced-scenario run (one relationship, all replications)."""

    effort_volume: np.ndarray
    effort_quality: np.ndarray
    gaming: np.ndarray
    value: np.ndarray
    effort_cost: np.ndarray
    pay: np.ndarray
    settings: object
    margin: np.ndarray | None = None

    def vendor_certainty_equivalent(self) -> float:
        """The vendor's simulated certainty-equivalent margin: mean margin - (r/2) Var(weekly pay)."""
        v = self.settings.vendor
        return float(np.mean(self.margin) - 0.5 * v.risk_aversion * np.var(self.pay, ddof=1))

    def client_take(self) -> float:
        """What the client kept on the simulated weeks: mean value delivered less mean pay.

        With participation pricing (scheme.pricing=participation) the fixed part is set by the
        simulated contract itself, so this is the client's profit with no formula standing in.
        """
        return float(np.mean(self.value) - np.mean(self.pay))

    def client_profit(self) -> float:
        v = self.settings.vendor
        benefit = v.intrinsic_volume * self.effort_volume + v.intrinsic_quality * self.effort_quality
        risk = 0.5 * v.risk_aversion * float(np.var(self.pay, ddof=1)) if self.pay.size > 1 else 0.0
        return float(np.mean(self.value) - np.mean(self.effort_cost) + np.mean(benefit) - risk - v.outside_option)


def run_scenario(scenario: str, overrides: list[str] | tuple[str, ...] = (), weeks: int = WEEKS,
        replications: int = REPLICATIONS, seed: int = 0) -> Run:
    """Simulate `scenario` (hm87, multitask, distortion, relational) with overrides."""
    r = simulate([f"scenario={scenario}", f"steps={weeks}", f"seed={seed}", "record.relationships=all",
                  *overrides], replications=replications)
    rel = r.relationships
    get = lambda col: rel[col].to_numpy()  # noqa: E731
    return Run(effort_volume=get("effort_volume"), effort_quality=get("effort_quality"),
               gaming=get("gaming"), value=get("client_value"), effort_cost=get("effort_cost"),
               pay=get("payments"), settings=r.settings, margin=get("vendor_margin"))


def profit_curve(scenario: str, rate_key: str, rates, overrides=(), **kw) -> pd.DataFrame:
    """Simulated client profit and efforts at each rate of a grid (one run per rate)."""
    rows = []
    for b in rates:
        out = run_scenario(scenario, [*overrides, f"{rate_key}={float(b)!r}"], **kw)
        rows.append({"rate": float(b), "profit": out.client_profit(),
                     "effort_volume": float(out.effort_volume.mean()),
                     "effort_quality": float(out.effort_quality.mean())})
    return pd.DataFrame(rows)


def honest_share(discount_factors, overrides=(), weeks: int = 1, replications: int = 1) -> pd.DataFrame:
    """Share of vendors that do not shade quality in the relational scenario, per discount factor."""
    rows = []
    for d in discount_factors:
        out = run_scenario("relational", [*overrides, f"vendor.discount_factor={float(d)!r}"], weeks=weeks,
                  replications=replications)
        rows.append({"discount_factor": float(d), "honest_share": float(np.mean(out.gaming == 0.0))})
    return pd.DataFrame(rows)


def relational_record(discount_factor: float, overrides=(), weeks: int = WEEKS, replications: int = 60, seed: int = 0):
    """The relational scenario run over `weeks`: its relationship-weeks and the vendor's weekly
    margins (replications x weeks), for Klein-Leffler with the threat carried out (#12 item 7b)."""
    r = simulate(["scenario=relational", f"steps={weeks}", f"seed={seed}", "record.relationships=all",
                  f"vendor.discount_factor={float(discount_factor)!r}", *overrides], replications=replications)
    rel = r.relationships.sort_values(["replication", "step"])
    return rel, rel.pivot(index="replication", columns="step", values="vendor_margin").to_numpy()
