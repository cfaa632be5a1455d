"""How much the scheme comparison's answer depends on the vendor's horizon and on pricing (#12).

    .venv/bin/python experiments/scheme_comparison/sensitivity.py

Runs the study's setting (default market, 156 weeks, 30 replications, seed 0, common random
numbers) for every business scheme at three annual discount rates (vendor.discount_factor=-1,
so the weekly factor comes from vendor.annual_discount_rate) and at today's weekly factor 0.96,
each with scheme.pricing=as_written and =participation, and prints a Markdown table of client
net value (mean and 95% CI half-width, kMU) with the ranking in each column.
"""

from __future__ import annotations

import bposim
from bposim.analysis.stats import mean_ci
from bposim.schemes import SCHEMES

HORIZONS = [("weekly 0.96 (default)", []),
            ("5% a year", ["vendor.discount_factor=-1", "vendor.annual_discount_rate=0.05"]),
            ("10% a year", ["vendor.discount_factor=-1", "vendor.annual_discount_rate=0.10"]),
            ("30% a year", ["vendor.discount_factor=-1", "vendor.annual_discount_rate=0.30"])]
PRICING = ("as_written", "participation")


def main() -> None:
    schemes = [n for n, k in SCHEMES.items() if k.business]
    columns = [(h, ov, pr) for h, ov in HORIZONS for pr in PRICING]
    cells, ranks = {}, {}
    for h, ov, pr in columns:
        means = {}
        for s in schemes:
            summary = bposim.simulate([f"scheme={s}", f"scheme.pricing={pr}", "seed=0", *ov], replications=30).summary
            mean, lo, hi, _ = mean_ci(summary.client_net_value.to_numpy() / 1000.0)
            means[s], cells[s, h, pr] = mean, f"{mean:.1f} ± {(hi - lo) / 2:.1f}"
        for i, s in enumerate(sorted(means, key=means.get, reverse=True)):
            ranks[s, h, pr] = i + 1
    print("| scheme | " + " | ".join(f"{h}, {pr}" for h, _, pr in columns) + " |")
    print("|---|" + "---|" * len(columns))
    for s in schemes:
        print(f"| {s} | " + " | ".join(f"{cells[s, h, pr]} (#{ranks[s, h, pr]})" for h, _, pr in columns) + " |")


if __name__ == "__main__":
    main()
