"""The written report of a comparison: terminal text, Markdown and self-contained HTML.

All three are built from the same formatted tables (:mod:`sim.report_tables`: headline,
paired differences, KPIs by period, ranking, value view), with the same number formatting, so
the printed table, the report and the CSV files agree. Cost and the service score are shown as
two axes of one decision (the designs non-dominated on each pair); a single weighted value
appears only when the scenario prices a scorecard point (``report.price_of_a_point``).
"""

from __future__ import annotations

import base64
import html as _html
import re
from typing import Any

from .report_tables import (  # noqa: F401  (re-exported: sim.report is the public name)
    differences,
    fmt,
    headline,
    pct,
    period_table,
    ranking_sentences,
    ranking_table,
    tradeoffs,
    value_view,
)

SOURCES_NOTE = (
    "Default parameter values come from published figures listed in `docs/sources.md`; each "
    "scenario key's documentation names its source or says 'assumption' (see "
    "`docs/scenario-reference.md`). Results are model outputs under those assumptions, not "
    "forecasts; intervals reflect simulation noise only, not uncertainty in the inputs."
)
PERIODS_NOTE = (
    "Each period holds the cases created in it: promotion windows from the demand, the wave of "
    "cases after a promotion (for the time within which 90% of an order's cases are raised), "
    "disruption windows from the scenario's events and the designs' providers (the same window "
    "for every design, so a design without the disruption is the counterfactual). Costs are "
    "not split by period: staffed time belongs to no single period, so cost KPIs are "
    "whole-window figures."
)
TRADEOFF_NOTE = (
    "Cost and the service score are two axes of one decision: a design is listed when no "
    "other design is at least as good on both and better on one (means; a dominance claim is "
    "credible only where the paired intervals exclude zero)."
)
#: What each figure shows, with its units and intervals (``{conf}``, ``{currency}``, ``{n}``).
CAPTIONS = {
    "kpis": "Headline KPIs by design: mean and {conf} confidence interval over n={n} "
            "replications; each axis names its unit, shares are in %, bounded scores say which "
            "part of their scale is drawn, waits spanning orders of magnitude use a log axis.",
    "pareto": "Cost per case ({currency}) against each quality objective: means with {conf} "
              "intervals on both axes (n={n}); filled markers are the designs no other design "
              "beats on both axes of that panel.",
    "waits": "Cumulative share of cases by first-response wait (min) and time to resolution "
             "(h), cases of replication 0 created after the warm-up.",
    "timeline": "Open cases and contact-queue length (counts), hourly: mean over n={n} "
                "replications with its {conf} interval band; shaded: warm-up, promotions and "
                "the wave of cases after them, disruptions.",
    "costs": "Cost per replication ({currency}) by ledger component, mean over n={n} "
             "replications (smallest components merged into 'other'); the black bar marks "
             "total_cost with its {conf} interval.",
    "scorecard": "Scorecard scores (0-100) by layer and total: mean and {conf} interval over "
                 "n={n} replications, on the whole 0-100 scale.",
}


def caption(cmp: Any, kind: str) -> str:
    """The caption of figure ``kind``: what it shows, units and intervals."""
    m = cmp.meta
    return CAPTIONS.get(kind, kind).format(conf=f"{m.get('confidence', 0.95):.0%}",
                                           currency=m.get("currency", ""),
                                           n=m.get("replications", "?"))


def nondominated(cmp: Any) -> list[str]:
    """Designs on the Pareto front of every objective in ``meta["objectives"]``."""
    return [d for d, p in zip(cmp.pareto["design"], cmp.pareto["pareto"], strict=True) if p]


def _objectives(cmp: Any) -> str:
    words = {"min": "lower is better", "max": "higher is better"}
    return ", ".join(f"{k} ({words.get(v, v)})"
                     for k, v in cmp.meta.get("objectives", {}).items())


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


def _ranked(cmp: Any) -> bool:
    return not cmp.ranking.empty and "kpi" in cmp.ranking


def _asked(cmp: Any) -> str:
    asked = list(getattr(getattr(cmp.scenario, "report", None), "headline", ()))
    return ("This scenario's own questions (report.headline): " + ", ".join(asked) + "."
            if asked else "")


def _value_note(cmp: Any) -> str:
    price = cmp.scenario.report.price_of_a_point
    return (f"value = cost_per_case - {price:g} {cmp.meta.get('currency', '')} x score_total "
            "per case, lower is better; the price of a point is this scenario's judgement "
            "(report.price_of_a_point), not a finding of the model.")


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
    periods = period_table(cmp)
    if not periods.empty:
        lines += ["", "KPIs by period (cases created in each; costs are not split by period):",
                  periods.to_string(index=False)]
    objectives = _objectives(cmp)
    lines += ["", f"Non-dominated designs on {objectives or 'no objectives'}: "
              + ", ".join(nondominated(cmp))]
    lines += [f"Non-dominated on {t}" for t in tradeoffs(cmp)]
    for sentence in ranking_sentences(cmp):
        lines.append("Ranking: " + sentence)
    if not _ranked(cmp) and not cmp.ranking.empty:  # a one-KPI ranking (no zones)
        lines.append(f"Probability best on {cmp.meta['ranking_kpi']}: " + ", ".join(
            f"{d} {p:.0%}" for d, p in zip(cmp.ranking["design"], cmp.ranking["prob_best"],
                                         strict=True)))
    value = value_view(cmp)
    if not value.empty:
        lines += ["", "Value view (" + _value_note(cmp) + "):", value.to_string(index=False)]
    flagged = {d: f for d, f in cmp.flags.items() if f}
    for d, f in flagged.items():
        lines.append(f"FLAG {d}: " + "; ".join(f))
    for note in cmp.notes:
        lines.append(f"note: {note}")
    if folder is not None:
        lines += ["", f"Results: {folder}", f"Report:  {folder}/report.html"]
    return "\n".join(lines)


def _md_table(frame) -> str:
    cols = list(frame.columns)
    out = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for _, row in frame.iterrows():
        out.append("| " + " | ".join(str(v).replace("|", "\\|") for v in row) + " |")
    return "\n".join(out)


def markdown(cmp: Any, figures: list[str] | None = None) -> str:
    """``report.md``: what was run, headline, differences, periods, trade-offs, ranking,
    flags, figures."""
    conf = f"{cmp.meta['confidence']:.0%}"
    parts = [f"# After-sales comparison: {cmp.meta['scenario']}", ""]
    parts += [f"- **{k}**: {v}" for k, v in _what(cmp)]
    parts += ["", f"## Headline KPIs (mean ± half-width of the {conf} interval)", "",
              _md_table(headline(cmp))]
    if _asked(cmp):
        parts += ["", _asked(cmp)]
    diff = differences(cmp)
    if not diff.empty:
        parts += ["", f"## Paired differences against {cmp.reference}", "",
                  "Design minus reference; differences of shares in percentage points (pp).",
                  "", _md_table(diff)]
    periods = period_table(cmp)
    if not periods.empty:
        parts += ["", "## KPIs by period (mean ± half-width)", "", PERIODS_NOTE, "",
                  _md_table(periods)]
    parts += ["", "## Cost beside quality", "", TRADEOFF_NOTE, ""]
    parts += [f"- Non-dominated on {t}" for t in tradeoffs(cmp)]
    parts += [f"- Non-dominated on all of {_objectives(cmp)}: "
              + ", ".join(nondominated(cmp))]
    value = value_view(cmp)
    if not value.empty:
        parts += ["", "### Value view", "", _value_note(cmp)[:1].upper() + _value_note(cmp)[1:],
                  "", _md_table(value)]
    if _ranked(cmp):
        parts += ["", "## Ranking with indifference zones", ""]
        parts += [f"- {s}" for s in ranking_sentences(cmp)]
        parts += ["", _md_table(ranking_table(cmp))]
    elif not cmp.ranking.empty:  # a one-KPI ranking (no indifference zones)
        parts += ["", f"## Probability of being best on {cmp.meta['ranking_kpi']}", "",
                  _md_table(cmp.ranking.assign(prob_best=cmp.ranking["prob_best"].map(pct),
                                               mean=cmp.ranking["mean"].map(fmt)))]
    flagged = {d: f for d, f in cmp.flags.items() if f}
    parts += ["", "## Flags", ""]
    parts += [f"- **{d}**: " + "; ".join(f) for d, f in flagged.items()] or ["None."]
    if cmp.notes:
        parts += ["", "## Notes", ""] + [f"- {n}" for n in cmp.notes]
    if figures:
        parts += ["", "## Figures"]
        for f in figures:
            parts += ["", f"![{f}](figures/{f}.png)", "", f"*{caption(cmp, f)}*"]
    parts += ["", "## Sources and assumptions", "", SOURCES_NOTE, ""]
    return "\n".join(parts)


def _html_table(frame) -> str:
    return frame.to_html(index=False, escape=True, border=0, classes="t")


def _inline(text: str) -> str:
    """Escape text for HTML and render Markdown's `code` spans as <code>."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", _html.escape(text))


def _html_list(items: list[str]) -> str:
    return ("<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>") if items \
        else "<p>None.</p>"


def html(cmp: Any, figures: dict[str, bytes] | None = None) -> str:
    """``report.html``: the Markdown report's content, self-contained (figures as base64)."""
    e, conf = _inline, f"{cmp.meta['confidence']:.0%}"
    body = [f"<h1>After-sales comparison: {e(cmp.meta['scenario'])}</h1>",
            _html_list([f"<b>{e(k)}</b>: {e(v)}" for k, v in _what(cmp)]),
            f"<h2>Headline KPIs (mean ± half-width of the {conf} interval)</h2>",
            _html_table(headline(cmp))]
    if _asked(cmp):
        body.append(f"<p>{e(_asked(cmp))}</p>")
    diff = differences(cmp)
    if not diff.empty:
        body += [f"<h2>Paired differences against {e(cmp.reference)}</h2>",
                 "<p>Design minus reference; differences of shares in percentage points "
                 "(pp).</p>", _html_table(diff)]
    periods = period_table(cmp)
    if not periods.empty:
        body += ["<h2>KPIs by period (mean ± half-width)</h2>", f"<p>{e(PERIODS_NOTE)}</p>",
                 _html_table(periods)]
    body += ["<h2>Cost beside quality</h2>", f"<p>{e(TRADEOFF_NOTE)}</p>",
             _html_list([e(f"Non-dominated on {t}") for t in tradeoffs(cmp)]
                        + [e(f"Non-dominated on all of {_objectives(cmp)}: "
                             + ", ".join(nondominated(cmp)))])]
    value = value_view(cmp)
    if not value.empty:
        body += ["<h3>Value view</h3>", f"<p>{e(_value_note(cmp))}</p>", _html_table(value)]
    if _ranked(cmp):
        body += ["<h2>Ranking with indifference zones</h2>",
                 _html_list([e(s) for s in ranking_sentences(cmp)]),
                 _html_table(ranking_table(cmp))]
    elif not cmp.ranking.empty:  # a one-KPI ranking (no indifference zones)
        body += [f"<h2>Probability of being best on {e(cmp.meta['ranking_kpi'])}</h2>",
                 _html_table(cmp.ranking.assign(prob_best=cmp.ranking["prob_best"].map(pct),
                                                mean=cmp.ranking["mean"].map(fmt)))]
    flagged = {d: f for d, f in cmp.flags.items() if f}
    body += ["<h2>Flags</h2>", _html_list([f"<b>{e(d)}</b>: {e('; '.join(f))}"
                                           for d, f in flagged.items()])]
    if cmp.notes:
        body += ["<h2>Notes</h2>", _html_list([e(n) for n in cmp.notes])]
    if figures:
        body.append("<h2>Figures</h2>")
    for name, png in (figures or {}).items():
        data = base64.b64encode(png).decode("ascii")
        body.append(f'<figure><img alt="{e(name)}" src="data:image/png;base64,{data}">'
                    f"<figcaption><b>{e(name)}</b>: {e(caption(cmp, name))}</figcaption>"
                    "</figure>")
    body += ["<h2>Sources and assumptions</h2>", f"<p>{e(SOURCES_NOTE)}</p>"]
    style = ("body{font-family:sans-serif;max-width:1100px;margin:2em auto}"
             "table.t{border-collapse:collapse}table.t td,table.t th{padding:3px 8px;"
             "border-bottom:1px solid #ddd;text-align:right}img{max-width:100%}"
             "figure{margin:1.5em 0}figcaption{color:#444;font-size:90%}")
    return ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>"
            + _html.escape(cmp.meta["scenario"]) + f"</title><style>{style}</style></head>"
            "<body>" + "\n".join(body) + "</body></html>\n")
