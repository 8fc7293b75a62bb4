"""KPIs of reaching the contact centre: volume, queueing, first response, abandonment, blocking.

Registered in :data:`sim.outcomes.kpis.REGISTRY` when :mod:`sim.outcomes.kpis` is imported
(conventions there).
"""

from __future__ import annotations

import numpy as np

from ..config.units import MINUTE
from .kpis import Context, _mean, _ratio, kpi


@kpi("cases", "count", "Cases created after the warm-up and before the horizon.", better=None)
def _cases(ctx: Context) -> float:
    return float(len(ctx.cases))


@kpi("queued_share", "share", "Share of cases whose first contact attempt had to wait.",
     "no cases", better="min")
def _queued_share(ctx: Context) -> float:
    return _mean(ctx.col("queued")[ctx.col("attempts") > 0])


@kpi("first_response_mean_min", "min", "Mean wait of the first answered contact (zeros "
     "included), over cases that were answered.", "no case answered", better="min")
def _first_response_mean(ctx: Context) -> float:
    return _mean(ctx.cases["first_wait_h"].dropna()) / MINUTE


@kpi("first_response_p90_min", "min", "90th percentile of the first-response wait.",
     "no case answered", better="min")
def _first_response_p90(ctx: Context) -> float:
    waits = ctx.cases["first_wait_h"].dropna()
    return float(np.percentile(waits, 90)) / MINUTE if len(waits) else float("nan")


@kpi("queue_wait_mean_min", "min", "Mean time in queue of first attempts, answered or not "
     "(the E[W] of Erlang A).", "no contact attempt", better="min")
def _queue_wait_mean(ctx: Context) -> float:
    return _mean(ctx.cases["first_attempt_wait_h"].dropna()) / MINUTE


@kpi("abandonment_rate", "share", "Abandoned contact attempts / all contact attempts.",
     "no contact attempt", better="min")
def _abandonment_rate(ctx: Context) -> float:
    return _ratio(ctx.cases["abandonments"].sum(), ctx.cases["attempts"].sum())


@kpi("blocked_share", "share", "Attempts that found the queue full / all contact attempts.",
     "no contact attempt", better="min")
def _blocked_share(ctx: Context) -> float:
    return _ratio(ctx.cases["blocked"].sum(), ctx.cases["attempts"].sum())
