"""The named experiments (configs/experiment/*.yaml, experiments/*/): each one runs through the CLI
at a reduced size, collates one row per job and replication with a column per swept setting,
and its figure is drawn from that output by experiments/plot.py."""

from __future__ import annotations

import importlib.util
import math
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from matplotlib.container import ErrorbarContainer

ROOT = Path(__file__).resolve().parent.parent
EXE = shutil.which("bposim-run", path=str(Path(sys.executable).parent)) or "bposim-run"
REPS = 2

# Per experiment: command-line overrides that shrink its grid (a key given on the command line
# wins over the experiment's own sweep values), and the weeks to run.
REDUCED = {
    "scheme_comparison": (["scheme=per_volume,fixed_fee"], 26),
    "gaming_quality_weighted": (["vendor.metric_gameability=0.0,0.6", "client.audit_rate=0.1"], 26),
    "quarterly_reviews": (["client.review_period=0,13", "vendor.gaming_drift=0.1"], 26),
    "feedback": (["client.feedback_clarity=0.1,0.9", "client.two_way_feedback=1.0"], 26),
    "context_sharing": (["client.context_sharing=0.0,1.0", "client.early_planning=0.0"], 26),
    # The surge starts in week 52: run past it so the shock window has data.
    "pressure_shock": (["market.big_client_multiplier=1,4", "market.n_vendors=1"], 70),
    "outcome_sharing_limits": (["market.outcome_noise=0.0,2.0", "vendor.risk_aversion=0.03"], 26),
    "trust_savings": (["client.trust_init=0.1,0.9", "client.recognition=0.5", "client.expectation_clarity=0.8"], 26),
}
STUDIES = sorted(REDUCED)
NO_ERROR_BARS = {"quarterly_reviews"}  # its figure shows bands over time only


def load_plot_module():
    spec = importlib.util.spec_from_file_location("experiments_plot", ROOT / "experiments" / "plot.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def swept(study: str) -> dict[str, int]:
    """Each swept key of the reduced run and how many values it takes."""
    cfg = yaml.safe_load((ROOT / "configs" / "experiment" / f"{study}.yaml").read_text())
    params = {k: str(v) for k, v in cfg["hydra"]["sweeper"]["params"].items()}
    for item in REDUCED[study][0]:
        key, _, value = item.partition("=")
        params[key] = value
    return {k: len(v.split(",")) for k, v in params.items()}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Every reduced experiment, two at a time (each is mostly process start-up)."""
    base = tmp_path_factory.mktemp("experiments")

    def run(study):
        folder = base / study
        folder.mkdir()
        overrides, steps = REDUCED[study]
        args = [EXE, "-m", f"+experiment={study}", f"replications={REPS}", f"steps={steps}",
                *overrides, f"hydra.sweep.dir={folder / 'sweep'}"]
        done = subprocess.run(args, cwd=folder, capture_output=True, text=True, timeout=300)
        return study, (done, folder / "sweep")

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(pool.map(run, STUDIES))


def test_every_experiment_config_is_covered():
    on_disk = {p.stem for p in (ROOT / "configs" / "experiment").glob("*.yaml")} - {"smoke"}
    assert on_disk == set(REDUCED)
    assert set(load_plot_module().STUDIES) == set(REDUCED)


@pytest.mark.parametrize("study", STUDIES)
def test_experiment_runs_and_collates(study, runs):
    done, sweep = runs[study]
    assert done.returncode == 0, done.stderr[-3000:]
    keys = swept(study)
    n_jobs = math.prod(keys.values())
    assert f"sweep of {n_jobs} job(s)" in done.stdout
    summary = pd.read_parquet(sweep / "sweep_summary.parquet")
    assert len(summary) == n_jobs * REPS
    for key, n_values in keys.items():
        assert key in summary.columns, f"no column for swept setting {key}"
        assert summary[key].nunique() == n_values
    assert summary.groupby("job")["replication"].nunique().eq(REPS).all()
    assert (summary["weeks"] == REDUCED[study][1]).all()


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def _drawn(fig) -> list[dict]:
    """What each panel of a figure draws: its error bars (means and 95% half-widths) and how many
    finite values its lines, bands and points carry."""
    panels = []
    for ax in fig.axes:
        if not ax.get_visible() or not ax.axison:
            continue
        bars = []
        for c in ax.containers:
            if isinstance(c, ErrorbarContainer):
                line, _, cols = c.lines
                if not cols:
                    continue
                segments = cols[0].get_segments()
                # A point whose interval is undefined (one replication of a role, as an in-house
                # client can be in a reduced run) draws an empty segment: no half-width.
                half = np.array([abs(seg[1][1] - seg[0][1]) / 2 if len(seg) > 1 else np.nan for seg in segments])
                # Without a marker line (fmt="none") the means are the bars' midpoints.
                means = (np.asarray(line.get_ydata(), float) if line is not None
                         else np.array([(seg[1][1] + seg[0][1]) / 2 if len(seg) > 1 else np.nan for seg in segments]))
                bars.append((means, half))
        values = [np.asarray(line.get_ydata(), float) for line in ax.get_lines()]
        values += [np.asarray(col.get_offsets(), float).ravel() for col in ax.collections]
        values += [np.array([patch.get_height() for patch in ax.patches], float)]
        values += [np.ma.filled(np.ma.asarray(im.get_array(), float), np.nan).ravel() for im in ax.images]
        finite = int(sum(np.isfinite(v).sum() for v in values if v.size))
        panels.append({"title": ax.get_title(), "bars": bars, "finite": finite})
    return panels


@pytest.mark.parametrize("study", STUDIES)
def test_plot_draws_the_numbers_of_its_table_from_the_reduced_run(study, runs, tmp_path):
    done, sweep = runs[study]
    assert done.returncode == 0, done.stderr[-3000:]
    module, figures = load_plot_module(), []
    finish = module.finish

    def keep(fig, out, *args, **kw):  # the figure as drawn, before it is saved and closed
        figures.append(_drawn(fig))
        return finish(fig, out, *args, **kw)

    module.finish = keep
    out = tmp_path / f"{study}.png"
    table = module.plot(study, sweep, out)
    assert isinstance(table, pd.DataFrame) and len(table) > 0
    (panels,) = figures
    assert panels and all(p["finite"] > 0 for p in panels), f"{study}: an empty panel: {panels}"
    # Every error bar drawn is a metric of the table: its means and 95% half-widths, row for row.
    pairs = {m: set(zip(np.round(table[m].astype(float), 9), np.round(table[f"{m}_ci"].astype(float), 9)))
             for m in table.columns if f"{m}_ci" in table.columns}
    n_bars = 0
    for panel in panels:
        for means, half in panel["bars"]:
            drawn = {(round(float(a), 9), round(float(b), 9)) for a, b in zip(means, half)
                     if np.isfinite(a) and np.isfinite(b)}
            if not drawn and np.isnan(half).all():
                continue  # only undefined intervals (a role seen once in the reduced run): nothing drawn
            assert drawn and any(drawn <= rows for rows in pairs.values()), \
                f"{study}, panel {panel['title']!r}: error bars {sorted(drawn)[:4]} are no metric of the table"
            n_bars += 1
    assert n_bars or study in NO_ERROR_BARS, f"{study}: no error bars drawn"


@pytest.mark.parametrize("study", STUDIES)
def test_each_study_has_its_readme_and_figure(study):
    folder = ROOT / "experiments" / study
    text = (folder / "README.md").read_text(encoding="utf-8")
    assert f"+experiment={study}" in text and f"experiments/plot.py {study}" in text
    assert "](figure.png)" in text, f"experiments/{study}/README.md does not show its figure"
    _png_size(folder / "figure.png")
    index = (ROOT / "experiments" / "README.md").read_text(encoding="utf-8")
    assert f"({study}/README.md)" in index
