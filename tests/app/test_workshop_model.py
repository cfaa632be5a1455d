"""WorkshopModel: the model the page steps, one contract or two on the same random streams.

Pinned here: a seed reproduces a run; panes A and B share every random stream, so they differ
only where the contracts (or B's changed practices) do; a step is one week of every contract on
Mesa's clock; and what the panes read (series, network, totals, titles) is consistent with the
contracts' own state. One mechanism is checked through the page's model itself, and pane A is
shown to be replication 0 of `bposim.simulate` with the same settings, which is what the
lesson tests (tests/app/test_lessons.py) run.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest

import bposim
from bposim.app.levers import BY_NAME, DEFAULTS, model_overrides
from bposim.app.model import FOOTER, WorkshopModel
from bposim.app.plots import RECENT_SWITCH
from bposim.config import keyword_overrides
from bposim.metrics import ALL, METRIC_NAMES

pytestmark = pytest.mark.slow

SEED = 3
WEEKS = 156
NAMES = [m.name for m in ALL]
# Vendor switches happen under per-volume pay with quarterly reviews: the reviews catch the
# corner-cutting and end contracts (seed 0: 15 switches over the run, the first in week 26).
SWITCHING = dict(scheme="per_volume", quarterly_reviews=True)


def stepped(model: WorkshopModel, weeks: int) -> WorkshopModel:
    for _ in range(weeks):
        model.step()
    return model


def assert_same_series(one: dict, other: dict, what: str) -> None:
    assert set(one) == set(other)
    for name in one:
        np.testing.assert_array_equal(one[name], other[name], err_msg=f"{what}: {name}")


# --- reproducibility and common random numbers --------------------------------------------------


def test_same_seed_gives_identical_series():
    levers = dict(scheme="hybrid", pressure_shock=True, compare=True, scheme_b="per_volume")
    first = stepped(WorkshopModel(**levers, rng=SEED), 80)
    again = stepped(WorkshopModel(**levers, rng=SEED), 80)
    for pane in ("A", "B"):
        assert_same_series(first.series(pane), again.series(pane), f"pane {pane}")


def test_another_seed_gives_another_run():
    one = stepped(WorkshopModel(rng=SEED), 20).series("A")
    other = stepped(WorkshopModel(rng=SEED + 1), 20).series("A")
    assert not np.array_equal(one["demand"], other["demand"])


def test_rng_none_is_seed_zero():
    """SolaraViz may pass rng=None; the page's run must still be reproducible."""
    assert_same_series(stepped(WorkshopModel(rng=None), 10).series("A"),
                       stepped(WorkshopModel(rng=0), 10).series("A"), "rng=None vs rng=0")


def test_b_identical_to_a_gives_identical_panes_week_by_week():
    """With nothing to tell them apart, A and B are the same run: B draws every random number
    A draws (common random numbers), not a stream of its own."""
    model = WorkshopModel(scheme="quality_weighted", compare=True, scheme_b="quality_weighted", rng=SEED)
    for week in range(1, WEEKS + 1):
        model.step()
        a, b = model.series("A"), model.series("B")
        for name in NAMES:
            assert a[name][-1] == b[name][-1], f"week {week}: {name} A {a[name][-1]!r} B {b[name][-1]!r}"


def test_a_different_scheme_b_gives_a_different_run():
    model = stepped(WorkshopModel(scheme="per_volume", compare=True, scheme_b="shared_outcome", rng=SEED), 52)
    a, b = model.series("A"), model.series("B")
    for name in ("gaming", "payments", "vendor_margin", "client_net_value"):
        assert not np.array_equal(a[name], b[name]), name


def test_a_and_b_see_the_same_luck_under_different_schemes():
    """The demand the clients send comes from the shared streams, whatever the contract."""
    model = stepped(WorkshopModel(scheme="per_volume", compare=True, scheme_b="shared_outcome",
                                  pressure_shock=True, rng=SEED), WEEKS)
    np.testing.assert_array_equal(model.series("A")["demand"], model.series("B")["demand"])


def test_b_changes_apply_to_b_only():
    model = WorkshopModel(compare=True, scheme_b="per_volume", b_changes={"context_sharing": 0.9}, rng=SEED)
    assert model.contracts["B"].settings.client.context_sharing == 0.9
    assert model.contracts["A"].settings.client.context_sharing == DEFAULTS["context_sharing"] == 0.5
    assert model.levers_b["context_sharing"] == 0.9
    assert model.levers["context_sharing"] == 0.5


def test_b_changes_alone_make_b_differ_from_a():
    model = stepped(WorkshopModel(scheme="hybrid", context_sharing=0.1, compare=True, scheme_b="hybrid",
                                  b_changes={"context_sharing": 0.9}, rng=SEED), 52)
    assert not np.array_equal(model.series("A")["context"], model.series("B")["context"])


def test_b_runs_scheme_b_and_a_runs_scheme():
    model = WorkshopModel(scheme="fixed_fee", compare=True, scheme_b="hybrid", rng=SEED)
    assert model.contracts["A"].settings.scheme.name == "fixed_fee"
    assert model.contracts["B"].settings.scheme.name == "hybrid"


def test_without_compare_there_is_pane_a_only():
    assert list(WorkshopModel(rng=SEED).contracts) == ["A"]


def test_pane_a_is_replication_0_of_simulate_with_the_same_settings():
    """The lesson tests check their claims with bposim.simulate; the page shows replication 0
    of those very runs (same seed, same overrides), not a look-alike."""
    levers = dict(DEFAULTS, scheme="hybrid", pressure_shock=True, recognition=0.0)
    model = stepped(WorkshopModel(**levers, rng=SEED), WEEKS)
    overrides = keyword_overrides(dict(model_overrides(levers)))
    timeseries = bposim.simulate([*overrides, f"seed={SEED}"], replications=3).timeseries
    first = timeseries[timeseries.replication == 0].sort_values("step")
    series = model.series("A")
    for name in METRIC_NAMES:
        np.testing.assert_array_equal(first[name].to_numpy(), series[name], err_msg=name)


# --- stepping -----------------------------------------------------------------------------------


def test_step_advances_every_contract_one_week():
    model = WorkshopModel(compare=True, rng=SEED)
    for week in range(1, 6):
        model.step()
        assert model.week == week
        assert [c.week for c in model.contracts.values()] == [week, week]


def test_step_advances_mesas_clock():
    """SolaraViz reads the model's time and step count ("Time: n" on the page)."""
    model = WorkshopModel(rng=SEED)
    assert (model.time, model.steps) == (0, 0)
    stepped(model, 4)
    assert (model.time, model.steps) == (4, 4)


def test_running_turns_false_after_156_weeks():
    model = WorkshopModel(compare=True, rng=SEED)
    assert model.steps_total == WEEKS
    stepped(model, WEEKS - 1)
    assert model.running
    model.step()
    assert not model.running
    assert not any(c.running for c in model.contracts.values())
    assert model.week == WEEKS


# --- what the panes read ------------------------------------------------------------------------


@pytest.mark.parametrize("weeks", [0, 1, 7])
def test_series_has_one_value_a_week_for_every_metric(weeks):
    model = stepped(WorkshopModel(compare=True, rng=SEED), weeks)
    for pane in ("A", "B"):
        series = model.series(pane)
        assert list(series) == NAMES
        assert all(len(values) == weeks for values in series.values())


def test_totals_count_the_weeks_events_of_every_relationship():
    # Counted here from the contracts' own weekly state, not from the series the totals read.
    model = WorkshopModel(**SWITCHING, compare=True, rng=0)
    counted = {pane: dict.fromkeys(FOOTER, 0.0) for pane in ("A", "B")}
    for _ in range(60):
        model.step()
        for pane, contract in model.contracts.items():
            for name in FOOTER:
                counted[pane][name] += float(np.asarray(getattr(contract.state, name)).sum())
    for pane in ("A", "B"):
        totals = model.totals(pane)
        assert list(totals) == list(FOOTER)
        for name in FOOTER:
            assert totals[name] == pytest.approx(counted[pane][name]), name
    assert model.totals("A")["switches"] > 0  # the footer counts the switches the scenario has


@pytest.mark.parametrize("weeks", [0, 30])
def test_network_has_one_entry_per_relationship_client_and_vendor(weeks):
    model = stepped(WorkshopModel(compare=True, rng=SEED), weeks)
    for pane, contract in model.contracts.items():
        net = model.network(pane)
        n, n_clients, n_vendors = contract.n_relationships, len(contract.clients), len(contract.vendors)
        for key in ("client_of", "vendor_id", "trust_in_vendor", "volume_share", "gaming"):
            assert net[key].shape == (n,), key
        for key in ("client_trust", "client_size"):
            assert net[key].shape == (n_clients,), key
        assert net["vendor_trust"].shape == (n_vendors,)
        np.testing.assert_array_equal(net["client_of"], contract.client_of)
        np.testing.assert_array_equal(net["vendor_id"], contract.state.vendor_id[0])
        assert set(net["vendor_id"]) <= set(range(n_vendors))


def test_network_values_are_on_the_scales_the_figure_draws():
    """Trust is a colour on [0, 1]; sizes and volumes are shares of the largest."""
    model = stepped(WorkshopModel(**SWITCHING, rng=0), 60)
    net = model.network("A")
    for key in ("trust_in_vendor", "client_trust", "vendor_trust", "gaming"):
        assert np.all((net[key] >= 0) & (net[key] <= 1)), key
    assert net["client_size"].max() == 1.0 and net["client_size"].min() > 0
    assert net["volume_share"].max() == pytest.approx(1.0) and net["volume_share"].min() >= 0


def test_vendor_trust_is_the_mean_trust_in_client_over_the_vendors_relationships():
    model = stepped(WorkshopModel(rng=SEED), 30)
    net, state = model.network("A"), model.contracts["A"].state
    for vendor in range(len(model.contracts["A"].vendors)):
        served = net["vendor_id"] == vendor
        if served.any():
            assert net["vendor_trust"][vendor] == pytest.approx(state.trust_in_client[0][served].mean())


def test_recent_switch_marks_the_clients_that_changed_vendor_within_13_weeks():
    """Watching vendor_id from outside, week by week: a client is marked from the week its
    relationship moves to another vendor until RECENT_SWITCH weeks later, and only then."""
    model = WorkshopModel(**SWITCHING, compare=True, rng=0)
    contract = model.contracts["A"]
    switched_in = np.full(contract.n_relationships, -np.inf)
    marked_weeks = 0
    while model.running:
        before = contract.state.vendor_id[0].copy()
        model.step()
        switched_in[contract.state.vendor_id[0] != before] = model.week
        np.testing.assert_array_equal(model.last_switch["A"], switched_in)
        expected = np.unique(contract.client_of[model.week - switched_in <= RECENT_SWITCH])
        recent = model.network("A")["recent_switch"]
        np.testing.assert_array_equal(recent, expected, err_msg=f"week {model.week}")
        marked_weeks += len(recent) > 0
    assert RECENT_SWITCH == 13
    assert np.isfinite(switched_in).any(), "the scenario should switch vendors at least once"
    assert 0 < marked_weeks < WEEKS


def test_a_switch_counted_in_the_metrics_is_a_change_of_vendor():
    """The `switches` series and the network's vendor changes tell the same story each week."""
    model = WorkshopModel(**SWITCHING, rng=0)
    contract = model.contracts["A"]
    while model.running:
        before = contract.state.vendor_id[0].copy()
        model.step()
        moved = int((contract.state.vendor_id[0] != before).sum())
        assert model.series("A")["switches"][-1] == moved, f"week {model.week}"


def test_recent_switches_are_kept_per_pane():
    """B's switches (or their absence) do not mark A's network, and vice versa."""
    model = stepped(WorkshopModel(**SWITCHING, compare=True, scheme_b="shared_outcome", rng=0), 30)
    assert not np.array_equal(model.last_switch["A"], model.last_switch["B"])


def test_describe_names_the_scheme_of_each_pane_and_bs_changes():
    model = WorkshopModel(scheme="per_volume", compare=True, scheme_b="shared_outcome",
                          b_changes={"context_sharing": 0.9, "quarterly_reviews": False}, rng=SEED)
    assert model.describe("A") == "A: per volume"
    b = model.describe("B")
    assert b.startswith("B: shared outcome")
    assert "context sharing 0.9" in b
    assert "quarterly reviews off" in b


def test_describe_of_b_without_changes_is_its_scheme():
    model = WorkshopModel(compare=True, scheme_b="fixed_fee", rng=SEED)
    assert model.describe("B") == "B: fixed fee"


def test_running_with_names_the_seed_and_every_practice_lever():
    line = WorkshopModel(audit_rate=0.25, pressure_shock=True, rng=7).running_with()
    assert line.startswith("seed 7")
    assert "audit intensity 0.25" in line and "pressure shock (weeks 53-60) on" in line


# --- bad values -------------------------------------------------------------------------------


def test_a_bad_lever_value_names_the_lever_and_its_range():
    lever = BY_NAME["audit_rate"]
    with pytest.raises(ValueError, match="audit_rate") as error:
        WorkshopModel(audit_rate=2)
    assert f"[{lever.low}, {lever.high}]" in str(error.value)


def test_a_bad_value_in_b_changes_names_the_lever():
    with pytest.raises(ValueError, match="recognition"):
        WorkshopModel(compare=True, b_changes={"recognition": 1.5})


def test_an_unknown_lever_in_b_changes_is_named():
    with pytest.raises(ValueError, match="context_share"):
        WorkshopModel(compare=True, b_changes={"context_share": 0.9})


# --- a mechanism, through the page's own model ------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_per_volume_without_reviews_games_more_than_shared_outcome(seed):
    """Pay per unit and nobody looks again until the term ends: every unit counted pays and nothing
    pays for quality. A share of the client's outcome pays nothing for a gamed count, and for
    quality through the outcome (the corners lesson, on the page's own runs)."""
    model = stepped(WorkshopModel(scheme="per_volume", quarterly_reviews=False, compare=True,
                                  scheme_b="shared_outcome", rng=seed), WEEKS)
    a, b = model.series("A"), model.series("B")
    per_volume, shared = a["gaming"].mean(), b["gaming"].mean()
    assert per_volume > shared, f"mean gaming per_volume {per_volume:.3f}, shared_outcome {shared:.3f}"
    quality = a["true_quality"].mean(), b["true_quality"].mean()
    assert quality[0] < quality[1] - 0.1, f"mean true quality per_volume {quality[0]:.3f}, shared_outcome {quality[1]:.3f}"


def test_the_big_client_of_the_pressure_lesson_is_the_biggest_on_the_pages_seed():
    from bposim.app.page import SEED as PAGE_SEED

    assert WorkshopModel(rng=PAGE_SEED).network("A")["client_size"].argmax() == 0


def test_b_changes_are_checked_even_when_b_is_off():
    """A lesson's change for B with an unknown lever or a value out of range is refused at once."""
    with pytest.raises(ValueError, match="context_shring"):
        WorkshopModel(b_changes={"context_shring": 0.9})
    with pytest.raises(ValueError, match=r"recognition.*\[0.0, 1.0\]"):
        WorkshopModel(b_changes={"recognition": 3.0})


def test_models_of_the_same_levers_share_their_settings_and_a_run_leaves_them_as_they_were():
    """Settings are composed once per server (app.model.contract_settings); a model only reads
    them, so a model built after another has run gives the run a fresh composition gives."""
    levers = dict(DEFAULTS, scheme="hybrid", compare=True)
    first = stepped(WorkshopModel(**levers, rng=SEED), WEEKS)
    again = stepped(WorkshopModel(**levers, rng=SEED), WEEKS)
    assert again.contracts["A"].settings is first.contracts["A"].settings
    fresh = bposim.BPOModel(rng=SEED, collect=False, engine="array", **model_overrides(levers))
    for _ in range(WEEKS):
        fresh.advance_week()
    assert fresh.settings is not first.contracts["A"].settings
    for pane in ("A", "B"):
        assert_same_series(again.series(pane), first.series(pane), pane)
    np.testing.assert_array_equal(fresh.recorder.weekly(), first.contracts["A"].recorder.weekly())


def test_sessions_building_the_same_new_contract_at_once_compose_it_once(monkeypatch):
    from bposim.app import model as app_model
    calls = []
    real = app_model.settings_from
    monkeypatch.setattr(app_model, "settings_from", lambda *a: calls.append(a) or real(*a))
    levers = dict(DEFAULTS, scheme="hybrid", audit_rate=0.35)  # no other test builds these levers
    threads = [threading.Thread(target=WorkshopModel, kwargs={**levers, "rng": SEED}) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1
