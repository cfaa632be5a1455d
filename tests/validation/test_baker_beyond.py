"""Baker (1992, 2002) where the first best needs quality effort above 1 (#12 items 6, 7c).

The distortion scenario lifts the top of the quality scale (market.quality_ceiling), so the
vendor's action space is all of R^2+ as in the textbook. The client values f = (0.3, 1.6): the
first best a = f needs quality effort 1.6. Checked on simulated outcomes, with the fixed part
set by participation pricing and the client's take read from the record (mean value less mean
pay): the vendor follows the measure (a = b g, quality effort above 1), a noiseless measure
reaches the share cos^2(f, g) of the first best within 2%, and with noise the take over the
rate peaks at b* = f.g / (|g|^2 + r s2) within 2%.
"""

from __future__ import annotations

import numpy as np
import pytest

from bposim import theory as T
from bposim import validation as V

F = (0.3, 1.6)
VALUES = [f"client.value_volume={F[0]}", f"client.value_quality={F[1]}", "scheme.pricing=participation"]
QUIET = ["market.volume_noise=0", "market.quality_noise=0"]


def overrides(g, b, noise=True):
    return [*VALUES, *([] if noise else QUIET), f"scheme.volume_weight={float(g[0])!r}",
            f"scheme.quality_weight={float(g[1])!r}", f"scheme.rate={float(b)!r}"]


def test_first_best_with_quality_effort_above_one():
    out = V.run_scenario("distortion", overrides(F, 1.0, noise=False), weeks=4, replications=1)
    np.testing.assert_allclose([out.effort_volume.mean(), out.effort_quality.mean()], F, atol=1e-9)
    first_best = 0.5 * float(np.dot(F, F))
    assert abs(out.client_take() - first_best) <= 0.02 * first_best


@pytest.mark.parametrize("theta", [20.0, 50.0, 80.0])
def test_noiseless_share_of_first_best_is_cos_squared(theta):
    g = (np.cos(np.radians(theta)), np.sin(np.radians(theta)))
    b = float(np.dot(F, g) / np.dot(g, g))
    out = V.run_scenario("distortion", overrides(g, b, noise=False), weeks=4, replications=1)
    np.testing.assert_allclose([out.effort_volume.mean(), out.effort_quality.mean()], T.baker_action(b, g), atol=1e-9)
    share = out.client_take() / (0.5 * float(np.dot(F, F)))
    cos2 = T.baker_efficiency(F, g)
    assert abs(share - cos2) <= 0.02 * cos2, f"simulated share {share:.4f}, cos^2 {cos2:.4f}"


def test_take_over_the_rate_peaks_at_the_baker_rate():
    g, sigma, r = (0.4, 1.2), 0.2, 1.0
    b_star = T.baker_optimal_rate(F, g, r, float(np.dot(g, g)) * sigma ** 2)
    grid = b_star * np.linspace(0.6, 1.4, 9)
    take = [V.run_scenario("distortion", overrides(g, b)).client_take() for b in grid]
    out = V.run_scenario("distortion", overrides(g, b_star))
    assert out.effort_quality.mean() > 1.0  # the optimum itself is beyond the old unit box
    a2, a1, _ = np.polyfit(grid, take, 2)
    peak = -a1 / (2 * a2)
    assert a2 < 0 and abs(peak - b_star) <= 0.02 * b_star, f"simulated peak {peak:.4f}, b* {b_star:.4f}"
