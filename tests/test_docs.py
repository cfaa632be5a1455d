"""docs/ODD.md and README.md stay in step with the code they describe.

The generated tables (parameters, recorded metrics) must match the code's declarations, every
declared parameter must be documented, and every weekly phase module must be named. Each ODD
section that names a dynamics function must name, in its equations, every setting that function
reads (and every setting the ODD names must exist). README.md's commands are read from its code
blocks: the scripts and make targets exist, the settings and overrides they use compose, and the
Python examples and one bposim-run run (at a reduced size) do what the README says.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import inspect
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

import pandas as pd
import pytest

import bposim
from bposim.config import ClientConfig, compose, MarketConfig, RecordConfig, ShockConfig, VendorConfig
from bposim.schemes import SCHEMES, Scheme

ROOT = Path(__file__).resolve().parent.parent
ODD = ROOT / "docs" / "ODD.md"
README = ROOT / "README.md"
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
    shared = {f.name for f in dataclasses.fields(Scheme.Params)}  # every scheme's: in 3.2's Pricing
    missing = []
    for name, cls in SCHEMES.items():
        section = _scheme_section(odd, name)
        if not section:
            missing.append(f"the section of scheme {name}")
            continue
        missing += [f"scheme {name}: scheme.{f.name}" for f in dataclasses.fields(cls.Params)
                    if f.name not in shared and f"`scheme.{f.name}`" not in section]
    pricing = odd[odd.find("**Pricing**"):odd.find("\n#", odd.find("**Pricing**"))]
    missing += [f"every scheme: scheme.{name}" for name in sorted(shared) if f"`scheme.{name}`" not in pricing]
    assert not missing, f"not in docs/ODD.md: {', '.join(missing)}"


def test_every_dynamics_module_is_named(odd):
    modules = sorted(p.name for p in (ROOT / "bposim" / "dynamics").glob("*.py") if not p.name.startswith("_"))
    assert modules, "no modules found in bposim/dynamics"
    missing = [m for m in modules if m not in odd]
    assert not missing, f"bposim/dynamics modules not named in docs/ODD.md: {', '.join(missing)}"


# --- the ODD's equations name what the functions read ------------------------------------------

# How the ODD writes a setting of each section: c.audit_rate, v.gaming_cost, m.volume_noise, sh.week.
PREFIX = {"client": "c", "vendor": "v", "market": "m", "shock": "sh"}
HEADING = re.compile(r"^(#{3,4}) ([0-9]\.[0-9.]+b? .*)$", re.M)


def _odd_sections(odd: str) -> list[tuple[str, str]]:
    """(heading, text up to the next heading of the same or a higher level) of section 3."""
    heads = list(HEADING.finditer(odd))
    out = []
    for i, h in enumerate(heads):
        level = len(h.group(1))
        end = next((later.start() for later in heads[i + 1:] if len(later.group(1)) <= level), len(odd))
        out.append((h.group(2), odd[h.start():end]))
    return out


def _dynamics_functions() -> dict[str, list]:
    """Public functions of each bposim.dynamics module, by module name."""
    out = {}
    for path in sorted((ROOT / "bposim" / "dynamics").glob("[a-z]*.py")):
        mod = importlib.import_module(f"bposim.dynamics.{path.stem}")
        out[path.stem] = [f for n, f in inspect.getmembers(mod, inspect.isfunction)
                          if f.__module__ == mod.__name__ and not n.startswith("_")]
    return out


def _describing_texts(odd: str) -> dict[str, list[str]]:
    """For each dynamics function (module.name), the ODD section texts that describe it: a
    section headed by its module (`dynamics/m.py`, `m.py`), one whose heading or text names it
    (`m.f`, or `f` within its module's section), and the subsections of those."""
    functions = _dynamics_functions()
    texts: dict[str, list[str]] = {f"{m}.{f.__name__}": [] for m, fs in functions.items() for f in fs}
    parent: set[str] = set()
    for heading, text in _odd_sections(odd):
        modules = {m for m in re.findall(r"`(?:dynamics/)?(\w+)\.py`", heading) if m in functions}
        if re.match(r"\d\.\d+b? ", heading):
            parent = modules | {m for m in re.findall(r"`dynamics/(\w+)\.py: ", heading)}
        headed = {f"{m}.{f}" for m, f in re.findall(r"`dynamics/(\w+)\.py: (\w+)`", heading)}
        for key in texts:
            mod, name = key.split(".")
            if (mod in modules or key in headed or f"{mod}.{name}`" in text or f"{mod}.py: {name}`" in text
                    or (mod in parent and re.search(rf"`{name}`|{name}\(", text))):
                texts[key].append(text)
    return texts


def _symbols(odd: str) -> dict[str, str]:
    """Setting -> the symbol the equations use for it, from the ODD's table of conventions."""
    table = odd.split("**Conventions used in the equations**", 1)[1].split("\n\n", 2)[1]
    out = {}
    for row in table.splitlines():
        cells = row.split("|")
        if len(cells) > 3 and "`" in cells[1]:
            symbols = [x.strip(" `") for x in cells[1].split(",")]
            settings = re.findall(r"`((?:c|v|m|sh)\.\w+)`", cells[2])
            if len(symbols) == len(settings):
                out.update(zip(settings, symbols))
    return out


def _settings_read(function) -> set[tuple[str, str]]:
    """(section, field) of every setting the function reads: c.x / v.x / m.x / s.x after
    `c = p.client` and the like (or a parameter named c, v or m), and p.client.x written out."""
    tree = ast.parse(inspect.getsource(function).strip() if not inspect.getsource(function).startswith(" ")
                     else "if 1:\n" + inspect.getsource(function))
    alias = {"c": "client", "v": "vendor", "m": "market"}  # parameters called so hold that section
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            targets = node.targets[0].elts if isinstance(node.targets[0], ast.Tuple) else [node.targets[0]]
            values = node.value.elts if isinstance(node.value, ast.Tuple) else [node.value]
            for t, v in zip(targets, values):
                if isinstance(t, ast.Name) and isinstance(v, ast.Attribute) and v.attr in PREFIX:
                    alias[t.id] = v.attr
    read = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in alias:
            read.add((alias[node.value.id], node.attr))
        elif (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute)
              and node.value.attr in PREFIX and isinstance(node.value.value, ast.Name)):
            read.add((node.value.attr, node.attr))
    fields = {section: {f.name for f in dataclasses.fields(SECTIONS[section])} for section in PREFIX}
    return {(sec, name) for sec, name in read if name in fields[sec]}


def test_each_odd_section_names_every_setting_its_functions_read(odd):
    """Where the ODD describes a dynamics function, its equations name (as c.x, v.x, m.x, sh.x or
    the symbol of the conventions table) every setting the function's code reads."""
    symbols, functions = _symbols(odd), _dynamics_functions()
    assert {"v.cost_volume": "K11", "v.risk_aversion": "r"}.items() <= symbols.items()
    missing, described = [], 0
    for key, texts in _describing_texts(odd).items():
        mod, name = key.split(".")
        if not texts:
            missing.append(f"{key} is described by no section of docs/ODD.md")
            continue
        described += 1
        function = next(f for f in functions[mod] if f.__name__ == name)
        text = "\n".join(texts)
        for sec, field in sorted(_settings_read(function)):
            setting = f"{PREFIX[sec]}.{field}"
            symbol = symbols.get(setting)
            if not re.search(rf"(?<![\w.]){re.escape(setting)}(?![a-z_])", text) and not (
                    symbol and re.search(rf"(?<!\w){re.escape(symbol)}(?![a-z_])", text)):
                missing.append(f"{key} reads {setting}")
    assert described >= 20, f"only {described} dynamics functions are described in docs/ODD.md"
    assert not missing, "not in the ODD section describing the function:\n  " + "\n  ".join(missing)


def test_every_setting_the_odd_equations_name_exists(odd):
    fields = {p: {f.name for f in dataclasses.fields(SECTIONS[sec])} for sec, p in PREFIX.items()}
    details = odd[odd.index("## 3. Details"):odd.index("## Appendix A")]
    unknown = sorted({f"{p}.{name}" for p, name in re.findall(r"(?<![\w.])(c|v|m|sh)\.([a-z_]+)\b", details)
                      if name not in fields[p]})
    assert not unknown, f"docs/ODD.md section 3 names settings that do not exist: {', '.join(unknown)}"


# --- README.md's commands ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def readme() -> str:
    return README.read_text(encoding="utf-8")


def _blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", text, re.S)


def _commands(text: str) -> list[list[str]]:
    """Every command line of the README's bash blocks, split into words, comments dropped."""
    return [shlex.split(line, comments=True) for block in _blocks(text, "bash")
            for line in block.splitlines() if shlex.split(line, comments=True)]


def test_readme_commands_name_scripts_and_targets_that_exist(readme):
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    targets = set(re.findall(r"^([\w-]+):", (ROOT / "Makefile").read_text(), re.M))
    commands = _commands(readme)
    assert len(commands) >= 8
    for words in commands:
        if words[0] == "make":
            assert words[1] in targets, f"README: make {words[1]} is not a Makefile target"
        else:
            assert words[0].startswith(".venv/bin/bposim-"), f"README: unexpected command {words}"
            assert Path(words[0]).name in scripts, f"README: {words[0]} is not a declared script"


def test_readme_overrides_compose(readme):
    """Every key=value a README command passes to bposim-run or bposim-compare is a valid setting
    (each value of a comma list on its own), and every --by / --kpi a bposim-report takes exists."""
    checked = 0
    for words in _commands(readme):
        script = Path(words[0]).name
        if script in ("bposim-run", "bposim-compare"):
            settings = [w for w in words[1:] if "=" in w and not w.startswith("-")]
            for w in settings:
                key, _, values = w.partition("=")
                for value in values.split(","):
                    compose([f"{key}={value}"])
                    checked += 1
        if script == "bposim-report":
            flag = dict(zip(words[2::2], words[3::2]))
            assert flag["--kpi"] in [m.name for m in bposim.METRICS]
            compose([f"{flag['--by']}=0.1"])
    assert checked >= 4


def test_readme_settings_and_metrics_are_the_models(readme):
    fields = {f"{sec}.{f.name}" for sec, cls in SECTIONS.items() for f in dataclasses.fields(cls)}
    named = set(re.findall(r"`((?:market|vendor|client|shock|record)\.[a-z_]+)", readme))
    assert len(named) >= 8 and not named - fields, f"README names unknown settings: {sorted(named - fields)}"
    listed = readme.split("## Recorded metrics", 1)[1].split("Units and meanings", 1)[0]
    words = re.findall(r"[a-z_]+", listed.split(":", 1)[1])
    names = [m.name for m in bposim.METRICS]
    assert len(words) >= 20 and not set(words) - set(names), f"README lists unknown metrics: {set(words) - set(names)}"


def test_readme_python_example_runs_and_gives_the_tables_it_describes(readme):
    first = _blocks(readme, "python")[0].replace("replications=30", "replications=2")
    scope: dict = {}
    exec(compile(first, "README.md", "exec"), scope)
    result = scope["result"]
    assert result.summary.replication.tolist() == [0, 1]
    assert len(result.timeseries) == 2 * 156 and {"demand", "volume", "true_quality", "switches"} <= set(result.timeseries)
    assert {"client_id", "vendor_id"} <= set(result.relationships) and result.relationships.relationship.nunique() == 20


def test_readme_mesa_batch_run_example_runs(readme):
    example = next(b for b in _blocks(readme, "python") if "batch_run" in b)
    imports, call = example.replace("max_steps=156", "max_steps=3").split("\n", 1)
    scope: dict = {}
    exec(compile(f"{imports}\nrows = {call}", "README.md", "exec"), scope)
    runs = {(r["scheme"], r["audit_rate"], r["rng"]) for r in scope["rows"]}
    assert len(runs) == 2 * 2 * 3  # every combination of the parameters given, each seed


@pytest.mark.slow
def test_readme_bposim_run_writes_what_it_says(readme, tmp_path):
    words = next(w for w in _commands(readme) if w[0].endswith("bposim-run") and "-m" not in w)
    done = subprocess.run([str(ROOT / words[0]), *words[1:], "replications=2", "steps=4",
                           f"hydra.run.dir={tmp_path}"], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    summary = pd.read_parquet(tmp_path / "summary.parquet")
    timeseries = pd.read_parquet(tmp_path / "timeseries.parquet")
    assert len(summary) == 2 and len(timeseries) == 2 * 4
    assert "scheme: quality_weighted" in (tmp_path / "config.yaml").read_text() or \
        "quality_weighted" in (tmp_path / "config.yaml").read_text()
    assert (tmp_path / "relationships.parquet").exists()
