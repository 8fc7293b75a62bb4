"""Scenario events at run time: which parameters are in force when.

A :class:`Schedule` turns a scenario's ``[[events]]`` (:mod:`sim.config.events`) into a list of
moments at which the parameters change and, for each stretch between them, the scenario as it
stands then (the events active in it applied in file order). The world
(:class:`sim.world.World`) runs one SimPy process that, at each moment, hands every provider
whose parameters changed its new parameters (:meth:`sim.providers.base.Provider.apply_params`)
and swaps ``world.scenario`` (the policy journeys read). Providers that plan ahead (a carrier
booking pickups on a later day) ask :meth:`Schedule.scenario_at` for that day instead.
"""

from __future__ import annotations

import bisect
from typing import Any

from .config.events import apply, expand


class Schedule:
    """The scenario in force at each time of one run.

    Parameters
    ----------
    scenario : Scenario
        The checked scenario (its ``events`` already validated).
    """

    def __init__(self, scenario: Any):
        events = [(e, expand(scenario, e.key)) for e in scenario.events]
        #: Times (h) at which some parameter changes, in order.
        self.times: list[float] = sorted({t for e, _ in events for t in e.window if t > 0})
        self._starts = [0.0, *self.times]
        self._scenarios = []
        cache: dict[tuple[int, ...], Any] = {}
        for t in self._starts:
            active = tuple(i for i, (e, _) in enumerate(events) if e.start <= t < e.stop)
            if active not in cache:
                cache[active] = apply(scenario, [events[i] for i in active]) if active \
                    else scenario
            self._scenarios.append(cache[active])

    def __bool__(self) -> bool:
        return bool(self.times)

    def scenario_at(self, time: float) -> Any:
        """The scenario with the events in force at ``time`` applied."""
        return self._scenarios[max(bisect.bisect_right(self._starts, time) - 1, 0)]
