"""What every field-service provider shares: the visit, coverage, the manufacturer fallback.

Field-service stage contract: ``visit(case, kind) -> bool`` (a generator used with
``yield from``), ``kind`` one of ``repair``, ``installation``, ``maintenance``. One call is one
visit: the appointment lead time, then (in-house) a wait for a free technician, travel and the
on-site job (the archetypes' ``_job``: :mod:`sim.providers.in_house.technicians`,
:mod:`sim.providers.third_party_platform`). It returns True when the job was done right:
first-time fix for a repair, a successful job for an installation or maintenance. It records
``booked_at`` (first booking of the case), ``visits`` (+1 when a technician arrives) and
``service_done_at`` (end of the visit that got the job done right; left NaN while it is not).

Coverage rule (both providers): a case is in the provider's area when its
``"field/coverage"`` uniform is below ``coverage``; the same uniform in every design, so the
platform's wider area contains the self-built one. A case outside the area is served by the
brand's **manufacturer network** (:class:`ManufacturerNetwork`): an uncapacitated pure delay
of 48-72 h, its own first-time fix and a per-visit fee (docs/sources.md §3.6). The
provider's tooling (e.g. smart diagnosis) does not reach that network.

Per-visit draws use column k = the case's k-th visit, so a revisit gets fresh luck and every
design sees the same luck for the same visit (common random numbers).
"""

from __future__ import annotations

import math
from collections.abc import Generator
from dataclasses import dataclass

from ..config.distributions import Dist
from ..config.fields import dist, money, probability, table
from ..config.vocab import FIELD_TYPES
from .base import Provider
from .field_reliability import ReliabilityParams, await_parts

ON_SITE = {"dist": "gamma", "mean": "1h", "sd": "20min"}


@dataclass(frozen=True, kw_only=True)
class ManufacturerNetwork:
    """The brand's own service network, which serves cases outside a provider's coverage."""

    lead_time: Dist = dist({"dist": "uniform", "min": "48h", "max": "72h"},
                           doc="Booking to arrival (sources.md §3.6: manufacturer network "
                               "48-72 h [L]).")
    first_time_fix: float = probability(0.77, doc="P(repair fixed at a visit) (sources.md "
                                                  "§1.3/§3.6: ABD, AQ average 0.77).")
    job_success: float = probability(0.97, doc="P(installation or maintenance done right at a "
                                               "visit) (assumption).")
    fee: float = money(80.0, doc="Fee per visit (sources.md §3.6: MFR on-site fee ¥80).")


@dataclass(frozen=True, kw_only=True)
class FieldParams:
    """What every field-service provider has: job times, success, parts, coverage, fallback."""

    lead_time: Dist = dist({"dist": "triangular", "min": "4h", "mode": "20h", "max": "48h"},
                           doc="Booking to the appointment (sources.md §3.6: self-built 24 h, "
                               "range 4-48 h [L]; triangular shape assumed).")
    travel: Dist = dist({"dist": "lognormal", "mean": "45min", "sd": "20min"},
                        doc="Technician travel to the consumer (assumption).")
    on_site: Dist = dist(ON_SITE, doc="Time on site (sources.md §3.6: 1 h, 0.5-2 h [L]; gamma "
                                      "shape assumed).")
    installation_success: float = probability(
        0.98, doc="P(an installation is done right at a visit) (assumption).")
    maintenance_success: float = probability(
        0.99, doc="P(a maintenance or cleaning visit is done right) (assumption).")
    parts_probability: float = probability(
        0.5, doc="P(a repair visit uses spare parts) (assumption; ABD: parts cause 51% of "
                 "repeat visits).")
    parts_cost: float = money(60.0, doc="Parts per repair visit that uses them (sources.md §3.6: "
                                        "MFR replace-part repair ¥30-100).")
    parts_in_stock: float = probability(
        0.8, doc="P(the parts a repair needs are in stock) (assumption; ABD: parts cause 51% "
                 "of repeat visits).")
    parts_wait: Dist = dist({"dist": "uniform", "min": "1d", "max": "3d"},
                            doc="Waiting for a part that is not in stock (assumption).")
    reliability: ReliabilityParams = table(
        ReliabilityParams, default={},
        doc="No-shows, late arrivals and quality drift (an own team: rare, steady; "
            "assumption).")
    coverage: float = probability(0.70, doc="Share of consumers inside the service area "
                                            "(sources.md §6 / table: self-built 0.70 [L]).")
    fallback: ManufacturerNetwork = table(ManufacturerNetwork, default={},
                                          doc="Who serves cases outside the area.")

    def success(self, kind: str) -> float:
        """P(done right) of an installation or maintenance visit."""
        return self.installation_success if kind == "installation" else self.maintenance_success


class FieldProvider(Provider):
    """Bookkeeping shared by field-service providers (records, coverage, fallback, parts)."""

    stage = "field_service"

    def __init__(self, world, params: FieldParams, name: str):
        super().__init__(world, params, name)
        self._fallback = world.records.add("field_fallback", "?", False,
                                           "a visit was made by the manufacturer network")
        rec = world.records
        self.no_shows = rec.add("no_shows", "i2", 0, "appointments the technician missed")
        self.late_arrivals = rec.add("late_arrivals", "i2", 0, "visits the technician came "
                                                               "late to")
        self.parts_wait = rec.add("parts_wait_h", "f8", 0.0, "waiting for non-stock parts (h)")
        # Filled by the field journeys; added here so the column exists whenever the stage does.
        world.records.add("field_sla_met", "?", False,
                          "field job done right within policy.field_sla of the first booking")
        self._booked_at, self._visits = rec["booked_at"], rec["visits"]
        self._book_fee = world.ledger.booker("field_service", "variable")
        self._book_parts = world.ledger.booker("parts", "variable")

    def _book(self, case: int) -> int:
        """Note the booking; returns k, the index of this visit for the case's draws."""
        booked_at = self._booked_at
        if math.isnan(booked_at.item(case)):
            booked_at[case] = self.env.now
        return self._visits.item(case)  # a Python int, not a numpy scalar

    def covered(self, case: int) -> bool:
        """Whether ``case`` lives inside this provider's service area."""
        return self.world.draws.uniform("field/coverage", case) < self.params.coverage

    def _done_right(self, case: int, kind: str, k: int, p_success: float,
                    fail_factor: float = 1.0) -> bool:
        """Decide the visit's outcome; ``fail_factor`` scales the failure probability."""
        p_fail = min(1.0, (1.0 - p_success) * fail_factor)
        ok = self.world.draws.uniform("field/fix", case, k) >= p_fail
        if ok:
            self.world.records["service_done_at"][case] = self.env.now
        return ok

    def _arrive(self, case: int) -> None:
        visits = self._visits
        visits[case] = visits.item(case) + 1

    def _travel_and_work(self, case: int, on_site: float, *to_site: float) -> Generator:
        """The waits ``to_site`` (lead time, travel), the technician's arrival (``visits``
        + 1), then ``on_site``.

        Nothing else of the case happens in between, so where the end of the work is exactly
        the time consecutive timeouts would give and inside the run, this is one timeout and
        the arrival is counted at its start (the count is read only after the visit).
        """
        env = self.env
        now = at = env.now
        for delay in to_site:
            at += delay
        done = at + on_site
        if now + (done - now) == done and done < self.world.end:
            self._arrive(case)
            yield env.timeout(done - now)
            return
        for delay in to_site:
            yield env.timeout(delay)
        self._arrive(case)
        yield env.timeout(on_site)

    def _charge(self, case: int, kind: str, k: int, fee: float) -> None:
        """Charge the visit fee and, for repairs that need them, the parts."""
        now = self.env.now
        self._book_fee(case, now, fee)
        p = self.params
        if kind == "repair" and self.world.draws.uniform("field/parts", case, k) < \
                p.parts_probability:
            self._book_parts(case, now, p.parts_cost)

    def visit(self, case: int, kind: str, fail_factor: float = 1.0,
              on_site_factor: float = 1.0) -> Generator:
        """One visit to ``case`` for a ``kind`` job; returns True if done right.

        Parameters
        ----------
        case : int
            Case index.
        kind : str
            ``repair``, ``installation`` or ``maintenance``.
        fail_factor : float
            Multiplies the failure probability (e.g. smart diagnosis).
        on_site_factor : float
            Multiplies the on-site time (e.g. smart diagnosis).
        """
        if kind not in FIELD_TYPES:
            raise ValueError(f"unknown field job {kind!r}; one of {FIELD_TYPES}")
        k = self._book(case)
        if kind == "repair":  # only repairs wait for parts (no generator for the others)
            yield from await_parts(self, case, kind, k)
        if not self.covered(case):
            return (yield from self._manufacturer_visit(case, kind, k))
        fee, success = yield from self._job(case, kind, k, on_site_factor)
        self._charge(case, kind, k, fee)
        return self._done_right(case, kind, k, success, fail_factor)

    def _job(self, case: int, kind: str, k: int, on_site_factor: float) -> Generator:
        """The provider's own visit, up to the end of the job: returns (fee, P(done right))."""
        raise NotImplementedError

    def _manufacturer_visit(self, case: int, kind: str, k: int) -> Generator:
        """A visit by the manufacturer network (pure delays, no capacity limit)."""
        p, draws = self.params, self.world.draws
        fb = p.fallback
        self._fallback[case] = True
        yield from self._travel_and_work(case, draws.value("field/on_site", p.on_site, case, k),
                                         draws.value("field/lead_time", fb.lead_time, case, k),
                                         draws.value("field/travel", p.travel, case, k))
        self._charge(case, kind, k, fb.fee)
        success = fb.first_time_fix if kind == "repair" else fb.job_success
        return self._done_right(case, kind, k, success)
