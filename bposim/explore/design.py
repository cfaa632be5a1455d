"""Experiment designs: which parameters vary over which bounds or levels, how they are sampled,
and which KPIs the analyses read; declared in configs/design/NAME.yaml and checked up front.

    design = load_design("client_value", ["design.size=64"])    # configs/design/client_value.yaml
    points = design.sample()        # DataFrame: one row per point, dotted config names (and scheme)

A design file (the package of every file is `design`):

    sampler: sobol              # factorial | lhs | sobol | morris
    size: 1024                  # sobol: N base samples; morris: trajectories; lhs: points;
                                # factorial: levels of each bounded parameter
    replications: 1
    kpis: [client_net_value]    # what the analyses read (names of bposim.METRICS columns)
    compare: null               # or [shared_outcome, quality_weighted]: every point runs under
                                # both, on the same streams, and the analyses read A minus B
    base: [steps=156]           # overrides for everything the design does not vary
    parameters:
      client.audit_rate: [0.02, 0.3]            # bounds (uniform)
      market.n_clients: {levels: [3, 5, 8]}     # levels (any sampler: a discrete factor)
      scheme: {levels: [per_volume, fixed_fee]}

Every name, bound and level is checked against the parameter's declaration (`param()` in
bposim/config/schema.py, and each scheme's Params) before anything runs: an unknown name, a
bound outside the declared range, an unknown sampler or KPI raises DesignError naming it.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from itertools import product
from typing import Any

import numpy as np
import pandas as pd

from ..config import Config, ConfigError, compose_unvalidated, describe, in_range, validate
from ..metrics import METRIC_NAMES
from ..schemes import SCHEMES

SAMPLERS = ("factorial", "lhs", "sobol", "morris", "optuna")
SEARCH_KEYS = ("terms", "trials", "batch", "min_vendor_margin", "pareto")
DERIVED_KPIS = ("flagged_share", "actioned_share")  # summary columns computed from two metrics


class DesignError(ConfigError):
    """A design that cannot run: each problem names the field, the value and what is allowed."""

    def one_line(self) -> str:
        return "; ".join(self.problems)


@dataclass(frozen=True)
class Parameter:
    """One varied setting: uniform between `bounds`, or one of `levels`."""

    name: str
    bounds: tuple[float, float] | None = None
    levels: tuple | None = None
    kind: str = "float"  # float | int | bool | str (from the declaration)

    @property
    def discrete(self) -> bool:
        return self.levels is not None

    def from_unit(self, u: np.ndarray) -> np.ndarray:
        """Values from points of [0, 1] (what the samplers draw)."""
        if self.levels is not None:
            idx = np.minimum((np.asarray(u) * len(self.levels)).astype(int), len(self.levels) - 1)
            return np.asarray(self.levels, dtype=object)[idx] if self.kind == "str" else np.asarray(self.levels)[idx]
        lo, hi = self.bounds
        x = lo + np.asarray(u) * (hi - lo)
        if self.kind == "int":
            return np.clip(np.rint(x), math.ceil(lo), math.floor(hi)).astype(int)
        if self.kind == "bool":
            return x >= 0.5
        return x

    def grid(self, n: int) -> list:
        """The factorial levels: the given levels, or n evenly spaced values between the bounds."""
        if self.levels is not None:
            return list(self.levels)
        lo, hi = self.bounds
        if self.kind == "bool":
            return [False, True]
        values = np.linspace(lo, hi, max(n, 2) if hi > lo else 1)
        if self.kind == "int":
            return sorted({int(v) for v in np.rint(values)})
        return [float(v) for v in values]

    def describe(self) -> str:
        if self.levels is not None:
            return "levels " + ", ".join(str(v) for v in self.levels)
        return f"[{self.bounds[0]:g}, {self.bounds[1]:g}]"


@dataclass
class Design:
    """A checked design: its parameters, sampler and size, the KPIs read, and the base config."""

    name: str
    parameters: list[Parameter]
    sampler: str = "lhs"
    size: int = 64
    replications: int = 1
    seed: int = 0
    kpis: list[str] = field(default_factory=lambda: ["client_net_value"])
    compare: list[str] | None = None
    base: list[str] = field(default_factory=list)
    second_order: bool = True      # sobol: the Saltelli design with second-order terms, N*(2D+2) rows
    morris_levels: int = 4
    description: str = ""
    discovery: dict = field(default_factory=dict)  # options of the PRIM/CART step (see discovery.py)
    search: dict = field(default_factory=dict)     # sampler optuna: terms per scheme, trials, batch, ...

    def fixed(self) -> dict:
        """A search's settings given one level (e.g. scheme.pricing: participation): every trial's."""
        return {p.name: p.levels[0] for p in self.parameters if p.levels is not None and len(p.levels) == 1}

    def terms(self, scheme: str) -> dict:
        """A search's terms for one scheme: its own, plus the parameters shared by every scheme."""
        own = flatten_parameters(self.search.get("terms", {}).get(scheme) or {})
        shared = {p.name: list(p.bounds) for p in self.parameters if p.bounds is not None}
        return {**own, **shared}

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.parameters]

    def problem(self) -> dict:
        """The SALib problem: every parameter on [0, 1] (mapped to its bounds or levels after)."""
        return {"num_vars": len(self.parameters), "names": self.names, "bounds": [[0.0, 1.0]] * len(self.parameters)}

    def unit_sample(self) -> np.ndarray:
        """The sampler's points in the unit cube, in SALib's order (what its analyses expect)."""
        from SALib.sample import latin, morris, sobol

        problem = self.problem()
        if self.sampler == "sobol":
            return sobol.sample(problem, self.size, calc_second_order=self.second_order, seed=self.seed)
        if self.sampler == "morris":
            return morris.sample(problem, self.size, num_levels=self.morris_levels, seed=self.seed)
        if self.sampler == "lhs":
            return latin.sample(problem, self.size, seed=self.seed)
        raise ValueError(f"{self.sampler} has no unit sample")

    def sample(self) -> pd.DataFrame:
        """The design's points: one row each, one column per parameter (dotted config names)."""
        if self.sampler == "optuna":
            raise ValueError("a search design (sampler: optuna) has no fixed sample: see explore.search")
        if self.sampler == "factorial":
            grids = [p.grid(self.size) for p in self.parameters]
            rows = list(product(*grids))
            return pd.DataFrame(rows, columns=self.names)
        u = self.unit_sample()
        return pd.DataFrame({p.name: p.from_unit(u[:, i]) for i, p in enumerate(self.parameters)})

    def n_points(self) -> int:
        d = len(self.parameters)
        if self.sampler == "sobol":
            return self.size * (2 * d + 2 if self.second_order else d + 2)
        if self.sampler == "morris":
            return self.size * (d + 1)
        if self.sampler == "factorial":
            return math.prod(len(p.grid(self.size)) for p in self.parameters)
        if self.sampler == "optuna":
            runs = int(self.search.get("trials", 64)) * (2 if self.search.get("pareto", True) else 1)
            return runs * len(self.search.get("terms", {}))
        return self.size

    def schemes(self) -> list[str]:
        """The schemes the design runs: its compare pair, its scheme levels, or the base's scheme."""
        if self.compare:
            return list(self.compare)
        if self.sampler == "optuna":
            return list(self.search.get("terms", {}))
        for p in self.parameters:
            if p.name == "scheme":
                return list(p.levels)
        return [compose_unvalidated(self.base).scheme.name]


# --- declarations ----------------------------------------------------------------------------


def _declared() -> dict[str, dict]:
    """Every top-level and section parameter by dotted name: type, range (scheme.* apart)."""
    out = {}
    types = {}
    for f in dataclasses.fields(Config):
        if dataclasses.is_dataclass(f.type) or f.name == "scheme":
            continue
        types[f.name] = f.type
    for sec in dataclasses.fields(Config):
        default = sec.default_factory() if sec.default_factory is not dataclasses.MISSING else None
        if dataclasses.is_dataclass(default):
            for f in dataclasses.fields(default):
                types[f"{sec.name}.{f.name}"] = f.type
    for row in describe(Config):
        if row["name"] in types:
            out[row["name"]] = {"type": _type_name(types[row["name"]]), "range": row["range"]}
    return out


def _type_name(t: Any) -> str:
    return t if isinstance(t, str) else getattr(t, "__name__", str(t))


def scheme_declared(scheme: str) -> dict[str, dict]:
    """The parameters of one scheme as scheme.NAME: type and range (and scheme.pricing, which
    every scheme takes: how its fixed part is set)."""
    from ..schemes.base import PRICING

    out = {f"scheme.{f.name}": {"type": _type_name(f.type), "range": f.metadata.get("range") or ""}
           for f in dataclasses.fields(SCHEMES[scheme].Params)}
    out["scheme.pricing"] = {"type": "str", "range": "", "allowed": PRICING}
    return out


def declaration(name: str, schemes: list[str], problems: list[str]) -> dict | None:
    """The declaration of a dotted parameter for every scheme in play, or None (and a problem)."""
    if name.startswith("scheme."):
        found = None
        for s in schemes:
            decl = scheme_declared(s).get(name)
            if decl is None:
                allowed = ", ".join(sorted(scheme_declared(s)))
                problems.append(f"design parameter {name} is not a parameter of scheme {s}: allowed {allowed}")
                return None
            if found is None or (decl["range"] and found["range"] != decl["range"]):
                found = decl if found is None else {**found, "ranges": [found["range"], decl["range"]]}
        return found
    decl = _declared().get(name)
    if decl is None:
        problems.append(f"design parameter {name} is not a bposim parameter (give a dotted name such as "
                        f"client.audit_rate; `bposim-run --cfg job` lists them)")
    return decl


def _parameter(name: str, spec: Any, schemes: list[str], problems: list[str]) -> Parameter | None:
    if isinstance(spec, dict):
        unknown = sorted(set(spec) - {"bounds", "levels"})
        if unknown or len(spec) != 1:
            problems.append(f"design parameter {name} = {spec!r} must give either bounds: [low, high] or "
                            f"levels: [...]")
            return None
        key, value = next(iter(spec.items()))
    else:
        key, value = "bounds", spec
    if name == "scheme":
        levels = list(value) if key == "levels" and isinstance(value, (list, tuple)) else None
        bad = [v for v in (levels or []) if v not in SCHEMES]
        if not levels or bad:
            problems.append(f"design parameter scheme = {value!r} must be levels of known schemes: allowed "
                            f"{', '.join(sorted(SCHEMES))}")
            return None
        return Parameter("scheme", levels=tuple(levels), kind="str")
    decl = declaration(name, schemes, problems)
    if decl is None:
        return None
    kind = decl["type"] if decl["type"] in ("float", "int", "bool", "str") else "float"
    ranges = decl.get("ranges") or [decl["range"]]
    if not isinstance(value, (list, tuple)) or not value:
        problems.append(f"design parameter {name} {key} = {value!r} must be a list")
        return None
    values = list(value)
    if key == "bounds":
        if kind == "str":
            problems.append(f"design parameter {name} is text: give levels: [...], not bounds")
            return None
        if len(values) != 2 or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values) \
                or not values[0] <= values[1]:
            problems.append(f"design parameter {name} bounds = {value!r} must be [low, high] numbers with low <= high")
            return None
    for v in values:
        if decl.get("allowed") and v not in decl["allowed"]:
            problems.append(f"design parameter {name} level {v!r} is not allowed: use {' or '.join(decl['allowed'])}")
            return None
        if kind in ("float", "int") and (isinstance(v, bool) or not isinstance(v, (int, float))):
            problems.append(f"design parameter {name} value {v!r} must be a number")
            return None
        if kind == "int" and key == "levels" and float(v) != int(v):
            problems.append(f"design parameter {name} level {v!r} must be a whole number")
            return None
        if kind == "bool" and key == "levels" and not isinstance(v, bool):
            problems.append(f"design parameter {name} level {v!r} must be true or false")
            return None
        for spec_range in ranges:
            if spec_range and kind in ("float", "int") and not in_range(float(v), spec_range):
                problems.append(f"design parameter {name} {key[:-1] if key == 'bounds' else 'level'} {v!r} is "
                                f"outside its declared range {spec_range}")
                return None
    if key == "bounds":
        return Parameter(name, bounds=(float(values[0]), float(values[1])), kind=kind)
    if kind == "int":
        values = [int(v) for v in values]
    return Parameter(name, levels=tuple(values), kind=kind)


def flatten_parameters(spec: dict, prefix: str = "") -> dict:
    """Parameters by dotted name, from nested sections (client: {audit_rate: [0, 1]}) or dotted keys."""
    out = {}
    for key, value in spec.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and not (set(value) & {"bounds", "levels"}):
            out.update(flatten_parameters(value, f"{name}."))
        else:
            out[name] = value
    return out


def kpi_names() -> tuple[str, ...]:
    """The KPI columns of a run's summary a design can read."""
    return (*METRIC_NAMES, *(f"{m}_final" for m in ("trust_in_vendor", "trust_in_client", "engagement", "context")),
            *DERIVED_KPIS)


def build_design(spec: dict, name: str = "design") -> Design:
    """A checked Design from a plain mapping (a design file's content); DesignError if it cannot run."""
    problems: list[str] = []
    spec = dict(spec)
    known = {f.name for f in dataclasses.fields(Design)} - {"name"}
    for key in sorted(set(spec) - known):
        problems.append(f"design.{key} is not a design setting: allowed {', '.join(sorted(known))}")
    sampler = spec.get("sampler", "lhs")
    if sampler not in SAMPLERS:
        problems.append(f"design.sampler = {sampler!r} is not a known sampler: allowed {', '.join(SAMPLERS)}")
    size = spec.get("size", 64)
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        problems.append(f"design.size = {size!r} must be a whole number >= 1")
    elif sampler == "sobol" and size & (size - 1):
        problems.append(f"design.size = {size} must be a power of 2 for the sobol sampler (e.g. "
                        f"{1 << (size.bit_length() - 1)} or {1 << size.bit_length()})")
    reps = spec.get("replications", 1)
    if isinstance(reps, bool) or not isinstance(reps, int) or reps < 1:
        problems.append(f"design.replications = {reps!r} must be a whole number >= 1")
    kpis = list(spec.get("kpis") or ["client_net_value"])
    allowed = kpi_names()
    for k in kpis:
        if k not in allowed:
            problems.append(f"design.kpis: {k!r} is not a KPI: allowed {', '.join(allowed)}")
    compare = spec.get("compare")
    if compare is not None:
        compare = list(compare)
        bad = [s for s in compare if s not in SCHEMES]
        if len(compare) != 2 or bad or compare[0] == compare[1]:
            problems.append(f"design.compare = {compare!r} must name two different schemes: allowed "
                            f"{', '.join(sorted(SCHEMES))}")
            compare = None
    base = [str(b) for b in (spec.get("base") or [])]
    params_spec = spec.get("parameters") or {}
    search = dict(spec.get("search") or {})
    if sampler == "optuna":
        _check_search(search, problems)
    elif search:
        problems.append("design.search is only read with sampler: optuna")
    if not isinstance(params_spec, dict) or (not params_spec and sampler != "optuna"):
        problems.append("design.parameters must map at least one parameter to its bounds or levels")
        params_spec = {}
    try:
        base_cfg = compose_unvalidated(base)
    except Exception as err:  # Hydra's message for an unknown group or key
        problems.append(f"design.base = {base!r}: {str(err).splitlines()[0]}")
        base_cfg = None
    if compare:
        schemes = compare
    elif sampler == "optuna":
        schemes = [s for s in search.get("terms", {}) if s in SCHEMES]
    elif isinstance(params_spec.get("scheme"), dict) and isinstance(params_spec["scheme"].get("levels"), list):
        schemes = [s for s in params_spec["scheme"]["levels"] if s in SCHEMES]
    else:
        schemes = [base_cfg.scheme.name] if base_cfg is not None else []
    if compare and "scheme" in params_spec:
        problems.append("design parameter scheme cannot vary in a design with compare: the pair is run at every point")
    parameters = []
    for pname, pspec in flatten_parameters(params_spec).items():
        p = _parameter(str(pname), pspec, schemes, problems)
        if p is not None:
            parameters.append(p)
    if problems:
        raise DesignError(problems)
    design = Design(name=name, parameters=parameters, sampler=sampler, size=size, replications=reps,
                    seed=int(spec.get("seed", 0)), kpis=kpis, compare=compare, base=base,
                    second_order=bool(spec.get("second_order", True)),
                    morris_levels=int(spec.get("morris_levels", 4)),
                    description=str(spec.get("description", "")), discovery=dict(spec.get("discovery") or {}),
                    search=search)
    check_corners(design)
    return design


def _check_search(search: dict, problems: list[str]) -> None:
    for key in sorted(set(search) - set(SEARCH_KEYS)):
        problems.append(f"design.search.{key} is not a search setting: allowed {', '.join(SEARCH_KEYS)}")
    terms = search.get("terms")
    if not isinstance(terms, dict) or not terms:
        problems.append("design.search.terms must map each scheme to its terms and their bounds")
        return
    for scheme, spec in terms.items():
        if scheme not in SCHEMES:
            problems.append(f"design.search.terms: {scheme!r} is not a known scheme: allowed {', '.join(sorted(SCHEMES))}")
            continue
        for name, value in flatten_parameters(spec or {}).items():
            p = _parameter(name, value, [scheme], problems)
            if p is not None and p.bounds is None:
                problems.append(f"design.search.terms.{scheme}: {name} needs bounds [low, high]")
    for key in ("trials", "batch"):
        v = search.get(key, 16)
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            problems.append(f"design.search.{key} = {v!r} must be a whole number >= 1")


def check_corners(design: Design) -> None:
    """Validate the base and its corners (every bound alone, all low, all high) for every scheme.

    A range the declaration allows can still break a rule tying two fields together (e.g. the
    effort cost must stay convex); checking the corners catches that before thousands of points run.
    """
    if design.sampler == "optuna":
        for scheme in design.schemes():
            _check_corners(design, [scheme], [Parameter(n, bounds=tuple(b)) for n, b in design.terms(scheme).items()])
        return
    _check_corners(design, design.schemes(), design.parameters)


def _check_corners(design: Design, schemes: list[str], parameters: list[Parameter]) -> None:
    problems: list[str] = []
    bounded = [p for p in parameters if p.name != "scheme"]
    corners: list[dict] = [{}]
    for p in bounded:
        lo_hi = (p.levels[0], p.levels[-1]) if p.levels is not None else p.bounds
        corners += [{p.name: lo_hi[0]}, {p.name: lo_hi[1]}]
    corners += [{p.name: (p.levels[0] if p.levels else p.bounds[0]) for p in bounded},
                {p.name: (p.levels[-1] if p.levels else p.bounds[1]) for p in bounded}]
    from .reference import point_config

    for scheme in schemes:
        for corner in corners:
            values = {k: (int(round(v)) if _kind(design, k) == "int" else v) for k, v in corner.items()}
            try:
                validate(point_config(design.base, {"scheme": scheme, **values}))
            except ConfigError as err:
                where = ", ".join(f"{k}={v}" for k, v in values.items()) or "the base"
                for problem in err.problems:
                    msg = f"design point ({where}, scheme={scheme}): {problem}"
                    if msg not in problems:
                        problems.append(msg)
                break
    if problems:
        raise DesignError(problems[:3])


def _kind(design: Design, name: str) -> str:
    for p in design.parameters:
        if p.name == name:
            return p.kind
    return "float"


# --- design files -----------------------------------------------------------------------------


def design_names() -> list[str]:
    """The designs shipped in configs/design/."""
    from importlib import resources

    folder = resources.files("bposim.configs") / "design"
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml"))


def design_summary(name: str) -> str:
    """The first comment line of a shipped design file (its question)."""
    from importlib import resources

    text = (resources.files("bposim.configs") / "design" / f"{name}.yaml").read_text()
    for line in text.splitlines():
        if line.startswith("#") and not line.startswith("# @"):
            return line.lstrip("# ").strip()
    return ""


def load_design(name: str, overrides: list[str] | None = None) -> Design:
    """The shipped design configs/design/NAME.yaml with Hydra overrides of its keys (design.size=64).

    Overrides that do not start with `design.` change the base configuration of every point.
    """
    from hydra import compose as hydra_compose
    from hydra import initialize_config_module
    from hydra.core.global_hydra import GlobalHydra
    from omegaconf import OmegaConf

    if name not in design_names():
        raise DesignError([f"design = {name!r} is not a shipped design: allowed {', '.join(design_names())}"])
    overrides = list(overrides or [])
    mine = [o for o in overrides if o.lstrip("+~").startswith("design.")]
    base = [o for o in overrides if o not in mine]
    if GlobalHydra.instance().is_initialized():
        GlobalHydra.instance().clear()
    try:
        with initialize_config_module(config_module="bposim.configs", version_base="1.3"):
            cfg = hydra_compose(config_name=f"design/{name}", overrides=mine)
    except Exception as err:  # Hydra's own message (a key the design does not have, bad syntax)
        raise DesignError([f"design {name}: {str(err).splitlines()[0]}"]) from None
    finally:
        GlobalHydra.instance().clear()
    spec = OmegaConf.to_container(cfg.design if "design" in cfg else cfg, resolve=True)
    spec["base"] = [*(spec.get("base") or []), *base]
    return build_design(spec, name)
