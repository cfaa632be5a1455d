"""Payment and metric schemes: one class each, registered from one explicit list.

Every collection of schemes derives from ALL: SCHEMES (by name), BUSINESS (the contracts compared by
default and offered in the workshop, in this order), their colours in figures, the `scheme` config
group (one entry per scheme, generated from its Params) and the docs' tables.
"""

from .base import SCHEMES, Rates, Scheme, build_scheme, register
from .fixed_fee import FixedFee
from .hybrid import Hybrid
from .kpi_index import KpiIndex
from .linear import Linear
from .per_volume import PerVolume
from .quality_weighted import QualityWeighted
from .shared_outcome import SharedOutcome

# Every scheme, the default (configs/config.yaml) first: tables and figures list them in this order.
ALL: tuple[type[Scheme], ...] = (QualityWeighted, PerVolume, SharedOutcome, FixedFee, Hybrid, KpiIndex, Linear)

for _cls in ALL:
    register(_cls)

BUSINESS: tuple[str, ...] = tuple(cls.name for cls in ALL if cls.business)
COLOURS: dict[str, str] = {cls.name: cls.colour for cls in ALL}

__all__ = ["ALL", "BUSINESS", "COLOURS", "SCHEMES", "Rates", "Scheme", "build_scheme", "register"]
