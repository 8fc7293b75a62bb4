"""Figures of a comparison (matplotlib, object-oriented API: no pyplot, no global state).

Every function takes a :class:`~sim.experiment.runner.Comparison` and returns a
:class:`matplotlib.figure.Figure`; nothing is shown or saved here (``render_all`` gives PNG
bytes for the results folder). Figures are built on ``Figure()`` directly, so library code
never touches the interactive backend; notebooks display the returned figure as usual.
Every axis carries its unit; every mean is drawn with its confidence interval and ``n``; how
axes, colours and labels are chosen so a person reads them correctly is in
:mod:`sim.figure_style`.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import StrMethodFormatter

from . import figure_style as style
from .plot_timeline import timeline
from .report_tables import front_of

_SCORE_PREFIX = "score_"
#: Cost components drawn separately; the smaller ones are merged into "other".
MAX_COST_GROUPS = 8


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
    half = float(r["half_width"])
    # One replication has no interval (its half-width is infinite): draw the mean alone.
    return float(r["mean"]), half if math.isfinite(half) else np.nan, int(r["n"])


def _conf(cmp: Any) -> str:
    return f"{cmp.meta.get('confidence', 0.95):.0%}"


def _reps(cmp: Any) -> str:
    return f"n={cmp.meta.get('replications', '?')} replications"


def _kpi_panel(ax: Any, cmp: Any, kpi: str, colours: dict) -> None:
    """Means with intervals of one KPI, one row per design, on an honest axis."""
    f = style.display_factor(kpi)
    stats_ = [_interval(cmp, d, kpi) for d in cmp.designs]
    means = np.array([s[0] for s in stats_]) * f
    halves = np.array([s[1] if np.isfinite(s[1]) else 0.0 for s in stats_]) * f
    y = np.arange(len(cmp.designs))
    for i, d in enumerate(cmp.designs):
        ax.errorbar(means[i], y[i], xerr=halves[i], fmt="o", capsize=4, color=colours[d])
    ax.set_yticks(y, [style.design_label(cmp, d) for d in cmp.designs])
    ax.invert_yaxis()
    limits, log = style.honest_limits(kpi, means - halves, means + halves, means)
    if log:
        ax.set_xscale("log")
    if limits is not None:
        style.set_limits(ax, "x", limits)
    else:
        ax.text(0.5, 0.5, "n/a in this run", ha="center", va="center", transform=ax.transAxes)
    bounded = style.unit_of(kpi) in ("1-5", "0-100")
    ax.set_xlabel(style.axis_label(kpi, cmp.meta.get("currency", ""),
                                   limits if bounded else None)
                  + (" [log axis]" if log else ""))
    ax.grid(axis="x", alpha=0.3)


def kpi_intervals(cmp: Any, kpis: list[str] | None = None) -> Figure:
    """Headline KPIs by design: means with their confidence intervals (one panel per KPI)."""
    kpis = kpis or cmp.headline_kpis()
    cols = min(len(kpis), 3) or 1
    rows = -(-len(kpis) // cols) or 1
    fig = Figure(figsize=(4.6 * cols, 0.5 + (1.0 + 0.32 * len(cmp.designs)) * rows),
                 layout="constrained")
    if not kpis:
        return _empty(fig, "no KPIs")
    colours = style.design_colours(cmp.designs)
    for i, kpi in enumerate(kpis):
        ax = fig.add_subplot(rows, cols, i + 1)
        _kpi_panel(ax, cmp, kpi, colours)
    fig.suptitle(f"{cmp.meta['scenario']}: mean and {_conf(cmp)} confidence interval by "
                 f"design ({_reps(cmp)})")
    return fig


def _pairs(cmp: Any) -> list[tuple[str, str]]:
    """Cost against each quality objective that the runs measured."""
    measured = set(cmp.summary.loc[cmp.summary["n"] > 0, "kpi"])
    waits = [k for k in ("resolution_time_mean_h", "first_response_mean_min") if k in measured]
    others = [k for k in ("csat_mean", "score_total") if k in measured] + waits[:1]
    if "cost_per_case" not in measured:
        return [(a, b) for a, b in zip(others, others[1:], strict=False)][:1]
    return [("cost_per_case", k) for k in others]


def cost_vs_satisfaction(cmp: Any) -> Figure:
    """Cost against satisfaction, score and waits: one panel per pair, each with its own front.

    The non-dominated designs of a panel are those of exactly the two objectives it draws.
    """
    pairs = _pairs(cmp)
    if not pairs:
        return _empty(Figure(figsize=(6, 4)), "needs two measured objectives")
    fig = Figure(figsize=(4.8 * len(pairs) + 2.2, 4.4), layout="constrained")
    colours = style.design_colours(cmp.designs)
    currency = cmp.meta.get("currency", "")
    axes = []
    for i, (x, y) in enumerate(pairs):
        ax = fig.add_subplot(1, len(pairs), i + 1)
        axes.append(ax)
        st = {d: (_interval(cmp, d, x), _interval(cmp, d, y)) for d in cmp.designs}
        fx, fy = style.display_factor(x), style.display_factor(y)
        means = pd.DataFrame({x: [st[d][0][0] for d in cmp.designs],
                              y: [st[d][1][0] for d in cmp.designs]}, index=cmp.designs)
        front = front_of(cmp, x, y)
        for d in cmp.designs:
            (mx, hx, _), (my, hy, _) = st[d]
            ax.errorbar(mx * fx, my * fy, xerr=np.nan_to_num(hx) * fx,
                        yerr=np.nan_to_num(hy) * fy, fmt="o", ms=7, capsize=3,
                        color=colours[d], mfc=colours[d] if front[d] else "white",
                        label=style.design_label(cmp, d))
        pts = sorted((means.loc[d, x] * fx, means.loc[d, y] * fy)
                     for d in cmp.designs if front[d])
        if len(pts) > 1:
            ax.plot(*zip(*pts, strict=True), "--", color="grey", lw=1, zorder=0,
                    label="non-dominated on the two axes drawn")
        for axis, kpi, f, j in (("x", x, fx, 0), ("y", y, fy, 1)):
            m = np.array([st[d][j][0] for d in cmp.designs]) * f
            h = np.array([np.nan_to_num(st[d][j][1]) for d in cmp.designs]) * f
            limits, log = style.honest_limits(kpi, m - h, m + h, m, zero=False)
            if log:
                getattr(ax, f"set_{axis}scale")("log")
            if limits is not None:
                style.set_limits(ax, axis, limits)
            bounded = style.unit_of(kpi) in ("1-5", "0-100")
            getattr(ax, f"set_{axis}label")(style.axis_label(kpi, currency,
                                                             limits if bounded else None)
                                            + (" [log axis]" if log else ""))
        ax.grid(alpha=0.3)
    style.legend_outside(fig, axes, below=True)
    fig.suptitle(f"Cost beside quality: means with {_conf(cmp)} intervals ({_reps(cmp)}); "
                 "filled markers are non-dominated on that panel's two axes")
    return fig


def wait_distributions(cmp: Any) -> Figure:
    """Empirical distributions of first response and resolution time per design (replication 0)."""
    waits = cmp.waits
    fig = Figure(figsize=(12, 4.2), layout="constrained")
    if waits is None or waits.empty:
        return _empty(fig, "no per-case waits")
    colours = style.design_colours(cmp.designs)
    dashes = style.design_linestyles(cmp.designs)
    panels = [("first_response_min", "first response (min)"),
              ("resolution_h", "time to resolution (h)")]
    axes = []
    for i, (col, label) in enumerate(panels):
        ax = fig.add_subplot(1, 2, i + 1)
        axes.append(ax)
        pooled = waits[col].dropna().to_numpy(float)
        log = style.needs_log(pooled)
        for d in cmp.designs:
            values = np.sort(waits.loc[waits["design"] == d, col].dropna().to_numpy(float))
            if values.size:
                share_zero = float(np.mean(values <= 0))
                extra = f", {share_zero:.0%} no wait" if log and share_zero > 0 else ""
                ax.step(values, np.arange(1, values.size + 1) / values.size, where="post",
                        color=colours[d], ls=dashes[d], label=f"{style.design_label(cmp, d)} "
                                                f"(n={values.size} cases{extra})"
                        if i == 0 else None)
        if log:
            ax.set_xscale("log")
            ax.set_xlim(left=pooled[pooled > 0].min() / 2)
            label = label[:-1] + ", log axis)"
        ax.set_xlabel(label)
        ax.set_ylabel("share of cases at or below (cumulative)")
        ax.set_ylim(0, 1.02)
        ax.grid(alpha=0.3)
    style.legend_outside(fig, axes, below=True)
    fig.suptitle("Distribution of waits per design (replication 0, cases after the warm-up; "
                 "on a log axis the curve starts at the share with no wait)")
    return fig


def cost_groups(costs: pd.DataFrame, designs: list[str],
                groups: int = MAX_COST_GROUPS) -> pd.DataFrame:
    """Cost per design (rows) by component (columns), the smallest merged into ``other``."""
    table = costs.pivot_table(index="design", columns="component", values="amount",
                              aggfunc="sum").reindex(designs).fillna(0.0)
    order = table.abs().sum().sort_values(ascending=False).index
    table = table[order]
    if table.shape[1] > groups:
        keep = list(order[:groups - 1])
        table = table[keep].assign(other=table.drop(columns=keep).sum(axis=1))
    return table


def cost_breakdown(cmp: Any) -> Figure:
    """Mean cost per replication, stacked by ledger component, per design, with the total's
    interval."""
    costs = cmp.costs
    fig = Figure(figsize=(11, 4.8), layout="constrained")
    if costs is None or costs.empty:
        return _empty(fig, "no costs booked")
    table = cost_groups(costs, cmp.designs)
    ax = fig.add_subplot()
    bottom = np.zeros(len(table))
    colours = list(style.PALETTE[:-1]) + ["#999999"]
    x = np.arange(len(table))
    for i, component in enumerate(table.columns):
        colour = "#BBBBBB" if component == "other" else colours[i % len(colours)]
        ax.bar(x, table[component], bottom=bottom, label=component, color=colour,
               edgecolor="white", lw=0.5)
        bottom += table[component].to_numpy()
    totals = [_interval(cmp, d, "total_cost") for d in cmp.designs]
    if all(np.isfinite(t[0]) for t in totals):
        ax.errorbar(x, [t[0] for t in totals], yerr=[np.nan_to_num(t[1]) for t in totals],
                    fmt="none", ecolor="black", capsize=5,
                    label=f"total_cost, {_conf(cmp)} interval")
    ax.set_xticks(x, [style.design_label(cmp, d) for d in cmp.designs])
    ax.set_ylabel(f"cost per replication ({cmp.meta.get('currency', '')})")
    ax.set_title(f"Cost by component, mean over {_reps(cmp)} (largest {MAX_COST_GROUPS - 1} "
                 "components; the rest as 'other')")
    ax.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    style.legend_outside(fig, ax, reverse=True)  # top of the stack first, as drawn
    ax.grid(axis="y", alpha=0.3)
    return fig


def scorecard(cmp: Any) -> Figure:
    """Scorecard scores (``score_*`` KPIs, 0-100) as grouped bars with intervals."""
    scores = [k for k in cmp.kpis() if k.startswith(_SCORE_PREFIX)
              and cmp.runs[k].notna().any()]
    fig = Figure(figsize=(11, 4.6), layout="constrained")
    if not scores:
        return _empty(fig, "no scorecard KPIs in this run")
    ax = fig.add_subplot()
    colours = style.design_colours(cmp.designs)
    width = 0.8 / len(cmp.designs)
    x = np.arange(len(scores))
    for i, d in enumerate(cmp.designs):
        st = [_interval(cmp, d, k) for k in scores]
        ax.bar(x + i * width, [s[0] for s in st], width,
               yerr=[s[1] if np.isfinite(s[1]) else 0.0 for s in st], capsize=3,
               color=colours[d], label=style.design_label(cmp, d))
    ax.set_xticks(x + width * (len(cmp.designs) - 1) / 2, scores, rotation=20)
    ax.set_ylim(0, 100)
    ax.set_ylabel("score (0-100 scale, whole scale drawn)")
    ax.set_title(f"Scorecard by design, mean and {_conf(cmp)} interval ({_reps(cmp)})")
    style.legend_outside(fig, ax)
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
