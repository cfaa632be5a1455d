"""Random streams: a skipped week leaves every later week's numbers as they were."""

from __future__ import annotations

import numpy as np
import pytest

from bposim.rng import Stream


@pytest.mark.parametrize("replications,width", [(1, 5), (3, 5), (2, 100_000)])
def test_skipping_a_week_of_a_uniform_stream_draws_what_comes_after_unchanged(replications, width):
    drawn, skipping = (Stream(7, replications, "reviews", width) for _ in range(2))
    for week in range(60):
        expected = drawn.next()
        if week % 13 == 12:
            np.testing.assert_array_equal(skipping.next(), expected)
        else:
            assert skipping.skip() is None


def test_a_normal_stream_cannot_skip_past_its_drawn_weeks():
    s = Stream(7, 1, "decisions", 1_000_000)
    with pytest.raises(ValueError, match="cannot skip"):
        s.skip()
