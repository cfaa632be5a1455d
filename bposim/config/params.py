"""Declaring parameters with their range, unit and meaning, and checking them.

Every tunable number in bposim is declared once with `param(...)`: the default, the allowed
range, the unit and a one-line meaning. Validation, error messages, the ODD tables and the
report's assumptions table all read the same declaration, so they cannot drift apart.
"""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import field
from typing import Any

_RANGE = re.compile(r"^\s*([\[(])\s*([-+]?[\w.]+)\s*,\s*([-+]?[\w.]+)\s*([\])])\s*$")


class ConfigError(ValueError):
    """A configuration value is missing, of the wrong type or out of its allowed range.

    The message names every offending field with its value and the allowed range.
    """

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__(
            "invalid bposim configuration:\n  - " + "\n  - ".join(self.problems)
        )


def _bound(text: str) -> int | float:
    """A range bound as written: an exact int when it is one (a float would round
    18446744073709551615 up to 2**64 and let 2**64 through), a float otherwise."""
    infinite = {"inf": math.inf, "-inf": -math.inf, "+inf": math.inf}.get(text)
    if infinite is not None:
        return infinite
    try:
        return int(text)
    except ValueError:
        return float(text)


def default_of(f: dataclasses.Field) -> Any:
    """A dataclass field's default value (built fresh from its factory), or None if it has none."""
    if f.default is not dataclasses.MISSING:
        return f.default
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return None


def param(default: Any, range: str | None = None, doc: str = "", unit: str = "") -> Any:
    """A dataclass field carrying its allowed range (e.g. "[0, 1]", "(0, inf)"), unit and meaning."""
    if range is not None and not _RANGE.match(range):
        raise ValueError(f"bad range spec {range!r}")
    meta = {"range": range, "doc": doc, "unit": unit}
    if isinstance(default, (list, dict)):
        return field(default_factory=lambda: type(default)(default), metadata=meta)
    return field(default=default, metadata=meta)


def in_range(value: int | float, spec: str) -> bool:
    lo_br, lo, hi, hi_br = _RANGE.match(spec).groups()
    lo_v, hi_v = _bound(lo), _bound(hi)
    above = value >= lo_v if lo_br == "[" else value > lo_v
    below = value <= hi_v if hi_br == "]" else value < hi_v
    return above and below


def _coerce(name: str, value: Any, ftype: Any, problems: list[str]) -> Any:
    """Check a scalar against its declared type; ints are accepted where floats are expected."""
    tname = ftype if isinstance(ftype, str) else getattr(ftype, "__name__", str(ftype))
    if tname == "bool":
        if not isinstance(value, bool):
            problems.append(f"{name} = {value!r} must be true or false")
        return value
    if tname == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer():
                return int(value)
            problems.append(f"{name} = {value!r} must be a whole number")
        return value
    if tname == "float":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            problems.append(f"{name} = {value!r} must be a number")
            return value
        value = float(value)
        if not math.isfinite(value):
            problems.append(f"{name} = {value!r} must be a finite number")
        return value
    if tname == "str" and not isinstance(value, str):
        problems.append(f"{name} = {value!r} must be text")
    return value


def check_fields(obj: Any, prefix: str, problems: list[str]) -> None:
    """Type- and range-check every declared field of a dataclass instance, in place."""
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        name = f"{prefix}.{f.name}" if prefix else f.name
        if dataclasses.is_dataclass(value):
            check_fields(value, name, problems)
            continue
        before = len(problems)
        value = _coerce(name, value, f.type, problems)
        if len(problems) > before:
            continue
        setattr(obj, f.name, value)
        spec = f.metadata.get("range")
        if spec and isinstance(value, (int, float)) and not isinstance(value, bool):
            if not in_range(value, spec):
                doc = f.metadata.get("doc", "")
                unit = f.metadata.get("unit", "")
                what = f" ({doc}{', ' + unit if unit else ''})" if doc else ""
                problems.append(f"{name} = {value!r} is out of range: allowed {spec}{what}")


def describe(cls_or_obj: Any, prefix: str = "") -> list[dict[str, Any]]:
    """Rows (name, default or value, range, unit, meaning) for docs and reports."""
    rows = []
    for f in dataclasses.fields(cls_or_obj):
        name = f"{prefix}.{f.name}" if prefix else f.name
        if isinstance(cls_or_obj, type):
            value = default_of(f)
        else:
            value = getattr(cls_or_obj, f.name)
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            rows.extend(describe(value, name))
            continue
        rows.append({
            "name": name,
            "value": value,
            "range": f.metadata.get("range") or "",
            "unit": f.metadata.get("unit", ""),
            "meaning": f.metadata.get("doc", ""),
        })
    return rows
