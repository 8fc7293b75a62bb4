"""The hour-filed environment runs events in exactly SimPy's order (and the one-loop one's)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import simpy

from sim import processes
from sim.engine import Environment, slot_width


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
    envs = (simpy.Environment(), processes.Environment(), Environment(),
            Environment(slot=1 / 64), Environment(slot=8.0))
    for env in envs:
        log: list = []
        _workload(env, log, seed)
        env.run(until=200.0)
        assert env.now == 200.0
        env.run(until=400.0)  # resumes where it stopped
        runs.append((log, env.now))
        peeks.append(env.peek())
    assert len(runs[0][0]) > 500
    assert all(run == runs[0] for run in runs[1:])
    assert len(set(peeks[1:])) == 1  # (SimPy's own leaves its stop event in the queue)


def test_slot_width_keeps_the_heap_near_its_target():
    assert slot_width(0.0) == slot_width(100.0) == 1.0
    for rate in (300.0, 1_000.0, 11_200.0, 65_000.0):
        width = slot_width(rate)
        assert math.frexp(width)[0] == 0.5  # a power of two
        assert rate * width <= 256 < 2 * rate * width
    assert slot_width(1e9) == 1 / 256


@pytest.mark.parametrize("slot", [0.0, -1.0, 0.3, math.inf, math.nan])
def test_slot_must_be_a_power_of_two(slot):
    with pytest.raises(ValueError, match="power of two"):
        Environment(slot=slot)


def test_slot_width_leaves_a_runs_numbers_alone(monkeypatch):
    """A whole model run with hour slots and with 1/64 h slots: the same records."""
    from sim import engine, load_scenario, run_once

    scenario = load_scenario("baseline", {"demand.orders_per_day": 120, "run.horizon": "10d",
                                          "run.warmup": "2d"})
    runs = []
    for width in (1.0, 1 / 64):
        monkeypatch.setattr("sim.world.slot_width", lambda rate, width=width: width)
        runs.append(run_once(scenario, "self_built", 0))
    assert engine.slot_width(1e6) < 1.0
    assert runs[0].kpis == runs[1].kpis
    assert runs[0].cases.equals(runs[1].cases)
    assert runs[0].ledger.equals(runs[1].ledger)


def test_empty_schedule_and_peek():
    env = Environment()
    assert env.peek() == math.inf
    env.timeout(30.5)
    assert env.peek() == 30.5
    env.run()
    assert env.now == 30.5
    with pytest.raises(simpy.core.EmptySchedule):
        env.step()
