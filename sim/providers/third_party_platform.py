"""Third-party service platform (万师傅, 鲁班到家-like): elastic field service at a per-visit fee.

The platform dispatches one of its technicians after a lead time; its capacity is elastic (no
queue: every visit is a pure delay, an infinite-server system). Quality is uneven: a pool of
``technicians`` whose first-time-fix rates are drawn once per run from a Beta distribution
scaled to ``[ftf_min, ftf_max]`` with mean ``ftf_mean`` (docs/sources.md §6), and each visit
goes to a technician picked by the case's ``"platform/assign"`` uniform. A revisit costs a full
fee and a full lead time (Aberdeen, sources.md §1.3). The fee is ``visit_fee`` plus
``surcharge_per_km`` beyond ``free_km`` of the consumer's distance (MFR, sources.md §3.6).
Quality is also *unstable* (:mod:`sim.providers.field_reliability`): technicians miss
appointments (rebooking), come late, and their first-time fix drifts week by week.
Cases outside ``coverage`` go to the manufacturer network (see
:mod:`sim.providers.in_house.technicians`).
"""

from __future__ import annotations

import math
from collections.abc import Generator
from dataclasses import dataclass

import numpy as np

from ..config.distributions import Dist
from ..config.errors import Problem
from ..config.fields import dist, money, number, probability, table
from .field import FieldParams, FieldProvider
from .field_reliability import PlatformReliabilityParams, appointment, drift_paths
from .registry import register_provider
from .staffing import HOURS_PER_WEEK


@dataclass(frozen=True, kw_only=True)
class PlatformParams(FieldParams):
    """A third-party service platform: dispatch lead time, fees, uneven technicians."""

    #: Drawn once when a run starts (each technician's first-time fix and its drift): no
    #: scenario event can change them.
    _event_fixed = ("technicians", "ftf_mean", "ftf_min", "ftf_max", "ftf_concentration",
                    "reliability.ftf_drift_per_week", "reliability.drift_floor",
                    "reliability.drift_ceiling")

    lead_time: Dist = dist({"dist": "triangular", "min": "24h", "mode": "24h", "max": "96h"},
                           doc="Booking to the technician's arrival window (sources.md §3.6: "
                               "48 h, range 24-96 h, wider variance [L]; triangular with mean "
                               "48 h assumed).")
    travel: Dist = dist({"dist": "lognormal", "mean": "1h", "sd": "30min"},
                        doc="Technician travel (assumption: wider areas than self-built).")
    coverage: float = probability(0.95, doc="Share of consumers the platform reaches "
                                            "(sources.md §6 / table: 0.95 [L]).")
    installation_success: float = probability(
        0.95, doc="P(an installation is done right at a visit) (assumption: uneven quality).")
    maintenance_success: float = probability(
        0.97, doc="P(a maintenance or cleaning visit is done right) (assumption).")
    visit_fee: float = money(80.0, doc="Fee per visit (sources.md table: repair_onsite_fee ¥80, "
                                       "range 50-200, MFR).")
    surcharge_per_km: float = money(2.0, doc="Surcharge per km beyond free_km (MFR: ¥2/km).")
    free_km: float = number(20.0, min=0.0, unit="km",
                            doc="Distance covered by the fee (MFR: 20 km; 10 km rural).")
    distance: Dist = dist({"dist": "lognormal", "mean": 12, "sd": 10}, of_duration=False,
                          doc="Consumer's distance from the technician, km (assumption).")
    reliability: PlatformReliabilityParams = table(
        PlatformReliabilityParams, default={},
        doc="No-shows, late arrivals and weekly quality drift of independent technicians "
            "(unstable quality; assumption).")
    technicians: int = number(50, integer=True, min=1,
                              doc="Technicians in the platform's pool for this run "
                                  "(assumption).")
    ftf_mean: float = probability(0.75, doc="Mean first-time fix across technicians "
                                            "(sources.md §6: Beta mean 0.75).")
    ftf_min: float = probability(0.60, doc="Lowest technician first-time fix (sources.md §6: "
                                           "0.60, ABD laggards 0.63).")
    ftf_max: float = probability(0.88, doc="Highest technician first-time fix (sources.md §6: "
                                           "0.88, ABD/AQ best-in-class).")
    ftf_concentration: float = number(6.0, min=0.0, open_min=True,
                                      doc="a + b of the scaled Beta: larger = technicians more "
                                          "alike (assumption; 6 gives sd ~0.05).")

    def _check(self, key: str) -> list[Problem]:
        if not self.ftf_min <= self.ftf_mean <= self.ftf_max:
            return [Problem(f"{key}.ftf_mean", self.ftf_mean,
                            f"a value between ftf_min ({self.ftf_min:g}) and ftf_max "
                            f"({self.ftf_max:g})")]
        if self.ftf_min < self.ftf_max and self.ftf_mean in (self.ftf_min, self.ftf_max):
            return [Problem(f"{key}.ftf_mean", self.ftf_mean,
                            "strictly between ftf_min and ftf_max (or all three equal)")]
        return []

    def draw_technicians(self, rng: np.random.Generator) -> np.ndarray:
        """First-time-fix rate of each technician of the pool (one draw per run)."""
        lo, hi = self.ftf_min, self.ftf_max
        if hi == lo:
            return np.full(self.technicians, lo)
        m = (self.ftf_mean - lo) / (hi - lo)
        a, b = m * self.ftf_concentration, (1 - m) * self.ftf_concentration
        return lo + (hi - lo) * rng.beta(a, b, size=self.technicians)


@register_provider("third_party_platform", "field_service", PlatformParams)
class ServicePlatform(FieldProvider):
    """Third-party service platform: per-visit fees, elastic capacity, uneven first-time fix."""

    def __init__(self, world, params: PlatformParams, name: str = "third_party_platform"):
        super().__init__(world, params, name)
        self.technician_ftf = params.draw_technicians(world.streams.rng("platform/technicians"))
        run = world.scenario.run
        weeks = int(math.ceil((run.horizon + run.drain) / HOURS_PER_WEEK)) + 1
        #: First-time fix of each technician by week of the run (the drift).
        self.ftf_by_week = drift_paths(self.technician_ftf, params.reliability, weeks,
                                       world.streams.rng("platform/drift"))
        self._technician = world.records.add("platform_technician", "i2", -1,
                                             "platform technician of the case's last visit")

    def fee(self, case: int) -> float:
        """Fee of one visit to ``case``: base fee plus the distance surcharge."""
        p = self.params
        km = self.world.draws.value("platform/distance", p.distance, case)
        return p.visit_fee + p.surcharge_per_km * max(0.0, km - p.free_km)

    def _job(self, case: int, kind: str, k: int, on_site_factor: float) -> Generator:
        p, draws, env = self.params, self.world.draws, self.env
        tech = min(int(draws.uniform("platform/assign", case, k) * p.technicians),
                   p.technicians - 1)
        self._technician[case] = tech
        yield from appointment(self, case, k, p.lead_time)
        yield from self._travel_and_work(
            case, draws.value("field/on_site", p.on_site, case, k) * on_site_factor,
            draws.value("field/travel", p.travel, case, k))
        week = min(int(env.now // HOURS_PER_WEEK), self.ftf_by_week.shape[1] - 1)
        success = float(self.ftf_by_week[tech, week]) if kind == "repair" else p.success(kind)
        return self.fee(case), success
