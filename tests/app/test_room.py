"""Room mode's market (bposim.app.room): seats, tokens, and the hook that lets people decide.

A room nobody joined is the model itself, week for week; a person's choice reaches exactly the
relationships of their seat (corner-cutting, effort split, audits, flagging, the review); a seat
answers only to the browser that took it; the debrief has a row per person and week with their
choice beside the model's.
"""

from __future__ import annotations

import csv
import io
import threading
import time

import numpy as np
import pytest

from bposim.app.levers import checked
from bposim.app.model import WorkshopModel
from bposim.app.room import CUT_CORNERS, REVIEW_CHOICES, ROOMS, SIZES, Room, open_room

SMALL = next(iter(SIZES))


def room(**kwargs) -> Room:
    return Room("TEST", SMALL, **kwargs)


def advance(r: Room, weeks: int) -> None:
    for _ in range(weeks):
        r.advance()


def relationships(r: Room, seat_id: str) -> np.ndarray:
    seat = r.seats[seat_id]
    return r.contract.seats._relationships(seat, r.contract.state)


def test_a_room_nobody_joined_is_the_model_itself():
    r = room()
    n_clients, n_vendors = SIZES[SMALL]
    plain = WorkshopModel(**checked({"scheme": "hybrid"}), rng=0,
                          market={"market.n_clients": n_clients, "market.n_vendors": n_vendors})
    for _ in range(30):  # through two reviews
        r.advance()
        plain.step()
    for name, values in plain.series("A").items():
        np.testing.assert_array_equal(r.model.series("A")[name], values, err_msg=name)


def test_a_room_has_a_seat_per_client_and_vendor():
    n_clients, n_vendors = SIZES[SMALL]
    r = room()
    assert len(r.seats) == n_clients + n_vendors
    assert r.contract.settings.market.n_clients == n_clients


def test_codes_are_unique_and_rooms_are_kept_by_code():
    rooms = [open_room() for _ in range(20)]
    assert len({x.code for x in rooms}) == 20
    assert all(ROOMS[x.code] is x for x in rooms)
    for x in rooms:
        del ROOMS[x.code]


def test_a_seat_answers_only_to_its_token_and_browser():
    r = room()
    seat, token = r.join("phone-1", "vendor-0")
    r.decide(seat, token, "phone-1", cut_corners=True)
    with pytest.raises(PermissionError):
        r.decide(seat, token, "phone-2", cut_corners=False)  # the same link on another phone
    with pytest.raises(PermissionError):
        r.decide(seat, "not-the-token", "phone-1", cut_corners=False)
    with pytest.raises(PermissionError):
        r.join("phone-2", "vendor-0")  # taken
    assert r.seats[seat].choice["cut_corners"] is True


def test_the_same_phone_gets_its_seat_back():
    r = room()
    seat, token = r.join("phone-1", "client-2")
    assert r.join("phone-1", "client-2") == (seat, token)
    assert r.seat_for(seat, token, "phone-1") is r.seats[seat]


def test_any_seat_is_given_until_the_room_is_full():
    r = room()
    taken = {r.join(f"phone-{i}")[0] for i in range(len(r.seats))}
    assert taken == set(r.seats)
    with pytest.raises(LookupError, match="full"):
        r.join("one-more")


@pytest.mark.parametrize(("seat_id", "choice", "message"), [
    ("client-0", {"review": "fire"}, "review = 'fire' is not allowed"),
    ("vendor-0", {"quality_share": 1.5}, "quality_share = 1.5 is out of range"),
    ("client-0", {"flag_breaks": True}, "client choice 'flag_breaks' is not allowed"),
])
def test_a_bad_choice_names_the_field_and_what_is_allowed(seat_id, choice, message):
    r = room()
    seat, token = r.join("p", seat_id)
    with pytest.raises(ValueError, match=message):
        r.decide(seat, token, "p", **choice)


def test_a_vendor_who_cuts_corners_games_on_all_its_relationships_and_one_who_does_not_never_does():
    r = room()
    cutter, t1 = r.join("a", "vendor-0")
    honest, t2 = r.join("b", "vendor-1")
    r.decide(cutter, t1, "a", cut_corners=True, quality_share=0.2)
    r.decide(honest, t2, "b", cut_corners=False)
    advance(r, 5)
    st = r.contract.state
    np.testing.assert_allclose(st.gaming[0, relationships(r, cutter)], CUT_CORNERS)
    np.testing.assert_allclose(st.gaming[0, relationships(r, honest)], 0.0)
    rs = relationships(r, cutter)
    share = st.effort_quality[0, rs] / (st.effort_quality[0, rs] + st.effort_volume[0, rs])
    np.testing.assert_allclose(share, 0.2)


def test_a_client_who_audits_is_audited_every_week_and_one_who_does_not_never_is():
    r = room()
    auditor, t1 = r.join("a", "client-1")
    trusting, t2 = r.join("b", "client-2")
    r.decide(auditor, t1, "a", audit=True)
    r.decide(trusting, t2, "b", audit=False)
    rows = []
    for _ in range(8):
        r.advance()
        rows.append({s: r.outcomes(r.seats[s])["audited"] for s in (auditor, trusting)})
    assert all(row[auditor] == 1.0 and row[trusting] == 0.0 for row in rows)


def test_a_vendor_who_keeps_quiet_flags_no_break():
    r = room()
    quiet, token = r.join("a", "vendor-0")
    r.decide(quiet, token, "a", flag_breaks=False)
    flagged = 0.0
    for _ in range(60):
        r.advance()
        flagged += r.outcomes(r.seats[quiet])["breaks_flagged"]
    assert flagged == 0.0
    model_vendor = room()  # the same market with the model at vendor 0 flags some in those weeks
    advance(model_vendor, 60)
    assert model_vendor.model.series("A")["breaks_flagged"].sum() > 0


@pytest.mark.parametrize("decision", REVIEW_CHOICES)
def test_a_clients_review_decision_is_what_happens_at_the_review(decision):
    r = room()
    seat, token = r.join("a", "client-3")
    r.decide(seat, token, "a", review=decision)
    before = int(r.contract.state.vendor_id[0, relationships(r, seat)][0])
    price = float(r.contract.state.price_factor[0, relationships(r, seat)][0])
    advance(r, r.review_weeks)
    st, rs = r.contract.state, relationships(r, seat)
    switched = int(st.vendor_id[0, rs][0]) != before
    assert switched == (decision == "switch")
    if decision == "warn":
        assert st.warning_risk[0, rs][0] == r.contract.settings.client.warning_weight
    if decision == "re-price":
        assert st.price_factor[0, rs][0] < price
    review_row = [row for row in r.rows if row["week"] == r.review_weeks][0]
    assert review_row["your_review"] == decision and review_row["model_review"] in REVIEW_CHOICES


def test_a_review_decision_leaves_the_models_seats_as_the_model_decided():
    """Paired: two rooms, the same person with the same choices, except keep or switch at the
    first review; after that week every other relationship is in the same state in both (the
    steering of the review touches only the person's seat)."""
    rooms = {}
    for decision in ("keep", "switch"):
        r = room()
        seat, token = r.join("a", "client-0")
        r.decide(seat, token, "a", review=decision)
        advance(r, r.review_weeks)
        rooms[decision] = r
    keep, switch = rooms["keep"].contract.state, rooms["switch"].contract.state
    mine = relationships(rooms["keep"], "client-0")
    others = np.setdiff1d(np.arange(keep.base.shape[1]), mine)
    assert switch.switches[0, mine].sum() == 1 and keep.switches[0, mine].sum() == 0
    for name in ("vendor_id", "switches", "trust_in_vendor", "trust_in_client", "price_factor", "warning_risk",
                 "verification", "audit_boost"):
        np.testing.assert_array_equal(getattr(keep, name)[0, others], getattr(switch, name)[0, others], err_msg=name)


def test_the_debrief_has_a_row_per_person_and_week_with_the_models_choice():
    r = room()
    v, tv = r.join("a", "vendor-0")
    c, tc = r.join("b", "client-0")
    r.decide(v, tv, "a", quality_share=0.8)
    advance(r, 14)
    rows = list(csv.DictReader(io.StringIO(r.debrief_csv())))
    assert len(rows) == 2 * 14
    vendor = [row for row in rows if row["seat"] == v]
    assert {row["your_quality_share"] for row in vendor} == {"0.8"}
    assert all(0.0 <= float(row["model_quality_share"]) <= 1.0 for row in vendor)
    assert [row["model_review"] for row in rows if row["seat"] == c and row["model_review"]] != []
    summary = {row["seat"]: row for row in r.summary()}
    assert summary["Vendor 0"]["weeks"] == summary["Client 0"]["weeks"] == 14


def test_every_screen_is_told_of_a_change():
    r = room()
    seen = []
    done = threading.Event()

    def heard(version):
        seen.append(version)
        done.set()

    r.listen(1, heard)
    r.advance()
    assert done.wait(5) and seen == [r.version]
    r.forget(1)
    r.advance()
    assert len(seen) == 1


def until(condition, seconds: float = 60.0) -> bool:
    """Poll `condition` until it holds or `seconds` pass (generous: the machine may be busy)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def test_a_seat_that_does_not_decide_keeps_its_last_choice():
    r = room()
    vendor, tv = r.join("a", "vendor-1")
    client, tc = r.join("b", "client-4")
    r.decide(vendor, tv, "a", cut_corners=True, quality_share=0.3, flag_breaks=False)
    r.decide(client, tc, "b", audit=True)
    advance(r, 3)
    r.decide(client, tc, "b", feedback=False)  # one change: the rest of its choice stays
    advance(r, 3)
    rows = {seat: [row for row in r.rows if row["seat"] == seat] for seat in (vendor, client)}
    assert [row["decided_this_week"] for row in rows[vendor]] == [True] + [False] * 5
    assert [row["decided_this_week"] for row in rows[client]] == [True, False, False, True, False, False]
    assert all((row["your_cut_corners"], row["your_quality_share"], row["your_flag_breaks"]) == (True, 0.3, False)
               for row in rows[vendor])
    assert all(row["your_audit"] for row in rows[client])
    assert [row["your_feedback"] for row in rows[client]] == [True] * 3 + [False] * 3
    st = r.contract.state
    np.testing.assert_allclose(st.gaming[0, relationships(r, vendor)], CUT_CORNERS)
    assert r.outcomes(r.seats[client])["audited"] == len(relationships(r, client))


def test_the_timer_advances_a_week_every_period_until_stopped():
    r = room()
    seen = []
    r.listen("screen", seen.append)
    r.start_timer(0.05)
    assert r.timer_seconds == 0.05
    assert until(lambda: r.week >= 3)
    r.stop_timer()
    stopped = r.week
    assert r.timer_seconds is None
    assert not until(lambda: r.week != stopped, seconds=0.5)  # ten periods: no week after the stop
    assert until(lambda: len(seen) >= stopped + 2)  # the screens heard of every week, the start and the stop


def test_a_new_period_replaces_the_running_timer_and_the_timer_ends_with_the_run():
    r = room()
    r.start_timer(60)
    r.start_timer(0.001)  # the 60 s timer is gone: this one runs the market to its end
    assert until(lambda: r.timer_seconds is None)
    assert r.week == r.model.steps_total and not r.model.running


@pytest.mark.parametrize("seconds", [0, -5, "10", True])
def test_a_timer_period_must_be_a_positive_number_of_seconds(seconds):
    with pytest.raises(ValueError, match=rf"timer = {seconds!r} seconds is not allowed: use a number of seconds above 0"):
        room().start_timer(seconds)
