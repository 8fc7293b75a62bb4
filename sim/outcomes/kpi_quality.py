"""KPIs of service quality that the report's evaluation system names (REPORT §4.2-4.3).

Pre-sale consultation is measured on ``presale`` cases (questions before the order): the
response by channel, the accuracy and the courtesy of the answers. In-sale tracking reads the
parcels of returns and exchanges (transit, tracking scans, "where is my parcel" contacts) and
whether the return, exchange and repair guarantees were kept. Complaint handling is timed
from the complaint, not from the original request. Registered in
:data:`sim.outcomes.kpis.REGISTRY` when :mod:`sim.outcomes.kpis` is imported (conventions
there). A column a run did not record (an older provider) makes its KPI NaN.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..config.units import MINUTE
from ..config.vocab import RETURN_TYPES
from .kpis import Context, _dropna, _mean, _ratio, _sum, kpi

#: Channel groups of the response-speed indicator: phone, chat, and the asynchronous
#: channels (tickets, and forum posts, which reach the platform as tickets).
CHANNEL_GROUPS = {"phone": ("phone",), "chat": ("chat",), "async": ("ticket",)}
#: Case types whose remedy is a guarantee: returns, exchanges, and repairs (three guarantees).
GUARANTEE_TYPES = (*RETURN_TYPES, "repair")


def _presale(ctx: Context, group: str | None = None) -> np.ndarray:
    """Which cases in scope are pre-sale questions (on ``group``'s channels)."""
    presale = ctx.mask("case_type", "presale")
    if group is not None:
        presale = presale & ctx.mask("channel", *CHANNEL_GROUPS[group])
    return presale


def _column_sum(ctx: Context, column: str, where: np.ndarray | None = None) -> float:
    """Sum of ``column`` over the cases ``where`` selects (NaN when not recorded)."""
    if not ctx.has(column):
        return float("nan")
    values = ctx.col(column)
    return _sum(values if where is None else values[where])


# --- pre-sale consultation --------------------------------------------------------------------
def _response(group: str, scale: float) -> Callable[[Context], float]:
    def response(ctx: Context) -> float:
        return _mean(ctx.elapsed("first_response_at", _presale(ctx, group))) / scale

    return response


def _contacts(group: str) -> Callable[[Context], float]:
    def contacts(ctx: Context) -> float:
        return float(np.count_nonzero(_presale(ctx, group)))

    return contacts


for _group, (_unit, _scale) in {"phone": ("min", MINUTE), "chat": ("min", MINUTE),
                                "async": ("h", 1.0)}.items():
    _suffix = f"{_unit}_{_group}"
    _where = {"async": "tickets and forum posts"}.get(_group, _group)
    kpi(f"presale_response_mean_{_suffix}", _unit, f"Mean time from a pre-sale question on "
        f"{_where} to its first answer (agent, bot or peer), over answered pre-sale cases.",
        f"no pre-sale question on {_where} was answered", better="min")(
        _response(_group, _scale))
    kpi(f"presale_contacts_{_group}", "count", f"Pre-sale questions asked on {_where}.",
        better=None)(_contacts(_group))


@kpi("presale_answer_accuracy", "share", "1 - wrong answers / answers given to pre-sale "
     "questions (an answer is wrong when it did not settle the question and the consumer had "
     "to ask again: an agent's miss, a wrong peer answer, a bot's wrong answer).",
     "no pre-sale question was answered", better="max")
def _accuracy(ctx: Context) -> float:
    presale = _presale(ctx)
    return 1.0 - _ratio(_column_sum(ctx, "wrong_answers", presale),
                        _column_sum(ctx, "answers", presale))


@kpi("presale_courtesy_rate", "share", "1 - answers the consumer found discourteous / answers "
     "given to pre-sale questions (the attitude of the agent, bot or peer who answered).",
     "no pre-sale question was answered", better="max")
def _courtesy(ctx: Context) -> float:
    presale = _presale(ctx)
    return 1.0 - _ratio(_column_sum(ctx, "discourteous", presale),
                        _column_sum(ctx, "answers", presale))


# --- in-sale tracking ------------------------------------------------------------------------
@kpi("parcel_transit_mean_h", "h", "Mean time in transit of the parcels of returns and "
     "exchanges: from the hand-over to logistics to receipt at the warehouse, and from "
     "shipping a replacement to its delivery.", "no parcel delivered", better="min")
def _transit(ctx: Context) -> float:
    legs = []
    for start, end in (("picked_up_at", "goods_received_at"),
                       ("replacement_shipped_at", "replacement_at")):
        if ctx.has(start):
            legs.append(_dropna(ctx.since(end, start)))
    return _mean(np.concatenate(legs)) if legs else float("nan")


@kpi("tracking_on_time_rate", "share", "Tracking scans that reached the consumer on time / "
     "scans expected, over every parcel leg (a scan is missing, or late when it came after "
     "the provider's promised lag).", "no parcel was tracked", better="max")
def _tracking(ctx: Context) -> float:
    expected = _column_sum(ctx, "scans_expected")
    bad = _column_sum(ctx, "scans_missing") + _column_sum(ctx, "scans_late")
    return 1.0 - _ratio(bad, expected)


@kpi("wismo_contact_rate", "count", "'Where is my parcel / refund' contacts per return or "
     "exchange that sent goods back.", "no goods sent back", better="min")
def _wismo(ctx: Context) -> float:
    sent = ctx.col("return_sent").astype(bool)
    return _ratio(_column_sum(ctx, "wismo_contacts", sent), np.count_nonzero(sent))


@kpi("guarantee_kept_rate", "share", "Returns, exchanges and repairs closed with their remedy "
     "(refund, replacement or fix) within the case type's service target (policy.sla) and "
     "every statutory deadline met / those closed (the return, exchange and repair "
     "guarantees as the consumer lives them).", "no closed return, exchange or repair",
     better="max")
def _guarantee(ctx: Context) -> float:
    closed = ctx.closed_mask & ctx.mask("case_type", *GUARANTEE_TYPES)
    kept = (ctx.resolved_mask & (ctx.since("closed_at", "created") <= ctx.sla_target)
            & ctx.col("statutory_met").astype(bool))
    return _mean(kept[closed])


# --- after-sale rights protection -------------------------------------------------------------
@kpi("complaint_handling_mean_h", "h", "Mean time from lodging a complaint to its closure, "
     "over closed complaints.", "no complaint closed", better="min")
def _complaint_handling(ctx: Context) -> float:
    if not ctx.has("complaint_at"):
        return float("nan")
    return _mean(_dropna(ctx.since("complaint_closed_at", "complaint_at")))
