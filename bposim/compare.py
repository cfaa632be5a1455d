"""`bposim-compare`: every scheme on the same market and random streams, and a report.

    bposim-compare                                     # all schemes, 30 replications, 3 years
    bposim-compare scheme=per_volume,shared_outcome market.n_clients=5 --baseline per_volume
    bposim-compare scheme=quality_weighted client.audit_rate=0.05,0.2   # any what-if
    bposim-report multirun/SWEEP [--by COL[,COL]] [--baseline X] [--kpi K]   # the same, from a sweep

Comma lists (and range(), choice()) work for any parameter and make a factorial, as in
`bposim-run -m`: every combination is a contract of its own, named by its factors
("per_volume, client.audit_rate = 0.2"). Runs each contract for all its replications at once, then writes into the report folder
(default reports/compare-DATE-TIME): report.html (the report: one self-contained file with
the verdict, the scorecard, paired comparisons, what could change the answer (a Morris screening
of the uncertain parameters around this point and the verdict on other seeds; --no-robustness
skips it), fan charts over time, the two-party view, assumptions and provenance; figures embedded,
opens offline; prints to clean A4 pages, and --pdf writes report.pdf through headless Chromium), the same as report.md with figures/*.png,
scorecard.csv and .md (mean and 95% CI per scheme), paired.csv and .md (each scheme minus the
status quo named with --baseline, else every pair once, within each replication, with CI and the
share of replications it does better; every ordered pair in pairs_all.csv),
assumptions.csv, results.parquet (one row per scheme and replication), timeseries.parquet
(the weekly series of the fan charts) and configs/SCHEME.yaml. Every file is written
atomically; a bad value stops everything before anything runs or is written.

`bposim-report` builds the same report from a finished sweep (`bposim-run -m ...`): its
sweep_summary.parquet, sweep_timeseries.parquet when kept, and each job's config.yaml. It
compares every combination of the swept settings (never pooling schemes), is titled by the
sweep's overrides, and draws --kpi as a heatmap (two numeric settings swept) or against the
one numeric setting swept.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import math
import shlex
import sys
import time
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
from omegaconf import OmegaConf

from .analysis.comparison import Comparison
from .analysis.pdf import find_browser, print_pdf
from .analysis.report import build_report
from .analysis.robustness import skipped_section
from .analysis.tables import CONFIGURATION, breakdown, factors, part_text
from .config import ConfigError, validate
from .config import compose, compose_schemes
from .config.safety import check_overrides, probe_writable
from .entry import guarded
from .forked import Forked, can_fork
from .io import UnreadableResults, read_parquet, read_yaml
from .schemes import BUSINESS, SCHEMES
from .simulate import simulate

DEFAULT_SCHEMES = BUSINESS
DEFAULT_REPLICATIONS = 30


def factorial(overrides: list[str]) -> tuple[list[tuple[str, list[str]]], list[str]]:
    """The overrides' factors, as `bposim-run -m` reads them: (key, its value strings) for each
    comma list, range() or choice(), in the order given, and the overrides shared by every run.
    Without a scheme factor or a scheme override, the factor is the business schemes."""
    parsed = check_overrides(overrides, allow_hydra=False)  # every value checked, even one given twice
    factors: dict[str, list[str]] = {}
    shared: dict[str, str] = {}
    for o in parsed:
        key = o.get_key_element()
        factors.pop(key, None)
        shared.pop(key, None)  # a key given twice: the last one counts, as in Hydra
        if o.is_sweep_override():
            if not o.is_discrete_sweep():
                raise ConfigError([f"{o.input_line}: an interval sweep cannot be compared; list the values "
                                   f"(key=a,b,c), or use range() or choice()"])
            values = list(dict.fromkeys(str(v) for v in o.sweep_string_iterator()))
            if len(values) > 1:
                factors[key] = values
            else:
                shared[key] = f"{key}={values[0]}"
        else:
            shared[key] = f"{key}={o.get_value_element_as_str()}"
    if "scheme" not in factors and "scheme" not in shared:
        factors = {"scheme": list(DEFAULT_SCHEMES), **factors}
    elif "scheme" in shared and not factors:  # one scheme alone: the one contract compared
        factors = {"scheme": [shared.pop("scheme").partition("=")[2]]}
    elif "scheme" in shared:  # one scheme: it is composed first, as a group choice
        shared = {"scheme": shared.pop("scheme"), **shared}
    return list(factors.items()), list(shared.values())


def _compositions(keys: list[str], combos: list[tuple], shared: list[str]) -> list:
    """Each combination's validated configuration; the schemes of one combination of the other
    factors come from one Hydra composition (compose_schemes)."""
    if "scheme" not in keys:
        return [compose([*(f"{k}={v}" for k, v in zip(keys, combo)), *shared]) for combo in combos]
    i = keys.index("scheme")
    schemes = list(dict.fromkeys(combo[i] for combo in combos))
    by_rest: dict[tuple, dict] = {}
    out = []
    for combo in combos:
        rest = tuple(f"{k}={v}" for k, v in zip(keys, combo) if k != "scheme")
        if rest not in by_rest:
            by_rest[rest] = compose_schemes(schemes, [*rest, *shared])
        out.append(by_rest[rest][combo[i]])
    return out


def _typed(key: str, cfg) -> object:
    """A factor's value as the composed configuration holds it (0.05 for client.audit_rate=.05)."""
    if key == "scheme":
        return str(cfg.scheme.name)
    value = OmegaConf.select(cfg, key.lstrip("+~"), default=None)
    return value if isinstance(value, (bool, int, float, str)) else str(value)


FAN_COLUMNS = ("trust_in_vendor", "trust_in_client", "gaming", "true_quality", "measured_quality", "quality_gap")
MAX_WEEKS_KEPT = 260  # weekly points per series kept for the fan charts (longer runs are thinned)


def _fan_table(result, scheme: str, factors: dict | None = None) -> pd.DataFrame:
    """The weekly columns the fan charts need, as float32, thinned beyond MAX_WEEKS_KEPT weeks,
    with the scheme and the other compared factors' values."""
    ts = result.timeseries
    every = max(1, -(-int(ts["step"].max()) // MAX_WEEKS_KEPT))
    if every > 1:
        ts = ts[(ts["step"] - 1) % every == 0]
    out = ts[["replication", "step", *FAN_COLUMNS]].astype({c: "float32" for c in FAN_COLUMNS})
    out.insert(0, "scheme", scheme)
    for i, (column, value) in enumerate((factors or {}).items()):
        out.insert(1 + i, column, value)
    return out.reset_index(drop=True)


def run_comparison(overrides: list[str], baseline: str | None = None) -> Comparison:
    """Every combination of the overrides' comma lists (a factorial, as `bposim-run -m`: schemes
    x settings; default schemes: the business schemes) on the same market and random streams;
    the other overrides apply to all. Every configuration is composed and validated, and the
    baseline checked, before anything runs."""
    factor_list, shared = factorial(overrides)
    unknown = [s for key, values in factor_list if key == "scheme" for s in values if s not in SCHEMES]
    if unknown:
        raise ConfigError([f"scheme = {unknown[0]!r} is not a known scheme: allowed {', '.join(sorted(SCHEMES))}"])
    if not any(o.startswith("replications=") for o in shared):
        shared = [*shared, f"replications={DEFAULT_REPLICATIONS}"]
    keys = [key for key, _ in factor_list]
    combos = list(itertools.product(*(values for _, values in factor_list)))
    configs_of = _compositions(keys, combos, shared)
    columns = [k.lstrip("+~") for k in keys]
    typed = [{c: _typed(k, cfg) for k, c in zip(keys, columns)} for cfg in configs_of]
    orders = {c: list(dict.fromkeys(t[c] for t in typed)) for c in columns}
    if len(columns) > 1:
        labels = [", ".join(part_text(c, t[c]) for c in columns) for t in typed]
        by = CONFIGURATION
    else:
        by = columns[0]
        labels = [t[by] for t in typed]
    status_quo = baseline is not None
    base = labels[0] if baseline is None else _match(baseline, labels, by)
    runs = _simulated(configs_of, typed)
    tables = [summary for summary, _, _ in runs]
    series = [fan for _, fan, _ in runs]
    settings = {label_: s for label_, (_, _, s) in zip(labels, runs)}
    configs = dict(zip(labels, configs_of))
    results = pd.concat(tables, ignore_index=True)
    timeseries = pd.concat(series, ignore_index=True)
    schemes = list(dict.fromkeys(s.scheme.name for s in settings.values()))
    return Comparison(schemes=schemes, baseline=base, configs=configs, results=results, timeseries=timeseries,
                      settings=settings, overrides=shared, status_quo=status_quo, by=by, contracts=labels,
                      parts=columns, orders=orders)


def _run(cfg, values: dict, progress: bool | None = None) -> tuple:
    """One contract simulated: its summary and fan columns with the compared factors, and its
    Settings (the weekly arrays go; only these stay)."""
    result = simulate(cfg, progress=progress)
    extra = {c: v for c, v in values.items() if c != "scheme"}
    fan = _fan_table(result, values.get("scheme", result.settings.scheme.name), extra)
    return result.summary.assign(**extra), fan, result.settings


def _simulated(configs: list, typed: list[dict]) -> list[tuple]:
    """Every contract's _run, in order: the second half in a forked child on another core while
    this process runs the first (bposim.forked), the same numbers either way."""
    jobs = list(zip(configs, typed))
    split = len(jobs) // 2 if len(jobs) > 1 and can_fork() else len(jobs)
    # The child shows no progress bar: one bar on a terminal, this process's.
    child = Forked(lambda: [_run(*job, progress=False) for job in jobs[split:]], enabled=split < len(jobs))
    here = [_run(*job) for job in jobs[:split]]
    there = child.result() if split < len(jobs) else []
    return here + (there if there is not None else [_run(*job) for job in jobs[split:]])


def _match(baseline: str, labels: list, by: str):
    """The compared configuration `--baseline` names (its name as the report gives it, or a value)."""
    for g in labels:
        if str(g) == baseline or (not isinstance(g, str) and _same_number(g, baseline)):
            return g
    allowed = "; ".join(str(g) for g in labels)
    what = {"scheme": "schemes", CONFIGURATION: "contracts"}.get(by, f"values of {by}")
    raise ConfigError([f"--baseline {baseline!r} is not among the compared {what}: allowed {allowed}"])


def _same_number(value, text: str) -> bool:
    try:
        return math.isclose(float(text), float(value))
    except (TypeError, ValueError):
        return False


@guarded("bposim-compare")
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bposim-compare", description=__doc__.split("\n\n")[0])
    parser.add_argument("overrides", nargs="*", help="Hydra-style overrides; a comma list of any parameter is a factor, and every combination "
                             "is compared, e.g. scheme=per_volume,fixed_fee client.audit_rate=0.05,0.2 seed=3")
    parser.add_argument("--baseline", "--status-quo", dest="baseline",
                        help="the contract the client has today: the verdict says what changing from it gains, "
                             "and the paired table is against it (default: no status quo; the paired table and "
                             "the verdict compare every pair)")
    parser.add_argument("--out", help="report folder (default: reports/compare-DATE-TIME)")
    parser.add_argument("--pdf", action="store_true",
                        help="also write report.pdf (printed by headless Chromium or Chrome; BPOSIM_BROWSER names one)")
    parser.add_argument("--no-robustness", dest="robustness", action="store_false",
                        help="skip the section 'What could change this answer' (a quick screening of the uncertain "
                             "parameters around this point and the verdict on other seeds: a few more seconds)")
    # Options may stand between the overrides (scheme=a,b --baseline a replications=5), as a user
    # writes them: argparse's plain parse stops the overrides at the first option.
    args = parser.parse_intermixed_args(argv)
    command = "bposim-compare " + " ".join(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:]))
    started = time.perf_counter()
    folder = Path(args.out or f"reports/compare-{dt.datetime.now():%Y%m%d-%H%M%S}")
    probe_writable(folder, "--out", subfolders=("figures", "configs"))  # before any simulation
    browser = find_browser() if args.pdf else None  # a missing browser stops before anything runs
    comparison = run_comparison(args.overrides, args.baseline)
    simulated = time.perf_counter()
    # The figures are drawn by a second core meanwhile where there is one: all of them while the
    # robustness section simulates, else half while this process draws the rest.
    drawn = comparison.start_figures(background="all" if args.robustness else "half")
    robustness = comparison.robustness() if args.robustness else skipped_section()
    screened = time.perf_counter()
    report = comparison.write(folder, command.strip(), robustness, drawn)
    robust = f", robustness in {screened - simulated:.1f} s" if args.robustness else ""
    print(f"bposim-compare: {len(comparison.compared)} {comparison.tables.whats} x {comparison.replications} replications "
          f"simulated in {simulated - started:.1f} s{robust}, report in {time.perf_counter() - screened:.1f} s")
    print(report.section("verdict").text)
    if robustness is not None:
        print(f"What could change this answer: {robustness.text}")
    print(comparison.headline(report).to_string())
    print(f"(mean [95% CI] over replications; money in {comparison.money.currency} over the run)")
    print(f"tables: {folder / 'scorecard.csv'}, {folder / 'paired.csv'} (and .md)")
    print(f"report: {folder / 'report.html'}")
    if browser:
        print(f"pdf: {print_pdf(folder / 'report.html', browser)}")
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


def _sweep_task(sweep_dir: Path) -> list[str]:
    """The sweep's task overrides as bposim-run -m was given them (from multirun.yaml), or []."""
    path = sweep_dir / "multirun.yaml"
    if not path.exists():
        return []
    try:
        return [str(o) for o in OmegaConf.load(path).hydra.overrides.task]
    except Exception:  # noqa: BLE001 - an unexpected multirun.yaml: no order, no title from it
        return []


def _sweep_order(task: list[str], results: pd.DataFrame, by: str) -> list | None:
    """The values of `by` in the order the sweep command listed them (scheme=b,a keeps b first)."""
    if pd.api.types.is_numeric_dtype(results[by]):
        return None
    for item in task:
        key, _, value = item.partition("=")
        if key.lstrip("+~") == by and "(" not in value:
            present = {str(v): v for v in pd.unique(results[by])}
            return [present[v.strip()] for v in value.split(",") if v.strip() in present]
    return None


def sweep_title(task: list[str], results: pd.DataFrame, parts: list[str]) -> str:
    """The report's title in the words of the sweep: its swept factors and their values, in the
    order of the command ("Sweep: scheme per_volume, fixed_fee x client.audit_rate 0.05, 0.2")."""
    swept = []
    for item in task:
        key, _, value = item.partition("=")
        key = key.lstrip("+~")
        if key in results.columns and results[key].nunique() > 1:
            swept.append(f"{key} {value.replace(',', ', ')}")
    swept = swept or [f"{p} {', '.join(map(str, pd.unique(results[p])))}" for p in parts]
    return "Sweep: " + " \u00d7 ".join(swept)


def report_from_sweep(sweep_dir: str | Path, by=None, baseline: str | None = None,
                      kpi: str = "client_net_value", out: str | Path | None = None, command: str = ""):
    """Build and write the report of a finished sweep folder; return (path of report.html, Report).

    Every combination of the swept factors is compared (or of the factors `by` names, plus the
    scheme when it varies: schemes are never pooled); the others are pooled and matched on."""
    sweep_dir = Path(sweep_dir)
    summary_path = sweep_dir / "sweep_summary.parquet"
    if not summary_path.exists():
        raise FileNotFoundError(f"{summary_path} not found: is {sweep_dir} a finished sweep? "
                                f"(bposim-collect {sweep_dir} gathers an interrupted one)")
    results = read_parquet(summary_path)
    if results.empty:
        raise UnreadableResults([f"{summary_path}: has no rows (no job of the sweep finished)"])
    if isinstance(by, str):
        by = [b.strip() for b in by.split(",") if b.strip()] or None
    parts = breakdown(results, by)
    if kpi not in results.columns:
        raise ValueError(f"--kpi {kpi!r} is not a column of {summary_path.name}")
    timeseries = None
    ts_path = sweep_dir / "sweep_timeseries.parquet"
    if ts_path.exists():
        try:
            names = pq.read_schema(ts_path).names
        except Exception as err:  # noqa: BLE001 - a damaged file: named
            raise UnreadableResults([f"{ts_path}: cannot be read as a Parquet table ({err})"]) from None
        keep = [c for c in names if c in {"job", "replication", "step", *parts, *factors(results), *FAN_COLUMNS}]
        timeseries = read_parquet(ts_path, columns=keep)
        missing = [p for p in parts if p not in timeseries.columns]
        if missing and "job" in timeseries.columns and "job" in results.columns:
            jobs = results.drop_duplicates("job").set_index("job")
            for p in missing:
                timeseries[p] = timeseries["job"].map(jobs[p])
        if not set(parts) <= set(timeseries.columns):
            timeseries = None
    settings = _sweep_settings(sweep_dir)
    task = _sweep_task(sweep_dir)
    orders = {p: o for p in parts if (o := _sweep_order(task, results, p)) is not None}
    report = build_report(results, timeseries, by=parts, baseline=baseline, kpi=kpi, settings=settings,
                          orders=orders, command=command, title=sweep_title(task, results, parts),
                          extra_provenance={"sweep folder": str(sweep_dir.resolve())})
    path = report.write(Path(out) if out else sweep_dir / "report")
    return path, report


@guarded("bposim-report", also=(ValueError,))
def report_main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="bposim-report",
        description="The bposim-compare report (HTML, CSV, Markdown) from a finished sweep folder.")
    parser.add_argument("sweep_dir", help="a sweep folder with sweep_summary.parquet (from bposim-run -m)")
    parser.add_argument("--by", help="swept settings compared, comma-separated: every combination of their values, "
                                     "and of the scheme when it varies (default: every swept setting)")
    parser.add_argument("--baseline", help="the configuration the others are compared with, as the report names "
                                           "it (default: the first)")
    parser.add_argument("--kpi", default="client_net_value",
                        help="KPI of the heatmap (two numeric settings swept) or of the response figure (one); "
                             "default: client_net_value")
    parser.add_argument("--out", help="report folder (default: SWEEP_DIR/report)")
    parser.add_argument("--pdf", action="store_true",
                        help="also write report.pdf (printed by headless Chromium or Chrome; BPOSIM_BROWSER names one)")
    argv = list(argv if argv is not None else sys.argv[1:])
    args = parser.parse_args(argv)
    sweep_dir = Path(args.sweep_dir)
    if not sweep_dir.is_dir():
        raise ConfigError([f"SWEEP_DIR = '{sweep_dir}' is not a folder"])
    probe_writable(Path(args.out) if args.out else sweep_dir / "report", "--out", subfolders=("figures",))
    browser = find_browser() if args.pdf else None
    path, report = report_from_sweep(sweep_dir, args.by, args.baseline, args.kpi, args.out,
                                     command=_sweep_command(sweep_dir, argv))
    t = report.tables
    print(f"bposim-report: {len(t.groups)} {t.whats} compared")
    print(f"report: {path}")
    if browser:
        print(f"pdf: {print_pdf(path, browser)}")
    return 0


def report_run() -> None:
    sys.exit(report_main())
