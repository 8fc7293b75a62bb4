"""The written report of a comparison: terminal text, Markdown and self-contained HTML.

All three are built from the same tables (:class:`~sim.experiment.runner.Comparison`
``.summary``, ``.differences``, ``.pareto``, ``.flags``), with the same number formatting
(:func:`fmt`), so the printed table, the report and the CSV files agree.
"""

from __future__ import annotations

import base64
import html as _html
from typing import Any

import pandas as pd

SOURCES_NOTE = (
    "Default parameter values come from published figures listed in `docs/sources.md`; each "
    "scenario key's documentation names its source or says 'assumption' (see "
    "`docs/scenario-reference.md`). Results are model outputs under those assumptions, not "
    "forecasts; intervals reflect simulation noise only, not uncertainty in the inputs."
)


def fmt(x: float) -> str:
    """Four significant digits (the precision used everywhere in printed tables)."""
    if x is None or pd.isna(x):
        return "n/a"
    if x in (float("inf"), float("-inf")):
        return "inf"
    return f"{x:.4g}"


def _unit(unit: str, currency: str) -> str:
    return currency if unit in ("currency", "money") else unit


def headline(cmp: Any, kpis: list[str] | None = None) -> pd.DataFrame:
    """Headline KPIs (rows) by design (columns): ``"mean ± half-width"`` strings.

    The columns ``kpi`` and ``unit`` come first; the last row, ``n``, gives the replications.
    """
    kpis = kpis or cmp.headline_kpis()
    s = cmp.summary.set_index(["design", "kpi"])
    currency = cmp.meta.get("currency", "")
    rows = []
    for kpi in kpis:
        row = {"kpi": kpi, "unit": _unit(str(s.loc[(cmp.designs[0], kpi), "unit"] or ""),
                                         currency)}
        for d in cmp.designs:
            row[d] = f"{fmt(s.loc[(d, kpi), 'mean'])} ± {fmt(s.loc[(d, kpi), 'half_width'])}"
        rows.append(row)
    n_row = {"kpi": "n", "unit": "replications"}
    for d in cmp.designs:
        n_row[d] = str(int(cmp.runs.loc[cmp.runs["design"] == d, "replication"].nunique()))
    rows.append(n_row)
    return pd.DataFrame(rows, columns=["kpi", "unit", *cmp.designs])


def differences(cmp: Any, kpis: list[str] | None = None) -> pd.DataFrame:
    """Paired differences against the reference on the headline KPIs, formatted."""
    kpis = kpis or cmp.headline_kpis()
    diff = cmp.differences
    if diff.empty:
        return pd.DataFrame(columns=["design", "kpi", "difference", "interval", "significant"])
    order = {k: i for i, k in enumerate(kpis)}
    diff = diff[diff["kpi"].isin(kpis)]
    diff = diff.iloc[diff["kpi"].map(order).argsort(kind="stable")]
    currency = cmp.meta.get("currency", "")
    return pd.DataFrame({
        "design": diff["design"],
        "kpi": [f"{k} ({_unit(u, currency)})" if u else k
                for k, u in zip(diff["kpi"], diff["unit"], strict=True)],
        "difference": diff["mean_diff"].map(fmt),
        "interval": [f"[{fmt(lo)}, {fmt(hi)}]"
                     for lo, hi in zip(diff["lower"], diff["upper"], strict=True)],
        "n": diff["n"].astype(int).astype(str),
        "significant": diff["significant"].map({True: "yes", False: "no"}),
    }).reset_index(drop=True)


def period_table(cmp: Any, kpis: list[str] | None = None) -> pd.DataFrame:
    """Case KPIs per period (rows: period × KPI) by design: ``"mean ± half-width"`` strings.

    The KPIs are the headline KPIs that are computed per period, then ``cases_per_day``;
    empty when the scenario has no promotion or disruption window in its measured window.
    """
    from .outcomes.periods import PERIOD_KPIS, RATE

    ps = getattr(cmp, "period_summary", None)
    if ps is None or ps.empty:
        return pd.DataFrame(columns=["period", "kpi", "unit", *cmp.designs])
    heads = kpis or cmp.headline_kpis()
    wanted = [k for k in heads if k in PERIOD_KPIS] + [RATE]
    s = ps.set_index(["design", "period", "kpi"])
    currency = cmp.meta.get("currency", "")
    rows = []
    for period in pd.unique(ps["period"]):
        for kpi in wanted:
            if (cmp.designs[0], period, kpi) not in s.index:
                continue
            row = {"period": period, "kpi": kpi,
                   "unit": _unit(str(s.loc[(cmp.designs[0], period, kpi), "unit"] or ""),
                                 currency)}
            for d in cmp.designs:
                r = s.loc[(d, period, kpi)]
                row[d] = f"{fmt(r['mean'])} ± {fmt(r['half_width'])}"
            rows.append(row)
    return pd.DataFrame(rows, columns=["period", "kpi", "unit", *cmp.designs])


PERIODS_NOTE = (
    "Each period holds the cases created in it (promotion windows from the demand, disruption "
    "windows from the designs' providers; the same window for every design, so a design "
    "without the disruption is the counterfactual). Cases follow orders by days, so part of a "
    "promotion's return wave is created after its window. Costs are not split by period: "
    "staffed time belongs to no single period, so cost KPIs are whole-window figures."
)


def nondominated(cmp: Any) -> list[str]:
    """Designs on the Pareto front."""
    return [d for d, p in zip(cmp.pareto["design"], cmp.pareto["pareto"], strict=True) if p]


def _objectives(cmp: Any) -> str:
    words = {"min": "lower is better", "max": "higher is better"}
    return ", ".join(f"{k} ({words[v]})" for k, v in cmp.meta.get("objectives", {}).items())


def _what(cmp: Any) -> list[tuple[str, str]]:
    m = cmp.meta
    return [
        ("scenario", f"{m['scenario']} — {m.get('description', '')}".rstrip(" —")),
        ("designs", ", ".join(m["designs"]) + f" (reference: {m['reference']})"),
        ("replications", f"{m['replications']} per design ({m['replication_rule']}), "
                         "common random numbers across designs"),
        ("seed", str(m["seed"])),
        ("run", f"{m['run_kind']}, horizon {m['horizon_h']:g} h, warm-up {m['warmup_h']:g} h"),
        ("intervals", f"{m['confidence']:.0%} Student-t; differences paired, Bonferroni over "
                      f"{max(len(m['designs']) - 1, 1)} comparison(s)"),
        ("wall time", f"{m['wall_time_s']:.1f} s ({m['executor']})"),
    ]


def text(cmp: Any, folder: str | None = None) -> str:
    """The terminal summary of ``aftersales run``."""
    lines = [f"Scenario {cmp.meta['scenario']}: {len(cmp.designs)} design(s) × "
             f"{cmp.meta['replications']} replication(s), seed {cmp.meta['seed']}, "
             f"{cmp.meta['confidence']:.0%} intervals (mean ± half-width)", ""]
    lines.append(headline(cmp).to_string(index=False))
    diff = differences(cmp)
    if not diff.empty:
        lines += ["", f"Paired differences vs {cmp.reference} (design - reference, "
                      "Bonferroni-adjusted):", diff.to_string(index=False)]
    objectives = _objectives(cmp)
    lines += ["", f"Non-dominated designs on {objectives or 'no objectives'}: "
              + ", ".join(nondominated(cmp))]
    if not cmp.ranking.empty:
        best = cmp.ranking.iloc[0]
        lines.append(f"Probability best on {cmp.meta['ranking_kpi']}: " + ", ".join(
            f"{d} {p:.0%}" for d, p in zip(cmp.ranking["design"], cmp.ranking["prob_best"],
                                         strict=True)) + f" (best mean: {best['design']})")
    flagged = {d: f for d, f in cmp.flags.items() if f}
    for d, f in flagged.items():
        lines.append(f"FLAG {d}: " + "; ".join(f))
    for note in cmp.notes:
        lines.append(f"note: {note}")
    if folder is not None:
        lines += ["", f"Results: {folder}", f"Report:  {folder}/report.html"]
    return "\n".join(lines)


def _md_table(frame: pd.DataFrame) -> str:
    cols = list(frame.columns)
    out = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for _, row in frame.iterrows():
        out.append("| " + " | ".join(str(v).replace("|", "\\|") for v in row) + " |")
    return "\n".join(out)


def markdown(cmp: Any, figures: list[str] | None = None) -> str:
    """``report.md``: what was run, headline table, differences, Pareto set, flags, figures."""
    parts = [f"# After-sales comparison: {cmp.meta['scenario']}", ""]
    parts += [f"- **{k}**: {v}" for k, v in _what(cmp)]
    parts += ["", "## Headline KPIs (mean ± half-width)", "", _md_table(headline(cmp))]
    diff = differences(cmp)
    if not diff.empty:
        parts += ["", f"## Paired differences against {cmp.reference}", "",
                  _md_table(diff)]
    parts += ["", "## Non-dominated designs", "",
              "On " + _objectives(cmp)
              + ": **" + ", ".join(nondominated(cmp)) + "**. A dominance claim is credible "
              "only where the paired intervals above exclude zero."]
    if not cmp.ranking.empty:
        parts += ["", f"## Probability of being best on {cmp.meta['ranking_kpi']}", "",
                  _md_table(cmp.ranking.assign(prob_best=cmp.ranking["prob_best"].map(fmt),
                                               mean=cmp.ranking["mean"].map(fmt)))]
    periods = period_table(cmp)
    if not periods.empty:
        parts += ["", "## KPIs by period (mean ± half-width)", "", PERIODS_NOTE, "",
                  _md_table(periods)]
    flagged = {d: f for d, f in cmp.flags.items() if f}
    parts += ["", "## Flags", ""]
    parts += [f"- **{d}**: " + "; ".join(f) for d, f in flagged.items()] or ["None."]
    if cmp.notes:
        parts += ["", "## Notes", ""] + [f"- {n}" for n in cmp.notes]
    if figures:
        parts += ["", "## Figures", ""] + [f"![{f}](figures/{f}.png)" for f in figures]
    parts += ["", "## Sources and assumptions", "", SOURCES_NOTE, ""]
    return "\n".join(parts)


def _html_table(frame: pd.DataFrame) -> str:
    return frame.to_html(index=False, escape=True, border=0, classes="t")


def html(cmp: Any, figures: dict[str, bytes] | None = None) -> str:
    """``report.html``: the Markdown report's content, self-contained (figures as base64)."""
    e = _html.escape
    body = [f"<h1>After-sales comparison: {e(cmp.meta['scenario'])}</h1><ul>"]
    body += [f"<li><b>{e(k)}</b>: {e(v)}</li>" for k, v in _what(cmp)]
    body += ["</ul><h2>Headline KPIs (mean ± half-width)</h2>", _html_table(headline(cmp))]
    diff = differences(cmp)
    if not diff.empty:
        body += [f"<h2>Paired differences against {e(cmp.reference)}</h2>", _html_table(diff)]
    body += ["<h2>Non-dominated designs</h2><p>On "
             + e(_objectives(cmp))
             + ": <b>" + e(", ".join(nondominated(cmp))) + "</b></p>"]
    if not cmp.ranking.empty:
        body += [f"<h2>Probability of being best on {e(cmp.meta['ranking_kpi'])}</h2>",
                 _html_table(cmp.ranking)]
    periods = period_table(cmp)
    if not periods.empty:
        body += ["<h2>KPIs by period (mean ± half-width)</h2>", f"<p>{e(PERIODS_NOTE)}</p>",
                 _html_table(periods)]
    flagged = {d: f for d, f in cmp.flags.items() if f}
    body += ["<h2>Flags</h2><ul>"] + [f"<li><b>{e(d)}</b>: {e('; '.join(f))}</li>"
                                      for d, f in flagged.items()] + ["</ul>"]
    if cmp.notes:
        body += ["<h2>Notes</h2><ul>"] + [f"<li>{e(n)}</li>" for n in cmp.notes] + ["</ul>"]
    for name, png in (figures or {}).items():
        data = base64.b64encode(png).decode("ascii")
        body.append(f'<h3>{e(name)}</h3><img alt="{e(name)}" src="data:image/png;base64,{data}">')
    body += ["<h2>Sources and assumptions</h2>", f"<p>{e(SOURCES_NOTE)}</p>"]
    style = ("body{font-family:sans-serif;max-width:1100px;margin:2em auto}"
             "table.t{border-collapse:collapse}table.t td,table.t th{padding:3px 8px;"
             "border-bottom:1px solid #ddd;text-align:right}img{max-width:100%}")
    return ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>"
            + e(cmp.meta["scenario"]) + f"</title><style>{style}</style></head><body>"
            + "\n".join(body) + "</body></html>\n")
