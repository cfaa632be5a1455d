"""Pay per seat: a fixed weekly fee sized to baseline demand, whatever is delivered."""

from dataclasses import dataclass

from ..config import param
from .base import Rates, Scheme


class FixedFee(Scheme):
    name = "fixed_fee"
    summary = "fixed fee per seat, independent of output"
    colour = "#CC79A7"

    @dataclass
    class Params:
        fee: float = param(1.9, "[0, 1000]", "weekly fee per unit of baseline demand", "MU per unit of demand")

    def pay(self, y, s, o, ops):
        return self.params.fee + 0.0 * y

    def rates(self, y, s, noise, ops):
        zero = 0.0 * y
        return Rates(volume=zero, quality=zero, outcome=zero)
