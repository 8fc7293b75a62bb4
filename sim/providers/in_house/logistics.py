"""The in-house fleet and warehouse (JD-like): own pickups, fast steady transit, fixed cost.

The parcel mechanics are shared with every logistics provider (:class:`~sim.providers.parcels.
ParcelLogistics`: pickup booking, transit, inspection, losses, tracking). The in-house archetype
adds a fixed fleet cost per day and integrated scanning (no lag, few lost scans), so the
``instant_refund`` overlay refunds at the moment of pickup; with a carrier it refunds when the
first scan reaches the platform.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...config.distributions import Dist
from ...config.errors import Problem
from ...config.fields import choice, dist, duration, money, number, probability, table
from ..parcels import PAYER_OPTIONS, ParcelLogistics, check_pickup_hour
from ..registry import register_provider
from ..staffing import book_daily
from ..tracking import TrackingParams

__all__ = ["PAYER_OPTIONS", "InHouseLogistics", "InHouseLogisticsParams", "OwnTrackingParams",
           "ParcelLogistics", "check_pickup_hour"]


@dataclass(frozen=True, kw_only=True)
class OwnTrackingParams(TrackingParams):
    """Tracking of an own fleet: the platform's own handhelds upload at once."""

    scan_lag: Dist = dist("0h", doc="Event to scan visible on the platform (assumption: "
                                    "integrated systems, no batch uploads).")
    promised_scan_lag: float = duration("15min", doc="Promised upload delay; later scans "
                                                     "count as late (assumption).")
    missing_probability: float = probability(
        0.005, doc="P(a scan never reaches the platform) (assumption: well below a carrier's, "
                   "best quality control in-house).")


@dataclass(frozen=True, kw_only=True)
class InHouseLogisticsParams:
    """Own fleet and warehouse: next-day pickups, fast transit, fixed fleet cost."""

    pickup_capacity_per_day: float = number(
        2000.0, min=1.0, unit="parcels/day",
        doc="Pickups the fleet makes per day; excess rolls over to the next day (assumption: "
            "size it to the scenario's volume).")
    pickup_cutoff_hour: int = number(
        12, integer=True, min=0, max=24,
        doc="Requests before this hour can be picked up the same day, later ones the next day "
            "(sources.md §3.5: same day - 2 d; §6: next-day self-pickup; assumption).")
    pickup_hour: Dist = dist({"dist": "uniform", "min": "9h", "max": "18h"},
                             doc="Time of day of the pickup (assumption).")
    transit: Dist = dist({"dist": "lognormal", "mean": "36h", "sd": "11h"},
                         doc="Transit to the warehouse (sources.md §6: lognormal sigma 0.3 for "
                             "self-built; mean assumption, below the 2.5 d of §3.5).")
    inspection: Dist = dist({"dist": "triangular", "min": "2h", "mode": "12h", "max": "2d"},
                            doc="Inspection at the own warehouse (sources.md §3.5: 1 d, 0-3 d; "
                                "faster in-house, assumption).")
    dispatch: Dist = dist("6h", doc="Pick and pack a replacement (assumption).")
    cost_per_parcel: float = money(
        5.0, doc="Marginal cost of the own fleet per parcel (assumption, below the ¥8 "
                 "negotiated carrier rate of JAVY).")
    fleet_cost_per_day: float = money(
        4000.0, doc="Fixed fleet and warehouse cost per day (assumption).")
    loss_probability: float = probability(
        0.005, doc="P(a return parcel is lost or damaged) (assumption; below the 2-5% of "
                   "carriers, sources.md §6).")
    loss_detected_after: float = duration(
        "5d", doc="The loss is known this long after the hand-over (assumption).")
    loss_compensation: float = money(
        20.0, doc="Goodwill compensation to the consumer per lost parcel (assumption).")
    loss_write_off: float = probability(
        1.0, doc="Share of the order value written off per lost parcel (own fleet: own risk; "
                 "assumption).")
    freight_payer: str = choice(
        "policy", options=PAYER_OPTIONS,
        doc="Who pays return freight with this provider (a design choice: own-fleet free "
            "pickup, a carrier with consumer-paid freight, freight insurance); `policy` takes "
            "`policy.return_freight_payer` (CPL Art. 25, M7 Art. 18: the consumer unless "
            "agreed).")
    tracking: OwnTrackingParams = table(
        OwnTrackingParams, default={},
        doc="Tracking scans (own handhelds: no lag, 0.5% lost scans; assumption).")

    def _check(self, key: str) -> list[Problem]:
        return check_pickup_hour(self.pickup_hour, f"{key}.pickup_hour")


@register_provider("in_house", "logistics", InHouseLogisticsParams)
class InHouseLogistics(ParcelLogistics):
    """Own fleet and warehouse (JD-like): pickups with daily capacity, fast transit, own
    inspection, a fixed fleet cost per day, pickup scans seen at once (refund at pickup)."""

    def finish(self) -> None:
        """Book the fleet and warehouse, on duty all day, as fixed cost day by day."""
        book_daily(self.world, "logistics:fleet", self.params.fleet_cost_per_day, staffed=True)

    def staff_rates(self) -> dict[str, float]:
        return {"logistics:fleet": self.params.fleet_cost_per_day / 24.0}
