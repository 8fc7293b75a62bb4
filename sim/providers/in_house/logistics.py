"""Return logistics: the shared parcel mechanics, and the in-house fleet and warehouse.

A return parcel goes through four steps (:meth:`ParcelLogistics.collect_return`):

1. **Hand-over.** A pickup is booked when the return is approved. Rule: a request made before
   ``pickup_cutoff_hour`` on day d may be collected on day d, a later one from day d+1; each day
   has ``pickup_capacity_per_day`` slots and a request takes the first day from there with a
   free slot, so a backlog rolls over to the following days in request order. On its day the
   parcel is collected at ``pickup_hour`` (a time of day), never before the request. A consumer
   using a drop-off point (the ``drop_off`` overlay) hands the parcel over after their own
   delay instead and takes no pickup slot.
2. **Transit** to the warehouse; ``goods_received_at`` is the arrival.
3. **Inspection** at the warehouse, after which the refund can be posted.
4. A parcel may be **lost** (``loss_probability``): the loss is known ``loss_detected_after``
   the hand-over, the consumer contacts again (the design's contact stage), and the platform
   compensates (penalty) and refunds anyway: the risk is the platform's.

Every leg (the return, a replacement) is tracked (:mod:`sim.providers.tracking`): pickup, hub
and delivery scans with the provider's ``tracking`` lag and losses, and the consumer's watch
that turns an overdue parcel or refund without news into a "where is my parcel / refund"
contact. ``picked_up_at`` is the hand-over, ``replacement_shipped_at`` the replacement's.

Who pays the parcel is a design choice (``freight_payer``, default: the policy's); the journey
asks :meth:`ParcelLogistics.freight_payer` and tells the provider (``seller_pays``). When the
consumer pays the fee or freight insurance pays the carrier, the platform books no parcel cost
(for the in-house fleet the consumer's fee is taken to cover its marginal cost).

The in-house archetype (JD-like own fleet and warehouse) adds a fixed fleet cost per day and
integrated scanning (no lag, few lost scans), so the ``instant_refund`` overlay refunds at the
moment of pickup; with a carrier it refunds when the first scan reaches the platform.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from dataclasses import dataclass

import numpy as np

from ...config.distributions import Dist
from ...config.errors import Problem
from ...config.fields import choice, dist, duration, money, number, probability, table
from ...config.policy import FREIGHT_PAYERS
from ...config.registry import register_provider
from ...config.units import DAY
from ..base import Provider
from ..staffing import book_daily
from ..tracking import Tracker, TrackingParams

#: ``policy``: the scenario's policy decides; otherwise the design's logistics does.
PAYER_OPTIONS = ("policy", *FREIGHT_PAYERS)


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


def check_pickup_hour(pickup_hour: Dist, key: str) -> list[Problem]:
    """The pickup time of day must lie within a day (a bounded distribution)."""
    top = float(pickup_hour.ppf(1.0 - 1e-12))
    if top > DAY + 1e-9:
        return [Problem(key, pickup_hour.kind, "a time of day between 0h and 24h (a bounded "
                                               "distribution: uniform, triangular, "
                                               "deterministic, empirical)")]
    return []


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


class ParcelLogistics(Provider):
    """Shared mechanics of return logistics (see the module docstring)."""

    stage = "logistics"

    def __init__(self, world, params, name: str):
        super().__init__(world, params, name)
        rec = world.records
        self._parcels = rec.add("parcels", "i2", 0, "parcels carried for the case "
                                                     "(returns and replacements)")
        self._lost = rec.add("parcel_lost", "?", False, "the return parcel was lost")
        self.tracker = Tracker(self)
        self._booked: dict[int, int] = {}
        self.awaiting_pickup = 0

    def apply_params(self, params) -> None:
        """New parameters (a scenario event); the tracker reads its own table."""
        super().apply_params(params)
        self.tracker.params = params.tracking

    # --- hooks the archetypes override ------------------------------------------------------
    def capacity_on(self, day: int) -> float:
        """Pickup slots on ``day`` (as scenario events leave them at the start of that day)."""
        return self.params_at(day * DAY).pickup_capacity_per_day

    def extra_transit(self, handed_at: float) -> float:
        """Extra transit delay of a parcel handed over at ``handed_at``."""
        return 0.0

    def parcel_fee(self, at: float) -> float:
        """The fee of a parcel handed over at ``at`` (the carrier adds peak surcharges)."""
        return self.params.cost_per_parcel

    def leg_delay(self, case: int, handed_at: float, replacement: bool) -> float:
        """Extra transit of the parcel leg of ``case`` handed over at ``handed_at``.

        By default :meth:`extra_transit`; the carrier also books what a disruption costs
        (expedites, compensation) here, once per leg.
        """
        return self.extra_transit(handed_at)

    def freight_payer(self) -> str:
        """Who pays return freight with this provider (its own choice, or the policy's)."""
        payer = self.params.freight_payer
        return self.world.scenario.policy.return_freight_payer if payer == "policy" else payer

    # --- the service ------------------------------------------------------------------------
    def collect_return(self, case: int, *, seller_pays: bool = True, refund: bool = True,
                       drop_off_delay: float | None = None,
                       on_handover: Callable[[int, float], None] | None = None
                       ) -> Generator:
        """Collect the return parcel of ``case``; True when the goods were received.

        Parameters
        ----------
        case : int
            Case index.
        seller_pays : bool
            The platform pays the parcel (seller, free pickup); else the consumer or freight
            insurance does and no parcel cost is booked.
        refund : bool
            The return ends in a refund (the consumer watches for it); False for an exchange.
        drop_off_delay : float, optional
            The consumer drops the parcel off after this (h) instead of waiting for a pickup.
        on_handover : callable, optional
            Called as ``on_handover(case, scan_at)`` at the hand-over; ``scan_at`` is when the
            platform sees the first scan of the parcel (used by the ``instant_refund``
            overlay). Not called when no scan of the parcel ever reaches the platform.
        """
        p, rec, draws, env = self.params, self.world.records, self.world.draws, self.env
        k = int(self._parcels[case])
        self._parcels[case] += 1
        if drop_off_delay is None:
            yield from self._pickup(case, k)
        else:
            yield env.timeout(drop_off_delay)
        handed = env.now
        rec["return_sent"][case] = True
        rec["picked_up_at"][case] = handed
        if seller_pays:
            self.world.ledger.charge(case=case, time=handed, component="logistics",
                                     kind="variable", amount=self.parcel_fee(handed))
        lost = draws.uniform("logistics/loss", case, k) < p.loss_probability
        transit = draws.value("logistics/transit", p.transit, case, k)
        arrival = handed + transit + self.leg_delay(case, handed, replacement=False)
        first_scan, delivery_scan = self.tracker.scan_leg(case, k, handed, arrival, lost)
        if on_handover is not None and math.isfinite(first_scan):
            on_handover(case, first_scan)
        self.tracker.watch_parcel(case, handed, delivery_scan)
        if refund:
            self.tracker.watch_refund(case, handed)
        if lost:
            yield from self._lose(case)
            return False
        yield env.timeout(arrival - env.now)
        rec["goods_received_at"][case] = env.now
        yield env.timeout(draws.value("logistics/inspection", p.inspection, case, k))
        return True

    def ship_replacement(self, case: int, *, seller_pays: bool = True) -> Generator:
        """Dispatch and deliver a replacement; sets ``replacement_shipped_at`` and
        ``replacement_at``. The seller pays its freight unless ``seller_pays`` is False."""
        p, draws, env, rec = self.params, self.world.draws, self.env, self.world.records
        k = int(self._parcels[case])
        self._parcels[case] += 1
        yield env.timeout(draws.value("logistics/dispatch", p.dispatch, case, k))
        shipped = env.now
        rec["replacement_shipped_at"][case] = shipped
        if seller_pays:
            self.world.ledger.charge(case=case, time=shipped, component="logistics",
                                     kind="variable", amount=self.parcel_fee(shipped))
        transit = draws.value("logistics/delivery", p.transit, case, k)
        arrival = shipped + transit + self.leg_delay(case, shipped, replacement=True)
        self.tracker.scan_leg(case, k, shipped, arrival)
        self.tracker.watch_parcel(case, shipped, arrival, physical=True)
        yield env.timeout(arrival - env.now)
        rec["replacement_at"][case] = env.now

    def _pickup(self, case: int, k: int) -> Generator:
        """Book the first day with a free slot (see the module docstring) and wait for it."""
        env = self.env
        now = env.now
        today = int(math.floor(now / DAY))
        day = today if now - today * DAY < self.params.pickup_cutoff_hour else today + 1
        while self._booked.get(day, 0) >= self.capacity_on(day):
            day += 1
        self._booked[day] = self._booked.get(day, 0) + 1
        at = day * DAY + self.world.draws.value("logistics/pickup_hour", self.params.pickup_hour,
                                                case, k)
        self.awaiting_pickup += 1
        try:
            yield env.timeout(max(at - now, 0.0))
        finally:
            self.awaiting_pickup -= 1

    def _lose(self, case: int) -> Generator:
        """A lost parcel: found out, the consumer contacts again, the platform compensates."""
        p, world = self.params, self.world
        yield self.env.timeout(p.loss_detected_after)
        self._lost[case] = True
        value = float(np.nan_to_num(world.cases.order_value[case]))
        world.ledger.charge(case=case, time=self.env.now, component="logistics", kind="penalty",
                            amount=p.loss_compensation + p.loss_write_off * value)
        yield from world.stage("contact").serve(case)

    def queue_lengths(self) -> dict[str, int]:
        return {f"logistics:{self.name}:pickup": self.awaiting_pickup}


@register_provider("in_house", "logistics", InHouseLogisticsParams)
class InHouseLogistics(ParcelLogistics):
    """Own fleet and warehouse (JD-like): pickups with daily capacity, fast transit, own
    inspection, a fixed fleet cost per day, pickup scans seen at once (refund at pickup)."""

    def finish(self) -> None:
        """Book the fleet and warehouse, on duty all day, as fixed cost day by day."""
        book_daily(self.world, "logistics:fleet", self.params.fleet_cost_per_day, staffed=True)

    def staff_rates(self) -> dict[str, float]:
        return {"logistics:fleet": self.params.fleet_cost_per_day / 24.0}
