"""The timeline figure: backlog and contact queues over simulated time, across replications.

Each line is the hourly mean over replications (every replication keeps its monitor), with a
band for the confidence interval of that mean; the warm-up, promotions, the wave of cases
after them and disruption windows are shaded (:func:`sim.figure_style.shade_windows`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from scipy import stats

from . import figure_style as style


def _empty(fig: Figure, message: str) -> Figure:
    ax = fig.add_subplot()
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes)
    ax.set_axis_off()
    return fig


#: From this many replications on, the band is the interval of the hourly mean; below, the
#: t quantile is so large (12.7 for two) that the band would hide the lines, so the band is the
#: range the replications span.
MIN_FOR_INTERVAL = 5


def band_kind(n: int, confidence: float) -> str:
    """What the band of a timeline with ``n`` replications shows, in words."""
    if n >= MIN_FOR_INTERVAL:
        return f"band = {confidence:.0%} interval of the mean"
    return "band = range of the replications (too few for an interval)" if n > 1 else "no band"


def _band(frame: pd.DataFrame, column: pd.Series | str, confidence: float):
    """Per hour: mean over replications, and the band's lower and upper edges."""
    values = frame[column] if isinstance(column, str) else column
    grouped = values.groupby(frame["time_h"])
    mean, n = grouped.mean(), grouped.count()
    if int(n.max()) >= MIN_FOR_INTERVAL:
        sd = grouped.std(ddof=1)
        half = stats.t.ppf((1 + confidence) / 2, np.maximum(n - 1, 1)) * sd / np.sqrt(n)
        low, high = mean - half, mean + half
    elif int(n.max()) > 1:
        low, high = grouped.min(), grouped.max()
    else:
        low = high = mean * np.nan
    return (mean.index.to_numpy() / 24.0, mean.to_numpy(),
            np.maximum(low.to_numpy(), 0.0), high.to_numpy())


def timeline(cmp: Any) -> Figure:
    """Open cases and contact queues over simulated time: mean over replications with a band.

    Promotions, the wave of cases after them and disruption windows are shaded.
    """
    fig = Figure(figsize=(12, 6.5), layout="constrained")
    if not cmp.timelines:
        return _empty(fig, "no timeline")
    top, bottom = fig.add_subplot(2, 1, 1), fig.add_subplot(2, 1, 2, sharex=None)
    colours = style.design_colours(cmp.designs)
    dashes = style.design_linestyles(cmp.designs)
    conf = cmp.meta.get("confidence", 0.95)
    for d, frame in cmp.timelines.items():
        if frame is None or frame.empty:
            continue
        if "replication" not in frame:
            frame = frame.assign(replication=0)
        queues = [c for c in frame.columns if c.startswith("queue:")]
        for ax, values in ((top, "open_cases"),
                           (bottom, frame[queues].sum(axis=1) if queues else None)):
            if values is None:
                continue
            days, mean, low, high = _band(frame, values, conf)
            ax.plot(days, mean, color=colours.get(d), ls=dashes.get(d), lw=1.2,
                    label=style.design_label(cmp, d))
            if np.isfinite(high).any():
                ax.fill_between(days, low, high, color=colours.get(d), alpha=0.12, lw=0)
    for ax in (top, bottom):
        style.shade_windows(ax, cmp)
        ax.grid(alpha=0.3)
        ax.set_xlabel("simulated time (days)")
        ax.set_ylim(bottom=0)
    top.set_ylabel("open cases (count)")
    bottom.set_ylabel("waiting in contact queues (count)")
    style.legend_outside(fig, [top, bottom], below=True)
    n = cmp.meta.get("replications", "?")
    fig.suptitle(f"Backlog and queues over time: hourly mean over n={n} replications, "
                 + band_kind(n if isinstance(n, int) else 0, conf))
    return fig
