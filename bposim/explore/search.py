"""Best terms: the contract terms a client would pick under each scheme, and the Pareto front
of client net value against vendor margin (optuna).

    table = best_terms("quality_weighted", {"scheme.price": (0.5, 4), "client.audit_rate": (0.02, 0.4)},
                       base=["steps=156"], trials=64, batch=16, folder="studies/qw")
    front = pareto_front("quality_weighted", {...}, trials=64, batch=16, folder="studies/qw")

Each generation of `batch` trials is asked of optuna at once and evaluated as one design
(`bposim.simulate_design`: all trials in the same arrays), then told back. Every trial runs on
the same random streams (common random numbers), so trials differ by their terms only.

`best_terms` maximises the client's net value (TPE) subject to the vendor's margin staying at
least `min_vendor_margin` (a vendor that loses money walks away; optuna's constraint handling
keeps the search inside the feasible terms). `pareto_front` maximises both parties' totals
(NSGA-II, one generation per batch) and returns the trials no other trial beats on both.

`fixed`: settings every trial takes (e.g. {"scheme.pricing": "participation"}: the fixed part
of pay set at signing so the vendor just participates, the rates searched).

With `folder`, the study is kept in folder/search.db (SQLite): running the same call again
resumes it, counting the trials already complete.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pandas as pd

from .design import DesignError, Parameter, _parameter
from .run import Evaluator, accepted, default_evaluator

CLIENT, VENDOR = "client_net_value", "vendor_margin"


def check_terms(scheme: str, terms: dict) -> list[Parameter]:
    """The terms as checked Parameters of this scheme (bounds inside the declared ranges)."""
    problems: list[str] = []
    out = []
    for name, spec in terms.items():
        p = _parameter(str(name), spec, [scheme], problems)
        if p is not None and p.bounds is None:
            problems.append(f"search term {name} needs bounds: [low, high] (optuna samples inside them)")
        elif p is not None:
            out.append(p)
    if problems:
        raise DesignError(problems)
    return out


def _study(name: str, folder, directions: list[str], sampler):
    import optuna

    optuna.logging.set_verbosity(logging.WARNING)
    storage = None
    if folder is not None:
        Path(folder).mkdir(parents=True, exist_ok=True)
        storage = f"sqlite:///{Path(folder).resolve() / 'search.db'}"
    return optuna.create_study(study_name=name, storage=storage, sampler=sampler, directions=directions,
                               load_if_exists=True)


def _distributions(params: list[Parameter]) -> dict:
    from optuna.distributions import FloatDistribution, IntDistribution

    return {p.name: (IntDistribution(int(p.bounds[0]), int(p.bounds[1])) if p.kind == "int"
                     else FloatDistribution(*p.bounds)) for p in params}


def _optimise(study, scheme: str, params: list[Parameter], base, trials: int, batch: int, replications: int,
              evaluate: Evaluator, tell, n_jobs: int | None = None, fixed: dict | None = None) -> None:
    from optuna.trial import TrialState

    for t in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        study.tell(t.number, state=TrialState.FAIL)  # left over from an interrupted run: re-asked
    dists = _distributions(params)
    done = len(study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)))
    while done < trials:
        asked = [study.ask(dists) for _ in range(min(batch, trials - done))]
        frame = pd.DataFrame([{**t.params, **(fixed or {}), "scheme": scheme} for t in asked])
        summary = evaluate(frame, base=list(base or []), replications=replications,
                           **accepted(evaluate, {"n_jobs": n_jobs})).summary
        means = summary.groupby("point")[[CLIENT, VENDOR]].mean()
        for i, t in enumerate(asked):
            tell(t, float(means.loc[i, CLIENT]), float(means.loc[i, VENDOR]))
        done += len(asked)


def _table(study, scheme: str, params: list[Parameter], trials) -> pd.DataFrame:
    rows = []
    for t in trials:
        if t.values is None:
            continue
        row = {"scheme": scheme, "trial": t.number, **{p.name: t.params.get(p.name) for p in params},
               CLIENT: t.user_attrs.get(CLIENT), VENDOR: t.user_attrs.get(VENDOR)}
        if "feasible" in t.user_attrs:
            row["feasible"] = t.user_attrs["feasible"]
        rows.append(row)
    return pd.DataFrame(rows)


def best_terms(scheme: str, terms: dict, base: Any = None, trials: int = 64, batch: int = 16,
               replications: int = 1, min_vendor_margin: float = 0.0, folder=None, seed: int = 0,
               evaluate: Evaluator | None = None, n_jobs: int | None = None,
               fixed: dict | None = None) -> pd.DataFrame:
    """Every trial of the client-optimal search, best feasible first (column `best` marks it)."""
    import optuna

    params = check_terms(scheme, terms)
    evaluate = evaluate or default_evaluator()

    sampler = optuna.samplers.TPESampler(seed=seed, n_startup_trials=min(batch, 10))
    study = _study(f"best-{scheme}", folder, ["maximize"], sampler)

    def tell(trial, client: float, vendor: float) -> None:
        trial.set_user_attr(CLIENT, client)
        trial.set_user_attr(VENDOR, vendor)
        trial.set_constraint("vendor_margin", min_vendor_margin - vendor)  # <= 0: the vendor stays
        trial.set_user_attr("feasible", vendor >= min_vendor_margin)
        study.tell(trial, client)

    _optimise(study, scheme, params, base, trials, batch, replications, evaluate, tell, n_jobs, fixed)
    table = _table(study, scheme, params, study.get_trials(deepcopy=False))
    if table.empty:
        return table
    table = table.sort_values(["feasible", CLIENT], ascending=[False, False], kind="stable").reset_index(drop=True)
    table["best"] = False
    table.loc[0, "best"] = bool(table.loc[0, "feasible"])
    return table


def pareto_front(scheme: str, terms: dict, base: Any = None, trials: int = 64, batch: int = 16,
                 replications: int = 1, folder=None, seed: int = 0,
                 evaluate: Evaluator | None = None, n_jobs: int | None = None,
                 fixed: dict | None = None) -> pd.DataFrame:
    """Every trial of the two-party search; `pareto` marks those no other trial beats on both
    client net value and vendor margin (sorted along the front by client net value)."""
    import optuna

    params = check_terms(scheme, terms)
    evaluate = evaluate or default_evaluator()
    sampler = optuna.samplers.NSGAIISampler(population_size=max(batch, 2), seed=seed)
    study = _study(f"pareto-{scheme}", folder, ["maximize", "maximize"], sampler)

    def tell(trial, client: float, vendor: float) -> None:
        trial.set_user_attr(CLIENT, client)
        trial.set_user_attr(VENDOR, vendor)
        study.tell(trial, [client, vendor])

    _optimise(study, scheme, params, base, trials, batch, replications, evaluate, tell, n_jobs, fixed)
    table = _table(study, scheme, params, study.get_trials(deepcopy=False))
    if table.empty:
        return table
    front = {t.number for t in study.best_trials}
    table["pareto"] = table["trial"].isin(front)
    return table.sort_values(["pareto", CLIENT], ascending=[False, True], kind="stable").reset_index(drop=True)
