"""Design points: a table of parameter values, one validated configuration per row.

A design is a pandas DataFrame whose columns are dotted config names (`client.audit_rate`,
`market.n_clients`, `scheme.price`, `seed`, ...) plus, optionally, `scheme` (a column of
scheme names), and whose rows are points. Everything a point does not set comes from the base
configuration. A point that picks a scheme other than the base's starts from that scheme's
defaults; `scheme.*` columns then set its parameters.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd

from ..config import Config, ConfigError, Settings, default_of, settings_from, validate
from ..schemes import SCHEMES

# Top-level settings a design may not vary: how many replications is simulate_design's argument.
NOT_A_DESIGN_COLUMN = {"replications": "pass replications= to simulate_design instead"}


def base_settings(base: Any) -> Settings:
    """The base configuration as settings: None (defaults), overrides, a Config, a dict or Settings."""
    return settings_from(base)


def check_columns(design: pd.DataFrame) -> None:
    """Every column names a setting: one message listing each that does not."""
    sections = {f.name: default_of(f) for f in dataclasses.fields(Config)}
    problems = []
    for column in map(str, design.columns):
        section, _, name = column.partition(".")
        default = sections.get(section)
        if column in NOT_A_DESIGN_COLUMN:
            problems.append(f"design column {column} is not allowed: {NOT_A_DESIGN_COLUMN[column]}")
        elif section not in sections:
            problems.append(f"design column {column} is not a bposim setting: allowed a dotted name in "
                            f"{', '.join(s for s in sorted(sections) if dataclasses.is_dataclass(sections[s]))}, "
                            f"or one of {', '.join(s for s in sorted(sections) if not dataclasses.is_dataclass(sections[s]))}")
        elif section == "scheme":
            continue  # scheme names and parameters are checked per point, against the scheme it picks
        elif dataclasses.is_dataclass(default):
            known = sorted(f.name for f in dataclasses.fields(default))
            if name not in known:
                problems.append(f"design column {column} is not a parameter of {section}: allowed {', '.join(known)}")
        elif name:
            problems.append(f"design column {column} is not a bposim setting: {section} is a single value")
    if problems:
        raise ConfigError(problems)


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def point_settings(design: pd.DataFrame, base: Settings, keep=None) -> list[Settings]:
    """One validated Settings per row of the design; a bad value stops everything, naming the
    point, the field, the value and what is allowed.

    keep: called with each point's Settings instead of listing them (a caller that stores
    them more compactly); the list returned is then empty.
    """
    check_columns(design)
    start = dataclasses.asdict(base.config)
    start["scheme"] = dict(base.config.scheme)
    columns = list(design.columns)
    out = []
    problems = []
    for i, row in enumerate(design.itertuples(index=False, name=None)):
        values = dict(zip(columns, map(_plain, row)))
        config = {k: dict(v) if isinstance(v, dict) else v for k, v in start.items()}
        name = values.get("scheme")
        if name is not None and name != config["scheme"].get("name"):
            cls = SCHEMES.get(name)
            config["scheme"] = {"name": name, **(dataclasses.asdict(cls.Params()) if cls else {})}
        for column, value in values.items():
            section, _, field = column.partition(".")
            if column == "scheme":
                continue
            if field:
                config[section][field] = value
            else:
                config[section] = value
        try:
            settings = validate(config)
            if keep is None:
                out.append(settings)
            else:
                keep(settings)
        except ConfigError as error:
            problems.extend(f"design point {i}: {p}" for p in error.problems)
    if problems:
        raise ConfigError(problems)
    return out
