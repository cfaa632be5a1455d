"""Exploring designs (bposim.explore, all but the batch engine): designs checked up front, SALib
samplers, the reference evaluator, the analyses (Sobol, Morris, tornado, PRIM, CART, optuna)
and bposim-explore.

Analyses are checked on a known function (an evaluator with the same contract as
simulate_design, no simulation), so their answer is known; the model runs only at small sizes.
"""

from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import bposim
from bposim.explore import DesignError, build_design, load_design, run_design, simulate_points
from bposim.explore.cli import main as explore_main
from bposim.explore.design import design_names

SHORT = ["steps=20"]


class KnownFunction:
    """An evaluator with simulate_design's contract whose KPIs are known functions of the point."""

    def __init__(self, kpis):
        self.kpis = kpis  # name -> f(frame, replication) -> array
        self.calls = 0

    def __call__(self, design, base=None, replications=1):
        self.calls += 1
        self.last = design
        parts = []
        for r in range(replications):
            part = design.reset_index(drop=True).copy()
            part.insert(0, "replication", r)
            part.insert(0, "point", np.arange(len(design)))
            for name, f in self.kpis.items():
                part[name] = f(part, r)
            parts.append(part)
        summary = pd.concat(parts, ignore_index=True).sort_values(["point", "replication"], kind="stable")
        return type("Result", (), {"summary": summary.reset_index(drop=True)})()


def spec(**kw):
    out = {"sampler": "lhs", "size": 16, "base": SHORT, "parameters": {"client": {"audit_rate": [0.05, 0.3]}}}
    out.update(kw)
    return out


# --- designs ------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad, named", [
    ({"parameters": {"client": {"nope": [0, 1]}}}, "client.nope is not a bposim parameter"),
    ({"parameters": {"client": {"audit_rate": [0, 2]}}}, "client.audit_rate bound 2 is outside its declared range [0, 1]"),
    ({"parameters": {"market": {"base_demand": [0, 10]}}}, "market.base_demand bound 0 is outside its declared range (0, inf)"),
    ({"sampler": "grid"}, "design.sampler = 'grid' is not a known sampler"),
    ({"sampler": "sobol", "size": 100}, "design.size = 100 must be a power of 2"),
    ({"kpis": ["happiness"]}, "design.kpis: 'happiness' is not a KPI"),
    ({"compare": ["per_volume", "shared_outcome"], "parameters": {"scheme": {"price": [1, 3]}}},
     "scheme.price is not a parameter of scheme shared_outcome"),
    ({"parameters": {"scheme": {"levels": ["per_volume", "barter"]}}}, "must be levels of known schemes"),
    ({"parameters": {"vendor": {"cost_substitution": [0, 5]}}}, "the effort cost must be convex"),
    ({"base": ["client.nope=1"]}, "client.nope"),
    ({"colour": "red"}, "design.colour is not a design setting"),
])
def test_a_bad_design_stops_before_anything_runs_naming_the_field(bad, named):
    with pytest.raises(DesignError) as err:
        build_design(spec(**bad))
    assert named in err.value.one_line()
    assert "\n" not in err.value.one_line()


def test_every_shipped_design_loads_and_checks():
    assert {"client_value", "gain_share_vs_quality", "best_terms", "screening", "audit_grid"} <= set(design_names())
    for name in design_names():
        d = load_design(name)
        assert d.n_points() > 0


def test_overrides_change_the_design_and_the_base():
    d = load_design("client_value", ["design.size=8", "design.parameters.client.audit_rate=[0.1,0.2]",
                                     "~design.parameters.vendor", "steps=20"])
    assert d.size == 8 and d.base == ["steps=20"]
    assert next(p for p in d.parameters if p.name == "client.audit_rate").bounds == (0.1, 0.2)
    assert not any(p.name.startswith("vendor.") for p in d.parameters)
    with pytest.raises(DesignError, match="outside its declared range"):
        load_design("client_value", ["design.parameters.client.audit_rate=[0.1,1.5]"])
    with pytest.raises(DesignError, match="not a shipped design"):
        load_design("nothing")


@pytest.mark.parametrize("sampler, size, rows", [("sobol", 8, 8 * (2 * 3 + 2)), ("morris", 5, 5 * (3 + 1)),
                                                 ("lhs", 20, 20), ("factorial", 3, 3 * 3 * 2)])
def test_samplers_give_dotted_columns_inside_the_bounds(sampler, size, rows):
    d = build_design(spec(sampler=sampler, size=size, parameters={
        "client": {"audit_rate": [0.05, 0.3], "review_period": [4, 26]},
        "scheme": {"levels": ["per_volume", "fixed_fee"]}}))
    points = d.sample()
    assert len(points) == rows == d.n_points()
    assert list(points.columns) == ["client.audit_rate", "client.review_period", "scheme"]
    assert points["client.audit_rate"].between(0.05, 0.3).all()
    assert points["client.review_period"].between(4, 26).all()
    assert pd.api.types.is_integer_dtype(points["client.review_period"])
    assert set(points["scheme"]) <= {"per_volume", "fixed_fee"}


# --- the reference evaluator ----------------------------------------------------------------------


def test_simulate_points_equals_simulate_of_each_point_alone():
    points = pd.DataFrame({"client.audit_rate": [0.05, 0.3], "scheme": ["shared_outcome", "per_volume"],
                           "scheme.price": [np.nan, 2.5]}).iloc[:, :2]
    points["market.n_clients"] = [2, 4]
    res = simulate_points(points, base=SHORT, replications=2)
    assert list(res.summary.columns[:5]) == ["point", "replication", "client.audit_rate", "scheme", "market.n_clients"]
    assert len(res.summary) == 4
    for i, row in points.iterrows():
        alone = bposim.simulate([*SHORT, f"scheme={row['scheme']}", f"client.audit_rate={row['client.audit_rate']}",
                                 f"market.n_clients={row['market.n_clients']}"], replications=2).summary
        got = res.summary[res.summary.point == i].reset_index(drop=True)
        for k in ("client_net_value", "vendor_margin", "gaming", "trust_in_vendor"):
            np.testing.assert_array_equal(got[k].to_numpy(), alone[k].to_numpy())


def test_the_batch_engine_equals_the_reference_loop():
    batch = pytest.importorskip("bposim.explore.batch", reason="the batch engine is not installed")
    d = build_design(spec(size=6, replications=2, parameters={
        "client": {"audit_rate": [0.05, 0.3], "review_period": {"levels": [0, 13]}},
        "vendor": {"metric_gameability": [0.0, 1.2]}, "scheme": {"levels": ["per_volume", "shared_outcome"]}}))
    points = d.sample()
    fast = batch.simulate_design(points, base=SHORT, replications=2).summary
    slow = simulate_points(points, base=SHORT, replications=2).summary
    for k in ("client_net_value", "vendor_margin", "gaming", "trust_in_vendor", "switches"):
        np.testing.assert_allclose(fast[k].to_numpy(), slow[k].to_numpy(), rtol=1e-12, atol=1e-9)
    assert fast[["point", "replication"]].equals(slow[["point", "replication"]])


def test_the_batch_engine_equals_the_reference_loop_with_clients_that_recognise_differently():
    # Each point draws its clients' recognition from the same stream (replication r of every
    # point sees the same numbers), scaled by its own spread; a point without one has none.
    batch = pytest.importorskip("bposim.explore.batch", reason="the batch engine is not installed")
    points = pd.DataFrame({"market.recognition_spread": [0.0, 0.4, 0.2], "client.recognition": [0.5, 0.3, 0.8]})
    base = [*SHORT, "market.n_vendors=1", "vendor.capacity_slack=0.9"]
    fast = batch.simulate_design(points, base=base, replications=2).summary
    slow = simulate_points(points, base=base, replications=2).summary
    for k in ("client_net_value", "vendor_margin", "trust_in_client", "engagement"):
        np.testing.assert_allclose(fast[k].to_numpy(), slow[k].to_numpy(), rtol=1e-12, atol=1e-9)


def test_scheme_pricing_is_a_design_setting_every_scheme_takes():
    d = build_design(spec(base=[*SHORT, "scheme=shared_outcome"], parameters={
        "scheme": {"pricing": {"levels": ["as_written", "participation"]}, "share": [0.1, 0.5]}}))
    assert [p.name for p in d.parameters] == ["scheme.pricing", "scheme.share"]
    points = d.sample().head(2)
    got = simulate_points(points, base=d.base).summary
    for i, row in points.iterrows():
        alone = bposim.simulate([*d.base, f"scheme.pricing={row['scheme.pricing']}",
                                 f"scheme.share={row['scheme.share']!r}"]).summary
        assert got.loc[i, "client_net_value"] == alone.loc[0, "client_net_value"]
    with pytest.raises(DesignError, match="scheme.pricing level 'haggle' is not allowed"):
        build_design(spec(parameters={"scheme": {"pricing": {"levels": ["haggle"]}}}))


def test_the_batch_engine_equals_the_reference_loop_under_participation_pricing():
    from bposim.explore import batch
    points = pd.DataFrame({"scheme.pricing": ["participation", "participation"], "scheme.share": [0.47, 0.2]})
    base = [*SHORT, "scheme=shared_outcome"]
    fast = batch.simulate_design(points, base=base).summary
    slow = simulate_points(points, base=base).summary
    np.testing.assert_allclose(fast["client_net_value"].to_numpy(), slow["client_net_value"].to_numpy(), rtol=1e-12)


def test_points_share_random_streams_replication_by_replication():
    # The same setting twice: the same numbers, replication by replication (common random numbers).
    points = pd.DataFrame({"client.audit_rate": [0.1, 0.2, 0.1]})
    s = simulate_points(points, base=SHORT, replications=2).summary
    a, c = s[s.point == 0], s[s.point == 2]
    np.testing.assert_array_equal(a["client_net_value"].to_numpy(), c["client_net_value"].to_numpy())
    assert not np.array_equal(a["client_net_value"].to_numpy(), s[s.point == 1]["client_net_value"].to_numpy())


def test_compare_runs_every_point_under_both_schemes_and_pairs_them():
    d = build_design(spec(size=3, replications=2, compare=["shared_outcome", "quality_weighted"]))
    run = run_design(d, evaluate=simulate_points)
    assert len(run.summary) == 3 * 2 * 2
    diffs = run.differences("client_net_value")
    s = run.summary
    for (sample, rep), grp in s.groupby(["sample", "replication"]):
        by = grp.set_index("scheme")["client_net_value"]
        got = diffs[(diffs["sample"] == sample) & (diffs.replication == rep)]["difference"].item()
        assert got == by["shared_outcome"] - by["quality_weighted"]
    np.testing.assert_allclose(run.outcome("client_net_value"), diffs.groupby("sample")["difference"].mean())


# --- analyses on known functions ----------------------------------------------------------------

THREE = {"client": {"audit_rate": [0.0, 1.0], "context_sharing": [0.0, 1.0], "recognition": [0.0, 1.0]}}


def linear(frame, r):
    return 10 * frame["client.audit_rate"] + 1 * frame["client.context_sharing"] + 0 * frame["client.recognition"]


def test_sobol_indices_rank_a_known_function():
    from bposim.explore.sensitivity import sobol_indices, tornado

    d = build_design(spec(sampler="sobol", size=256, parameters=THREE))
    run = run_design(d, evaluate=KnownFunction({"client_net_value": linear}))
    t = sobol_indices(run, "client_net_value").set_index("parameter")
    # Var = 100/12 + 1/12: S1 of audit_rate = 100/101, of context_sharing = 1/101, of recognition 0.
    assert t.loc["client.audit_rate", "S1_low"] < 100 / 101 < t.loc["client.audit_rate", "S1_high"]
    assert abs(t.loc["client.context_sharing", "ST"] - 1 / 101) < 0.01
    assert abs(t.loc["client.recognition", "ST"]) < 0.005
    tor = tornado(run, "client_net_value")
    assert tor.iloc[0]["parameter"] == "client.audit_rate"
    assert tor.iloc[0]["swing"] == pytest.approx(10 * 0.8, rel=0.05)  # mean of top fifth - bottom fifth


def test_morris_indices_in_kpi_units():
    from bposim.explore.sensitivity import morris_indices

    d = build_design(spec(sampler="morris", size=20, parameters=THREE))
    run = run_design(d, evaluate=KnownFunction({"client_net_value": linear}))
    t = morris_indices(run, "client_net_value").set_index("parameter")
    assert t.loc["client.audit_rate", "mu_star"] == pytest.approx(10)   # across the whole range
    assert t.loc["client.context_sharing", "mu_star"] == pytest.approx(1)
    assert t.loc["client.recognition", "mu_star"] == pytest.approx(0)
    assert t["sigma"].max() == pytest.approx(0, abs=1e-9)


def test_paired_difference_is_what_the_indices_read():
    from bposim.explore.sensitivity import sobol_indices

    def value(frame, r):  # scheme A beats B only through context sharing
        gain = np.where(frame["scheme"] == "shared_outcome", 5 * frame["client.context_sharing"], 0.0)
        return 3 * frame["client.audit_rate"] + gain + r

    d = build_design(spec(sampler="sobol", size=128, replications=2, parameters=THREE,
                          compare=["shared_outcome", "quality_weighted"]))
    run = run_design(d, evaluate=KnownFunction({"client_net_value": value}))
    t = sobol_indices(run, "client_net_value").set_index("parameter")
    assert t["ST"].idxmax() == "client.context_sharing"
    assert t.loc["client.audit_rate", "ST"] == pytest.approx(0, abs=1e-6)


def test_prim_and_cart_find_where_a_loses():
    from bposim.explore.discovery import cart_rules, losing_cases, prim_box

    def value(frame, r):  # shared_outcome loses where audit_rate > 0.6 and context_sharing < 0.5
        lose = (frame["client.audit_rate"] > 0.6) & (frame["client.context_sharing"] < 0.5)
        return np.where(frame["scheme"] == "shared_outcome", np.where(lose, -1.0, 1.0), 0.0)

    d = build_design(spec(size=400, parameters=THREE, compare=["shared_outcome", "quality_weighted"]))
    run = run_design(d, evaluate=KnownFunction({"client_net_value": value}))
    cases = losing_cases(run, "client_net_value")
    assert 0.1 < cases.mean() < 0.3
    box = prim_box(run.points, cases)
    assert box.coverage >= 0.5 and box.density > 0.9
    rules = box.rules.set_index("parameter")
    assert set(rules.index) == {"client.audit_rate", "client.context_sharing"}
    assert rules.loc["client.audit_rate", "low"] == pytest.approx(0.6, abs=0.05)
    assert rules.loc["client.context_sharing", "high"] == pytest.approx(0.5, abs=0.05)
    assert box.trajectory["chosen"].sum() == 1
    tree = cart_rules(run.points, cases)
    assert tree.iloc[0]["density"] == 1.0 and tree.iloc[0]["coverage"] > 0.9
    assert "client.audit_rate >" in tree.iloc[0]["rule"] and "client.context_sharing <=" in tree.iloc[0]["rule"]


def test_search_finds_the_client_optimum_and_resumes(tmp_path):
    from bposim.explore.search import best_terms, pareto_front

    f = KnownFunction({"client_net_value": lambda fr, r: -(fr["scheme.price"] - 2.0) ** 2,
                       "vendor_margin": lambda fr, r: fr["scheme.price"] - 1.0})
    terms = {"scheme.price": [0.5, 4.0]}
    t = best_terms("per_volume", terms, trials=24, batch=8, folder=tmp_path, evaluate=f)
    assert f.calls == 3  # one batch per generation
    best = t[t.best].iloc[0]
    assert abs(best["scheme.price"] - 2.0) < 0.3 and best["feasible"]
    t = best_terms("per_volume", terms, trials=32, batch=8, folder=tmp_path, evaluate=f)
    assert len(t) == 32 and f.calls == 4  # resumed: only the 8 new trials ran
    assert (tmp_path / "search.db").exists()
    # The vendor walks away below price 2.5: the client's best feasible price is at that edge.
    t = best_terms("per_volume", terms, trials=24, batch=8, min_vendor_margin=1.5, evaluate=f)
    best = t[t.best].iloc[0]
    assert best["scheme.price"] >= 2.5 and best["scheme.price"] < 2.9
    front = pareto_front("per_volume", terms, trials=24, batch=8, evaluate=f)
    on = front[front.pareto]
    # Below price 2 both parties lose as the price falls: the front lies above it, the client's
    # value falling as the vendor's margin rises along it.
    assert (on["scheme.price"] > 1.8).all() and len(on) >= 3
    along = on.sort_values("vendor_margin")
    assert (np.diff(along["client_net_value"].to_numpy()) <= 1e-12).all()
    with pytest.raises(DesignError, match="scheme.share is not a parameter of scheme per_volume"):
        best_terms("per_volume", {"scheme.share": [0, 1]}, evaluate=f)
    best_terms("per_volume", terms, trials=4, batch=4, fixed={"scheme.pricing": "participation"}, evaluate=f)
    assert set(f.last["scheme.pricing"]) == {"participation"}  # every trial under participation pricing


# --- the command --------------------------------------------------------------------------------


def test_help_lists_the_shipped_designs(capsys):
    with pytest.raises(SystemExit) as done:
        explore_main(["--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    for name in design_names():
        assert name in out


@pytest.mark.parametrize("args, named", [
    (["design=nothing"], "is not a shipped design"),
    (["design=client_value", "design.sampler=grid"], "design.sampler = 'grid' is not a known sampler"),
    (["design=client_value", "design.parameters.client.audit_rate=[0,3]"], "outside its declared range"),
    (["design=client_value", "client.audit_rate=7"], "client.audit_rate = 7"),
    (["client.audit_rate=0.2"], "give one design=NAME"),
])
def test_bad_input_is_one_line_exit_2_and_nothing_written(tmp_path, capsys, args, named):
    out = tmp_path / "report"
    assert explore_main([*args, "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert named in err and "\n" not in err and err.startswith("bposim-explore: ")
    assert not out.exists()


def test_an_out_folder_that_cannot_be_written_stops_before_anything_runs(tmp_path, capsys):
    in_the_way = tmp_path / "report"
    in_the_way.write_text("not a folder")
    assert explore_main(["design=screening", "--out", str(in_the_way)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("bposim-explore: --out = ") and "is a file" in err and "\n" not in err
    assert in_the_way.read_text() == "not a folder"


def test_a_small_design_writes_a_self_contained_report(tmp_path):
    out = tmp_path / "report"
    code = explore_main(["design=gain_share_vs_quality", "design.size=24", "design.replications=1",
                         "steps=20", "--out", str(out)])
    assert code == 0
    html = (out / "report.html").read_text()
    assert 'id="discovery"' in html and html.count("data:image/png;base64,") >= 5
    assert not re.search(r"""(src|href)=["']https?:""", html)  # opens offline
    for table in ("points", "results", "tornado", "prim_box", "prim_trajectory", "cart_rules"):
        assert len(pd.read_parquet(out / f"{table}.parquet")) == len(pd.read_csv(out / f"{table}.csv"))
    results = pd.read_parquet(out / "results.parquet")
    assert len(results) == 24 * 2 and set(results.scheme) == {"shared_outcome", "quality_weighted"}
    assert not list(out.rglob(".*.tmp"))


def test_console_script_is_declared():
    text = (__import__("pathlib").Path(__file__).resolve().parent.parent / "pyproject.toml").read_text()
    assert 'bposim-explore = "bposim.explore.cli:bposim_explore"' in text and '"bposim.explore"' in text
    done = subprocess.run([sys.executable, "-m", "bposim.explore.cli", "--help"], capture_output=True, text=True)
    assert done.returncode == 0 or "designs shipped" in done.stdout


def test_a_search_design_reports_best_terms_and_resumes_in_its_folder(tmp_path):
    out = tmp_path / "search"
    args = ["design=best_terms", "design.search.batch=4", "design.replications=1", "steps=10",
            "~design.search.terms.shared_outcome", "~design.search.terms.fixed_fee", "--out", str(out)]
    assert explore_main(["design.search.trials=4", *args]) == 0
    assert explore_main(["design.search.trials=8", *args]) == 0   # resumes: 4 more trials each
    trials = pd.read_parquet(out / "search_trials.parquet")
    assert trials.groupby("scheme").size().to_dict() == {"per_volume": 8, "quality_weighted": 8}
    best = pd.read_csv(out / "best_terms.csv")
    assert list(best.scheme) == ["per_volume", "quality_weighted"]
    assert (out / "per_volume" / "search.db").exists()
    html = (out / "report.html").read_text()
    assert 'id="best-terms"' in html and 'id="pareto"' in html and "data:image/png;base64," in html


@pytest.mark.parametrize("study", ["client_value", "gain_share_vs_quality", "best_terms"])
def test_each_explore_study_has_its_design_readme_and_figure(study):
    root = __import__("pathlib").Path(__file__).resolve().parent.parent
    text = (root / "experiments" / study / "README.md").read_text(encoding="utf-8")
    assert f"bposim-explore design={study}" in text and "**What the model shows**" in text
    assert (root / "experiments" / study / "figure.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert study in design_names()
    assert f"({study}/README.md)" in (root / "experiments" / "README.md").read_text(encoding="utf-8")
