"""SimPy processes that start on an event and end without an event nobody waits for.

``env.process(gen)`` schedules an ``Initialize`` event to run the generator's first step; a
process whose first act is to wait (a case that arrives later, a consumer who checks a parcel
days after the hand-over) then schedules a second event for that wait. :func:`start_on` starts
the generator directly when a given event fires (the arrival timeout that the arrivals process
waits on anyway), and :func:`start_after` when a fresh timeout fires, so such a start costs one
event.

When its generator returns, a SimPy process schedules itself as an event so that whoever
waits on it resumes. Nobody waits on a case or a parcel watch, so these processes schedule
that event only when something is waiting for them (a callback registered); otherwise they
become processed at once, with their value. Leaving out an event that would have run no
callback changes nothing else: every other event keeps its time, priority and relative order.

The result is an ordinary :class:`simpy.Process`: it can be waited on (before or after it
ended), interrupted, and it fails the run if its generator raises.

:class:`Environment` is a :class:`simpy.Environment` whose ``run(until=time)`` processes the
events in one loop instead of a method call (and an exception handler) per event, and whose
timeouts schedule themselves without a call of ``schedule``.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from functools import partial
from heapq import heappop, heappush

import simpy
from simpy.core import StopSimulation
from simpy.events import NORMAL, URGENT, Event, Initialize, Timeout


class _StartsOn(simpy.Process):
    """A process whose generator takes its first step when ``event`` is processed."""

    def __init__(self, env: simpy.Environment, generator: Generator, event: Event | None):
        if not hasattr(generator, "throw"):
            raise ValueError(f"{generator} is not a generator.")
        # As simpy.Process.__init__, with the start event given instead of an Initialize.
        self.env = env
        self.callbacks = []
        self._generator = generator
        if event is None:  # start now, as env.process would (an urgent Initialize)
            event = Initialize(env, self)
            event.callbacks[0] = self._begin
        else:
            event.callbacks.append(self._begin)
        self._target = event

    def _begin(self, event: Event) -> None:
        """The first step (subclasses add what happens when the process starts)."""
        self._resume(event)

    def _returned(self, value) -> None:
        """Called when the generator has returned ``value`` (subclasses add to it)."""

    def _resume(self, event: Event) -> None:
        # simpy.Process._resume, except that a process that returns while nothing waits for
        # it is processed at once instead of scheduled (see the module docstring).
        env = self.env
        env._active_proc = self
        generator = self._generator
        while True:
            try:
                if event._ok:
                    event = generator.send(event._value)
                else:
                    # The process has to handle the failed event (or fail itself); it gets
                    # its own copy of the exception, as in SimPy.
                    event._defused = True
                    exc = type(event._value)(*event._value.args)
                    exc.__cause__ = event._value
                    event = generator.throw(exc)
            except StopIteration as stop:
                event = None
                self._ok = True
                self._value = stop.value
                self._returned(stop.value)
                if self.callbacks:
                    env.schedule(self)
                else:
                    self.callbacks = None  # processed: a later ``yield`` gets the value
                break
            except BaseException as error:
                event = None
                self._ok = False
                error.__traceback__ = error.__traceback__.tb_next
                self._value = error
                env.schedule(self)  # fails the run unless someone handles it
                break
            try:
                if event.callbacks is not None:
                    event.callbacks.append(self._resume)
                    break
            except AttributeError:
                if hasattr(event, "callbacks"):
                    raise
                raise RuntimeError(f'Invalid yield value "{event}"') from None
        self._target = event
        env._active_proc = None


def start_on(env: simpy.Environment, generator: Generator, event: Event) -> simpy.Process:
    """Start ``generator`` as a process when ``event`` (not yet processed) is processed.

    The generator is started with ``send(None)`` whatever the event's value, and before
    processes that started waiting on ``event`` later; a failed event fails the process.
    """
    if event.callbacks is None:
        raise ValueError("start_on needs an event that has not been processed yet")
    return _StartsOn(env, generator, event)


def start_after(env: simpy.Environment, generator: Generator, delay: float) -> simpy.Process:
    """Start ``generator`` as a process ``delay`` from now (one event: the timeout)."""
    return _StartsOn(env, generator, env.timeout(delay))


class _Timeout(Timeout):
    """:class:`simpy.Timeout` with ``env.schedule`` inlined (same time, priority and order):
    its entry goes where ``env._enqueue`` would put it."""

    def __init__(self, env: Environment, delay: float, value=None):
        if delay < 0:
            raise ValueError(f"Negative delay {delay}")
        self.env = env
        self.callbacks = []
        self._value = value
        self._delay = delay
        self._ok = True
        at = env._now + delay
        # env._enqueue, inline (two timeouts per contact: a call each is measurable)
        if at < env._limit:
            heappush(env._queue, (at, NORMAL, next(env._eid), self))
        else:
            env._file((at, NORMAL, next(env._eid), self))


class Environment(simpy.Environment):
    """A :class:`simpy.Environment` whose ``run(until=time)`` steps in one loop.

    The events run exactly as ``simpy.Environment.run`` runs them: in (time, priority, order
    of scheduling) order, up to the stop SimPy would schedule at ``until`` with urgent
    priority (events at ``until`` itself do not run, unless urgent and scheduled before the
    call), after which the clock reads ``until``. A failed event that nobody handled fails the
    run. ``run()`` and ``run(until=event)`` are SimPy's own. ``timeout`` makes
    :class:`simpy.Timeout` events, scheduled as SimPy schedules them.
    """

    #: Entries due before this time go onto the heap, later ones to :meth:`_file` (here the
    #: heap too; :class:`sim.engine.Environment` files them by hour).
    _limit: float = math.inf

    def __init__(self, initial_time: float = 0):
        super().__init__(initial_time)
        self.timeout = partial(_Timeout, self)

    def _enqueue(self, entry: tuple) -> None:
        """Put a scheduled ``(time, priority, id, event)`` entry on the queue."""
        if entry[0] < self._limit:
            heappush(self._queue, entry)
        else:
            self._file(entry)

    def _file(self, entry: tuple) -> None:
        """An entry due at or after ``_limit`` (only ``inf`` here): onto the heap."""
        heappush(self._queue, entry)

    def run(self, until=None):
        if until is None or isinstance(until, Event):
            return super().run(until)
        at = until if isinstance(until, int) else float(until)
        now = self._now
        if at <= now:
            raise ValueError(f"until ({at}) must be greater than the current simulation time")
        at = now + (at - now)  # where SimPy's stop event would be
        stop = next(self._eid)  # the stop's place among events scheduled at the same time
        queue = self._queue
        while True:
            if not queue and not self._refill(at):
                break
            head = queue[0]
            if not (head[0] < at or (head[0] == at and head[1] == URGENT and head[2] < stop)):
                break
            self._now, _, _, event = heappop(queue)
            callbacks, event.callbacks = event.callbacks, None
            try:
                for callback in callbacks:
                    callback(event)
            except StopSimulation as exc:  # as simpy.Environment.step and run
                event.callbacks = callbacks[callbacks.index(callback) + 1:]
                self.schedule(event, URGENT - 1)
                return exc.args[0]
            if not event._ok and not hasattr(event, "_defused"):
                exc = type(event._value)(*event._value.args)
                exc.__cause__ = event._value
                raise exc
        self._now = at
        return None

    def _refill(self, until: float) -> bool:
        """The heap ran dry before ``until``: refill it and say whether there is more to run
        (a plain heap has nothing more; :class:`sim.engine.Environment` files later events
        apart)."""
        return False
