"""experiments/findings/findings.py: the referee's findings of issue #12, re-measured.

The script runs here at a tiny size (2 replications, 20 weeks, no best_terms searches) into a
temporary file: its table has one row per finding, each with all four cells filled, and the
directions table one row per check. The committed README carries the same rows (it was written
by the same script, at full size), the command that writes it and the commit its numbers come from.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FOLDER = ROOT / "experiments" / "findings"
HEADER = "| finding | as the referee found it | now (measured) | what changed in the model |"


def load():
    spec = importlib.util.spec_from_file_location("experiments_findings", FOLDER / "findings.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def findings():
    return load()


@pytest.fixture(scope="module")
def tiny(findings, tmp_path_factory):
    out = tmp_path_factory.mktemp("findings") / "README.md"
    assert findings.main(["--reps", "2", "--weeks", "20", "--jobs", "1", "--no-best-terms", "--out", str(out)]) == 0
    return out.read_text()


def rows(text: str) -> list[list[str]]:
    """The cells of the findings table's rows."""
    lines = text.splitlines()
    start = lines.index(HEADER) + 2
    out = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        out.append([c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]])
    return out


def test_the_tiny_run_gives_a_row_for_every_finding_with_every_cell_filled(findings, tiny):
    table = rows(tiny)
    assert len(table) == len(findings.KEYS)
    for cells in table:
        assert len(cells) == 4 and all(cells), cells
        assert re.search(r"\d", cells[2]), f"no measured number in {cells[0]}: {cells[2]}"
    assert "## Directions theory expects" in tiny and "best_terms with the terms as written" not in tiny


def test_the_committed_readme_has_the_same_rows_and_says_how_and_where_it_was_made(tiny):
    committed = (FOLDER / "README.md").read_text()
    assert [c[0] for c in rows(committed)] == [c[0] for c in rows(tiny)]
    assert [c[1] for c in rows(committed)] == [c[1] for c in rows(tiny)]  # the referee's words, as quoted
    assert ".venv/bin/python experiments/findings/findings.py" in committed
    made = re.search(r"\*\*This run\*\*: code at ([0-9a-f]{7,})", committed)
    assert made, "the README names the commit its numbers come from"
    assert "30 replications, 156 weeks" in committed
    assert "## best_terms with the terms as written against participation pricing" in committed
    directions = [line for line in committed.splitlines() if line.startswith("| horizon |")
                  or line.startswith("| risk aversion |") or line.startswith("| pricing |")
                  or line.startswith("| vendor heterogeneity |")]
    assert {line.split("|")[1].strip() for line in directions} == {"horizon", "risk aversion", "pricing",
                                                                    "vendor heterogeneity"}
