"""SimPy's environment with a lean event heap: events of later hours wait outside it.

A large run has hundreds of thousands of scheduled events (a parcel's arrival days ahead, a
consumer's next check, a refund watch), and SimPy keeps them all in one binary heap: every
event pays a sift through ~18 levels of entries scattered over memory, which made time per case
grow with volume. :class:`Environment` keeps in the heap only the events of the current hour
and files later ones by hour; when the heap runs dry, the next filed hour moves in. Events run
in exactly SimPy's order: by (time, priority, scheduling order), the order number being taken
when the event is scheduled, as in SimPy, and every filed event is later than every event in
the heap. It builds on :class:`sim.processes.Environment` (one loop for ``run(until=time)``,
timeouts scheduled inline).
"""

from __future__ import annotations

import math
from heapq import heappush

import simpy
from simpy.core import EmptySchedule
from simpy.events import NORMAL, EventPriority

from . import processes

_HOUR = 1.0  # width of a filing slot, in model hours (a power of two: slot bounds are exact)


class Environment(processes.Environment):
    """:class:`sim.processes.Environment` (one loop for ``run(until=time)``, inline timeouts)
    whose heap holds only the current hour's events.

    Parameters
    ----------
    initial_time : float
        The clock's start (h).
    """

    def __init__(self, initial_time: float = 0.0):
        super().__init__(initial_time)
        self._later: dict[float, list] = {}  # slot start -> its entries, unordered
        self._limit = initial_time // _HOUR * _HOUR + _HOUR  # heap entries are before it

    def _file(self, entry: tuple) -> None:
        """An entry after the current slot: filed by its hour (``_enqueue`` and the inline
        timeouts of :class:`sim.processes.Environment` send entries here from ``_limit``)."""
        at = entry[0]
        slot = at // _HOUR * _HOUR if at < math.inf else math.inf
        entries = self._later.get(slot)
        if entries is None:
            entries = self._later[slot] = []
        entries.append(entry)

    def schedule(self, event, priority: EventPriority = NORMAL, delay: float = 0) -> None:
        """Schedule ``event`` with ``priority`` after ``delay`` (as SimPy does)."""
        self._enqueue((self._now + delay, priority, next(self._eid), event))

    def _next_slot(self) -> None:
        """Move the earliest filed slot into the (empty) heap."""
        slot = min(self._later)
        queue = self._queue
        for entry in self._later.pop(slot):
            heappush(queue, entry)
        self._limit = slot + _HOUR

    def peek(self) -> float:
        """Time of the next scheduled event (``inf`` when there is none)."""
        if self._queue:
            return self._queue[0][0]
        if self._later:
            return min(entry[0] for entry in self._later[min(self._later)])
        return math.inf

    def step(self) -> None:
        """Process the next event (SimPy's step, with the heap refilled when it runs dry)."""
        if not self._queue:
            if not self._later:
                raise EmptySchedule
            self._next_slot()
        simpy.Environment.step(self)

    def _refill(self, until: float) -> bool:
        """The heap ran dry in :meth:`sim.processes.Environment.run`: move the earliest filed
        slot in, unless every filed event is after ``until``."""
        if not self._later or min(self._later) > until:
            return False
        self._next_slot()
        return True
