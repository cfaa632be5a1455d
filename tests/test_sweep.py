"""Sweeps: Hydra multiruns with validation up front, resumable jobs, collation, launchers."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from polling import until

from bposim.sweep import sweep_name
from bposim.sweep.naming import job_dir

EXE = shutil.which("bposim-run", path=str(Path(sys.executable).parent)) or "bposim-run"
SMALL = ["steps=26", "replications=3", "market.n_clients=2"]


def sweep(args, cwd, **kw):
    return subprocess.run([EXE, "-m", *args], cwd=cwd, capture_output=True, text=True, **kw)


def table(folder: Path) -> pd.DataFrame:
    df = pd.read_parquet(folder / "sweep_summary.parquet").drop(columns=["job"])
    return df.sort_values(list(df.columns[:4])).reset_index(drop=True)


def test_sweep_runs_every_job_and_collates_one_tidy_table(tmp_path):
    out = sweep(["scheme=per_volume,quality_weighted", "client.audit_rate=0.05,0.2", *SMALL], tmp_path)
    assert out.returncode == 0, out.stderr
    folder = tmp_path / "multirun" / sweep_name(["scheme=per_volume,quality_weighted", "client.audit_rate=0.05,0.2", *SMALL])
    jobs = sorted(p.name for p in folder.iterdir() if p.is_dir())
    assert len(jobs) == 4 and "client.audit_rate=0.05,market.n_clients=2,replications=3,scheme=per_volume,steps=26" in jobs
    summary = pd.read_parquet(folder / "sweep_summary.parquet")
    assert len(summary) == 4 * 3
    assert {"scheme", "client.audit_rate", "replication", "client_net_value"} <= set(summary.columns)
    assert summary["client.audit_rate"].dtype.kind == "f", "swept numbers keep their type"
    assert (folder / "sweep_summary.csv").exists() and (folder / "sweep_timeseries.parquet").exists()
    ts = pd.read_parquet(folder / "sweep_timeseries.parquet")
    assert len(ts) == 4 * 3 * 26


def test_a_bad_value_anywhere_stops_the_sweep_before_any_job(tmp_path):
    out = sweep(["scheme=per_volume,quality_weighted", "client.audit_rate=0.1,1.5", *SMALL], tmp_path)
    assert out.returncode == 2
    assert "client.audit_rate = 1.5 is out of range: allowed [0, 1]" in out.stderr
    assert not (tmp_path / "multirun").exists()
    out = sweep(["scheme=quality_weighted", "scheme.cap=0.9,0.2", "scheme.floor=0.5", *SMALL], tmp_path)
    assert out.returncode == 2 and "scheme.floor = 0.5 is out of range" in out.stderr
    assert not (tmp_path / "multirun").exists()


def test_hydras_own_messages_come_through(tmp_path):
    out = sweep(["scheme=per_volume,no_such_scheme", *SMALL], tmp_path)
    assert out.returncode != 0 and "no_such_scheme" in out.stderr
    out = sweep(["client.no_such_key=1,2", *SMALL], tmp_path)
    assert out.returncode != 0 and "no_such_key" in out.stderr


@pytest.mark.slow
def test_an_interrupted_sweep_resumes_to_the_same_result(tmp_path):
    args = ["seed=1,2,3,4,5,6,7,8", "replications=4", "steps=26"]
    folder = tmp_path / "multirun" / sweep_name(args)
    # The kill lands at a known point, not in a timing window: the third job's first file
    # (Hydra's .hydra/config.yaml) is a FIFO, so that job blocks opening it until killed, after
    # exactly two finished jobs (the basic launcher runs jobs one at a time, in sweep order).
    held = folder / job_dir("replications=4,seed=3,steps=26") / ".hydra" / "config.yaml"
    held.parent.mkdir(parents=True)
    os.mkfifo(held)
    proc = subprocess.Popen([EXE, "-m", *args], cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        finished = until(lambda: len(list(folder.glob("*/summary.parquet"))) >= 2 or proc.poll() is not None, 300)
        assert finished and proc.poll() is None, f"the sweep ended before its held job: {proc.returncode}"
    finally:
        proc.kill()
        proc.communicate()
    done = sorted(p.parent.name for p in folder.glob("*/summary.parquet"))
    assert done == [job_dir(f"replications=4,seed={s},steps=26") for s in (1, 2)], done
    assert not (folder / "sweep_summary.parquet").exists()
    held.unlink()

    rerun = sweep(args, tmp_path)
    assert rerun.returncode == 0, rerun.stderr
    assert rerun.stdout.count("already done, skipped") == 2
    assert len(list(folder.glob("*/summary.parquet"))) == 8

    fresh = sweep([*args, f"hydra.sweep.dir={tmp_path / 'fresh'}"], tmp_path)
    assert fresh.returncode == 0, fresh.stderr
    resumed, uninterrupted = table(folder), table(tmp_path / "fresh")
    assert len(resumed) == 8 * 4
    pd.testing.assert_frame_equal(resumed, uninterrupted)


LAUNCHERS = {
    "joblib": ["hydra/launcher=joblib", "hydra.launcher.n_jobs=2"],
    "submitit_local": ["hydra/launcher=submitit_local", "hydra.launcher.timeout_min=10"],
    "ray": ["hydra/launcher=ray"],
}


@pytest.fixture(scope="module")
def basic_sweep(tmp_path_factory):
    """The reference: Hydra's own basic sweeper and basic launcher (every other run below uses
    the bposim sweeper, bposim-run's default)."""
    folder = tmp_path_factory.mktemp("basic")
    out = sweep([*LAUNCHED, "hydra/sweeper=basic", f"hydra.sweep.dir={folder / 'sweep'}"], folder)
    assert out.returncode == 0, out.stderr
    return table(folder / "sweep")


LAUNCHED = ["scheme=per_volume,shared_outcome", "seed=1,2", *SMALL]


@pytest.mark.slow
@pytest.mark.parametrize("launcher", sorted(LAUNCHERS))
def test_every_launcher_gives_the_same_numbers_as_the_basic_one(launcher, basic_sweep, tmp_path):
    if launcher == "ray":
        pytest.importorskip("hydra_plugins.hydra_ray_launcher", reason="Ray is an optional extra (pip install bposim[ray]) and is not installed here")
    out = sweep([*LAUNCHED, *LAUNCHERS[launcher], f"hydra.sweep.dir={tmp_path / 'sweep'}"], tmp_path, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    pd.testing.assert_frame_equal(basic_sweep, table(tmp_path / "sweep"))
