"""The bposim sweeper (hydra/sweeper=bposim, what `bposim-run -m` uses unless told otherwise):
Hydra's basic sweeper with the same jobs and numbers, each job checked up front by bposim
instead of composed by Hydra in the launching process, and each job's configuration composed
once per combination of config-group choices where it runs, the same configuration Hydra gives."""

from __future__ import annotations

import os
import pickle
import shutil
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import cloudpickle  # what joblib and Ray use to send the loader to workers (joblib 1.6 no longer vendors it)
import pandas as pd
import pytest
import yaml
from hydra import initialize_config_module
from hydra.core.global_hydra import GlobalHydra
from hydra.core.hydra_config import HydraConfig
from hydra.core.utils import setup_globals
from hydra.types import RunMode
from omegaconf import OmegaConf

from bposim.cli import _default_sweeper
from bposim.config import ConfigError, validate
from bposim.config import compose_unvalidated as _compose
from bposim.sweep.collate import collate
from bposim.sweep import jobconfig
from bposim.sweep.hydra_private import BasicSweeper, ConfigLoaderImpl
from bposim.sweep.jobconfig import SweepConfigLoader
from bposim.sweep.sweeper import PLUGIN, BposimSweeper
from bposim.sweep.validate import _validate_job, sweep_jobs, validate_jobs, validate_sweep
from private_api import config_nodes

ROOT = Path(__file__).resolve().parents[1]
EXE = shutil.which("bposim-run", path=str(Path(sys.executable).parent)) or "bposim-run"
SMALL = ["steps=26", "replications=3", "market.n_clients=2"]
BASIC = f"{BasicSweeper.__module__}.{BasicSweeper.__qualname__}"  # Hydra's class, through bposim's one private door


def sweep(args, cwd, **kw):
    return subprocess.run([EXE, "-m", *args], cwd=cwd, capture_output=True, text=True, **kw)


def table(folder: Path) -> pd.DataFrame:
    df = pd.read_parquet(folder / "sweep_summary.parquet").drop(columns=["job"])
    return df.sort_values(list(df.columns[:4])).reset_index(drop=True)


def sweeper_of(folder: Path) -> tuple[str, str]:
    hydra = OmegaConf.load(folder / "multirun.yaml").hydra
    return hydra.sweeper._target_, hydra.runtime.choices["hydra/sweeper"]


def test_bposim_run_sweeps_with_the_bposim_sweeper_and_hydras_basic_one_gives_the_same_table(tmp_path):
    args = ["scheme=per_volume,shared_outcome", "client.audit_rate=0.05,0.2", *SMALL]
    out = sweep([*args, "hydra.sweep.dir=default"], tmp_path)
    assert out.returncode == 0, out.stderr
    assert sweeper_of(tmp_path / "default") == (PLUGIN, "bposim")
    basic = sweep([*args, "hydra/sweeper=basic", "hydra.sweep.dir=basic"], tmp_path)
    assert basic.returncode == 0, basic.stderr
    assert sweeper_of(tmp_path / "basic") == (BASIC, "basic")
    pd.testing.assert_frame_equal(table(tmp_path / "default"), table(tmp_path / "basic"))
    # Each job's own record of its configuration is Hydra's, whichever sweeper launched it.
    job = "client.audit_rate=0.2,market.n_clients=2,replications=3,scheme=shared_outcome,steps=26"
    for name in ("config.yaml", "overrides.yaml"):
        assert (tmp_path / "default" / job / ".hydra" / name).read_text() == \
               (tmp_path / "basic" / job / ".hydra" / name).read_text()


def test_the_default_sweeper_is_added_only_to_sweeps_that_name_none():
    assert _default_sweeper(["-m", "seed=1,2"]) == ["-m", "seed=1,2", "hydra/sweeper=bposim"]
    assert _default_sweeper(["--multirun", "seed=1,2"])[-1] == "hydra/sweeper=bposim"
    assert _default_sweeper(["hydra.mode=MULTIRUN", "seed=1,2"])[-1] == "hydra/sweeper=bposim"
    assert _default_sweeper(["-m", "hydra/sweeper=basic", "seed=1,2"]) == ["-m", "hydra/sweeper=basic", "seed=1,2"]
    assert _default_sweeper(["seed=1"]) == ["seed=1"]


def test_no_shipped_config_picks_a_sweeper():
    # bposim-run -m puts hydra/sweeper=bposim on the command line, which would silently win over
    # a sweeper an experiment picked in its defaults list: such a config must say so loudly.
    picking = [p.name for p in (ROOT / "configs").rglob("*.yaml") if "hydra/sweeper" in p.read_text()]
    assert picking == [], f"{picking} pick a sweeper: bposim-run's default would override it"


def test_the_sweeper_alone_stops_a_bad_sweep_before_any_job():
    # Its own check, whoever launches it (bposim-run checks the sweep first; removing that
    # check, ~hydra.callbacks.validate, is refused: tests/test_safety.py).
    with pytest.raises(ConfigError, match=r"client.audit_rate = 1.5 is out of range: allowed \[0, 1\]"):
        BposimSweeper().validate_batch_is_legal([["client.audit_rate=0.1", *SMALL], ["client.audit_rate=1.5", *SMALL]])


def test_a_value_hydra_refuses_still_stops_the_sweep_before_any_job(tmp_path):
    # bposim's dataclasses would take 26.0 weeks; Hydra's typed schema does not, and neither does
    # bposim's door (exact whole numbers). (Was Hydra's "Error merging override", exit 1.)
    out = sweep(["steps=52,26.0", "replications=1"], tmp_path)
    assert out.returncode == 2
    assert "steps = 26.0 must be a whole number" in out.stderr
    assert not list(tmp_path.glob("multirun/**/summary.parquet")), "no job ran"


def test_sweep_jobs_are_the_basic_sweepers_jobs():
    jobs = sweep_jobs(["scheme=a,b", "seed=1,2", "steps=3", "scheme=c,d"])
    assert jobs == [["scheme=c", "seed=1", "steps=3"], ["scheme=c", "seed=2", "steps=3"],
                    ["scheme=d", "seed=1", "steps=3"], ["scheme=d", "seed=2", "steps=3"]]
    with pytest.raises(ConfigError, match="allowed at most"):
        sweep_jobs(["seed=range(0,1000)", "label=a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q,r,s,t,u,v,w,x,y,z,aa,bb,cc,dd,ee,ff,gg,hh,ii,jj,kk,ll,mm,nn,oo,pp,qq,rr,ss,tt,uu,vv,ww,xx,yy,zz,a1,b1,c1,d1,e1,f1,g1,h1,i1,j1,k1,l1,m1,n1,o1,p1,q1,r1,s1,t1,u1,v1,w1,x1,y1,z1,a2,b2,c2,d2,e2,f2,g2,h2,i2,j2,k2,l2,m2,n2,o2,p2,q2,r2,s2,t2,u2,v2,w2"])


# Jobs covering every path of the shortcut: group choices, values (typed and not), `+`/`++`,
# values Hydra's schema converts or refuses, unknown keys, dict values, interpolations.
JOBS = [
    ("scheme=per_volume", "client.audit_rate=0.1", "market.n_clients=1", "steps=156"),
    ("client.audit_rate=0.2", "scheme=per_volume", "market.n_clients=1", "steps=156"),
    ("scheme=shared_outcome", "scheme.share=0.5"),
    ("+experiment=smoke", "scheme=hybrid", "client.audit_rate=0.3"),
    ("scenario=relational", "shock=surge", "label=abc"),
    ("label=5",), ("steps='26'",), ("client.audit_rate=1",), ("steps=26.0",), ("steps=abc",),
    ("client.audit_rate=1.5",), ("++client.new=1",), ("+client.audit_rate=0.2",), ("client.nokey=1",),
    ("label='a b'",), ("client={audit_rate:0.3}",), ("client.audit_rate=${client.break_rate}",),
    ("scheme=quality_weighted", "scheme.cap=0.2", "scheme.floor=0.5"), ("seed=18446744073709551615",),
    ("market.n_clients=true",), ("scheme=hybrid", "scheme.fixed_fee=0.5"), ("record.relationships=all",),
    ("market=default", "seed=3"), ("scheme=no_such_scheme",), (),
]


def _outcome(check):
    try:
        return "valid", check().config
    except ConfigError:
        return "refused by bposim", None
    except Exception as err:  # Hydra's own error
        return "refused by Hydra", (type(err).__name__, str(err))


@pytest.mark.parametrize("job", JOBS, ids=" ".join)
def test_validation_of_a_job_gives_what_validating_its_hydra_composition_gives(job):
    fast, hydra = _outcome(lambda: _validate_job(job)), _outcome(lambda: validate(_compose(job)))
    # (steps=abc and market.n_clients=true were refused by Hydra's composition: bposim's door
    # now refuses them first on both paths, naming the field, the value and what it must be.)
    assert fast == hydra


def test_validated_jobs_are_not_checked_again(monkeypatch):
    jobs = [["seed=11", "steps=5"], ["seed=12", "steps=5"]]
    validate_jobs(jobs)
    calls = []
    monkeypatch.setattr("bposim.sweep.validate._validate_job", lambda job, compose: calls.append(job))
    validate_jobs([*jobs, ["seed=13", "steps=5"]])
    assert calls == [("seed=13", "steps=5")]
    assert validate_sweep(["seed=11,12", "steps=5"]) == 2 and len(calls) == 1


@contextmanager
def sweep_loaders(*overrides: str):
    """Hydra's config loader, the sweep's master config (multirun, bposim sweeper, plus
    `overrides`) and a SweepConfigLoader over them, inside a fresh Hydra context."""
    GlobalHydra.instance().clear()
    try:
        with initialize_config_module(config_module="bposim.configs", version_base="1.3"):
            hydra_loader = GlobalHydra.instance().hydra.config_loader
            master = hydra_loader.load_configuration("config", [*overrides, "hydra/sweeper=bposim"], RunMode.MULTIRUN)
            yield hydra_loader, master, SweepConfigLoader(hydra_loader)
    finally:
        GlobalHydra.instance().clear()


JOB_SWEEP = ("hydra/launcher=joblib", "hydra.sweep.dir=/tmp/sweep")


def test_each_jobs_config_is_the_one_hydra_composes():
    with sweep_loaders(*JOB_SWEEP) as (hydra_loader, master, loader):
        setup_globals()
        reused = 0
        for job in JOBS * 2:  # the second time from the kept compositions
            try:
                expected = hydra_loader.load_sweep_config(master, list(job))
            except Exception as err:
                with pytest.raises(type(err)):
                    loader.load_sweep_config(master, list(job))
                continue
            got = loader.load_sweep_config(master, list(job))
            reused += loader._reuse(master, list(job)) is not None
            assert OmegaConf.to_yaml(got) == OmegaConf.to_yaml(expected), job
            assert config_nodes(got) == config_nodes(expected), job
            for cfg in (got, expected):
                cfg.hydra.runtime.output_dir = "/tmp/sweep/job"
            HydraConfig.instance().set_config(expected)
            resolved = OmegaConf.to_container(expected, resolve=True)
            HydraConfig.instance().set_config(got)
            assert OmegaConf.to_container(got, resolve=True) == resolved, job
            got.label = "changed"  # each job gets its own copy
            assert loader.load_sweep_config(master, list(job)).label == expected.label
    assert reused >= len(JOBS)


def test_compositions_made_by_the_launching_process_serve_the_jobs_elsewhere(monkeypatch):
    # bposim-run composes each combination of config groups when it checks the sweep; the loader
    # the launcher pickles into its workers carries those compositions, so workers compose none.
    monkeypatch.setattr(jobconfig, "_composed", type(jobconfig._composed)())  # as in bposim-run
    monkeypatch.setattr(jobconfig, "_shipped", {"entries": None, "blob": None})
    with sweep_loaders(*JOB_SWEEP) as (hydra_loader, master, loader):
        loader.load_sweep_config(master, ["scheme=shared_outcome"])  # as bposim-run's check does
        job = ["scheme=shared_outcome", "client.audit_rate=0.3", "seed=4"]
        expected = OmegaConf.to_yaml(hydra_loader.load_sweep_config(master, job))
        sent = cloudpickle.dumps(loader)
        for name in ("_composed", "_repos", "_received"):  # empty, as in a new worker process
            monkeypatch.setattr(jobconfig, name, type(getattr(jobconfig, name))())

        def no_composing(*args, **kwargs):
            raise AssertionError("the job's process composed a config")

        monkeypatch.setattr(ConfigLoaderImpl, "load_configuration", no_composing)
        monkeypatch.setattr(ConfigLoaderImpl, "load_sweep_config", no_composing)
        received = pickle.loads(sent)
        assert OmegaConf.to_yaml(received.load_sweep_config(master, job)) == expected


@pytest.mark.parametrize("job", JOBS, ids=" ".join)
def test_validation_composing_with_the_sweeps_loader_agrees(job):
    # bposim-run validates with its own sweep's loader: same outcome as with bposim.compose.
    with sweep_loaders() as (_, master, loader):
        compose = lambda overrides: loader.load_sweep_config(master, list(overrides))  # noqa: E731
        with_loader = _outcome(lambda: _validate_job(job, compose))
    assert with_loader[:1] == _outcome(lambda: _validate_job(job))[:1]
    if with_loader[0] == "valid":
        assert with_loader == _outcome(lambda: _validate_job(job))


def test_the_sweeper_is_a_registered_hydra_plugin():
    from hydra.core.plugins import Plugins

    assert Plugins.instance().class_name_to_class[PLUGIN] is BposimSweeper
    assert BposimSweeper(max_batch_size=2).max_batch_size == 2


def _old_collate(sweep_dir: Path) -> pd.DataFrame:
    """Collation as it was before it was made faster: the reference for the same table."""
    frames = []
    for job in sorted(p.parent for p in sweep_dir.glob("*/summary.parquet")):
        df = pd.read_parquet(job / "summary.parquet")
        items = yaml.safe_load((job / ".hydra" / "overrides.yaml").read_text())
        given = {str(i).partition("=")[0].lstrip("+~"): str(i).partition("=")[2] for i in items}
        for i, (key, value) in enumerate([(k, v) for k, v in given.items() if k not in df.columns]):
            df.insert(i, key, value)
        df.insert(0, "job", job.name)
        frames.append(df)
    table = pd.concat(frames, ignore_index=True)
    for col in table.columns:
        if not pd.api.types.is_numeric_dtype(table[col]):
            converted = pd.to_numeric(table[col], errors="coerce")
            if converted.notna().all():
                table[col] = converted
    return table


@pytest.mark.parametrize("same_settings", [True, False])
def test_collation_gives_the_table_it_always_gave(tmp_path, same_settings):
    jobs = {"a": ["scheme=x", "client.audit_rate=0.1", "label=1"], "b": ["scheme=y", "client.audit_rate=0.25", "label=z"],
            "c": ["scheme=x", "client.audit_rate=0.5", "label=3"]}
    if not same_settings:
        jobs["c"] = ["seed=7", "+extra=2"]
    for name, overrides in jobs.items():
        (tmp_path / name / ".hydra").mkdir(parents=True)
        (tmp_path / name / ".hydra" / "overrides.yaml").write_text(yaml.safe_dump(overrides))
        pd.DataFrame({"replication": [0, 1], "seed": [7, 7], "scheme": ["x", "x"], "gaming": [0.1, 0.2]}) \
            .to_parquet(tmp_path / name / "summary.parquet", index=False)
    collate(tmp_path)
    got = pd.read_parquet(tmp_path / "sweep_summary.parquet")
    pd.testing.assert_frame_equal(got, _old_collate(tmp_path))
    if same_settings:  # otherwise a job without the setting leaves a gap: the column stays text
        assert got["client.audit_rate"].dtype.kind == "f" and got["label"].dtype.kind != "i"


@pytest.mark.slow
def test_the_bposim_sweeper_works_from_an_installed_wheel(tmp_path):
    # Built without build isolation, so no package index is needed (as tests/test_packaging.py).
    pytest.importorskip("setuptools", reason="the test extra's setuptools builds the wheel")
    wheel_dir = tmp_path / "wheel"
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                            "-w", str(wheel_dir), str(ROOT)],
                           capture_output=True, text=True)
    assert build.returncode == 0, build.stderr[-2000:]
    target = tmp_path / "site"
    inst = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--target", str(target),
                           str(next(wheel_dir.glob("bposim-*.whl")))], capture_output=True, text=True)
    assert inst.returncode == 0, inst.stderr[-2000:]
    code = ("import sys, bposim; assert bposim.__file__.startswith(sys.argv[1]), bposim.__file__;"
            "sys.argv = ['bposim-run', '-m', 'seed=1,2', 'steps=5', 'hydra/launcher=joblib',"
            " 'hydra.launcher.n_jobs=2', 'hydra.sweep.dir=s'];"
            "from bposim.cli import bposim_run; bposim_run()")
    env = {**os.environ, "PYTHONPATH": str(target)}
    out = subprocess.run([sys.executable, "-c", code, str(target)], cwd=tmp_path, env=env,
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    assert sweeper_of(tmp_path / "s") == (PLUGIN, "bposim")
    assert len(pd.read_parquet(tmp_path / "s" / "sweep_summary.parquet")) == 2
