"""Running a design: all points x replications in the same arrays, in bounded chunks.

Points that can share arrays are stacked along the replication axis (row p * R + r is
replication r of point p): a parameter that differs between them becomes a (rows, 1) array
that broadcasts against the (rows, relationships) state, and replication r of every point
draws the same random numbers (common random numbers). Points share arrays when they agree
on everything that sets a shape or a branch of the code: every integer, flag and text setting
(market size, review period, outcome lag, ...), the scheme, the seed and the weeks; they may
differ in any real-valued parameter. Other points go into separate groups, each batched on
its own. A scheme whose object cannot take arrays (hybrid decides its parts from its
weights) also groups by its parameters.

Groups are cut into chunks whose estimated memory (the state of every cell, rows x
relationships, and the recorder's weekly rows) stays under `chunk_bytes`; chunks run here, on
all cores (joblib), on Ray or on SLURM (backends.py) with the same numbers and, given a folder,
each finished chunk is written there so an interrupted design resumes from the chunks it has,
whichever backend finished them.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..config import ConfigError, Settings
from ..io import write_parquet, write_text
from ..metrics import ALL, METRIC_NAMES
from ..progress import design_bar
from .backends import check_backend, run_chunks
from ..weekly import WeeklyModel, stepping_model
from .points import base_settings, point_settings

SECTIONS = ("market", "vendor", "client", "shock")
CHUNK_BYTES = 256 * 2 ** 20
BYTES_PER_CELL = 1_000     # state, random blocks and temporaries per relationship-row (benchmarks/README.md)
BYTES_PER_ROW_WEEK = 500   # the recorder's weekly values of every metric, and their normalised copy


# --- which points share arrays ----------------------------------------------------------------

def _varies(value: Any) -> bool:
    """A setting that may differ between points of one batch: a real number (bool and int are
    not floats; they pick shapes, counts and branches)."""
    return isinstance(value, float)


def _takes_arrays(scheme) -> bool:
    """Whether the scheme's class can be built with array parameters (its maths then broadcasts)."""
    params = scheme.params
    arrays = {f.name: np.full((2, 1), getattr(params, f.name)) for f in dataclasses.fields(params)
              if _varies(getattr(params, f.name))}
    try:
        type(scheme)(dataclasses.replace(params, **arrays))
    except (ValueError, TypeError):
        return False
    return True


def rebuilt(scheme, params):
    """The scheme with other parameters, keeping what was set on it after construction
    (scheme.pricing)."""
    out = type(scheme)(params)
    for name, value in vars(scheme).items():
        if name not in vars(out):
            setattr(out, name, value)
    return out


def group_key(s: Settings, scheme_broadcasts: dict[str, bool]) -> tuple:
    """What points must agree on to share arrays."""
    key: list = [s.scheme.name, s.scheme.pricing, s.config.seed, s.config.steps]
    for section in SECTIONS:
        obj = getattr(s, section)
        key += [(section, f.name, getattr(obj, f.name)) for f in dataclasses.fields(obj)
                if not _varies(getattr(obj, f.name))]
    fixed_scheme = not scheme_broadcasts.setdefault(s.scheme.name, _takes_arrays(s.scheme))
    params = s.scheme.params
    key += [("scheme", f.name, getattr(params, f.name)) for f in dataclasses.fields(params)
            if fixed_scheme or not _varies(getattr(params, f.name))]
    return tuple(key)


class CompactPoints(Sequence):
    """Every point's validated settings, kept as its group's first Settings plus the real values
    in which the point differs from it: a few hundred bytes a point instead of a whole
    configuration (100,000 points held half a GB). Indexing makes the point's Settings again."""

    def __init__(self):
        self.templates: list[Settings] = []
        self.of: list[tuple[int, dict]] = []  # per point: (its group, {(section, field): value})
        self._keys: dict[tuple, int] = {}
        self._broadcasts: dict[str, bool] = {}

    def add(self, s: Settings) -> None:
        key = group_key(s, self._broadcasts)
        group = self._keys.get(key)
        if group is None:
            group = self._keys[key] = len(self.templates)
            self.templates.append(s)
            self.of.append((group, {}))
            return
        template = self.templates[group]
        diff = {(section, name): value for section, obj, first in _sections(s, template)
                for name, value in _reals(obj) if value != getattr(first, name)}
        self.of.append((group, diff))

    def __len__(self) -> int:
        return len(self.of)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        group, diff = self.of[i]
        template = self.templates[group]
        if not diff:
            return template
        parts = {section: copy.copy(first) for section, _, first in _sections(template, template)}
        for (section, name), value in diff.items():
            setattr(parts[section], name, value)
        config = copy.copy(template.config)
        for section in SECTIONS:
            setattr(config, section, parts[section])
        scheme = template.scheme
        if parts["scheme"] != scheme.params:
            scheme = rebuilt(scheme, parts["scheme"])
            config.scheme = {**config.scheme, **{name: v for (sec, name), v in diff.items() if sec == "scheme"}}
        return Settings(config, scheme)

    def subset(self, ids: Sequence[int]) -> "CompactPoints":
        """The points ids (in that order) on their own: what a chunk sends to wherever it runs,
        its groups' first Settings and the values each point differs in, not a Settings a point."""
        out = CompactPoints()
        renumbered: dict[int, int] = {}
        for i in ids:
            group, diff = self.of[i]
            if group not in renumbered:
                renumbered[group] = len(out.templates)
                out.templates.append(self.templates[group])
            out.of.append((renumbered[group], diff))
        return out

    def groups(self) -> list[list[int]]:
        out: list[list[int]] = [[] for _ in self.templates]
        for i, (group, _) in enumerate(self.of):
            out[group].append(i)
        return out


def _sections(s: Settings, template: Settings):
    """(name, s's object, template's object) for each section and the scheme's parameters."""
    for section in SECTIONS:
        yield section, getattr(s, section), getattr(template, section)
    yield "scheme", s.scheme.params, template.scheme.params


def _reals(obj):
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if _varies(value):
            yield f.name, value


def groups_of(points) -> list[list[int]]:
    """Indices of the points, grouped by what they must share; groups in order of first point."""
    if isinstance(points, CompactPoints):
        return points.groups()
    broadcasts: dict[str, bool] = {}
    groups: dict[tuple, list[int]] = {}
    for i, s in enumerate(points):
        groups.setdefault(group_key(s, broadcasts), []).append(i)
    return list(groups.values())


# --- one batch --------------------------------------------------------------------------------

def _column(values: list, replications: int) -> np.ndarray:
    return np.repeat(np.asarray(values, dtype=float), replications)[:, None]


def stacked(points: list[Settings], replications: int) -> Settings:
    """One Settings for points that share arrays: what differs is a (points x replications, 1)
    array, point-major; what they agree on stays a number, as it is for a point alone."""
    first = points[0]
    config = copy.copy(first.config)
    config.record = dataclasses.replace(config.record, relationships="none")
    scheme = first.scheme
    params = scheme.params
    differ = {f.name: [getattr(p.scheme.params, f.name) for p in points] for f in dataclasses.fields(params)}
    differ = {name: values for name, values in differ.items() if any(v != values[0] for v in values)}
    if differ:
        scheme = rebuilt(scheme, dataclasses.replace(params, **{n: _column(v, replications) for n, v in differ.items()}))
    out = Settings(config, scheme)
    for section in SECTIONS:
        obj = copy.copy(getattr(first, section))
        for f in dataclasses.fields(obj):
            values = [getattr(getattr(p, section), f.name) for p in points]
            if any(v != values[0] for v in values):
                setattr(obj, f.name, _column(values, replications))
        setattr(out, section, obj)
    return out


def run_batch(points: list[Settings], replications: int, weekly: bool = False):
    """Simulate points side by side; (summary per row, weekly (weeks, ALL, rows) or None).

    A single point runs exactly as `simulate` runs it (engine chosen the same way).
    """
    if len(points) == 1:
        alone = points[0]
        config = copy.copy(alone.config)
        config.record = dataclasses.replace(config.record, relationships="none")
        model = stepping_model(Settings(config, alone.scheme), replications)
    else:
        together = stacked(points, replications)
        model = WeeklyModel(together, together.config.seed, replications, points=len(points))
    for _ in range(model.n_steps):
        model.advance_week()
    summary = model.recorder.summary(np.tile(np.arange(replications), len(points)))
    return summary, (model.recorder.weekly() if weekly else None)


# --- chunks, parallel, resume -----------------------------------------------------------------

def chunks_of(points: list[Settings], replications: int, chunk_bytes: int = CHUNK_BYTES,
              max_points: int | None = None) -> list[list[int]]:
    """Groups cut into chunks of at most max_points points whose estimated memory stays under
    chunk_bytes (at least one point each)."""
    out = []
    for group in groups_of(points):
        s = points[group[0]]
        cells = s.market.n_clients * s.market.vendors_per_client
        per_point = replications * (cells * BYTES_PER_CELL + s.config.steps * BYTES_PER_ROW_WEEK)
        size = max(1, min(chunk_bytes // per_point, max_points or len(group)))
        out += [group[i:i + size] for i in range(0, len(group), size)]
    return out


def _run_chunk(points: Sequence[Settings], replications: int, weekly: bool):
    """One chunk, wherever it runs (a worker process, a Ray task, a SLURM job)."""
    return run_batch(list(points), replications, weekly)


def _tables(ids: list[int], design: pd.DataFrame, replications: int, summary: pd.DataFrame, weekly,
            points):
    """The chunk's summary rows (point, replication, the design's columns, seed, scheme, KPIs:
    the table bposim.explore.reference.simulate_points makes) and weekly rows."""
    point = np.repeat(np.asarray(ids), replications)
    rows = summary.drop(columns=["replication"])
    first = points[ids[0]]  # a chunk is one group: one seed, one scheme
    rows.insert(0, "seed", first.config.seed)
    rows.insert(1, "scheme", first.scheme.name)
    rows = rows.drop(columns=[c for c in design.columns if c in rows.columns])
    head = pd.DataFrame({"point": point, "replication": np.tile(np.arange(replications), len(ids))})
    values = design.iloc[point].reset_index(drop=True)
    table = pd.concat([head, values, rows.reset_index(drop=True)], axis=1)
    series = None
    if weekly is not None:
        weeks, n_metrics, n_rows = weekly.shape
        names = [m.name for m in ALL]
        data = weekly.transpose(2, 0, 1).reshape(n_rows * weeks, n_metrics)
        series = pd.DataFrame(data, columns=names)[list(METRIC_NAMES)]
        series.insert(0, "step", np.tile(np.arange(1, weeks + 1), n_rows))
        series.insert(0, "replication", np.repeat(head.replication.to_numpy(), weeks))
        series.insert(0, "point", np.repeat(point, weeks))
    return table, series


def fingerprint(design: pd.DataFrame, points: list[Settings], replications: int, chunks: list[list[int]]) -> str:
    """What a folder's chunks were computed from: a resumed run must be the same design."""
    h = hashlib.sha256()
    h.update(pd.util.hash_pandas_object(design.astype(str), index=False).to_numpy().tobytes())
    h.update(repr(list(design.columns)).encode())
    h.update(repr(dataclasses.asdict(points[0].config)).encode())
    h.update(json.dumps({"replications": replications, "chunks": chunks}).encode())
    return h.hexdigest()


class DesignResult:
    """What a design gave.

    summary: one row per point and replication: `point`, `replication`, the design's columns,
        `seed`, `scheme`, then every KPI of `simulate`'s summary (the table of the reference
        loop, bposim.explore.simulate_points).
    timeseries: one row per point, replication and week (`point`, `replication`, `step`, every
        metric), when simulate_design was asked for it (timeseries=True); None otherwise.
    design: the design as run; points: each point's validated settings (a sequence that makes
        each when indexed).
    """

    def __init__(self, summary: pd.DataFrame, design: pd.DataFrame, timeseries: pd.DataFrame | None,
                 points: Sequence[Settings]):
        self.summary = summary
        self.design = design
        self.timeseries = timeseries
        self.points = points


def simulate_design(design: pd.DataFrame, base: Any = None, replications: int = 1, *, timeseries: bool = False,
                    chunk_bytes: int = CHUNK_BYTES, max_points: int | None = None, n_jobs: int | None = None,
                    backend: str | None = None, backend_options: dict | None = None,
                    folder: str | Path | None = None, progress: Any = False) -> DesignResult:
    """Run every point of `design` for `replications` replications, as batches of arrays.

    design: a DataFrame, one row per point, columns dotted config names (`client.audit_rate`,
        `market.n_clients`, `scheme.price`, ...) and optionally `scheme` (scheme names).
    base: the configuration for everything the design does not set: None (defaults), a list
        of overrides, a composed config, a Config or dict, or Settings.
    replications: per point; replication r of every point uses the same random streams, so
        points are compared on common random numbers. Each point gives the numbers `simulate`
        gives for it alone.
    timeseries: also return the weekly table (points x replications x weeks rows).
    chunk_bytes: memory a chunk of points may take (estimated); bounds the run's memory, with
        n_jobs chunks in memory at once.
    max_points: most points in a chunk (None: as many as chunk_bytes allows).
    n_jobs: chunks at once (-1: all cores; None: the backend's own: one here, every core for
        joblib, the Ray cluster's CPUs, 256 SLURM array tasks).
    backend: where chunks run: "serial" (this process), "joblib" (all cores), "ray" (a Ray
        cluster: backend_options address, e.g. "auto", else a private local one; num_cpus and
        memory of each chunk), "submitit_slurm" (one SLURM job array; needs folder, shared with
        the compute nodes; backend_options partition, timeout_min, mem_gb, account, ...) or
        "submitit_local" (submitit's local executor, the same jobs on this machine). None:
        joblib when n_jobs asks for more than one chunk at once, else serial. The numbers do
        not depend on it (docs/clusters.md).
    folder: keep each finished chunk there; run again with the same arguments to resume an
        interrupted design from the chunks already done, on any backend.
    progress: a bar of points done and time left: False (none), True (on stderr), None (on
        stderr when it is a terminal) or a stream; resumed chunks count as done.

    Every point and the backend are checked before anything runs: a bad value stops with a
    message naming the field (and the point), the value and what is allowed.
    """
    if not isinstance(design, pd.DataFrame) or design.empty:
        raise ConfigError([f"design = {type(design).__name__} must be a non-empty pandas DataFrame, one row per point"])
    if int(replications) < 1:
        raise ConfigError([f"replications = {replications!r} is out of range: allowed [1, ...)"])
    backend = check_backend(backend, n_jobs, backend_options, folder)
    replications = int(replications)
    design = design.reset_index(drop=True)
    points = CompactPoints()
    point_settings(design, base_settings(base), keep=points.add)
    chunks = chunks_of(points, replications, chunk_bytes, max_points)
    store = _Store(folder, fingerprint(design, points, replications, chunks), timeseries) if folder else None
    todo = [i for i, ids in enumerate(chunks) if store is None or not store.has(i)]
    bar = design_bar(len(points), len(points) - sum(len(chunks[i]) for i in todo), progress)
    jobs = ((points.subset(chunks[i]), replications, timeseries) for i in todo)  # made as they are sent
    done: dict[int, tuple] = {}
    try:
        where = "serial" if not todo or backend == "joblib" and len(todo) == 1 else backend  # no pool for one chunk
        for k, (summary, weekly) in run_chunks(where, _run_chunk, jobs, n_jobs if n_jobs != -1 else None,
                                               backend_options, folder):
            i = todo[k]
            done[i] = _tables(chunks[i], design, replications, summary, weekly, points)
            if store is not None:
                store.put(i, *done[i])
            if bar is not None:
                bar.update(len(chunks[i]))
    finally:
        if bar is not None:
            bar.close()
    tables = [done[i] if i in done else store.get(i) for i in range(len(chunks))]
    summary = pd.concat([t for t, _ in tables], ignore_index=True).sort_values(["point", "replication"], kind="stable")
    series = None
    if timeseries:
        series = pd.concat([s for _, s in tables], ignore_index=True).sort_values(["point", "replication", "step"],
                                                                               kind="stable").reset_index(drop=True)
    return DesignResult(summary.reset_index(drop=True), design, timeseries=series, points=points)


class _Store:
    """A folder of finished chunks (Parquet, written whole or not at all) for one design."""

    def __init__(self, folder, key: str, weekly: bool):
        self.folder = Path(folder)
        self.weekly = weekly
        marker = self.folder / "design.json"
        if marker.exists():
            held = json.loads(marker.read_text()).get("fingerprint")
            if held != key:
                raise ConfigError([f"folder = {str(self.folder)!r} holds the chunks of another design: "
                                   f"use a new folder (or empty this one) for this design"])
        else:
            write_text(json.dumps({"fingerprint": key}), marker)

    def _paths(self, i: int) -> tuple[Path, Path]:
        return self.folder / f"chunk-{i:05d}.parquet", self.folder / f"chunk-{i:05d}-weekly.parquet"

    def has(self, i: int) -> bool:
        summary, weekly = self._paths(i)
        return summary.exists() and (not self.weekly or weekly.exists())

    def put(self, i: int, summary: pd.DataFrame, weekly: pd.DataFrame | None) -> None:
        paths = self._paths(i)
        if weekly is not None:
            write_parquet(weekly, paths[1])
        write_parquet(summary, paths[0])  # last: its presence means the chunk is complete

    def get(self, i: int):
        summary, weekly = self._paths(i)
        return pd.read_parquet(summary), (pd.read_parquet(weekly) if self.weekly else None)
