"""Pay on one composite KPI: a weighted index of the volume measure and the quality score.

w = fixed + rate * (volume_weight * volume + quality_weight * score). Many contracts pay on a
single index of this kind; when its weights point away from what the client values, effort
follows the index, not the value (Baker's distortion; the `distortion` scenario).
"""

from dataclasses import dataclass

from ..config import param
from .base import Rates, Scheme


class KpiIndex(Scheme):
    name = "kpi_index"
    summary = "fixed fee plus a rate on a weighted index of volume and quality score"
    colour = "#56B4E9"
    business = False

    @dataclass
    class Params(Scheme.Params):
        fixed: float = param(0.0, "[-1000, 1000]", "weekly fixed fee per unit of baseline demand", "MU per unit of demand")
        rate: float = param(1.0, "[-1000, 1000]", "pay per point of the index", "MU per unit of demand per point")
        volume_weight: float = param(0.5, "[-100, 100]", "weight of the volume measure in the index (g1)", "")
        quality_weight: float = param(0.5, "[-100, 100]", "weight of the quality score in the index (g2)", "")

    def pay(self, y, s, o, ops):
        p = self.params
        return p.fixed + p.rate * (p.volume_weight * y + p.quality_weight * s)

    def rates(self, y, s, noise, ops):
        p = self.params
        zero = 0.0 * y
        return Rates(volume=p.rate * p.volume_weight + zero, quality=p.rate * p.quality_weight + zero, outcome=zero)
