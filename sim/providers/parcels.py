"""Return logistics shared by every logistics provider: the parcel mechanics.

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

The archetypes (:mod:`sim.providers.in_house.logistics`,
:mod:`sim.providers.third_party_logistics`) subclass :class:`ParcelLogistics` and override its
hooks (capacity, extra transit, the fee, a leg's delay).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator

import numpy as np

from ..config.distributions import Dist
from ..config.errors import Problem
from ..config.policy import FREIGHT_PAYERS
from ..config.units import DAY
from .base import Provider
from .tracking import Tracker

#: ``policy``: the scenario's policy decides; otherwise the design's logistics does.
PAYER_OPTIONS = ("policy", *FREIGHT_PAYERS)

#: What :meth:`ParcelLogistics.collect_return` returns when the goods were received and the
#: wait after the inspection is over too (true, like True).
RECEIVED_AND_WAITED = 2


def check_pickup_hour(pickup_hour: Dist, key: str) -> list[Problem]:
    """The pickup time of day must lie within a day (a bounded distribution)."""
    top = float(pickup_hour.ppf(1.0 - 1e-12))
    if top > DAY + 1e-9:
        return [Problem(key, pickup_hour.kind, "a time of day between 0h and 24h (a bounded "
                                               "distribution: uniform, triangular, "
                                               "deterministic, empirical)")]
    return []


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
        # day -> capacity_on(day): it reads the scenario's schedule (and, for a carrier, its
        # parameters now), so it holds until the parameters change.
        self._capacity: dict[int, float] = {}
        self._book_fee = world.ledger.booker("logistics", "variable")
        self.awaiting_pickup = 0

    def apply_params(self, params) -> None:
        """New parameters (a scenario event); the tracker reads its own table."""
        super().apply_params(params)
        self.tracker.params = params.tracking
        self._capacity.clear()

    def slots_on(self, day: int) -> float:
        """:meth:`capacity_on` ``day``, computed once per day while the parameters hold."""
        slots = self._capacity.get(day)
        if slots is None:
            slots = self._capacity[day] = self.capacity_on(day)
        return slots

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

    def leg_transit(self, case: int, k: int, handed_at: float, transit: float,
                    replacement: bool) -> float:
        """Transit of the ``k``-th parcel leg of ``case`` handed over at ``handed_at``.

        ``transit`` is the draw from the provider's transit now; by default it is lengthened by
        :meth:`extra_transit`. The carrier also books what a disruption costs (expedites,
        compensation) here, once per leg.
        """
        return transit + self.extra_transit(handed_at)

    def freight_payer(self) -> str:
        """Who pays return freight with this provider (its own choice, or the policy's)."""
        payer = self.params.freight_payer
        return self.world.scenario.policy.return_freight_payer if payer == "policy" else payer

    # --- the service ------------------------------------------------------------------------
    def collect_return(self, case: int, *, seller_pays: bool = True, refund: bool = True,
                       drop_off_delay: float | None = None,
                       on_handover: Callable[[int, float], None] | None = None,
                       after_inspection: float = 0.0) -> Generator:
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
        after_inspection : float
            A wait the case makes at once after the inspection (the refund's posting), as the
            caller knows it now. Where nothing can intervene (no hand-over callback ran, no
            scenario event changes parameters from now to its end, its end inside the run
            and exactly when consecutive timeouts would end), the last timeout includes it
            and the result is :data:`RECEIVED_AND_WAITED` (true, like received).
        """
        rec, draws, env = self.world.records, self.world.draws, self.env
        called = env.now
        k = self._parcels.item(case)  # a Python int, not a numpy scalar
        self._parcels[case] = k + 1
        if drop_off_delay is None:
            at = self._book_pickup(case, k)
            self.awaiting_pickup += 1
            try:
                yield env.timeout(max(at - env.now, 0.0))
            finally:
                self.awaiting_pickup -= 1
        else:
            yield env.timeout(drop_off_delay)
        handed = env.now
        p = self.params  # the parameters in force at the hand-over (scenario events)
        rec["return_sent"][case] = True
        rec["picked_up_at"][case] = handed
        if seller_pays:
            self._book_fee(case, handed, self.parcel_fee(handed))
        lost = draws.uniform("logistics/loss", case, k) < p.loss_probability
        transit = draws.value("logistics/transit", p.transit, case, k)
        arrival = handed + self.leg_transit(case, k, handed, transit, replacement=False)
        first_scan, delivery_scan = self.tracker.scan_leg(case, k, handed, arrival, lost)
        handed_over = on_handover is not None and math.isfinite(first_scan)
        if handed_over:
            on_handover(case, first_scan)
        if not lost:
            inspection = draws.value("logistics/inspection", p.inspection, case, k)
            now = env.now
            received = now + (arrival - now)  # exactly when a timeout to the arrival would fire
            inspected = received + inspection
            after = self._after_inspection(called, inspected, after_inspection, handed_over)
        refunded = math.inf if lost or after is None else after  # certain to be posted then
        self.tracker.watch_parcel(case, handed, delivery_scan, refunded_at=refunded)
        if refund:
            self.tracker.watch_refund(case, handed, refunded_at=refunded)
        if lost:
            yield from self._lose(case)
            return False
        if after is not None:
            rec["goods_received_at"][case] = received
            yield env.timeout(after - now)
            return RECEIVED_AND_WAITED
        if now + (inspected - now) == inspected and inspected < self.world.end:
            # Nothing waits for the arrival itself: one timeout to the end of the inspection,
            # the receipt time set arithmetically (exact: checked above; and inside the run,
            # so a case censored at the end keeps the receipt it would have had).
            rec["goods_received_at"][case] = received
            yield env.timeout(inspected - now)
            return True
        yield env.timeout(arrival - now)
        rec["goods_received_at"][case] = env.now
        yield env.timeout(inspection)
        return True

    def _after_inspection(self, called: float, inspected: float, wait: float,
                          handed_over: bool) -> float | None:
        """When the wait after the inspection ends, if collect_return may include it (see
        its ``after_inspection``); else None."""
        if wait <= 0 or handed_over:
            return None
        now = self.env.now
        after = inspected + wait
        if now + (after - now) == after and after < self.world.end \
                and self.world.steady(called, after):
            return after
        return None

    def ship_replacement(self, case: int, *, seller_pays: bool = True) -> Generator:
        """Dispatch and deliver a replacement; sets ``replacement_shipped_at`` and
        ``replacement_at``. The seller pays its freight unless ``seller_pays`` is False."""
        p, draws, env, rec = self.params, self.world.draws, self.env, self.world.records
        k = self._parcels.item(case)
        self._parcels[case] = k + 1
        yield env.timeout(draws.value("logistics/dispatch", p.dispatch, case, k))
        shipped = env.now
        p = self.params  # in force when the replacement leaves (scenario events)
        rec["replacement_shipped_at"][case] = shipped
        if seller_pays:
            self._book_fee(case, shipped, self.parcel_fee(shipped))
        transit = draws.value("logistics/delivery", p.transit, case, k)
        arrival = shipped + self.leg_transit(case, k, shipped, transit, replacement=True)
        self.tracker.scan_leg(case, k, shipped, arrival)
        self.tracker.watch_parcel(case, shipped, arrival, physical=True)
        yield env.timeout(arrival - env.now)
        rec["replacement_at"][case] = env.now

    def _book_pickup(self, case: int, k: int) -> float:
        """Book the first day with a free slot (see the module docstring); the pickup time."""
        now = self.env.now
        today = int(math.floor(now / DAY))
        day = today if now - today * DAY < self.params.pickup_cutoff_hour else today + 1
        booked = self._booked
        while booked.get(day, 0) >= self.slots_on(day):
            day += 1
        booked[day] = booked.get(day, 0) + 1
        return day * DAY + self.world.draws.value("logistics/pickup_hour",
                                                  self.params.pickup_hour, case, k)

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
