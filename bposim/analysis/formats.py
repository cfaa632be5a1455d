"""Numbers and names for people: one format per column, signs, a group's name, Markdown tables."""

from __future__ import annotations

import math
import re
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


SUPERSCRIPT = str.maketrans("-0123456789", "\u207b\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079")


def scientific(v: float, digits: int = 2) -> str:
    """A number of any size for people, to `digits` significant digits: 0 as 0, ordinary sizes
    as they are (0.25, 1,234), very small or large ones as 8.3 × 10⁻¹⁷, never 8.3e-17 or 0.0e+00."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "n/a"
    if v == 0:
        return "0"
    if 1e-4 <= abs(v) < 1e9:
        text = f"{v:,.{digits}g}" if abs(v) < 10 ** digits else f"{v:,.0f}"
        return text.replace("-", MINUS)
    mantissa, _, exponent = f"{v:.{digits - 1}e}".partition("e")
    if "." in mantissa:
        mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa.replace('-', MINUS)} \u00d7 10{str(int(exponent)).translate(SUPERSCRIPT)}"


def short_number(v: float) -> str:
    """A setting's number as short as it stays exact to 6 digits, never in e-notation
    (0.05, 13, 1,000,000, 0.000003)."""
    text = f"{v:g}"
    if "e" not in text:
        return text
    if abs(v) >= 1:
        return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.6g}" if "e" not in f"{v:,.6g}" else f"{v:,.2f}"
    if abs(v) < 1e-9:  # twelve decimals would show it as 0
        return scientific(v, 6)
    return f"{v:.12f}".rstrip("0")


def range_text(spec: str) -> str:
    """A declared range ("[0, 1e6]") with its numbers for people ("[0, 1,000,000]")."""
    return re.sub(r"-?\d+(\.\d+)?[eE][+-]?\d+", lambda m: short_number(float(m.group())), spec)


def value_text(v: Any) -> str:
    """A parameter value as a user would type it (numbers never in e-notation)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return short_number(v)
    return str(v)


def group_name(by: str, value) -> str:
    """A configuration's name in tables and legends: the value, or "setting = value"."""
    if isinstance(value, str):
        return value
    if isinstance(value, (float, np.floating)):
        return f"{by} = {short_number(float(value))}"
    return f"{by} = {value}"


def people(df: pd.DataFrame) -> pd.DataFrame:
    """`df` with its numbers as text for people: one format per column from the size of its
    values (34,000 not 3.4e+04; 0.047 not 4.7e-02), thousands separators, a real minus sign;
    other columns unchanged. In a long table with a `kpi` column, each KPI's rows get their own
    format (a gaming difference of 0.003 is not shown as 0 beside money). For notebooks and Markdown."""
    out = df.copy()
    groups = [out.index[out["kpi"] == k] for k in pd.unique(out["kpi"])] if "kpi" in out.columns else [out.index]
    for c in out.columns:
        col = out[c]
        if pd.api.types.is_bool_dtype(col) or not pd.api.types.is_numeric_dtype(col):
            continue
        if pd.api.types.is_integer_dtype(col):
            out[c] = [number(int(v), ",d") for v in col]
            continue
        text = pd.Series("", index=out.index, dtype=object)
        for rows in groups:
            values = col.loc[rows].to_numpy(float)
            spec = number_format(values)
            text.loc[rows] = [number(float(v), spec) for v in values]
        out[c] = text
    return out


def md_table(df: pd.DataFrame) -> str:
    """A Markdown table of `df`, its numbers formatted for people (see `people`)."""
    df = people(df)
    cols = [str(c) for c in df.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in df.itertuples(index=False):
        lines.append("| " + " | ".join(str(v).replace("|", "\\|").replace("\n", " ") for v in row) + " |")
    return "\n".join(lines)
