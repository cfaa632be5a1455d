"""`bposim-compare`: every scheme on the same market and random streams, and a report.

    bposim-compare                                     # all schemes, 30 replications, 3 years
    bposim-compare scheme=per_volume,shared_outcome market.n_clients=5 --baseline per_volume
    bposim-report multirun/SWEEP [--by COL] [--baseline X] [--kpi K]   # the same, from a sweep

Runs each scheme for all its replications at once, then writes into the report folder
(default reports/compare-DATE-TIME): report.html (the report: one self-contained file with
the verdict, the scorecard, paired comparisons, what could change the answer (a Morris screening
of the uncertain parameters around this point and the verdict on other seeds; --no-robustness
skips it), fan charts over time, the two-party view, assumptions and provenance; figures embedded,
opens offline), the same as report.md with figures/*.png,
scorecard.csv and .md (mean and 95% CI per scheme), paired.csv and .md (each scheme minus the
status quo named with --baseline, else every pair once, within each replication, with CI and the
share of replications it does better; every ordered pair in pairs_all.csv),
assumptions.csv, results.parquet (one row per scheme and replication), timeseries.parquet
(the weekly series of the fan charts) and configs/SCHEME.yaml. Every file is written
atomically; a bad value stops everything before anything runs or is written.

`bposim-report` builds the same report from a finished sweep (`bposim-run -m ...`): its
sweep_summary.parquet, sweep_timeseries.parquet when kept, and each job's config.yaml; with
two numeric settings swept it adds a heatmap of --kpi.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shlex
import sys
import time
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
from omegaconf import OmegaConf

from .analysis.comparison import Comparison
from .analysis.report import build_report
from .analysis.robustness import skipped_section
from .analysis.tables import default_by, factors
from .config import ConfigError, validate
from .config.load import compose_schemes
from .config.safety import probe_writable
from .entry import guarded
from .io import UnreadableResults, read_parquet, read_yaml
from .schemes import BUSINESS, SCHEMES
from .simulate import simulate

DEFAULT_SCHEMES = BUSINESS
DEFAULT_REPLICATIONS = 30


def _split(overrides: list[str]) -> tuple[list[str], list[str]]:
    schemes: list[str] = []
    rest: list[str] = []
    for item in overrides:
        key, _, value = item.partition("=")
        if key == "scheme":
            schemes.extend(v.strip() for v in value.split(",") if v.strip())
        else:
            rest.append(item)
    return schemes or list(DEFAULT_SCHEMES), rest


FAN_COLUMNS = ("trust_in_vendor", "trust_in_client", "gaming", "true_quality", "measured_quality", "quality_gap")
MAX_WEEKS_KEPT = 260  # weekly points per series kept for the fan charts (longer runs are thinned)


def _fan_table(result, scheme: str) -> pd.DataFrame:
    """The weekly columns the fan charts need, as float32, thinned beyond MAX_WEEKS_KEPT weeks."""
    ts = result.timeseries
    every = max(1, -(-int(ts["step"].max()) // MAX_WEEKS_KEPT))
    if every > 1:
        ts = ts[(ts["step"] - 1) % every == 0]
    out = ts[["replication", "step", *FAN_COLUMNS]].astype({c: "float32" for c in FAN_COLUMNS})
    out.insert(0, "scheme", scheme)
    return out.reset_index(drop=True)


def run_comparison(overrides: list[str], baseline: str | None = None) -> Comparison:
    """Every scheme named in `overrides` (scheme=a,b; default: the business schemes) on the same
    market and random streams; the other overrides apply to all. Validates every configuration
    before anything runs."""
    schemes, rest = _split(overrides)
    if not any(o.startswith("replications=") for o in rest):
        rest = [*rest, f"replications={DEFAULT_REPLICATIONS}"]
    unknown = [s for s in schemes if s not in SCHEMES]
    if unknown:
        raise ConfigError([f"scheme = {unknown[0]!r} is not a known scheme: allowed {', '.join(sorted(SCHEMES))}"])
    status_quo = baseline is not None
    baseline = baseline or schemes[0]
    if baseline not in schemes:
        raise ConfigError([f"--baseline {baseline!r} is not among the compared schemes {', '.join(schemes)}"])
    configs = compose_schemes(schemes, rest)  # all validated before anything runs
    tables, series, settings = [], [], {}
    for s, cfg in configs.items():
        result = simulate(cfg)
        tables.append(result.summary)
        series.append(_fan_table(result, s))
        settings[s] = result.settings
        del result  # its weekly arrays go; only the summary and the fan columns stay
    results = pd.concat(tables, ignore_index=True)
    timeseries = pd.concat(series, ignore_index=True)
    return Comparison(schemes=schemes, baseline=baseline, configs=configs, results=results,
                      timeseries=timeseries, settings=settings, overrides=rest, status_quo=status_quo)


@guarded("bposim-compare")
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bposim-compare", description=__doc__.split("\n\n")[0])
    parser.add_argument("overrides", nargs="*", help="Hydra-style overrides, e.g. scheme=per_volume,fixed_fee seed=3")
    parser.add_argument("--baseline", "--status-quo", dest="baseline",
                        help="the contract the client has today: the verdict says what changing from it gains, "
                             "and the paired table is against it (default: no status quo; the paired table and "
                             "the verdict compare every pair)")
    parser.add_argument("--out", help="report folder (default: reports/compare-DATE-TIME)")
    parser.add_argument("--no-robustness", dest="robustness", action="store_false",
                        help="skip the section 'What could change this answer' (a quick screening of the uncertain "
                             "parameters around this point and the verdict on other seeds: a few more seconds)")
    args = parser.parse_args(argv)
    command = "bposim-compare " + " ".join(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:]))
    started = time.perf_counter()
    folder = Path(args.out or f"reports/compare-{dt.datetime.now():%Y%m%d-%H%M%S}")
    probe_writable(folder, "--out", subfolders=("figures", "configs"))  # before any simulation
    comparison = run_comparison(args.overrides, args.baseline)
    simulated = time.perf_counter()
    robustness = comparison.robustness() if args.robustness else skipped_section()
    screened = time.perf_counter()
    report = comparison.write(folder, command.strip(), robustness)
    robust = f", robustness in {screened - simulated:.1f} s" if args.robustness else ""
    print(f"bposim-compare: {len(comparison.schemes)} schemes x {comparison.replications} replications "
          f"simulated in {simulated - started:.1f} s{robust}, report in {time.perf_counter() - screened:.1f} s")
    print(report.section("verdict").text)
    if robustness is not None:
        print(f"What could change this answer: {robustness.text}")
    print(comparison.headline(report).to_string())
    print(f"(mean [95% CI] over replications; money in {comparison.money.currency} over the run)")
    print(f"tables: {folder / 'scorecard.csv'}, {folder / 'paired.csv'} (and .md)")
    print(f"report: {folder / 'report.html'}")
    return 0


def bposim_compare() -> None:
    """Entry point of `bposim-compare`."""
    sys.exit(main())


# --- bposim-report: the same report from a finished sweep ----------------------------------------


def _sweep_settings(sweep_dir: Path) -> dict:
    """Settings of every finished job of a sweep, by job folder name, from its config.yaml."""
    out = {}
    for cfg_path in sorted(sweep_dir.glob("*/config.yaml")):
        if not (cfg_path.parent / "summary.parquet").exists():
            continue
        try:
            out[cfg_path.parent.name] = validate(OmegaConf.create(read_yaml(cfg_path)))
        except ConfigError as err:
            raise UnreadableResults([f"{cfg_path}: {p}" for p in err.problems]) from None
    return out


def _sweep_command(sweep_dir: Path, args: list[str]) -> str:
    report = "bposim-report " + " ".join(shlex.quote(a) for a in args)
    path = sweep_dir / "multirun.yaml"
    if not path.exists():
        return report
    try:
        ov = OmegaConf.load(path).hydra.overrides
        hydra_ov = [o for o in ov.hydra if not o.startswith("hydra.mode=")]
        run_cmd = "bposim-run -m " + " ".join(shlex.quote(str(o)) for o in [*ov.task, *hydra_ov])
    except Exception:  # an unexpected multirun.yaml: say only how to rebuild the report
        return report
    return f"{run_cmd} && {report}"


def _sweep_order(sweep_dir: Path, results: pd.DataFrame, by: str) -> list | None:
    """The values of `by` in the order the sweep command listed them (scheme=b,a keeps b first)."""
    path = sweep_dir / "multirun.yaml"
    if not path.exists() or pd.api.types.is_numeric_dtype(results[by]):
        return None
    try:
        task = list(OmegaConf.load(path).hydra.overrides.task)
    except Exception:
        return None
    for item in task:
        key, _, value = str(item).partition("=")
        if key.lstrip("+~") == by and "(" not in value:
            present = {str(v): v for v in pd.unique(results[by])}
            return [present[v.strip()] for v in value.split(",") if v.strip() in present]
    return None


def report_from_sweep(sweep_dir: str | Path, by: str | None = None, baseline: str | None = None,
                      kpi: str = "client_net_value", out: str | Path | None = None, command: str = ""):
    """Build and write the report of a finished sweep folder; return (path of report.html, Report)."""
    sweep_dir = Path(sweep_dir)
    summary_path = sweep_dir / "sweep_summary.parquet"
    if not summary_path.exists():
        raise FileNotFoundError(f"{summary_path} not found: is {sweep_dir} a finished sweep? "
                                f"(bposim-collect {sweep_dir} gathers an interrupted one)")
    results = read_parquet(summary_path)
    if results.empty:
        raise UnreadableResults([f"{summary_path}: has no rows (no job of the sweep finished)"])
    by = by or default_by(results)
    if by not in results.columns:
        raise ValueError(f"--by {by!r} is not a column of {summary_path.name}: varying columns are "
                         f"{', '.join(factors(results)) or 'none'}")
    if kpi not in results.columns:
        raise ValueError(f"--kpi {kpi!r} is not a column of {summary_path.name}")
    timeseries = None
    ts_path = sweep_dir / "sweep_timeseries.parquet"
    if ts_path.exists():
        try:
            names = pq.read_schema(ts_path).names
        except Exception as err:  # noqa: BLE001 - a damaged file: named
            raise UnreadableResults([f"{ts_path}: cannot be read as a Parquet table ({err})"]) from None
        keep = [c for c in names if c in {"job", "replication", "step", by, *factors(results), *FAN_COLUMNS}]
        timeseries = read_parquet(ts_path, columns=keep)
        if by not in timeseries.columns and "job" in timeseries.columns and "job" in results.columns:
            timeseries[by] = timeseries["job"].map(results.drop_duplicates("job").set_index("job")[by])
        if by not in timeseries.columns:
            timeseries = None
    settings = _sweep_settings(sweep_dir)
    report = build_report(results, timeseries, by=by, baseline=baseline, kpi=kpi, settings=settings,
                          order=_sweep_order(sweep_dir, results, by),
                          command=command, title=f"Sweep report: {sweep_dir.name}",
                          extra_provenance={"sweep folder": str(sweep_dir.resolve())})
    path = report.write(Path(out) if out else sweep_dir / "report")
    return path, report


@guarded("bposim-report", also=(ValueError,))
def report_main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="bposim-report",
        description="The bposim-compare report (HTML, CSV, Markdown) from a finished sweep folder.")
    parser.add_argument("sweep_dir", help="a sweep folder with sweep_summary.parquet (from bposim-run -m)")
    parser.add_argument("--by", help="column compared (default: scheme if it varies, else the first varying setting)")
    parser.add_argument("--baseline", help="value of --by the others are compared with (default: the first)")
    parser.add_argument("--kpi", default="client_net_value", help="KPI of the heatmap (default: client_net_value)")
    parser.add_argument("--out", help="report folder (default: SWEEP_DIR/report)")
    argv = list(argv if argv is not None else sys.argv[1:])
    args = parser.parse_args(argv)
    sweep_dir = Path(args.sweep_dir)
    if not sweep_dir.is_dir():
        raise ConfigError([f"SWEEP_DIR = '{sweep_dir}' is not a folder"])
    probe_writable(Path(args.out) if args.out else sweep_dir / "report", "--out", subfolders=("figures",))
    path, report = report_from_sweep(sweep_dir, args.by, args.baseline, args.kpi, args.out,
                                     command=_sweep_command(sweep_dir, argv))
    print(f"bposim-report: {len(report.scorecard.iloc[:, 0].unique())} values of "
          f"{report.scorecard.columns[0]} compared")
    print(f"report: {path}")
    return 0


def report_run() -> None:
    sys.exit(report_main())
