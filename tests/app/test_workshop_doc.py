"""docs/workshop.md, the facilitators' guide, stays in step with the page and the model.

It names every lesson (by its title, with its script and question quoted exactly as the page
shows them) and every control, and its generated tables (the controls, the workshop market,
and each lesson's "What the model shows" over 30 replications) match what
scripts/lesson_table.py computes now.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bposim.app.lessons import LESSONS
from bposim.app.levers import LEVERS

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "workshop.md"
SCRIPT = ROOT / "scripts" / "lesson_table.py"


@pytest.fixture(scope="module")
def doc() -> str:
    return DOC.read_text(encoding="utf-8")


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.key)
def test_doc_has_a_section_per_lesson_with_its_own_words(doc, lesson):
    assert f"### {LESSONS.index(lesson) + 1}. {lesson.title}\n" in doc, lesson.title
    assert lesson.script in doc, f"{lesson.key}: the script is not quoted exactly"
    assert lesson.question in doc, f"{lesson.key}: the question is not quoted exactly"
    assert f"<!-- lesson-table: {lesson.key} -->" in doc, f"{lesson.key}: no table"


def test_doc_lists_the_lessons_in_the_pickers_order(doc):
    positions = [doc.index(f"### {i + 1}. {lesson.title}\n") for i, lesson in enumerate(LESSONS)]
    assert positions == sorted(positions)


@pytest.mark.parametrize("lever", LEVERS, ids=lambda lever: lever.name)
def test_doc_names_every_control(doc, lever):
    assert lever.label in doc, lever.label


def test_doc_says_a_moved_control_needs_reset(doc):
    assert "Moving a control does not change the running model. Press Reset" in doc


@pytest.mark.slow
def test_generated_tables_are_up_to_date():
    """lesson_table.py --check: the controls, the market and every lesson's table (about 10 s)."""
    done = subprocess.run([sys.executable, str(SCRIPT), "--check", "--doc", str(DOC)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"lesson_table.py --check exited {done.returncode}:\n{done.stdout}{done.stderr}"
