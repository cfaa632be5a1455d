"""Pay per seat: a fixed weekly fee sized to baseline demand, optionally with a volume floor (SLA).

Without an SLA the fee is paid whatever is delivered, so nothing in the pay asks for volume.
With scheme.volume_floor > 0 the week's fee is cut by scheme.sla_credit when the volume count
falls below the floor: the vendor sees that cliff through the spread of its count
(scheme.sla_spread) as a marginal incentive to deliver up to the floor.
"""

from dataclasses import dataclass

from ..config import param
from .base import Rates, Scheme
from .sla import below_threshold


class FixedFee(Scheme):
    name = "fixed_fee"
    summary = "fixed fee per seat, independent of output"
    colour = "#CC79A7"

    @dataclass
    class Params:
        fee: float = param(1.9, "[0, 1000]", "weekly fee per unit of baseline demand", "MU per unit of demand")
        volume_floor: float = param(0.0, "[0, 10]", "volume count below which an SLA credit is due (0: no SLA)", "share of baseline demand")
        sla_credit: float = param(0.2, "[0, 1]", "share of the week's fee credited back below the volume floor", "share")
        sla_spread: float = param(0.1, "(0, 10]", "spread of the volume count around the expected one, as the vendor sees it (smooths the SLA cliff)", "share of baseline demand")

    def pay(self, y, s, o, ops):
        p = self.params
        if p.volume_floor <= 0:
            return p.fee + 0.0 * y
        return p.fee * (1.0 - p.sla_credit * (y < p.volume_floor))

    def rates(self, y, s, noise, ops):
        p = self.params
        zero = 0.0 * y
        if p.volume_floor <= 0:
            return Rates(volume=zero, quality=zero, outcome=zero)
        _, density = below_threshold(p.volume_floor, y, p.sla_spread, ops)
        return Rates(volume=p.fee * p.sla_credit * density, quality=zero, outcome=zero)
