"""docs/architecture.md stays true: its layout names what exists, every module is listed, and the
recipes for a scheme, a KPI and a lesson each work by touching the one place the page names (done
in a temporary copy of the package, imported in a fresh interpreter); a study's steps exist for
every study."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "docs" / "architecture.md").read_text()


def layout_block() -> str:
    return DOC.split("## Layout", 1)[1].split("```", 2)[1]


def test_every_path_the_layout_names_exists():
    block = layout_block()
    top = [line.split()[0] for line in block.splitlines() if line and not line.startswith(" ")]
    for name in top:
        assert (ROOT / name).exists(), f"docs/architecture.md names {name}, which does not exist"
    for line in block.splitlines():
        if line.startswith("  ") and not line.startswith("   "):
            for name in line.split("  ")[1].split():
                if re.fullmatch(r"[a-z_]+(\.py|/)", name):
                    assert (ROOT / "bposim" / name).exists(), f"bposim/{name} is named but does not exist"


def test_every_module_and_package_of_bposim_is_in_the_layout():
    block = layout_block()
    for path in sorted((ROOT / "bposim").iterdir()):
        if path.name.startswith(("_", ".")) or path.name == "configs":
            continue
        if path.is_dir() and (path / "__init__.py").exists():
            assert f"{path.name}/" in block, f"bposim/{path.name}/ is missing from docs/architecture.md"
        elif path.suffix == ".py":
            assert path.name in block, f"bposim/{path.name} is missing from docs/architecture.md"


def test_each_recipe_names_its_one_place():
    recipes = DOC.split("## Recipes", 1)[1]
    for heading, place in (("Add a payment scheme", "bposim/schemes/"), ("Add a KPI", "bposim/metrics.py"),
                           ("Add a lesson", "bposim/app/lessons.py")):
        section = recipes.split(f"### {heading}", 1)[1].split("###", 1)[0]
        assert f"One place: **`{place}`**" in section, heading
        assert (ROOT / place).exists()


# --- the recipes, followed in a temporary copy ----------------------------------------------------


@pytest.fixture
def package_copy(tmp_path) -> Path:
    """A copy of the bposim package (configs inside, as in the wheel) that a fresh interpreter imports."""
    shutil.copytree(ROOT / "bposim", tmp_path / "bposim", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "configs", tmp_path / "bposim" / "configs", ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


def run_in(copy: Path, code: str) -> str:
    code = f"import bposim, sys; assert bposim.__file__.startswith({str(copy)!r}), bposim.__file__\n" + code
    out = subprocess.run([sys.executable, "-c", code], cwd=copy, env={"PYTHONPATH": str(copy), "PATH": "/usr/bin:/bin"},
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert text.count(old) == 1, f"{old!r} is not once in {path}"
    path.write_text(text.replace(old, new))


@pytest.mark.slow
def test_adding_a_scheme_touches_only_the_schemes_package(package_copy):
    schemes = package_copy / "bposim" / "schemes"
    (schemes / "flat_rate.py").write_text(textwrap.dedent('''
        """A test scheme: a flat rate per unit delivered plus a fixed fee."""
        from dataclasses import dataclass

        from ..config import param
        from .base import Rates, Scheme


        class FlatRate(Scheme):
            name = "flat_rate"
            summary = "a flat rate per unit plus a fixed fee"
            colour = "#882255"

            @dataclass
            class Params(Scheme.Params):
                rate: float = param(1.5, "[0, 100]", "pay per unit delivered", "MU per unit")
                fee: float = param(0.2, "[0, 100]", "weekly fixed fee per unit of baseline demand", "MU per unit of demand")

            def pay(self, y, s, o, ops):
                return self.params.fee + self.params.rate * y

            def rates(self, y, s, noise, ops):
                return Rates(volume=self.params.rate + 0.0 * y, quality=0.0 * y, outcome=0.0 * y)
    '''))
    edit(schemes / "__init__.py", "from .fixed_fee import FixedFee\n",
         "from .fixed_fee import FixedFee\nfrom .flat_rate import FlatRate\n")
    edit(schemes / "__init__.py", "FixedFee, Hybrid,", "FixedFee, Hybrid, FlatRate,")
    out = run_in(package_copy, textwrap.dedent('''
        from bposim.schemes import BUSINESS, COLOURS
        from bposim.compare import DEFAULT_SCHEMES
        from bposim.app.levers import WORKSHOP_SCHEMES
        from bposim.analysis.figures import SCHEME_COLORS
        from bposim.analysis.labels import parameter_rows
        cfg = bposim.compose(["scheme=flat_rate", "scheme.rate=1.8"])
        assert cfg.scheme["rate"] == 1.8 and cfg.scheme["fee"] == 0.2
        result = bposim.simulate(["scheme=flat_rate", "steps=8"], replications=2)
        assert (result.summary.scheme == "flat_rate").all() and (result.summary.payments > 0).all()
        assert "flat_rate" in BUSINESS and "flat_rate" in DEFAULT_SCHEMES and "flat_rate" in WORKSHOP_SCHEMES
        assert SCHEME_COLORS["flat_rate"] == COLOURS["flat_rate"] == "#882255"
        assert "scheme.rate" in parameter_rows()
        try:
            bposim.compose(["scheme=flat_rate", "scheme.rate=-1"])
        except bposim.ConfigError as err:
            print(err)
    '''))
    assert "scheme.rate = -1.0 is out of range: allowed [0, 100]" in out


@pytest.mark.slow
def test_adding_a_kpi_is_one_declaration(package_copy):
    from bposim.metrics import SCORECARD

    metrics = package_copy / "bposim" / "metrics.py"
    place = len(SCORECARD) + 1  # the next place on the scorecard
    edit(metrics, 'label="payments to the vendor"),', f'label="payments to the vendor", kpi={place}, fmt=",.0f"),')
    run_in(package_copy, textwrap.dedent('''
        from bposim.analysis import KPIS
        from bposim.analysis.report import build_report
        from bposim.cli import format_summary
        assert list(KPIS)[-1] == "payments"
        runs = [bposim.simulate([f"scheme={s}", "steps=8"], replications=3) for s in ("per_volume", "fixed_fee")]
        import pandas as pd
        results = pd.concat([r.summary for r in runs], ignore_index=True)
        rep = build_report(results)
        assert "payments to the vendor (MU)" in rep.scorecard_wide.columns
        assert set(rep.paired.kpi) >= {"payments"}
        assert "payments to the vendor" in rep.html and "payments to the vendor" in rep.markdown
        assert "payments to the vendor" in format_summary(runs[0])
    '''))


@pytest.mark.slow
def test_adding_a_lesson_is_one_entry_in_lessons(package_copy):
    lessons = package_copy / "bposim" / "app" / "lessons.py"
    edit(lessons, "LESSONS: tuple[Lesson, ...] = (\n", textwrap.dedent('''\
        LESSONS: tuple[Lesson, ...] = (
            Lesson(
                key="audit_more", title="Audit more", point="test",
                script="B audits four times as often.", question="What does B buy with its audits?",
                levers={"scheme": "quality_weighted", "audit_rate": 0.05}, b_changes={"audit_rate": 0.2},
                watch="gaming", expect=(("gaming", "lower"),),
            ),
        '''))
    run_in(package_copy, textwrap.dedent('''
        from bposim.app.lessons import BY_KEY, LESSONS
        lesson = BY_KEY["audit_more"]
        assert LESSONS[0] is lesson
        settings = lesson.settings()
        assert settings["audit_rate"] == 0.05 and settings["b_changes"] == {"audit_rate": 0.2}
        assert lesson.pane_levers("B")["audit_rate"] == 0.2
    '''))


def test_every_study_has_each_step_of_the_recipe():
    sys.path.insert(0, str(ROOT / "tests"))
    try:
        from test_experiments import REDUCED
    finally:
        sys.path.pop(0)
    plot = (ROOT / "experiments" / "plot.py").read_text()
    index = (ROOT / "experiments" / "README.md").read_text()
    for path in sorted((ROOT / "configs" / "experiment").glob("*.yaml")):
        name = path.stem
        if name == "smoke":  # the machinery's own check, not a study
            continue
        text = path.read_text()
        assert text.startswith("# @package _global_"), name
        assert yaml.safe_load(text)["hydra"]["sweeper"]["params"], name
        assert (ROOT / "experiments" / name / "README.md").exists(), name
        assert f"]({name}/README.md)" in index, name
        assert re.search(rf"^def {name}\(", plot, re.M) and name in plot.split("STUDIES = ", 1)[1], name
        assert name in REDUCED, name
