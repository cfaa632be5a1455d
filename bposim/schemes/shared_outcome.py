"""A base fee plus a share of the client's business outcome, which arrives late and noisy."""

from dataclasses import dataclass

from ..config import param
from .base import Rates, Scheme


class SharedOutcome(Scheme):
    name = "shared_outcome"
    summary = "base fee plus a share of the business outcome"
    colour = "#009E73"

    @dataclass
    class Params(Scheme.Params):
        base_fee: float = param(0.6, "[0, 1000]", "weekly base fee per unit of baseline demand", "MU per unit of demand")
        share: float = param(0.35, "[0, 1]", "vendor's share of the reported business outcome", "share")

    def pay(self, y, s, o, ops):
        return self.params.base_fee + self.params.share * o

    def rates(self, y, s, noise, ops):
        zero = 0.0 * y
        return Rates(volume=zero, quality=zero, outcome=self.params.share + zero)
