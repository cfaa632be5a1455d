"""Elementwise operations for the weekly equations, on numpy arrays or on plain floats.

The dynamics are written once against this small namespace. The array model evaluates them on
(replications x relationships) arrays in one go; the per-agent engine
(bposim.engines.AgentEngine) evaluates the very same functions on one relationship's floats,
which is what the benchmark compares against and what the equivalence test checks.
"""

from __future__ import annotations

import math

import numpy as np


class ArrayOps:
    minimum = staticmethod(np.minimum)
    maximum = staticmethod(np.maximum)
    where = staticmethod(np.where)
    exp = staticmethod(np.exp)
    log = staticmethod(np.log)
    sqrt = staticmethod(np.sqrt)
    all = staticmethod(np.all)
    not_ = staticmethod(np.logical_not)

    @staticmethod
    def clip(x, lo, hi):
        # np.clip is several times slower than two ufuncs on small arrays.
        return np.minimum(np.maximum(x, lo), hi)


class ScalarOps:
    minimum = staticmethod(min)
    maximum = staticmethod(max)
    exp = staticmethod(math.exp)
    log = staticmethod(math.log)
    sqrt = staticmethod(math.sqrt)
    all = staticmethod(bool)

    @staticmethod
    def not_(x):
        return not x

    @staticmethod
    def where(cond, a, b):
        return a if cond else b

    @staticmethod
    def clip(x, lo, hi):
        return lo if x < lo else (hi if x > hi else x)


ARRAY = ArrayOps()
SCALAR = ScalarOps()
