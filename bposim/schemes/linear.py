"""The textbook linear contract: a fixed fee plus a rate on each measure.

w = fixed + volume_rate * volume + quality_rate * score + outcome_rate * outcome. The other
schemes are points or piecewise pieces of this space; the theory scenarios (configs/scenario/)
use it directly, so the contract is exactly the one the closed forms assume.
"""

from dataclasses import dataclass

from ..config import param
from .base import Rates, Scheme


class Linear(Scheme):
    name = "linear"
    summary = "fixed fee plus a linear rate on volume, quality score and outcome"
    colour = "#000000"  # Okabe-Ito black
    business = False

    @dataclass
    class Params(Scheme.Params):
        fixed: float = param(0.0, "[-1000, 1000]", "weekly fixed fee per unit of baseline demand", "MU per unit of demand")
        volume_rate: float = param(1.0, "[-1000, 1000]", "pay per unit of the volume measure", "MU per unit")
        quality_rate: float = param(0.0, "[-1000, 1000]", "pay per point of the quality score", "MU per unit of demand per point")
        outcome_rate: float = param(0.0, "[-1000, 1000]", "pay per MU of reported business outcome", "share")

    def pay(self, y, s, o, ops):
        p = self.params
        return p.fixed + p.volume_rate * y + p.quality_rate * s + p.outcome_rate * o

    def rates(self, y, s, noise, ops):
        p = self.params
        zero = 0.0 * y
        return Rates(volume=p.volume_rate + zero, quality=p.quality_rate + zero, outcome=p.outcome_rate + zero)
