"""`bposim-compare` takes comma lists for any parameter (#14 item 5): a factorial of schemes and
settings as `bposim-run -m` reads it, every combination compared and named in the words of its
factors; a bad value anywhere in it is one line naming the field, exit 2, before anything runs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from bposim.compare import factorial
from bposim.compare import main as compare_main
from bposim.compare import run_comparison

BIN = Path(sys.executable).parent
SHORT = ["replications=3", "steps=26"]


def test_comma_lists_make_a_factorial_as_bposim_run_m_reads_it():
    factors, shared = factorial(["scheme=per_volume,fixed_fee", "client.audit_rate=0.05,0.2", "steps=26",
                                 "vendor.metric_gameability=range(0.2,0.6,0.3)"])
    assert factors == [("scheme", ["per_volume", "fixed_fee"]), ("client.audit_rate", ["0.05", "0.2"]),
                       ("vendor.metric_gameability", ["0.2", "0.5"])]
    assert shared == ["steps=26"]
    assert factorial(["client.audit_rate=0.05,0.2"])[0][0][0] == "scheme", "default: the business schemes"
    assert factorial(["scheme=per_volume", "client.audit_rate=0.05,0.2"]) == (
        [("client.audit_rate", ["0.05", "0.2"])], ["scheme=per_volume"])


def test_one_scheme_at_two_audit_rates_compares_the_two_rates(tmp_path, capsys):
    out = tmp_path / "rep"
    assert compare_main(["scheme=quality_weighted", "client.audit_rate=0.05,0.2", *SHORT, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("bposim-compare: 2 values of client.audit_rate x 3 replications")
    card = pd.read_csv(out / "scorecard.csv")
    assert sorted(set(card["client.audit_rate"])) == [0.05, 0.2]
    results = pd.read_parquet(out / "results.parquet")
    assert set(results.scheme) == {"quality_weighted"} and len(results) == 6
    assert sorted(p.name for p in (out / "configs").iterdir()) == ["client.audit_rate-0.05.yaml",
                                                                  "client.audit_rate-0.2.yaml"]
    verdict = next(line for line in printed.splitlines() if line.startswith("Choose client.audit_rate = "))
    assert "contract" not in verdict.split("No status quo")[0]


def test_schemes_times_settings_compares_every_combination(tmp_path):
    c = run_comparison(["scheme=per_volume,shared_outcome", "client.audit_rate=0.05,0.2", *SHORT],
                       baseline="per_volume, client.audit_rate = 0.05")
    names = ["per_volume, client.audit_rate = 0.05", "per_volume, client.audit_rate = 0.2",
             "shared_outcome, client.audit_rate = 0.05", "shared_outcome, client.audit_rate = 0.2"]
    assert c.compared == names and c.replications == 3
    t = c.tables
    assert t.groups == names and t.others == [], "the factors are compared, not pooled"
    assert len(t.every_pair) == 4 * 3 * len(t.kpis)
    rep = c.report()
    verdict = rep.section("verdict")
    assert verdict.best in names and verdict.lead.startswith(("Sign " + verdict.best))
    assert "the contract the client has today" in verdict.text
    assert rep.section("client-pl") is not None, "the P&L is per combination"
    # Each combination ran with its own values, on the same random streams.
    for name, s in c.settings.items():
        scheme, rate = name.split(", client.audit_rate = ")
        assert s.scheme.name == scheme and s.client.audit_rate == float(rate)
    pv = c.results[c.results.scheme == "per_volume"]
    assert pv.groupby("client.audit_rate").size().to_dict() == {0.05: 3, 0.2: 3}
    seeds = c.robustness(trajectories=2, seeds=2)  # the seed check re-runs the combinations by name
    assert f"{verdict.best} comes out best" in seeds.text


BAD = {
    "an unknown field in a list": (["client.audit_rat=0.05,0.2"], "client.audit_rat is not a parameter of client"),
    "a value out of range in a list": (["client.audit_rate=0.05,2"], "client.audit_rate = 2.0 is out of range"),
    "an unknown scheme in a list": (["scheme=per_volume,nope"], "scheme = 'nope' is not a known scheme"),
    "an interval sweep": (["client.audit_rate=interval(0,1)"], "client.audit_rate=interval(0,1): an interval sweep"),
    "a baseline not compared": (["client.audit_rate=0.05,0.2", "--baseline", "0.3"], "--baseline '0.3' is not among"),
    "an override that does not parse": (["client.audit_rate=[0.1,"], "client.audit_rate: cannot read the override"),
    "a bad value given before a good one": (["steps=abc", "steps=26"], "steps = 'abc' must be a whole number"),
}


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_a_config_error_is_one_line_naming_the_field_exit_2(case, tmp_path, capsys):
    args, message = BAD[case]
    out = tmp_path / "rep"
    extra = "steps=26" if args[0].startswith("scheme") else "scheme=per_volume"
    assert compare_main([extra, *args, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("bposim-compare: ") and err.count("\n") == 1, err
    assert message in err
    assert not out.exists() or not any(out.rglob("*.html")), "nothing is written"


def test_the_command_prints_no_traceback_for_a_comma_list_error(tmp_path):
    exe = BIN / "bposim-compare"
    run = subprocess.run([str(exe), "scheme=quality_weighted", "client.audit_rate=0.05,7", "--out", str(tmp_path / "r")],
                         capture_output=True, text=True)
    assert run.returncode == 2 and "Traceback" not in run.stderr and "Traceback" not in run.stdout
    assert run.stderr.strip().splitlines() == [run.stderr.strip()] and "client.audit_rate = 7.0" in run.stderr


def test_options_may_stand_between_the_overrides(tmp_path, capsys):
    """As a new user writes it: the status quo named in the middle, the run's size after it (argparse's
    plain parse had refused 'replications=2 steps=4' as unrecognized arguments)."""
    out = tmp_path / "rep"
    assert compare_main(["scheme=per_volume,shared_outcome", "--baseline", "per_volume", "replications=2", "steps=4",
                         "--no-robustness", "--out", str(out)]) == 0
    assert "2 contracts x 2 replications" in capsys.readouterr().out
    assert set(pd.read_csv(out / "paired.csv").baseline) == {"per_volume"}
