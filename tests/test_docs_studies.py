"""scripts/check_studies.py, the full-size check of the study READMEs' tables (not run by CI: it
re-runs every study), checked here on tables it is given: it reads the README's tables and
commands as they are written, finds a changed number and says which, and passes a table that is
the plot table rounded as the READMEs round it."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("check_studies", ROOT / "scripts" / "check_studies.py")
cs = importlib.util.module_from_spec(spec)
spec.loader.exec_module(cs)

PLOT = pd.DataFrame({"scheme": ["shared_outcome", "quality_weighted", "per_volume"],
                     "cnv_k": [98.7312, 97.0841, 36.1499], "cnv_k_ci": [10.2103, 9.6855, 7.8277],
                     "gaming": [0.01512, 0.02471, 0.03338], "gaming_ci": [0.0004, 0.0011, 0.0021],
                     "escalations": [19.2, 3.4, 205.0], "escalations_ci": [3.1, 0.9, 12.0], "n": [30, 29, 30]})


def readme_table(rows) -> str:
    lines = ["| scheme | client net value (kMU) | corner-cutting | escalations | runs |", "|---|---|---|---|---|"]
    return "\n".join(lines + [f"| {' | '.join(r)} |" for r in rows])


def rounded(t: pd.DataFrame) -> list[list[str]]:
    return [[r.scheme, f"{r.cnv_k:.1f} ± {r.cnv_k_ci:.1f}", f"{r.gaming:.3f}", f"{r.escalations:.0f}", str(r.n)]
            for r in t.itertuples()]


def test_a_table_that_is_the_plot_table_rounded_matches_every_row_and_column():
    [(line, head, rows)] = cs.tables(readme_table(rounded(PLOT)))
    result = cs.compare(head, rows, PLOT)
    assert line == 1 and result["rows"] == 3 and not result["wrong"] and not result["unmapped"]
    assert result["mapping"] == {"client net value (kMU)": "cnv_k", "corner-cutting": "gaming",
                                 "escalations": "escalations", "runs": "n"}  # n: numpy int64


def test_a_changed_number_or_ci_is_named_with_the_fresh_value():
    rows = rounded(PLOT)
    rows[1][1] = "97.2 ± 9.7"    # the value moved by more than its last digit
    rows[2][3] = "206"
    rows[0][1] = "98.7 ± 12.0"   # the CI moved
    [(_, head, parsed)] = cs.tables(readme_table(rows))
    wrong = {(r[0], column): (shown, fresh) for r, column, shown, fresh in cs.compare(head, parsed, PLOT)["wrong"]}
    assert wrong.keys() == {("quality_weighted", "client net value (kMU)"), ("per_volume", "escalations"),
                            ("shared_outcome", "client net value (kMU)")}
    assert wrong["per_volume", "escalations"] == ("206", "205 ± 12")


def test_a_table_from_another_script_is_not_matched_and_a_pivot_table_is_unpivoted():
    other = readme_table([["fixed_fee", "20.5 ± 5.2", "0.015", "191", "30"]])
    [(_, head, rows)] = cs.tables(other)
    assert cs.compare(head, rows, PLOT)["rows"] == 0
    pivot = "| gameability \\ audit rate | 0 | 0.1 |\n|---|---|---|\n| 0 | 0.14 | 0.02 |\n| 0.2 | 0.52 | 0.02 |"
    [(_, head, rows)] = cs.tables(pivot)
    assert head == ["gameability", "audit rate", "value"] and rows[1] == ["0", "0.1", "0.02"] and len(rows) == 4
    grid = pd.DataFrame({"g": [0.0, 0.0, 0.2, 0.2], "a": [0.0, 0.1, 0.0, 0.1], "gaming": [0.141, 0.018, 0.523, 0.024]})
    result = cs.compare(head, rows, grid)
    assert result["rows"] == 4 and not result["wrong"] and result["mapping"]["value"] == "gaming"


@pytest.mark.parametrize("study", ["scheme_comparison", "gaming_quality_weighted", "quarterly_reviews", "feedback",
                                   "context_sharing", "pressure_shock", "outcome_sharing_limits", "trust_savings"])
def test_every_study_readme_gives_a_sweep_and_a_plot_call_the_script_can_run(study):
    readme = (ROOT / "experiments" / study / "README.md").read_text(encoding="utf-8")
    words = cs.commands(readme)
    sweeps = [w for w in words if Path(w[0]).name == "bposim-run" and "-m" in w]
    plots = [w for w in words if w[0].endswith("python") and w[1:2] == ["experiments/plot.py"]]
    assert sweeps and plots and all(w[2] == study for w in plots), words
    assert all(any(a.startswith("hydra.sweep.dir=") for a in w) for w in sweeps)
