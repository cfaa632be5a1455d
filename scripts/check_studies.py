"""Do the study READMEs' tables still hold? Re-run each study at full size and compare.

    .venv/bin/python scripts/check_studies.py [STUDY ...] [--work DIR] [--reuse] [--jobs N]

For each study (default: every study experiments/plot.py draws) this runs the commands of the
study README's bash block, as written but into a work folder (default a temporary one): each
`bposim-run -m` sweep (its hydra.sweep.dir moved under the work folder; `--jobs` sets the
joblib launcher's n_jobs where the command uses it) and each `experiments/plot.py` call (its
figure written to the work folder, not over the committed one), keeping the table of numbers
plot.py prints. Then every table in the README is read and compared with those tables:

- each README row is matched to the plot-table row that agrees with most of its cells (a cell
  that names a row's text key, such as a scheme, counts most), and each README column to the
  plot column that agrees with it in most rows (a "± h" is that column's `_ci`);
- a number agrees when the fresh value rounds to it at the README's printed precision (half a
  unit of its last digit; one unit for the CI half-width, which is itself rounded);
- a README table none of whose rows or columns matches is not from plot.py (sensitivity.py's,
  levers.py's tables) and is listed as not checked; one whose rows are named like plot.py's
  (a scheme) but none of whose columns reproduces is listed as such (another script's, or stale
  as a whole: look at it).

It prints, per study, each checked table's mapping (README column -> plot column) and every
cell that disagrees (README value, fresh value), and exits 1 if any does. `--reuse` keeps the
sweeps already in the work folder (a re-check after editing a README). Not run by CI: a full
re-run of all eight studies takes several minutes on 2 cores. The prose around the tables is
not checked.
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import numbers
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))  # doc_blocks.py, beside this script
from doc_blocks import commands, tables  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?")
TEXT_KEY = 100  # a README cell that equals a row's text key decides the row


def load_plot():
    spec = importlib.util.spec_from_file_location("study_plot", ROOT / "experiments" / "plot.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- the README -------------------------------------------------------------------------------


def parse_cell(cell: str):
    """('num', value, half-width or None, decimals, ci decimals) for a number, optionally `± h`;
    ('text', cell) for anything else (labels, ranges in brackets)."""
    plain = cell.replace("*", "").replace("−", "-").strip()
    plain = re.sub(r"^([-+]?\d+(?:\.\d+)?)x$", r"\1", plain)  # a multiple: "2x" is the setting's 2
    m = re.fullmatch(rf"({NUMBER.pattern})(?:\s*±\s*({NUMBER.pattern}))?", plain)
    if not m:
        return ("text", plain)
    return ("num", float(m.group(1)), float(m.group(2)) if m.group(2) else None,
            _decimals(m.group(1)), _decimals(m.group(2)) if m.group(2) else None)


def _decimals(number: str) -> int:
    return len(number.partition(".")[2].partition("e")[0])


# --- comparing ----------------------------------------------------------------------------------


def agrees(parsed, row: pd.Series, column: str) -> int:
    """Whether a README number is the fresh value of `column` (and its CI of `column`_ci): 0 no,
    1 within its printed precision, 2 exactly (a swept setting's value, say)."""
    value = row.get(column)
    if not isinstance(value, numbers.Real) or isinstance(value, bool) or math.isnan(float(value)):
        return 0  # numbers.Real: numpy's int64 counts (n, n_vendors) are not Python ints
    _, number, half, decimals, ci_decimals = parsed
    if abs(float(value) - number) > 0.5 * 10 ** -decimals * (1 + 1e-9) + 1e-12:
        return 0
    if half is not None and f"{column}_ci" in row.index:
        ci = row[f"{column}_ci"]
        if isinstance(ci, float) and math.isnan(ci):
            if half != 0:
                return 0
        elif abs(float(ci) - half) > 10 ** -ci_decimals * (1 + 1e-9) + 1e-12:
            return 0
    return 2 if abs(float(value) - number) <= 1e-9 * max(1.0, abs(number)) else 1


def numeric_columns(table: pd.DataFrame) -> list[str]:
    return [c for c in table.columns if not c.endswith("_ci") and pd.api.types.is_numeric_dtype(table[c])]


def text_keys(row: pd.Series) -> set[str]:
    return {str(v) for v in row.values if isinstance(v, str)}


def compare(head, rows, table: pd.DataFrame) -> dict:
    """Match a README table to a plot table: rows, then columns, then every disagreeing cell."""
    parsed = [[parse_cell(c) for c in r] for r in rows]
    columns = numeric_columns(table)
    plot_rows = [table.iloc[k] for k in range(len(table))]

    def score(cells, prow, mapping=None) -> int:
        """Agreement of a README row with a plot row, each plot column used by one cell at most
        (so two README cells of 0.2 cannot both be one key column's 0.2), best pairs first; with
        a column mapping, a mapped cell is read against its own column only."""
        keys = text_keys(prow)
        s = sum(TEXT_KEY for p in cells if p[0] == "text" and p[1] in keys)
        pairs = sorted(((agrees(p, prow, c), j, c) for j, p in enumerate(cells) if p[0] == "num"
                        for c in ([mapping[j]] if mapping and j in mapping else columns)), key=lambda x: -x[0])
        used_cells, used_columns = set(), set()
        for a, j, c in pairs:
            if a and j not in used_cells and c not in used_columns:
                s += a
                used_cells.add(j)
                used_columns.add(c)
        return s

    def match_rows(mapping=None) -> list:
        matched = []
        for cells in parsed:
            scores = [score(cells, pr, mapping) for pr in plot_rows]
            best = max(scores, default=0)
            numbers = sum(1 for p in cells if p[0] == "num")
            ok = best > 0 and scores.count(best) == 1 and (best >= TEXT_KEY or best > numbers)
            matched.append(scores.index(best) if ok else None)
        return matched

    def map_columns(matched) -> dict:
        mapping = {}
        for j in range(len(head)):
            counts = {}
            for c in columns:
                found = [agrees(parsed[i][j], plot_rows[k], c) for i, k in enumerate(matched)
                         if k is not None and j < len(parsed[i]) and parsed[i][j][0] == "num"]
                counts[c] = (sum(1 for a in found if a), sum(found))  # rows agreeing, then exact ones first
            best = max(counts, key=counts.get, default=None)
            if best is not None and counts[best][0] > 0:
                mapping[j] = best
        return mapping

    # Rows first on any column, columns from the rows that matched; then the rows again on their
    # columns (a row whose two keys are each other's values ties on any column) and the columns again.
    mapping = map_columns(match_rows())
    matched = match_rows(mapping)
    mapping = map_columns(matched)
    wrong = []
    for i, k in enumerate(matched):
        if k is None:
            wrong.append((rows[i], None, None, "no row of the plot table matches"))
            continue
        for j, c in mapping.items():
            p = parsed[i][j] if j < len(parsed[i]) else None
            if p is not None and p[0] == "num" and not agrees(p, plot_rows[k], c):
                fresh = plot_rows[k][c]
                ci = plot_rows[k].get(f"{c}_ci")
                wrong.append((rows[i], head[j], rows[i][j], f"{fresh:.6g}" + (f" ± {ci:.3g}" if ci is not None else "")))
    unmapped = [head[j] for j in range(len(head)) if j not in mapping and any(
        j < len(p) and p[j][0] == "num" for p in parsed)]
    return {"rows": sum(k is not None for k in matched), "of": len(rows), "mapping": {head[j]: c for j, c in mapping.items()},
            "wrong": wrong, "unmapped": unmapped}


# --- running --------------------------------------------------------------------------------


def run_study(study: str, work: Path, reuse: bool, jobs: int | None, plot) -> list[pd.DataFrame]:
    """Run the README's sweeps and plot calls into `work`; the plot tables, in order."""
    readme = (ROOT / "experiments" / study / "README.md").read_text(encoding="utf-8")
    bin_dir = Path(sys.executable).parent
    moved = {}
    out = []
    for words in commands(readme):
        name = Path(words[0]).name
        if name == "bposim-run":
            args = []
            for w in words[1:]:
                if w.startswith("hydra.sweep.dir="):
                    target = work / Path(w.partition("=")[2]).name
                    moved[w.partition("=")[2]] = target
                    w = f"hydra.sweep.dir={target}"
                elif jobs and w.startswith("hydra.launcher.n_jobs="):
                    w = f"hydra.launcher.n_jobs={jobs}"
                args.append(w)
            if not any(a.startswith("hydra.sweep.dir=") for a in args):
                args.append(f"hydra.sweep.dir={work / study}")
                moved[f"multirun/{study}"] = work / study
            target = Path(next(a for a in args if a.startswith("hydra.sweep.dir=")).partition("=")[2])
            if reuse and (target / "sweep_summary.parquet").exists():
                print(f"  {study}: reusing {target}")
                continue
            print(f"  {study}: {name} {' '.join(args)}", flush=True)
            done = subprocess.run([str(bin_dir / name), *args], cwd=ROOT, capture_output=True, text=True)
            if done.returncode != 0:
                raise SystemExit(f"{study}: the README's sweep failed ({done.returncode}):\n{done.stderr[-3000:]}")
        elif name == "python" and len(words) > 1 and words[1].endswith("experiments/plot.py"):
            rest = words[2:]
            figure = work / f"{study}_{len(out)}.png"
            if "--out" in rest:
                rest = rest[:rest.index("--out")] + rest[rest.index("--out") + 2:]
            what = rest[0]
            folder = moved.get(rest[1], Path(rest[1])) if len(rest) > 1 else moved.get(f"multirun/{what}", work / what)
            out.append(plot.plot(what, folder, figure))
    return out


def check(study: str, work: Path, reuse: bool, jobs: int | None, plot) -> int:
    fresh = run_study(study, work, reuse, jobs, plot)
    readme = (ROOT / "experiments" / study / "README.md").read_text(encoding="utf-8")
    problems = 0
    print(f"{study}: {len(fresh)} plot table(s) from the full-size run")
    if not tables(readme):
        print("  no table in the README (its numbers are in prose, not checked)")
    for line, head, rows in tables(readme):
        results = [compare(head, rows, t) for t in fresh]
        best = max(results, key=lambda r: (r["rows"], -len(r["wrong"])), default=None)
        name = f"table at line {line} ({head[0]} | {head[1] if len(head) > 1 else ''} ...)"
        if best is None or best["rows"] == 0:
            print(f"  {name}: not from plot.py, not checked")
            continue
        if not best["mapping"]:
            print(f"  {name}: its rows are named like plot.py's ({best['rows']} of {best['of']}) but no column "
                  f"reproduces: from another script (not checked), or stale as a whole")
            continue
        status = "OK" if not best["wrong"] else f"{len(best['wrong'])} MISMATCH(ES)"
        print(f"  table at line {line}: {best['rows']} of {best['of']} rows matched, {len(best['mapping'])} columns "
              f"checked: {status}")
        print("    columns: " + "; ".join(f"{k} -> {v}" for k, v in best["mapping"].items()))
        if best["unmapped"]:
            print(f"    README columns no plot column reproduces: {', '.join(best['unmapped'])}")
            problems += len(best["unmapped"])
        for row, column, shown, now in best["wrong"]:
            if column is None:
                print(f"    row {' | '.join(row[:3])} ...: {now}")
            else:
                print(f"    row {' | '.join(row[:2])} ..., {column}: README {shown}, fresh run {now}")
        problems += len(best["wrong"])
    return problems


def main(argv=None) -> int:
    plot = load_plot()
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("studies", nargs="*", metavar="STUDY", help=f"default: all of {', '.join(plot.STUDIES)}")
    ap.add_argument("--work", help="the folder for the sweeps and figures (default: a temporary one)")
    ap.add_argument("--reuse", action="store_true", help="keep sweeps already finished in --work")
    ap.add_argument("--jobs", type=int, help="n_jobs for the commands that use the joblib launcher")
    args = ap.parse_args(argv)
    unknown = [s for s in args.studies if s not in plot.STUDIES]
    if unknown:
        ap.error(f"STUDY = {unknown[0]!r} is not a study plot.py draws: allowed {', '.join(plot.STUDIES)}")
    studies = args.studies or list(plot.STUDIES)
    with tempfile.TemporaryDirectory(prefix="check_studies-") as tmp:
        work = Path(args.work) if args.work else Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        problems = {s: check(s, work, args.reuse, args.jobs, plot) for s in studies}
    bad = {s: n for s, n in problems.items() if n}
    print("every checked table matches a fresh run" if not bad else
          "mismatches: " + ", ".join(f"{s} ({n})" for s, n in bad.items()))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
