"""A run imports only what it uses (#14 item 9): `simulate`, `simulate_design` and `bposim-compare`'s
set-up step bposim.weekly.WeeklyModel without importing Mesa (a third of the command's start-up),
with the numbers of Mesa's BPOModel, which is still there when asked for."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd

import bposim
from bposim.config import compose, validate
from bposim.weekly import WeeklyModel, stepping_model


def _fresh(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, check=True)
    return done.stdout.strip()


def test_simulating_and_comparing_do_not_import_mesa_until_bpomodel_is_asked_for():
    printed = _fresh("""
        import sys
        import pandas as pd
        import bposim
        import bposim.compare
        bposim.simulate(["steps=3"], replications=5)
        bposim.simulate_design(pd.DataFrame({"client.audit_rate": [0.1, 0.2]}), base=["steps=3"], replications=2)
        before = "mesa" in sys.modules
        bposim.BPOModel
        print(before, "mesa" in sys.modules)
    """)
    assert printed == "False True"


def _summary(model, steps: int) -> pd.DataFrame:
    for _ in range(steps):
        model.advance_week()
    return model.recorder.summary(range(model.replications))


def test_the_model_without_mesa_gives_bpomodels_numbers():
    settings = validate(compose(["steps=30", "client.review_period=13"]))
    ours = _summary(WeeklyModel(settings, settings.config.seed, replications=6), settings.config.steps)
    mesa = _summary(bposim.BPOModel(settings, replications=6, collect=False, engine="array"), settings.config.steps)
    pd.testing.assert_frame_equal(ours, mesa)


def test_a_handful_of_relationships_still_steps_as_mesa_agents():
    tiny = validate(compose(["market.n_clients=1", "market.n_vendors=1", "steps=6"]))
    model = stepping_model(tiny, replications=2)
    assert isinstance(model, bposim.BPOModel) and model.engine.name == "agents"
    arrays = stepping_model(tiny, replications=50)
    assert type(arrays) is WeeklyModel and arrays.engine.name == "array"
    a = _summary(model, 6)
    b = _summary(bposim.BPOModel(tiny, replications=2, collect=False, engine="array"), 6)
    np.testing.assert_allclose(a.drop(columns="replication").to_numpy(float),
                               b.drop(columns="replication").to_numpy(float), rtol=1e-9, atol=1e-9)
