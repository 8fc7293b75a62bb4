"""Policies: the rules a case is held to, as scenario parameters (docs/sources.md §4).

Defaults follow Chinese law and platform rules; the ``eu_rules`` scenario sets EU values.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .fields import choice, duration, mapping, money, number, probability
from .vocab import CASE_TYPES

FREIGHT_PAYERS = ("consumer", "seller", "insured", "free_pickup")


@dataclass(frozen=True, kw_only=True)
class Policy:
    """Return, refund, repair and escalation rules, and who pays return freight."""

    # Returns and refunds -----------------------------------------------------------------
    return_window: float = duration(
        "7d", doc="No-reason return window (CPL Art. 25; M7 Art. 10; EU CRD Art. 9: 14d).")
    window_start: str = choice(
        "day_after_signing", options=("day_after_signing", "day_of_possession"),
        doc="When the window starts: CN counts from the day after signing (M7 Art. 10), "
            "the EU from physical possession (CRD Art. 9).")
    refund_deadline: float = duration(
        "7d", doc="Statutory refund deadline (CPL Art. 25, M7 Art. 13: 7 d after receipt; "
                  "EU CRD Art. 13: 14 d from notice).")
    refund_deadline_from: str = choice(
        "receipt", options=("receipt", "notice"),
        doc="What the refund deadline counts from: receipt of the goods (CN) or the "
            "withdrawal notice (EU).")
    refund_penalty_after: float = duration(
        "15d", doc="Refund later than this after receipt is penalised (M7 Art. 31).")
    refund_breach_penalty: float = money(
        500.0, doc="Penalty per refund past refund_penalty_after (assumption; CPL Art. 56 "
                   "fines are case by case).")
    approval_time: float = duration(
        "4h", doc="Seller approval of a return request when approved by staff (assumption).")
    approval_timeout: float = duration(
        "48h", doc="Request auto-approved after this (platform pattern, docs/sources.md "
                   "§3.5; JD 24 h).")
    refund_posting: float = duration(
        "2d", doc="Refund to bank card (WX/Alipay docs: 1-3 working days).")

    # Return freight -----------------------------------------------------------------------
    return_freight_payer: str = choice(
        "consumer", options=FREIGHT_PAYERS,
        doc="Who pays return freight (CPL Art. 25, M7 Art. 18: the consumer unless agreed).")
    consumer_return_fee: float = money(
        12.0, doc="Price the consumer pays for a return parcel (assumption, sources.md).")
    fee_deterrence: float = probability(
        0.20, doc="Probability a consumer who must pay the fee gives up a wanted return "
                  "(assumption; range 0.1-0.4).")
    insurance_premium_per_order: float = money(
        0.3, doc="Seller's freight-insurance premium per order (HB2B: from 0.3).")
    insured_return_uplift: float = number(
        0.15, min=0.0, max=1.0,
        doc="Relative increase of returns when freight is insured (assumption; YC).")

    # Inspection, fraud, quality faults, refund-only (sim/journeys/returns.py) -------------
    inspection_reject: float = probability(
        0.02, doc="Share of honest returns rejected at inspection: used or damaged goods, no "
                  "refund (assumption).")
    inspection_partial: float = probability(
        0.05, doc="Share of honest returns refunded only in part (assumption).")
    partial_refund_csat: float = probability(
        0.7, doc="Satisfaction factor of a partial refund (assumption).")
    return_fraud_share: float = probability(
        0.01, doc="Share of returns that are fraud: empty boxes, swapped items (assumption; "
                  "JAVY: freight-insurance fraud rings exist).")
    fraud_detection: float = probability(
        0.7, doc="Share of fraudulent returns the inspection catches (assumption).")
    quality_fault_share: float = probability(
        0.3, doc="Share of return requests for a quality fault (not as described, defective), "
                 "whose freight the seller pays (CPL Art. 24; share assumption).")
    refund_only_below: float = money(
        0.0, doc="Returns of orders below this value are refunded without sending the goods "
                 "back (仅退款, a platform lever; 0: off; assumption).")

    # Where is my parcel / refund (consumer behaviour; sim/providers/tracking.py) -----------
    parcel_expected: float = duration(
        "3d", doc="Hand-over to arrival a consumer expects of a parcel (sources.md §3.5: "
                  "transit 2.5 d, 1-4 d).")
    refund_expected: float = duration(
        "3d", doc="Arrival of a return to its refund a consumer expects (sources.md §3.5: "
                  "inspection 1 d + bank-card posting 2 d, derived).")
    wismo_probability: float = probability(
        0.3, doc="P(a consumer whose parcel or refund is overdue, with no tracking news, "
                 "contacts the platform at a check) (assumption; sources.md §3.2: 'where is "
                 "my order' is 35-45% of inquiries, KRI).")
    wismo_news_window: float = duration(
        "24h", doc="A scan that became visible this recently counts as news and stops the "
                   "consumer from contacting (assumption).")
    wismo_recheck: float = duration(
        "1d", positive=True, doc="Time between a consumer's checks while it is overdue "
                                 "(assumption).")
    wismo_max_contacts: int = number(
        2, integer=True, min=0, doc="Most 'where is my parcel / refund' contacts per case "
                                    "(assumption).")

    # Repairs (three guarantees, 三包) --------------------------------------------------------
    failed_repairs_before_exchange: int = number(
        2, integer=True, min=1, doc="After this many failed repairs: exchange or return (SB).")
    repair_return_within: float = duration("7d", doc="Fault within this of sale: return (SB).")
    repair_exchange_within: float = duration(
        "15d", doc="Fault within this of sale: exchange or repair (SB).")
    early_remedy_choice: float = probability(
        0.0, doc="Share of consumers with an early fault (within repair_exchange_within) who "
                 "take the return or exchange instead of a repair (no published share: 0, "
                 "repairs first, unless a scenario sets it; the baseline assumes 0.5).")
    field_sla: float = duration(
        "72h", doc="Target for a visit after booking (JD 24 h install promise; assumption).")

    # Complaints and escalation -----------------------------------------------------------
    complaint_probability: float = probability(
        0.25, doc="Probability a failed case (unresolved, abandoned, deadline missed) raises a "
                  "complaint (assumption; platform intervention ~2% of cases).")
    escalation_after: float = duration(
        "24h", doc="Consumer may ask the platform to intervene after this (JDR).")
    merchant_response: float = duration("24h", doc="Merchant answers a dispute within (JDR).")
    platform_ruling: float = duration("48h", doc="Platform rules within (EBAY 48 h; JDR).")
    ruling_execution: float = duration("24h", doc="Ruling executed within (JDR).")
    authority_probability: float = probability(
        0.01, doc="Share of platform complaints that reach the authorities (12315; derived, "
                  "docs/sources.md §3.8).")
    authority_accept: float = duration("9d", doc="Authority accepts within 7 working days "
                                                 "(CPLR Art. 46) = 9 calendar days.")
    authority_mediation: float = duration("60d", doc="Mediation ends within (CPLR Art. 46).")
    complaint_resolution_rate: float = probability(
        0.70, doc="Share of complaints resolved in the consumer's favour (CCA 2024: 66-72%).")

    # Service targets ---------------------------------------------------------------------
    sla: dict = mapping(
        duration(doc=""), keys=CASE_TYPES,
        default={"inquiry": "24h", "presale": "24h", "return_refund": "10d", "exchange": "12d",
                 "repair": "7d", "installation": "72h", "maintenance": "7d", "complaint": "5d"},
        doc="Service target from request to resolution, per case type; within it a case is "
            "resolved 'quickly' (TARP) and counts for sla_attainment. Inquiry and pre-sale 24 h "
            "(sources.md §2.3, §5); return 10 d = approval 48 h + pickup 1 d + transit 2.5 d + "
            "inspection 1 d + posting 2 d (§3.5, derived); exchange 12 d and maintenance 7 d "
            "(assumption); repair 7 d (assumption); installation 72 h (field_sla); complaint "
            "5 d = JDR merchant 24 h + ruling 48 h + execution 24 h + 1 d (derived).")

    def sla_hours(self, case_types) -> np.ndarray:
        """The service target (h) of each case type name in ``case_types``."""
        return np.array([self.sla.get(str(t), np.inf) for t in case_types], dtype=float)
