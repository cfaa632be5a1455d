"""simulate_design: every point of a batch gives the numbers `simulate` gives for it alone."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import bposim
from bposim.config import ConfigError
from bposim.explore import batch

# (column, low, high): real-valued parameters that batch as arrays, from every section.
REAL = [
    ("client.audit_rate", 0.02, 0.4), ("client.context_sharing", 0.0, 1.0), ("client.feedback_clarity", 0.0, 1.0),
    ("client.trust_init", 0.3, 0.8), ("client.switching_cost", 0.0, 4000.0), ("client.recognition", 0.0, 1.0),
    ("vendor.risk_aversion", 0.0, 3.0), ("vendor.metric_gameability", 0.0, 1.0), ("vendor.gaming_cost", 0.0, 3.0),
    ("vendor.capacity_slack", 0.8, 1.5), ("vendor.decision_noise", 0.0, 0.1), ("vendor.trust_init", 0.3, 0.8),
    ("vendor.engagement_weight_margin", 0.0, 3.0), ("market.demand_noise", 0.0, 0.4),
    ("market.quality_noise", 0.0, 0.2), ("market.big_client_multiplier", 0.5, 4.0),
    ("shock.random_rate", 0.0, 0.1), ("shock.capacity_cut", 0.0, 0.5),
    ("vendor.discount_factor", 0.8, 0.99), ("vendor.annual_discount_rate", 0.0, 0.5),
]
# Settings that set shapes or branches: points differing in them run in separate groups.
MARKETS = [("market.n_clients", [3, 5, 1]), ("market.n_vendors", [2, 3, 1]), ("market.vendors_per_client", [1, 2, 1])]
SCHEMES = ["per_volume", "quality_weighted", "shared_outcome", "fixed_fee", "hybrid", "kpi_index", "linear"]
KPIS = [m.name for m in bposim.METRICS]


def random_design(seed: int, points: int = 12) -> pd.DataFrame:
    """Four real parameters drawn at random, two schemes, two market sizes (one of them a single
    relationship when seed % 3 == 0), two review periods and a flag: groups of several points each."""
    rng = np.random.default_rng(seed)
    chosen = rng.choice(len(REAL), size=4, replace=False)
    design = pd.DataFrame({REAL[i][0]: rng.uniform(REAL[i][1], REAL[i][2], points) for i in chosen})
    design["scheme"] = rng.choice(rng.choice(SCHEMES, 2, replace=False), points)
    market = rng.choice([0, 2] if seed % 3 == 0 else [0, 1], points)
    for column, sizes in MARKETS:
        design[column] = [sizes[k] for k in market]
    design["client.review_period"] = rng.choice([13, 4], points)
    design["client.review_reprice"] = design["client.review_period"] == 13  # a flag column, no extra groups
    return design


def overrides(row: pd.Series) -> list[str]:
    out = []
    for column, value in row.items():
        value = value.item() if hasattr(value, "item") else value
        out.append(f"{column}={value!r}" if isinstance(value, float) else f"{column}={value}")
    return out


def assert_matches_alone(result, design, base, replications):
    for i, row in design.iterrows():
        alone = bposim.simulate(base + overrides(row), replications=replications).summary
        got = result.summary[result.summary.point == i]
        assert list(got.replication) == list(range(replications))
        for column in alone.columns.drop(["replication", "seed", "scheme"]):
            np.testing.assert_allclose(got[column].to_numpy(float), alone[column].to_numpy(float),
                                       rtol=1e-12, atol=1e-12, err_msg=f"point {i}, {column}")


@pytest.mark.parametrize("seed", [1, 2, 3, 6, 9])  # 9: hybrid beside shared_outcome, markets of 1 and 3 relationships
def test_each_point_of_a_random_design_matches_simulate_alone(seed):
    design = random_design(seed)
    base = ["steps=40", "shock=surge", "shock.week=10"]
    result = bposim.simulate_design(design, base=base, replications=2)
    assert max(map(len, batch.groups_of(result.points))) >= 2, "the design batches points together"
    assert len(result.summary) == len(design) * 2
    assert list(result.summary.columns[:2]) == ["point", "replication"]
    assert set(design.columns) | set(KPIS) <= set(result.summary.columns)
    assert_matches_alone(result, design, base, 2)


def test_scheme_parameters_batch_and_hybrid_weights_group():
    qw = pd.DataFrame({"scheme.price": [1.5, 2.0, 2.5], "scheme.slope": [0.5, 1.0, 2.0], "client.audit_rate": [0.05, 0.1, 0.3]})
    assert len(batch.groups_of(batch.point_settings(qw, bposim.config.settings_from(["scheme=quality_weighted"])))) == 1
    result = bposim.simulate_design(qw, base=["scheme=quality_weighted", "steps=30"], replications=3)
    assert_matches_alone(result, qw, ["scheme=quality_weighted", "steps=30"], 3)
    hybrid = pd.DataFrame({"scheme.fixed_fee": [0.5, 0.0], "scheme.per_volume": [0.0, 0.5],
                           "scheme.quality_weighted": [0.3, 0.3], "scheme.shared_outcome": [0.2, 0.2]})
    points = batch.point_settings(hybrid, bposim.config.settings_from(["scheme=hybrid"]))
    assert len(batch.groups_of(points)) == 2, "hybrid builds its parts from its weights: one group per weighting"
    assert_matches_alone(bposim.simulate_design(hybrid, base=["scheme=hybrid", "steps=30"], replications=2),
                         hybrid, ["scheme=hybrid", "steps=30"], 2)


def test_contract_terms_and_participation_pricing_batch():
    design = pd.DataFrame({"vendor.discount_factor": [-1.0, 0.9, 0.97, -1.0], "vendor.annual_discount_rate": [0.05, 0.1, 0.2, 0.4],
                           "client.renewal_trust": [0.2, 0.4, 0.6, 0.65]})
    base = ["scheme=per_volume", "scheme.pricing=participation", "client.contract_term=13", "steps=40"]
    result = bposim.simulate_design(design, base=base, replications=2)
    assert len(batch.groups_of(result.points)) == 1
    assert_matches_alone(result, design, base, 2)


def test_points_share_arrays_unless_a_shape_or_branch_differs():
    design = pd.DataFrame({"client.audit_rate": [0.1, 0.2, 0.1, 0.2], "market.n_clients": [3, 3, 4, 4],
                           "scheme": ["per_volume", "per_volume", "per_volume", "fixed_fee"]})
    points = batch.point_settings(design, bposim.config.settings_from(None))
    assert batch.groups_of(points) == [[0, 1], [2], [3]]


def test_common_random_numbers_across_points():
    design = pd.DataFrame({"client.audit_rate": [0.1, 0.1], "vendor.risk_aversion": [1.0, 1.0]})
    s = bposim.simulate_design(design, base=["steps=20"], replications=3).summary
    kpis = s[KPIS].to_numpy()
    np.testing.assert_array_equal(kpis[:3], kpis[3:])
    assert not np.array_equal(kpis[0], kpis[1]), "replications differ from each other"


def test_chunks_and_joblib_give_identical_tables(tmp_path):
    design = random_design(4, points=6).assign(scheme="per_volume", **{"client.review_period": 13, "client.review_reprice": True})
    base = ["steps=25"]
    whole = bposim.simulate_design(design, base=base, replications=2, timeseries=True)
    tiny = bposim.simulate_design(design, base=base, replications=2, timeseries=True, max_points=2)
    assert len(batch.chunks_of(tiny.points, 2, max_points=2)) > len(batch.chunks_of(whole.points, 2))
    parallel = bposim.simulate_design(design, base=base, replications=2, timeseries=True, max_points=2, n_jobs=2)
    by_memory = bposim.simulate_design(design, base=base, replications=2, timeseries=True, chunk_bytes=40_000)
    assert len(batch.chunks_of(by_memory.points, 2, chunk_bytes=40_000)) == len(design), "one point a chunk"
    for other in (tiny, parallel, by_memory):
        pd.testing.assert_frame_equal(other.summary, whole.summary)
        pd.testing.assert_frame_equal(other.timeseries, whole.timeseries)
    assert len(whole.timeseries) == 6 * 2 * 25
    ts = whole.timeseries[(whole.timeseries.point == 3) & (whole.timeseries.replication == 1)]
    alone = bposim.simulate(base + overrides(design.iloc[3]), replications=2).timeseries
    np.testing.assert_allclose(ts[KPIS].to_numpy(), alone[alone.replication == 1][KPIS].to_numpy(), rtol=1e-12, atol=1e-12)


def test_an_interrupted_design_resumes_from_its_finished_chunks(tmp_path, monkeypatch):
    design = pd.DataFrame({"client.audit_rate": np.linspace(0.05, 0.4, 6), "market.n_clients": [3, 3, 3, 4, 4, 4]})
    args = dict(base=["steps=20"], replications=2, max_points=2, folder=tmp_path / "d")
    ran = []
    real = batch._run_chunk

    def failing(points, replications, weekly):
        if len(ran) == 2:
            raise KeyboardInterrupt
        ran.append(len(points))
        return real(points, replications, weekly)

    monkeypatch.setattr(batch, "_run_chunk", failing)
    with pytest.raises(KeyboardInterrupt):
        bposim.simulate_design(design, **args)
    assert len(list((tmp_path / "d").glob("chunk-*.parquet"))) == 2
    monkeypatch.setattr(batch, "_run_chunk", lambda *a: (ran.append(0), real(*a))[1])
    resumed = bposim.simulate_design(design, **args)
    chunks = batch.chunks_of(resumed.points, 2, max_points=2)
    assert len(chunks) == 4 and ran[2:] == [0, 0], "only the two unfinished chunks run again"
    fresh = bposim.simulate_design(design, base=["steps=20"], replications=2, max_points=2)
    pd.testing.assert_frame_equal(resumed.summary, fresh.summary)
    with pytest.raises(ConfigError, match="holds the chunks of another design"):
        bposim.simulate_design(design.iloc[:3], **args)


@pytest.mark.parametrize("design, message", [
    (pd.DataFrame({"client.audit_rat": [0.1]}), "design column client.audit_rat is not a parameter of client"),
    (pd.DataFrame({"clients.audit_rate": [0.1]}), "design column clients.audit_rate is not a bposim setting"),
    (pd.DataFrame({"replications": [3]}), "pass replications= to simulate_design"),
    (pd.DataFrame({"client.audit_rate": [0.1, 1.5]}), r"design point 1: client.audit_rate = 1.5 is out of range"),
    (pd.DataFrame({"scheme": ["per_volume", "pay_by_magic"]}), "design point 1: scheme.name = 'pay_by_magic'"),
    (pd.DataFrame(), "must be a non-empty pandas DataFrame"),
])
def test_a_bad_design_stops_before_anything_runs(design, message, monkeypatch):
    monkeypatch.setattr(batch, "_run_chunk", lambda *a: pytest.fail("ran"))
    with pytest.raises(ConfigError, match=message):
        bposim.simulate_design(design)


def test_the_batch_gives_the_reference_loops_table():
    from bposim.explore import simulate_points

    design = random_design(6, points=8)
    base = ["steps=30", "shock=surge"]
    fast = bposim.simulate_design(design, base=base, replications=2).summary
    slow = simulate_points(design, base=base, replications=2).summary
    pd.testing.assert_frame_equal(fast, slow, check_exact=False, rtol=1e-12, atol=1e-12)


def test_points_are_kept_compactly_and_made_again_exactly():
    design = random_design(2, points=10)
    base = bposim.config.settings_from(["steps=30"])
    listed = batch.point_settings(design, base)
    compact = batch.CompactPoints()
    batch.point_settings(design, base, keep=compact.add)
    assert len(compact) == len(listed) and batch.groups_of(compact) == batch.groups_of(listed)
    for made, full in zip(compact, listed):
        assert made.config == full.config
        assert made.scheme.name == full.scheme.name and made.scheme.params == full.scheme.params
        for section in batch.SECTIONS:
            assert getattr(made, section) == getattr(full, section)


def test_participation_pricing_survives_stacking_of_scheme_terms():
    from bposim.explore import simulate_points

    points = pd.DataFrame({"scheme.pricing": ["participation", "participation", "as_written"], "scheme.share": [0.47, 0.2, 0.3]})
    base = ["steps=20", "scheme=shared_outcome"]
    fast = bposim.simulate_design(points, base=base, replications=2).summary
    slow = simulate_points(points, base=base, replications=2).summary
    pd.testing.assert_frame_equal(fast, slow, check_exact=False, rtol=1e-12, atol=1e-12)
