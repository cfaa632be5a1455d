"""Pay per seat: a fixed weekly fee sized to baseline demand, optionally with a volume floor (SLA).

Without an SLA the fee is paid whatever is delivered, so nothing in the pay asks for volume.
With scheme.volume_floor > 0 the week's fee is cut by scheme.sla_credit when the volume count
falls below the floor. That is a step in pay, not a marginal rate: the vendor weighs aiming
scheme.sla_margin above the floor against delivering what it would anyway (volume_steps).
"""

from dataclasses import dataclass

from ..config import param
from .base import Rates, Scheme


class FixedFee(Scheme):
    name = "fixed_fee"
    summary = "fixed fee per seat, independent of output"
    colour = "#CC79A7"

    @dataclass
    class Params(Scheme.Params):
        fee: float = param(1.9, "[0, 1000]", "weekly fee per unit of baseline demand", "MU per unit of demand")
        volume_floor: float = param(0.0, "[0, 10]", "volume count below which an SLA credit is due (0: no SLA)", "share of baseline demand")
        sla_credit: float = param(0.2, "[0, 1]", "share of the week's fee credited back below the volume floor", "share")
        sla_margin: float = param(0.05, "[0, 10]", "how far above the volume floor a vendor that means to meet it aims (a safety margin against noise)", "share of baseline demand")

    def pay(self, y, s, o, ops):
        p = self.params
        if p.volume_floor <= 0:
            return p.fee + 0.0 * y
        return p.fee * (1.0 - p.sla_credit * (y < p.volume_floor))

    def rates(self, y, s, noise, ops):
        zero = 0.0 * y
        return Rates(volume=zero, quality=zero, outcome=zero)

    def volume_steps(self):
        p = self.params
        return (p.volume_floor + p.sla_margin,) if p.volume_floor > 0 else ()
