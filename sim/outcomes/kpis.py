"""KPIs of one run, computed from the per-case table and the ledger.

Each KPI is registered with its unit and definition (:func:`kpi`), so ``sim.kpis()`` and the
docs list exactly what the code computes. Names are stable snake_case with the unit in the
name where there is one. Cases created before the warm-up are left out of every case KPI.

Conventions:

- *closed* cases are those in a terminal state other than ``censored`` (still open when the
  run stopped); satisfaction and repurchase are scored on closed cases only
  (:mod:`sim.outcomes.satisfaction`), and ``censored_share`` flags overloaded designs whose
  averages leave many cases out.
- cost KPIs follow :func:`sim.outcomes.ledger.in_scope_costs`: fixed costs pro-rated to the
  post-warm-up share of the horizon, variable costs and penalties of the cases in scope.
- a KPI is NaN only when its ``nan_when`` holds (nothing to average over).
- per-case-type KPIs (``csat_mean_<type>``, ``resolution_time_mean_h_<type>``) are generated
  for every case type; the scorecard KPIs (``score_*``) are in :mod:`sim.outcomes.scorecard`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from ..config.units import MINUTE
from ..config.vocab import CASE_TYPES, TERMINAL_STATES
from .ledger import in_scope_costs, lost_revenue
from .satisfaction import score_cases


@dataclass(frozen=True)
class KPI:
    """A KPI: its name, unit, definition and how to compute it."""

    name: str
    unit: str
    definition: str
    compute: Callable[..., float]
    nan_when: str = ""


REGISTRY: dict[str, KPI] = {}


def kpi(name: str, unit: str, definition: str, nan_when: str = "") -> Callable:
    """Decorator registering ``fn(ctx) -> float`` as KPI ``name``."""

    def decorate(fn: Callable[..., float]) -> Callable[..., float]:
        REGISTRY[name] = KPI(name, unit, definition, fn, nan_when)
        return fn

    return decorate


@dataclass
class Context:
    """What KPI functions read: the cases in scope, the ledger and the world.

    ``world`` needs ``scenario`` (run, policy, satisfaction, scorecard); ``design``,
    ``monitor`` and the providers are used where present (design-level KPIs are NaN without
    them).
    """

    cases: pd.DataFrame
    ledger: pd.DataFrame
    world: object
    _values: dict = field(default_factory=dict, repr=False)

    @cached_property
    def scored(self) -> pd.DataFrame:
        """Satisfaction scores of the cases in scope."""
        sc = self.world.scenario
        return score_cases(self.cases, sc.satisfaction, sc.policy)

    @cached_property
    def costs(self) -> pd.Series:
        """Cost by kind attributable to the cases in scope."""
        run = self.world.scenario.run
        return in_scope_costs(self.ledger, self.cases["case"].to_numpy(), run.warmup,
                              run.horizon)

    @cached_property
    def closed(self) -> pd.DataFrame:
        """Cases in scope that reached a terminal state before the run stopped."""
        return self.cases[~self.cases["terminal"].astype(str).isin(("open", "censored"))]

    def value(self, name: str) -> float:
        """KPI ``name`` of this run (computed once)."""
        if name not in self._values:
            self._values[name] = float(REGISTRY[name].compute(self))
        return self._values[name]


def _mean(values: pd.Series | np.ndarray) -> float:
    values = np.asarray(values, dtype=float)
    return float(values.mean()) if values.size else float("nan")


def _ratio(num: float, den: float) -> float:
    return float(num) / float(den) if den else float("nan")


def _p90(values: pd.Series | np.ndarray) -> float:
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    return float(np.percentile(values, 90)) if values.size else float("nan")


def _elapsed(cases: pd.DataFrame, column: str) -> pd.Series:
    """Hours from the request (case creation) to ``column``, where ``column`` is set."""
    return (cases[column] - cases["created"]).dropna()


def _resolved(cases: pd.DataFrame) -> pd.DataFrame:
    return cases[cases["terminal"].astype(str) == "resolved"]


@kpi("cases", "count", "Cases created after the warm-up and before the horizon.")
def _cases(ctx: Context) -> float:
    return float(len(ctx.cases))


@kpi("queued_share", "share", "Share of cases whose first contact attempt had to wait.",
     "no cases")
def _queued_share(ctx: Context) -> float:
    attempted = ctx.cases[ctx.cases["attempts"] > 0]
    return _mean(attempted["queued"])


@kpi("first_response_mean_min", "min", "Mean wait of the first answered contact (zeros "
     "included), over cases that were answered.", "no case answered")
def _first_response_mean(ctx: Context) -> float:
    return _mean(ctx.cases["first_wait_h"].dropna()) / MINUTE


@kpi("first_response_p90_min", "min", "90th percentile of the first-response wait.",
     "no case answered")
def _first_response_p90(ctx: Context) -> float:
    waits = ctx.cases["first_wait_h"].dropna()
    return float(np.percentile(waits, 90)) / MINUTE if len(waits) else float("nan")


@kpi("queue_wait_mean_min", "min", "Mean time in queue of first attempts, answered or not "
     "(the E[W] of Erlang A).", "no contact attempt")
def _queue_wait_mean(ctx: Context) -> float:
    return _mean(ctx.cases["first_attempt_wait_h"].dropna()) / MINUTE


@kpi("abandonment_rate", "share", "Abandoned contact attempts / all contact attempts.",
     "no contact attempt")
def _abandonment_rate(ctx: Context) -> float:
    return _ratio(ctx.cases["abandonments"].sum(), ctx.cases["attempts"].sum())


@kpi("blocked_share", "share", "Attempts that found the queue full / all contact attempts.",
     "no contact attempt")
def _blocked_share(ctx: Context) -> float:
    return _ratio(ctx.cases["blocked"].sum(), ctx.cases["attempts"].sum())


# --- cost ------------------------------------------------------------------------------------
@kpi("total_cost", "currency", "Fixed + variable + penalty cost of the cases in scope (fixed "
     "costs pro-rated to the post-warm-up share of the horizon).")
def _total_cost(ctx: Context) -> float:
    return float(ctx.costs.sum())


@kpi("cost_per_case", "currency", "total_cost / cases.", "no cases")
def _cost_per_case(ctx: Context) -> float:
    return _ratio(ctx.value("total_cost"), len(ctx.cases))


@kpi("cost_fixed", "currency", "Staffed time, training, licences, moderation (pro-rated).")
def _cost_fixed(ctx: Context) -> float:
    return float(ctx.costs["fixed"])


@kpi("cost_variable", "currency", "Per contact, parcel, visit and part costs of cases in scope.")
def _cost_variable(ctx: Context) -> float:
    return float(ctx.costs["variable"])


@kpi("cost_penalty", "currency", "Deadline breaches, compensation, payouts of cases in scope.")
def _cost_penalty(ctx: Context) -> float:
    return float(ctx.costs["penalty"])


@kpi("lost_revenue", "currency", "Sum over closed cases of customer_value x (1 - repurchase x "
     "spend), spend = paid_return_spend after a paid return (BM12), else 1. Not a cost.")
def _lost_revenue(ctx: Context) -> float:
    lost = lost_revenue(ctx.cases, ctx.scored, ctx.world.scenario.satisfaction)
    return float(lost.sum(skipna=True))


# --- time ------------------------------------------------------------------------------------
@kpi("resolution_time_mean_h", "h", "Mean time from the request to closure of resolved cases.",
     "no case resolved")
def _resolution_mean(ctx: Context) -> float:
    return _mean(_elapsed(_resolved(ctx.cases), "closed_at"))


@kpi("resolution_time_p90_h", "h", "90th percentile of the resolution time of resolved cases.",
     "no case resolved")
def _resolution_p90(ctx: Context) -> float:
    return _p90(_elapsed(_resolved(ctx.cases), "closed_at"))


@kpi("refund_time_mean_h", "h", "Mean time from the request to the refund, over refunded "
     "cases.", "no refund in the run (e.g. no returns)")
def _refund_time(ctx: Context) -> float:
    return _mean(_elapsed(ctx.cases, "refund_at"))


@kpi("repair_turnaround_mean_h", "h", "Mean time from the request to completed field service, "
     "over repair cases served.", "no repair completed in the run")
def _repair_turnaround(ctx: Context) -> float:
    repairs = ctx.cases[ctx.cases["case_type"].astype(str) == "repair"]
    return _mean(_elapsed(repairs, "service_done_at"))


@kpi("sla_attainment", "share", "Closed cases resolved within their case type's service "
     "target (policy.sla) of the request / closed cases (not censored). Statutory deadlines: "
     "statutory_compliance.", "no closed case")
def _sla_attainment(ctx: Context) -> float:
    closed = ctx.closed
    target = ctx.world.scenario.policy.sla_hours(closed["case_type"])
    quick = (closed["terminal"].astype(str) == "resolved") & (
        closed["closed_at"] - closed["created"] <= target)
    return _mean(quick)


@kpi("statutory_compliance", "share", "Cases with a statutory deadline that met every deadline "
     "/ cases with a statutory deadline.", "no statutory deadline applied (e.g. no returns)")
def _statutory(ctx: Context) -> float:
    applicable = ctx.cases[ctx.cases["statutory_applicable"].astype(bool)]
    return _mean(applicable["statutory_met"])


# --- satisfaction ----------------------------------------------------------------------------
@kpi("csat_mean", "1-5", "Mean expected rating of closed cases (sim.outcomes.satisfaction).",
     "no closed case")
def _csat_mean(ctx: Context) -> float:
    return _mean(ctx.scored["csat"].dropna())


@kpi("csat_top_box", "share", "Mean P(top box) of closed cases (expected top-box share).",
     "no closed case")
def _csat_top(ctx: Context) -> float:
    return _mean(ctx.scored["p_top_box"].dropna())


@kpi("repurchase_rate", "share", "Mean repurchase probability of closed cases (TARP table).",
     "no closed case")
def _repurchase(ctx: Context) -> float:
    return _mean(ctx.scored["repurchase"].dropna())


@kpi("csat_mean_complained", "1-5", "Mean CSAT of closed cases that raised a complaint.",
     "no complaint")
def _csat_complained(ctx: Context) -> float:
    return _mean(ctx.scored.loc[ctx.cases["complaint"].astype(bool), "csat"].dropna())


# --- contact quality, complaints, logistics ----------------------------------------------------
@kpi("fcr_rate", "share", "Closed cases answered with exactly one contact (by staff or bot) "
     "that then needed nothing more from the contact centre: no complaint and not left "
     "unresolved, abandoned or blocked (resolved, or withdrawn by the consumer's own choice) / "
     "closed cases with at least one contact.", "no closed case was answered")
def _fcr(ctx: Context) -> float:
    answered = ctx.closed[ctx.closed["contacts"] > 0]
    ended_well = answered["terminal"].astype(str).isin(("resolved", "withdrawn"))
    first = ended_well & (answered["contacts"] == 1) & ~answered["complaint"].astype(bool)
    return _mean(first)


@kpi("complaint_rate", "share", "Cases that raised a complaint / cases.", "no cases")
def _complaint_rate(ctx: Context) -> float:
    return _mean(ctx.cases["complaint"])


@kpi("complaint_time_mean_h", "h", "Mean time from the request to the complaint's closure, "
     "over closed complaints (the consumer's wait for a remedy).", "no complaint closed")
def _complaint_time(ctx: Context) -> float:
    return _mean(_elapsed(ctx.cases[ctx.cases["complaint"].astype(bool)],
                          "complaint_closed_at"))


@kpi("complaint_resolution_rate", "share", "Closed complaints that put the case right "
     "(recovered) / closed complaints.", "no complaint closed")
def _complaint_resolution(ctx: Context) -> float:
    c = ctx.cases[ctx.cases["complaint"].astype(bool) & ctx.cases["complaint_closed_at"].notna()]
    return _mean(c["recovered"])


@kpi("parcel_loss_rate", "share", "Closed cases whose goods were sent back but never reached "
     "the seller / closed cases that sent goods back.", "no goods sent back")
def _parcel_loss(ctx: Context) -> float:
    sent = ctx.closed[ctx.closed["return_sent"].astype(bool)]
    return _mean(sent["goods_received_at"].isna())


@kpi("channels_offered", "count", "Contact channels the design answers: channels of its "
     "agent groups (and of a forum's staff centre), 'forum' for a community front line, or a "
     "provider's channels_offered(); else the channels of answered cases.")
def _channels_offered(ctx: Context) -> float:
    channels: set[str] = set()
    providers = getattr(ctx.world, "providers", {}) or {}
    layer = providers.get("contact")
    while layer is not None:
        offered = getattr(type(layer), "channels_offered", None)
        if offered is not None:
            channels |= set(layer.channels_offered())
        params = layer.params
        for source in (params, getattr(params, "staff", None)):  # a forum's staff centre too
            for group in (getattr(source, "groups", None) or {}).values():
                channels |= set(getattr(group, "channels", ()))
        if layer.name == "community":
            channels.add("forum")  # peer Q&A is a channel of its own (DIGEST 4.2)
        layer = layer.__dict__.get("inner")
    if not channels:
        channels = set(ctx.cases.loc[ctx.cases["contacts"] > 0, "channel"].astype(str))
    return float(len(channels))


@kpi("agent_utilisation", "share", "Busy / on-duty agent time of the contact pools, from the "
     "hourly monitor samples after the warm-up.", "no agent on duty after the warm-up")
def _utilisation(ctx: Context) -> float:
    mon = getattr(ctx.world, "monitor", None)
    if mon is None or not mon.times:
        return float("nan")
    keep = np.asarray(mon.times) >= ctx.world.scenario.run.warmup
    busy = sum(np.asarray(v, float)[keep].sum() for k, v in mon.busy.items()
               if k.startswith("contact:"))
    duty = sum(np.asarray(v, float)[keep].sum() for k, v in mon.on_duty.items()
               if k.startswith("contact:"))
    return _ratio(busy, duty)


# --- terminal states --------------------------------------------------------------------------
def _state_share(state: str) -> Callable[[Context], float]:
    def share(ctx: Context) -> float:
        return _mean(ctx.cases["terminal"].astype(str) == state)

    return share


for _state in TERMINAL_STATES[1:]:
    _name = "censored_share" if _state == "censored" else f"share_{_state}"
    _what = ("still open when the run stopped (drain exhausted: a sign of overload; they are "
             "left out of satisfaction)" if _state == "censored" else f"ending {_state}")
    kpi(_name, "share", f"Cases {_what} / cases.", "no cases")(_state_share(_state))


# --- per case type ----------------------------------------------------------------------------
def _csat_of(case_type: str) -> Callable[[Context], float]:
    def csat(ctx: Context) -> float:
        mask = ctx.cases["case_type"].astype(str) == case_type
        return _mean(ctx.scored.loc[mask, "csat"].dropna())

    return csat


def _resolution_of(case_type: str) -> Callable[[Context], float]:
    def resolution(ctx: Context) -> float:
        resolved = _resolved(ctx.cases)
        return _mean(_elapsed(resolved[resolved["case_type"].astype(str) == case_type],
                              "closed_at"))

    return resolution


for _type in CASE_TYPES:
    kpi(f"csat_mean_{_type}", "1-5", f"csat_mean over closed {_type} cases.",
        f"no closed {_type} case")(_csat_of(_type))
    kpi(f"resolution_time_mean_h_{_type}", "h", f"resolution_time_mean_h over resolved "
        f"{_type} cases.", f"no resolved {_type} case")(_resolution_of(_type))


def in_scope(cases: pd.DataFrame, world) -> pd.DataFrame:
    """Cases created after the warm-up (all cases are created before the horizon)."""
    return cases[cases["created"] >= world.scenario.run.warmup]


def compute_kpis(cases: pd.DataFrame, ledger: pd.DataFrame, world) -> dict[str, float]:
    """Every registered KPI of one run.

    Parameters
    ----------
    cases : pandas.DataFrame
        The per-case table of the run (:func:`sim.model.case_frame`).
    ledger : pandas.DataFrame
        The run's ledger.
    world : World
        The run (scenario, design, monitor, providers).

    Returns
    -------
    dict of str to float
        KPI name -> value, in registry order.
    """
    ctx = Context(in_scope(cases, world), ledger, world)
    return {name: ctx.value(name) for name in REGISTRY}


# Registers the score_* KPIs (after every KPI they read).
from . import scorecard  # noqa: E402, F401
