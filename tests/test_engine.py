"""The hour-filed environment runs events in exactly SimPy's order (and the one-loop one's)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import simpy

from sim import processes
from sim.engine import Environment


def _workload(env, log: list, seed: int) -> None:
    """Processes with delays from minutes to days, ties, priorities, interrupts and inf."""
    rng = np.random.default_rng(seed)

    def worker(i: int):
        for step in range(int(rng.integers(1, 6))):
            delay = float(rng.choice([0.0, 0.25, 1.0, 2.5, 24.0, rng.exponential(5.0)]))
            try:
                yield env.timeout(delay)
            except simpy.Interrupt:
                log.append(("interrupted", i, env.now))
            log.append((i, step, env.now))

    def starter():
        for i in range(300):
            process = env.process(worker(i))
            if i % 7 == 0:
                env.process(interrupter(process))
            yield env.timeout(float(rng.choice([0.0, 0.1, 1.0, 3.0])))

    def interrupter(process):
        yield env.timeout(0.5)
        if process.is_alive:
            process.interrupt()

    env.timeout(math.inf)  # never runs
    urgent = env.event()  # scheduled by hand ahead of same-time timeouts, as run(until) does
    urgent._ok, urgent._value = True, None
    urgent.callbacks.append(lambda e: log.append(("urgent", env.now)))
    env.schedule(urgent, simpy.events.URGENT, 2.0)
    env.process(starter())


@pytest.mark.parametrize("seed", [0, 1])
def test_same_event_order_and_clock_as_simpy(seed):
    runs, peeks = [], []
    for env in (simpy.Environment(), processes.Environment(), Environment()):
        log: list = []
        _workload(env, log, seed)
        env.run(until=200.0)
        assert env.now == 200.0
        env.run(until=400.0)  # resumes where it stopped
        runs.append((log, env.now))
        peeks.append(env.peek())
    assert len(runs[0][0]) > 500
    assert runs[0] == runs[1] == runs[2]
    assert peeks[1] == peeks[2]  # (SimPy's own leaves its stop event in the queue)


def test_empty_schedule_and_peek():
    env = Environment()
    assert env.peek() == math.inf
    env.timeout(30.5)
    assert env.peek() == 30.5
    env.run()
    assert env.now == 30.5
    with pytest.raises(simpy.core.EmptySchedule):
        env.step()
