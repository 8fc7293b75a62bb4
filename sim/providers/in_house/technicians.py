"""In-house technicians: the self-built field-service team (a rostered, capacitated queue).

The visit, coverage rule and manufacturer fallback are shared with every field provider
(:class:`~sim.providers.field.FieldProvider`); an own team adds a roster whose technicians are a
FIFO queue from the appointment on, a high and steady first-time fix, and wages as fixed cost.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass

import numpy as np

from ...config.errors import Problem
from ...config.fields import items, money, number, probability
from ..field import ON_SITE, FieldParams, FieldProvider, ManufacturerNetwork
from ..field_reliability import appointment
from ..registry import register_provider
from ..staffing import Shift, book_roster, hourly_cost, roster
from .roster import RosteredPool

__all__ = ["ON_SITE", "FieldParams", "FieldProvider", "ManufacturerNetwork", "TechnicianParams",
           "Technicians"]


@dataclass(frozen=True, kw_only=True)
class TechnicianParams(FieldParams):
    """An in-house technician team: headcount or shifts, first-time fix, wages."""

    technicians: int | None = number(None, integer=True, min=0,
                                     doc="Technicians on duty around the clock (or give shifts).")
    shifts: tuple = items(Shift, default=[], doc="Roster (``agents`` = technicians on duty); "
                                                 "overlapping shifts add up.")
    first_time_fix: float = probability(
        0.85, doc="P(repair fixed at a visit): high and steady in-house (sources.md §1.3: ABD "
                  "average firms 0.80, best-in-class 0.88).")
    monthly_cost: float = money(9000.0, doc="Fully loaded cost per technician-month, vehicle "
                                            "included (assumption; agents ¥7,500, §3.3).")
    paid_hours_per_month: float = number(174.0, min=1.0, doc="Paid hours per technician-month.")
    shrinkage: float = number(0.20, min=0.0, max=0.9,
                              doc="Paid time not available for jobs (assumption).")
    cost_per_visit: float = money(15.0, doc="Fuel and consumables per visit (assumption).")

    def _check(self, key: str) -> list[Problem]:
        if (self.technicians is None) == (not self.shifts):
            return [Problem(f"{key}.technicians", self.technicians,
                            "either technicians (around the clock) or shifts, not both")]
        return []

    def technicians_by_hour(self) -> np.ndarray:
        """Technicians on duty in each hour of the week (168 values, Monday 00:00 first)."""
        return roster(self.technicians, self.shifts)

    @property
    def cost_per_duty_hour(self) -> float:
        """Cost of one technician-hour on duty, shrinkage included."""
        return hourly_cost(self.monthly_cost, self.paid_hours_per_month, self.shrinkage)


@register_provider("in_house", "field_service", TechnicianParams)
class Technicians(FieldProvider):
    """In-house technicians: a rostered team, steady first-time fix, wages as fixed cost."""

    def __init__(self, world, params: TechnicianParams, name: str = "in_house"):
        super().__init__(world, params, name)
        self.pool = RosteredPool(self.env, params.technicians_by_hour())

    def _job(self, case: int, kind: str, k: int, on_site_factor: float) -> Generator:
        p, draws = self.params, self.world.draws
        yield from appointment(self, case, k, p.lead_time)
        # From the appointment on, the job waits for a free technician (FIFO).
        request = self.pool.request(0)
        self.pool.waiting += 1
        try:
            yield request
        finally:
            self.pool.waiting -= 1
        try:
            # The technician is held for the trip out and the job; the trip onward is the
            # next job's travel.
            yield from self._travel_and_work(
                case, draws.value("field/on_site", p.on_site, case, k) * on_site_factor,
                draws.value("field/travel", p.travel, case, k))
        finally:
            self.pool.release(request)
        return p.cost_per_visit, (p.first_time_fix if kind == "repair" else p.success(kind))

    def apply_params(self, params: TechnicianParams) -> None:
        """New parameters (a scenario event): the team's roster changes at once."""
        super().apply_params(params)
        self.pool.set_slots(params.technicians_by_hour())

    def finish(self) -> None:
        """Book technician hours on duty in [0, horizon) as fixed cost, day by day."""
        book_roster(self.world, "staff:technicians", self.params.technicians_by_hour(),
                    self.params.cost_per_duty_hour)

    def staff_rates(self) -> dict[str, float]:
        return {"staff:technicians": self.params.cost_per_duty_hour}

    def queue_lengths(self) -> dict[str, int]:
        return {"field:technicians": self.pool.waiting}

    def busy(self) -> dict[str, tuple[float, float]]:
        return {"field:technicians": (float(self.pool.busy()), float(self.pool.on_duty()))}
