"""Money for a client: the report's currency (report.currency, report.money_scale), and the
client's P&L per configuration, every line of which the model already counts.

The client's net value each week is the value of true output, less what it pays the vendor, less
its oversight hours at client.hourly_cost, less the damage of process breaks and escalations,
less the cost of switching vendor (bposim.dynamics.week). Over a run each cost line is a recorded
flow times a fixed price, so the P&L is rebuilt exactly from the results table and the settings
that ran; the value line is what the costs and the net leave.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

MODEL_UNIT = "MU"
PL_LINES = (("value", "value of the work", 1), ("payments", "payments to the vendor", -1),
            ("oversight", "oversight hours, priced", -1), ("damage", "breaks and escalations", -1),
            ("switching", "switching vendor", -1), ("in_house", "work done in-house", -1),
            ("net", "client net value", 1))


@dataclass(frozen=True)
class Money:
    """How the report shows money: `scale` currency units per model unit (MU)."""

    currency: str = MODEL_UNIT
    scale: float = 1.0

    @classmethod
    def of(cls, settings: list) -> "Money":
        """The money of the first configuration that ran (the default: model units)."""
        if not settings:
            return cls()
        r = settings[0].config.report
        return cls(r.currency, float(r.money_scale))

    def unit(self, unit: str) -> str:
        return self.currency if unit == MODEL_UNIT else unit

    def amount(self, value: float, unit: str = MODEL_UNIT) -> float:
        return value * self.scale if unit == MODEL_UNIT and self.scale != 1.0 else value


def client_pl(results: pd.DataFrame, settings_of: dict[Any, Any], by: str) -> pd.DataFrame | None:
    """One row per results row: the client's P&L lines in MU (value, payments, oversight, damage,
    switching, net), priced with the settings of its configuration (settings_of: value of `by`
    -> Settings); None when a configuration's settings are not known."""
    if not settings_of or not set(pd.unique(results[by])) <= set(settings_of):
        return None
    c = {g: s.client for g, s in settings_of.items()}
    price = lambda attr: results[by].map({g: getattr(cc, attr) for g, cc in c.items()}).astype(float)  # noqa: E731
    out = pd.DataFrame({by: results[by], "replication": results["replication"]})
    out["payments"] = results["payments"]
    out["oversight"] = results["oversight_hours"] * price("hourly_cost")
    out["damage"] = (results["breaks_flagged"] * price("flagged_break_cost") + results["breaks_missed"]
                     * price("missed_break_cost") + results["escalations"] * price("escalation_cost"))
    out["switching"] = results["switches"] * price("switching_cost")
    out["in_house"] = results["inhouse_cost"]
    out["net"] = results["client_net_value"]
    out["value"] = out["net"] + out["payments"] + out["oversight"] + out["damage"] + out["switching"] + out["in_house"]
    return out[[by, "replication", *(line for line, _, _ in PL_LINES)]]
