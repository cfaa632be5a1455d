"""The contract interface every payment scheme implements, and the scheme registry.

A scheme answers two questions. `pay`: given this week's measures, what does the client owe
(per unit of the relationship's baseline demand)? `rates`: at the point the vendor expects to
be, how much more pay does one more unit of each measure bring? The vendor's best response
reads only `rates`, so what a scheme pays and what it incentivises cannot disagree.

The measures, all per unit of baseline demand and week:
  y  the volume count (1.0 = the baseline demand served in full; corner-cutting inflates it),
  s  the quality score the contract pays on (the measured score, blended toward audited
     quality where a review has re-weighted the contract; in an audited week, the audited
     true quality), in [0, 1],
  o  the business outcome reported this week (client value of earlier output, lagged, noisy), MU.

Adding a scheme: one module here with a Scheme subclass (name, summary, colour, Params, pay,
rates), and its class in the list in schemes/__init__.py. Its config group entry (`scheme=NAME`)
is generated from Params, and every scheme list, colour and docs table derives from the registry.
"""

from __future__ import annotations

import dataclasses
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar

from ..config.params import param

SCHEMES: dict[str, type["Scheme"]] = {}  # filled from the list in schemes/__init__.py

# How the fixed part of pay is set (scheme.pricing, a setting every scheme takes):
#   participation  (the default) a fixed part added at signing and at each renewal so that the
#                  vendor's expected certainty-equivalent margin equals its outside option plus
#                  the relational premium scheme.premium;
#   as_written     the scheme's own terms, as configured.
PRICING = ("as_written", "participation")
DEFAULT_PRICING = "participation"
PREMIUM = 0.5  # default scheme.premium (docs/ODD.md 3.2, "Pricing", says how it was measured)


def register(cls: type["Scheme"]) -> type["Scheme"]:
    """Add a scheme to the registry and its entry to the `scheme` config group (from its Params)."""
    from ..config import register_scheme_config

    if not issubclass(cls.Params, Scheme.Params):
        raise TypeError(f"scheme {cls.name}: its Params must subclass Scheme.Params "
                        f"(every scheme takes the pricing settings, such as scheme.premium)")
    SCHEMES[cls.name] = cls
    register_scheme_config(cls.name, cls.Params())
    return cls


@dataclass
class Rates:
    """Marginal pay per unit of each measure (MU per unit of demand per unit of measure)."""

    volume: Any
    quality: Any
    outcome: Any


class Scheme(ABC):
    name: ClassVar[str] = ""
    summary: ClassVar[str] = ""  # one line, for reports and docs
    colour: ClassVar[str] = "#555555"  # its colour in every figure (Okabe-Ito for every packaged scheme)
    business: ClassVar[bool] = True  # False: a reduced form for the theory checks, left out of comparisons
    pricing: str = DEFAULT_PRICING  # one of PRICING, set from scheme.pricing

    @dataclass
    class Params:
        """What every scheme's Params inherits: the settings of participation pricing."""

        # Klein-Leffler's price premium: participation leaves the vendor this much above its
        # outside option, so losing the contract costs it something and the threat deters gaming.
        premium: float = param(PREMIUM, "[0, 100]", "relational premium: the weekly certainty-equivalent margin above the vendor's outside option that participation pricing leaves it (Klein-Leffler's quasi-rent; no effect as written)", "MU per unit of demand")

    def __init__(self, params: "Scheme.Params"):
        self.params = params

    @abstractmethod
    def pay(self, y, s, o, ops):
        """Pay this week per unit of baseline demand, before re-pricing and clawbacks."""

    @abstractmethod
    def rates(self, y, s, noise, ops) -> Rates:
        """Marginal pay of each measure at the expected point (y, s); noise is the score's sd."""

    def volume_steps(self) -> tuple[float, ...]:
        """Volume counts (per unit of baseline demand) at which pay steps up, such as an SLA floor.

        The vendor's best response reads local marginal rates, which cannot see a step; at each
        level here it also weighs reaching the step against its smooth best response.
        """
        return ()

    @classmethod
    def check(cls, params: "Scheme.Params", problems: list[str]) -> None:
        """Rules tying two parameters together (single-field ranges are declared with param)."""

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "pricing": self.pricing, **dataclasses.asdict(self.params)}


def build_scheme(spec: dict, problems: list[str]) -> Scheme | None:
    """The scheme named in spec['name'] with spec's other keys as its checked parameters."""
    from ..config import check_fields

    spec = dict(spec)
    name = spec.pop("name", None)
    pricing = spec.pop("pricing", DEFAULT_PRICING)
    if pricing not in PRICING:
        problems.append(f"scheme.pricing = {pricing!r} is not allowed: use {' or '.join(PRICING)}")
    if name not in SCHEMES:
        problems.append(
            f"scheme.name = {name!r} is not a known scheme: allowed {', '.join(sorted(SCHEMES))}")
        return None
    cls = SCHEMES[name]
    known = {f.name for f in dataclasses.fields(cls.Params)}
    unknown = sorted(set(spec) - known)
    if unknown:
        problems.append(
            f"scheme.{unknown[0]} is not a parameter of scheme {name}: allowed {', '.join(sorted(known))}")
        return None
    params = cls.Params(**spec)
    before = len(problems)
    check_fields(params, "scheme", problems)
    if len(problems) == before:
        cls.check(params, problems)
    if len(problems) > before:  # a scheme is never built from values that failed their checks
        return None
    scheme = cls(params)
    scheme.pricing = pricing
    return scheme
