"""Lessons: presets for the article's six points, with what a facilitator reads out and asks.

Each lesson sets the page's levers for contract A and, in A/B, what contract B does differently,
so the room sees one practice or one contract change at a time on the same random streams.
`expect` states what the model shows over the whole run (B against A, mean over the weeks in
`window`); tests/app/test_lessons.py checks every claim over 20 replications, so the text the
facilitator reads stays true to the model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .levers import DEFAULTS, checked, contract_b


@dataclass(frozen=True)
class Lesson:
    """A preset of the page.

    Attributes:
        key: short name (the page's URL-free identifier, used in tests).
        title: what the lesson picker shows.
        point: the article's point it illustrates (1-6), and its heading.
        script: two or three sentences the facilitator reads out.
        question: the question to ask the room.
        levers: lever values for contract A (the rest stay at their defaults).
        b_changes: what contract B does differently (scheme_b and/or practices).
        watch: the plots to point at.
        expect: (metric, "higher" or "lower") claims of B against A that the tests check.
        window: weeks (first, last] over which `expect` holds (None: the whole run).
        monitors: figures the page shows as big numbers besides the `expect` metrics.
    """

    key: str
    title: str
    point: str
    script: str
    question: str
    levers: dict[str, Any]
    b_changes: dict[str, Any]
    watch: str
    expect: tuple[tuple[str, str], ...]
    window: tuple[int, int] | None = None
    monitors: tuple[str, ...] = ()

    def settings(self) -> dict[str, Any]:
        """Every lever's value for this lesson, as WorkshopModel takes them (A/B on)."""
        b_scheme = self.b_changes.get("scheme", self.levers.get("scheme", DEFAULTS["scheme"]))
        values = checked({**self.levers, "compare": True, "scheme_b": b_scheme})
        return {**values, "b_changes": {k: v for k, v in self.b_changes.items() if k != "scheme"}}

    def pane_levers(self, pane: str) -> dict[str, Any]:
        """The lever values contract A or B of this lesson runs with, as WorkshopModel builds them."""
        settings = self.settings()
        values = {name: settings[name] for name in DEFAULTS}
        return values if pane == "A" else contract_b(values, settings["b_changes"])


LESSONS: tuple[Lesson, ...] = (
    Lesson(
        key="trust_saves",
        title="What trust saves",
        point="1. You don't have to babysit them",
        script=("Both clients pay the same hybrid contract and audit the same. Client B recognises good "
                "work; client A never does. Watch the vendor's trust in the client, then the client's "
                "trust in the vendor, and the hours the client spends supervising."),
        question="Where do B's saved oversight hours come from, when B never audits less on purpose?",
        levers={"scheme": "hybrid", "recognition": 0.0},
        b_changes={"recognition": 0.9},
        watch="trust both ways; client value against vendor margin; the oversight hours monitor",
        expect=(("trust_in_client", "higher"), ("trust_in_vendor", "higher"),
                ("oversight_hours", "lower"), ("client_net_value", "higher")),
    ),
    Lesson(
        key="stakeholders",
        title="Pay for what your stakeholders see",
        point="2. They make you look better internally",
        script=("A pays on a quality score; B shares the business outcome the client's own stakeholders "
                "judge. Both are priced so the vendor earns the same premium over its alternatives. "
                "Under B there is nothing to gain from gaming a score, and the vendor trusts the client "
                "more; under A each point of the score pays, and the audits and reviews keep it honest."),
        question=("B's vendor games less and trusts the client more, yet B's stakeholders escalate far "
                  "more often. What does a share of a late, noisy outcome fail to buy?"),
        levers={"scheme": "quality_weighted"},
        b_changes={"scheme": "shared_outcome"},
        watch="gaming; true against measured quality; escalations; client net value against vendor margin",
        expect=(("gaming", "lower"), ("true_quality", "lower"), ("escalations", "higher"),
                ("trust_in_client", "higher")),
    ),
    Lesson(
        key="corners",
        title="Pay per volume and watch the corners get cut",
        point="3. You're aligned on incentives",
        script=("No reviews this time: the contract runs as signed for its term. A pays per unit delivered, "
                "B shares the outcome. Under A nothing pays for quality and every unit counted pays, so "
                "the vendor puts its effort into throughput and cuts corners where it can: true quality "
                "stays at its base level, and escalations run at many times B's rate, week after week."),
        question=("Both vendors are priced to earn the same premium. Is A's vendor a bad partner, or a "
                  "rational one, and who pays for what A's contract leaves out?"),
        levers={"scheme": "per_volume", "quarterly_reviews": False},
        b_changes={"scheme": "shared_outcome"},
        watch="gaming; true against measured quality; escalations; client net value against vendor margin",
        expect=(("gaming", "lower"), ("quality_gap", "lower"), ("escalations", "lower"),
                ("client_net_value", "higher")),
    ),
    Lesson(
        key="reviews",
        title="Review the incentives every quarter",
        point="3. You're aligned on incentives",
        script=("Both pay per volume. A never looks again until the term ends; B reviews every quarter, "
                "moves pay toward audited quality, audits more where the score and the audits disagree, "
                "warns and re-prices. Watch B's gaming and escalations fall, and the vendor's trust in "
                "the client fall with them."),
        question=("B's reviews cut the gaming and the escalations, yet the client's net value does not "
                  "rise. Where does the gain go?"),
        levers={"scheme": "per_volume", "quarterly_reviews": False},
        b_changes={"quarterly_reviews": True},
        watch="gaming; true against measured quality; trust both ways; client net value against vendor margin",
        expect=(("gaming", "lower"), ("quality_gap", "lower"), ("escalations", "lower"),
                ("trust_in_client", "lower")),
        monitors=("detected_gaming",),
    ),
    Lesson(
        key="feedback",
        title="Feedback that lands",
        point="4. Feedback goes both ways - and it lands",
        script=("A's feedback is vague and never asks the vendor what it thinks; B's is clear and "
                "specific, and B asks for feedback in return. Watch the same items come back under A "
                "(the complaint loop) and the vendor's silence."),
        question="A's vendor never gives feedback. Is that perfection, or disengagement?",
        levers={"scheme": "hybrid", "feedback_clarity": 0.2, "two_way_feedback": 0.0},
        b_changes={"feedback_clarity": 0.9, "two_way_feedback": 0.9},
        watch="trust both ways; escalations; the feedback monitors",
        expect=(("feedback_repeated", "lower"), ("vendor_feedback", "higher"),
                ("trust_in_vendor", "higher"), ("escalations", "lower")),
    ),
    Lesson(
        key="playbook",
        title="Share your playbook",
        point="5. They invest in understanding your business",
        script=("A hands over tasks; B shares its playbooks and business updates. The vendor under B "
                "learns the business, so it spots a breaking process and flags a fix before the client "
                "notices, instead of waiting for the client to find it."),
        question="Who found B's broken processes first, and what did that save?",
        levers={"scheme": "hybrid", "context_sharing": 0.1},
        b_changes={"context_sharing": 0.9},
        watch="escalations and breaks; trust in the vendor; oversight hours",
        expect=(("breaks_missed", "lower"), ("breaks_flagged", "higher"), ("escalations", "lower"),
                ("oversight_hours", "lower")),
    ),
    Lesson(
        key="pressure",
        title="When the pressure hits: would they take your calls?",
        point="6. You'd recommend them - and they'd recommend you",
        script=("From week 53 demand jumps by 60% for eight weeks and the vendors lose a fifth of their "
                "staff; a client three times the others' size competes for what is left. In B every "
                "client has recognised good work all along; in A none has. Watch weeks 53 to 78."),
        question=("The vendors are just as short of staff in both panes and share it out the same way. "
                  "Why do B's relationships come through the shock in better shape?"),
        levers={"scheme": "hybrid", "pressure_shock": True, "recognition": 0.0},
        b_changes={"recognition": 0.9},
        watch="trust both ways and escalations after week 52; the network view during the shock",
        expect=(("trust_in_client", "higher"), ("escalations", "lower"), ("client_net_value", "higher")),
        window=(52, 78),
    ),
)
BY_KEY = {lesson.key: lesson for lesson in LESSONS}

# The picker's first entry: the page as it opens, every lever at its default, A alone.
FREE_PLAY = "Free play"
