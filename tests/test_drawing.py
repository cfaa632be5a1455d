"""The report's figures drawn in a forked child (#14 item 9) are the bytes this process draws,
and the report falls back to drawing them itself where it cannot fork or the child fails; the
contracts a child simulates are those this process would."""

from __future__ import annotations

import os

import pytest

from bposim.analysis import drawing
from bposim.analysis.report import _figures
from bposim.compare import run_comparison


@pytest.fixture(scope="module")
def comparison():
    return run_comparison(["scheme=per_volume,shared_outcome,fixed_fee,hybrid", "replications=3", "steps=26"])


def fresh(comparison) -> dict:
    return _figures(comparison.tables, comparison.timeseries, "client_net_value")[0]


def test_the_child_draws_the_bytes_this_process_draws(comparison):
    serial = {name: drawing.png(fig) for name, fig in fresh(comparison).items()}
    for background in ("all", "half"):
        figs = fresh(comparison)
        names = list(figs) if background == "all" else drawing.half(figs)
        job = drawing.draw_pngs(figs, names)
        assert bool(job.background) == drawing.can_fork()
        assert job.result() == serial and list(job.result()) == list(serial)


def test_without_fork_or_with_a_failing_child_this_process_draws_them(comparison, monkeypatch):
    serial = {name: drawing.png(fig) for name, fig in fresh(comparison).items()}
    monkeypatch.setattr(drawing, "can_fork", lambda: False)
    job = drawing.draw_pngs(fresh(comparison), ["fan_gaming", "two_party"])
    assert job.background == [] and job.result() == serial
    monkeypatch.undo()
    if not drawing.can_fork():
        pytest.skip("no second core to fork a child on")
    broken = fresh(comparison)
    real_png = drawing.png
    parent = os.getpid()
    monkeypatch.setattr(drawing, "png", lambda fig: real_png(fig) if os.getpid() == parent else 1 / 0)
    assert drawing.draw_pngs(broken, list(broken)).result() == serial


def test_contracts_simulated_half_in_a_forked_child_are_those_simulated_here(monkeypatch):
    import pandas as pd

    from bposim import compare

    overrides = ["scheme=per_volume,shared_outcome,fixed_fee", "client.audit_rate=0.05,0.2", "replications=3",
                 "steps=20"]
    forked = run_comparison(overrides)
    monkeypatch.setattr(compare, "can_fork", lambda: False)
    here = run_comparison(overrides)
    pd.testing.assert_frame_equal(forked.results, here.results)
    pd.testing.assert_frame_equal(forked.timeseries, here.timeseries)
    assert list(forked.settings) == list(here.settings) == forked.compared
    assert all(forked.settings[k].config == here.settings[k].config for k in here.settings)
