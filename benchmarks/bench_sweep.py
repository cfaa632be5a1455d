"""Sweep benchmark: 3 schemes x 11 audit rates x 30 replications (990 runs of one client and one
vendor over 156 weeks), end to end from the command line with the joblib launcher on all cores,
collation included; and the same 990 runs in one Python loop with no Hydra at all.

    .venv/bin/python benchmarks/bench_sweep.py              # one sweep, one loop
    .venv/bin/python benchmarks/bench_sweep.py --repeat 3   # alternately 3 times: best of each, and the range

Targets (issue 4): the sweep under 30 s, and under 3x the plain loop.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

SCHEMES = ("per_volume", "quality_weighted", "shared_outcome")
AUDIT_RATES = tuple(round(x, 2) for x in np.linspace(0.0, 0.5, 11))
REPLICATIONS = 30
FIXED = ["market.n_clients=1", "market.n_vendors=1", "steps=156", f"replications={REPLICATIONS}"]


def sweep_seconds(folder: Path) -> float:
    exe = shutil.which("bposim-run", path=str(Path(sys.executable).parent))
    cmd = [exe, "-m", f"scheme={','.join(SCHEMES)}", f"client.audit_rate={','.join(map(str, AUDIT_RATES))}",
           *FIXED, "hydra/launcher=joblib", f"hydra.launcher.n_jobs={os.cpu_count()}",
           f"hydra.sweep.dir={folder}"]
    start = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if out.returncode != 0 or not (folder / "sweep_summary.parquet").exists():
        raise SystemExit(f"sweep failed:\n{out.stderr[-3000:]}")
    return seconds


def loop_seconds() -> float:
    """The same runs, one configuration at a time, built from the dataclasses (no Hydra)."""
    start = time.perf_counter()
    import bposim  # noqa: F401  (import time counted, as the sweep's is)
    from bposim.config import validate
    from bposim.simulate import simulate

    for scheme in SCHEMES:
        for rate in AUDIT_RATES:
            settings = validate({"scheme": {"name": scheme}, "client": {"audit_rate": rate},
                                 "market": {"n_clients": 1, "n_vendors": 1}, "steps": 156,
                                 "replications": REPLICATIONS})
            simulate(settings)
    return time.perf_counter() - start


def main() -> None:
    import numpy
    import pandas

    print(f"bposim sweep benchmark, {dt.datetime.now():%Y-%m-%d %H:%M}")
    print(f"CPUs {os.cpu_count()}, Python {platform.python_version()}, numpy {numpy.__version__}, "
          f"pandas {pandas.__version__}, {platform.platform()}")
    runs = len(SCHEMES) * len(AUDIT_RATES) * REPLICATIONS
    print(f"{len(SCHEMES)} schemes x {len(AUDIT_RATES)} audit rates x {REPLICATIONS} replications = {runs} runs "
          f"of 1 client x 1 vendor over 156 weeks; {len(SCHEMES) * len(AUDIT_RATES)} jobs")
    repeat = int(sys.argv[sys.argv.index("--repeat") + 1]) if "--repeat" in sys.argv else 1
    sweeps, loops = [], []
    for i in range(repeat):  # alternately, so that a busy moment of the machine hits both
        with tempfile.TemporaryDirectory() as tmp:
            sweeps.append(sweep_seconds(Path(tmp) / "sweep"))
        loops.append(plain_loop_seconds())
        if repeat > 1:
            print(f"  run {i + 1}: sweep {sweeps[-1]:.1f} s, loop {loops[-1]:.1f} s, ratio {sweeps[-1] / loops[-1]:.2f}x")
    sweep, loop = min(sweeps), min(loops)
    ratio = sweep / loop
    best = f", best of {repeat}" if repeat > 1 else ""
    print(f"  sweep, bposim-run -m with the joblib launcher ({os.cpu_count()} workers), collation included{best}: {sweep:6.1f} s")
    print(f"  the same runs in one Python loop, no Hydra, one process (imports included){best}:  {loop:6.1f} s")
    print(f"  ratio sweep / loop: {ratio:.2f}x")
    if repeat > 1:
        pairs = sorted(s / lp for s, lp in zip(sweeps, loops))
        print(f"  range: sweep {min(sweeps):.1f}-{max(sweeps):.1f} s, loop {min(loops):.1f}-{max(loops):.1f} s, "
              f"ratio of each run {pairs[0]:.2f}-{pairs[-1]:.2f}x (median {pairs[len(pairs) // 2]:.2f}x)")
    print("Targets")
    print(f"  sweep < 30 s: {sweep:.1f} s  {'PASS' if sweep < 30 else 'FAIL'}")
    print(f"  sweep < 3x the plain loop: {ratio:.2f}x  {'PASS' if ratio < 3 else 'FAIL'}")


def plain_loop_seconds() -> float:
    """loop_seconds() in a fresh process (its imports counted, as the sweep's are)."""
    out = subprocess.run([sys.executable, "-c", "import sys; sys.path.insert(0, 'benchmarks');"
                          "import bench_sweep as b; print(b.loop_seconds())"],
                         capture_output=True, text=True, check=True, cwd=Path(__file__).resolve().parents[1])
    return float(out.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
