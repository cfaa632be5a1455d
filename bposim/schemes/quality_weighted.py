"""Pay per unit scaled by the quality score: bonus/malus around a target, floor, cap, SLA credit."""

from dataclasses import dataclass

from ..config import param
from .base import Rates, Scheme
from .sla import below_threshold


class QualityWeighted(Scheme):
    name = "quality_weighted"
    summary = "pay per unit scaled by the measured quality score"
    colour = "#0072B2"

    @dataclass
    class Params(Scheme.Params):
        price: float = param(2.0, "[0, 1000]", "pay per unit delivered at the target score", "MU per unit")
        target: float = param(0.75, "[0, 1]", "score at which the multiplier is 1", "score points")
        slope: float = param(1.0, "[0, 100]", "change of the multiplier per score point", "per score point")
        floor: float = param(0.5, "[0, 10]", "lowest multiplier", "x")
        cap: float = param(1.3, "[0, 10]", "highest multiplier", "x")
        sla_threshold: float = param(0.5, "[0, 1]", "score below which an SLA credit is due (0: no SLA)", "score points")
        sla_credit: float = param(0.1, "[0, 1]", "share of the week's pay credited back below the SLA threshold", "share")

    @classmethod
    def check(cls, p, problems):
        if p.floor > p.cap:
            problems.append(f"scheme.floor = {p.floor} is out of range: allowed [0, scheme.cap = {p.cap}]")

    def multiplier(self, s, ops):
        p = self.params
        return ops.clip(1.0 + p.slope * (s - p.target), p.floor, p.cap)

    def pay(self, y, s, o, ops):
        p = self.params
        gross = p.price * y * self.multiplier(s, ops)
        return gross * (1.0 - p.sla_credit * (s < p.sla_threshold))

    def rates(self, y, s, noise, ops):
        p = self.params
        raw = 1.0 + p.slope * (s - p.target)
        mult = ops.clip(raw, p.floor, p.cap)
        on_slope = (raw > p.floor) & (raw < p.cap)
        # The SLA cliff is a step in pay; through the score's noise the vendor sees it as a
        # smooth marginal incentive: the density of falling just below the threshold.
        below, density = below_threshold(p.sla_threshold, s, noise, ops)
        credit = p.sla_credit * (p.sla_threshold > 0)
        volume = p.price * mult * (1.0 - credit * below)
        quality = p.price * y * (p.slope * on_slope * (1.0 - credit * below) + mult * credit * density)
        return Rates(volume=volume, quality=quality, outcome=0.0 * y)
