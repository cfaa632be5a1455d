"""A weighted mix of the other schemes, each at its own default terms (a reference point)."""

from dataclasses import dataclass

from ..config import param
from .base import SCHEMES, Rates, Scheme, register

_PARTS = ("fixed_fee", "per_volume", "quality_weighted", "shared_outcome")


@register
class Hybrid(Scheme):
    name = "hybrid"
    summary = "weighted mix of fixed fee, per volume, quality weighted and shared outcome"

    @dataclass
    class Params:
        fixed_fee: float = param(0.3, "[0, 1]", "weight of the fixed fee part", "share")
        per_volume: float = param(0.2, "[0, 1]", "weight of the per-volume part", "share")
        quality_weighted: float = param(0.3, "[0, 1]", "weight of the quality-weighted part", "share")
        shared_outcome: float = param(0.2, "[0, 1]", "weight of the shared-outcome part", "share")

    @classmethod
    def check(cls, p, problems):
        total = sum(getattr(p, k) for k in _PARTS)
        if abs(total - 1.0) > 1e-9:
            problems.append(
                f"scheme weights fixed_fee + per_volume + quality_weighted + shared_outcome = {total:g} "
                f"is out of range: they must add up to 1")

    def __init__(self, params):
        super().__init__(params)
        self.parts = [(getattr(params, k), SCHEMES[k](SCHEMES[k].Params())) for k in _PARTS
                      if getattr(params, k) > 0]

    def pay(self, y, s, o, ops):
        return sum(w * part.pay(y, s, o, ops) for w, part in self.parts)

    def rates(self, y, s, noise, ops):
        parts = [(w, part.rates(y, s, noise, ops)) for w, part in self.parts]
        return Rates(volume=sum(w * r.volume for w, r in parts),
                     quality=sum(w * r.quality for w, r in parts),
                     outcome=sum(w * r.outcome for w, r in parts))
