"""The packaged configs and templates work from an installed (non-editable) wheel, outside the source tree."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_configs_ship_inside_the_wheel(tmp_path):
    # Built without build isolation, so no package index is needed: the build backend comes
    # from the test extra (a venv made before it was declared there lacks it).
    pytest.importorskip("setuptools", reason="the test extra's setuptools builds the wheel")
    wheel_dir = tmp_path / "wheel"
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                            "-w", str(wheel_dir), str(ROOT)], capture_output=True, text=True)
    assert build.returncode == 0, build.stderr[-2000:]
    wheel = next(wheel_dir.glob("bposim-*.whl"))
    target = tmp_path / "site"
    inst = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--target", str(target), str(wheel)],
                          capture_output=True, text=True)
    assert inst.returncode == 0, inst.stderr[-2000:]
    code = ("import bposim, sys; assert bposim.__file__.startswith(sys.argv[1]), bposim.__file__;"
            "c = bposim.compose(['scheme=shared_outcome', 'market.n_clients=2']);"
            "print(c.scheme['name'], c.market.n_clients);"
            # every scheme's generated config group entry, with its Params defaults
            "import dataclasses;"
            "assert all(dict(bposim.compose(['scheme=' + n]).scheme) == {'name': n, 'pricing': 'participation', **dataclasses.asdict(k.Params())}"
            " for n, k in bposim.SCHEMES.items());"
            # the report's templates ship as package data
            "from bposim.analysis.sections import _environment;"
            "assert _environment().get_template('report.html').filename.startswith(sys.argv[1])")
    env = {"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", code, str(target)], cwd=tmp_path, env=env,
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["shared_outcome", "2"]
