"""The exploration report: one self-contained HTML file (figures embedded, opens offline, the
look of the comparison report) plus every table as Parquet and CSV, each file written atomically.

    path = write_report(exploration, "reports/explore-client_value", command="bposim-explore ...")

Files: report.html, figures/NAME.png, TABLE.parquet and TABLE.csv for every table (points: the
design's points; results: one row per point, scheme and replication; sobol, morris, tornado,
prim_box, prim_trajectory, cart_rules, best_terms, search_trials, pareto as the design calls for),
and design.yaml (the checked design).
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import platform
from importlib import metadata
from pathlib import Path

import pandas as pd
import yaml

from ..analysis.sections import report_css
from ..analysis.figures import fmt
from ..analysis.labels import parameter_rows
from ..io import write_bytes, write_parquet, write_text
from .study import Exploration

DEPENDENCIES = ("numpy", "pandas", "SALib", "scikit-learn", "ema_workbench", "optuna", "matplotlib", "hydra-core")


def _e(text) -> str:
    return html.escape(str(text), quote=True)


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight", facecolor="white", metadata={"Software": None})
    return buf.getvalue()


def _cell(v) -> str:
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return "" if pd.isna(v) else fmt(v) if abs(v) >= 1 or v == 0 else f"{v:.3f}"
    return "" if v is None else str(v)


def _table_html(df: pd.DataFrame, limit: int = 40) -> str:
    head = "".join(f"<th>{_e(c)}</th>" for c in df.columns)
    rows = []
    for r in df.head(limit).itertuples(index=False):
        cells = "".join(f'<td class="{"num" if isinstance(v, (int, float)) and not isinstance(v, bool) else ""}">'
                        f"{_e(_cell(v))}</td>" for v in r)
        rows.append(f"<tr>{cells}</tr>")
    more = f'<p class="note">First {limit} of {len(df)} rows.</p>' if len(df) > limit else ""
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>{more}"


def _shown(ex: Exploration, ref: str) -> tuple[str, pd.DataFrame]:
    name, _, kpi = ref.partition(":")
    df = ex.tables[name]
    if kpi and "kpi" in df.columns:
        df = df[df["kpi"] == kpi].drop(columns=["kpi"])
    return name, df


def design_table(ex: Exploration) -> pd.DataFrame:
    rows = parameter_rows()
    out = []
    for p in ex.design.parameters:
        r = rows.get(p.name, {})
        out.append({"parameter": p.name, "varied over": p.describe(), "declared range": r.get("range", ""),
                    "unit": r.get("unit", ""), "meaning": r.get("meaning", "")})
    if ex.design.sampler == "optuna":
        for scheme in ex.design.schemes():
            for name, bounds in ex.design.terms(scheme).items():
                if name in ex.design.names:  # shared by every scheme: listed once above
                    continue
                r = rows.get(name, {})
                out.append({"parameter": f"{name} ({scheme})", "varied over": f"[{bounds[0]:g}, {bounds[1]:g}]",
                            "declared range": r.get("range", ""), "unit": r.get("unit", ""),
                            "meaning": r.get("meaning", "")})
    return pd.DataFrame(out)


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def provenance(ex: Exploration, command: str) -> dict:
    from .. import __version__

    d = ex.design
    out = {"command": command} if command else {}
    out["design"] = f"{d.name}: sampler {d.sampler}, size {d.size}, {d.n_points()} points"
    out["base overrides"] = " ".join(d.base) or "none (the packaged defaults)"
    out["seed"] = f"{d.seed} (the sampler's seed); model seed from the base, the same for every point"
    out["replications"] = (f"{d.replications} per point, on common random numbers: replication r of every point "
                           f"and scheme sees the same streams")
    for k, v in ex.seconds.items():
        out[f"{k} time"] = f"{v:.1f} s"
    out["versions"] = ", ".join([f"bposim {__version__}", *(f"{p} {v}" for p in DEPENDENCIES if (v := _version(p)))])
    out["python"] = f"{platform.python_version()} ({platform.platform(terse=True)})"
    out["date"] = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    return out


def build_html(ex: Exploration, pngs: dict, command: str = "") -> str:
    d = ex.design
    title = f"Exploration: {d.description or d.name}"
    what = (f"{d.n_points()} points from the {d.sampler} sampler over {len(d.parameters)} parameters"
            if d.sampler != "optuna" else f"optuna searches over the terms of {len(d.schemes())} schemes")
    pair = f", each run under {d.compare[0]} and {d.compare[1]}" if d.compare else ""
    lead = f"{what}{pair}, {d.replications} replication{'s' if d.replications > 1 else ''} each."
    nav = [("summary", "Summary"), ("design", "Design"), *[(s.id, s.title.split(":")[0]) for s in ex.sections],
           ("provenance", "Provenance")]
    parts = [f"<h1>{_e(title)}</h1>", f'<p class="lead">{_e(lead)}</p>',
             "<nav>" + "".join(f'<a href="#{i}">{_e(t)}</a>' for i, t in nav) + "</nav>"]
    items = "".join(f"<li>{_e(t)}</li>" for t in ex.summary)
    parts.append(f'<section id="summary"><h2>Summary</h2><ul class="headline">{items}</ul>'
                 f'<p class="note">Money is in model units (MU), totals over the run; quality, gaming and trust are '
                 f'means over the weeks.</p></section>')
    parts.append(f'<section id="design"><h2>Design</h2><p>The parameters varied, each inside its declared '
                 f'range; everything else is the base configuration.</p>{_table_html(design_table(ex), 200)}'
                 f'</section>')
    for s in ex.sections:
        body = [f'<section id="{_e(s.id)}"><h2>{_e(s.title)}</h2><p>{_e(s.intro)}</p>']
        for name in s.figures:
            data = base64.b64encode(pngs[name]).decode("ascii")
            body.append(f'<figure id="fig-{_e(name)}"><img src="data:image/png;base64,{data}" alt="{_e(name)}">'
                        f"<figcaption><b>{_e(ex.reading(name))}</b></figcaption></figure>")
        for ref in s.tables:
            name, df = _shown(ex, ref)
            body.append(f"<h3>{_e(name.replace('_', ' '))}</h3>{_table_html(df)}"
                        f'<p class="note">Also in {_e(name)}.csv and {_e(name)}.parquet.</p>')
        body.append("</section>")
        parts.append("".join(body))
    dl = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in provenance(ex, command).items())
    parts.append(f'<section id="provenance"><h2>Provenance</h2><dl class="prov">{dl}</dl></section>')
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{_e(title)}</title>"
            f"<style>{report_css()}</style></head><body>\n" + "\n".join(parts) + "\n</body></html>\n")


def design_yaml(ex: Exploration) -> str:
    d = ex.design
    params = {p.name: ({"levels": list(p.levels)} if p.levels is not None else list(p.bounds)) for p in d.parameters}
    spec = {"name": d.name, "description": d.description, "sampler": d.sampler, "size": d.size,
            "replications": d.replications, "seed": d.seed, "kpis": list(d.kpis), "compare": d.compare,
            "base": list(d.base), "parameters": params}
    if d.discovery:
        spec["discovery"] = d.discovery
    if d.search:
        spec["search"] = d.search
    return yaml.safe_dump(spec, sort_keys=False)


def write_report(ex: Exploration, folder: str | Path, command: str = "") -> Path:
    """Write every table, figure and the HTML report into folder; return the path of report.html."""
    folder = Path(folder)
    for name, df in ex.tables.items():
        write_parquet(df, folder / f"{name}.parquet")
        write_text(df.to_csv(index=False), folder / f"{name}.csv")
    pngs = {name: _png(fig) for name, fig in ex.figures.items()}
    for name, png in pngs.items():
        write_bytes(png, folder / "figures" / f"{name}.png")
    write_text(design_yaml(ex), folder / "design.yaml")
    return write_text(build_html(ex, pngs, command), folder / "report.html")
