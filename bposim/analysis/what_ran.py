"""What was run, in plain words, for the top of a report: the market and the runs, the mechanisms
that are on (reviews, audits, pricing, shocks, contract terms), and every setting that differs
from what `bposim-compare` runs by default."""

from __future__ import annotations

from typing import Any

from ..config import compose_schemes, describe, validate
from .formats import value_text
from .sections import Setup

SKIPPED = {"scheme", "label", "replications"}  # named elsewhere (the compared schemes, the runs)


_DEFAULTS: dict[str, dict[str, Any]] = {}  # scheme name -> its default values, composed once per process


def _default_values(schemes: list[str]) -> dict[str, dict[str, Any]]:
    """Each scheme's default values; the ones not seen yet from one composition (compose_schemes),
    not one whole Hydra composition each (that was most of a report's set-up time)."""
    missing = [name for name in dict.fromkeys(schemes) if name not in _DEFAULTS]
    if missing:
        for name, cfg in compose_schemes(missing).items():
            _DEFAULTS[name] = _values(validate(cfg))[0]
    return {name: _DEFAULTS[name] for name in schemes}


def _values(s) -> tuple[dict[str, Any], dict[str, str]]:
    rows = describe(s.config) + describe(s.scheme.params, "scheme")
    values = {r["name"]: r["value"] for r in rows if r["name"] not in SKIPPED}
    values["scheme.pricing"] = s.scheme.pricing
    return values, {r["name"]: r["meaning"] for r in rows}


def changed_settings(settings: list) -> list[str]:
    """One line per setting that differs from the default of its scheme, in any configuration."""
    changed: dict[str, list] = {}
    defaults: dict[str, Any] = {}
    meaning: dict[str, str] = {}
    base_of = _default_values([s.scheme.name for s in settings])
    for s in settings:
        values, means = _values(s)
        meaning.update(means)
        base = base_of[s.scheme.name]
        for name, value in values.items():
            if name in base and value != base[name]:
                changed.setdefault(name, [])
                defaults[name] = base[name]
                if value not in changed[name]:
                    changed[name].append(value)
    return [f"{name} = {', '.join(value_text(v) for v in vals)} (default {value_text(defaults[name])})"
            + (f": {meaning[name]}" if meaning.get(name) else "") for name, vals in changed.items()]


def mechanisms(s) -> list[str]:
    """The mechanisms of a configuration that shape the story, each in a sentence."""
    c, sh = s.client, s.shock
    out = []
    if c.review_period > 0:
        acts = [a for a, on in (("re-weight pay toward audited quality", c.review_reweight),
                                ("re-price", c.review_reprice), ("warn", c.review_warn),
                                ("end the contract and switch vendor", c.review_terminate)) if on]
        out.append(f"Contract reviews every {c.review_period} weeks ({', '.join(acts) or 'no actions'}); "
                   f"on by default, client.review_period = 0 turns them off.")
    else:
        out.append("No periodic contract reviews (client.review_period = 0).")
    if c.audit_rate > 0:
        out.append(f"Audits: a {c.audit_rate:.0%} chance each week at full trust, more as trust falls "
                   f"(up to {min(1.0, c.audit_rate * (1 + c.audit_trust_sensitivity)):.0%} at zero trust).")
    else:
        out.append("No audits (client.audit_rate = 0): the client sees only the measured score.")
    if s.scheme.pricing == "participation":
        out.append("Pricing: the fixed part of pay is set at signing and at each renewal so that the vendor "
                   "earns its outside option plus a relational premium of "
                   f"{s.scheme.params.premium:g} MU per unit of demand a week (scheme.pricing = participation, "
                   "scheme.premium).")
    else:
        out.append("Pricing: each contract pays at its written terms (scheme.pricing = as_written).")
    shocks = []
    if sh.week >= 0:
        shocks.append(f"a pressure shock from week {sh.week} for {sh.duration} weeks (demand +{sh.demand_surge:.0%}, "
                      f"vendor capacity -{sh.capacity_cut:.0%})")
    if sh.random_rate > 0:
        shocks.append(f"random market-wide shocks, a {sh.random_rate:.0%} chance each week")
    out.append(("Shocks: " + "; ".join(shocks) + ".") if shocks else "No pressure shocks.")
    if c.contract_term > 0:
        out.append(f"Contracts run {c.contract_term} weeks, then the client renews (more likely the more it "
                   f"trusts the vendor) or switches.")
    return out


def setup_section(settings: list, replications: str) -> Setup | None:
    """The section, from the Settings of the configurations that ran (None without them)."""
    if not settings:
        return None
    first = settings[0]
    m, cfg = first.market, first.config
    seeds = sorted({s.config.seed for s in settings})
    market = (f"{m.n_clients} client{'s' * (m.n_clients != 1)} and {m.n_vendors} vendor{'s' * (m.n_vendors != 1)} "
              f"({m.vendors_per_client} vendor{'s' * (m.vendors_per_client != 1)} per client), {cfg.steps} weeks, "
              f"{replications} replication{'s' * (replications != '1')} per configuration from seed "
              f"{', '.join(str(x) for x in seeds)}, on common random numbers.")
    return Setup(market, mechanisms(first), changed_settings(settings))
