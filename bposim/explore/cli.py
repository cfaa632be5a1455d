"""`bposim-explore design=NAME [overrides]`: run a design and its analyses, write the report.

    bposim-explore design=client_value                         # Sobol over 12 parameters
    bposim-explore design=gain_share_vs_quality design.size=200 steps=104
    bposim-explore design=best_terms --out reports/best        # re-run the same --out: resumes

Overrides starting with `design.` change the design (design.size=64, design.sampler=lhs,
design.parameters.client.audit_rate=[0.05,0.3], +design.parameters.client.recognition=[0,1]);
any other override changes the base configuration of every point (steps=52, market.n_clients=5).
The design is checked before anything runs; a bad one stops with one line naming the field
(exit status 2) and writes nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shlex
import sys
import time
from pathlib import Path

from ..config.safety import probe_writable
from ..entry import guarded
from .design import design_names, design_summary, load_design


def _epilog() -> str:
    lines = ["designs shipped (configs/design/):"]
    for name in design_names():
        lines.append(f"  {name:<24} {design_summary(name)}")
    return "\n".join(lines)


@guarded("bposim-explore", also=(ValueError,))  # ValueError: a point the up-front checks could not foresee
def main(argv: list[str] | None = None) -> int:
    argv = list(argv if argv is not None else sys.argv[1:])
    parser = argparse.ArgumentParser(prog="bposim-explore", description=__doc__.split("\n\n")[0],
                                     epilog=_epilog(), formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("overrides", nargs="*", help="design=NAME, then design.KEY=VALUE or config overrides")
    parser.add_argument("--out", help="report folder (default: reports/explore-NAME-DATE-TIME); give an "
                                      "existing one to resume an interrupted design or search")
    parser.add_argument("--jobs", type=int, default=None,
                        help="chunks of the design run in parallel (-1: all cores; batch engine only)")
    args = parser.parse_args(argv)
    command = "bposim-explore " + " ".join(shlex.quote(a) for a in argv)
    names = [o.partition("=")[2] for o in args.overrides if o.startswith("design=")]
    rest = [o for o in args.overrides if not o.startswith("design=")]
    if len(names) != 1:
        print(f"bposim-explore: give one design=NAME: allowed {', '.join(design_names())}", file=sys.stderr)
        return 2
    design = load_design(names[0], rest)
    from .report import write_report
    from .study import explore

    folder = Path(args.out or f"reports/explore-{design.name}-{dt.datetime.now():%Y%m%d-%H%M%S}")
    probe_writable(folder, "--out", subfolders=("figures",))  # before any simulation
    started = time.perf_counter()
    print(f"bposim-explore: {design.name}: {design.n_points()} points x {design.replications} replications"
          + (f" x 2 schemes" if design.compare else ""), file=sys.stderr)
    ex = explore(design, folder=folder, n_jobs=args.jobs)
    path = write_report(ex, folder, command)
    for line in ex.summary:
        print(f"- {line}")
    print(f"bposim-explore: done in {time.perf_counter() - started:.1f} s; tables in {folder}")
    print(f"report: {path}")
    return 0


def bposim_explore() -> None:
    """Entry point of `bposim-explore`."""
    sys.exit(main())
