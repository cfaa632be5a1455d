"""`bposim-compare` benchmark (#14 item 9): the command with its defaults (every business scheme,
30 replications, 156 weeks), end to end from the command line on a warm machine, with and without
the robustness section, split into simulating, robustness, analysing and rendering; and the same
command at a baseline commit measured in the same run, so that a loaded machine slows both.

    .venv/bin/python benchmarks/bench_compare.py                       # 3 rounds, baseline a4574f5
    .venv/bin/python benchmarks/bench_compare.py --rounds 5 --baseline REV
    .venv/bin/python benchmarks/bench_compare.py --split               # also where the report's time goes

Each round runs, in turn, the baseline, this tree with --no-robustness and this tree with the
robustness section (one warm-up round first, not counted); the figures are each one's best and
median wall seconds over the rounds, the ratio of this tree's median to the baseline's, and the
median CPU seconds (user + system, the forked figure drawer's included: on a loaded machine wall
time stretches, CPU time much less). The baseline is a
temporary git worktree of REV run with this interpreter (its own code, the same packages).

Targets (#14 item 9): under 3 s with --no-robustness, under 10 s with the robustness section.
"""

from __future__ import annotations

import argparse
import os
import resource
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = "a4574f5"  # main before #14 items 4 and 9: 4.4 s warm, no robustness section
TARGETS = {"no robustness": 3.0, "robustness": 10.0}
SPLIT = re.compile(r"simulated in ([\d.]+) s(?:, robustness in ([\d.]+) s)?, report in ([\d.]+) s")


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} cores"


def run(tree: Path, args: list[str], out: Path) -> dict:
    """One `bposim-compare` in a fresh interpreter importing bposim from `tree`: wall seconds and the split it prints."""
    # Warm means bytecode cached, as on a user's machine: a PYTHONDONTWRITEBYTECODE inherited from
    # the shell would have every round compile bposim from source again (about 0.1 s).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(PYTHONPATH=str(tree), MPLBACKEND="Agg")
    code = "import sys; from bposim.compare import main; sys.exit(main(sys.argv[1:]))"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code, *args, "--out", str(out)], capture_output=True, text=True,
                          env=env, cwd=tree)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode != 0:
        raise SystemExit(f"bposim-compare failed in {tree}:\n{done.stderr[-3000:]}")
    m = SPLIT.search(done.stdout)
    sim, robust, report = (float(x) if x else 0.0 for x in m.groups()) if m else (float("nan"),) * 3
    return {"wall": wall, "cpu": cpu, "simulate": sim, "robustness": robust, "report": report,
            "startup": wall - sim - robust - report}


def baseline_tree(rev: str, where: Path) -> Path:
    tree = where / "baseline"
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), rev], check=True,
                   capture_output=True)
    # Installed, configs/ is the package bposim.configs; on PYTHONPATH it needs to sit inside bposim/.
    (tree / "bposim" / "configs").symlink_to(tree / "configs", target_is_directory=True)
    return tree


def report_split() -> None:
    """Where this tree's report time goes, in one process (after a warm-up comparison)."""
    sys.path.insert(0, str(ROOT))
    from bposim.analysis import report as R
    from bposim.compare import run_comparison

    started = time.perf_counter()
    comparison = run_comparison([])
    print(f"  run_comparison (compose + simulate)  {time.perf_counter() - started:6.2f} s")
    for name, step in (("tables (scorecard, every pair)", lambda: comparison.tables),
                       ("figures drawn and encoded", lambda: R._figures(comparison.tables, comparison.timeseries,
                                                                        "client_net_value")),
                       ("robustness section", lambda: comparison.robustness()),
                       ("whole report (figures, sections, HTML, Markdown)", lambda: comparison.report())):
        t = time.perf_counter()
        step()
        print(f"  {name:<48} {time.perf_counter() - t:6.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--baseline", default=BASELINE, help=f"git revision to compare with (default {BASELINE})")
    parser.add_argument("--split", action="store_true", help="also time the report's parts in one process")
    args = parser.parse_args()
    print(f"bposim-compare benchmark, {time.strftime('%Y-%m-%d %H:%M')}; {load()}")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        base = baseline_tree(args.baseline, tmp)
        try:
            cases = {"baseline": (base, []), "no robustness": (ROOT, ["--no-robustness"]), "robustness": (ROOT, [])}
            times: dict[str, list[dict]] = {k: [] for k in cases}
            for r in range(args.rounds + 1):  # round 0 warms caches and bytecode: not counted
                for name, (tree, extra) in cases.items():
                    res = run(tree, extra, tmp / f"{name}-{r}".replace(" ", "_"))
                    if r:
                        times[name].append(res)
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base)], capture_output=True)
    print(f"after: {load()}")
    base_median = statistics.median(t["wall"] for t in times["baseline"])
    print(f"\n{'':<15}{'best':>7}{'median':>8}{'ratio':>7}{'cpu':>7}   median split (s): start+import / simulate / "
          f"robustness / analyse+render+write")
    for name, rows in times.items():
        walls = [t["wall"] for t in rows]
        med = statistics.median(walls)
        split = " / ".join(f"{statistics.median(t[k] for t in rows):.2f}"
                           for k in ("startup", "simulate", "robustness", "report"))
        target = TARGETS.get(name)
        verdict = "" if target is None else f"  target {target:g} s: {'PASS' if med < target else 'FAIL'}"
        cpu = statistics.median(t["cpu"] for t in rows)
        print(f"{name:<15}{min(walls):7.2f}{med:8.2f}{med / base_median:7.2f}{cpu:7.2f}   {split}{verdict}")
    if args.split:
        print("\nthis tree, in one process:")
        report_split()


if __name__ == "__main__":
    if shutil.which("git") is None:
        raise SystemExit("git is needed for the baseline worktree")
    main()
