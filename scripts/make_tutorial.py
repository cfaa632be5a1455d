"""Writes docs/tutorial.ipynb from the cells below (so its source stays reviewable as Python) and
executes it, so that the committed copy shows its outputs: tables, printed lines and figures.

    .venv/bin/python scripts/make_tutorial.py          # or: make tutorial
    .venv/bin/python scripts/make_tutorial.py --no-execute   # the cells only, without outputs

Re-run it whenever the model, its defaults or the cells change: tests/test_tutorial.py
re-executes the notebook and fails when the committed outputs no longer match what it gives.
"""

import argparse
import sys
import tempfile
from pathlib import Path

import nbformat as nbf

NOTEBOOK = Path(__file__).resolve().parents[1] / "docs" / "tutorial.ipynb"

md, code = nbf.v4.new_markdown_cell, nbf.v4.new_code_cell
cells = [
    md("""# A first contract comparison with bposim

This tutorial compares three ways of paying a BPO vendor, on the same market and the same
random streams, and reads the result the way a strategist would: which contract leaves the
client best off, with what confidence, and what it does to trust and corner-cutting.

Everything here is the Python API; `bposim-compare` on the command line does the same and
writes an HTML report."""),
    code("""%matplotlib inline
import pandas as pd
import bposim
from bposim.compare import run_comparison
from bposim.analysis import fan_chart, two_party, wide
from bposim.analysis.formats import people  # numbers for people: 34,000 not 3.4e+04

pd.set_option("display.width", 160)"""),
    md("""## 1. A configuration

`bposim.compose` builds a validated configuration from the packaged configs with Hydra's
override syntax. Every parameter has a range, a unit and a meaning (see docs/ODD.md); a value
out of range stops with a message naming it."""),
    code("""cfg = bposim.compose(["scheme=per_volume", "market.n_clients=3", "market.n_vendors=2"])
print(cfg.scheme)
print("weeks:", cfg.steps, " clients:", cfg.market.n_clients, " audit rate:", cfg.client.audit_rate)"""),
    code("""try:
    bposim.compose(["client.audit_rate=1.5"])
except bposim.ConfigError as err:
    print(err)"""),
    md("""## 2. Run three schemes on common random numbers

Replication *r* of every scheme meets the same demand, shocks, process breaks and audit dice
(the random streams depend only on the seed, the replication and their name), so differences
between schemes are the contracts' alone. `run_comparison` (what `bposim-compare` runs) returns a
`Comparison`: the results once, and every table derived from them. 30 replications of three years each:"""),
    code("""comparison = run_comparison(["scheme=per_volume,quality_weighted,shared_outcome"], baseline="per_volume")
results, timeseries = comparison.results, comparison.timeseries
people(results[["scheme", "replication", "client_net_value", "true_quality", "gaming", "trust_in_vendor"]].head())"""),
    md("""## 3. The scorecard

Mean over replications with its 95% confidence interval, for the KPIs a contract is judged
on. Money is in model units (MU) over the three years."""),
    code("""card = comparison.scorecard
wide(card)[["client_net_value", "true_quality", "gaming", "trust_in_vendor", "vendor_margin"]]"""),
    md("""## 4. Paired comparison against per-volume pay

Each scheme minus per_volume within the same replication, with a 95% interval and the share of
replications in which it does better. Pairing removes the market's own noise."""),
    code("""pairs = comparison.paired
people(pairs[pairs.kpi.isin(["client_net_value", "gaming", "trust_in_vendor"])])"""),
    md("""## 5. Over time: trust

Median and 50%/90% bands over replications, week by week. Each figure carries a one-line
reading of what it shows (`fig.reading`)."""),
    code("""fig = fan_chart(timeseries, "trust_in_vendor")
print(fig.reading)
fig"""),
    md("""## 6. Who gets the surplus

Client net value against vendor margin: a contract can be good for one side and bad for the
other."""),
    code("""fig = two_party(results)
print(fig.reading)
fig"""),
    md("""## 7. Reading it

A quick summary drawn from the tables above (the numbers depend on the default market):"""),
    code("""best = card[card.kpi == "client_net_value"].sort_values("mean", ascending=False).iloc[0]
print(f"Highest client net value: {best.scheme}, {best['mean']:,.0f} MU [{best.ci_low:,.0f}, {best.ci_high:,.0f}]")
g = card[card.kpi == "gaming"].set_index("scheme")["mean"]
print("Corner-cutting share by scheme:", g.round(3).to_dict())"""),
    md("""## 8. Any what-if

Comma lists work for any setting, as in `bposim-run -m`: every combination is compared, named by
its factors. Here one contract at two audit rates, with the verdict in words:"""),
    code("""what_if = run_comparison(["scheme=quality_weighted", "client.audit_rate=0.05,0.2", "replications=10"])
print(what_if.report().section("verdict").lead)
what_if.headline()"""),
    md("""## Next

- Any setting can change: `bposim.simulate(["scheme=quality_weighted", "vendor.metric_gameability=1.0"])`.
- The whole report folder, as `bposim-compare` writes it: `comparison.write("reports/mine")`.
- Sweeps over settings: `bposim-run -m scheme=per_volume,quality_weighted client.audit_rate=0.05,0.2 replications=30`,
  then `bposim-report SWEEP_DIR` for the HTML report.
- The named studies in `experiments/` answer the brief's questions, each with a README and figure."""),
]


def notebook():
    """The tutorial's cells, without outputs (ids by position, so a refresh changes only outputs)."""
    for i, cell in enumerate(cells):
        cell.id = f"cell-{i:02d}"
    return nbf.v4.new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                                     "language": "python"}})


def execute(nb, timeout: int = 600):
    """Run every cell in a scratch folder (the comparison writes nothing there; nothing is kept)."""
    import nbclient

    with tempfile.TemporaryDirectory(prefix="bposim-tutorial-") as folder:
        nbclient.NotebookClient(nb, timeout=timeout, kernel_name="python3", record_timing=False,
                                resources={"metadata": {"path": folder}}).execute()
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = coalesce_streams(cell.outputs)
    return nb


def coalesce_streams(outputs: list) -> list:
    """Consecutive printed chunks of one stream as one output: the kernel sends a cell's prints in
    chunks whose boundaries depend on timing, which would make every refresh differ."""
    out = []
    for o in outputs:
        if out and o.output_type == "stream" and out[-1].output_type == "stream" and out[-1].name == o.name:
            out[-1].text += o.text
        else:
            out.append(o)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-execute", dest="execute", action="store_false", help="write the cells without outputs")
    parser.add_argument("--out", default=str(NOTEBOOK), help=f"where to write it (default: {NOTEBOOK})")
    args = parser.parse_args(argv)
    nb = notebook()
    if args.execute:
        execute(nb)
    nb.metadata.pop("widgets", None)
    nbf.write(nb, args.out)
    print(f"wrote {args.out}" + (" with its outputs" if args.execute else " (no outputs)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
