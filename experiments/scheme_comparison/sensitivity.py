"""How much the scheme comparison's answer depends on the vendor's horizon, on pricing and on the
relational premium (#12).

    .venv/bin/python experiments/scheme_comparison/sensitivity.py

Runs the study's setting (default market, 156 weeks, 30 replications, seed 0, common random
numbers) for every business scheme and prints two Markdown tables of client net value (mean and
95% CI half-width, kMU) with the ranking in each column, and the paired difference (95% CI) of
the first two:
  1. at annual discount rates of 5%, 10% (the default) and 30% (vendor.annual_discount_rate), each
     with scheme.pricing=as_written and =participation (at the default scheme.premium);
  2. under participation at the default rate, with scheme.premium at 0, the default and twice it;
  3. at the default terms, with the client's value and reviews of the defaults before quality was
     valued per unit delivered (quality per baseline seat, unserved demand free, reviews that only
     ratchet), with each of those changes alone, and with unserved demand at 0 and twice the default.
"""

from __future__ import annotations

import bposim
from bposim.config import ClientConfig
from bposim.analysis.stats import mean_ci
from bposim.schemes import SCHEMES
from bposim.schemes.base import PREMIUM

RATES = (0.05, 0.10, 0.30)
PRICING = ("as_written", "participation")
PREMIUMS = (0.0, PREMIUM, 2 * PREMIUM)
REPLICATIONS = 30
UNSERVED = ClientConfig().unserved_cost


def ranked(columns: list[tuple[str, list[str]]]) -> str:
    """A Markdown table: one row per business scheme, one column per (heading, overrides), and a
    last row with the paired difference (same replications) of the first two in each column."""
    schemes = [n for n, k in SCHEMES.items() if k.business]
    cells, ranks, gaps = {}, {}, {}
    for heading, overrides in columns:
        values = {s: bposim.simulate([f"scheme={s}", "seed=0", *overrides], replications=REPLICATIONS)
                  .summary.sort_values("replication").client_net_value.to_numpy() / 1000.0 for s in schemes}
        means = {}
        for s in schemes:
            mean, lo, hi, _ = mean_ci(values[s])
            means[s], cells[s, heading] = mean, f"{mean:.1f} ± {(hi - lo) / 2:.1f}"
        order = sorted(means, key=means.get, reverse=True)
        for i, s in enumerate(order):
            ranks[s, heading] = i + 1
        mean, lo, hi, _ = mean_ci(values[order[0]] - values[order[1]])
        gaps[heading] = f"{order[0]} − {order[1]}: {mean:+.1f} [{lo:+.1f}, {hi:+.1f}]"
    lines = ["| scheme | " + " | ".join(h for h, _ in columns) + " |", "|---|" + "---|" * len(columns)]
    lines += [f"| {s} | " + " | ".join(f"{cells[s, h]} (#{ranks[s, h]})" for h, _ in columns) + " |" for s in schemes]
    lines.append("| #1 − #2, paired | " + " | ".join(gaps[h] for h, _ in columns) + " |")
    return "\n".join(lines)


def main() -> None:
    horizons = [(f"{rate:.0%} a year, {pricing}", [f"vendor.annual_discount_rate={rate}", f"scheme.pricing={pricing}"])
                for rate in RATES for pricing in PRICING]
    print(ranked(horizons))
    print()
    premiums = [(f"premium {premium:g}", ["scheme.pricing=participation", f"scheme.premium={premium}"])
                for premium in PREMIUMS]
    print(ranked(premiums))
    print()
    earlier = ["client.quality_per_unit=false", "client.unserved_cost=0", "client.relax_step=0"]
    values = [("earlier defaults", earlier),
              ("quality per seat", ["client.quality_per_unit=false"]),
              ("unserved 0", ["client.unserved_cost=0"]),
              (f"default (unserved {UNSERVED:g})", []),
              (f"unserved {2 * UNSERVED:g}", [f"client.unserved_cost={2 * UNSERVED}"]),
              ("reviews ratchet", ["client.relax_step=0"])]
    print(ranked(values))


if __name__ == "__main__":
    main()
