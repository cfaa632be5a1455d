"""One Hydra composition serves a comparison of schemes (#14 item 9): each scheme's configuration
is the one a whole composition gives, for every registered scheme and for value overrides that
touch the shared, the scheme and the section settings; anything else composes whole."""

from __future__ import annotations

import pytest
from omegaconf import OmegaConf

from bposim.config import ConfigError, compose
from bposim.config.load import compose_schemes
from bposim.schemes import SCHEMES

NAMES = sorted(SCHEMES)


@pytest.mark.parametrize("overrides", [[], ["replications=30", "client.audit_rate=0.2", "seed=4"],
                                       ["scheme.pricing=participation", "report.currency=EUR"],
                                       ["shock=surge", "steps=26"]])
def test_each_scheme_is_composed_as_hydra_composes_it(overrides):
    for first in (NAMES[0], NAMES[-1]):
        order = [first, *(n for n in NAMES if n != first)]
        got = compose_schemes(order, overrides)
        assert list(got) == order
        for name in order:
            assert OmegaConf.to_yaml(got[name]) == OmegaConf.to_yaml(compose([f"scheme={name}", *overrides])), name


def test_a_bad_value_is_refused_for_the_scheme_it_does_not_fit():
    with pytest.raises(ConfigError, match="client.audit_rate = 3"):
        compose_schemes(["per_volume", "fixed_fee"], ["client.audit_rate=3"])
    with pytest.raises(ConfigError):
        compose_schemes(["per_volume", "fixed_fee"], ["scheme.price=2"])
