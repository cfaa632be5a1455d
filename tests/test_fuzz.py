"""Fuzzing the door (hypothesis): bad values for every declared field, drawn from the schema's
own declarations (type and range), and hostile overrides of Hydra's settings. Every one must be
refused with a ConfigError naming the field (no other exception, no value resolved into the
message); and `bposim.compose`'s fast path (value overrides applied to a kept composition) must
give what a full Hydra composition gives, result or error."""

from __future__ import annotations

import dataclasses
import math
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from omegaconf import OmegaConf

import bposim
from bposim.config import Config, ConfigError, default_of, full_composition, validate
from bposim.config.params import _RANGE
from bposim.config.safety import check_overrides, declared_fields

from test_safety import door  # noqa: E402 - the composition bposim-run checks

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _declared() -> dict[str, tuple[str, str | None]]:
    """Every field of the typed sections and the top level: key -> (type, range)."""
    out = {}
    for f in dataclasses.fields(Config):
        default = default_of(f)
        if dataclasses.is_dataclass(default):
            for g in dataclasses.fields(default):
                out[f"{f.name}.{g.name}"] = (declared_fields()[f"{f.name}.{g.name}"], g.metadata.get("range"))
        elif f.name != "scheme":
            out[f.name] = (declared_fields()[f.name], f.metadata.get("range"))
    return out


FIELDS = _declared()
KEYS = sorted(FIELDS)


def _bounds(spec: str):
    lo_br, lo, hi, hi_br = _RANGE.match(spec).groups()
    num = lambda t: {"inf": math.inf, "-inf": -math.inf}.get(t) if t in ("inf", "-inf") else (  # noqa: E731
        int(t) if re.fullmatch(r"[-+]?\d+", t) else float(t))
    return lo_br, num(lo), num(hi), hi_br


def hydra_text(value) -> str:
    """A value written in Hydra's override syntax."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    if isinstance(value, list):
        return "[" + ",".join(hydra_text(v) for v in value) + "]"
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    return repr(value)


def wrong_types(kind: str):
    text = st.text(alphabet="abcxyz_-", min_size=1, max_size=6)
    lists = st.lists(st.integers(-5, 5), min_size=1, max_size=3)
    return {
        "bool": st.one_of(st.integers().filter(lambda v: v not in (0, 1)), st.integers(0, 1), text, lists,
                          st.floats(allow_nan=False)),
        "int": st.one_of(st.floats(allow_nan=False, allow_infinity=False), text, lists, st.booleans()),
        "float": st.one_of(text, lists, st.booleans()),
        "str": st.one_of(lists),
    }[kind]


def out_of_range(spec: str, kind: str):
    lo_br, lo, hi, hi_br = _bounds(spec)
    options = []
    if math.isfinite(lo):
        below = lo - 1 if kind == "int" else lo - abs(lo) * 0.5 - 1
        options.append(st.just(below) if lo_br == "[" else st.sampled_from([lo, below]))
    if math.isfinite(hi):
        above = hi + 1 if kind == "int" else hi + abs(hi) * 0.5 + 1
        options.append(st.just(above) if hi_br == "]" else st.sampled_from([hi, above]))
    return st.one_of(options) if options else st.nothing()


@st.composite
def bad_field_values(draw):
    key = draw(st.sampled_from(KEYS))
    kind, spec = FIELDS[key]
    strategies = [wrong_types(kind), st.sampled_from(["${oc.env:HOME}", "${python:1}", "${client.audit_rate}"])]
    if spec and kind in ("int", "float"):
        bounds = _bounds(spec)
        if math.isfinite(bounds[1]) or math.isfinite(bounds[2]):
            strategies.append(out_of_range(spec, kind))
    if kind == "float":
        strategies.append(st.sampled_from([math.inf, -math.inf, math.nan]))
    return key, draw(st.one_of(strategies))


@FAST
@given(bad_field_values())
def test_every_declared_field_refuses_bad_values_naming_it(case):
    key, value = case
    if FIELDS[key][0] == "str" and not isinstance(value, list) and "${" not in str(value):
        return
    attempts = [lambda: bposim.compose([f"{key}={hydra_text(value)}"])]
    # A Python dict may give a whole number as a float (validate takes 26.0 weeks as 26); the
    # override door takes only exact whole numbers, as Hydra's typed schema does.
    if not (FIELDS[key][0] == "int" and isinstance(value, float) and value.is_integer()
            and _in_declared_range(key, value)):
        attempts.append(lambda: validate({**_nested(key, value)}))
    for attempt in attempts:
        with pytest.raises(ConfigError) as err:
            attempt()
        assert key.split(".")[-1] in str(err.value)
        assert "/root" not in str(err.value)


def _scheme_fields() -> list[tuple[str, str, str, str | None]]:
    from bposim.schemes import SCHEMES

    return [(name, g.name, declared_fields()[f"scheme.{g.name}"], g.metadata.get("range"))
            for name, cls in sorted(SCHEMES.items()) for g in dataclasses.fields(cls.Params)
            if declared_fields().get(f"scheme.{g.name}") in ("int", "float", "bool")]


SCHEME_FIELDS = _scheme_fields()


@st.composite
def bad_scheme_values(draw):
    name, field, kind, spec = draw(st.sampled_from(SCHEME_FIELDS))
    strategies = [wrong_types(kind), st.just("${oc.env:HOME}")]
    if spec and kind in ("int", "float"):
        strategies.append(out_of_range(spec, kind))
    return name, field, draw(st.one_of(strategies))


@FAST
@given(bad_scheme_values())
def test_every_schemes_parameters_refuse_bad_values_naming_them(case):
    name, field, value = case
    for attempt in (lambda: bposim.compose([f"scheme={name}", f"scheme.{field}={hydra_text(value)}"]),
                    lambda: validate({"scheme": {"name": name, field: value}})):
        with pytest.raises(ConfigError) as err:
            attempt()
        assert f"scheme.{field}" in str(err.value) and "/root" not in str(err.value)


def _in_declared_range(key: str, value) -> bool:
    from bposim.config import in_range

    spec = FIELDS[key][1]
    return spec is None or in_range(value, spec)


def _nested(key: str, value) -> dict:
    *parents, leaf = key.split(".")
    out = {leaf: value}
    for name in reversed(parents):
        out = {name: out}
    return out


DANGEROUS = ["os.system", "pathlib.Path.touch", "builtins.exec", "builtins.open", "subprocess.run",
             "shutil.rmtree", "builtins.print", "logging.handlers.SocketHandler", "x.y"]


@st.composite
def hostile_overrides(draw):
    target = draw(st.sampled_from(DANGEROUS))
    name = draw(st.text(alphabet="abcdefgh", min_size=1, max_size=5))
    return draw(st.sampled_from([
        ([f"+hydra.callbacks.{name}._target_={target}"], f"hydra.callbacks.{name}._target_"),
        ([f"hydra.callbacks.validate._target_={target}"], "hydra.callbacks.validate"),
        ([f"hydra.sweeper._target_={target}"], "hydra.sweeper._target_"),
        ([f"hydra.launcher._target_={target}"], "hydra.launcher._target_"),
        ([f"+hydra.callbacks.validate.{name}._target_={target}"], "hydra.callbacks.validate"),
        ([f"+hydra.job_logging.handlers.{name}.class={target}"], f"hydra.job_logging.handlers.{name}.class"),
        ([f"hydra.run.dir=${{oc.env:{name.upper()}}}"], "hydra.run.dir"),
        ([f"hydra.job.name=${{oc.env:{name.upper()}}}"], "hydra.job.name"),
        ([f"+hydra.job.env_set.{name.upper()}=1"], "hydra.job.env_set"),
        ([f"hydra.sweep.subdir=../{name}"], "hydra.sweep.subdir"),
        ([f"label=${{oc.env:{name.upper()}}}"], "label"),
    ]))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hostile_overrides())
def test_hostile_overrides_are_refused_naming_the_key(case):
    overrides, named = case
    with pytest.raises(ConfigError) as err:
        door(*overrides)
    assert named in str(err.value)


# --- fast composition = full composition ------------------------------------------------------


@st.composite
def value_overrides(draw):
    """Random value-only override lists (some values valid, some not), with or without a few
    config-group choices, every value of its declared type."""
    groups = draw(st.lists(st.sampled_from(["scheme=per_volume", "scheme=hybrid", "scenario=relational",
                                            "shock=surge", "+experiment=smoke"]), max_size=2, unique=True))
    items = []
    for key in draw(st.lists(st.sampled_from(KEYS), min_size=1, max_size=4)):
        kind, spec = FIELDS[key]
        if kind == "bool":
            value = draw(st.booleans())
        elif kind == "str":
            value = draw(st.sampled_from(["auto", "all", "none", "x y", "5"]))
        elif kind == "int":
            value = draw(st.integers(-3, 60))
        else:
            value = draw(st.one_of(st.floats(-2, 3, allow_nan=False), st.integers(-2, 3)))
        items.append(f"{key}={hydra_text(value)}")
    return draw(st.permutations(groups + items))


def _outcome(compose):
    try:
        return "valid", OmegaConf.to_yaml(compose())
    except ConfigError as err:
        return "refused", str(err)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])  # a full composition each
@given(value_overrides())
def test_fast_composition_gives_what_a_full_composition_gives(overrides):
    def fast():
        cfg = bposim.config.compose_unvalidated(overrides)
        validate(cfg)
        return cfg

    def full():
        check_overrides(overrides)
        cfg = full_composition(tuple(overrides))
        validate(cfg)
        return cfg
    assert _outcome(fast) == _outcome(full)
