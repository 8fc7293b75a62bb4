"""Scenario parameters for outcomes: satisfaction, repurchase and the scorecard.

Defaults are from ``docs/sources.md`` §2.3 and the parameter table; each is a scenario
parameter so sensitivity runs can vary it.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import Problem
from .fields import (
    choice,
    duration,
    mapping,
    number,
    probability,
    shares_sum_to_one,
    table,
    text,
)
from .vocab import CHANNELS


@dataclass(frozen=True, kw_only=True)
class SatisfactionParams:
    """Coefficients of the case-level CSAT and repurchase model (sources.md §2.3)."""

    base_top_box: dict = mapping(
        probability(doc=""), keys=CHANNELS,
        default={"chat": 0.92, "phone": 0.88, "ticket": 0.85},
        doc="P(top box) of a resolved case with no friction, by channel (Z15).")
    per_extra_contact: float = probability(
        0.85, doc="Multiplier per contact after the first (SQM: -15% per extra call).")
    per_transfer: float = probability(0.88, doc="Multiplier per cold transfer (SQM: -12%).")
    per_discourteous: float = probability(
        0.88, doc="Multiplier per answer the consumer found discourteous (assumption: as a cold "
                  "transfer, SQM -12%; attitude is a leading driver of contact satisfaction).")
    per_revisit: float = probability(
        0.85, doc="Multiplier per field visit after the first (assumption: a revisit is a repeat "
                  "contact in the field, SQM -15% per extra contact).")
    bot_resolved: float = probability(0.94, doc="Multiplier when a bot resolved the case "
                                                "(WANG26: -0.3 stars of 5).")
    consumer_paid_fee: float = probability(0.85, doc="Multiplier when the consumer paid a "
                                                     "return fee (assumption; BM12 direction).")
    unresolved: float = probability(0.40, doc="Multiplier when not resolved (assumption; TARP).")
    abandoned: float = probability(
        0.40, doc="Multiplier when the consumer left without a remedy (abandoned, blocked, "
                  "withdrawn): counted as unresolved (sources.md §2.3 'other rules').")
    recovery_bonus: float = number(0.05, min=0.0, max=0.2,
                                   doc="Added to P(top box) when a failure was recovered "
                                       "within the SLA (dM07); never to repurchase.")
    recovery_sla: float = duration(
        "5d", doc="A recovered case earns the bonus when it closed within this of its creation "
                  "(assumption: the platform timeline 24h + 24h + 48h + 24h, sources.md §3.8 JDR).")
    wait_tolerance: dict = mapping(
        duration(doc=""), keys=CHANNELS,
        default={"chat": "50s", "phone": "25s", "ticket": "4h"},
        doc="First-response wait with no penalty, by channel (Z15; IFC 80/20; assumption "
            "for tickets).")
    wait_sharp_drop: dict = mapping(
        duration(doc=""), keys=CHANNELS,
        default={"chat": "150s", "phone": "2min", "ticket": "24h"},
        doc="Wait after which satisfaction drops sharply (Z15; C100; assumption).")
    forum_wait_tolerance: float = duration(
        "4h", doc="Wait with no penalty for a question posted in a community forum: the consumer "
                  "chose an asynchronous channel (assumption, as tickets; sources.md §6: the "
                  "community effect is hard to quantify — vary it).")
    forum_wait_sharp_drop: float = duration(
        "36h", doc="Forum wait after which satisfaction drops sharply (assumption: the staff "
                   "fall-back time, community_staff_fallback_after_h, LN).")
    wait_step: float = probability(0.95, doc="Multiplier between tolerance and sharp drop "
                                             "(sources.md §2.3 [L]).")
    wait_drop: float = probability(0.85, doc="Multiplier at the sharp drop (sources.md §2.3).")
    wait_decline_per_tolerance: float = number(
        0.05, min=0.0, max=1.0,
        doc="Further loss per extra sharp-drop-length of wait (sources.md: 0.05/min for chat).")
    wait_floor: float = probability(0.40, doc="Lowest wait multiplier (sources.md §2.3).")
    refund_expected: float = duration(
        "5d", doc="Expected time from the return request to the refund (or the replacement): "
                  "about 2 d to hand the parcel over plus 3 d from pickup to refund (sources.md "
                  "§2.3 [L]; derived).")
    repair_expected: float = duration("3d", doc="Expected time from the request to a completed "
                                                "field service (assumption).")
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
    rating_top: float = number(5.0, min=1.0, max=5.0,
                               doc="Rating of a top-box answer on the 1-5 scale (good/bad "
                                   "ratings, Z15, mapped to the scale ends; assumption).")
    rating_rest: float = number(1.0, min=1.0, max=5.0,
                                doc="Rating of any other answer (assumption).")

    def _check(self, key: str) -> list[Problem]:
        problems = []
        for channel in CHANNELS:
            tol, sharp = self.wait_tolerance.get(channel), self.wait_sharp_drop.get(channel)
            if tol is None or sharp is None:
                problems.append(Problem(f"{key}.wait_tolerance.{channel}", tol,
                                        "a tolerance and a sharp drop for every channel"))
            elif sharp < tol:
                problems.append(Problem(f"{key}.wait_sharp_drop.{channel}", sharp,
                                        f"a wait >= the tolerance ({tol:g} h)"))
            if channel not in self.base_top_box:
                problems.append(Problem(f"{key}.base_top_box.{channel}", None,
                                        "a base P(top box) for every channel"))
        if self.forum_wait_sharp_drop < self.forum_wait_tolerance:
            problems.append(Problem(f"{key}.forum_wait_sharp_drop", self.forum_wait_sharp_drop,
                                    f"a wait >= forum_wait_tolerance "
                                    f"({self.forum_wait_tolerance:g} h)"))
        if self.wait_drop > self.wait_step:
            problems.append(Problem(f"{key}.wait_drop", self.wait_drop,
                                    f"<= wait_step ({self.wait_step:g}): never rising with wait"))
        if self.rating_rest > self.rating_top:
            problems.append(Problem(f"{key}.rating_rest", self.rating_rest,
                                    f"<= rating_top ({self.rating_top:g})"))
        return problems


LAYERS = ("presale", "insale", "aftersale")


@dataclass(frozen=True, kw_only=True)
class IndicatorPart:
    """One part of an indicator measured separately (e.g. one channel), weighted by volume."""

    kpi: str = text(doc="KPI of this part (see sim.kpis()).")
    target: float = number(doc="KPI value that scores 100 (best practice or the ideal).")
    worst: float = number(doc="KPI value that scores 0.")
    volume: str = text(doc="KPI whose value weights this part (e.g. the part's contacts).")

    def _check(self, key: str) -> list[Problem]:
        if self.target == self.worst:
            return [Problem(f"{key}.worst", self.worst, "a value different from target")]
        return []


@dataclass(frozen=True, kw_only=True)
class Indicator:
    """One indicator: a KPI scored 0 at ``worst`` and 100 at ``target``, linear between.

    An indicator with ``parts`` (e.g. response speed by channel) scores each part against its
    own target and combines the parts weighted by their volume.
    """

    layer: str = choice(options=LAYERS, doc="Layer of the report's evaluation system.")
    kpi: str = text("", doc="Name of the KPI the indicator reads (see sim.kpis()); empty when "
                            "the indicator has parts.")
    target: float | None = number(None, doc="KPI value that scores 100 (best practice or the "
                                            "ideal).")
    worst: float | None = number(None, doc="KPI value that scores 0; lower than target when "
                                           "higher is better, higher when lower is better.")
    weight: float = number(1.0, min=0.0, doc="Weight within the layer (weights of a layer are "
                                             "normalised to sum to 1).")
    parts: dict = mapping(table(IndicatorPart, doc=""), default={},
                          doc="Parts scored separately and combined by volume (instead of "
                              "kpi, target and worst).")

    def _check(self, key: str) -> list[Problem]:
        if self.parts:
            if self.kpi or self.target is not None or self.worst is not None:
                return [Problem(f"{key}.parts", sorted(self.parts),
                                "either parts or kpi with target and worst, not both")]
            return []
        if not self.kpi:
            return [Problem(f"{key}.kpi", None, "the name of a KPI (or parts)")]
        if self.target is None or self.worst is None:
            return [Problem(f"{key}.target", self.target, "a target and a worst value")]
        if self.target == self.worst:
            return [Problem(f"{key}.worst", self.worst, "a value different from target")]
        return []


def _ind(layer: str, kpi: str, target: float, worst: float, weight: float = 1.0) -> dict:
    # Written as a file would write it: mapping defaults are parsed like file values.
    return {"layer": layer, "kpi": kpi, "target": target, "worst": worst, "weight": weight}


def _part(kpi: str, target: float, worst: float, volume: str) -> dict:
    return {"kpi": kpi, "target": target, "worst": worst, "volume": volume}


#: Default indicators: every indicator of the report's evaluation system (REPORT §4.2-4.3),
#: each read from the simulated quantity it is named after. ``target`` is the ideal or the
#: best practice, ``worst`` the level at which the indicator scores 0; both are chosen so that
#: the bundled designs fall between them (sim.outcomes.scorecard documents each anchor).
DEFAULT_INDICATORS = {
    # Pre-sale consultation: measured on pre-sale inquiries (before the order).
    "response_speed": {"layer": "presale", "parts": {
        # 0 = an immediate answer; worst = the wait after which satisfaction drops sharply
        # in the satisfaction model (Z15, C100; tickets: assumption).
        "phone": _part("presale_response_mean_min_phone", 0.0, 2.0, "presale_contacts_phone"),
        "chat": _part("presale_response_mean_min_chat", 0.0, 2.5, "presale_contacts_chat"),
        "ticket_forum": _part("presale_response_mean_h_async", 0.0, 24.0,
                              "presale_contacts_async")}},
    "accuracy": _ind("presale", "presale_answer_accuracy", 1.0, 0.5),   # SQM FCR 72-80%
    "attitude": _ind("presale", "presale_courtesy_rate", 1.0, 0.8),     # assumption
    # In-sale tracking: the parcels of returns and exchanges.
    "delivery_speed": _ind("insale", "parcel_transit_mean_h", 24.0, 96.0),    # §3.5: 1-4 d
    "logistics_transparency": _ind("insale", "tracking_on_time_rate", 1.0, 0.7),  # assumption
    "return_guarantee": _ind("insale", "guarantee_kept_rate", 1.0, 0.5),      # §4.1; M7; SB
    # After-sale rights protection.
    # 0 = the ideal (settled at once); 120 h = the platform's whole intervention timeline
    # (24 h + 24 h + 48 h + 24 h, JDR). The first step's 24 h is no target: every bundled
    # design settles within it on average, so it would score 100 for all.
    "complaint_speed": _ind("aftersale", "complaint_handling_mean_h", 0.0, 120.0),
    "complaint_resolution": _ind("aftersale", "complaint_resolution_rate", 1.0, 0.5),  # CCA
    "complaint_satisfaction": _ind("aftersale", "csat_mean_complained", 5.0, 1.0),  # 1-5 scale
    "channel_diversity": _ind("aftersale", "channels_used", 4.0, 1.0),  # REPORT: phone, chat,
}                                                                        # email/ticket, forum


@dataclass(frozen=True, kw_only=True)
class ScorecardParams:
    """Weights and targets of the report's three-layer evaluation (REPORT, §4.2-4.3)."""

    layer_weights: dict = mapping(
        probability(doc=""), keys=("presale", "insale", "aftersale"),
        default={"presale": 1 / 3, "insale": 1 / 3, "aftersale": 1 / 3},
        doc="Weights of the three layers; they sum to 1 (REPORT: weights adjustable; "
            "assumption: equal).")
    indicators: dict = mapping(
        table(Indicator, doc=""), default=DEFAULT_INDICATORS,
        doc="Indicators by name: layer, KPI, target (scores 100), worst (scores 0), weight "
            "within the layer. Defaults from sources.md §5 benchmarks (see sim.outcomes."
            "scorecard for the mapping and sources).")

    def _check(self, key: str) -> list[Problem]:
        problems = shares_sum_to_one(self.layer_weights, f"{key}.layer_weights")
        if set(self.layer_weights) != set(LAYERS):
            problems.append(Problem(f"{key}.layer_weights", dict(self.layer_weights),
                                    "a weight for each of " + ", ".join(LAYERS)))
        for layer in LAYERS:
            weights = [i.weight for i in self.indicators.values() if i.layer == layer]
            if not weights or sum(weights) <= 0:
                problems.append(Problem(f"{key}.indicators", sorted(self.indicators),
                                        f"at least one indicator with weight > 0 in layer "
                                        f"{layer!r}"))
        # KPI names are checked by sim.outcomes.scorecard (the registry lives downstream).
        return problems
