"""KPIs of how cases end: resolution times, deadlines, satisfaction, FCR, complaints, logistics.

Also the contact design's reach and load (channels offered, agent utilisation), the share of
cases per terminal state and the per-case-type satisfaction and resolution time. Registered
in :data:`sim.outcomes.kpis.REGISTRY` when :mod:`sim.outcomes.kpis` is imported (conventions
there).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from ..config.vocab import CASE_TYPES, TERMINAL_STATES
from .kpis import Context, _dropna, _mean, _p90, _ratio, kpi


# --- time ------------------------------------------------------------------------------------
@kpi("resolution_time_mean_h", "h", "Mean time from the request to closure of resolved cases.",
     "no case resolved", better="min")
def _resolution_mean(ctx: Context) -> float:
    return _mean(ctx.elapsed("closed_at", ctx.resolved_mask))


@kpi("resolution_time_p90_h", "h", "90th percentile of the resolution time of resolved cases.",
     "no case resolved", better="min")
def _resolution_p90(ctx: Context) -> float:
    return _p90(ctx.elapsed("closed_at", ctx.resolved_mask))


@kpi("refund_time_mean_h", "h", "Mean time from the request to the refund, over refunded "
     "cases.", "no refund in the run (e.g. no returns)", better="min")
def _refund_time(ctx: Context) -> float:
    return _mean(ctx.elapsed("refund_at"))


@kpi("repair_turnaround_mean_h", "h", "Mean time from the request to completed field service, "
     "over repair cases served.", "no repair completed in the run", better="min")
def _repair_turnaround(ctx: Context) -> float:
    return _mean(ctx.elapsed("service_done_at", ctx.mask("case_type", "repair")))


@kpi("sla_attainment", "share", "Closed cases resolved within their case type's service "
     "target (policy.sla) of the request / closed cases (not censored). Statutory deadlines: "
     "statutory_compliance.", "no closed case", better="max")
def _sla_attainment(ctx: Context) -> float:
    quick = ctx.resolved_mask & (ctx.since("closed_at", "created") <= ctx.sla_target)
    return _mean(quick[ctx.closed_mask])


@kpi("statutory_compliance", "share", "Cases with a statutory deadline that met every deadline "
     "/ cases with a statutory deadline.", "no statutory deadline applied (e.g. no returns)",
     better="max")
def _statutory(ctx: Context) -> float:
    return _mean(ctx.col("statutory_met")[ctx.col("statutory_applicable").astype(bool)])


# --- satisfaction ----------------------------------------------------------------------------
@kpi("csat_mean", "1-5", "Mean expected rating of closed cases (sim.outcomes.satisfaction).",
     "no closed case", better="max")
def _csat_mean(ctx: Context) -> float:
    return _mean(_dropna(ctx.score("csat")))


@kpi("csat_top_box", "share", "Mean P(top box) of closed cases (expected top-box share).",
     "no closed case", better="max")
def _csat_top(ctx: Context) -> float:
    return _mean(_dropna(ctx.score("p_top_box")))


@kpi("repurchase_rate", "share", "Mean repurchase probability of closed cases (TARP table).",
     "no closed case", better="max")
def _repurchase(ctx: Context) -> float:
    return _mean(_dropna(ctx.score("repurchase")))


@kpi("csat_mean_complained", "1-5", "Mean CSAT of closed cases that raised a complaint.",
     "no complaint", better="max")
def _csat_complained(ctx: Context) -> float:
    return _mean(_dropna(ctx.score("csat")[ctx.col("complaint").astype(bool)]))


# --- contact quality, complaints, logistics ----------------------------------------------------
@kpi("fcr_rate", "share", "Closed cases answered with exactly one contact (by staff or bot) "
     "that then needed nothing more from the contact centre: no complaint and not left "
     "unresolved, abandoned or blocked (resolved, or withdrawn by the consumer's own choice) / "
     "closed cases with at least one contact.", "no closed case was answered", better="max")
def _fcr(ctx: Context) -> float:
    contacts = ctx.col("contacts")
    answered = ctx.closed_mask & (contacts > 0)
    ended_well = ctx.mask("terminal", "resolved", "withdrawn")
    first = ended_well & (contacts == 1) & ~ctx.col("complaint").astype(bool)
    return _mean(first[answered])


@kpi("complaint_rate", "share", "Cases that raised a complaint / cases.", "no cases", better="min")
def _complaint_rate(ctx: Context) -> float:
    return _mean(ctx.cases["complaint"])


@kpi("complaint_time_mean_h", "h", "Mean time from the request to the complaint's closure, "
     "over closed complaints (the consumer's wait for a remedy).", "no complaint closed",
     better="min")
def _complaint_time(ctx: Context) -> float:
    return _mean(ctx.elapsed("complaint_closed_at", ctx.col("complaint").astype(bool)))


@kpi("complaint_resolution_rate", "share", "Closed complaints that put the case right "
     "(recovered) / closed complaints.", "no complaint closed", better="max")
def _complaint_resolution(ctx: Context) -> float:
    closed = ctx.col("complaint").astype(bool) & ~np.isnan(ctx.col("complaint_closed_at"))
    return _mean(ctx.col("recovered")[closed])


@kpi("parcel_loss_rate", "share", "Closed cases whose goods were sent back but never reached "
     "the seller / closed cases that sent goods back.", "no goods sent back", better="min")
def _parcel_loss(ctx: Context) -> float:
    sent = ctx.closed_mask & ctx.col("return_sent").astype(bool)
    return _mean(np.isnan(ctx.col("goods_received_at"))[sent])


@kpi("channels_offered", "count", "Contact channels a consumer could reach in the design: "
     "the channels of its agent groups (and of a forum's staff centre), and 'forum' for a "
     "community front line (from the run summary).", better="max")
def _channels_offered(ctx: Context) -> float:
    return float(len(ctx.summary.channels_reachable))


@kpi("channels_used", "count", "Effective number of channels consumers were answered on: "
     "exp of the Shannon entropy of the shares of answered cases by channel, a peer answer "
     "counting as the forum (1 when everyone used one channel, k when k channels were used "
     "equally).", "no case was answered", better="max")
def _channels_used(ctx: Context) -> float:
    answered = ~np.isnan(ctx.col("first_response_at")) | ~np.isnan(ctx.col("first_wait_h"))
    if not answered.any():
        return float("nan")
    channel = ctx.cases["channel"]
    if not isinstance(channel.dtype, pd.CategoricalDtype):
        channel = channel.astype(str).astype("category")
    names = [str(c) for c in channel.cat.categories]
    codes = channel.cat.codes.to_numpy().astype(np.int64)
    forum = names.index("forum") if "forum" in names else len(names)
    codes = np.where(ctx.col("community_answered").astype(bool), forum, codes)[answered]
    codes = codes[codes >= 0]  # no channel recorded: left out, as value_counts drops NaN
    if not codes.size:
        return float("nan")
    # Counts of each channel as value_counts gives them (largest first), then their shares.
    counts = np.bincount(codes)
    counts = np.sort(counts[counts > 0], kind="stable")[::-1]
    shares = counts / counts.sum()
    return float(np.exp(-(shares * np.log(shares)).sum()))


@kpi("agent_utilisation", "share", "Busy / on-duty agent time of the contact pools, from the "
     "hourly monitor samples after the warm-up.", "no agent on duty after the warm-up",
     better=None)
def _utilisation(ctx: Context) -> float:
    return _pool_utilisation(ctx, lambda name: name.startswith("contact:"))


@kpi("agent_utilisation_live", "share", "Busy / on-duty agent time of the live contact pools "
     "(phone, chat, tickets answered as they come), leaving out a back office that works a "
     "backlog in business hours, from the hourly monitor samples after the warm-up.",
     "no live agent on duty after the warm-up", better=None)
def _live_utilisation(ctx: Context) -> float:
    return _pool_utilisation(ctx, lambda name: name.startswith("contact:")
                             and not name.endswith(":backoffice"))


def _pool_utilisation(ctx: Context, counted: Callable[[str], bool]) -> float:
    summary = ctx.summary
    if not len(summary.monitor_times):
        return float("nan")
    keep = summary.monitor_times >= ctx.scenario.run.warmup
    busy = sum(v[keep].sum() for k, v in summary.busy.items() if counted(k))
    duty = sum(v[keep].sum() for k, v in summary.on_duty.items() if counted(k))
    return _ratio(busy, duty)


# --- terminal states --------------------------------------------------------------------------
def _state_share(state: str) -> Callable[[Context], float]:
    def share(ctx: Context) -> float:
        return _mean(ctx.mask("terminal", state))

    return share


for _state in TERMINAL_STATES[1:]:
    _name = "censored_share" if _state == "censored" else f"share_{_state}"
    _what = ("still open when the run stopped (drain exhausted: a sign of overload; they are "
             "left out of satisfaction)" if _state == "censored" else f"ending {_state}")
    kpi(_name, "share", f"Cases {_what} / cases.", "no cases",
        better="max" if _state == "resolved" else "min")(_state_share(_state))


# --- per case type ----------------------------------------------------------------------------
def _csat_of(case_type: str) -> Callable[[Context], float]:
    def csat(ctx: Context) -> float:
        return _mean(_dropna(ctx.score("csat")[ctx.mask("case_type", case_type)]))

    return csat


def _resolution_of(case_type: str) -> Callable[[Context], float]:
    def resolution(ctx: Context) -> float:
        return _mean(ctx.elapsed("closed_at",
                                 ctx.resolved_mask & ctx.mask("case_type", case_type)))

    return resolution


for _type in CASE_TYPES:
    kpi(f"csat_mean_{_type}", "1-5", f"csat_mean over closed {_type} cases.",
        f"no closed {_type} case", better="max")(_csat_of(_type))
    kpi(f"resolution_time_mean_h_{_type}", "h", f"resolution_time_mean_h over resolved "
        f"{_type} cases.", f"no resolved {_type} case", better="min")(_resolution_of(_type))
