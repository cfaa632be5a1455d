"""The report a consultant hands over (#14 items 1-3): the verdict first (all-pairs paired
comparisons, ties named with their tie-break, the vendor's preference, the status quo), what was
run up front, and money in the client's currency with a P&L that adds up to the net value."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import bposim
from bposim.analysis.money import PL_LINES, client_pl
from bposim.analysis.verdict import indistinguishable
from bposim.compare import main as compare_main
from bposim.compare import run_comparison


@pytest.fixture(scope="module")
def tied():
    """shared_outcome and quality_weighted tie on client net value at the defaults (paired CI across
    zero; experiments/scheme_comparison/README.md)."""
    return run_comparison(["scheme=per_volume,shared_outcome,quality_weighted"])


@pytest.fixture(scope="module")
def tied_report(tied):
    return tied.report()


def test_the_report_opens_with_what_was_run_and_the_verdict(tied_report):
    ids = [s.id for s in tied_report.sections]
    assert ids[:3] == ["setup", "verdict", "summary"]
    html = tied_report.html
    assert html.index('id="setup"') < html.index('id="verdict"') < html.index('id="scorecard"')


def test_a_tie_with_the_best_is_named_with_its_tie_break(tied, tied_report):
    verdict = tied_report.section("verdict")
    top = {"shared_outcome", "quality_weighted"}  # which of the two leads is the defaults' call
    assert verdict.best in top and verdict.ties == sorted(top - {verdict.best})
    other = verdict.ties[0]
    assert verdict.lead.startswith(f"Sign {verdict.best} or {other}: they tie on client net value")
    row = tied.tables.versus(verdict.best, other, "client_net_value")
    assert indistinguishable(row) and row["ci_low"] < 0 < row["ci_high"]
    text = verdict.text
    assert "Tie-break: client's trust in vendor" in text and "gaming" in text and "vendor margin" in text
    assert "It gives more than per_volume by" in text, "the contracts it beats are named with their difference"
    assert "The vendor would rather have" in text or "The vendor also earns most" in text
    assert "No status quo was named" in text


def test_every_pair_is_compared_both_ways(tied):
    t = tied.tables
    n, k = len(t.groups), len(t.kpis)
    assert len(t.every_pair) == n * (n - 1) * k
    for a in t.groups:
        for b in t.groups:
            if a != b:
                ab, ba = t.versus(a, b, "client_net_value"), t.versus(b, a, "client_net_value")
                assert ab["difference"] == pytest.approx(-ba["difference"])
                assert ab["p_better"] == pytest.approx(1 - ba["p_better"])


def test_a_clear_winner_and_the_status_quo(tmp_path, capsys):
    out = tmp_path / "rep"
    assert compare_main(["scheme=per_volume,shared_outcome", "replications=6", "steps=52",
                         "--status-quo", "per_volume", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Sign shared_outcome: it gives the client the most net value" in printed
    assert "Against per_volume, the contract the client has today, shared_outcome gains" in printed
    pairs = pd.read_csv(out / "pairs_all.csv")
    assert set(zip(pairs.scheme, pairs.baseline)) == {("per_volume", "shared_outcome"), ("shared_outcome", "per_volume")}
    assert set(pd.read_csv(out / "paired.csv").baseline) == {"per_volume"}


def test_what_was_run_names_the_changed_settings_and_the_mechanisms():
    c = run_comparison(["scheme=per_volume,fixed_fee", "replications=2", "steps=26", "client.audit_rate=0.2",
                        "client.review_period=0", "shock=surge"])
    setup = c.report().section("setup")
    assert any(line.startswith("client.audit_rate = 0.2 (default 0.1): chance per week") for line in setup.changed)
    assert any(line.startswith("client.review_period = 0 (default 13)") for line in setup.changed)
    assert not any(line.startswith(("scheme ", "replications")) for line in setup.changed)
    text = " ".join(setup.mechanisms)
    assert "No periodic contract reviews" in text and "pressure shock from week" in text
    assert "Audits: a 20% chance each week" in text and "scheme.pricing = participation" in text
    assert setup.market.startswith("3 clients and 2 vendors") and "26 weeks, 2 replications" in setup.market
    default = run_comparison(["scheme=per_volume", "replications=2", "steps=26"]).report().section("setup")
    assert "Contract reviews every 13 weeks" in default.mechanisms[0] and "on by default" in default.mechanisms[0]


def test_money_is_shown_in_the_report_currency_and_the_tables_stay_in_model_units(tmp_path):
    args = ["scheme=per_volume,shared_outcome", "replications=3", "steps=26"]
    mu = run_comparison(args).report()
    eur = run_comparison([*args, "report.currency=EUR", "report.money_scale=1000"]).report()
    pd.testing.assert_frame_equal(mu.scorecard, eur.scorecard)  # scorecard.csv: model units, unchanged
    card = eur.section("scorecard").frame().set_index("scheme")
    assert "client net value (EUR)" in card.columns and "true quality (quality points [0, 1])" in card.columns
    m = mu.scorecard.query("scheme == 'per_volume' and kpi == 'client_net_value'")["mean"].iloc[0]
    assert card.loc["per_volume", "client net value (EUR)"].startswith(f"{m * 1000:,.0f}".replace("-", "\u2212"))
    assert "EUR" in eur.section("verdict").text and "MU" not in eur.section("verdict").text
    pl = eur.section("client-pl")
    assert pl.currency == "EUR" and [c.key for c in pl.columns] == [line for line, _, _ in PL_LINES]
    assert "5,000.00 EUR an hour" in pl.note, "oversight hours priced at client.hourly_cost (5 MU = 5,000 EUR)"
    assert "Money in EUR" in eur.markdown.split("## Scorecard", 1)[1].split("##", 1)[0]
    assert "EUR" in eur.readings["two_party"] and "MU" not in eur.readings["two_party"]
    assert "(EUR, total over 26 weeks)" in eur.figures["two_party"].axes[0].get_xlabel()


def test_a_what_ifs_response_and_heatmap_figures_show_money_in_the_report_currency():
    args = ["scheme=per_volume", "client.audit_rate=0.05,0.2", "replications=2", "steps=26"]
    mu = run_comparison(args).report().figures["response"].axes[0]
    eur = run_comparison([*args, "report.currency=EUR", "report.money_scale=1000"]).report().figures["response"].axes[0]
    assert "(EUR, total over 26 weeks)" in eur.get_ylabel() and "MU" in mu.get_ylabel()
    # The same means and CIs, at 1,000 EUR a model unit: the plotted data span scales by 1,000.
    np.testing.assert_allclose(eur.dataLim.intervaly, 1000 * mu.dataLim.intervaly, rtol=1e-9)
    heat = run_comparison(["scheme=per_volume", "client.audit_rate=0.05,0.2", "vendor.metric_gameability=0.5,0.9",
                           "replications=2", "steps=26", "report.currency=EUR"]).report().figures["heatmap"]
    assert "(EUR, total over 26 weeks)" in heat.axes[-1].get_ylabel()


def test_money_settings_are_checked():
    with pytest.raises(bposim.ConfigError, match=r"report.money_scale = 0.0 is out of range"):
        bposim.compose(["report.money_scale=0"])


def test_the_client_pl_adds_up_and_its_value_is_the_recorded_value_of_the_work():
    cfg = bposim.compose(["scheme=quality_weighted", "steps=40", "client.review_period=4", "record.relationships=all"])
    result = bposim.simulate(cfg, replications=3)
    pl = client_pl(result.summary.assign(scheme="quality_weighted"), {"quality_weighted": result.settings}, "scheme")
    net = pl.value - pl.payments - pl.oversight - pl.damage - pl.switching - pl.in_house
    np.testing.assert_allclose(net, pl.net, rtol=1e-9, atol=1e-6)
    value = result.relationships.groupby("replication")["client_value"].sum().to_numpy()
    np.testing.assert_allclose(pl.value.to_numpy(), value, rtol=1e-9)
    assert (pl.switching > 0).any(), "monthly reviews switch vendors, so the switching line is exercised"
