"""Gathering a sweep's job folders into one tidy table: one row per job and replication."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..io import UnreadableResults, read_parquet, read_yaml, write_parquet, write_text

DONE = "summary.parquet"  # written last by a job: its presence means the job finished


def job_overrides(job_dir: Path) -> dict[str, str]:
    path = job_dir / ".hydra" / "overrides.yaml"
    items = read_yaml(path) if path.exists() else []
    if items is not None and not isinstance(items, list):
        raise UnreadableResults([f"{path}: holds {type(items).__name__}, not the job's list of overrides"])
    out = {}
    for item in items or []:
        key, _, value = str(item).partition("=")
        out[key.lstrip("+~")] = value
    return out


def finished_jobs(sweep_dir: Path) -> list[Path]:
    return sorted(p.parent for p in Path(sweep_dir).glob(f"*/{DONE}"))


def _constant_columns(frames: list[pd.DataFrame], jobs: list[Path],
                      settings: list[dict[str, str]]) -> pd.DataFrame | None:
    """The table with its job and swept-setting columns, built once for all jobs; None unless every
    job has the same columns and the same swept settings (the usual case: one sweep)."""
    columns, keys = list(frames[0].columns), list(settings[0])
    if any(list(f.columns) != columns for f in frames) or any(list(s) != keys for s in settings):
        return None
    table = pd.concat(frames, ignore_index=True)
    rows = np.repeat(np.arange(len(frames)), [len(f) for f in frames])  # each row's job
    new = {"job": [job.name for job in jobs]}
    new.update({k: [s[k] for s in settings] for k in keys if k not in columns})
    # Text columns of the type pandas gives a column set to one string (as df.insert(key, value) did).
    added = pd.DataFrame({k: pd.Series(v).array.take(rows) for k, v in new.items()}, index=table.index)
    return pd.concat([added, table], axis=1)


def _one_by_one(frames: list[pd.DataFrame], jobs: list[Path], settings: list[dict[str, str]]) -> pd.DataFrame:
    out = []
    for df, job, given in zip(frames, jobs, settings):
        # One column per swept setting; the run's own columns (scheme, seed) already say it.
        new = [(k, v) for k, v in given.items() if k not in df.columns]
        for i, (key, value) in enumerate(new):
            df.insert(i, key, value)
        df.insert(0, "job", job.name)
        out.append(df)
    return pd.concat(out, ignore_index=True)


def _numbers_back(table: pd.DataFrame) -> None:
    """Swept values arrive as text from the override strings; give numbers back their type.

    A column is converted when every value in it reads as a number. Each distinct value is read
    once (the columns hold a handful of distinct values over many rows)."""
    for col in table.columns:
        if pd.api.types.is_numeric_dtype(table[col]):
            continue
        codes, uniques = pd.factorize(table[col], use_na_sentinel=True)
        if (codes < 0).any():  # a missing value: not a column of numbers
            continue
        converted = pd.to_numeric(pd.Series(np.asarray(uniques, dtype=object)), errors="coerce")
        if converted.notna().all():
            table[col] = converted.to_numpy()[codes]


def _gather(jobs: list[Path], name: str, settings: list[dict[str, str]]) -> pd.DataFrame | None:
    frames, kept, given = [], [], []
    for job, s in zip(jobs, settings):
        path = job / name
        if not path.exists():
            continue
        frames.append(read_parquet(path))
        kept.append(job)
        given.append(s)
    if not frames:
        return None
    table = _constant_columns(frames, kept, given)
    if table is None:
        table = _one_by_one(frames, kept, given)
    _numbers_back(table)
    return table


def collate(sweep_dir: str | Path) -> dict[str, Path]:
    """Write sweep_summary.parquet/.csv (and sweep_timeseries.parquet when jobs kept one)."""
    sweep_dir = Path(sweep_dir)
    jobs = finished_jobs(sweep_dir)
    settings = [job_overrides(job) for job in jobs]
    written = {}
    summary = _gather(jobs, DONE, settings)
    if summary is None:
        return written
    written["summary"] = write_parquet(summary, sweep_dir / "sweep_summary.parquet")
    written["summary_csv"] = write_text(summary.to_csv(index=False), sweep_dir / "sweep_summary.csv")
    series = _gather(jobs, "timeseries.parquet", settings)
    if series is not None:
        written["timeseries"] = write_parquet(series, sweep_dir / "sweep_timeseries.parquet")
    return written
