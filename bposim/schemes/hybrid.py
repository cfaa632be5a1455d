"""A weighted mix of the other schemes, each at its own default terms (a reference point)."""

from dataclasses import dataclass

from ..config import param
from .base import Rates, Scheme
from .fixed_fee import FixedFee
from .per_volume import PerVolume
from .quality_weighted import QualityWeighted
from .shared_outcome import SharedOutcome

# The parts, in the order their pay is summed; each Params field is the weight of the part it names.
_PARTS = (FixedFee, PerVolume, QualityWeighted, SharedOutcome)


class Hybrid(Scheme):
    name = "hybrid"
    summary = "weighted mix of fixed fee, per volume, quality weighted and shared outcome"
    colour = "#E69F00"

    @dataclass
    class Params(Scheme.Params):
        fixed_fee: float = param(0.3, "[0, 1]", "weight of the fixed fee part", "share")
        per_volume: float = param(0.2, "[0, 1]", "weight of the per-volume part", "share")
        quality_weighted: float = param(0.3, "[0, 1]", "weight of the quality-weighted part", "share")
        shared_outcome: float = param(0.2, "[0, 1]", "weight of the shared-outcome part", "share")

    @classmethod
    def check(cls, p, problems):
        total = sum(getattr(p, part.name) for part in _PARTS)
        if abs(total - 1.0) > 1e-9:
            problems.append(
                f"scheme weights fixed_fee + per_volume + quality_weighted + shared_outcome = {total:g} "
                f"is out of range: they must add up to 1")

    def __init__(self, params):
        super().__init__(params)
        self.parts = [(getattr(params, part.name), part(part.Params())) for part in _PARTS
                      if getattr(params, part.name) > 0]

    def pay(self, y, s, o, ops):
        return sum(w * part.pay(y, s, o, ops) for w, part in self.parts)

    def rates(self, y, s, noise, ops):
        parts = [(w, part.rates(y, s, noise, ops)) for w, part in self.parts]
        return Rates(volume=sum(w * r.volume for w, r in parts),
                     quality=sum(w * r.quality for w, r in parts),
                     outcome=sum(w * r.outcome for w, r in parts))
