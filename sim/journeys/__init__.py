"""Case journeys: the stages each case type goes through, routed to the design's providers.

A journey is a callable ``journey(world, case)`` returning a generator that ``yield from``-s
the stage services of ``world.stage(...)`` and returns the case's terminal state. Each case is
a process of its own journey, started by :func:`start_arrivals`; when the journey
returns, the process closes the case with that state, so every case ends in exactly one
terminal state. The journey's generator is the process itself (no wrapping generator that each
of the case's events would resume through), and the case's end schedules no event.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Generator

from simpy.events import URGENT, Event

from ..config.vocab import CASE_TYPES, TERMINAL_CODE
from ..processes import _StartsOn

JOURNEYS: dict[str, Callable[..., Generator]] = {}


def journey(*case_types: str) -> Callable:
    """Decorator: register a journey for ``case_types``."""

    def decorate(fn: Callable) -> Callable:
        for case_type in case_types:
            JOURNEYS[case_type] = fn
        return fn

    return decorate


def load_all() -> None:
    """Import every journey module so each registers itself."""
    for info in pkgutil.iter_modules(__path__, __name__ + "."):
        importlib.import_module(info.name)


class _Case(_StartsOn):
    """The process of one case: its journey; the journey's value is its terminal state.

    ``event`` None starts it now (as ``env.process`` would); otherwise whoever processes
    ``event`` takes its first step (``_Arrivals``, on the case's arrival timeout).
    """

    def __init__(self, world, case: int, event, journey: Callable[..., Generator]):
        self._world = world
        self._case = case
        if event is None:
            super().__init__(world.env, journey(world, case), None)
            return
        # _StartsOn.__init__, inline (once per case), without a callback on ``event``.
        generator = journey(world, case)
        if not hasattr(generator, "throw"):
            raise ValueError(f"{generator} is not a generator.")
        self.env = world.env
        self.callbacks = []
        self._generator = generator
        self._target = event

    def _begin(self, event) -> None:
        self._world.open_cases += 1
        self._resume(event)

    def _returned(self, state: str) -> None:
        # World.close and CaseRecords.close, inline (once per case)
        world, case = self._world, self._case
        rec = world.records
        terminal = rec["terminal"]
        if terminal[case] != 0:
            rec.close(case, state, world.env._now)  # raises: closed twice
        terminal[case] = TERMINAL_CODE[state]
        rec.views["closed_at"][case] = world.env._now
        world.open_cases -= 1


class _Arrivals:
    """Starts each case at its creation time (see :func:`start_arrivals`)."""

    def __init__(self, world):
        self.world = world
        self._arriving: _Case | None = None  # the case whose arrival timeout is pending
        cases = world.cases
        self._by_code = [JOURNEYS.get(name) for name in CASE_TYPES]
        # Read lazily, one case at a time (no list of Python objects per case).
        self._next_cases = enumerate(zip(map(float, cases.created), map(int, cases.case_type),
                                         strict=True))

    def __call__(self, event) -> None:
        world, by_code = self.world, self._by_code
        env = world.env
        arriving = self._arriving
        if arriving is not None:  # its arrival: the case's first step (_Case._begin)
            self._arriving = None
            world.open_cases += 1
            arriving._resume(event)
        for case, (created, code) in self._next_cases:
            if created > env._now:
                wake = env.timeout(created - env._now)
                self._arriving = _Case(world, case, wake, by_code[code])
                wake.callbacks.append(self)
                return
            _Case(world, case, None, by_code[code])


def start_arrivals(world) -> None:
    """Start each case at its creation time.

    A later case starts on its arrival timeout (one event per case, not a timeout plus a
    process start) and takes its first step before the next case's timeout is made, both in
    the one callback of that timeout: what an arrivals process waiting on each timeout would
    do, event for event, without a generator to resume per case. The first callback runs as a
    process started now would (an urgent event now). Creation times are read as Python
    floats: the clock then stays a Python float (a numpy scalar would make every later time a
    slower numpy scalar, with the same value).
    """
    env = world.env
    start = Event(env)
    start._ok, start._value = True, None
    start.callbacks.append(_Arrivals(world))
    env.schedule(start, URGENT)
