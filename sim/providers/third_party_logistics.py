"""Third-party logistics: a carrier collects returns for a per-parcel fee.

Same parcel mechanics as the in-house fleet (:class:`~sim.providers.in_house.logistics.
ParcelLogistics`: pickup booking with a cut-off hour and a daily capacity whose excess rolls
over, transit, inspection at the seller's warehouse, lost parcels with re-contact and
compensation, tracking scans), with the carrier's characteristics (docs/sources.md §6): a
fee per parcel and no fixed cost, a professional network that is faster in the typical case
but heavier-tailed (lognormal sigma 0.6 against the own fleet's 0.3), a higher loss rate, scans
that reach the platform late or never (``tracking``), and an optional ``disruption``
(weather, strike, peak collapse): a window in which pickup capacity is multiplied by
``capacity_multiplier`` and parcels handed over get ``extra_delay`` of transit.

Dependence costs money: the fee carries a ``peak_surcharge`` during promotions and the return
wave after them (``peak_tail``), and a parcel handed over while the carrier is **disrupted**
(its pickup capacity that day below the contracted one, or transit slower than contracted,
whether a ``disruption`` table or a scenario event causes it) costs ``disruption_compensation``
to the consumer, except a replacement the platform **expedites** instead (``expedite_cost``, at
the contracted transit). The "where is my parcel"
re-contacts of late parcels come from the tracking model.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..config.distributions import Dist
from ..config.errors import Problem
from ..config.fields import choice, dist, duration, money, number, probability, table
from ..config.units import DAY
from .parcels import PAYER_OPTIONS, ParcelLogistics, check_pickup_hour
from .registry import register_provider
from .tracking import TrackingParams


@dataclass(frozen=True, kw_only=True)
class Disruption:
    """A carrier disruption: less pickup capacity and slower transit for a while."""

    start: float = duration(doc="When it starts, from the start of the run.")
    length: float = duration(doc="How long it lasts.", positive=True)
    capacity_multiplier: float = number(
        0.5, min=0.0, max=1.0, doc="Factor on the daily pickup capacity of days it touches "
                                   "(assumption).")
    extra_delay: float = duration(
        "2d", doc="Extra transit of parcels handed over during it (assumption).")


@dataclass(frozen=True, kw_only=True)
class CarrierParams:
    """A contracted carrier: fee per parcel, cut-off, congestion, heavy-tailed transit, losses."""

    pickup_capacity_per_day: float = number(
        1500.0, min=1.0, unit="parcels/day",
        doc="Pickups the carrier makes per day for the platform; excess rolls over "
            "(congestion at peaks; assumption: size it to the scenario's volume).")
    pickup_cutoff_hour: int = number(
        12, integer=True, min=0, max=24,
        doc="Requests after this hour are picked up the next day (sources.md §3.5: pickup next "
            "day, same day - 2 d; assumption).")
    pickup_hour: Dist = dist({"dist": "uniform", "min": "9h", "max": "20h"},
                             doc="Time of day of the pickup (assumption).")
    transit: Dist = dist({"dist": "lognormal", "mean": "33.5h", "sd": "22.2h"},
                         doc="Transit to the warehouse: median 28 h, below the own fleet's "
                             "34 h (a professional network is faster in the typical case, "
                             "the source report's claim; assumption), with the heavier tail of "
                             "sources.md §6 (lognormal sigma 0.6; p90 60 h against 51 h).")
    inspection: Dist = dist({"dist": "triangular", "min": "4h", "mode": "1d", "max": "3d"},
                            doc="Inspection at the seller's warehouse (sources.md §3.5: 1 d, "
                                "0-3 d).")
    dispatch: Dist = dist("12h", doc="Pick, pack and hand a replacement to the carrier "
                                     "(assumption).")
    cost_per_parcel: float = money(8.0, doc="Negotiated fee per parcel (JAVY: about ¥8).")
    loss_probability: float = probability(
        0.03, doc="P(a return parcel is lost or damaged) (sources.md §6: 2-5%, [L]).")
    loss_detected_after: float = duration(
        "5d", doc="The loss is known this long after the hand-over (assumption).")
    loss_compensation: float = money(
        20.0, doc="Goodwill compensation to the consumer per lost parcel (assumption).")
    loss_write_off: float = probability(
        0.5, doc="Share of the order value the platform writes off per lost parcel; the "
                 "carrier's liability covers the rest (assumption).")
    freight_payer: str = choice(
        "policy", options=PAYER_OPTIONS,
        doc="Who pays return freight with this carrier (a design choice); `policy` takes "
            "`policy.return_freight_payer` (CPL Art. 25, M7 Art. 18).")
    tracking: TrackingParams = table(
        TrackingParams, default={},
        doc="Tracking scans: batch uploads with a heavy-tailed lag, 5% lost scans "
            "(assumption; quality hard to control).")
    peak_surcharge: float = number(
        1.2, min=1.0, doc="Factor on the per-parcel fee for parcels handed over during a "
                          "promotion or its return wave (assumption: carriers price the "
                          "Double 11 season up; no published figure found).")
    peak_tail: float = duration(
        "10d", doc="How long after a promotion the surcharge lasts (sources.md §3.9: the "
                   "returns peak comes 3-10 days after the order peak).")
    disruption_compensation: float = money(
        10.0, doc="Compensation (a coupon) per parcel handed over while the carrier is "
                  "disrupted (assumption).")
    expedite_cost: float = money(
        15.0, doc="Premium per replacement sent by express during a disruption, which avoids "
                  "its extra delay (assumption; 0: no expedites, the consumer is compensated).")
    disruption: Disruption | None = table(Disruption, default=None,
                                          doc="An optional disruption (carrier_disruption "
                                              "scenario).")

    def _check(self, key: str) -> list[Problem]:
        return check_pickup_hour(self.pickup_hour, f"{key}.pickup_hour")


@register_provider("third_party_logistics", "logistics", CarrierParams)
class CarrierLogistics(ParcelLogistics):
    """A contracted carrier: per-parcel fee, pickup cut-off, daily capacity that congests at
    peaks, heavier-tailed transit, lost parcels, optional disruption."""

    def capacity_on(self, day: int) -> float:
        """Pickup slots on ``day``, reduced on days the disruption touches."""
        cap = self.params_at(day * DAY).pickup_capacity_per_day  # scenario events included
        d = self.params.disruption
        if d is not None and day * DAY < d.start + d.length and (day + 1) * DAY > d.start:
            return cap * d.capacity_multiplier
        return cap

    def extra_transit(self, handed_at: float) -> float:
        """The disruption's extra delay for parcels handed over inside it."""
        d = self.params.disruption
        if d is not None and d.start <= handed_at < d.start + d.length:
            return d.extra_delay
        return 0.0

    # --- what dependence costs --------------------------------------------------------------
    def __init__(self, world, params: CarrierParams, name: str):
        super().__init__(world, params, name)
        self._contracted = params.pickup_capacity_per_day
        self._contracted_transit = params.transit
        self._slower = False  # the transit now slower than contracted (scenario events)
        self._peaks = [(promo.start, promo.start + promo.length + params.peak_tail)
                       for promo in world.scenario.demand.promotions]

    def apply_params(self, params: CarrierParams) -> None:
        """New parameters (a scenario event): is the transit now slower than contracted?"""
        super().apply_params(params)
        self._slower = params.transit.mean > self._contracted_transit.mean * (1 + 1e-9)

    def parcel_fee(self, at: float) -> float:
        """The fee, with the peak surcharge inside a promotion or its return wave."""
        fee = self.params.cost_per_parcel
        for start, end in self._peaks:
            if start <= at < end:
                return fee * self.params.peak_surcharge
        return fee

    def slowed(self, at: float) -> bool:
        """Whether parcels handed over at ``at`` (now) travel slower than contracted."""
        return self._slower or self.extra_transit(at) > 0

    def disrupted(self, at: float) -> bool:
        """Whether a parcel handed over at ``at`` (now) meets a disrupted carrier: slower
        transit, or less pickup capacity that day than contracted."""
        return self.slowed(at) or self.slots_on(int(at // DAY)) < self._contracted

    def leg_transit(self, case: int, k: int, handed_at: float, transit: float,
                    replacement: bool) -> float:
        """The transit of a leg; books the disruption's expedite or compensation."""
        extra = self.extra_transit(handed_at)
        if not self.disrupted(handed_at):
            return transit + extra
        p, ledger = self.params, self.world.ledger
        slowed = self.slowed(handed_at)
        if replacement and slowed and p.expedite_cost > 0:
            ledger.charge(case=case, time=handed_at, component="logistics:expedite",
                          kind="variable", amount=p.expedite_cost)
            # express at the contracted transit, with the leg's own luck (the same uniform)
            return self.world.draws.value("logistics/delivery", self._contracted_transit,
                                          case, k)
        if replacement and not slowed:
            return transit  # pickup capacity does not delay a replacement
        ledger.charge(case=case, time=handed_at, component="logistics:disruption",
                      kind="penalty", amount=p.disruption_compensation)
        return transit + extra
