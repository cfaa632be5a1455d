"""Command lines: bposim-run (a Hydra app) and bposim-compare."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from bposim.compare import main as compare_main

BIN = Path(sys.executable).parent


def run_cli(args, cwd):
    exe = shutil.which("bposim-run", path=str(BIN)) or "bposim-run"
    return subprocess.run([exe, *args], cwd=cwd, capture_output=True, text=True)


def test_bposim_run_writes_parquet_and_config_and_prints_a_summary(tmp_path):
    out = run_cli(["scheme=quality_weighted", "seed=3", "replications=2", "hydra.run.dir=run"], tmp_path)
    assert out.returncode == 0, out.stderr
    folder = tmp_path / "run"
    ts = pd.read_parquet(folder / "timeseries.parquet")
    summary = pd.read_parquet(folder / "summary.parquet")
    assert len(ts) == 2 * 156 and len(summary) == 2
    assert (folder / "relationships.parquet").exists()
    assert "name: quality_weighted" in (folder / "config.yaml").read_text()
    assert "client net value" in out.stdout and "seed 3" in out.stdout
    assert "Step 1 at time" not in (folder / "bposim.log").read_text()


def test_bposim_run_refuses_bad_values_before_writing_anything(tmp_path):
    out = run_cli(["client.audit_rate=1.5", "market.n_clients=0"], tmp_path)
    assert out.returncode == 2
    assert "client.audit_rate = 1.5 is out of range: allowed [0, 1]" in out.stderr
    assert "market.n_clients = 0 is out of range" in out.stderr
    assert list(tmp_path.iterdir()) == [], "nothing is written for bad input"


def test_bposim_compare_writes_the_report(tmp_path, capsys):
    code = compare_main(["scheme=per_volume,quality_weighted", "replications=4", "steps=52",
                         "--baseline", "per_volume", "--out", str(tmp_path / "rep")])
    assert code == 0
    rep = tmp_path / "rep"
    for name in ("report.html", "report.md", "scorecard.csv", "scorecard.md", "paired.csv", "paired.md",
                 "results.parquet", "timeseries.parquet", "assumptions.csv"):
        assert (rep / name).exists(), name
    results = pd.read_parquet(rep / "results.parquet")
    assert sorted(results.scheme.unique()) == ["per_volume", "quality_weighted"]
    assert len(results) == 8
    paired = pd.read_csv(rep / "paired.csv")
    assert set(paired.scheme) == {"quality_weighted"} and set(paired.baseline) == {"per_volume"}
    assert "Paired comparison against per_volume" in (rep / "report.md").read_text()
    assert f"report: {rep / 'report.html'}" in capsys.readouterr().out


def test_bposim_compare_refuses_bad_values_and_writes_nothing(tmp_path, capsys):
    code = compare_main(["client.audit_rate=3", "--out", str(tmp_path / "rep")])
    assert code == 2
    assert "client.audit_rate = 3.0 is out of range" in capsys.readouterr().err
    assert not (tmp_path / "rep").exists()
    assert compare_main(["scheme=nope", "--out", str(tmp_path / "rep")]) == 2
    assert not (tmp_path / "rep").exists()
