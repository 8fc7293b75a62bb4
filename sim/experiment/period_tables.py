"""The per-period tables of a comparison (see :mod:`sim.outcomes.periods`).

``Comparison.periods`` is tidy: one row per design × replication × period × KPI (columns
``design, replication, period, kpi, value``); ``Comparison.period_summary`` gives per design ×
period × KPI the mean over replications with its Student-t interval, as ``Comparison.summary``
does for the whole window. Replication r of every design saw the same cases, so a period's
numbers compare designs on common random numbers too.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from .stats import t_interval

COLUMNS = ["design", "replication", "period", "kpi", "value"]
SUMMARY_COLUMNS = ["design", "period", "kpi", "unit", "mean", "lower", "upper", "half_width",
                   "n"]


def collect(results: Sequence, names: Sequence[str]) -> pd.DataFrame:
    """The tidy periods table of a list of task results, designs in ``names`` order."""
    parts = [r.periods.assign(design=r.design, replication=r.replication) for r in results
             if getattr(r, "periods", None) is not None and len(r.periods)]
    if not parts:
        return pd.DataFrame(columns=COLUMNS)
    table = pd.concat(parts, ignore_index=True)[COLUMNS]
    order = {n: i for i, n in enumerate(names)}
    table = table.sort_values(["design", "replication"], key=lambda s: s.map(order)
                              if s.name == "design" else s, kind="stable")
    return table.reset_index(drop=True)


def summarise(table: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Mean and ``confidence`` t-interval over replications, per design × period × KPI."""
    from ..outcomes.kpis import REGISTRY
    from ..outcomes.periods import RATE

    if table.empty:
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    rows = []
    for (design, period, kpi), group in table.groupby(["design", "period", "kpi"], sort=False):
        ci = t_interval(group["value"].to_numpy(dtype=float), confidence)
        unit = "cases/day" if kpi == RATE else getattr(REGISTRY.get(kpi), "unit", "")
        rows.append((design, period, kpi, unit, ci.mean, ci.lower, ci.upper, ci.half_width,
                     ci.n))
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
