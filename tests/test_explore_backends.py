"""Where a design's chunks run (joblib, Ray, submitit's local executor standing in for SLURM):
the same tables as the serial run, to the last bit; a folder of chunks finished by one backend
is resumed by another; the progress bar counts points, resumed ones included. The Ray test needs
the optional extra (pip install bposim[ray]) and skips without it; CI's step with that extra
runs it (`-k ray`)."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

import bposim
from bposim.config import ConfigError
from bposim.explore import backends, batch, load_design, run_design
from bposim.explore.cli import main as explore_main

BASE = ["steps=20"]
SUBMITIT = {"timeout_min": 10}


def small_design() -> pd.DataFrame:
    """Six points in two groups (two market sizes), cut into three chunks of two (max_points=2)."""
    rng = np.random.default_rng(5)
    return pd.DataFrame({"client.audit_rate": rng.uniform(0.02, 0.4, 6), "vendor.risk_aversion": rng.uniform(0, 3, 6),
                         "market.n_clients": [3, 3, 3, 3, 4, 4]})


def run(backend=None, **kw):
    return bposim.simulate_design(small_design(), base=BASE, replications=2, timeseries=True, max_points=2,
                                  backend=backend, **kw)


@pytest.fixture(scope="module")
def serial():
    return run("serial")


def assert_identical(got, expected):
    pd.testing.assert_frame_equal(got.summary, expected.summary, check_exact=True)
    pd.testing.assert_frame_equal(got.timeseries, expected.timeseries, check_exact=True)


def chunk_files(folder):
    return {p.name: p.stat().st_mtime_ns for p in sorted(folder.glob("chunk-?????.parquet"))}


def resumes_from(first: str, then: str, folder, serial, options: dict | None = None):
    """Finish the design on `first`, lose two of its chunks, resume on `then`: the chunks `first`
    wrote are read, not run again, the lost ones are, and the tables are the serial run's."""
    run(first, n_jobs=2, folder=folder, backend_options=SUBMITIT if first.startswith("submitit") else None)
    kept = chunk_files(folder)
    assert len(kept) == 3
    for name in list(kept)[1:]:
        (folder / name).unlink()
    bar = io.StringIO()
    resumed = run(then, n_jobs=2, folder=folder, progress=bar, backend_options=options)
    assert_identical(resumed, serial)
    after = chunk_files(folder)
    first_chunk = next(iter(kept))
    assert after[first_chunk] == kept[first_chunk], "a finished chunk is read, not run again"
    assert set(after) == set(kept)
    text = bar.getvalue()
    assert "2/6" in text and "6/6" in text, f"resumed points count as done: {text!r}"


def test_joblib_and_submitit_give_the_serial_tables_exactly(serial, tmp_path):
    assert len(batch.chunks_of(serial.points, 2, max_points=2)) == 3
    assert_identical(run("joblib", n_jobs=2), serial)
    assert_identical(run(n_jobs=2), serial)  # n_jobs alone: joblib
    assert_identical(run("submitit_local", n_jobs=2, backend_options=SUBMITIT), serial)
    assert_identical(run("submitit_local", n_jobs=1, folder=tmp_path / "one", backend_options=SUBMITIT), serial)
    assert list((tmp_path / "one" / "submitit").glob("*_result.pkl")), "submitit ran the chunks as jobs"


def test_a_design_resumes_on_joblib_from_chunks_submitit_finished(serial, tmp_path):
    resumes_from("submitit_local", "joblib", tmp_path / "d", serial)


def test_ray_gives_the_serial_tables_and_resumes_from_chunks_joblib_finished(serial, tmp_path):
    pytest.importorskip("ray", reason="Ray is an optional extra (pip install bposim[ray]) and is not installed here")
    import ray

    options = {"num_cpus": 1}
    assert_identical(run("ray", backend_options=options), serial)
    assert not ray.is_initialized(), "the private Ray cluster it started is stopped"
    resumes_from("joblib", "ray", tmp_path / "d", serial, options)


def test_the_progress_bar_counts_points_and_shows_time_left(serial):
    bar = io.StringIO()
    run("serial", progress=bar)
    text = bar.getvalue()
    assert "design" in text and "0/6" in text and "6/6" in text and "point" in text
    assert "<" in text, "elapsed<remaining: the time left"


def test_the_progress_bar_is_off_by_default(capsys):
    bposim.simulate_design(small_design().head(2), base=BASE)
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("kw, named", [
    ({"backend": "dask"}, "backend = 'dask' is not a known backend: allowed serial, joblib, ray, submitit_local"),
    ({"backend": "ray", "backend_options": {"adress": "auto"}}, "ray.adress is not an option of the ray backend"),
    ({"backend": "submitit_local", "backend_options": {"setup": ["rm -rf /"]}}, "submitit_local.setup is not an option"),
    ({"backend": "submitit_slurm"}, "needs a folder the compute nodes share"),
    ({"n_jobs": 0}, "n_jobs = 0 must be a whole number"),
    ({"backend": "submitit_local", "backend_options": {"timeout_min": "ten"}}, "submitit_local.timeout_min = 'ten' must be a whole number of minutes > 0"),
    ({"backend": "ray", "backend_options": {"num_cpus": -1}}, "ray.num_cpus = -1 must be a number of CPUs > 0"),
])
def test_a_backend_that_cannot_run_stops_before_anything_runs(kw, named, monkeypatch):
    monkeypatch.setattr(backends.importlib.util, "find_spec", lambda name: object())  # as if every extra were installed
    monkeypatch.setattr(batch, "_run_chunk", lambda *a: pytest.fail("ran"))
    with pytest.raises(ConfigError, match=named):
        bposim.simulate_design(small_design(), base=BASE, **kw)


def test_a_backend_whose_extra_is_missing_says_which(monkeypatch):
    monkeypatch.setattr(backends.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ConfigError, match=r"backend = 'ray' needs ray, which is not installed: pip install \"bposim\[ray\]\""):
        bposim.simulate_design(small_design(), base=BASE, backend="ray")


@pytest.mark.parametrize("args, named", [
    (["explore.backend=dask"], "explore.backend = 'dask' is not a known backend"),
    (["explore.bakend=ray"], "explore.bakend is not an explore setting"),
    (["explore.ray.address=auto"], "explore.ray.address is an option of the ray backend, but explore.backend is not given"),
    (["explore.backend=joblib", "explore.joblib.n_jobs=2"], "explore.joblib.n_jobs is not an option of the joblib backend"),
    (["explore.progress=maybe"], "explore.progress = 'maybe' must be true or false"),
    (["explore.backend=submitit_local", "explore.submitit_local.mem_gb=lots"], "explore.submitit_local.mem_gb = 'lots' must be a number of GiB > 0"),
    (["--jobs", "-3"], "--jobs = -3 must be a whole number"),
])
def test_bad_explore_settings_are_one_line_exit_2_and_nothing_written(args, named, tmp_path, capsys):
    out = tmp_path / "report"
    assert explore_main(["design=audit_grid", *args, "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert named in err and "\n" not in err and err.startswith("bposim-explore: ")
    assert not out.exists()


def test_the_command_runs_a_design_on_submitit_with_a_bar(tmp_path, capsys):
    settings = ["design=audit_grid", "design.size=2", "design.replications=2", "steps=20"]
    out = tmp_path / "report"
    code = explore_main([*settings, "explore.backend=submitit_local", "explore.submitit_local.timeout_min=10",
                         "explore.progress=true", "--jobs", "2", "--out", str(out)])
    assert code == 0
    err = capsys.readouterr().err
    assert "18/18" in err and "point" in err
    here = run_design(load_design("audit_grid", settings[1:])).summary
    pd.testing.assert_frame_equal(pd.read_parquet(out / "results.parquet"), here, check_exact=True)
    assert list((out / "chunks" / "submitit").glob("*_result.pkl"))


def test_slurm_gets_one_job_array_with_its_options_named_as_submitit_takes_them(serial, tmp_path, monkeypatch):
    """No SLURM here: the same AutoExecutor, told to run on this machine, receives the array.
    submitit checks every slurm_* parameter against its SLURM executor's even so."""
    import submitit

    seen: dict = {"arrays": 0}

    class HereInstead(submitit.AutoExecutor):
        def __init__(self, folder, cluster=None, **kw):
            seen["cluster"] = cluster
            super().__init__(folder, cluster="local", **kw)

        def update_parameters(self, **params):
            seen["params"] = params
            super().update_parameters(**params)

        def map_array(self, fn, *iterables):
            seen["arrays"] += 1
            return super().map_array(fn, *iterables)

    monkeypatch.setattr(submitit, "AutoExecutor", HereInstead)
    options = {"partition": "compute", "account": "team", "qos": "normal", "constraint": "cpu", "exclude": "n1",
               "gres": "none", "comment": "bposim", "mem_per_cpu": "1G", "additional_parameters": {"nice": 1},
               "timeout_min": 10, "mem_gb": 2, "cpus_per_task": 1, "name": "d"}
    got = run("submitit_slurm", n_jobs=2, folder=tmp_path / "d", backend_options=options)
    assert_identical(got, serial)
    assert seen["cluster"] == "slurm" and seen["arrays"] == 1, "every chunk in one job array"
    params = seen["params"]
    assert params["slurm_partition"] == "compute" and params["slurm_array_parallelism"] == 2
    assert params["timeout_min"] == 10 and params["mem_gb"] == 2
