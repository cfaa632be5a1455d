"""docs/ODD.md stays in step with the code it describes.

The generated tables (parameters, recorded metrics) must match the code's declarations, every
declared parameter must be documented, and every weekly phase module must be named.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

from bposim.config import ClientConfig, MarketConfig, RecordConfig, ShockConfig, VendorConfig
from bposim.schemes import SCHEMES

ROOT = Path(__file__).resolve().parent.parent
ODD = ROOT / "docs" / "ODD.md"
SECTIONS = {
    "market": MarketConfig,
    "vendor": VendorConfig,
    "client": ClientConfig,
    "shock": ShockConfig,
    "record": RecordConfig,
}


@pytest.fixture(scope="module")
def odd() -> str:
    return ODD.read_text(encoding="utf-8")


def test_generated_tables_are_up_to_date():
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "param_tables.py"), "--check", str(ODD)],
                          cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, (
        f"param_tables.py --check exited {done.returncode}:\n{done.stdout}{done.stderr}")


def test_every_config_parameter_is_documented(odd):
    missing = [f"{section}.{f.name}" for section, cls in SECTIONS.items() for f in dataclasses.fields(cls)
               if f"`{section}.{f.name}`" not in odd]
    assert not missing, f"parameters not in docs/ODD.md: {', '.join(missing)}"


def _scheme_section(odd: str, name: str) -> str:
    """The text of the ODD's subsection for scheme `name` (empty if there is none)."""
    head = f"### Scheme `{name}`"
    start = odd.find(head)
    if start < 0:
        return ""
    end = odd.find("\n#", start + len(head))
    return odd[start:] if end < 0 else odd[start:end]


def test_every_scheme_parameter_is_documented(odd):
    assert SCHEMES, "no schemes registered"
    missing = []
    for name, cls in SCHEMES.items():
        section = _scheme_section(odd, name)
        if not section:
            missing.append(f"the section of scheme {name}")
            continue
        missing += [f"scheme {name}: scheme.{f.name}" for f in dataclasses.fields(cls.Params)
                    if f"`scheme.{f.name}`" not in section]
    assert not missing, f"not in docs/ODD.md: {', '.join(missing)}"


def test_every_dynamics_module_is_named(odd):
    modules = sorted(p.name for p in (ROOT / "bposim" / "dynamics").glob("*.py") if not p.name.startswith("_"))
    assert modules, "no modules found in bposim/dynamics"
    missing = [m for m in modules if m not in odd]
    assert not missing, f"bposim/dynamics modules not named in docs/ODD.md: {', '.join(missing)}"
