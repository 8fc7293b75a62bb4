"""Staffed time: rosters from shifts, and booking staffed hours and daily fees as fixed cost.

Every provider that keeps people or equipment on duty books that time the same way: one ledger
entry per day of ``[0, horizon)``, with no case (``case = -1``) and the hours on duty, so that the
ledger reconciles as hours x rate (:func:`sim.outcomes.ledger.reconcile`). Providers report the
rate of each component they book through :meth:`~sim.providers.base.Provider.staff_rates`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..config.errors import Problem
from ..config.fields import number, strings
from ..config.vocab import WEEKDAYS

HOURS_PER_WEEK = 168
DAY = 24.0


@dataclass(frozen=True, kw_only=True)
class Shift:
    """People on duty on some weekdays between two hours of the day."""

    days: tuple = strings(list(WEEKDAYS), options=WEEKDAYS, doc="Weekdays the shift runs.")
    start: int = number(doc="First hour of the shift (0-23).", integer=True, min=0, max=23)
    end: int = number(doc="Hour the shift ends (1-24), after start.", integer=True, min=1, max=24)
    agents: int = number(doc="People on duty during the shift.", integer=True, min=0)

    def _check(self, key: str) -> list[Problem]:
        if self.end <= self.start:
            return [Problem(f"{key}.end", self.end, f"an hour after start ({self.start})")]
        return []


def roster(constant: int | None, shifts: tuple[Shift, ...]) -> np.ndarray:
    """People on duty in each hour of the week (168 values, Monday 00:00 first).

    ``constant`` people around the clock, or else the sum of overlapping ``shifts``.
    """
    if constant is not None:
        return np.full(HOURS_PER_WEEK, constant, dtype=int)
    on_duty = np.zeros(HOURS_PER_WEEK, dtype=int)
    for shift in shifts:
        for day in shift.days:
            first = WEEKDAYS.index(day) * 24
            on_duty[first + shift.start:first + shift.end] += shift.agents
    return on_duty


def hourly_cost(monthly_cost: float, paid_hours_per_month: float, shrinkage: float) -> float:
    """Cost of one hour on duty: paid time includes the shrinkage off the floor."""
    return monthly_cost / paid_hours_per_month / (1 - shrinkage)


def book_roster(world, component: str, on_duty: np.ndarray, rate_per_hour: float) -> None:
    """Book the hours on duty in ``[0, horizon)`` as fixed cost, one entry per day.

    Parameters
    ----------
    world : World
        The run (its ledger and horizon).
    component : str
        Ledger component, e.g. ``staff:chat``.
    on_duty : numpy.ndarray
        People on duty by hour of the week (168 values).
    rate_per_hour : float
        Cost of one person-hour on duty.
    """
    horizon = world.scenario.run.horizon
    for day_start in range(0, int(math.ceil(horizon)), 24):
        hours = 0.0
        for hour in range(day_start, min(day_start + 24, int(math.ceil(horizon)))):
            hours += on_duty[hour % HOURS_PER_WEEK] * (min(hour + 1.0, horizon) - hour)
        if hours:
            world.ledger.charge(case=-1, time=float(day_start), component=component,
                                kind="fixed", amount=hours * rate_per_hour, hours=hours)


def book_daily(world, component: str, amount_per_day: float, staffed: bool = False) -> None:
    """Book a daily fixed cost over ``[0, horizon)``, a last partial day pro rata.

    With ``staffed``, each entry carries the hours it covers (a fleet on duty all day), so its
    rate is ``amount_per_day / 24`` per hour; otherwise it is an overhead with no hours
    (a licence).
    """
    horizon = world.scenario.run.horizon
    start = 0.0
    while start < horizon:
        hours = min(DAY, horizon - start)
        world.ledger.charge(case=-1, time=start, component=component, kind="fixed",
                            amount=amount_per_day * hours / DAY,
                            hours=hours if staffed else 0.0)
        start += DAY
