"""Case KPIs per period: promotion against normal days, a disruption window against the rest.

A five-week average hides a one-day peak. This module splits the measured window
``[run.warmup, run.horizon)`` into periods and computes the case KPIs (:data:`PERIOD_KPIS`) on
the cases *created* in each, so the Double 11 peak and a carrier outage show in numbers:

- ``promotion`` / ``after promotion`` / ``normal``: the union of the demand's promotion
  windows (``demand.promotions``); the wave that follows each (cases follow orders by days:
  delivery, then the case lag, so a promotion's returns come after it): from its end for the
  time within which 90% of an order's cases are raised (:func:`case_lag_quantile`, from the
  demand's own distributions); and the rest of the measured window;
- ``disruption`` / ``outside disruption``: the union of every disruption window a design's
  providers declare (a stage's ``disruption`` table) and of the scenario's time-windowed
  ``[[events]]`` (:mod:`sim.config.events`; ``carrier_disruption`` uses them), and the
  rest. The window is the same for every design, so a design without the disruption gives
  the counterfactual for the same cases (common random numbers).

A period is assigned by the case's creation time: a case created in a window lived through the
load of that window. Costs are not split by period: fixed costs are staffed hours that no
single period owns, so every cost KPI stays a whole-window figure.

``cases_per_day`` (cases created per day of the period) is reported beside the KPIs because the
count alone depends on how long a period is.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..config.units import DAY

#: Case KPIs reported per period (registered KPIs that read only the cases in scope).
PERIOD_KPIS = ("cases", "first_response_mean_min", "first_response_p90_min",
               "queue_wait_mean_min", "abandonment_rate", "resolution_time_mean_h",
               "refund_time_mean_h", "repair_turnaround_mean_h", "sla_attainment",
               "statutory_compliance", "csat_mean")
#: Cases created per day of a period (not a registered KPI: it only makes sense per period).
RATE = "cases_per_day"
COLUMNS = ["period", "kpi", "value"]

Window = tuple[float, float]


@dataclass(frozen=True)
class Period:
    """A named part of the measured window: one or more ``[start, end)`` windows, in hours.

    Attributes
    ----------
    name : str
        ``"promotion"``, ``"after promotion"``, ``"normal"``, ``"disruption"`` or
        ``"outside disruption"``.
    split : str
        The split it belongs to (``"promotion"`` or ``"disruption"``); the periods of a
        split cover the measured window exactly once.
    windows : tuple of (float, float)
        Disjoint, sorted ``[start, end)`` windows.
    """

    name: str
    split: str
    windows: tuple[Window, ...]

    @property
    def hours(self) -> float:
        """Total length of the period (h)."""
        return float(sum(end - start for start, end in self.windows))

    def contains(self, times: np.ndarray) -> np.ndarray:
        """Whether each time falls in one of the period's windows."""
        times = np.asarray(times, dtype=float)
        inside = np.zeros(times.shape, dtype=bool)
        for start, end in self.windows:
            inside |= (times >= start) & (times < end)
        return inside


def union(windows: Iterable[Window]) -> list[Window]:
    """Merge overlapping or touching windows into sorted disjoint ones."""
    merged: list[list[float]] = []
    for start, end in sorted(w for w in windows if w[1] > w[0]):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged]


def clip(windows: Iterable[Window], lo: float, hi: float) -> list[Window]:
    """The parts of ``windows`` inside ``[lo, hi)``."""
    return [(max(s, lo), min(e, hi)) for s, e in windows if min(e, hi) > max(s, lo)]


def complement(windows: list[Window], lo: float, hi: float) -> list[Window]:
    """``[lo, hi)`` minus sorted disjoint ``windows``."""
    out, at = [], lo
    for start, end in windows:
        if start > at:
            out.append((at, start))
        at = max(at, end)
    if hi > at:
        out.append((at, hi))
    return out


def promotion_windows(scenario) -> list[Window]:
    """``[start, start + length)`` of every promotion of the demand."""
    return [(p.start, p.start + p.length) for p in scenario.demand.promotions]


def case_lag_quantile(scenario, q: float = 0.9, grid: int = 41) -> float:
    """Time from an order within which a share ``q`` of its cases are raised (h).

    The mixture over categories and case types (weights: category share x case rate) of
    delivery lag + case lag, the lag of returns truncated to the return window as demand
    draws it; evaluated on a deterministic grid of quantiles (no random numbers).
    """
    demand = scenario.demand
    u = (np.arange(grid) + 0.5) / grid
    delivery = np.asarray(demand.delivery_lag.ppf(u), dtype=float)
    times, weights = [], []
    for cat in demand.categories.values():
        for case_type, rate in cat.rates.items():
            if rate <= 0:
                continue
            lag = cat.lags.get(case_type, demand.default_lag)
            v = u
            if case_type in ("return_refund", "exchange"):
                v = u * float(lag.cdf(scenario.policy.return_window))
            total = delivery[:, None] + np.asarray(lag.ppf(v), dtype=float)[None, :]
            times.append(total.ravel())
            weights.append(np.full(total.size, cat.share * rate))
    if not times:
        return 0.0
    t, w = np.concatenate(times), np.concatenate(weights)
    order = np.argsort(t)
    cum = np.cumsum(w[order]) / w.sum()
    return float(t[order][min(np.searchsorted(cum, q), t.size - 1)])


def after_promotion_windows(scenario) -> list[Window]:
    """The wave after each promotion: ``[end, end + case_lag_quantile)``."""
    promos = promotion_windows(scenario)
    if not promos:
        return []
    wave = math.ceil(case_lag_quantile(scenario))  # whole hours, as promotions are
    return [(end, end + wave) for _, end in promos]


def disruption_windows(scenario) -> list[Window]:
    """Windows of every disruption a design's providers declare, and of scenario events."""
    out = []
    for design in scenario.designs.values():
        for assignment in design.stages.values():
            d = getattr(assignment.params, "disruption", None)
            if d is not None:
                out.append((d.start, d.start + d.length))
    out += [tuple(map(float, event.window)) for event in getattr(scenario, "events", ())]
    return out


def periods(scenario) -> list[Period]:
    """The periods of a scenario's measured window (none when it has no windows in it)."""
    lo, hi = scenario.run.warmup, scenario.run.horizon
    out = []
    promos = clip(union(promotion_windows(scenario)), lo, hi)
    if promos:
        out.append(Period("promotion", "promotion", tuple(promos)))
        rest = complement(promos, lo, hi)
        wave = union(after_promotion_windows(scenario))
        after = [w for r in rest for w in clip(wave, *r)]
        if after:
            out.append(Period("after promotion", "promotion", tuple(after)))
        normal = [w for r in rest for w in clip(complement(wave, lo, hi), *r)]
        if normal:
            out.append(Period("normal", "promotion", tuple(union(normal))))
    disrupted = clip(union(disruption_windows(scenario)), lo, hi)
    if disrupted:
        out.append(Period("disruption", "disruption", tuple(disrupted)))
        outside = complement(disrupted, lo, hi)
        if outside:
            out.append(Period("outside disruption", "disruption", tuple(outside)))
    return out


def period_kpis(cases: pd.DataFrame, ledger: pd.DataFrame, scenario,
                summary=None) -> pd.DataFrame:
    """Case KPIs of one run per period (long table ``period, kpi, value``).

    Parameters
    ----------
    cases : pandas.DataFrame
        The run's per-case table (all cases; those outside the measured window are dropped).
    ledger : pandas.DataFrame
        The run's ledger (read by no period KPI; handed on to the KPI context).
    scenario : Scenario
        The scenario that ran.
    summary : RunSummary, optional
        The run summary (read by no period KPI).

    Returns
    -------
    pandas.DataFrame
        One row per period and KPI of :data:`PERIOD_KPIS` (that is registered) and
        :data:`RATE`; empty when the scenario has no periods.
    """
    from .kpis import REGISTRY

    found = periods(scenario)
    if not found:
        return pd.DataFrame(columns=COLUMNS)
    run = scenario.run
    created = cases["created"].to_numpy(dtype=float)
    scope = cases[(created >= run.warmup) & (created < run.horizon)]
    names = [k for k in PERIOD_KPIS if k in REGISTRY]
    rows = []
    for period in found:
        part = scope[period.contains(scope["created"].to_numpy(dtype=float))]
        ctx = _context(part, ledger, scenario, summary)
        rows += [(period.name, k, ctx.value(k)) for k in names]
        rows.append((period.name, RATE, len(part) / (period.hours / DAY)))
    return pd.DataFrame(rows, columns=COLUMNS)


def _context(cases, ledger, scenario, summary):
    from ..records import RunSummary
    from .kpis import Context

    # The period KPIs read only the cases and the scenario, never the run summary.
    return Context(cases, ledger, scenario, summary or RunSummary(design=""))
