"""Pay per unit delivered: the volume measure is exact, and corner-cutting raises it."""

from dataclasses import dataclass

from ..config import param
from .base import Rates, Scheme


class PerVolume(Scheme):
    name = "per_volume"
    summary = "pay per unit delivered"
    colour = "#D55E00"

    @dataclass
    class Params(Scheme.Params):
        price: float = param(2.0, "[0, 1000]", "pay per unit delivered", "MU per unit")

    def pay(self, y, s, o, ops):
        return self.params.price * y

    def rates(self, y, s, noise, ops):
        return Rates(volume=self.params.price + 0.0 * y, quality=0.0 * y, outcome=0.0 * y)
