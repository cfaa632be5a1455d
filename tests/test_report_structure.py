"""The report's structure: typed tables, sections rendered to HTML and Markdown from the same data,
a Comparison result object, atomic io, and the KPI and scheme declarations everything derives from."""

from __future__ import annotations

import dataclasses
import re

import pandas as pd
import pytest

import bposim
from bposim.analysis import KPIS, Comparison
from bposim.analysis.report import Report
from bposim.analysis.sections import Figures, Paired, Scorecard, Summary, render
from bposim.compare import run_comparison
from bposim.io import atomic_write, write_text
from bposim.metrics import FOOTER, HEADLINE, METRICS, SCORECARD
from bposim.schemes import ALL, BUSINESS, COLOURS, SCHEMES


@pytest.fixture(scope="module")
def comparison() -> Comparison:
    return run_comparison(["scheme=per_volume,shared_outcome,fixed_fee", "replications=3", "steps=26"],
                          baseline="per_volume")


@pytest.fixture(scope="module")
def report(comparison) -> Report:
    return comparison.report("bposim-compare test")


def test_run_comparison_returns_a_comparison_whose_tables_the_report_reads(comparison, report):
    assert isinstance(comparison, Comparison)
    assert comparison.schemes == ["per_volume", "shared_outcome", "fixed_fee"] and comparison.replications == 3
    assert report.tables is comparison.tables, "the report reads the comparison's tables, built once"
    pd.testing.assert_frame_equal(report.scorecard, comparison.scorecard)
    assert list(pd.unique(comparison.scorecard.scheme)) == comparison.schemes
    assert set(comparison.paired.baseline) == {"per_volume"}
    headline = comparison.headline(report)
    assert list(headline.index) == comparison.schemes
    assert len(headline.columns) == len(HEADLINE)


def test_results_objects_are_frozen_no_attribute_is_set_after_construction(comparison, report):
    for obj in (comparison, report, comparison.tables, *report.sections):
        assert dataclasses.is_dataclass(obj) and type(obj).__dataclass_params__.frozen, type(obj).__name__
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.html = ""  # type: ignore[misc]


def test_html_and_markdown_come_from_the_same_section_data(report):
    kinds = [type(s) for s in report.sections]
    order = [k for k in kinds if k in (Summary, Scorecard, Paired)]
    assert order == [Summary, Scorecard, Paired] and Figures in kinds
    for section in report.sections:
        html, md = render(section, "html"), render(section, "md")
        assert f'<section id="{section.id}">' in html
        if isinstance(section, Scorecard):
            for row in section.rows:
                for cell in row.cells:  # every number of the scorecard is in both renderings
                    assert f"{cell.value}<small>[{cell.low}, {cell.high}]" in html
                    assert f"{cell.value} [{cell.low}, {cell.high}]" in md
        if isinstance(section, Summary):
            for line in section.headline:
                assert f"- {line}" in md
                assert line.replace("'", "&#39;") in html
    nav = re.findall(r'<a href="#([a-z-]+)">', report.html)
    assert nav == [s.id for s in report.sections]
    assert report.markdown.startswith("# Contract comparison\n")


def test_the_report_writes_through_the_public_atomic_helper(report, tmp_path):
    report.write(tmp_path / "rep")
    assert (tmp_path / "rep" / "figures" / "two_party.png").read_bytes()[:4] == b"\x89PNG"
    assert not list((tmp_path / "rep").rglob(".*.tmp")), "no temporary file is left behind"


def test_atomic_write_leaves_the_old_file_when_writing_fails(tmp_path):
    path = write_text("old", tmp_path / "a" / "f.txt")

    def fail(tmp):
        with open(tmp, "w") as fh:
            fh.write("half")
        raise OSError("disk full")

    with pytest.raises(OSError):
        atomic_write(path, fail)
    assert path.read_text() == "old" and [p.name for p in path.parent.iterdir()] == ["f.txt"]


def test_every_kpi_collection_derives_from_the_metric_declarations():
    assert list(KPIS) == [m.name for m in SCORECARD]
    assert [m.kpi for m in SCORECARD] == list(range(1, len(SCORECARD) + 1)), "KPI places are 1, 2, 3, ..."
    assert all(KPIS[m.name] == m.higher_is_better for m in SCORECARD)
    assert set(HEADLINE) <= set(KPIS) and set(FOOTER) <= {m.name for m in METRICS}
    from bposim.app.model import FOOTER as PANE_FOOTER

    assert PANE_FOOTER == FOOTER


def test_every_scheme_collection_derives_from_the_registry():
    from bposim.analysis.figures import SCHEME_COLORS
    from bposim.app.levers import WORKSHOP_SCHEMES
    from bposim.compare import DEFAULT_SCHEMES

    assert list(SCHEMES) == [cls.name for cls in ALL]
    assert DEFAULT_SCHEMES == WORKSHOP_SCHEMES == BUSINESS
    assert SCHEME_COLORS == COLOURS == {cls.name: cls.colour for cls in ALL}
    assert len(set(COLOURS.values())) == len(COLOURS), "each scheme has its own colour"
    assert bposim.compose().scheme["name"] == ALL[0].name, "the default scheme comes first"
