"""Where a design's chunks run: here, on all cores (joblib), on a Ray cluster, or as SLURM jobs
(submitit, or its local executor on one machine): the libraries under the Hydra launchers the
sweeps use (docs/clusters.md).

    for k, result in run_chunks("ray", fn, jobs, limit=None, options={"address": "auto"}):
        ...   # k: the job's position in `jobs`; results come as the chunks finish

Every backend calls the same function on the same arguments (a chunk's points, kept compactly),
so the tables do not depend on the backend; a folder of finished chunks written by one is
resumed by any other. Everything is checked before the first chunk is sent.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from ..config import ConfigError

BACKENDS = ("serial", "joblib", "ray", "submitit_local", "submitit_slurm")
# Per backend: the options it takes (explore.BACKEND.OPTION on the command line). Ray's are
# ray.init's address and ray.remote's resources of each chunk; submitit's are its executor's
# parameters under the names hydra-submitit-launcher gives them. Nothing that a shell would run
# (submitit's `setup`), as for the sweeps' launchers.
SUBMITIT = ("timeout_min", "cpus_per_task", "mem_gb", "name")
OPTIONS = {
    "serial": (),
    "joblib": (),
    "ray": ("address", "num_cpus", "memory"),
    "submitit_local": SUBMITIT,
    "submitit_slurm": (*SUBMITIT, "partition", "qos", "account", "constraint", "exclude", "gres", "comment",
                       "mem_per_cpu", "additional_parameters"),
}
# What each option must be (anything else: text); checked up front, as submitit and Ray would
# only complain when the first chunk is sent.
KINDS = {"timeout_min": (int, "a whole number of minutes"), "cpus_per_task": (int, "a whole number"),
         "mem_gb": ((int, float), "a number of GiB"), "num_cpus": ((int, float), "a number of CPUs"),
         "memory": (int, "a whole number of bytes"), "additional_parameters": (dict, "a mapping {option: value}")}
NEEDS = {"ray": ("ray", "bposim[ray]"), "submitit_local": ("submitit", "bposim[slurm]"),
         "submitit_slurm": ("submitit", "bposim[slurm]")}
SLURM_ARRAY_PARALLELISM = 256  # hydra-submitit-launcher's default
POLL_SECONDS = 0.5


def check_backend(backend: str | None, n_jobs: int | None, options: dict | None, folder: Any,
                  prefix: str = "") -> str:
    """The backend to use (None: joblib when n_jobs asks for more than one, else serial); a
    ConfigError naming the field (with `prefix`, e.g. `explore.`) if it cannot run."""
    if n_jobs is not None and (isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs == 0 or n_jobs < -1):
        raise ConfigError([f"{'--jobs' if prefix else 'n_jobs'} = {n_jobs!r} must be a whole number >= 1, or -1 "
                           f"(all cores)"])
    if backend is None:
        backend = "joblib" if n_jobs not in (None, 1) else "serial"
    if backend not in BACKENDS:
        raise ConfigError([f"{prefix}backend = {backend!r} is not a known backend: allowed {', '.join(BACKENDS)}"])
    allowed = OPTIONS[backend]
    for key, value in (options or {}).items():
        if key not in allowed:
            raise ConfigError([f"{prefix}{backend}.{key} is not an option of the {backend} backend: allowed "
                               f"{', '.join(allowed) or 'none'}"])
        kind, what = KINDS.get(key, (str, "text"))
        if isinstance(value, bool) or not isinstance(value, kind) or (kind is not dict and kind is not str and value <= 0):
            raise ConfigError([f"{prefix}{backend}.{key} = {value!r} must be {what}" + ("" if kind in (dict, str) else " > 0")])
    if backend in NEEDS and importlib.util.find_spec(NEEDS[backend][0]) is None:
        module, extra = NEEDS[backend]
        raise ConfigError([f"{prefix}backend = {backend!r} needs {module}, which is not installed: "
                           f"pip install \"{extra}\""])
    if backend == "submitit_slurm" and folder is None:
        raise ConfigError([f"{prefix}backend = 'submitit_slurm' needs a folder the compute nodes share "
                           f"({'--out' if prefix else 'folder='}): the jobs' files and the finished chunks go there"])
    return backend


def run_chunks(backend: str, fn: Callable, jobs: Iterable[tuple], limit: int | None = None,
               options: dict | None = None, folder: str | Path | None = None) -> Iterator[tuple[int, Any]]:
    """(position in jobs, fn(*job)) for every job, as they finish. limit: chunks at once (None:
    the backend's own: all cores, the Ray cluster's CPUs, 256 array tasks on SLURM). jobs is
    read as chunks are sent, so only those in flight are held."""
    options = dict(options or {})
    if backend == "serial" or (backend == "joblib" and limit == 1):
        return ((k, fn(*job)) for k, job in enumerate(jobs))
    if backend == "joblib":
        return _joblib(fn, jobs, limit or -1)
    if backend == "ray":
        return _ray(fn, jobs, limit, options)
    return _submitit(fn, jobs, limit, options, backend.split("_", 1)[1], folder)


def _joblib(fn, jobs, n_jobs):
    from joblib import Parallel, delayed

    return enumerate(Parallel(n_jobs=n_jobs, return_as="generator")(delayed(fn)(*job) for job in jobs))


def _window(submit: Callable[[tuple], Any], finished: Callable[[list], list], result: Callable[[Any], Any],
            jobs: Iterable[tuple], limit: int) -> Iterator[tuple[int, Any]]:
    """At most `limit` jobs in flight; a new one sent as each finishes."""
    todo = enumerate(jobs)
    pending: dict = {}
    for k, job in todo:
        pending[submit(job)] = k
        if len(pending) >= limit:
            break
    while pending:
        for handle in finished(list(pending)):
            k = pending.pop(handle)
            yield k, result(handle)
            for k_next, job in todo:
                pending[submit(job)] = k_next
                break


def _ray(fn, jobs, limit, options):
    import ray

    started = not ray.is_initialized()
    if started:
        ray.init(address=options.get("address"))
    try:
        resources = {k: options[k] for k in ("num_cpus", "memory") if k in options}
        remote = ray.remote(**resources)(fn) if resources else ray.remote(fn)
        limit = limit if limit and limit > 0 else max(1, int(ray.cluster_resources().get("CPU", 1)))

        def finished(refs):
            return ray.wait(refs, num_returns=1)[0]

        yield from _window(lambda job: remote.remote(*job), finished, ray.get, jobs, limit)
    finally:
        if started:
            ray.shutdown()


def _submitit(fn, jobs, limit, options, cluster, folder):
    import submitit

    with contextlib.ExitStack() as scratch:
        # The jobs' files: beside the chunks (a SLURM job must see them), else a folder for this run only.
        where = (Path(folder) / "submitit" if folder is not None
                 else Path(scratch.enter_context(tempfile.TemporaryDirectory(prefix="bposim-submitit-"))))
        executor = submitit.AutoExecutor(folder=where, cluster=cluster)
        params = {"timeout_min": 60, "name": "bposim-design", **options}
        params = {k if k in SUBMITIT else f"{cluster}_{k}": v for k, v in params.items()}
        if cluster == "slurm":
            # One job array for every chunk: SLURM runs at most `limit` at once.
            params["slurm_array_parallelism"] = limit if limit and limit > 0 else SLURM_ARRAY_PARALLELISM
        executor.update_parameters(**params)

        def finished(pending):
            while True:
                done = [job for job in pending if job.done()]
                if done:
                    return done
                time.sleep(POLL_SECONDS)

        if cluster == "slurm":
            jobs = list(jobs)
            handles = executor.map_array(fn, *zip(*jobs)) if jobs else []
            order = {job: k for k, job in enumerate(handles)}
            pending = list(handles)
            while pending:
                for job in finished(pending):
                    pending.remove(job)
                    yield order[job], job.result()
            return
        # The local executor starts each job it is given at once: send them a window at a time.
        limit = limit if limit and limit > 0 else (os.cpu_count() or 1)
        yield from _window(lambda job: executor.submit(fn, *job), finished, lambda job: job.result(), jobs, limit)
