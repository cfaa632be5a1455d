"""The tutorial notebook in docs/ ships with its outputs (#14 item 10): the committed copy is the
cells scripts/make_tutorial.py writes, every code cell shows what it gives, and re-executing it
gives outputs of the same kinds with the same text (numbers aside): when the model or its
defaults change, `make tutorial` refreshes it."""

from __future__ import annotations

import copy
import importlib.util
import re
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "docs" / "tutorial.ipynb"
REFRESH = "docs/tutorial.ipynb is stale: run `make tutorial` (scripts/make_tutorial.py) and commit it"
SCI = re.compile(r"(?<![\w#.])\d+(\.\d+)?[eE][+-]?\d+(?![\w.])")


def _maker():
    spec = importlib.util.spec_from_file_location("make_tutorial", ROOT / "scripts" / "make_tutorial.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _code(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


def _text(output) -> str:
    if output.output_type == "stream":
        return output.text
    return output.get("data", {}).get("text/plain", "") if output.output_type != "error" else output.ename


def _shape(nb) -> list[list[tuple]]:
    """Per code cell: each output's kind (stream name or MIME types) and its text's first line,
    digits masked (numbers may move in the last place across platforms; words may not)."""
    out = []
    for cell in _code(nb):
        kinds = []
        for o in cell.outputs:
            kind = o.get("name") if o.output_type == "stream" else tuple(sorted(o.get("data", {})))
            first = (_text(o).strip().splitlines() or [""])[0]
            kinds.append((o.output_type, kind, re.sub(r"\d[\d,.]*", "#", first)))
        out.append(kinds)
    return out


@pytest.fixture(scope="module")
def committed():
    return nbformat.read(NOTEBOOK, as_version=4)


def test_the_committed_notebook_is_the_maker_s_cells_with_their_outputs(committed):
    made = _maker().notebook()
    assert [(c.cell_type, c.source) for c in committed.cells] == [(c.cell_type, c.source) for c in made.cells], REFRESH
    for i, cell in enumerate(_code(committed)):
        assert cell.execution_count is not None, f"code cell {i} was never run: {REFRESH}"
        assert cell.outputs or i == 0, f"code cell {i} has no output in the committed copy: {REFRESH}"  # 0: imports
        assert not [o for o in cell.outputs if o.output_type == "error"], i
    outputs = [o for c in _code(committed) for o in c.outputs]
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) >= 2, "the fan chart and the two-party view are shown"
    shown = "\n".join(_text(o) for o in outputs)
    assert not SCI.search(shown), "numbers for people: no e-notation in the shown tables"
    assert "is out of range: allowed [0, 1]" in shown and "Highest client net value:" in shown


@pytest.mark.slow
def test_re_executing_the_notebook_gives_what_the_committed_copy_shows(committed):
    fresh = _maker().execute(copy.deepcopy(_maker().notebook()))
    outputs = [o for c in _code(fresh) for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert _shape(fresh) == _shape(committed), REFRESH
