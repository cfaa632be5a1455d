"""The default comparison's tables, to the last digit: refactoring must not move a number.

`bposim-compare` at its defaults (every default scheme, 30 replications, 156 weeks, the default
market) writes scorecard.csv/.md and paired.csv/.md; their text is stored in tests/data/golden_compare/
and must come out byte for byte the same. A change that is meant to move the numbers (a new
mechanism, a changed default) regenerates them on purpose:

    BPOSIM_REGENERATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_golden.py
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bposim.compare import main as compare_main

GOLDEN = Path(__file__).parent / "data" / "golden_compare"
TABLES = ("scorecard.csv", "paired.csv", "scorecard.md", "paired.md")


@pytest.mark.slow
def test_default_comparison_tables_are_unchanged_to_the_last_digit(tmp_path, capsys):
    out = tmp_path / "rep"
    assert compare_main(["--out", str(out), "--no-robustness"]) == 0  # the tables only
    capsys.readouterr()
    regenerate = os.environ.get("BPOSIM_REGENERATE_GOLDEN") == "1"
    for name in TABLES:
        got = (out / name).read_text()
        if regenerate:
            GOLDEN.mkdir(parents=True, exist_ok=True)
            (GOLDEN / name).write_text(got)
        assert got == (GOLDEN / name).read_text(), f"{name} differs from tests/data/golden_compare/{name}"
