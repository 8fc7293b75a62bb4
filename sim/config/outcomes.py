"""Scenario parameters for outcomes: satisfaction, repurchase and the scorecard.

Defaults are from ``research/domain.md`` §2.3 and the parameter table; each is a scenario
parameter so sensitivity runs can vary it.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import Problem
from .fields import duration, mapping, number, probability, shares_sum_to_one
from .vocab import CHANNELS


@dataclass(frozen=True, kw_only=True)
class SatisfactionParams:
    """Coefficients of the case-level CSAT and repurchase model (domain.md §2.3)."""

    base_top_box: dict = mapping(
        probability(doc=""), keys=CHANNELS,
        default={"chat": 0.92, "phone": 0.88, "ticket": 0.85},
        doc="P(top box) of a resolved case with no friction, by channel (Z15).")
    per_extra_contact: float = probability(
        0.85, doc="Multiplier per contact after the first (SQM: -15% per extra call).")
    per_transfer: float = probability(0.88, doc="Multiplier per cold transfer (SQM: -12%).")
    bot_resolved: float = probability(0.94, doc="Multiplier when a bot resolved the case "
                                                "(WANG26: -0.3 stars of 5).")
    consumer_paid_fee: float = probability(0.85, doc="Multiplier when the consumer paid a "
                                                     "return fee (assumption; BM12 direction).")
    unresolved: float = probability(0.40, doc="Multiplier when not resolved (assumption; TARP).")
    recovery_bonus: float = number(0.05, min=0.0, max=0.2,
                                   doc="Added to P(top box) when a failure was recovered "
                                       "within the SLA (dM07); never to repurchase.")
    wait_tolerance: dict = mapping(
        duration(doc=""), keys=CHANNELS,
        default={"chat": "50s", "phone": "25s", "ticket": "4h"},
        doc="First-response wait with no penalty, by channel (Z15; IFC 80/20; assumption "
            "for tickets).")
    wait_sharp_drop: dict = mapping(
        duration(doc=""), keys=CHANNELS,
        default={"chat": "150s", "phone": "2min", "ticket": "24h"},
        doc="Wait after which satisfaction drops sharply (Z15; C100; assumption).")
    wait_step: float = probability(0.95, doc="Multiplier between tolerance and sharp drop "
                                             "(domain.md §2.3 [L]).")
    wait_drop: float = probability(0.85, doc="Multiplier at the sharp drop (domain.md §2.3).")
    wait_decline_per_tolerance: float = number(
        0.05, min=0.0, max=1.0,
        doc="Further loss per extra sharp-drop-length of wait (domain.md: 0.05/min for chat).")
    wait_floor: float = probability(0.40, doc="Lowest wait multiplier (domain.md §2.3).")
    refund_expected: float = duration("3d", doc="Expected time from hand-over to refund "
                                                "(domain.md §2.3 [L]).")
    repair_expected: float = duration("3d", doc="Expected repair turnaround (assumption).")
    per_day_late: float = number(0.05, min=0.0, max=1.0,
                                 doc="Loss of P(top box) per day beyond the expected delay "
                                     "(assumption).")
    repurchase_quick: float = probability(0.95, doc="Repurchase, resolved within SLA (TARP minor).")
    repurchase_slow: float = probability(0.70, doc="Repurchase, resolved late (TARP minor).")
    repurchase_unresolved: float = probability(0.46, doc="Repurchase, unresolved (TARP minor).")
    repurchase_quick_major: float = probability(0.82, doc="As above, major problem (TARP).")
    repurchase_slow_major: float = probability(0.54, doc="As above, major problem (TARP).")
    repurchase_unresolved_major: float = probability(0.19, doc="As above, major (TARP).")
    major_order_value: float = number(700.0, min=0.0, doc="Order value from which a problem is "
                                                          "'major' (TARP: > $100 ≈ CNY 700).")
    paid_return_spend: float = number(0.10, min=0.0, max=1.0,
                                      doc="Spending multiplier after a paid return (BM12).")
    customer_value: float = number(600.0, min=0.0,
                                   doc="Two-year margin of a retained customer, for lost "
                                       "revenue (assumption).")


@dataclass(frozen=True, kw_only=True)
class ScorecardParams:
    """Weights and targets of the report's three-layer evaluation (DIGEST, §4.2-4.3)."""

    layer_weights: dict = mapping(
        probability(doc=""), keys=("presale", "insale", "aftersale"),
        default={"presale": 1 / 3, "insale": 1 / 3, "aftersale": 1 / 3},
        doc="Weights of the three layers; they sum to 1.")

    def _check(self, key: str) -> list[Problem]:
        return shares_sum_to_one(self.layer_weights, f"{key}.layer_weights")
