"""What could change this answer (#14 item 4) and the paired table's pairs (#14 item 1): the
screening names a parameter that reverses the ranking where one does, --no-robustness skips it,
and the paired table is against the status quo when one is named, every pair otherwise."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from bposim.analysis.robustness import (UNCERTAIN, Effect, Robustness, Screen, SeedCheck, _flips, screened,
                                        skipped_section)
from bposim.analysis.sections import render
from bposim.compare import main as compare_main
from bposim.compare import run_comparison
from bposim.explore import simulate_design

PAIR = ["quality_weighted", "shared_outcome"]
SHORT = ["steps=52", "replications=4"]
GAMEABILITY = next(u for u in UNCERTAIN if u.name == "vendor.metric_gameability")


def _crossing() -> float:
    """A gameability at which quality_weighted and shared_outcome swap places within the band the
    screening moves it (derived, not pasted: quality_weighted pays on the quality score that
    corner-cutting inflates, shared_outcome on the business outcome it does not)."""
    ratio = GAMEABILITY.amount ** 2  # the band [g / amount, g * amount] spans this ratio
    ladder = [0.05 * ratio ** i for i in range(6)]
    design = pd.DataFrame([{"scheme": s, "vendor.metric_gameability": g} for s in PAIR for g in ladder])
    y = simulate_design(design, base=SHORT[:1], replications=4).summary.groupby("point")["client_net_value"].mean()
    diff = y.to_numpy().reshape(2, len(ladder))
    diff = diff[0] - diff[1]
    for i in range(len(ladder) - 1):
        if diff[i] * diff[i + 1] < 0:
            return math.sqrt(ladder[i] * ladder[i + 1])  # the band around it is [ladder[i], ladder[i + 1]]
    pytest.fail(f"quality_weighted minus shared_outcome keeps its sign over gameability {ladder}: {diff}")


@pytest.fixture(scope="module")
def crossing() -> float:
    return _crossing()


@pytest.fixture(scope="module")
def screened_case(crossing):
    comparison = run_comparison([f"scheme={','.join(PAIR)}", f"vendor.metric_gameability={crossing:.6g}", *SHORT])
    return comparison, comparison.robustness(trajectories=8, seeds=2)


def test_the_section_names_the_parameter_that_reverses_the_ranking(screened_case, crossing):
    comparison, section = screened_case
    assert isinstance(section, Robustness) and len(section.screens) == 1
    screen = section.screens[0]
    assert {screen.best, screen.other} == set(PAIR)
    gaming = next(e for e in screen.effects if e.parameter == "vendor.metric_gameability")
    assert gaming.flips > 0, "gameability moves the difference through zero along its Morris steps"
    assert gaming in screen.flipping and screen.effects[0].flips > 0, "parameters that flip are listed first"
    low, high = (float(x.replace("\u2212", "-")) for x in gaming.flip_at.split(" to ")) if " to " in gaming.flip_at \
        else (float(gaming.flip_at),) * 2
    assert crossing / GAMEABILITY.amount <= low <= high <= crossing * GAMEABILITY.amount
    # More gameability helps the scheme that does not pay on the score: where each comes ahead.
    assert gaming.direction == ("below" if screen.other == "quality_weighted" else "above")
    assert "vendor.metric_gameability" in screen.lead
    if not screen.tie:
        assert "vendor.metric_gameability" in section.summary and section.summary.startswith("The verdict can change")
    html, md = render(section, "html"), render(section, "md")
    for text in (html, md):
        assert "vendor.metric_gameability" in text and gaming.mu_star in text and gaming.flip_at in text
    assert "Morris, 8 trajectories" in section.size and "s in all" in section.size
    assert "independent seeds" in section.seeds


def test_the_screened_band_sits_around_the_point_inside_the_declared_range():
    comparison = run_comparison(["scheme=per_volume,fixed_fee", "vendor.outside_option=-99.9", "replications=2",
                                 "steps=4", "client.audit_rate=0.2"])
    plan = {u.name: (value, band) for u, value, band in screened(list(comparison.settings.values()))}
    value, (lo, hi) = plan["vendor.outside_option"]
    assert value == -99.9 and (lo, hi) == (-100.0, pytest.approx(-99.6)), "cut to the declared [-100, 100]"
    value, (lo, hi) = plan["vendor.metric_gameability"]
    assert lo < value < hi
    assert ("vendor.discount_factor" in plan) != ("vendor.annual_discount_rate" in plan), \
        "the vendor's horizon is screened through whichever of the two sets it"
    settings = list(comparison.settings.values())
    if all(s.scheme.pricing == "participation" for s in settings):
        assert "scheme.premium" in plan, "the premium matters at participation pricing"
    written = run_comparison(["scheme=per_volume,fixed_fee", "scheme.pricing=as_written", "replications=1", "steps=4"])
    assert "scheme.premium" not in {u.name for u, _, _ in screened(list(written.settings.values()))}, \
        "as written, the premium has no effect"


def test_a_parameter_that_differs_between_the_compared_configurations_is_not_screened():
    settings = [run_comparison([f"scheme={s}", "steps=4", "replications=1", f"vendor.risk_aversion={r}"]).settings[s]
                for s, r in (("per_volume", 1.0), ("fixed_fee", 2.0))]
    assert "vendor.risk_aversion" not in {u.name for u, _, _ in screened(settings)}


def test_flips_are_read_where_the_difference_changes_sign_along_a_step():
    # Two parameters, one trajectory: x0 moves first (0 -> 2/3), then x1; y = x0 - 0.5 crosses zero at 0.5.
    X = np.array([[0.0, 0.0], [2 / 3, 0.0], [2 / 3, 2 / 3]])
    y = X[:, 0] - 0.5
    at, side, steps = _flips(X, y, 2)
    assert at[0] == [pytest.approx(0.5)] and side[0] == [-1] and at[1] == [] and steps == [1, 1]


def test_no_robustness_skips_the_screening(tmp_path, capsys):
    out = tmp_path / "rep"
    assert compare_main(["scheme=per_volume,shared_outcome", "replications=2", "steps=8", "--no-robustness",
                         "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "robustness in" not in printed and "Not checked: the report was made with --no-robustness" in printed
    md = (out / "report.md").read_text()
    assert "## What could change this answer" in md and "Morris" not in md


def test_the_default_report_has_the_section_with_its_size_and_time(tmp_path, capsys):
    out = tmp_path / "rep"
    assert compare_main(["scheme=per_volume,shared_outcome", "replications=2", "steps=8", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "robustness in" in printed
    html = (out / "report.html").read_text()
    assert '<section id="robustness">' in html and "uncertain parameters screened (Morris" in html
    assert "s in all." in html and "independent seeds" in html
    assert html.index('id="verdict"') < html.index('id="robustness"')


# --- the paired table: the status quo, or every pair ---------------------------------------------


def test_without_a_status_quo_the_paired_table_has_every_pair_once_best_first():
    c = run_comparison(["scheme=per_volume,shared_outcome,fixed_fee", "replications=3", "steps=26"])
    pairs = c.paired[c.paired.kpi == "client_net_value"]
    assert len(pairs) == 3 and len({frozenset(p) for p in zip(pairs.scheme, pairs.baseline)}) == 3
    assert (pairs.difference > 0).all() or c.tables.card.query("kpi == 'client_net_value'")["mean"].nunique() < 3, \
        "each pair reads the one with more client net value first"
    best = c.tables.best("client_net_value")
    assert pairs.scheme.iloc[0] == best
    section = c.report().section("paired")
    assert section.heading == "Paired comparison, every pair" and section.baseline == ""
    assert [(r.name, r.against) for r in section.rows] == list(zip(pairs.scheme, pairs.baseline))
    assert "A minus B" in render(section, "html")


def test_with_a_status_quo_the_paired_table_is_against_it():
    c = run_comparison(["scheme=per_volume,shared_outcome,fixed_fee", "replications=3", "steps=26"],
                       baseline="fixed_fee")
    assert set(c.paired.baseline) == {"fixed_fee"} and set(c.paired.scheme) == {"per_volume", "shared_outcome"}
    assert c.report().section("paired").heading == "Paired comparison against fixed_fee"


# --- the verdict's sentence on robustness ---------------------------------------------------------


def _effect(parameter: str, flips: int, flip_at: str = "", direction: str = "") -> Effect:
    return Effect(parameter, parameter, "1", "0.5 to 2", "10", "5", flips, 10, flip_at, direction)


def test_the_verdict_sentence_names_what_flips_it_or_says_nothing_screened_does():
    seeds = SeedCheck("A", 4, 3, 4, tied=False)
    flips = Robustness("s", "", [Screen("A", "B", False, "", [_effect("vendor.risk_aversion", 3, "1.2 to 1.5", "above"),
                                                               _effect("market.outcome_noise", 1, "0.9", "below")]),
                                 Screen("A", "C", False, "", [_effect("vendor.risk_aversion", 0)])],
                       seed_check=seeds, screened_any=True)
    text = flips.in_a_sentence()
    assert text.startswith("What could flip it") and text.count(".") >= 1
    assert ("B comes ahead when vendor.risk_aversion is above 1.2 to 1.5 or market.outcome_noise is below 0.9"
            in text) and "other parameter" not in text
    assert "C comes ahead" not in text and "on 4 independent seeds A comes out best on 3 of 4" in text
    steady = Robustness("s", "", [Screen("A", "B", True, "", [_effect("x", 2, "1", "above")]),
                                  Screen("A", "C", False, "", [_effect("x", 0)])],
                        seed_check=SeedCheck("A", 4, 4, 4, tied=True), screened_any=True)
    text = steady.in_a_sentence()
    assert text.startswith("Nothing screened flips it") and "puts C ahead of A" in text and "B" not in text
    assert "(best or tied with the best on 4)" in text
    assert "not checked (--no-robustness)" in skipped_section().in_a_sentence()


def test_the_verdict_ends_with_the_robustness_sentence(screened_case, tmp_path, capsys):
    comparison, section = screened_case
    verdict = comparison.report(robustness=section).section("verdict")
    assert verdict.sentences[-1] == section.in_a_sentence()
    screen = section.screens[0]
    if not screen.tie and screen.flipping:
        first = screen.flipping[0]
        assert f"{first.parameter} is {first.direction} {first.flip_at}" in verdict.sentences[-1], \
            "the parameter that moves the difference most and flips it is named, with its side and flip point"
    out = tmp_path / "rep"
    assert compare_main(["scheme=per_volume,shared_outcome", "replications=2", "steps=8", "--no-robustness",
                         "--out", str(out)]) == 0
    md = (out / "report.md").read_text()
    verdict_md = md.split("## Verdict", 1)[1].split("##", 1)[0]
    assert "was not checked (--no-robustness)" in verdict_md
