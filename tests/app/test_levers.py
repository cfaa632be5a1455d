"""The workshop's levers: one declaration per control, checked, and mapped onto the model.

Each lever is a control on the page (in the dict form Mesa's SolaraViz reads), a range its
`check` enforces with a message naming the lever, and a configuration value of BPOModel
(`model_overrides`). These tests pin all three, and that a BPOModel built from the overrides
really runs with the values the lever claims.
"""

from __future__ import annotations

import inspect
import math
import re

import pytest
from mesa.visualization.solara_viz import split_model_params

import bposim
from bposim.app.levers import (
    BY_NAME,
    DEFAULTS,
    LEVERS,
    QUARTER,
    WORKSHOP_MARKET,
    WORKSHOP_SCHEMES,
    checked,
    model_overrides,
)
from bposim.app.model import WorkshopModel

SLIDERS = [lever for lever in LEVERS if lever.kind == "slider"]
CHECKS = [lever for lever in LEVERS if lever.kind == "check"]
SELECTS = [lever for lever in LEVERS if lever.kind == "select"]
MESA_TYPES = {"slider": "SliderFloat", "check": "Checkbox", "select": "Select"}


def ids(levers) -> list[str]:
    return [lever.name for lever in levers]


def allowed_range(message: str) -> tuple[float, float]:
    """The [low, high] a check's message states."""
    found = re.search(r"\[([-+0-9.eE]+), ([-+0-9.eE]+)\]", message)
    assert found, f"no [low, high] range in {message!r}"
    return float(found.group(1)), float(found.group(2))


def built(values: dict) -> bposim.BPOModel:
    """A BPOModel from the overrides of these lever values (missing levers at their defaults)."""
    return bposim.BPOModel(rng=0, collect=False, engine="array", **model_overrides(checked(values)))


# --- the set of levers ---------------------------------------------------------------------------


def test_every_lever_kind_is_slider_check_or_select():
    assert {lever.kind for lever in LEVERS} <= set(MESA_TYPES)


def test_lever_names_are_unique():
    assert len(BY_NAME) == len(LEVERS)


def test_every_lever_is_a_keyword_of_workshop_model_with_the_same_default():
    """The page passes the controls' values to WorkshopModel by lever name; free play opens at
    the levers' defaults, so WorkshopModel's own defaults must agree with them."""
    parameters = inspect.signature(WorkshopModel.__init__).parameters
    for lever in LEVERS:
        assert lever.name in parameters, lever.name
        assert parameters[lever.name].default == lever.default, lever.name


def test_workshop_schemes_are_all_registered_schemes():
    assert set(WORKSHOP_SCHEMES) <= set(bposim.SCHEMES)


def test_both_contract_selects_offer_exactly_the_workshop_schemes():
    assert BY_NAME["scheme"].values == WORKSHOP_SCHEMES
    assert BY_NAME["scheme_b"].values == WORKSHOP_SCHEMES


# --- control(): the dict SolaraViz's UserInputs reads -------------------------------------------


@pytest.mark.parametrize("lever", SLIDERS, ids=ids(SLIDERS))
def test_slider_control_is_a_solaraviz_float_slider(lever):
    control = lever.control()
    assert control == {"type": "SliderFloat", "label": lever.label, "value": float(lever.default),
                       "min": lever.low, "max": lever.high, "step": lever.step}
    assert isinstance(control["value"], float)
    assert lever.low <= control["value"] <= lever.high
    assert 0 < lever.step <= lever.high - lever.low


@pytest.mark.parametrize("lever", CHECKS, ids=ids(CHECKS))
def test_check_control_is_a_solaraviz_checkbox(lever):
    assert lever.control() == {"type": "Checkbox", "label": lever.label, "value": lever.default}
    assert lever.control()["value"] is lever.default


@pytest.mark.parametrize("lever", SELECTS, ids=ids(SELECTS))
def test_select_control_is_a_solaraviz_select_over_the_levers_choices(lever):
    control = lever.control()
    assert control == {"type": "Select", "label": lever.label, "value": lever.default,
                       "values": list(lever.values)}
    assert control["value"] in control["values"]


@pytest.mark.parametrize("lever", LEVERS, ids=ids(LEVERS))
def test_control_shows_a_given_value_instead_of_the_default(lever):
    if lever.kind == "slider":
        value = lever.high
    elif lever.kind == "check":
        value = not lever.default
    else:
        value = lever.values[-1]
    assert lever.control(value)["value"] == value


def test_mesa_treats_every_lever_control_as_a_user_input():
    """SolaraViz splits model_params into inputs (a dict with a "type") and fixed values;
    a control Mesa took for a fixed value would silently vanish from the sidebar."""
    inputs, fixed = split_model_params({lever.name: lever.control() for lever in LEVERS})
    assert set(inputs) == set(BY_NAME)
    assert fixed == {}
    assert {control["type"] for control in inputs.values()} == set(MESA_TYPES.values())


def test_every_lever_has_a_label_and_a_meaning():
    for lever in LEVERS:
        assert lever.label.strip() and lever.meaning.strip(), lever.name


# --- check(): ranges and types, with messages naming the lever ----------------------------------


@pytest.mark.parametrize("lever", LEVERS, ids=ids(LEVERS))
def test_check_accepts_the_default(lever):
    assert lever.check(lever.default) == lever.default


@pytest.mark.parametrize("lever", SLIDERS, ids=ids(SLIDERS))
def test_slider_check_accepts_both_ends_and_returns_a_float(lever):
    assert lever.check(lever.low) == lever.low
    assert lever.check(lever.high) == lever.high
    assert isinstance(lever.check(0), float)  # an int from a URL or a preset becomes a float


@pytest.mark.parametrize("lever", SLIDERS, ids=ids(SLIDERS))
@pytest.mark.parametrize("where", ["below", "above"])
def test_slider_check_rejects_a_value_out_of_range_naming_lever_and_range(lever, where):
    value = lever.low - 0.01 if where == "below" else lever.high + 0.01
    with pytest.raises(ValueError, match=re.escape(lever.name)) as error:
        lever.check(value)
    assert allowed_range(str(error.value)) == (lever.low, lever.high)


@pytest.mark.parametrize("lever", SLIDERS, ids=ids(SLIDERS))
@pytest.mark.parametrize("value", ["0.2", None, True, math.nan], ids=["str", "None", "bool", "nan"])
def test_slider_check_rejects_a_value_that_is_not_a_number(lever, value):
    with pytest.raises(ValueError, match=re.escape(lever.name)) as error:
        lever.check(value)
    assert allowed_range(str(error.value)) == (lever.low, lever.high)


@pytest.mark.parametrize("lever", CHECKS, ids=ids(CHECKS))
@pytest.mark.parametrize("value", [1, 0, "yes", None], ids=["one", "zero", "str", "None"])
def test_check_box_rejects_anything_but_a_bool_naming_lever_and_choices(lever, value):
    with pytest.raises(ValueError, match=re.escape(lever.name)) as error:
        lever.check(value)
    assert "True" in str(error.value) and "False" in str(error.value)


@pytest.mark.parametrize("lever", SELECTS, ids=ids(SELECTS))
@pytest.mark.parametrize("value", ["linear", "kpi_index", "PER_VOLUME", None, 1])
def test_select_check_rejects_an_unknown_choice_naming_lever_and_every_choice(lever, value):
    """linear and kpi_index are registered schemes, but not ones a workshop compares."""
    with pytest.raises(ValueError, match=re.escape(lever.name)) as error:
        lever.check(value)
    for choice in lever.values:
        assert choice in str(error.value)


# --- checked(): all levers, defaults filled in ----------------------------------------------------


def test_checked_of_nothing_is_the_defaults():
    assert checked({}) == DEFAULTS


def test_checked_fills_the_levers_not_given_with_their_defaults():
    values = checked({"audit_rate": 0.25, "scheme": "hybrid"})
    assert values == {**DEFAULTS, "audit_rate": 0.25, "scheme": "hybrid"}


def test_checked_rejects_an_unknown_lever_naming_it_and_the_levers():
    with pytest.raises(ValueError, match="audit_intensity") as error:
        checked({"audit_intensity": 0.2})
    for name in BY_NAME:
        assert name in str(error.value)


def test_checked_rejects_a_bad_value_naming_the_lever_and_range():
    with pytest.raises(ValueError, match="audit_rate") as error:
        checked({"audit_rate": 2})
    assert allowed_range(str(error.value)) == (BY_NAME["audit_rate"].low, BY_NAME["audit_rate"].high)


# --- model_overrides(): each lever's configuration value ------------------------------------------

# (lever values, configuration key, the value the overrides must hold)
MAPPING = [
    ({"scheme": "fixed_fee"}, "scheme", "fixed_fee"),
    ({"audit_rate": 0.35}, "client.audit_rate", 0.35),
    ({"metric_gameability": 1.7}, "vendor.metric_gameability", 1.7),
    ({"feedback_clarity": 0.15}, "client.feedback_clarity", 0.15),
    ({"two_way_feedback": 0.85}, "client.two_way_feedback", 0.85),
    ({"context_sharing": 0.95}, "client.context_sharing", 0.95),
    ({"recognition": 0.05}, "client.recognition", 0.05),
    ({"quarterly_reviews": True}, "client.review_period", QUARTER),
    ({"quarterly_reviews": False}, "client.review_period", 0),
    ({"pressure_shock": True}, "shock", "surge"),
    ({"pressure_shock": False}, "shock", "none"),
]


def case_ids(cases) -> list[str]:
    return [", ".join(f"{k}={v}" for k, v in values.items()) for values, _, _ in cases]


def test_quarter_is_thirteen_weeks():
    assert QUARTER == 13


@pytest.mark.parametrize("values, key, expected", MAPPING, ids=case_ids(MAPPING))
def test_model_overrides_maps_the_lever_to_its_configuration_value(values, key, expected):
    assert model_overrides(checked(values))[key] == expected


def test_model_overrides_always_sets_the_workshop_market():
    overrides = model_overrides(checked({}))
    assert {k: overrides[k] for k in WORKSHOP_MARKET} == WORKSHOP_MARKET


def test_model_overrides_ignore_compare_and_scheme_b():
    """Those levers shape the page (a second pane), not a contract's configuration."""
    base = model_overrides(checked({}))
    assert model_overrides(checked({"compare": True, "scheme_b": "fixed_fee"})) == base


# What the settings of a BPOModel built from the overrides must hold, per lever value.
SETTINGS = [
    ({"audit_rate": 0.35}, lambda s: s.client.audit_rate, 0.35),
    ({"metric_gameability": 1.7}, lambda s: s.vendor.metric_gameability, 1.7),
    ({"feedback_clarity": 0.15}, lambda s: s.client.feedback_clarity, 0.15),
    ({"two_way_feedback": 0.85}, lambda s: s.client.two_way_feedback, 0.85),
    ({"context_sharing": 0.95}, lambda s: s.client.context_sharing, 0.95),
    ({"recognition": 0.05}, lambda s: s.client.recognition, 0.05),
    ({"quarterly_reviews": True}, lambda s: s.client.review_period, 13),
    ({"quarterly_reviews": False}, lambda s: s.client.review_period, 0),
    ({"pressure_shock": True}, lambda s: s.shock.week, 52),
    ({"pressure_shock": False}, lambda s: s.shock.week, -1),
]


@pytest.mark.parametrize("values, read, expected", SETTINGS, ids=case_ids(SETTINGS))
def test_a_model_built_from_the_overrides_runs_with_the_levers_value(values, read, expected):
    assert read(built(values).settings) == expected


def test_the_pressure_shock_builds_the_surge_of_its_label():
    """The lever's meaning: demand +60% for 8 weeks from week 52, a fifth of capacity lost."""
    shock = built({"pressure_shock": True}).settings.shock
    assert (shock.week, shock.duration, shock.demand_surge, shock.capacity_cut) == (52, 8, 0.6, 0.2)


@pytest.mark.parametrize("scheme", WORKSHOP_SCHEMES)
def test_a_model_built_from_the_overrides_runs_the_chosen_scheme(scheme):
    assert built({"scheme": scheme}).settings.scheme.name == scheme


def test_a_model_built_from_the_overrides_is_the_workshop_market():
    model = built({})
    market = model.settings.market
    assert (market.n_clients, market.n_vendors, market.big_client_multiplier) == (6, 2, 3.0)
    assert model.n_steps == 156
    assert len(model.clients) == 6 and len(model.vendors) == 2
