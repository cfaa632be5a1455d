"""Payment and metric schemes: one class each, looked up by name in SCHEMES."""

from . import fixed_fee, hybrid, kpi_index, linear, per_volume, quality_weighted, shared_outcome  # noqa: F401  (registers)
from .base import SCHEMES, Rates, Scheme, build_scheme, register

__all__ = ["SCHEMES", "Rates", "Scheme", "build_scheme", "register"]
