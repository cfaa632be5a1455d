"""docs/clusters.md, docs/validation.md and the figures the docs show, checked by content.

clusters.md: every command is one a reader can run: a declared script with overrides that parse,
pass bposim's checks and compose (each hydra.launcher field it or the prose sets exists in the
launcher's config; Ray's checked against a stand-in of the plugin's config where the ray extra
is missing, and the stand-in against the plugin where it is installed), or an install of a
declared extra; without Ray the documented Ray commands stop with one line naming that extra. validation.md: it is what
experiments/validation/run.py's TEMPLATE renders (a stale page, or one edited by hand, does not
match), its verdict is a pass, and its effort tables, regenerated with the generator's own
helpers at their (deterministic) reduced size, give the same numbers. Figures: every figure a doc
shows exists, and every validation figure is one the generator draws."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest
import yaml
from hydra import compose as hydra_compose
from hydra import initialize_config_module
from hydra.core.global_hydra import GlobalHydra
from omegaconf import OmegaConf

from bposim import theory as T
from bposim.config.safety import check_overrides
from bposim.sweep.validate import validate_sweep

ROOT = Path(__file__).resolve().parents[1]
CLUSTERS = ROOT / "docs" / "clusters.md"
VALIDATION = ROOT / "docs" / "validation.md"
GENERATOR = ROOT / "experiments" / "validation" / "run.py"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
_spec = importlib.util.spec_from_file_location("doc_blocks", ROOT / "scripts" / "doc_blocks.py")
doc_blocks = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(doc_blocks)
_commands = doc_blocks.commands  # every command of a markdown text's bash blocks


def _plugin(launcher: str) -> str:
    return {"joblib": "hydra_plugins.hydra_joblib_launcher", "ray": "hydra_plugins.hydra_ray_launcher"}.get(
        launcher, "hydra_plugins.hydra_submitit_launcher")


def _launcher_config(launcher: str, hydra_overrides: list[str]):
    """The launcher's config as Hydra composes it with the command's hydra overrides."""
    GlobalHydra.instance().clear()
    try:
        with initialize_config_module(config_module="bposim.configs", version_base="1.3"):
            return hydra_compose("config", overrides=hydra_overrides, return_hydra_config=True).hydra.launcher
    finally:
        GlobalHydra.instance().clear()


def test_clusters_md_commands_are_declared_scripts_and_extras():
    scripts, extras = PYPROJECT["project"]["scripts"], PYPROJECT["project"]["optional-dependencies"]
    commands = _commands(CLUSTERS.read_text(encoding="utf-8"))
    assert len(commands) >= 6
    for words in commands:
        if words[:2] == ["pip", "install"]:
            extra = re.fullmatch(r"bposim\[(\w+)\]", words[2])
            assert extra and extra.group(1) in extras, f"clusters.md: {words} installs no declared extra"
        else:
            assert Path(words[0]).name in scripts, f"clusters.md: {words[0]} is not a declared script"


# hydra-ray-launcher's launcher config (its RayLauncherConf: ray.init and ray.remote are ray.init's
# and ray.remote's keyword arguments). It stands in for the plugin where the ray extra is not
# installed, so the documented Ray fields are checked there too; where the plugin is installed,
# test_the_ray_launcher_stand_in_is_the_plugins_config checks it against the real one.
RAY_LAUNCHER = {"_target_": "hydra_plugins.hydra_ray_launcher.ray_launcher.RayLauncher",
                "ray": {"init": {"address": None}, "remote": {}}}


@pytest.fixture(scope="module")
def launchers(tmp_path_factory) -> list[str]:
    """Hydra search-path overrides that add the Ray stand-in where the plugin is missing."""
    if importlib.util.find_spec(_plugin("ray")) is not None:
        return []
    folder = tmp_path_factory.mktemp("launchers")
    (folder / "hydra" / "launcher").mkdir(parents=True)
    (folder / "hydra" / "launcher" / "ray.yaml").write_text(yaml.safe_dump(RAY_LAUNCHER))
    return [f"hydra.searchpath=[file://{folder}]"]


def _sweeps() -> list[list[str]]:
    sweeps = [w for w in _commands(CLUSTERS.read_text(encoding="utf-8")) if Path(w[0]).name == "bposim-run"]
    assert len(sweeps) == 3, "clusters.md: one joblib, one SLURM and one Ray sweep"
    return sweeps


def _launcher_settings(launcher: str) -> list[str]:
    """The hydra.launcher settings clusters.md names in prose (`hydra.launcher.x=v` or a bare
    `hydra.launcher.x`) in the section whose sweep uses `launcher`; elided ones (`...`) left out."""
    text = CLUSTERS.read_text(encoding="utf-8")
    for section in re.split(r"^## ", text, flags=re.M):
        if f"hydra/launcher={launcher} " in section.replace("\\\n", " "):
            return [c for c in re.findall(r"`(\+?hydra\.launcher\.[^`\s]+)`", section) if "..." not in c]
    raise AssertionError(f"clusters.md: no section runs a sweep on hydra/launcher={launcher}")


@pytest.mark.parametrize("index", range(3), ids=["joblib", "slurm", "ray"])
def test_clusters_md_sweeps_parse_compose_and_name_real_launcher_fields(index, launchers):
    """Each documented sweep's overrides pass bposim-run's door and compose job by job, and every
    hydra.launcher field the command or the prose around it sets is one the launcher's config has
    (Hydra lets `+` add any key, so the key's parent must be in the default config) and composes
    to the value given. Ray's fields are checked against RAY_LAUNCHER without the ray extra."""
    words = _sweeps()[index]
    assert words[1] == "-m", f"clusters.md: {words} is not a sweep"
    overrides = words[2:]
    check_overrides(overrides)  # parses, and bposim-run's door would let it through
    hydra_part = [o for o in overrides if o.lstrip("+").startswith("hydra")]
    task = [o for o in overrides if o not in hydra_part]
    assert validate_sweep(task) >= 1  # every job composes and validates
    launcher = next(o.partition("=")[2] for o in hydra_part if o.startswith("hydra/launcher="))
    if launcher != "ray" and importlib.util.find_spec(_plugin(launcher)) is None:
        pytest.skip(f"the {launcher} launcher's plugin is not installed (its extra)")
    choice = [*launchers, f"hydra/launcher={launcher}"]
    default = OmegaConf.to_container(_launcher_config(launcher, choice))
    settings = [o for o in hydra_part if o.lstrip("+").startswith("hydra.launcher.")] + _launcher_settings(launcher)
    assert settings, f"clusters.md sets no hydra.launcher field for {launcher}"
    for o in settings:
        key, _, value = o.lstrip("+").partition("=")
        *parents, leaf = key.split(".")[2:]
        node = default
        for part in parents:
            assert isinstance(node, dict) and part in node, f"clusters.md: {key}: the {launcher} launcher has no {part!r}"
            node = node[part]
        assert isinstance(node, dict) and (leaf in node or o.startswith("+") or not value), \
            f"clusters.md: {o}: the {launcher} launcher has no {leaf!r} (a free-form dict takes it with '+')"
        if not value:
            assert leaf in node, f"clusters.md: {key}: the {launcher} launcher has no {leaf!r}"
            continue
        composed = _launcher_config(launcher, [*choice, o])  # Hydra refuses what cannot be set so
        for part in key.split(".")[2:]:
            composed = composed[part]
        assert str(composed) == value, f"clusters.md: {key} composes to {composed!r}, not {value!r}"


def test_the_ray_launcher_stand_in_is_the_plugins_config():
    pytest.importorskip(_plugin("ray"), reason="the ray extra (pip install bposim[ray]) is not installed here")
    assert OmegaConf.to_container(_launcher_config("ray", ["hydra/launcher=ray"])) == RAY_LAUNCHER


def test_clusters_md_ray_commands_without_ray_stop_with_one_line_naming_the_extra(tmp_path):
    """Without the ray extra, the documented Ray sweep and design stop before anything runs, with
    bposim's one line (exit status 2, no traceback) that names only the missing extra, the one
    clusters.md installs: every other part of each command is valid."""
    if importlib.util.find_spec("ray") is not None or importlib.util.find_spec(_plugin("ray")) is not None:
        pytest.skip("Ray is installed here: the documented commands would reach for a cluster")
    commands = _commands(CLUSTERS.read_text(encoding="utf-8"))
    install = next(w for w in commands if w[:2] == ["pip", "install"] and "ray" in w[2])
    rays = [w for w in commands if "hydra/launcher=ray" in w or "explore.backend=ray" in w]
    assert len(rays) == 2, "clusters.md: one Ray sweep and one Ray design"
    bin_dir = Path(sys.executable).parent
    for words in rays:
        args = [f"hydra.sweep.dir={tmp_path / 'sweep'}" if w.startswith("hydra.sweep.dir=") else w for w in words[1:]]
        if "--out" in args:
            args[args.index("--out") + 1] = str(tmp_path / "design")
        done = subprocess.run([str(bin_dir / Path(words[0]).name), *args], cwd=tmp_path, capture_output=True,
                              text=True, timeout=300)
        lines = done.stderr.strip().splitlines()
        assert done.returncode == 2 and len(lines) == 1 and "Traceback" not in done.stderr, done.stderr[-2000:]
        assert lines[0].startswith(f"{Path(words[0]).name}: ") or lines[0].startswith("bposim: "), lines
        assert "; " not in lines[0], f"clusters.md: {words}: more is wrong than the missing extra: {lines[0]}"
        assert lines[0].endswith(f'pip install "{install[2]}"'), lines[0]
        assert not (tmp_path / "sweep").exists() and not (tmp_path / "design").exists()


def test_clusters_md_explore_commands_name_a_design_and_valid_backend_settings():
    from bposim.explore import cli
    explores = [w for w in _commands(CLUSTERS.read_text(encoding="utf-8")) if Path(w[0]).name == "bposim-explore"]
    assert len(explores) >= 2
    for words in explores:
        overrides = [w for w in words[1:] if "=" in w and not w.startswith("-")]
        names = [o.partition("=")[2] for o in overrides if o.startswith("design=")]
        assert len(names) == 1 and names[0] in cli.design_names(), f"clusters.md: {words} names no design"
        run = cli.run_settings([o for o in overrides if o.startswith("explore.")])
        assert run["backend"] in cli.BACKENDS, f"clusters.md: {words}: backend {run['backend']!r}"
        cli.load_design(names[0], [o for o in overrides if not o.startswith(("design=", "explore."))])


# --- docs/validation.md ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def generator():
    spec = importlib.util.spec_from_file_location("validation_run", GENERATOR)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _template_fields(template: str, page: str) -> dict[str, str]:
    """The values a page gives TEMPLATE's fields; AssertionError where its text differs."""
    pattern, names = "", []
    for literal, field, _, _ in __import__("string").Formatter().parse(template):
        pattern += re.escape(literal)
        if field is not None:
            name = field if field not in names else None
            names.append(field)
            pattern += f"(?P<{field}>.*?)" if name else f"(?P={field})"
    m = re.fullmatch(pattern, page, re.S)
    if m is None:  # find where they part, for the message
        lines = [ln for ln in template.splitlines() if "{" not in ln and ln.strip()]
        missing = next((ln for ln in lines if ln.replace("{{", "{").replace("}}", "}") not in page), "?")
        raise AssertionError(f"docs/validation.md is not what experiments/validation/run.py's TEMPLATE renders "
                             f"(rerun it); first template line not on the page: {missing!r}")
    return m.groupdict()


def _table(text: str) -> list[list[str]]:
    rows = [ln.strip().strip("|").split("|") for ln in text.strip().splitlines()]
    return [[c.strip() for c in r] for r in rows[2:]]


def test_validation_md_is_what_the_generator_renders_and_passes(generator):
    fields = _template_fields(generator.TEMPLATE, VALIDATION.read_text(encoding="utf-8"))
    assert fields["verdict"] == "every comparison is within its stated tolerance."
    assert fields["command"].startswith(".venv/bin/python experiments/validation/run.py")
    assert (int(fields["weeks"]), int(fields["reps"])) == (generator.V.WEEKS, generator.V.REPLICATIONS)


def test_validation_md_effort_tables_are_the_models(generator):
    fields = _template_fields(generator.TEMPLATE, VALIDATION.read_text(encoding="utf-8"))
    g, cell = generator, lambda x: f"{x:.4g}"
    rows = _table(fields["hm87_effort_table"])
    assert len(rows) == 4
    for row in rows:
        b, c, r, s2, p = map(float, row[:5])
        run = g.V.run_scenario("hm87", [f"scheme.volume_rate={b}", f"vendor.cost_volume={c}",
                                        f"vendor.risk_aversion={r}", f"market.volume_noise={s2 ** 0.5}",
                                        f"client.value_volume={p}"], **g.EFFORT)
        assert row[5] == cell(T.hm87_effort(b, c)) and row[6] == cell(float(run.effort_volume.mean())), row
        assert row[9] == cell(T.hm87_client_profit(b, p, c, r, s2)), row
    rows = _table(fields["mt_effort_table"])
    assert len(rows) == 5
    for row in rows:
        rates = tuple(float(x) for x in row[0].strip("()").split(","))
        assert row[1] == g.pair(T.multitask_effort(g.K, rates, g.KV)), row
        assert row[2] == g.pair(g.efforts("multitask", g.mt(g.K, g.KV, rates))), row
    rows = _table(fields["mt_slope_table"])
    for row in rows:
        Kc = T.cost_matrix(*(float(x) for x in row[0].strip("()").split(",")))
        assert row[1] == cell(T.multitask_quality_slope(Kc)), row
        k = Kc @ np.array([0.3, 0.5])
        slope = (g.efforts("multitask", g.mt(Kc, k, (0.3, 0)))[1] - g.efforts("multitask", g.mt(Kc, k, (0.2, 0)))[1]) / 0.1
        assert row[2] == cell(slope), row


# --- figures -------------------------------------------------------------------------------------


def _shown(md: Path) -> list[Path]:
    return [(md.parent / ref).resolve() for ref in re.findall(r"!\[[^\]]*\]\(([^)\s]+\.png)\)", md.read_text(encoding="utf-8"))]


def test_every_figure_a_doc_shows_exists_and_every_validation_figure_is_drawn_and_shown():
    docs = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), *sorted((ROOT / "experiments").glob("**/README.md"))]
    shown = {path for md in docs for path in _shown(md)}
    assert len(shown) >= 10
    missing = sorted(str(p.relative_to(ROOT)) for p in shown if not p.exists())
    assert not missing, f"figures shown but not there: {missing}"
    drawn = set(re.findall(r'save\(fig, [^,]+(?:, [^,]+)*, "(\w+)"\)', GENERATOR.read_text()))
    on_disk = {p.name for p in (ROOT / "docs" / "figures").glob("*.png")}
    assert on_disk == {f"validation_{n}.png" for n in drawn}, "docs/figures holds exactly what run.py draws"
    assert {ROOT / "docs" / "figures" / n for n in on_disk} <= shown, "every validation figure is shown"
