"""Figures of a comparison (matplotlib, object-oriented API: no pyplot, no global state).

Every function takes a :class:`~sim.experiment.runner.Comparison` and returns a
:class:`matplotlib.figure.Figure`; nothing is shown or saved here (``render_all`` gives PNG
bytes for the results folder). Figures are built on ``Figure()`` directly, so library code
never touches the interactive backend; notebooks display the returned figure as usual.
Every axis carries its unit; every mean is drawn with its confidence interval and ``n``.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import matplotlib
import numpy as np
from matplotlib.figure import Figure

from .outcomes.kpis import REGISTRY

_SCORE_PREFIX = "score_"


def _unit(kpi: str, currency: str = "") -> str:
    unit = getattr(REGISTRY.get(kpi), "unit", "") or ""
    if unit in ("currency", "money") and currency:
        return currency
    return unit


def _label(kpi: str, currency: str = "") -> str:
    unit = _unit(kpi, currency)
    return f"{kpi} ({unit})" if unit else kpi


def _empty(fig: Figure, message: str) -> Figure:
    ax = fig.add_subplot()
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes)
    ax.set_axis_off()
    return fig


def _interval(cmp: Any, design: str, kpi: str) -> tuple[float, float, int]:
    row = cmp.summary[(cmp.summary["design"] == design) & (cmp.summary["kpi"] == kpi)]
    if row.empty:
        return np.nan, np.nan, 0
    r = row.iloc[0]
    return float(r["mean"]), float(r["half_width"]), int(r["n"])


def kpi_intervals(cmp: Any, kpis: list[str] | None = None) -> Figure:
    """Headline KPIs by design: means with their confidence intervals (one panel per KPI)."""
    kpis = kpis or cmp.headline_kpis()
    fig = Figure(figsize=(4.0 * min(len(kpis), 3), 3.2 * -(-len(kpis) // 3)),
                 layout="constrained")
    if not kpis:
        return _empty(fig, "no KPIs")
    designs = cmp.designs
    conf = cmp.meta.get("confidence", 0.95)
    for i, kpi in enumerate(kpis):
        ax = fig.add_subplot(-(-len(kpis) // 3), min(len(kpis), 3), i + 1)
        stats = [_interval(cmp, d, kpi) for d in designs]
        means = [s[0] for s in stats]
        halves = [s[1] if np.isfinite(s[1]) else 0.0 for s in stats]
        y = np.arange(len(designs))
        ax.errorbar(means, y, xerr=halves, fmt="o", capsize=4)
        ax.set_yticks(y, [f"{d} (n={s[2]})" for d, s in zip(designs, stats, strict=True)])
        ax.set_xlabel(_label(kpi, cmp.meta.get("currency", "")))
        ax.invert_yaxis()
        ax.grid(axis="x", alpha=0.3)
    fig.suptitle(f"{cmp.meta['scenario']}: mean and {conf:.0%} confidence interval by design")
    return fig


def cost_vs_satisfaction(cmp: Any) -> Figure:
    """Cost against satisfaction (or the first two objectives), with the Pareto front."""
    objectives = list(cmp.meta.get("objectives", {}))
    if "cost_per_case" in objectives and "csat_mean" in objectives:
        x, y = "cost_per_case", "csat_mean"
    elif len(objectives) >= 2:
        x, y = objectives[0], objectives[1]
    else:
        return _empty(Figure(figsize=(6, 4)), "needs two objectives (cost, wait, satisfaction)")
    fig = Figure(figsize=(6.5, 4.5), layout="constrained")
    ax = fig.add_subplot()
    pareto = cmp.pareto.set_index("design")["pareto"]
    points = []
    for d in cmp.designs:
        mx, hx, n = _interval(cmp, d, x)
        my, hy, _ = _interval(cmp, d, y)
        front = bool(pareto.get(d, False))
        ax.errorbar(mx, my, xerr=hx if np.isfinite(hx) else 0, yerr=hy if np.isfinite(hy) else 0,
                    fmt="o" if front else "s", capsize=3, alpha=1.0 if front else 0.6)
        ax.annotate(f"{d} (n={n})", (mx, my), textcoords="offset points", xytext=(5, 5))
        if front:
            points.append((mx, my))
    if len(points) > 1:
        px, py = zip(*sorted(points), strict=True)
        ax.plot(px, py, "--", color="grey", label="non-dominated designs")
        ax.legend()
    currency = cmp.meta.get("currency", "")
    ax.set_xlabel(_label(x, currency))
    ax.set_ylabel(_label(y, currency))
    ax.set_title("Trade-off with 95% intervals; circles are non-dominated")
    ax.grid(alpha=0.3)
    return fig


def wait_distributions(cmp: Any) -> Figure:
    """Empirical distributions of first response and resolution time per design (replication 0)."""
    waits = cmp.waits
    fig = Figure(figsize=(11, 4), layout="constrained")
    if waits is None or waits.empty:
        return _empty(fig, "no per-case waits")
    panels = [("first_response_min", "first response (min)"),
              ("resolution_h", "time to resolution (h)")]
    for i, (col, label) in enumerate(panels):
        ax = fig.add_subplot(1, 2, i + 1)
        for d in cmp.designs:
            values = np.sort(waits.loc[waits["design"] == d, col].dropna().to_numpy(float))
            if values.size:
                ax.step(values, np.arange(1, values.size + 1) / values.size, where="post",
                        label=f"{d} (n={values.size} cases)")
        ax.set_xlabel(label)
        ax.set_ylabel("share of cases at or below (cumulative)")
        ax.grid(alpha=0.3)
        if ax.lines:
            ax.legend(fontsize="small")
    fig.suptitle("Distribution of waits per design (replication 0, cases after the warm-up)")
    return fig


def timeline(cmp: Any) -> Figure:
    """Open cases (backlog) and contact queue length over simulated time, per design."""
    fig = Figure(figsize=(11, 6), layout="constrained")
    if not cmp.timelines:
        return _empty(fig, "no timeline")
    top, bottom = fig.add_subplot(2, 1, 1), fig.add_subplot(2, 1, 2)
    for d, frame in cmp.timelines.items():
        if frame is None or frame.empty:
            continue
        days = frame["time_h"] / 24.0
        top.plot(days, frame["open_cases"], label=d)
        queues = [c for c in frame.columns if c.startswith("queue:")]
        if queues:
            bottom.plot(days, frame[queues].sum(axis=1), label=d)
    horizon = cmp.meta.get("horizon_h", np.nan) / 24.0
    warmup = cmp.meta.get("warmup_h", 0.0) / 24.0
    for ax in (top, bottom):
        ax.axvline(horizon, color="grey", ls=":", label="end of arrivals (horizon)")
        if warmup > 0:
            ax.axvspan(0, warmup, color="grey", alpha=0.12, label="warm-up (not in KPIs)")
        ax.grid(alpha=0.3)
        ax.set_xlabel("simulated time (days)")
    top.set_ylabel("open cases (count)")
    bottom.set_ylabel("waiting in queues (count)")
    top.legend(fontsize="small", loc="lower right")
    fig.suptitle("Backlog and queues over time, hourly samples (replication 0)")
    return fig


def cost_breakdown(cmp: Any) -> Figure:
    """Mean cost per replication, stacked by ledger component, per design."""
    costs = cmp.costs
    fig = Figure(figsize=(10, 4.5), layout="constrained")
    if costs is None or costs.empty:
        return _empty(fig, "no costs booked")
    table = costs.pivot_table(index="design", columns="component", values="amount",
                              aggfunc="sum").reindex(cmp.designs).fillna(0.0)
    ax = fig.add_subplot()
    bottom = np.zeros(len(table))
    # tab20 keeps up to 20 components apart; the default cycle repeats after 10.
    colours = matplotlib.colormaps["tab20"].colors
    for i, component in enumerate(table.columns):
        ax.bar(table.index, table[component], bottom=bottom, label=component,
               color=colours[i % len(colours)])
        bottom += table[component].to_numpy()
    n = cmp.meta.get("replications", "?")
    ax.set_ylabel(f"cost per replication ({cmp.meta.get('currency', '')})")
    ax.set_title(f"Cost by component, mean over n={n} replications")
    # Outside the axes: inside, the legend covers the bars it explains.
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.grid(axis="y", alpha=0.3)
    return fig


def scorecard(cmp: Any) -> Figure:
    """Scorecard scores (``score_*`` KPIs, 0-100) as grouped bars with intervals."""
    scores = [k for k in cmp.kpis() if k.startswith(_SCORE_PREFIX)
              and cmp.runs[k].notna().any()]
    fig = Figure(figsize=(9, 4.5), layout="constrained")
    if not scores:
        return _empty(fig, "no scorecard KPIs in this run")
    ax = fig.add_subplot()
    width = 0.8 / len(cmp.designs)
    x = np.arange(len(scores))
    for i, d in enumerate(cmp.designs):
        stats = [_interval(cmp, d, k) for k in scores]
        halves = [s[1] if np.isfinite(s[1]) else 0.0 for s in stats]
        ax.bar(x + i * width, [s[0] for s in stats], width, yerr=halves, capsize=3,
               label=f"{d} (n={stats[0][2]})")
    ax.set_xticks(x + width * (len(cmp.designs) - 1) / 2, scores, rotation=20)
    ax.set_ylabel("score (0-100)")
    ax.set_title("Scorecard by design, mean and 95% interval")
    ax.legend(fontsize="small")
    ax.grid(axis="y", alpha=0.3)
    return fig


FIGURES: dict[str, Callable[..., Figure]] = {
    "kpis": kpi_intervals,
    "pareto": cost_vs_satisfaction,
    "waits": wait_distributions,
    "timeline": timeline,
    "costs": cost_breakdown,
    "scorecard": scorecard,
}
"""Figure kinds for :meth:`Comparison.plot` and the results folder."""


def to_png(fig: Figure, dpi: int = 110) -> bytes:
    """PNG bytes of a figure."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def render_all(cmp: Any) -> dict[str, bytes]:
    """Every figure of :data:`FIGURES` as PNG bytes, by kind."""
    return {kind: to_png(make(cmp)) for kind, make in FIGURES.items()}
