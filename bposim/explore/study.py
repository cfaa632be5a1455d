"""A design and all its analyses, as tables and figures ready for the report.

    exploration = explore(load_design("client_value", ["design.size=64"]))
    exploration.tables["sobol"]        # tidy tables (written as Parquet and CSV)
    exploration.figures["sobol_client_net_value"]

What runs follows the design: Sobol indices for a sobol sample, Morris indices for a morris
one, a tornado for every sample, scenario discovery (PRIM, CART) when two schemes are
compared, and the optuna searches for sampler: optuna.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..analysis.figures import colors, fmt
from ..analysis.labels import kpi_unit, label
from . import discovery, sensitivity
from .charts import styled
from .design import Design
from .run import DesignRun, Evaluator, default_evaluator, run_design


@dataclass
class Section:
    id: str
    title: str
    intro: str
    figures: list[str] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)   # shown in the HTML (all are written)


@dataclass
class Exploration:
    design: Design
    run: DesignRun | None
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    figures: dict[str, Figure] = field(default_factory=dict)
    sections: list[Section] = field(default_factory=list)
    summary: list[str] = field(default_factory=list)    # headline sentences
    seconds: dict[str, float] = field(default_factory=dict)

    def reading(self, name: str) -> str:
        return getattr(self.figures.get(name), "reading", "")


def explore(design: Design, evaluate: Evaluator | None = None, folder: Path | None = None,
            n_jobs: int | None = None, backend: str | None = None, backend_options: dict | None = None,
            progress=False) -> Exploration:
    """Run the design through `evaluate` (default: the batch engine) and every analysis it calls for.

    folder: where a search keeps its optuna study (search.db) and a design its finished chunks
    (chunks/), so that a re-run resumes. n_jobs, backend, backend_options, progress: where and
    how many chunks run at once, and the progress bar (simulate_design's; a sampled design's
    only: a search runs each generation here, n_jobs chunks at once).
    """
    evaluate = evaluate or default_evaluator()
    if design.sampler == "optuna":
        return _search(design, evaluate, folder, n_jobs)
    started = time.perf_counter()
    run = run_design(design, evaluate=evaluate, n_jobs=n_jobs, backend=backend, backend_options=backend_options,
                     progress=progress, folder=None if folder is None else folder / "chunks")
    ex = Exploration(design=design, run=run)
    ex.seconds["simulation"] = time.perf_counter() - started
    ex.tables["points"] = run.points.rename_axis("sample").reset_index()
    ex.tables["results"] = run.summary
    started = time.perf_counter()
    _sensitivity(ex)
    if design.compare:
        _discovery(ex)
    ex.seconds["analysis"] = time.perf_counter() - started
    return ex


def _sensitivity(ex: Exploration) -> None:
    design, run = ex.design, ex.run
    tables = {"sobol": [], "morris": [], "tornado": []}
    for kpi in design.kpis:
        what, unit = sensitivity.kpi_terms(run, kpi)
        figs = []
        if design.sampler == "sobol":
            t = sensitivity.sobol_indices(run, kpi, seed=design.seed)
            tables["sobol"].append(t)
            ex.figures[f"sobol_{kpi}"] = sensitivity.sobol_chart(t, what)
            figs.append(f"sobol_{kpi}")
        if design.sampler == "morris":
            t = sensitivity.morris_indices(run, kpi, seed=design.seed)
            tables["morris"].append(t)
            ex.figures[f"morris_{kpi}"] = sensitivity.morris_chart(t, what, unit)
            figs.append(f"morris_{kpi}")
        t = sensitivity.tornado(run, kpi)
        tables["tornado"].append(t)
        ex.figures[f"tornado_{kpi}"] = sensitivity.tornado_chart(t, what, unit)
        figs.append(f"tornado_{kpi}")
        y = run.outcome(kpi)
        ex.summary.append(f"{what[:1].upper()}{what[1:]}: mean {fmt(float(np.mean(y)))} over the design "
                          f"(5% to 95% of points: {fmt(float(np.quantile(y, 0.05)))} to "
                          f"{fmt(float(np.quantile(y, 0.95)))}; {unit}). " + ex.reading(figs[0]))
        ex.sections.append(Section(f"kpi-{kpi.replace('_', '-')}", f"What moves {what}", _intro(design, kpi, what),
                                   figs, [n for n in ("sobol", "morris") if tables[n]]))
    for name, parts in tables.items():
        if parts:
            ex.tables[name] = pd.concat(parts, ignore_index=True)
    for s in ex.sections:  # each section shows its own KPI's rows only
        s.tables = [f"{n}:{s.id[4:].replace('-', '_')}" for n in s.tables]


def _intro(design: Design, kpi: str, what: str) -> str:
    if design.sampler == "sobol":
        how = ("Sobol indices: the share of the variance of the outcome over the design that each parameter "
               "explains alone (first order, S1) and with all its interactions (total, ST), with 95% bootstrap "
               "intervals (SALib).")
    elif design.sampler == "morris":
        how = ("Morris elementary effects: mu* is the mean absolute change of the outcome when one parameter "
               "moves across its whole range, in the KPI's own units; sigma is the spread of those changes "
               "(high sigma: interactions or a non-linear effect).")
    else:
        how = ""
    pair = ""
    if design.compare:
        a, b = design.compare
        pair = (f" The outcome is {a} minus {b} at the same point and in the same replication (the same "
                f"demand, shocks, breaks and audit dice), averaged over replications.")
    return (f"{how} The tornado shows, in the KPI's units, the mean of the outcome over the points where a "
            f"parameter lies in its lowest and its highest fifth.{pair}")


def _discovery(ex: Exploration) -> None:
    design, run = ex.design, ex.run
    a, b = design.compare
    kpi = design.discovery.get("kpi", design.kpis[0])
    cases = discovery.losing_cases(run, kpi)
    ex.tables["points"]["loses"] = cases
    box = discovery.prim_box(run.points, cases, min_coverage=float(design.discovery.get("min_coverage", 0.5)),
                             max_restricted=int(design.discovery.get("max_restricted", 4)))
    cart = discovery.cart_rules(run.points, cases, max_depth=int(design.discovery.get("max_depth", 3)))
    ex.tables["prim_box"] = box.rules.assign(coverage=box.coverage, density=box.density, mass=box.mass)
    ex.tables["prim_trajectory"] = box.trajectory
    ex.tables["cart_rules"] = cart
    question = f"where {a} loses to {b} on {label(kpi)}"
    ex.figures["peeling"] = discovery.peeling_chart(box, question)
    share = float(np.mean(cases))
    line = (f"{a} gives a worse {label(kpi)} than {b} at {share:.0%} of the {len(cases)} points "
            f"(mean over replications of the paired difference).")
    if len(box.rules):
        line += (f" PRIM: mostly where {box.text()} ({box.coverage:.0%} of the losing points are there; "
                 f"{box.density:.0%} of the points there lose).")
    ex.summary.insert(0, line)
    ex.sections.insert(0, Section(
        "discovery", f"Scenario discovery: {question}",
        f"A point counts as losing when {a}'s {label(kpi)} is worse than {b}'s, as the mean over replications "
        f"of the paired difference. PRIM (ema_workbench) peels the parameter space toward the losing points; "
        f"of the boxes on its peeling trajectory keeping at least {box_cover(design):.0%} of them, the report "
        f"gives the densest with at most {int(design.discovery.get('max_restricted', 4))} restricted parameters. "
        f"Coverage: the share of all losing points inside the box; density: the share of the box's points "
        f"that lose. The CART tree (scikit-learn) gives each leaf where most points lose as one rule. "
        f"{line}", ["peeling"], ["prim_box", "cart_rules"]))


def box_cover(design: Design) -> float:
    return float(design.discovery.get("min_coverage", 0.5))


# --- searches -----------------------------------------------------------------------------------


def _search(design: Design, evaluate: Evaluator, folder: Path | None, n_jobs: int | None) -> Exploration:
    from .search import best_terms, pareto_front

    ex = Exploration(design=design, run=None)
    s = design.search
    trials, batch = int(s.get("trials", 64)), int(s.get("batch", 16))
    best, fronts = [], []
    started = time.perf_counter()
    for scheme in design.schemes():
        terms = design.terms(scheme)
        sub = (folder / scheme) if folder is not None else None
        table = best_terms(scheme, terms, base=design.base, trials=trials, batch=batch,
                           replications=design.replications, min_vendor_margin=float(s.get("min_vendor_margin", 0.0)),
                           folder=sub, seed=design.seed, evaluate=evaluate, n_jobs=n_jobs, fixed=design.fixed())
        best.append(table)
        if s.get("pareto", True):
            fronts.append(pareto_front(scheme, terms, base=design.base, trials=trials, batch=batch,
                                       replications=design.replications, folder=sub, seed=design.seed,
                                       evaluate=evaluate, n_jobs=n_jobs, fixed=design.fixed()))
    ex.seconds["search"] = time.perf_counter() - started
    trials_table = pd.concat(best, ignore_index=True)
    ex.tables["search_trials"] = trials_table
    top = trials_table[trials_table["best"]].reset_index(drop=True)
    ex.tables["best_terms"] = _best_rows(top)
    ex.summary = [_best_sentence(row) for _, row in top.iterrows()]
    ex.sections.append(Section(
        "best-terms", "Best terms for the client, per scheme",
        f"For each scheme, optuna's TPE sampler searched the terms below ({trials} trials in generations of "
        f"{batch}, each generation run as one batch on the same random streams) for the highest client net "
        f"value while the vendor's margin stays at least {fmt(float(s.get('min_vendor_margin', 0.0)))} MU over the "
        f"run. Values are means over {design.replications} replications.", [], ["best_terms"]))
    if fronts:
        front = pd.concat(fronts, ignore_index=True)
        ex.tables["pareto"] = front
        ex.figures["pareto"] = pareto_chart(front, best=top)
        ex.sections.append(Section(
            "pareto", "Two-party Pareto front: client net value against vendor margin",
            "optuna's NSGA-II sampler searched each scheme's terms for both parties at once; the line joins the "
            "trials no other trial of that scheme beats on both. Up is better for the client, right for the "
            "vendor. Stars: the client-optimal terms of the section above.", ["pareto"], []))
    return ex


def _best_rows(top: pd.DataFrame) -> pd.DataFrame:
    keep = [c for c in top.columns if c not in ("trial", "best", "feasible")]
    return top[keep]


def _best_sentence(row: pd.Series) -> str:
    terms = ", ".join(f"{k} = {fmt(float(v))}" for k, v in row.items()
                      if "." in str(k) and not pd.isna(v))
    return (f"{row['scheme']}: the client does best at {terms}: client net value {fmt(row['client_net_value'])} MU, "
            f"vendor margin {fmt(row['vendor_margin'])} MU over the run.")


def pareto_chart(front: pd.DataFrame, best: pd.DataFrame | None = None) -> Figure:
    """Every trial (faint) and each scheme's Pareto front (line), client net value up, vendor margin right."""
    schemes = list(pd.unique(front["scheme"]))
    col = colors(schemes)
    with styled("Pareto front of the two parties, per scheme", (8.5, 6.0)) as (fig, ax):
        for s in schemes:
            sub = front[front["scheme"] == s]
            ax.scatter(sub["vendor_margin"], sub["client_net_value"], s=10, color=col[s], alpha=0.25)
            f = sub[sub["pareto"]].sort_values("vendor_margin")
            ax.plot(f["vendor_margin"], f["client_net_value"], "-o", color=col[s], ms=4, label=s)
            if best is not None:
                b = best[best["scheme"] == s]
                ax.scatter(b["vendor_margin"], b["client_net_value"], marker="*", s=220, color=col[s],
                           edgecolors="black", linewidths=0.8, zorder=5)
        ax.set_xlabel(f"vendor margin ({kpi_unit('vendor_margin')})")
        ax.set_ylabel(f"client net value ({kpi_unit('client_net_value')})")
        ax.legend(fontsize=8)
    tops = front[front["pareto"]].groupby("scheme")["client_net_value"].max().sort_values(ascending=False)
    fig.reading = (f"The highest client net value on any front is under {tops.index[0]} "
                   f"({fmt(tops.iloc[0])} MU)." if len(tops) else "")
    return fig
