"""The levers a workshop room can move, and the market the page simulates.

Each lever is one control on the page and one configuration value (or group choice) of the
model. The page's controls, the lessons' presets and the model built from them all go through
`LEVERS`, so a lever is declared once: its label, range and meaning here, its mechanism in the
model (docs/ODD.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..schemes import BUSINESS, SCHEMES

# The schemes a room compares: the business contracts (linear and kpi_index exist for the
# theory checks, where they are reduced forms of these).
WORKSHOP_SCHEMES = BUSINESS

# The market on the page: small enough to draw every relationship, big enough to show a
# vendor choosing between clients. The five small clients are of one size (no random spread,
# so the room reads sizes at a glance) and client 0 is three times that: the bigger client
# that competes for a vendor's capacity when the pressure hits.
WORKSHOP_MARKET = {
    "market.n_clients": 6,
    "market.n_vendors": 2,
    "market.client_size_spread": 0.0,
    "market.big_client_multiplier": 3.0,
    "steps": 156,
}

# The quarterly review period when reviews are on (weeks).
QUARTER = 13


@dataclass(frozen=True)
class Lever:
    """One control on the page.

    Attributes:
        name: keyword of WorkshopModel (and key in lesson presets).
        label: what the room sees next to the control.
        kind: "slider" (a float between low and high), "check" (on/off) or "select".
        default: its value in free play.
        meaning: one line on what it changes in the model, for the page's help and the docs.
        low, high, step: the slider's range (sliders only).
        values: the choices (selects only).
    """

    name: str
    label: str
    kind: str
    default: Any
    meaning: str
    low: float = 0.0
    high: float = 1.0
    step: float = 0.05
    values: tuple[str, ...] = ()

    def control(self, value: Any = None) -> dict:
        """The control in the form Mesa's SolaraViz takes in `model_params` (the workshop page lays out its own
        controls; this lets the model be served on a plain SolaraViz page too)."""
        value = self.default if value is None else value
        if self.kind == "slider":
            return {"type": "SliderFloat", "label": self.label, "value": float(value),
                    "min": self.low, "max": self.high, "step": self.step}
        if self.kind == "check":
            return {"type": "Checkbox", "label": self.label, "value": bool(value)}
        return {"type": "Select", "label": self.label, "value": str(value), "values": list(self.values)}

    def check(self, value: Any) -> Any:
        """The value, or a ValueError naming the lever and what it allows."""
        if self.kind == "slider":
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not self.low <= value <= self.high:
                raise ValueError(f"{self.name} = {value!r} is out of range: allowed [{self.low}, {self.high}]")
            return float(value)
        if self.kind == "check":
            if not isinstance(value, bool):
                raise ValueError(f"{self.name} = {value!r} is not allowed: use True or False")
            return value
        if value not in self.values:
            raise ValueError(f"{self.name} = {value!r} is not allowed: use one of {', '.join(self.values)}")
        return value


LEVERS: tuple[Lever, ...] = (
    Lever("scheme", "Contract (A)", "select", "per_volume",
          "how the vendor is paid: per unit, per quality-weighted unit, a share of the client's outcome, "
          "a fixed fee, or a hybrid mixing all four", values=WORKSHOP_SCHEMES),
    Lever("audit_rate", "Audit intensity", "slider", 0.1,
          "chance per week the client audits true quality (at full trust; low trust adds audits)",
          high=0.5, step=0.025),
    Lever("metric_gameability", "Metric gameability", "slider", 0.6,
          "how far corner-cutting inflates the measured quality score above the truth", high=2.0, step=0.1),
    Lever("feedback_clarity", "Feedback clarity", "slider", 0.5,
          "how clear, specific and actionable the client's feedback items are"),
    Lever("two_way_feedback", "Two-way feedback", "slider", 0.5,
          "how much the client asks the vendor for feedback on its own processes"),
    Lever("context_sharing", "Context sharing", "slider", 0.5,
          "sharing of playbooks and business updates (the vendor's knowledge of the business grows with it)"),
    Lever("recognition", "Recognition", "slider", 0.3,
          "how much good work is recognised and celebrated (builds the vendor's trust and engagement)"),
    Lever("quarterly_reviews", "Quarterly reviews", "check", True,
          "review the contract every 13 weeks: re-weight pay toward audited quality, re-price, warn, end"),
    Lever("pressure_shock", "Pressure shock (weeks 53-60)", "check", False,
          "demand +60% for 8 weeks (weeks 53-60) with 20% of vendor capacity lost; "
          "the big client competes for what is left"),
    Lever("compare", "Compare A/B", "check", False,
          "run a second contract B side by side on the same random streams"),
    Lever("scheme_b", "Contract (B)", "select", "shared_outcome",
          "B's payment scheme (B shares A's other levers unless the lesson changes one)",
          values=WORKSHOP_SCHEMES),
)
BY_NAME = {lever.name: lever for lever in LEVERS}
DEFAULTS = {lever.name: lever.default for lever in LEVERS}

assert set(WORKSHOP_SCHEMES) <= set(SCHEMES), "a workshop scheme is missing from the registry"


def model_overrides(values: dict[str, Any]) -> dict[str, Any]:
    """Keyword parameters of BPOModel for one contract, from lever values (A's, or B's)."""
    return {
        **WORKSHOP_MARKET,
        "scheme": values["scheme"],
        "client.audit_rate": values["audit_rate"],
        "vendor.metric_gameability": values["metric_gameability"],
        "client.feedback_clarity": values["feedback_clarity"],
        "client.two_way_feedback": values["two_way_feedback"],
        "client.context_sharing": values["context_sharing"],
        "client.recognition": values["recognition"],
        "client.review_period": QUARTER if values["quarterly_reviews"] else 0,
        "shock": "surge" if values["pressure_shock"] else "none",
    }


def contract_b(values: dict[str, Any], b_changes: dict[str, Any]) -> dict[str, Any]:
    """Contract B's lever values: A's, with B's scheme and the changes a lesson names."""
    return checked({**values, "scheme": values["scheme_b"], **b_changes})


def checked(values: dict[str, Any]) -> dict[str, Any]:
    """All lever values, defaults filled in, each checked against its range."""
    unknown = sorted(set(values) - set(BY_NAME))
    if unknown:
        raise ValueError(f"unknown lever {unknown[0]!r}: the levers are {', '.join(BY_NAME)}")
    return {name: BY_NAME[name].check(values.get(name, lever_default))
            for name, lever_default in DEFAULTS.items()}
