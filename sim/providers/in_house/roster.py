"""A pool of servers whose number changes by hour of the week (a roster).

SimPy's resources have a fixed capacity, so the pool is a ``PriorityResource`` sized for the
busiest hour, and off-duty slots are held by **blocker** requests at priority -1, ahead of
every customer (priorities >= 0). Rule for work in progress at shift end: an agent whose shift
ends finishes the contact in hand, then leaves; the blocker takes the slot as soon as it frees
and no customer starts on it. When agents come on duty, pending blockers are withdrawn first,
then granted ones released.
"""

from __future__ import annotations

from collections.abc import Generator

import numpy as np
import simpy

HOURS_PER_WEEK = 168
_BLOCKER = -1


class RosteredPool:
    """Servers on duty by hour of the week, with customers queueing by priority.

    Parameters
    ----------
    env : simpy.Environment
        The run's environment (time in hours, zero on a Monday 00:00).
    slots_by_hour : numpy.ndarray
        Servers on duty in each of the 168 hours of the week.
    """

    def __init__(self, env: simpy.Environment, slots_by_hour: np.ndarray):
        self.env = env
        self.slots_by_hour = np.asarray(slots_by_hour, dtype=int)
        self.size = max(1, int(self.slots_by_hour.max()))
        self.resource = simpy.PriorityResource(env, capacity=self.size)
        self._blockers: list[simpy.resources.resource.PriorityRequest] = []
        self.waiting = 0  # customers in queue (blockers excluded)
        self._constant = bool((self.slots_by_hour == self.slots_by_hour[0]).all())
        self._set_off_duty(self.size - int(self.slots_by_hour[0]))
        if not self._constant:
            env.process(self._roster())

    # --- roster -----------------------------------------------------------------------------
    def on_duty(self, time: float | None = None) -> int:
        """Servers on duty at ``time`` (now by default)."""
        t = self.env.now if time is None else time
        return int(self.slots_by_hour[int(t) % HOURS_PER_WEEK])

    def _roster(self) -> Generator:
        while True:
            hour = int(self.env.now)
            now_slots = self.slots_by_hour[hour % HOURS_PER_WEEK]
            # Sleep until the next hour whose staffing differs.
            ahead = 1
            while (ahead < HOURS_PER_WEEK
                   and self.slots_by_hour[(hour + ahead) % HOURS_PER_WEEK] == now_slots):
                ahead += 1
            yield self.env.timeout(hour + ahead - self.env.now)
            self._set_off_duty(self.size - self.on_duty())

    def _set_off_duty(self, count: int) -> None:
        while len(self._blockers) < count:
            self._blockers.append(self.resource.request(priority=_BLOCKER))
        if len(self._blockers) > count:
            # Withdraw pending blockers before releasing granted ones.
            self._blockers.sort(key=lambda r: r.triggered)
            while len(self._blockers) > count:
                blocker = self._blockers.pop(0)
                if blocker.triggered:
                    self.resource.release(blocker)
                else:
                    blocker.cancel()

    # --- monitoring ---------------------------------------------------------------------------
    def busy(self) -> int:
        """Servers serving customers now."""
        held = sum(1 for r in self.resource.users if r.priority != _BLOCKER)
        return held

    def request(self, priority: int) -> simpy.resources.resource.PriorityRequest:
        """Ask for a server; ``priority`` >= 0, lower served first."""
        return self.resource.request(priority=priority)

    def release(self, request: simpy.resources.resource.PriorityRequest) -> None:
        """Give a server back."""
        self.resource.release(request)
