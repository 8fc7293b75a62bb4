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


def _band(frame: pd.DataFrame, column: pd.Series | str, confidence: float):
    """Per hour: mean over replications and its t-interval (NaN band for one replication)."""
    values = frame[column] if isinstance(column, str) else column
    grouped = values.groupby(frame["time_h"])
    mean, sd, n = grouped.mean(), grouped.std(ddof=1), grouped.count()
    t = stats.t.ppf((1 + confidence) / 2, np.maximum(n - 1, 1))
    half = np.where(n > 1, t * sd / np.sqrt(n), np.nan)
    return mean.index.to_numpy() / 24.0, mean.to_numpy(), half


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
            days, mean, half = _band(frame, values, conf)
            ax.plot(days, mean, color=colours.get(d), ls=dashes.get(d), lw=1.2,
                    label=style.design_label(cmp, d))
            if np.isfinite(half).any():
                ax.fill_between(days, mean - half, mean + half, color=colours.get(d),
                                alpha=0.2, lw=0)
    for ax in (top, bottom):
        style.shade_windows(ax, cmp)
        ax.grid(alpha=0.3)
        ax.set_xlabel("simulated time (days)")
        ax.set_ylim(bottom=0)
    top.set_ylabel("open cases (count)")
    bottom.set_ylabel("waiting in contact queues (count)")
    style.legend_outside(fig, [top, bottom], below=True)
    n = cmp.meta.get("replications", "?")
    fig.suptitle(f"Backlog and queues over time: hourly mean over n={n} replications, band = "
                 f"{conf:.0%} interval of the mean")
    return fig
