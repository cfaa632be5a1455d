"""The verdict: which configuration gives the client the most net value, by how much and how
sure against every other (paired, all pairs), which ones tie with it, what breaks the tie, what
the vendor prefers, and, when the client names the contract it has today, what changing gains.
"""

from __future__ import annotations

import math

from .formats import number, signed
from .labels import label
from .money import Money
from .scorecard import KPIS
from .sections import Verdict, _in
from .tables import ResultTables

CLIENT_KPI = "client_net_value"
VENDOR_KPI = "vendor_margin"
TIE_BREAK = ("trust_in_vendor", "gaming", "vendor_margin")  # stated when the client's best is a tie
NOT_CHECKED = ("How far this verdict holds was not checked{how}: other values of the uncertain parameters or other "
               "seeds could change it.")


def indistinguishable(row) -> bool:
    """The 95% CI of a paired difference includes zero (or there is too little data to tell)."""
    lo, hi = row["ci_low"], row["ci_high"]
    return math.isnan(lo) or math.isnan(hi) or lo <= 0 <= hi


def verdict_section(t: ResultTables, spec: dict, money: Money, robustness=None) -> Verdict:
    """The verdict paragraph; `robustness` (bposim.analysis.robustness.Robustness, when it was
    run or skipped) gives its last sentence: what could flip it, or that it was not checked."""
    what = t.what  # "contract", or in the words of the factors ("value of client.audit_rate")
    act = "Sign" if t.contracts else "Choose"
    if CLIENT_KPI not in t.kpis:
        return Verdict(f"No verdict: the results have no {label(CLIENT_KPI)}.", [])
    best = t.best(CLIENT_KPI)
    if best is None:
        return Verdict(f"No verdict: no {label(CLIENT_KPI)} was recorded.", [])
    s = spec[CLIENT_KPI]
    cur = money.unit("MU")
    over = f"over {t.weeks} weeks" if t.weeks else "over the run"
    m, lo, hi = _in(money, CLIENT_KPI, *t.mean(best, CLIENT_KPI))
    name = t.name(best)
    if len(t.groups) < 2:
        return Verdict(f"One {'contract' if t.contracts else 'configuration'} ({name}): {number(m, s)} {cur} [{number(lo, s)}, {number(hi, s)}] of client net "
                       f"value {over}; nothing to choose between.", [], best=name)

    def diff_text(row) -> str:
        d, dlo, dhi = _in(money, CLIENT_KPI, row["difference"], row["ci_low"], row["ci_high"])
        return f"{number(d, s)} {cur} [{signed(dlo, s)}, {signed(dhi, s)}], better in {row['p_better']:.0%} of paired replications"

    beats, ties = [], []
    for g in t.groups:
        if g == best:
            continue
        row = t.versus(best, g, CLIENT_KPI)
        (ties if indistinguishable(row) else beats).append((g, row))
    sentences = []
    if beats:
        sentences.append(f"It gives more than {'; '.join(f'{t.name(g)} by {diff_text(r)}' for g, r in beats)}.")
    tie_names = [t.name(g) for g, _ in ties]
    if ties:
        lead = (f"{act} {name} or {' or '.join(tie_names)}: they tie on client net value, {name} highest at "
                f"{number(m, s)} {cur} [{number(lo, s)}, {number(hi, s)}] {over}.")
        sentences.append("Not distinguishable from " + name + ": " + "; ".join(
            f"{t.name(g)} ({name} ahead by {diff_text(r)})" for g, r in ties) + ".")
        sentences.append(_tie_break(t, [best, *(g for g, _ in ties)], spec, money))
    else:
        lead = (f"{act} {name}: it gives the client the most net value, {number(m, s)} {cur} "
                f"[{number(lo, s)}, {number(hi, s)}] {over}, and beats every other {what} with 95% confidence.")
    sentences.append(_vendor(t, best, spec, money))
    sentences.append(_status_quo(t, best, [g for g, _ in ties], diff_text, what))
    sentences.append(robustness.in_a_sentence() if robustness is not None else NOT_CHECKED.format(how=""))
    return Verdict(lead, [x for x in sentences if x], best=name, ties=tie_names)


def _tie_break(t: ResultTables, tied: list, spec: dict, money: Money) -> str:
    parts = []
    for k in TIE_BREAK:
        if k not in t.kpis:
            continue
        values = {g: _in(money, k, t.mean(g, k)[0])[0] for g in tied}
        pick = max(values, key=values.get) if KPIS.get(k, True) else min(values, key=values.get)
        unit = f" {money.unit('MU')}" if k == VENDOR_KPI else ""
        shown = ", ".join(f"{number(v, spec[k])}{unit} under {t.name(g)}" for g, v in values.items())
        parts.append(f"{label(k)} {shown} ({'more' if KPIS.get(k, True) else 'less'} is better: {t.name(pick)})")
    return "Tie-break: " + "; ".join(parts) + "." if parts else ""


def _vendor(t: ResultTables, best, spec: dict, money: Money) -> str:
    if VENDOR_KPI not in t.kpis:
        return ""
    v = t.best(VENDOR_KPI)
    s = spec[VENDOR_KPI]
    cur = money.unit("MU")
    if v == best:
        return (f"The vendor also earns most under {t.name(best)}: the two parties' interests agree.")
    row = t.versus(v, best, VENDOR_KPI)
    d, lo, hi = _in(money, VENDOR_KPI, row["difference"], row["ci_low"], row["ci_high"])
    if indistinguishable(row):
        return (f"The vendor's margin is highest under {t.name(v)}, but not distinguishably above {t.name(best)} "
                f"({signed(d, s)} {cur} [{signed(lo, s)}, {signed(hi, s)}]): no clear conflict of interests.")
    return (f"The vendor would rather have {t.name(v)}, where its margin is {number(d, s)} {cur} "
            f"[{signed(lo, s)}, {signed(hi, s)}] higher than under {t.name(best)}: the parties' interests conflict.")


def _status_quo(t: ResultTables, best, ties: list, diff_text, what: str) -> str:
    sq = t.status_quo
    if sq is None:
        return (f"No status quo was named (--baseline): every {what} is compared with every other, "
                f"paired on the same random streams.")
    if sq == best:
        return f"{t.name(sq)}, the {what} the client has today, is already the best."
    if sq in ties:
        return f"{t.name(sq)}, the {what} the client has today, ties with the best: changing gains nothing certain."
    return f"Against {t.name(sq)}, the {what} the client has today, {t.name(best)} gains {diff_text(t.versus(best, sq, CLIENT_KPI))}."
