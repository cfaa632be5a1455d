"""Room mode: people in the room play clients and vendors of one shared market from their phones.

A facilitator opens a room (one market, one code); phones join it and take a seat (a client or
a vendor) or are given one; the model plays every seat nobody took. Each week every person
decides with a few controls:

- a vendor: how its effort splits between volume and quality, whether to cut corners, and
  whether to flag the process breaks it spots (to all its clients);
- a client: whether to audit this week, whether to raise a feedback item, and what to do at
  the next quarterly review (keep, warn, re-price, switch vendor).

A seat that has not decided keeps its last choice. The facilitator advances the weeks, by hand
or on a timer (a week every N seconds until stopped, kept by the room, not by the projector's
browser, so a projector that reloads does not stop it). The room
records, week by week, every person's choices beside the model's own choice for their seat and
the outcomes of their relationships: the debrief, exportable as CSV.

The choices reach the model through one hook (`Seats`, set as `BPOModel.seats`; see
bposim.dynamics.week.relationship_week): efforts and corner-cutting replace the model's best
response after it is made; audits, feedback items and flagging are set in the week's random
draws (an audit "happens" when its uniform is below the audit chance, so 0 means certainly,
1 never); a review decision steers the model's own review rules for that relationship. The
economics stay the model's.

Rooms live in this server process (`ROOMS`), one per code. A seat belongs to the browser that
took it: its token and that browser's session id must both match, so a copied link does not
let another phone act for the seat, and a phone that reloads or drops comes back to its seat.
"""

from __future__ import annotations

import csv
import io
import secrets
import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Hashable

import numpy as np

from .levers import checked
from .model import WorkshopModel

CODE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read off a projector
CUT_CORNERS = 0.35  # share of work gamed by a vendor who chooses to cut corners
REVIEW_CHOICES = ("keep", "warn", "re-price", "switch")
# Room sizes a facilitator picks from: (clients, vendors).
SIZES = {"10 seats (8 clients, 2 vendors)": (8, 2), "20 seats (16 clients, 4 vendors)": (16, 4),
         "30 seats (24 clients, 6 vendors)": (24, 6)}
TIMER_SECONDS = (10, 20, 30, 60)  # the timer's periods a facilitator picks from
VENDOR_DEFAULT = {"quality_share": 0.5, "cut_corners": False, "flag_breaks": True}
CLIENT_DEFAULT = {"audit": False, "feedback": True, "review": "keep"}


@dataclass
class Seat:
    """One client or vendor of the room's market, played by a person or (untaken) by the model."""

    kind: str  # "client" or "vendor"
    index: int
    token: str | None = None
    browser: str | None = None
    choice: dict[str, Any] = field(default_factory=dict)
    decided_week: int = -1  # the last week this seat's person changed its choice for

    @property
    def id(self) -> str:
        return f"{self.kind}-{self.index}"

    @property
    def label(self) -> str:
        return f"{self.kind.title()} {self.index}"

    @property
    def taken(self) -> bool:
        return self.token is not None


class Seats:
    """The hook the engine calls (bposim.engines.ArrayEngine.week): the people's choices."""

    def __init__(self, room: "Room"):
        self.room = room
        self.model_choice: dict[str, dict[str, Any]] = {}  # this week's model choice per human seat

    def _relationships(self, seat: Seat, st) -> np.ndarray:
        contract = self.room.contract
        if seat.kind == "client":
            return np.flatnonzero(contract.client_of == seat.index)
        return np.flatnonzero(st.vendor_id[0] == seat.index)

    def draws(self, draws, review_now: bool) -> None:
        """Audits, feedback items and flagging, set in this week's uniforms."""
        st = self.room.contract.state
        for seat in self.room.humans():
            rs = self._relationships(seat, st)
            if seat.kind == "client":
                draws.audits[0, 0, rs] = 0.0 if seat.choice["audit"] else 1.0
                draws.feedback[0, 0, rs] = 0.0 if seat.choice["feedback"] else 1.0
            else:
                draws.breaks[1, 0, rs] = 0.0 if seat.choice["flag_breaks"] else 1.0

    def decided(self, st) -> None:
        """After the best response: a human vendor's split and corner-cutting replace the model's.
        The total effort stays the model's (the person chooses where it goes, not the staffing)."""
        self.model_choice = {}
        for seat in self.room.humans("vendor"):
            rs = self._relationships(seat, st)
            if not len(rs):
                continue
            vol, qual, gaming = st.effort_volume[0, rs], st.effort_quality[0, rs], st.gaming[0, rs]
            total = vol + qual
            self.model_choice[seat.id] = {
                "quality_share": float(np.mean(qual / np.maximum(total, 1e-12))),
                "cut_corners": float(np.mean(gaming))}
            share = seat.choice["quality_share"]
            st.effort_quality[0, rs] = total * share
            st.effort_volume[0, rs] = total * (1.0 - share)
            st.gaming[0, rs] = CUT_CORNERS if seat.choice["cut_corners"] else 0.0

    def review(self, st, run: Callable[[], None]) -> None:
        """The model's review for everyone; then, for each human client, its own decision, made
        by steering the model's review rules on its relationship (the same u draws): switch
        (trust below the termination threshold), warn (below the warning threshold, nothing
        caught), keep (nothing to act on), re-price (kept, with the client losing money)."""
        humans = list(self.room.humans("client"))
        if not humans:
            run()
            return
        arrays = {name: v for name, v in vars(st).items() if isinstance(v, np.ndarray)}
        before = {name: v.copy() for name, v in arrays.items()}
        run()
        after_model = {name: getattr(st, name).copy() for name in arrays}
        c = self.room.contract.settings.client
        columns = []
        for seat in humans:
            rs = self._relationships(seat, st)
            columns.extend(rs)
            model = ("switch" if after_model["switches"][0, rs].any() else
                     "re-price" if (after_model["price_factor"][0, rs] != before["price_factor"][0, rs]).any() else
                     "warn" if (after_model["warning_risk"][0, rs] == c.warning_weight).any() else "keep")
            self.model_choice[seat.id] = {"review": model}
        columns = np.array(columns, dtype=int)
        for name in arrays:
            getattr(st, name)[0, columns] = before[name][0, columns]
        trust = st.trust_in_vendor[0, columns].copy()
        for seat in humans:
            rs = self._relationships(seat, st)
            decision = seat.choice["review"]
            if decision == "switch":
                st.trust_in_vendor[0, rs] = -1.0
            elif decision == "warn":
                st.trust_in_vendor[0, rs] = (c.terminate_below_trust + c.warn_below_trust) / 2
                st.period_detected[0, rs] = 0.0
            else:  # keep, re-price: nothing for the rules to act on, and for re-price a losing client
                st.trust_in_vendor[0, rs] = np.maximum(st.trust_in_vendor[0, rs], c.warn_below_trust)
                st.period_detected[0, rs] = 0.0
                if decision == "re-price":
                    st.period_net[0, rs] = -1.0
                    st.period_margin[0, rs] = np.abs(st.period_margin[0, rs]) + 1.0
        run()
        kept = st.switches[0, columns] == 0.0
        st.trust_in_vendor[0, columns[kept]] = trust[kept]  # the steering was not the client's trust
        others = np.setdiff1d(np.arange(st.base.shape[1]), columns)
        for name in arrays:
            getattr(st, name)[0, others] = after_model[name][0, others]


class Room:
    """One shared market with its seats, its weeks and its debrief."""

    def __init__(self, code: str, size: str = next(iter(SIZES)), scheme: str = "hybrid", seed: int = 0):
        n_clients, n_vendors = SIZES[size]
        self.code = code
        self.host_token = secrets.token_urlsafe(16)
        self.host_browser: str | None = None
        self.lock = threading.RLock()
        self.model = WorkshopModel(**checked({"scheme": scheme}), rng=seed,
                                   market={"market.n_clients": n_clients, "market.n_vendors": n_vendors})
        self.contract = self.model.contracts["A"]
        self.seats = {s.id: s for s in [*(Seat("client", c, choice=dict(CLIENT_DEFAULT)) for c in range(n_clients)),
                                        *(Seat("vendor", v, choice=dict(VENDOR_DEFAULT)) for v in range(n_vendors))]}
        self.contract.seats = Seats(self)
        self.rows: list[dict[str, Any]] = []
        self.timer_seconds: float | None = None  # a week every this many seconds, or no timer
        self._timer_stop: threading.Event | None = None
        self.version = 0
        self.listeners: dict[Hashable, Callable[[int], None]] = {}

    # --- seats ----------------------------------------------------------------------------------

    def humans(self, kind: str | None = None):
        return [s for s in self.seats.values() if s.taken and (kind is None or s.kind == kind)]

    def join(self, browser: str, seat_id: str | None = None) -> tuple[str, str]:
        """Take `seat_id`, or the first free seat (clients first); (seat id, token)."""
        with self.lock:
            if seat_id is None:
                free = [s for s in self.seats.values() if not s.taken]
                if not free:
                    raise LookupError(f"room {self.code} is full: all {len(self.seats)} seats are taken")
                seat = free[0]
            else:
                if seat_id not in self.seats:
                    raise LookupError(f"room {self.code} has no seat {seat_id!r}")
                seat = self.seats[seat_id]
                if seat.taken and seat.browser != browser:
                    raise PermissionError(f"{seat.label} is taken")
            if not seat.taken:
                seat.token, seat.browser = secrets.token_urlsafe(16), browser
            self._changed()
            return seat.id, seat.token

    def seat_for(self, seat_id: str, token: str, browser: str) -> Seat:
        """The seat, if `token` is its token and `browser` the browser that took it."""
        seat = self.seats.get(seat_id)
        if seat is None or not seat.taken or not secrets.compare_digest(seat.token, token or "") \
                or seat.browser != browser:
            raise PermissionError("this seat belongs to another phone")
        return seat

    def decide(self, seat_id: str, token: str, browser: str, **choice: Any) -> None:
        with self.lock:
            seat = self.seat_for(seat_id, token, browser)
            allowed = VENDOR_DEFAULT if seat.kind == "vendor" else CLIENT_DEFAULT
            unknown = sorted(set(choice) - set(allowed))
            if unknown:
                raise ValueError(f"{seat.kind} choice {unknown[0]!r} is not allowed: use {', '.join(allowed)}")
            if "review" in choice and choice["review"] not in REVIEW_CHOICES:
                raise ValueError(f"review = {choice['review']!r} is not allowed: use one of {', '.join(REVIEW_CHOICES)}")
            if "quality_share" in choice and not 0.0 <= float(choice["quality_share"]) <= 1.0:
                raise ValueError(f"quality_share = {choice['quality_share']!r} is out of range: allowed [0, 1]")
            seat.choice.update(choice)
            seat.decided_week = self.week
            self._changed()

    def is_host(self, token: str, browser: str) -> bool:
        if not secrets.compare_digest(self.host_token, token or ""):
            return False
        with self.lock:
            if self.host_browser is None:
                self.host_browser = browser
        return self.host_browser == browser

    # --- weeks ----------------------------------------------------------------------------------

    @property
    def week(self) -> int:
        return self.model.week

    @property
    def review_weeks(self) -> int:
        return self.contract.settings.client.review_period

    def next_review(self) -> int | None:
        period = self.review_weeks
        return None if period <= 0 else (self.week // period + 1) * period

    def advance(self) -> None:
        """One week for the whole market, with every person's current choice."""
        with self.lock:
            if not self.model.running:
                return
            self.model.step()
            self._record()
            self._changed()

    def start_timer(self, seconds: float) -> None:
        """Advance a week every `seconds` until `stop_timer` or the last week (replaces a running timer)."""
        if isinstance(seconds, bool) or not (isinstance(seconds, (int, float)) and seconds > 0):
            raise ValueError(f"timer = {seconds!r} seconds is not allowed: use a number of seconds above 0")
        with self.lock:
            self._halt_timer()
            stop = threading.Event()
            self._timer_stop, self.timer_seconds = stop, float(seconds)
            threading.Thread(target=self._tick, args=(stop, float(seconds)), daemon=True,
                             name=f"room-{self.code}-timer").start()
            self._changed()

    def stop_timer(self) -> None:
        """No more timed weeks: once this returns, the timer advances nothing."""
        with self.lock:
            if self._timer_stop is not None:
                self._halt_timer()
                self._changed()

    def _halt_timer(self) -> None:
        if self._timer_stop is not None:
            self._timer_stop.set()
        self._timer_stop, self.timer_seconds = None, None

    def _tick(self, stop: threading.Event, seconds: float) -> None:
        while not stop.wait(seconds):
            with self.lock:  # stop_timer sets `stop` under this lock: no week after it returns
                if stop.is_set():
                    return
                self.advance()
                if not self.model.running:
                    self._halt_timer()
                    self._changed()
                    return

    def _record(self) -> None:
        st, week = self.contract.state, self.week
        seats = self.contract.seats
        for seat in self.humans():
            rs = seats._relationships(seat, st)
            row = {"week": week, "seat": seat.id, "decided_this_week": seat.decided_week == week - 1}
            row.update({f"your_{k}": v for k, v in seat.choice.items()})
            model = seats.model_choice.get(seat.id, {})
            if seat.kind == "vendor":
                row["model_quality_share"] = round(model.get("quality_share", float("nan")), 3)
                row["model_gaming"] = round(model.get("cut_corners", float("nan")), 3)
            elif "review" in model:
                row["model_review"] = model["review"]
            row.update(self.outcomes(seat, rs))
            self.rows.append(row)

    def outcomes(self, seat: Seat, rs: np.ndarray | None = None) -> dict[str, float]:
        """This week's figures of the seat's relationships (sums of money and counts, means of trust)."""
        st = self.contract.state
        rs = self.contract.seats._relationships(seat, st) if rs is None else rs
        if not len(rs):
            return {}

        def total(name):
            return round(float(getattr(st, name)[0, rs].sum()), 2)

        def mean(name):
            return round(float(getattr(st, name)[0, rs].mean()), 3)

        if seat.kind == "vendor":
            return {"relationships": len(rs), "payments": total("payments"), "vendor_margin": total("vendor_margin"),
                    "trust_in_client": mean("trust_in_client"), "client_trust_in_you": mean("trust_in_vendor"),
                    "true_quality": mean("true_quality"), "gaming": mean("gaming"),
                    "caught_gaming": total("detected_gaming"), "breaks_flagged": total("breaks_flagged")}
        return {"vendor": int(st.vendor_id[0, rs[0]]), "payments": total("payments"),
                "client_net_value": total("client_net_value"), "trust_in_vendor": mean("trust_in_vendor"),
                "vendor_trust_in_you": mean("trust_in_client"), "true_quality": mean("true_quality"),
                "measured_quality": mean("measured_quality"), "audited": total("audited"),
                "caught_gaming": total("detected_gaming"), "breaks_flagged": total("breaks_flagged"),
                "breaks_missed": total("breaks_missed"), "switches": total("switches")}

    def told(self, seat: Seat) -> list[str]:
        """What the seat learned this week, in a phone's words."""
        if self.week == 0:
            return ["Week 0: make your choices; the facilitator starts the first week."]
        out = self.outcomes(seat)
        if not out:
            return ["You serve no client this week."]
        news = []
        if seat.kind == "client":
            if out["audited"]:
                news.append("Your audit found corner-cutting." if out["caught_gaming"] else "Your audit found no corner-cutting.")
            if out["breaks_flagged"]:
                news.append("Your vendor flagged a process break with a fix.")
            if out["breaks_missed"]:
                news.append("You found a process break yourself: damage and hours.")
            if out["switches"]:
                news.append(f"You switched: vendor {out['vendor']} serves you now.")
        else:
            if out["caught_gaming"]:
                news.append("A client's audit caught your corner-cutting.")
            if out["breaks_flagged"]:
                news.append("You flagged a process break with a fix.")
        return news or ["A quiet week."]

    # --- debrief --------------------------------------------------------------------------------

    def debrief_csv(self) -> str:
        columns: list[str] = []
        for row in self.rows:
            columns.extend(k for k in row if k not in columns)
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(self.rows)
        return buffer.getvalue()

    def summary(self) -> list[dict[str, Any]]:
        """One row per person: how often they chose as the model would, and their outcomes."""
        out = []
        for seat in self.humans():
            rows = [r for r in self.rows if r["seat"] == seat.id]
            if not rows:
                continue
            row = {"seat": seat.label, "weeks": len(rows)}
            if seat.kind == "vendor":
                row["your quality share"] = np.mean([r["your_quality_share"] for r in rows])
                row["model's quality share"] = np.nanmean([r["model_quality_share"] for r in rows])
                row["weeks you cut corners"] = sum(bool(r["your_cut_corners"]) for r in rows)
                row["model's gaming"] = np.nanmean([r["model_gaming"] for r in rows])
                row["margin per week"] = np.mean([r.get("vendor_margin", 0.0) for r in rows])
            else:
                reviews = [r for r in rows if "model_review" in r]
                row["reviews"] = len(reviews)
                row["reviews you decided as the model"] = sum(r["your_review"] == r["model_review"] for r in reviews)
                row["weeks you audited"] = sum(bool(r["your_audit"]) for r in rows)
                row["value per week"] = np.mean([r.get("client_net_value", 0.0) for r in rows])
                row["trust in vendor now"] = rows[-1].get("trust_in_vendor", float("nan"))
            out.append(row)
        return out

    # --- telling every screen -------------------------------------------------------------------

    def listen(self, key: Hashable, callback: Callable[[int], None]) -> None:
        with self.lock:
            self.listeners[key] = callback

    def forget(self, key: Hashable) -> None:
        with self.lock:
            self.listeners.pop(key, None)

    def _changed(self) -> None:
        """Tell every screen of the room, each on its own thread (a phone's redraw does not wait
        for the others')."""
        self.version += 1
        version = self.version
        for callback in list(self.listeners.values()):
            threading.Thread(target=callback, args=(version,), daemon=True).start()


ROOMS: dict[str, Room] = {}
_ROOMS_LOCK = threading.Lock()


def open_room(size: str = next(iter(SIZES)), scheme: str = "hybrid", seed: int = 0) -> Room:
    """A new room with a code no other room in this server has."""
    with _ROOMS_LOCK:
        while True:
            code = "".join(secrets.choice(CODE_LETTERS) for _ in range(4))
            if code not in ROOMS:
                break
        ROOMS[code] = Room(code, size, scheme, seed)
        return ROOMS[code]
