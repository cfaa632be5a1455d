"""Progress bars: jobs done, runs done and time left for sweeps; weeks for long runs; quiet
when not on a terminal."""

from __future__ import annotations

from polling import until

import bposim
from bposim.progress import SweepProgress


def test_a_run_is_quiet_off_a_terminal(capsys):
    bposim.simulate(["steps=20"])
    assert capsys.readouterr().err == ""


def test_a_long_run_shows_its_weeks_when_asked(capsys):
    bposim.simulate(["steps=20"], progress=True)
    err = capsys.readouterr().err
    assert "bposim" in err and "/20" in err and "week" in err


def test_sweep_progress_counts_finished_jobs_and_runs(tmp_path, capsys):
    for i in range(3):
        (tmp_path / f"job{i}").mkdir()
    bar = SweepProgress(tmp_path, n_jobs=3, runs_per_job=30, done_file="summary.parquet",
                        interval=0.01, force=True).start()
    polls = []
    count = bar.count
    bar.count = lambda: polls.append(1) or count()  # the watching thread's polls, counted

    (tmp_path / "job0" / "summary.parquet").write_text("x")
    (tmp_path / "job2" / "summary.parquet").write_text("x")
    until(lambda: bar.bar.n >= 2)  # the bar polls the folder on its own thread
    assert bar.bar.n == 2
    seen = len(polls)
    until(lambda: len(polls) >= seen + 3)  # three more polls: a third job must not be counted out of nowhere
    assert len(polls) >= seen + 3 and bar.bar.n == 2
    bar.stop()
    err = capsys.readouterr().err
    assert "2/3" in err and "runs=60" in err and "job" in err


def test_sweep_progress_is_quiet_off_a_terminal(tmp_path, capsys):
    bar = SweepProgress(tmp_path, n_jobs=3, runs_per_job=30, done_file="summary.parquet").start()
    assert bar.bar is None
    bar.stop()
    assert capsys.readouterr().err == ""
