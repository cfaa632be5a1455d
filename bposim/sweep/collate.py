"""Gathering a sweep's job folders into one tidy table: one row per job and replication."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

from ..io import write_parquet, write_text

DONE = "summary.parquet"  # written last by a job: its presence means the job finished


def job_overrides(job_dir: Path) -> dict[str, str]:
    path = job_dir / ".hydra" / "overrides.yaml"
    items = yaml.safe_load(path.read_text()) if path.exists() else []
    out = {}
    for item in items or []:
        key, _, value = str(item).partition("=")
        out[key.lstrip("+~")] = value
    return out


def finished_jobs(sweep_dir: Path) -> list[Path]:
    return sorted(p.parent for p in Path(sweep_dir).glob(f"*/{DONE}"))


def _gather(jobs: list[Path], name: str) -> pd.DataFrame | None:
    frames = []
    for job in jobs:
        path = job / name
        if not path.exists():
            continue
        df = pd.read_parquet(path)
        # One column per swept setting; the run's own columns (scheme, seed) already say it.
        new = [(k, v) for k, v in job_overrides(job).items() if k not in df.columns]
        for i, (key, value) in enumerate(new):
            df.insert(i, key, value)
        df.insert(0, "job", job.name)
        frames.append(df)
    if not frames:
        return None
    table = pd.concat(frames, ignore_index=True)
    # Swept values arrive as text from the override strings; give numbers back their type.
    for col in table.columns:
        if not pd.api.types.is_numeric_dtype(table[col]):
            converted = pd.to_numeric(table[col], errors="coerce")
            if converted.notna().all():
                table[col] = converted
    return table


def collate(sweep_dir: str | Path) -> dict[str, Path]:
    """Write sweep_summary.parquet/.csv (and sweep_timeseries.parquet when jobs kept one)."""
    sweep_dir = Path(sweep_dir)
    jobs = finished_jobs(sweep_dir)
    written = {}
    summary = _gather(jobs, DONE)
    if summary is None:
        return written
    written["summary"] = write_parquet(summary, sweep_dir / "sweep_summary.parquet")
    written["summary_csv"] = write_text(summary.to_csv(index=False), sweep_dir / "sweep_summary.csv")
    series = _gather(jobs, "timeseries.parquet")
    if series is not None:
        written["timeseries"] = write_parquet(series, sweep_dir / "sweep_timeseries.parquet")
    return written
