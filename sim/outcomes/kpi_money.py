"""KPIs of money: total, per-case, fixed, variable and penalty cost, and lost revenue.

Costs follow :func:`sim.outcomes.ledger.in_scope_costs` (see :mod:`sim.outcomes.kpis`);
registered in :data:`sim.outcomes.kpis.REGISTRY` when :mod:`sim.outcomes.kpis` is imported.
"""

from __future__ import annotations

from .kpis import Context, _ratio, kpi
from .ledger import lost_revenue


# --- cost ------------------------------------------------------------------------------------
@kpi("total_cost", "currency", "Fixed + variable + penalty cost of the cases in scope (fixed "
     "costs pro-rated to the post-warm-up share of the horizon).", better="min")
def _total_cost(ctx: Context) -> float:
    return float(ctx.costs.sum())


@kpi("cost_per_case", "currency", "total_cost / cases.", "no cases", better="min")
def _cost_per_case(ctx: Context) -> float:
    return _ratio(ctx.value("total_cost"), len(ctx.cases))


@kpi("cost_fixed", "currency", "Staffed time, training, licences, moderation (pro-rated).",
     better="min")
def _cost_fixed(ctx: Context) -> float:
    return float(ctx.costs["fixed"])


@kpi("cost_variable", "currency", "Per contact, parcel, visit and part costs of cases in scope.",
     better="min")
def _cost_variable(ctx: Context) -> float:
    return float(ctx.costs["variable"])


@kpi("cost_penalty", "currency", "Deadline breaches, compensation, payouts of cases in scope.",
     better="min")
def _cost_penalty(ctx: Context) -> float:
    return float(ctx.costs["penalty"])


@kpi("lost_revenue", "currency", "Sum over closed cases of customer_value x (1 - repurchase x "
     "spend), spend = paid_return_spend after a paid return (BM12), else 1. Not a cost.",
     better="min")
def _lost_revenue(ctx: Context) -> float:
    lost = lost_revenue(ctx.cases, ctx.scored, ctx.scenario.satisfaction)
    return float(lost.sum(skipna=True))
