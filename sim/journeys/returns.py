"""Returns and exchanges: request, approval, the consumer's decision, the parcel, the remedy.

:func:`return_goods` is the whole journey of a return or exchange (docs/sources.md §3.4,
§3.5, §4.1, §4.2):

1. **Request** at the contact stage (a failed contact ends in :func:`after_failure`).
2. **Approval** by the seller's staff after an exponential time of mean
   ``policy.approval_time``, or automatically after ``policy.approval_timeout``, whichever is
   first (platform pattern; JD 24 h).
3. **Freight**, paid as the design's logistics provider says (``freight_payer``, by default
   the policy's ``return_freight_payer``), so deterrence differs between designs only where
   their payers differ. ``consumer``: with ``policy.fee_deterrence`` the consumer gives up the
   return (``withdrawn``), else pays ``policy.consumer_return_fee`` (``consumer_paid_fee``,
   the amount in ``consumer_freight``: booked to the consumer, not the platform's ledger) and
   the platform pays no parcel. ``insured``: the seller pays the freight-insurance premium and the
   insurer pays the carrier. ``seller`` / ``free_pickup``: the platform pays the parcel.
4. **Collection** by the design's logistics stage (pickup or drop-off, transit, inspection).
5. **Remedy.** A return is refunded ``policy.refund_posting`` after inspection (unless the
   ``instant_refund`` overlay refunded it at the scan). The statutory deadline is
   ``policy.refund_deadline`` from receipt of the goods (CN: CPL Art. 25, M7 Art. 13) or from
   the request (EU: CRD Art. 13, ``refund_deadline_from = "notice"``); a refund later than
   ``policy.refund_penalty_after`` after receipt (M7 Art. 31) costs
   ``policy.refund_breach_penalty`` and may raise a complaint. An exchange ends when the
   replacement arrives.

6. **Inspection outcome** (``policy.inspection_*``; not for parcels lost or refunded at the
   scan): a share of returns are **fraud** (empty boxes, swapped items); inspection detects
   ``fraud_detection`` of them and rejects them (the case ends ``unresolved``), the rest are
   refunded and the order value is lost (penalty ``return_fraud``). Of honest returns,
   ``inspection_reject`` are **rejected** (used, damaged: no refund; the consumer may dispute:
   :func:`after_failure`) and ``inspection_partial`` get a **partial refund** (the case's
   ``csat_factor`` takes ``partial_refund_csat``); the rest pass. ``inspection_result``
   records the outcome (0 none, 1 pass, 2 partial, 3 rejected, 4 fraud caught, 5 fraud
   missed).

**Quality faults** (``policy.quality_fault_share`` of return requests, goods not as described
or defective) ship at the seller's expense whatever the freight payer (CPL Art. 24), so no fee
deters them. **Refund-only** (仅退款, ``policy.refund_only_below``): a return of an order below
that value is refunded without sending the goods back; the platform writes off the order value
(``refund_only``).

A lost parcel (the logistics provider handles re-contact and compensation) is the platform's
risk: the consumer is refunded, or gets the replacement, anyway; the loss counts as receipt
for the deadline.

The three-guarantees remedy of a failed repair (三包, ``request_contact=False``) is a quality
fault: no new request, no approval, and the seller pays transport (CPL Art. 24).
"""

from __future__ import annotations

import math
from collections.abc import Generator

import numpy as np

from ..config.vocab import RETURN_TYPES
from ..providers.parcels import RECEIVED_AND_WAITED
from . import journey
from .escalation import after_failure


def return_goods(world, case: int, exchange: bool, request_contact: bool = True) -> Generator:
    """Return (refund) or exchange the goods of ``case``; returns the terminal state.

    Parameters
    ----------
    world : World
        The run.
    case : int
        The case.
    exchange : bool
        Ship a replacement instead of refunding.
    request_contact : bool
        The consumer first requests the return through the contact stage and the seller
        approves it; False for the three-guarantees remedy after failed repairs, which the
        engineer has already decided (and the seller pays the freight).
    """
    env, rec, policy = world.env, world.records, world.scenario.policy
    requested_at = env.now
    seller_pays = True
    if request_contact:
        result = yield from world.stage("contact").serve(case)
        if not result.resolved:
            return (yield from after_failure(world, case, result.outcome))
        yield env.timeout(_approval_delay(world, case))
        if not exchange and _refund_only(world, case):
            world.ledger.charge(case=case, time=env.now, component="refund_only",
                                kind="variable", amount=_value(world, case))
            return (yield from _refund(world, case, requested_at, False))
        quality_fault = world.draws.uniform("returns/quality_fault", case) < \
            policy.quality_fault_share
        payer = "seller" if quality_fault else world.stage("logistics").freight_payer()
        if payer == "consumer":
            if world.draws.uniform("returns/fee_deterrence", case) < policy.fee_deterrence:
                return "withdrawn"
            rec["consumer_paid_fee"][case] = True
            freight = rec.get("consumer_freight")
            if freight is None:
                freight = rec.add("consumer_freight", "f8", 0.0, "return freight the consumer "
                                                                 "paid (currency)")
            freight[case] = policy.consumer_return_fee
            seller_pays = False
        elif payer == "insured":
            _charge_premium(world, case)
            seller_pays = False
    received = yield from world.stage("logistics").collect_return(
        case, seller_pays=seller_pays, refund=not exchange,
        after_inspection=_posting_after(world, case, exchange))
    if received and math.isnan(rec["refund_at"].item(case)):
        # The policy in force now decides; a merged wait (no scenario event in it) was only
        # taken for goods that pass.
        verdict = "pass" if received == RECEIVED_AND_WAITED else _verdict(world, case)
        _inspect(world, case, verdict)
        if verdict in ("rejected", "fraud_caught"):
            return (yield from after_failure(world, case, "unresolved"))
    if exchange:
        yield from world.stage("logistics").ship_replacement(case)
        return "resolved"
    return (yield from _refund(world, case, requested_at, received))


INSPECTION_CODES = {"pass": 1, "partial": 2, "rejected": 3, "fraud_caught": 4,
                    "fraud_missed": 5}


def _value(world, case: int) -> float:
    return float(np.nan_to_num(world.cases.order_value[case]))


def _refund_only(world, case: int) -> bool:
    """Refund without return: the order is below ``policy.refund_only_below``."""
    limit = world.scenario.policy.refund_only_below
    if limit <= 0:  # off (the default): no need to read the order's value
        return False
    value = float(world.cases.order_value[case])
    only = not math.isnan(value) and value < limit
    if only:
        world.records.add("refund_only", "?", False, "refunded without a return "
                                                     "(policy.refund_only_below)")[case] = True
    return only


def _verdict(world, case: int) -> str:
    """The inspection outcome the goods of ``case`` would get (see the module docstring)."""
    policy, draws = world.scenario.policy, world.draws
    if draws.uniform("returns/fraud", case) < policy.return_fraud_share:
        if draws.uniform("returns/fraud_detect", case) < policy.fraud_detection:
            return "fraud_caught"
        return "fraud_missed"
    u = draws.uniform("returns/inspection", case)
    return ("rejected" if u < policy.inspection_reject else
            "partial" if u < policy.inspection_reject + policy.inspection_partial else
            "pass")


def _inspect(world, case: int, verdict: str) -> None:
    """Record the inspection of received goods: ``verdict`` and what it costs."""
    policy, rec = world.scenario.policy, world.records
    codes = rec.get("inspection_result")
    if codes is None:  # the first inspection of the run adds the column
        codes = rec.add("inspection_result", "i1", 0, "0 not inspected, 1 pass, 2 partial "
                                                      "refund, 3 rejected, 4 fraud caught, "
                                                      "5 fraud missed")
    if verdict == "fraud_missed":
        world.ledger.charge(case=case, time=world.env.now, component="return_fraud",
                            kind="penalty", amount=_value(world, case))
    elif verdict == "partial":
        rec["csat_factor"][case] *= policy.partial_refund_csat
    codes[case] = INSPECTION_CODES[verdict]


def _posting_after(world, case: int, exchange: bool) -> float:
    """The refund's posting, for the logistics stage to wait at once after the inspection
    (one timeout instead of two), or 0: only for a refund of goods that pass, so nothing
    happens at the inspection itself but records nobody reads before the refund (no ledger
    row, no failure, no satisfaction factor that another contact's factor would multiply in
    another order), and once the inspection's record column exists (so the first inspection
    adds it when it always did, keeping the table's column order)."""
    if exchange or "inspection_result" not in world.records or _verdict(world, case) != "pass":
        return 0.0
    return world.scenario.policy.refund_posting


def _approval_delay(world, case: int) -> float:
    """Staff approval (exponential, mean ``approval_time``) capped by the auto-approval."""
    policy = world.scenario.policy
    if policy.approval_time <= 0:
        return 0.0
    u = world.draws.uniform("returns/approval", case)
    staff = -policy.approval_time * math.log1p(-u)
    return min(staff, policy.approval_timeout)


def _charge_premium(world, case: int) -> None:
    """The seller's freight-insurance premium, spread over the returns it pays for.

    The premium is paid on every order, but only orders with a return become cases; each
    return case carries ``premium / (returns per order of its category)``, so the premiums
    booked match premium x orders in expectation and every yuan belongs to a case.
    """
    policy, cases = world.scenario.policy, world.cases
    per_order = 1.0
    category = int(cases.category[case])
    if category >= 0:
        rates = world.scenario.demand.categories[cases.categories[category]].rates
        uplift = 1 + policy.insured_return_uplift
        per_order = sum(min(1.0, rates.get(t, 0.0) * uplift) for t in RETURN_TYPES) or 1.0
    world.ledger.charge(case=case, time=world.env.now, component="freight_insurance",
                        kind="variable", amount=policy.insurance_premium_per_order / per_order)


def _refund(world, case: int, requested_at: float, received: bool) -> Generator:
    """Post the refund, check the statutory deadline and the penalty; the terminal state."""
    env, rec, policy = world.env, world.records, world.scenario.policy
    # A lost parcel counts as received when the loss is known (the platform's risk). Cells
    # read with .item(): Python floats, not numpy scalars, for the arithmetic below.
    receipt = rec["goods_received_at"].item(case) if received else env.now
    posted = rec["refund_at"]
    if received == RECEIVED_AND_WAITED:  # the logistics stage waited the posting too
        refund_at = posted[case] = env.now
    else:
        refund_at = posted.item(case)
        if math.isnan(refund_at):
            yield env.timeout(policy.refund_posting)
            refund_at = posted[case] = env.now
        elif refund_at > env.now:
            yield env.timeout(refund_at - env.now)  # an instant refund still posting
            refund_at = posted.item(case)
    start = requested_at if policy.refund_deadline_from == "notice" else receipt
    due = start + policy.refund_deadline
    rec["refund_due_at"][case] = due
    rec["statutory_applicable"][case] = True
    if refund_at > due:
        rec["statutory_met"][case] = False
    if refund_at - receipt > policy.refund_penalty_after:
        world.ledger.charge(case=case, time=env.now, component="refund_breach", kind="penalty",
                            amount=policy.refund_breach_penalty)
        return (yield from after_failure(world, case, "resolved"))
    return "resolved"


@journey("return_refund")
def return_refund(world, case: int) -> Generator:
    """Return and refund: the generator of :func:`return_goods` (no generator of its own
    that each of the case's events would resume through). Returns the terminal state."""
    return return_goods(world, case, exchange=False)


@journey("exchange")
def exchange(world, case: int) -> Generator:
    """Exchange, a return then the replacement: the generator of :func:`return_goods`.
    Returns the terminal state."""
    return return_goods(world, case, exchange=True)
