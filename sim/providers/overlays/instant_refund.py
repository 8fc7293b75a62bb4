"""The instant-refund overlay (JD 闪电退款, Taobao 极速退款): refund at the pickup scan.

For an eligible return the refund is posted ``posting`` after the platform sees the hand-over
scan, long before the goods reach the warehouse. Eligibility (JDF, docs/sources.md §3.5,
§4.1): order value at most ``max_order_value``; below ``auto_below`` every consumer gets it,
between the two only the share ``opted_in_share`` with enough credit. Exchanges are never
refunded. The scan is seen at once with the in-house fleet, after the carrier's tracking
``scan_lag`` otherwise (from the first scan that reaches the platform).

Refunding before inspection has a price: a share ``fraud_share`` of instant refunds is never
matched by goods worth the refund (empty boxes, swapped items), and the platform loses the
refunded amount (a penalty on the case). The journey posts no second refund for a case whose
refund is already set.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from dataclasses import dataclass

from ...config.fields import duration, money, probability
from ..base import Overlay
from ..registry import register_overlay


@dataclass(frozen=True, kw_only=True)
class InstantRefundParams:
    """Refund at the pickup scan for eligible returns (JDF)."""

    max_order_value: float = money(3000.0, doc="Orders up to this value are eligible (JDF: "
                                               "¥3,000).")
    auto_below: float = money(200.0, doc="Orders below this get it automatically (JDF: "
                                         "¥200).")
    opted_in_share: float = probability(
        0.8, doc="Share of consumers with orders between auto_below and max_order_value who "
                 "qualify (JDF: credit >= 2 stars; share assumption).")
    posting: float = duration("5min", doc="From the scan to money in the consumer's wallet "
                                          "(WX: wallet refunds <= 5 min).")
    fraud_share: float = probability(
        0.01, doc="Share of instant refunds the platform loses to fraud or goods not matching "
                  "(assumption).")


@register_overlay("instant_refund", "logistics", InstantRefundParams)
class InstantRefund(Overlay):
    """Instant refund at the pickup scan for eligible returns, with a fraud/loss share."""

    stage = "logistics"

    def __init__(self, world, params: InstantRefundParams, name: str, inner):
        super().__init__(world, params, name, inner)
        self._flag = world.records.add("instant_refund", "?", False,
                                       "refunded at the pickup scan (instant_refund overlay)")

    def eligible(self, case: int) -> bool:
        """Whether ``case``'s order qualifies (a case without an order value does not)."""
        p = self.params
        value = float(self.world.cases.order_value[case])
        if math.isnan(value) or value > p.max_order_value:
            return False
        if value < p.auto_below:
            return True
        return self.world.draws.uniform("logistics/instant_refund_credit", case) < \
            p.opted_in_share

    def collect_return(self, case: int, *, refund: bool = True, **kwargs) -> Generator:
        """The wrapped collection, with the refund posted at the hand-over scan."""
        if refund and self.eligible(case):
            kwargs["on_handover"] = self._refund_at_scan
        return (yield from self.inner.collect_return(case, refund=refund, **kwargs))

    def _refund_at_scan(self, case: int, scan_at: float) -> None:
        # The refund time is known at the hand-over; the journey waits for it before closing.
        world, p = self.world, self.params
        at = scan_at + p.posting
        world.records["refund_at"][case] = at
        self._flag[case] = True
        if world.draws.uniform("logistics/instant_refund_fraud", case) < p.fraud_share:
            world.ledger.charge(case=case, time=at, component="instant_refund",
                                kind="penalty", amount=float(world.cases.order_value[case]))
