"""How the figures of :mod:`sim.plots` show numbers so that a person reads them correctly.

- **Design labels**, not code names: a design's ``label``, else a readable form of its name.
- **Colours** a reader tells apart: one fixed colour per design across every figure (the
  Okabe-Ito palette, safe for colour-blind readers, for up to eight designs).
- **Honest axes**: magnitudes (cost, times, counts) start at zero, or go on a log axis when the
  values span orders of magnitude; bounded scores (CSAT 1-5, shares, 0-100 scores) get an axis
  at least a tenth of their scale wide, so gaps are not magnified beyond what the intervals
  show, and the label says which part of the scale is drawn; shares are drawn as percentages.
- **Windows** that explain a timeline (warm-up, promotions and their wave, disruptions) are
  shaded and named in the legend, and legends sit outside the data.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .outcomes.kpis import REGISTRY

#: Okabe & Ito (2008) colour-blind-safe palette, yellow last (it is faint on white).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000",
           "#F0E442")
#: Natural range of bounded units: (low, high).
BOUNDED = {"share": (0.0, 1.0), "probability": (0.0, 1.0), "1-5": (1.0, 5.0),
           "0-100": (0.0, 100.0)}
#: An axis of a bounded KPI spans at least this share of its scale.
MIN_SPAN = 0.1
#: Values spanning more than this ratio go on a log axis.
LOG_RATIO = 30.0


def design_label(cmp: Any, design: str) -> str:
    """The design's label, else its name with words instead of underscores."""
    d = getattr(cmp, "scenario", None)
    d = getattr(d, "designs", {}).get(design) if d is not None else None
    label = getattr(d, "label", "") or ""
    if label and label != design:
        return label
    words = design.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def design_colours(designs: Sequence[str]) -> dict[str, Any]:
    """One distinguishable colour per design, in order."""
    if len(designs) <= len(PALETTE):
        return {d: PALETTE[i] for i, d in enumerate(designs)}
    import matplotlib

    colours = matplotlib.colormaps["tab20"].colors
    return {d: colours[i % len(colours)] for i, d in enumerate(designs)}


def unit_of(kpi: str) -> str:
    """The registered unit of a KPI ("" when unknown)."""
    return getattr(REGISTRY.get(kpi), "unit", "") or ""


def is_share(kpi: str) -> bool:
    """Whether the KPI is a share (drawn as a percentage)."""
    return unit_of(kpi) in ("share", "probability")


def display_factor(kpi: str) -> float:
    """Multiply a KPI's values by this to draw them (100 for shares: percent)."""
    return 100.0 if is_share(kpi) else 1.0


def axis_label(kpi: str, currency: str = "", limits: tuple[float, float] | None = None) -> str:
    """``kpi (unit)``, with the scale of bounded KPIs and the part of it the axis shows."""
    unit = unit_of(kpi)
    if unit in ("currency", "money"):
        return f"{kpi} ({currency})" if currency else kpi
    if is_share(kpi):
        text = f"{kpi} (%)"
    elif unit in ("1-5", "0-100"):
        text = f"{kpi} ({unit} scale"
        text += f"; axis shows {limits[0]:.3g}-{limits[1]:.3g})" if limits else ")"
        return text
    else:
        text = f"{kpi} ({unit})" if unit else kpi
    return text


def honest_limits(kpi: str, lows: np.ndarray, highs: np.ndarray,
                  means: np.ndarray | None = None,
                  zero: bool = True) -> tuple[tuple[float, float] | None, bool]:
    """Axis limits (in display units) and whether to use a log axis, for a KPI's intervals.

    ``lows`` and ``highs`` are the interval ends (display units) of the points drawn, ``means``
    the points (default: the middle of each interval). Returns ``(None, False)`` to leave
    matplotlib's limits when nothing is finite. With ``zero`` (dot plots, where a distance
    from the axis origin is read) magnitudes start at zero; without it (scatter plots, where
    positions are compared) the axis spans at least a quarter of the largest value, so a small
    gap is not blown up to the whole panel.
    """
    lows, highs = np.asarray(lows, float), np.asarray(highs, float)
    means = (lows + highs) / 2 if means is None else np.asarray(means, float)
    finite = np.concatenate([lows[np.isfinite(lows)], highs[np.isfinite(highs)]])
    if finite.size == 0:
        return None, False
    lo, hi = float(finite.min()), float(finite.max())
    unit = unit_of(kpi)
    if unit in BOUNDED:
        a, b = (v * display_factor(kpi) for v in BOUNDED[unit])
        span = min(max((hi - lo) * 1.3, MIN_SPAN * (b - a)), b - a)
        mid = (lo + hi) / 2
        left, right = mid - span / 2, mid + span / 2
        if left < a:
            left, right = a, a + span
        if right > b:
            left, right = max(a, b - span), b
        return (left, right), False
    finite_means = means[np.isfinite(means)]
    if finite_means.size and (finite_means > 0).all() and needs_log(finite_means):
        positive = means[np.isfinite(means) & (means > 0)]
        low_ends = lows[np.isfinite(lows) & (lows > 0)]
        bottom = min(positive.min(), low_ends.min() if low_ends.size else positive.min())
        return (bottom / 1.5, hi * 1.5), True
    if lo >= 0 and zero:
        return (0.0, hi * 1.08 if hi > 0 else 1.0), False
    if not zero:
        span = max((hi - lo) * 1.3, 0.25 * max(abs(lo), abs(hi)), 1e-9)
        mid = (lo + hi) / 2
        left = mid - span / 2
        if lo >= 0 and left < 0:
            left = 0.0
        return (left, left + span), False
    pad = 0.08 * (hi - lo or abs(hi) or 1.0)
    return (lo - pad, hi + pad), False


def set_limits(ax, axis: str, limits: tuple[float, float]) -> None:
    """Set ``limits`` on ``axis`` ("x" or "y") with a 2% margin (points on a bound show)."""
    left, right = limits
    if getattr(ax, f"get_{axis}scale")() == "log":
        getattr(ax, f"set_{axis}lim")(left, right)
        return
    pad = 0.02 * (right - left)
    getattr(ax, f"set_{axis}lim")(left - pad, right + pad)


def needs_log(values: np.ndarray) -> bool:
    """Whether positive values span orders of magnitude (> :data:`LOG_RATIO`)."""
    v = np.asarray(values, float)
    v = v[np.isfinite(v) & (v > 0)]
    return bool(v.size > 1 and v.max() / v.min() > LOG_RATIO)


def shade_windows(ax: Any, cmp: Any, days: bool = True) -> None:
    """Shade the warm-up, promotions, the wave after them and disruptions on a time axis."""
    from .outcomes import periods as periods_module

    k = 24.0 if days else 1.0
    warmup = cmp.meta.get("warmup_h", 0.0) / k
    if warmup > 0:
        ax.axvspan(0, warmup, color="grey", alpha=0.15, lw=0, label="warm-up (not in KPIs)")
    scenario = getattr(cmp, "scenario", None)
    if scenario is None:
        return
    promos = scenario.demand.promotions
    for p, (s, e) in zip(promos, periods_module.promotion_windows(scenario), strict=True):
        # Darker for a stronger promotion (Double 11's day inside its pre-sales).
        ax.axvspan(s / k, e / k, color="#E69F00", lw=0, alpha=min(0.4, 0.1 * p.multiplier),
                   label=f"promotion: {p.name} (orders x{p.multiplier:g})")
    after = [w for p in periods_module.periods(scenario) if p.name == "after promotion"
             for w in p.windows]
    for i, (s, e) in enumerate(after):
        ax.axvspan(s / k, e / k, color="#E69F00", alpha=0.07, lw=0,
                   label="after promotion (its cases' wave)" if i == 0 else None)
    from .config.events import designs_hit

    hit = [design_label(cmp, n) for n, d in scenario.designs.items()
           if any(getattr(a.params, "disruption", None) is not None for a in d.stages.values())
           or n in designs_hit(scenario)]
    what = "disruption" + (f" ({', '.join(hit)})" if hit else "")
    for i, (s, e) in enumerate(periods_module.union(
            periods_module.disruption_windows(scenario))):
        ax.axvspan(s / k, e / k, facecolor="#D55E00", edgecolor="#D55E00", hatch="/",
                   alpha=0.12, lw=0.5, label=what if i == 0 else None)
    horizon = cmp.meta.get("horizon_h", np.nan) / k
    ax.axvline(horizon, color="grey", ls=":", label="end of arrivals (horizon)")


#: Line styles by design, so lines that lie on top of each other (equal results) still show.
LINESTYLES = ("-", (0, (5, 2)), (0, (1, 1.5)), (0, (6, 2, 1, 2)))


def design_linestyles(designs: Sequence[str]) -> dict[str, Any]:
    """One line style per design (cycling), to tell overlapping lines apart."""
    return {d: LINESTYLES[i % len(LINESTYLES)] for i, d in enumerate(designs)}


def legend_outside(fig: Any, ax: Any, below: bool = False, **kwargs: Any) -> None:
    """One legend outside the axes (right, or below), never over the data; duplicates
    dropped."""
    handles, labels = [], []
    for a in (ax if isinstance(ax, list | tuple) else [ax]):
        for h, lab in zip(*a.get_legend_handles_labels(), strict=True):
            if lab and not lab.startswith("_") and lab not in labels:
                handles.append(h)
                labels.append(lab)
    if handles:
        if below:
            wide = max(len(lab) for lab in labels) > 28
            kwargs.setdefault("ncols", min(len(handles), 2 if wide else 4))
        fig.legend(handles, labels, loc="outside lower center" if below else
                   "outside right upper", fontsize="small", **kwargs)
