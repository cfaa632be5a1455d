"""`bposim-explore design=NAME [overrides]`: run a design and its analyses, write the report.

    bposim-explore design=client_value                         # Sobol over 12 parameters
    bposim-explore design=gain_share_vs_quality design.size=200 steps=104
    bposim-explore design=best_terms --out reports/best        # re-run the same --out: resumes

Overrides starting with `design.` change the design (design.size=64, design.sampler=lhs,
design.parameters.client.audit_rate=[0.05,0.3], +design.parameters.client.recognition=[0,1]);
those starting with `explore.` say where its chunks run and nothing else (the numbers do not
change; docs/clusters.md):

    explore.backend=serial|joblib|ray|submitit_local|submitit_slurm   (default: joblib with --jobs, else serial)
    explore.ray.address=auto   explore.submitit_slurm.partition=compute   (explore.BACKEND.OPTION)
    explore.progress=true|false                   (a bar of points done and time left; default: on a terminal)

any other override changes the base configuration of every point (steps=52, market.n_clients=5).
The design and these settings are checked before anything runs; a bad one stops with one line
naming the field (exit status 2) and writes nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shlex
import sys
import time
from pathlib import Path

import yaml

from ..config import ConfigError
from ..config.safety import probe_writable
from ..entry import guarded
from ..progress import on_terminal
from .backends import BACKENDS, check_backend
from .design import design_names, design_summary, load_design


def _epilog() -> str:
    lines = ["designs shipped (configs/design/):"]
    for name in design_names():
        lines.append(f"  {name:<24} {design_summary(name)}")
    return "\n".join(lines)


def run_settings(overrides: list[str]) -> dict:
    """The explore.* overrides as simulate_design's backend, backend_options and progress."""
    out: dict = {"backend": None, "backend_options": {}, "progress": None}
    given_for: dict[str, str] = {}  # backend -> the first of its options given
    for override in overrides:
        key, _, text = override.partition("=")
        value = yaml.safe_load(text) if text else None
        parts = key.split(".")
        if key == "explore.backend":
            out["backend"] = value
        elif key == "explore.progress":
            if not isinstance(value, bool):
                raise ConfigError([f"explore.progress = {text!r} must be true or false"])
            out["progress"] = value
        elif len(parts) == 3 and parts[1] in BACKENDS:
            out["backend_options"][parts[2]] = value
            given_for.setdefault(parts[1], key)
        else:
            raise ConfigError([f"{key} is not an explore setting: allowed explore.backend, explore.progress and "
                               f"explore.BACKEND.OPTION (BACKEND one of {', '.join(BACKENDS)})"])
    chosen = out["backend"]
    for other, key in given_for.items():
        if other != chosen:
            raise ConfigError([f"{key} is an option of the {other} backend, but explore.backend is "
                               f"{'not given' if chosen is None else repr(chosen)}: "
                               f"add explore.backend={other}"])
    return out


@guarded("bposim-explore", also=(ValueError,))  # ValueError: a point the up-front checks could not foresee
def main(argv: list[str] | None = None) -> int:
    argv = list(argv if argv is not None else sys.argv[1:])
    parser = argparse.ArgumentParser(prog="bposim-explore", description=__doc__.split("\n\n")[0],
                                     epilog=_epilog(), formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("overrides", nargs="*", help="design=NAME, then design.KEY=VALUE (the design), explore.KEY=VALUE (where its chunks "
                             "run: explore.backend=serial|joblib|ray|submitit_local|submitit_slurm, "
                             "explore.BACKEND.OPTION=VALUE, explore.progress=true|false) or config overrides")
    parser.add_argument("--out", help="report folder (default: reports/explore-NAME-DATE-TIME); give an "
                                      "existing one to resume an interrupted design or search")
    parser.add_argument("--jobs", type=int, default=None,
                        help="chunks of the design at once (-1: all cores; default: the backend's own)")
    args = parser.parse_args(argv)
    command = "bposim-explore " + " ".join(shlex.quote(a) for a in argv)
    names = [o.partition("=")[2] for o in args.overrides if o.startswith("design=")]
    where = [o for o in args.overrides if o.startswith("explore.")]
    rest = [o for o in args.overrides if not o.startswith(("design=", "explore."))]
    if len(names) != 1:
        print(f"bposim-explore: give one design=NAME: allowed {', '.join(design_names())}", file=sys.stderr)
        return 2
    design = load_design(names[0], rest)
    run = run_settings(where)
    folder = Path(args.out or f"reports/explore-{design.name}-{dt.datetime.now():%Y%m%d-%H%M%S}")
    run["backend"] = check_backend(run["backend"], args.jobs, run["backend_options"], folder, prefix="explore.")
    if design.sampler == "optuna" and run["backend"] not in ("serial", "joblib"):
        raise ConfigError([f"explore.backend = {run['backend']!r} runs a sampled design's chunks; a search "
                           f"(sampler: optuna) runs each generation here: leave explore.backend out"])
    if run["progress"] is None:
        run["progress"] = on_terminal()
    from .report import write_report
    from .study import explore

    probe_writable(folder, "--out", subfolders=("figures",))  # before any simulation
    started = time.perf_counter()
    print(f"bposim-explore: {design.name}: {design.n_points()} points x {design.replications} replications"
          + (f" x 2 schemes" if design.compare else ""), file=sys.stderr)
    ex = explore(design, folder=folder, n_jobs=args.jobs, **run)
    path = write_report(ex, folder, command)
    for line in ex.summary:
        print(f"- {line}")
    print(f"bposim-explore: done in {time.perf_counter() - started:.1f} s; tables in {folder}")
    print(f"report: {path}")
    return 0


def bposim_explore() -> None:
    """Entry point of `bposim-explore`."""
    sys.exit(main())
