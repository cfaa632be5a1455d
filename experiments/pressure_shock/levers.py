"""Which lever decides who is served in a pressure shock (#12 item 8)?

    .venv/bin/python experiments/pressure_shock/levers.py

The study's sharpest case: one vendor, three clients, client 0 eight times the others' size,
shock=surge (weeks 53-60), 156 weeks, 60 replications, seed 0. A short vendor rations capacity by
pull: size (vendor.attention_size), margin (attention_margin), its trust in the client
(attention_trust) and recognition (attention_recognition). Each pull is set to 0 alone, and all
at once (capacity shared in proportion to demand). Prints a Markdown table of the demand served
in the shock (big client, small clients) and the small clients' escalations in the shock and
client value in weeks 53-78 (each small client's, and the big client's: what the size pull
trades between them), each with its paired difference [95% CI] against the default pulls.
"""

from __future__ import annotations

import bposim
from bposim.analysis.stats import mean_ci

CASE = ["market.n_clients=3", "market.n_vendors=1", "market.big_client_multiplier=8", "shock=surge",
        "record.relationships=all", "seed=0"]
PULLS = ("attention_size", "attention_margin", "attention_trust", "attention_recognition")
REPLICATIONS = 60
SHOCK, AFTER = (53, 60), (53, 78)


def measures(overrides: list[str]) -> dict[str, object]:
    rel = bposim.simulate([*CASE, *overrides], replications=REPLICATIONS).relationships
    big = rel.client_id == 0
    shock = rel.step.between(*SHOCK)
    after = rel.step.between(*AFTER)

    def per_rep(mask, column, how="sum"):
        return rel[mask].groupby("replication")[column].agg(how).sort_index().to_numpy()

    return {"big served": per_rep(shock & big, "volume") / per_rep(shock & big, "demand"),
            "small served": per_rep(shock & ~big, "volume") / per_rep(shock & ~big, "demand"),
            "small escalations": per_rep(shock & ~big, "escalations") / 2.0,
            "small value": per_rep(after & ~big, "client_net_value") / 2.0 / 1000.0,
            "big value": per_rep(after & big, "client_net_value") / 1000.0}


def cell(a, b) -> str:
    mean, lo, hi, _ = mean_ci(a - b)
    return f"{a.mean():.3g} ({mean:+.3f} [{lo:+.3f}, {hi:+.3f}])"


def main() -> None:
    arms = [("default pulls", [])] + [(f"{p} = 0", [f"vendor.{p}=0"]) for p in PULLS]
    arms.append(("all pulls 0 (shared by demand)", [f"vendor.{p}=0" for p in PULLS]))
    runs = {name: measures(extra) for name, extra in arms}
    ref = runs["default pulls"]
    keys = list(ref)
    print("| pulls | " + " | ".join(f"{k} (vs default)" for k in keys) + " |")
    print("|---|" + "---|" * len(keys))
    for name, _ in arms:
        print(f"| {name} | " + " | ".join(cell(runs[name][k], ref[k]) for k in keys) + " |")


if __name__ == "__main__":
    main()
