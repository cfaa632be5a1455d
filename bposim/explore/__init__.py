"""Exploring many parameter points: designs, sensitivity, scenario discovery and best terms.

    from bposim.explore import load_design, run_design, sobol_indices
    design = load_design("client_value", ["design.size=64"])   # configs/design/*.yaml, checked
    run = run_design(design)                  # every point x replication as one batch
    sobol_indices(run, "client_net_value")    # S1, ST with bootstrap CIs (SALib)

Modules: design (declaring and checking designs, SALib samplers), batch (`simulate_design`: all
points x replications in the same arrays, grouped where they cannot share them, chunked, on
joblib, resumable) and points (a frame's rows as validated settings), reference
(`simulate_points`, the plain loop the batch must equal), run (a design through an evaluator), sensitivity (Sobol,
Morris, tornado and index charts), discovery (PRIM and CART: where scheme A loses to B), search
(optuna: best terms per scheme, the client-vendor Pareto front), report (the HTML report), cli
(bposim-explore).
"""

from .design import SAMPLERS, Design, DesignError, Parameter, build_design, design_names, load_design
from .batch import DesignResult, simulate_design
from .reference import ReferenceResult, simulate_points
from .run import DesignRun, default_evaluator, run_design

__all__ = ["SAMPLERS", "Design", "DesignError", "DesignResult", "DesignRun", "ReferenceResult", "Parameter",
           "build_design", "default_evaluator", "design_names", "load_design", "run_design", "simulate_design",
           "simulate_points"]
