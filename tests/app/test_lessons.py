"""The lessons say what the model does: every claim a facilitator reads out is checked here.

A lesson sets contract A's levers and what contract B does differently, and states what the room
will see (`expect`: a metric is "higher" or "lower" under B than under A, mean over the lesson's
`window`). Each claim is its own test: A and B run 20 replications each on common random
numbers (the same seed, so the same demand, shocks, breaks and audit dice), and the paired mean
difference B - A must have the claimed sign with its 95% confidence interval excluding 0.
The page runs replication 0 of exactly these runs (tests/app/test_workshop_model.py pins that).

The rest pins what the page relies on: every lesson builds a model, compares A/B, reads out in
two or three sentences and asks one question, and together they cover the article's six points.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import bposim
from bposim.app.lessons import BY_KEY, FREE_PLAY, LESSONS
from bposim.app.levers import BY_NAME, model_overrides
from bposim.app.model import WorkshopModel
from bposim.config import keyword_overrides
from bposim.metrics import METRIC_NAMES

pytestmark = pytest.mark.slow

REPS = 20
SEED = 0  # the page's seed (bposim.app.page.SEED): replication 0 is the run the room sees
CONFIDENCE = 0.95
DIRECTIONS = {"higher": 1.0, "lower": -1.0}

CLAIMS = [pytest.param(lesson.key, metric, direction, id=f"{lesson.key}-{metric}-{direction}")
          for lesson in LESSONS for metric, direction in lesson.expect]
KEYS = [lesson.key for lesson in LESSONS]


# --- helpers ------------------------------------------------------------------------------------


@lru_cache(maxsize=None)
def timeseries(key: str, pane: str) -> pd.DataFrame:
    """Weekly market values of one lesson's contract over REPS replications (run once per session)."""
    overrides = keyword_overrides(dict(model_overrides(BY_KEY[key].pane_levers(pane))))
    return bposim.simulate([*overrides, f"seed={SEED}"], replications=REPS).timeseries


def window_means(frame: pd.DataFrame, metric: str, window: tuple[int, int] | None) -> pd.Series:
    """Per replication, the mean of `metric` over weeks (first, last] (steps count from 1)."""
    if window is not None:
        first, last = window
        frame = frame[(frame.step > first) & (frame.step <= last)]
    return frame.groupby("replication")[metric].mean().sort_index()


def paired_difference(key: str, metric: str) -> tuple[float, float, float]:
    """Mean of B - A over paired replications, and its 95% confidence interval."""
    lesson = BY_KEY[key]
    a = window_means(timeseries(key, "A"), metric, lesson.window)
    b = window_means(timeseries(key, "B"), metric, lesson.window)
    assert list(a.index) == list(b.index) == list(range(REPS))
    diff = (b - a).to_numpy()
    mean = float(diff.mean())
    half = float(stats.t.ppf(0.5 + CONFIDENCE / 2, len(diff) - 1) * diff.std(ddof=1) / np.sqrt(len(diff)))
    return mean, mean - half, mean + half


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s]


# --- the claims hold in the model ---------------------------------------------------------------


@pytest.mark.parametrize("key, metric, direction", CLAIMS)
def test_lesson_claim_holds_over_20_paired_replications(key, metric, direction):
    """B's `metric` is `direction` than A's: the paired mean difference has that sign, and its
    95% confidence interval excludes zero."""
    mean, low, high = paired_difference(key, metric)
    sign = DIRECTIONS[direction]
    window = BY_KEY[key].window or "the whole run"
    assert sign * low > 0 and sign * high > 0, (
        f"{key}: {metric} should be {direction} under B than A over {window}; "
        f"B - A = {mean:.4g}, 95% CI [{low:.4g}, {high:.4g}]")


def test_stakeholders_question_holds_b_escalates_far_more_often():
    """The question starts from a fact: "B's stakeholders escalate far more often" (at least twice A's rate)."""
    lesson = BY_KEY["stakeholders"]
    a = window_means(timeseries("stakeholders", "A"), "escalations", lesson.window)
    b = window_means(timeseries("stakeholders", "B"), "escalations", lesson.window)
    assert b.mean() >= 2.0 * a.mean(), f"escalations A {a.mean():.4g}, B {b.mean():.4g}"


def test_corners_question_holds_both_vendors_are_priced_to_the_same_premium():
    """"Both vendors are priced to earn the same premium": both panes run participation pricing
    with one scheme.premium."""
    priced = set()
    for pane in ("A", "B"):
        overrides = keyword_overrides(dict(model_overrides(BY_KEY["corners"].pane_levers(pane))))
        scheme = bposim.compose(overrides).scheme
        priced.add((scheme.pricing, scheme.premium))
    assert len(priced) == 1 and next(iter(priced))[0] == "participation", priced


def test_reviews_question_holds_the_client_net_value_does_not_rise():
    """"Yet the client's net value does not rise": B - A is not above zero with 95% confidence."""
    mean, low, high = paired_difference("reviews", "client_net_value")
    assert low <= 0.0, f"B - A client net value = {mean:.4g}, 95% CI [{low:.4g}, {high:.4g}]"


def test_pressure_window_starts_when_the_shock_does():
    """"Watch weeks 53 to 78": the window (52, 78] opens when the surge hits (shock=surge, week index 52)."""
    lesson = BY_KEY["pressure"]
    model = bposim.BPOModel(rng=SEED, collect=False, engine="array",
                            **model_overrides(lesson.pane_levers("A")))
    assert lesson.window[0] == model.settings.shock.week == 52
    assert lesson.window[1] > lesson.window[0] + model.settings.shock.duration


def test_claims_run_on_common_random_numbers():
    """A and B of a lesson see the same demand each week in each replication (the same luck),
    so the paired differences are the contract's, not chance's."""
    for lesson in LESSONS:
        a, b = timeseries(lesson.key, "A"), timeseries(lesson.key, "B")
        np.testing.assert_array_equal(a.sort_values(["replication", "step"]).demand.to_numpy(),
                                      b.sort_values(["replication", "step"]).demand.to_numpy(),
                                      err_msg=lesson.key)


# --- every lesson is usable on the page ---------------------------------------------------------


@pytest.mark.parametrize("key", KEYS)
def test_lesson_settings_build_a_workshop_model(key):
    settings = BY_KEY[key].settings()
    model = WorkshopModel(**settings, rng=SEED)
    assert set(model.contracts) == {"A", "B"}
    assert model.levers == BY_KEY[key].pane_levers("A")
    assert model.levers_b == BY_KEY[key].pane_levers("B")


@pytest.mark.parametrize("key", KEYS)
def test_lesson_turns_compare_on(key):
    assert BY_KEY[key].settings()["compare"] is True


@pytest.mark.parametrize("key", KEYS)
def test_lesson_states_at_least_one_expectation_on_a_recorded_metric(key):
    expect = BY_KEY[key].expect
    assert len(expect) >= 1
    for metric, direction in expect:
        assert metric in METRIC_NAMES, metric
        assert direction in DIRECTIONS, direction


@pytest.mark.parametrize("key", KEYS)
def test_lesson_claims_are_distinct(key):
    metrics = [metric for metric, _ in BY_KEY[key].expect]
    assert len(metrics) == len(set(metrics))


@pytest.mark.parametrize("key", KEYS)
def test_lesson_window_lies_inside_the_run(key):
    lesson = BY_KEY[key]
    if lesson.window is not None:
        first, last = lesson.window
        assert 0 <= first < last <= WorkshopModel().steps_total


@pytest.mark.parametrize("key", KEYS)
def test_lesson_b_really_differs_from_a(key):
    """B changes the scheme or a practice, and every change in b_changes is a real change."""
    lesson = BY_KEY[key]
    a, b = lesson.pane_levers("A"), lesson.pane_levers("B")
    assert a != b
    for name, value in lesson.b_changes.items():
        assert name in BY_NAME and name not in ("compare", "scheme_b"), name
        assert a[name] != value, f"{key}: B's {name} = {value!r} is A's value too"


@pytest.mark.parametrize("key", KEYS)
def test_lesson_levers_are_levers(key):
    for name in BY_KEY[key].levers:
        assert name in BY_NAME, name


@pytest.mark.parametrize("key", KEYS)
def test_lesson_script_is_two_or_three_sentences(key):
    script = BY_KEY[key].script
    assert 2 <= len(sentences(script)) <= 3, sentences(script)


@pytest.mark.parametrize("key", KEYS)
def test_lesson_question_is_one_question(key):
    question = BY_KEY[key].question
    assert question.endswith("?")
    assert len(sentences(question)) <= 2  # at most a sentence of set-up before the question


@pytest.mark.parametrize("key", KEYS)
def test_lesson_has_a_title_and_says_what_to_watch(key):
    lesson = BY_KEY[key]
    assert lesson.title.strip() and lesson.watch.strip()


def test_lessons_cover_the_articles_six_points():
    points = {int(re.match(r"\s*(\d)\.", lesson.point).group(1)) for lesson in LESSONS}
    assert points == {1, 2, 3, 4, 5, 6}


def test_lesson_keys_are_unique():
    assert len({lesson.key for lesson in LESSONS}) == len(LESSONS) == len(BY_KEY)


def test_lesson_titles_are_unique_and_not_free_play():
    """The picker maps titles back to lessons: two lessons with one title would hide one."""
    titles = [lesson.title for lesson in LESSONS]
    assert len(set(titles)) == len(titles)
    assert FREE_PLAY not in titles
