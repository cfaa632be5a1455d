"""Print and PDF (#14 item 7): `bposim-compare --pdf` writes report.pdf through headless Chromium
with the report's print stylesheet; its pages are read back with pypdf: A4, several pages, the
verdict and every section's heading in the text, every figure whole on one page, each table's
rows on the page of its heading, the long assumptions table with its header on every page."""

from __future__ import annotations

import hashlib
import os
import re

import pytest

from bposim.analysis.pdf import find_browser
from bposim.compare import main as compare_main
from bposim.config import ConfigError

pypdf = pytest.importorskip("pypdf", reason="pypdf is not installed (test extra)")


@pytest.fixture(scope="module")
def pdf(tmp_path_factory):
    try:
        find_browser()
    except ConfigError as err:
        if os.environ.get("CI"):
            pytest.fail(str(err))
        pytest.skip(str(err))
    out = tmp_path_factory.mktemp("pdf") / "rep"
    assert compare_main(["scheme=per_volume,shared_outcome,fixed_fee", "replications=4", "steps=52",
                         "--no-robustness", "--pdf", "--out", str(out)]) == 0
    return out


def _pages(path):
    reader = pypdf.PdfReader(path)
    return reader, [page.extract_text() for page in reader.pages]


def test_the_pdf_has_clean_a4_pages_with_the_report_text(pdf):
    reader, texts = _pages(pdf / "report.pdf")
    assert 4 <= len(reader.pages) <= 40
    for page in reader.pages:
        w, h = float(page.mediabox.width), float(page.mediabox.height)
        assert abs(w - 595) < 3 and abs(h - 842) < 3, "A4 portrait"
    text = "\n".join(texts)
    html = (pdf / "report.html").read_text()
    lead = re.search(r'<p class="verdict"><b>([^<:]+)', html).group(1)
    flat = re.sub(r"\s+", " ", text)
    assert lead in flat, lead
    for heading in ("What was run", "Verdict", "Scorecard", "Client P&L", "Paired comparison", "Two-party view",
                    "Assumptions", "Provenance"):
        assert heading in flat, heading
    assert not re.search(r"What was run\s*Verdict\s*Summary", text), "no navigation bar in print"


def test_no_figure_is_cut_across_pages(pdf):
    reader, _ = _pages(pdf / "report.pdf")
    pages_of: dict[str, set[int]] = {}
    for i, page in enumerate(reader.pages):
        for image in page.images:
            pages_of.setdefault(hashlib.sha1(image.data).hexdigest(), set()).add(i)
    figures = len(list((pdf / "figures").glob("*.png")))
    assert len(pages_of) == figures, "every figure is in the PDF"
    assert all(len(p) == 1 for p in pages_of.values()), "a figure split across pages is drawn on both"


def test_tables_keep_their_rows_whole_and_their_header_on_every_page(pdf):
    _, texts = _pages(pdf / "report.pdf")
    flat = [re.sub(r"\s+", " ", t) for t in texts]
    card = next(i for i, t in enumerate(flat) if "Scorecard Mean over replications" in t)
    for scheme in ("per_volume", "shared_outcome", "fixed_fee"):
        rows = re.sub(r"\s", "", texts[card])
        assert scheme.replace("_", "") in rows.replace("_", ""), (scheme, "on the scorecard's page")
    assumption_pages = [t for t in flat if "market.n_clients" in t or "client.audit_rate" in t]
    assert assumption_pages
    first = next(i for i, t in enumerate(flat) if "Assumptions" in t and "parameter value range" in t)
    following = [t for t in flat[first:] if "Provenance" not in t]
    assert all(t.lstrip().startswith("parameter value range unit meaning") for t in following[1:]), \
        "the assumptions' header repeats on each page it runs over"


def test_a_missing_browser_is_one_line_saying_how_to_install_one_exit_2(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("BPOSIM_BROWSER", raising=False)
    assert compare_main(["scheme=per_volume", "steps=2", "replications=2", "--pdf", "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no Chromium or Chrome found" in err and "apt-get install chromium" in err
    assert not (tmp_path / "r" / "report.html").exists(), "it stops before simulating"
    monkeypatch.setenv("BPOSIM_BROWSER", "no-such-browser")
    assert compare_main(["scheme=per_volume", "steps=2", "--pdf", "--out", str(tmp_path / "r")]) == 2
    assert "BPOSIM_BROWSER = 'no-such-browser' is not an executable" in capsys.readouterr().err
