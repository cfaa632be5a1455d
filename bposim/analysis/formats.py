"""Numbers and names for people: one format per column, signs, a group's name, Markdown tables."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

MINUS = "\u2212"  # a real minus sign, not a hyphen


def number_format(values) -> str:
    """One format spec for a set of numbers, from their size, so they line up."""
    vals = [abs(float(v)) for v in values if v is not None and not math.isnan(float(v))]
    top = max(vals) if vals else 0.0
    if top >= 100:
        return ",.0f"
    if top >= 10:
        return ".1f"
    if top >= 1:
        return ".2f"
    return ".3f"


def number(v: float, spec: str) -> str:
    """v in format spec, "n/a" for a missing value, never "-0.00"."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "n/a"
    text = format(v, spec)
    if text.strip("-0.,") == "":
        return text.lstrip("-")
    return text.replace("-", MINUS)


def signed(v: float, spec: str) -> str:
    """number() with a plus sign on positive values (differences)."""
    text = number(v, spec)
    return text if text.startswith(MINUS) or text == "n/a" or text.strip("0.,") == "" else "+" + text


def value_text(v: Any) -> str:
    """A parameter value as a user would type it."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def group_name(by: str, value) -> str:
    """A configuration's name in tables and legends: the value, or "setting = value"."""
    if isinstance(value, str):
        return value
    if isinstance(value, (float, np.floating)):
        return f"{by} = {value:g}"
    return f"{by} = {value}"


def md_table(df: pd.DataFrame) -> str:
    cols = [str(c) for c in df.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in df.itertuples(index=False):
        lines.append("| " + " | ".join(str(v).replace("|", "\\|").replace("\n", " ") for v in row) + " |")
    return "\n".join(lines)
