"""A pool of servers whose number changes by hour of the week (a roster).

The pool counts servers in use against the servers on duty now and keeps waiting customers in
a heap ordered by (priority, arrival). It grants **synchronously**: a request that finds a
server free is granted on the spot (no scheduled event), a release hands the server straight
to the next waiting customer (one event: that customer's resumption) or frees it, and a roster
change sets the capacity directly. Rule for work in progress at shift end: an agent whose shift
ends finishes the contact in hand, then leaves — capacity drops at once, servers in use above
it are not taken away, and nobody starts until use falls below the new capacity.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Generator
from functools import partial

import numpy as np
import simpy
from simpy.events import NORMAL, PENDING, Event

HOURS_PER_WEEK = 168


class Ticket(Event):
    """A request for a server: an event that succeeds when the server is granted."""

    __slots__ = ("cancelled", "pool")

    def __init__(self, env: simpy.Environment, pool: RosteredPool):
        self.env = env
        self.callbacks = []
        self._value = PENDING
        self.pool = pool
        self.cancelled = False

    def cancel(self) -> None:
        """Withdraw a request not yet granted (a no-op once granted)."""
        if self._value is PENDING and not self.cancelled:
            self.cancelled = True
            self.pool.queued -= 1
            if not self.pool.queued:
                self.pool._heap.clear()  # only withdrawn tickets left: drop them

    def give_up(self, _event: Event | None = None) -> None:
        """Patience ran out (a callback of the patience timer): withdraw the request if it
        is not granted yet, and wake the consumer with ``False``."""
        if self._value is PENDING:
            self.cancel()
            self.succeed(False)


def granted(env: simpy.Environment, pool: RosteredPool) -> Ticket:
    """A ticket granted and processed already: yielding it resumes at once."""
    ticket = Ticket(env, pool)
    ticket._ok = True
    ticket._value = None
    ticket.callbacks = None
    return ticket


def _enqueuer(env: simpy.Environment) -> Callable[[tuple], None]:
    """What puts a ``(time, priority, id, event)`` entry on ``env``'s queue, as
    ``env.schedule`` does: :class:`sim.processes.Environment`'s ``_enqueue``, else SimPy's
    heap push."""
    enqueue = getattr(env, "_enqueue", None)
    return enqueue if enqueue is not None else partial(heapq.heappush, env._queue)


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
        self._slots = self.slots_by_hour.tolist()
        self.capacity = int(self._slots[0])  # servers on duty now
        self.in_use = 0
        self.queued = 0  # live requests in the heap
        self.waiting = 0  # customers in queue, kept by the provider (monitoring, caps)
        self._heap: list[tuple[int, int, Ticket]] = []
        self._order = itertools.count()
        self._generation = 0
        self._enqueue = _enqueuer(env)
        if any(s != self.capacity for s in self._slots):
            env.process(self._roster(self._generation))

    def set_slots(self, slots_by_hour: np.ndarray) -> None:
        """Take a new roster now (a scenario event: absence, outage, recovery).

        Capacity follows the new roster at once, by the shift-end rule above (servers in use
        above it finish what they hold); the roster process restarts on the new slots.
        """
        self.slots_by_hour = np.asarray(slots_by_hour, dtype=int)
        self._slots = self.slots_by_hour.tolist()
        self._generation += 1  # the old roster process ends when it next wakes
        self.capacity = self.on_duty()
        if any(s != self._slots[0] for s in self._slots):
            self.env.process(self._roster(self._generation))
        self._fill()

    # --- roster -----------------------------------------------------------------------------
    def on_duty(self, time: float | None = None) -> int:
        """Servers on duty at ``time`` (now by default)."""
        t = self.env.now if time is None else time
        return self._slots[int(t) % HOURS_PER_WEEK]

    def _roster(self, generation: int) -> Generator:
        slots = self._slots
        while True:
            hour = int(self.env.now)
            now_slots = slots[hour % HOURS_PER_WEEK]
            # Sleep until the next hour whose staffing differs.
            ahead = 1
            while ahead < HOURS_PER_WEEK and slots[(hour + ahead) % HOURS_PER_WEEK] == now_slots:
                ahead += 1
            yield self.env.timeout(hour + ahead - self.env.now)
            if generation != self._generation:
                return  # replaced by set_slots
            self.capacity = self.on_duty()
            self._fill()

    # --- service ------------------------------------------------------------------------------
    def free(self) -> bool:
        """A server is free now (then no one is waiting: the pool never idles a server)."""
        return self.in_use < self.capacity

    def acquire(self) -> bool:
        """Take a free server now if there is one (no event); say whether it was taken."""
        if self.in_use < self.capacity:
            self.in_use += 1
            return True
        return False

    def request(self, priority: int = 0) -> Ticket:
        """Ask for a server; ``priority`` >= 0, lower served first, FIFO among equals."""
        if self.in_use < self.capacity:
            self.in_use += 1
            return granted(self.env, self)
        ticket = Ticket(self.env, self)
        heapq.heappush(self._heap, (priority, next(self._order), ticket))
        self.queued += 1
        return ticket

    def release(self, ticket: Ticket | None = None) -> None:
        """Give a server back: to the next customer in line, or free."""
        self.in_use -= 1
        if self.queued and self.in_use < self.capacity:
            self._fill()

    def _fill(self) -> None:
        heap, env = self._heap, self.env
        while self.in_use < self.capacity and heap:
            ticket = heapq.heappop(heap)[2]
            if ticket.cancelled:
                continue
            self.queued -= 1
            self.in_use += 1
            # ticket.succeed(), inline (a ticket in the heap is pending): scheduled now with
            # normal priority, the entry env.schedule would make
            ticket._ok = True
            ticket._value = None
            self._enqueue((env._now, NORMAL, next(env._eid), ticket))

    # --- monitoring ---------------------------------------------------------------------------
    def busy(self) -> int:
        """Servers serving customers now."""
        return self.in_use
