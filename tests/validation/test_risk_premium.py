"""The risk premium in the vendor's value of the relationship, against Klein-Leffler with a
risky contract.

The relational scenario's grim trigger, but on the Holmstrom-Milgrom contract (a fixed fee plus
a rate b on a noisy volume count, CARA vendor): the honest weekly margin the vendor would lose on
being dropped is its certainty equivalent, fixed + b^2 / (2c) - r b^2 sigma^2 / 2 - operating
cost. So the discount factor at which honesty starts to pay is bposim.theory's threshold with
that margin, and the risk premium moves it up. The grid has points between the thresholds with
and without the premium, where the two answers differ.
"""

from __future__ import annotations

import numpy as np
import pytest

from bposim import theory as T
from bposim import validation as V

# A grim trigger on the hm87 contract: the client audits with chance q, and any detection ends
# the relationship at the next (weekly) review for good; no other review action.
GRIM_TRIGGER = ["client.audit_trust_sensitivity=0", "client.termination_on_detection=1", "client.review_period=1",
                "client.review_reweight=false", "client.review_reprice=false", "client.review_warn=false",
                "client.terminate_below_trust=0", "client.warn_below_trust=0", "vendor.gaming_cost=0"]


@pytest.mark.parametrize("r", [0.0, 4.0])
def test_risk_premium_raises_the_discount_factor_honesty_needs(r):
    q, fixed, b, c, sigma, cost, saving = 0.2, 1.0, 0.8, 1.0, 0.5, 0.6, 0.3
    overrides = [*GRIM_TRIGGER, f"client.audit_rate={q}", f"scheme.fixed={fixed}", f"scheme.volume_rate={b}",
                 f"vendor.cost_volume={c}", f"market.volume_noise={sigma}", f"vendor.risk_aversion={r}",
                 f"vendor.operating_cost={cost}", f"vendor.gaming_saving={saving}"]
    certainty_equivalent = fixed + b * b / (2 * c) - r * b * b * sigma * sigma / 2
    riskless = fixed + b * b / (2 * c)
    grid = np.round(np.arange(0.5, 0.991, 0.02), 3)
    honest = [float(np.all(V.run_scenario("hm87", [*overrides, f"vendor.discount_factor={float(d)!r}"], weeks=1,
                                 replications=1).gaming == 0.0)) for d in grid]
    expected = [1.0 if T.relational_honest(d, q, certainty_equivalent, cost, cost - saving, 0.0) else 0.0 for d in grid]
    assert honest == expected
    if r > 0:
        between = (grid > T.relational_threshold(q, riskless, cost, cost - saving, 0.0)) & (
            grid < T.relational_threshold(q, certainty_equivalent, cost, cost - saving, 0.0))
        assert between.sum() >= 2, "the grid does not tell the premium's threshold from the riskless one"
        assert max(np.asarray(honest)[between]) == 0.0
