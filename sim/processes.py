"""SimPy processes that start on an event: one scheduled event per start instead of two.

``env.process(gen)`` schedules an ``Initialize`` event to run the generator's first step; a
process whose first act is to wait (a case that arrives later, a consumer who checks a parcel
days after the hand-over) then schedules a second event for that wait. :func:`start_on` starts
the generator directly when a given event fires (the arrival timeout that the arrivals process
waits on anyway), and :func:`start_after` when a fresh timeout fires, so such a start costs one
event. The result is an ordinary :class:`simpy.Process` (it can be waited on, interrupted,
and it fails the run if its generator raises).
"""

from __future__ import annotations

from collections.abc import Generator

import simpy
from simpy.events import Event


class _StartsOn(simpy.Process):
    """A process whose generator takes its first step when ``event`` is processed."""

    def __init__(self, env: simpy.Environment, generator: Generator, event: Event):
        if not hasattr(generator, "throw"):
            raise ValueError(f"{generator} is not a generator.")
        # As simpy.Process.__init__, with the start event given instead of an Initialize.
        self.env = env
        self.callbacks = []
        self._generator = generator
        self._target = event
        event.callbacks.append(self._resume)


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
