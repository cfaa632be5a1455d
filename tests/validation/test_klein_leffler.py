"""Klein-Leffler (1981) with the threat carried out (#12 item 7b), from the simulated record.

The relational scenario (configs/scenario/relational.yaml: one vendor on a fixed fee, shading
found with chance q a week, a detection ends the contract at that week's review). With a
cool-off (the default) the client then has no eligible vendor and does the work in-house, so
the vendor earns nothing for the cool-off: the grim trigger of the theory, carried out. Every
check reads the simulated weeks (gaming, detections, in-house weeks, the vendor's margin), not
the vendor's decision formula.
"""

from __future__ import annotations

import numpy as np
import pytest

from bposim import theory as T
from bposim import validation as V
from crn import assert_greater, paired

Q, FEE, C_HIGH, C_LOW, VBAR = 0.2, 1.0, 0.6, 0.3, 0.0  # relational.yaml
D_STAR = T.relational_threshold(Q, FEE, C_HIGH, C_LOW, VBAR)  # 0.789
WEEKS, REPS = 520, 60  # detection weeks are geometric: 60 replications pin the shading record down
HONEST_TWIN = ("vendor.gaming_aversion=100",)  # the same vendor, for whom shading never pays


def record(d: float, *extra: str):
    """(relationship-weeks, the vendor's weekly margins (replications x weeks)) of the relational scenario."""
    return V.relational_record(d, extra, weeks=WEEKS, replications=REPS)


def discounted(margins: np.ndarray, d: float) -> np.ndarray:
    """Each replication's simulated margin discounted at d from the first week (MU per unit of demand)."""
    return margins @ d ** np.arange(margins.shape[1])


@pytest.mark.parametrize("d", [round(D_STAR - 0.15, 3), round(D_STAR - 0.05, 3)])
def test_below_the_threshold_shading_vendors_are_caught_terminated_and_end_up_worse_off(d):
    rel, shading = record(d)
    _, honest = record(d, *HONEST_TWIN)
    serving = rel[rel.in_house.groupby(rel.replication).shift().fillna(0.0) == 0]  # weeks worked by the vendor
    assert (serving.gaming == 1.0).all(), "below d* the vendor shades whenever it serves"
    caught = rel.groupby("replication").detected_gaming.sum()
    assert (caught > 0).all(), "and is found out in every replication"
    # Found out means terminated: the week after each detection the client is doing the work itself.
    after = rel.groupby("replication").in_house.shift(-1)
    assert (after[rel.detected_gaming > 0].dropna() == 1.0).all()
    assert (rel[rel.in_house == 1].vendor_margin.groupby(rel.replication).size() > 0).all()
    # Worse off in the record: margin per week over the ten years below the honest twin's.
    assert_greater(honest.mean(axis=1), shading.mean(axis=1), f"margin per week, honest twin vs shading vendor, d = {d}")
    # Yet shading was the vendor's best bet at its own impatience: discounted at d, the simulated
    # record of shading is worth more than honesty, and is the theory's (p - cL) / (1 - d (1 - q)).
    assert_greater(discounted(shading, d), discounted(honest, d), f"discounted margin at d = {d}, shading vs honest")
    effect = paired(discounted(shading, d), np.zeros(REPS))
    theory = (FEE - C_LOW) / (1.0 - d * (1.0 - Q))
    assert effect.low <= theory <= effect.high, f"simulated {effect} vs theory {theory:.4g}"


@pytest.mark.parametrize("d", [round(D_STAR + 0.02, 3), round(D_STAR + 0.1, 3)])
def test_above_the_threshold_vendors_stay_honest_and_keep_the_relationship(d):
    rel, margins = record(d)
    assert (rel.gaming == 0.0).all() and (rel.detected_gaming == 0).all()
    assert (rel.switches == 0).all() and (rel.in_house == 0).all()
    np.testing.assert_allclose(margins, FEE - C_HIGH, rtol=1e-12)  # p - cH every week, for ten years
    # Its simulated discounted margin, (p - cH) / (1 - d) over the record, beats shading's theory value.
    assert discounted(margins, d).min() > (FEE - C_LOW) / (1.0 - d * (1.0 - Q))


def test_the_threat_is_carried_out_only_with_somewhere_else_to_go():
    # One vendor: without a cool-off (the model before tenders) a "terminated" contract restarts
    # with the same vendor, so shading costs it nothing in the record; with one, the client goes
    # in-house and the shading vendor's margin collapses.
    d = round(D_STAR - 0.1, 3)
    _, carried = record(d)
    _, believed = record(d, "client.cool_off=0")
    assert_greater(believed.mean(axis=1), carried.mean(axis=1), "margin per week, threat only believed vs carried out")
    np.testing.assert_allclose(believed, FEE - C_LOW, rtol=1e-12)  # shades and is paid every week regardless
