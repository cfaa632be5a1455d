"""Which review lever does the work (#12 item 8)?

    .venv/bin/python experiments/quarterly_reviews/levers.py

The study's drift-prone setting (quality_weighted, conscientious vendor, gameable score, rare
audits) at drift 0.1 a week, 156 weeks, 30 replications, seed 0 (common random numbers). Against
quarterly reviews with every action on, each action is switched off alone (what it adds), and
each is left on alone (what it does by itself); then once more for the default vendor (gaming
aversion 0.1). "Never relaxing" keeps every action on but takes away the relaxing after clean
periods (client.relax_step = 0, audit_relax_step = 1: reviews that only ratchet). Prints a Markdown table of client net value (kMU) and last-year corner-cutting,
each against all reviews on: paired mean difference [95% CI].
"""

from __future__ import annotations

import bposim
from bposim.analysis.stats import mean_ci

STUDY = ["scheme=quality_weighted", "vendor.gaming_aversion=2.2", "vendor.metric_gameability=1.0",
         "client.audit_rate=0.05", "vendor.gaming_drift=0.1", "seed=0"]
ACTIONS = ("review_reweight", "review_reprice", "review_warn", "review_terminate")
REPLICATIONS = 30


def measures(overrides: list[str]) -> dict[str, object]:
    r = bposim.simulate(overrides, replications=REPLICATIONS)
    ts = r.timeseries
    last = ts[ts.step > 104].groupby("replication").gaming.mean().sort_index().to_numpy()
    return {"value": r.summary.sort_values("replication").client_net_value.to_numpy() / 1000.0, "gaming": last}


def cell(a, b, digits: int) -> str:
    mean, lo, hi, _ = mean_ci(a - b)
    return f"{mean:+.{digits}f} [{lo:+.{digits}f}, {hi:+.{digits}f}]"


def table(base: list[str]) -> str:
    arms = [("all actions on (quarterly)", []), ("no reviews", ["client.review_period=0"]),
            ("all on, never relaxing", ["client.relax_step=0", "client.audit_relax_step=1"])]
    arms += [(f"all but {a}", [f"client.{a}=false"]) for a in ACTIONS]
    arms += [(f"only {a}", [f"client.{b}=false" for b in ACTIONS if b != a]) for a in ACTIONS]
    runs = {name: measures([*base, "client.review_period=13", *extra]) for name, extra in arms}
    ref = runs[arms[0][0]]
    lines = ["| reviews | client net value (kMU) | vs all on | last-year corner-cutting | vs all on |",
             "|---|---|---|---|---|"]
    for name, _ in arms:
        m = runs[name]
        lines.append(f"| {name} | {m['value'].mean():.1f} | {cell(m['value'], ref['value'], 1)} | "
                     f"{m['gaming'].mean():.3f} | {cell(m['gaming'], ref['gaming'], 3)} |")
    return "\n".join(lines)


def main() -> None:
    print("Conscientious vendor (the study's setting), drift 0.1:\n")
    print(table(STUDY))
    print("\nDefault vendor (gaming aversion 0.1), drift 0.1:\n")
    print(table([*STUDY, "vendor.gaming_aversion=0.1"]))


if __name__ == "__main__":
    main()
