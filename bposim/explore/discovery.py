"""Scenario discovery: in which futures does scheme A lose to scheme B?

    cases = losing_cases(run, "client_net_value")     # True where A does worse than B
    box = prim_box(run.points, cases)                 # PRIM (ema_workbench): rules, coverage, density
    tree = cart_rules(run.points, cases)              # a CART tree (scikit-learn): one rule per leaf

A point "loses" when A's KPI, averaged over replications of A minus B within each replication
(common random numbers), is worse than B's: lower for a KPI where more is better, higher where
less is better. Coverage is the share of all losing points inside a box; density the share of
points inside the box that lose. PRIM peels the box a little at a time; the peeling trajectory
is the trade-off between the two.

ema_workbench is imported only when PRIM runs (it takes seconds to import).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..analysis.figures import fmt
from ..analysis.scorecard import KPIS
from .charts import VERMILION, styled
from .run import DesignRun


def losing_cases(run: DesignRun, kpi: str) -> np.ndarray:
    """Per sampled point: does the first compared scheme do worse than the second on the KPI?"""
    if not run.design.compare:
        raise ValueError("scenario discovery needs a design with compare: [A, B]")
    gap = run.outcome(kpi)
    return gap > 0 if not KPIS.get(kpi, True) else gap < 0


@dataclass
class Box:
    """A box of the design space: rules (parameter, low, high), its coverage, density and size."""

    rules: pd.DataFrame       # parameter, low, high (None where unrestricted on that side), text
    coverage: float
    density: float
    mass: float
    n_points: int
    trajectory: pd.DataFrame  # PRIM: coverage, density, mass, res_dim per peel; CART: one row per leaf

    def text(self) -> str:
        return " and ".join(self.rules["text"]) if len(self.rules) else "anywhere"


def _numeric(points: pd.DataFrame) -> pd.DataFrame:
    """The points as numbers: floats (PRIM pastes fractional limits, which an int column refuses),
    booleans as 0/1, text levels as categories."""
    out = points.copy()
    for c in out.columns:
        if out[c].dtype == object or pd.api.types.is_string_dtype(out[c]):
            out[c] = out[c].astype("category")
        else:
            out[c] = out[c].astype(float)
    return out


def _rule(name: str, low, high, full_low, full_high) -> dict | None:
    lo = None if low is None or low <= full_low else low
    hi = None if high is None or high >= full_high else high
    if lo is None and hi is None:
        return None
    if lo is not None and hi is not None:
        text = f"{fmt(lo)} <= {name} <= {fmt(hi)}"
    elif lo is not None:
        text = f"{name} >= {fmt(lo)}"
    else:
        text = f"{name} <= {fmt(hi)}"
    return {"parameter": name, "low": lo, "high": hi, "text": text}


def prim_box(points: pd.DataFrame, cases: np.ndarray, min_coverage: float = 0.5, max_restricted: int = 4,
             peel_alpha: float = 0.05, mass_min: float = 0.05) -> Box:
    """PRIM's box: of the boxes along the peeling trajectory that keep at least `min_coverage` of
    the losing points and restrict at most `max_restricted` parameters (a rule a reader can hold
    in mind), the densest (the fewest restrictions among ties)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim

    x = _numeric(points.reset_index(drop=True))
    cases = np.asarray(cases, dtype=bool)
    if cases.sum() == 0:
        return Box(pd.DataFrame(columns=["parameter", "low", "high", "text"]), 0.0, 0.0, 0.0, 0,
                   pd.DataFrame(columns=["coverage", "density", "mass", "res_dim"]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        box = prim.Prim(x, cases, peel_alpha=peel_alpha, mass_min=mass_min).find_box()
    traj = box.peeling_trajectory[["coverage", "density", "mass", "res_dim"]].reset_index(drop=True)
    ok = traj[(traj["coverage"] >= min_coverage) & (traj["res_dim"] <= max_restricted)]
    pick = ok.sort_values(["density", "res_dim"], ascending=[False, True], kind="stable").index[0] if len(ok) else 0
    lims, full = box.box_lims[pick], box.box_lims[0]
    rules = []
    for name in x.columns:
        if isinstance(x[name].dtype, pd.CategoricalDtype):
            kept = sorted(lims[name].iloc[0]) if isinstance(lims[name].iloc[0], set) else None
            if kept is not None and len(kept) < len(x[name].cat.categories):
                rules.append({"parameter": name, "low": None, "high": None,
                              "text": f"{name} in {{{', '.join(map(str, kept))}}}"})
            continue
        r = _rule(name, float(lims[name].iloc[0]), float(lims[name].iloc[1]), float(full[name].iloc[0]),
                  float(full[name].iloc[1]))
        if r:
            rules.append(r)
    row = traj.iloc[pick]
    inside = _inside(points, rules)
    return Box(pd.DataFrame(rules, columns=["parameter", "low", "high", "text"]), float(row["coverage"]),
               float(row["density"]), float(row["mass"]), int(inside.sum()), traj.assign(chosen=traj.index == pick))


def _inside(points: pd.DataFrame, rules) -> np.ndarray:
    mask = np.ones(len(points), dtype=bool)
    for r in rules:
        if r.get("low") is not None:
            mask &= points[r["parameter"]].to_numpy(dtype=float) >= r["low"]
        if r.get("high") is not None:
            mask &= points[r["parameter"]].to_numpy(dtype=float) <= r["high"]
    return mask


def cart_rules(points: pd.DataFrame, cases: np.ndarray, max_depth: int = 3, min_leaf: float = 0.05,
               seed: int = 0) -> pd.DataFrame:
    """A classification tree of losing points: one row per leaf where most points lose, with its
    rule, coverage and density, densest first."""
    from sklearn.tree import DecisionTreeClassifier

    x = _numeric(points.reset_index(drop=True))
    x = pd.get_dummies(x, dtype=float) if any(isinstance(x[c].dtype, pd.CategoricalDtype) for c in x) else x
    cases = np.asarray(cases, dtype=bool)
    cols = ["rule", "coverage", "density", "n_points", "losing"]
    if cases.sum() == 0 or cases.all():
        return pd.DataFrame(columns=cols)
    tree = DecisionTreeClassifier(max_depth=max_depth, min_samples_leaf=max(1, int(min_leaf * len(x))),
                                  random_state=seed).fit(x.to_numpy(dtype=float), cases)
    t = tree.tree_
    names = list(x.columns)
    leaves = tree.apply(x.to_numpy(dtype=float))
    rows = []

    def walk(node: int, path: list[str]) -> None:
        if t.children_left[node] == -1:
            members = leaves == node
            losing = int(cases[members].sum())
            if members.sum() and losing / members.sum() > 0.5:
                rows.append({"rule": " and ".join(path) or "anywhere", "coverage": losing / cases.sum(),
                             "density": losing / members.sum(), "n_points": int(members.sum()), "losing": losing})
            return
        name, cut = names[t.feature[node]], t.threshold[node]
        walk(t.children_left[node], [*path, f"{name} <= {fmt(cut)}"])
        walk(t.children_right[node], [*path, f"{name} > {fmt(cut)}"])

    walk(0, [])
    return pd.DataFrame(rows, columns=cols).sort_values("density", ascending=False, kind="stable").reset_index(drop=True)


def peeling_chart(box: Box, question: str) -> Figure:
    """PRIM's peeling trajectory: coverage against density, coloured by restricted parameters."""
    from matplotlib import colormaps

    traj = box.trajectory
    with styled(f"PRIM peeling trade-off: {question}", (7.5, 5.2)) as (fig, ax):
        if len(traj):
            dims = traj["res_dim"].astype(int)
            cmap = colormaps["viridis"]
            top = max(int(dims.max()), 1)
            sc = ax.scatter(traj["coverage"], traj["density"], c=dims, cmap=cmap, vmin=0, vmax=top, s=28)
            fig.colorbar(sc, ax=ax, label="parameters restricted")
            chosen = traj[traj["chosen"]] if "chosen" in traj else traj.iloc[:0]
            ax.scatter(chosen["coverage"], chosen["density"], s=140, facecolors="none", edgecolors=VERMILION,
                       linewidths=2, label="box reported")
            ax.legend(loc="lower left", fontsize=8)
        ax.set_xlabel("coverage: share of the losing points inside the box")
        ax.set_ylabel("density: share of the box's points that lose")
        ax.set_xlim(0, 1.02)
        ax.set_ylim(0, 1.02)
    fig.reading = (f"The box reported ({box.text()}) holds {box.coverage:.0%} of the losing points, and "
                   f"{box.density:.0%} of its points lose.") if len(traj) else "No point loses: nothing to find."
    return fig
