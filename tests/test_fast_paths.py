"""The fast paths of the model are the slow paths' exact equals.

- KPIs read categorical columns on their codes (:mod:`sim.outcomes.codes`); a table whose
  name columns are plain strings takes the string path. Both must give the same KPIs.
- Processes that start on their first timeout (:mod:`sim.processes`) behave as SimPy
  processes started with ``env.process`` and a first ``yield env.timeout``, and their end is
  an event only when something waits for them.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import simpy

from sim import load_scenario
from sim.model import case_frame, simulate
from sim.outcomes.codes import as_str, is_in, per_category
from sim.outcomes.kpis import compute_kpis
from sim.processes import Environment, start_after, start_on


@pytest.fixture(scope="module")
def small_run():
    scenario = load_scenario("baseline", overrides={
        "run.horizon": "6d", "run.warmup": "1d", "run.drain": "20d",
        "demand.orders_per_day": 150})
    world = simulate(scenario, "community", 0)
    return scenario, world


def _same(a: dict, b: dict) -> list[str]:
    return [k for k in a if not (a[k] == b[k] or (math.isnan(a[k]) and math.isnan(b[k])))]


def test_kpis_on_codes_equal_kpis_on_strings(small_run):
    scenario, world = small_run
    cases, ledger = case_frame(world), world.ledger.to_frame()
    on_codes = compute_kpis(cases, ledger, scenario, world.summary())
    names = [c for c in cases if isinstance(cases[c].dtype, pd.CategoricalDtype)]
    assert {"terminal", "case_type", "channel"} <= set(names)
    as_text = cases.assign(**{c: cases[c].astype(str) for c in names})
    ledger_text = ledger.assign(kind=ledger["kind"].astype(str),
                                component=ledger["component"].astype(str))
    on_strings = compute_kpis(as_text, ledger_text, scenario, world.summary())
    assert on_codes.keys() == on_strings.keys()
    assert _same(on_codes, on_strings) == []
    assert on_codes["cases"] > 100 and 0 < on_codes["share_resolved"] < 1


def test_code_helpers_match_string_comparisons():
    column = pd.Series(pd.Categorical(["a", "b", None, "c", "a"], categories=["c", "b", "a"]))
    text = column.astype(str)
    assert is_in(column, "a").tolist() == (text == "a").tolist()
    assert is_in(column, "a", "c").tolist() == text.isin(["a", "c"]).tolist()
    assert not is_in(column, "zzz").any()
    values = per_category(column, {"a": 1.0, "c": 3.0}, np.inf)
    assert values.tolist() == [1.0, np.inf, np.inf, 3.0, 1.0]  # missing entry: the fill
    full = pd.Series(pd.Categorical(["x", "y", "x"]))
    assert as_str(full).tolist() == full.astype(str).tolist()


def _log(env, log, name):
    log.append((name, "start", env.now))
    yield env.timeout(1.5)
    log.append((name, "end", env.now))
    return name


def test_start_after_is_a_process_that_starts_late():
    env = simpy.Environment()
    log: list = []
    late = start_after(env, _log(env, log, "late"), 2.0)
    env.run()
    assert log == [("late", "start", 2.0), ("late", "end", 3.5)]
    assert late.value == "late" and not late.is_alive
    # Events: the start timeout and the inner timeout (no Initialize; nothing waits for the
    # process, so its end is no event).
    assert next(env._eid) == 2


def test_a_late_process_can_be_waited_on_before_and_after_it_ends():
    env = simpy.Environment()
    log: list = []
    proc = start_after(env, _log(env, log, "p"), 1.0)
    seen = []

    def early():  # waits while the process runs: resumed by the process's end event
        seen.append(("early", (yield proc), env.now))

    def late():  # waits after the process has ended: gets its value at once
        yield env.timeout(5.0)
        seen.append(("late", (yield proc), env.now))

    env.process(early())
    env.process(late())
    env.run()
    assert seen == [("early", "p", 2.5), ("late", "p", 5.0)]


def test_start_on_runs_before_later_waiters_and_can_be_interrupted():
    env = simpy.Environment()
    order: list = []
    wake = env.timeout(1.0)
    proc = start_on(env, _log(env, order, "case"), wake)

    def waiter():
        yield wake
        order.append(("waiter", env.now))
        proc.interrupt("stop")

    env.process(waiter())
    with pytest.raises(simpy.Interrupt):  # the case does not handle its interruption
        env.run()
    assert order == [("case", "start", 1.0), ("waiter", 1.0)]
    with pytest.raises(ValueError, match="not been processed"):
        start_on(env, _log(env, order, "x"), wake)


def test_a_failing_late_process_fails_the_run():
    env = simpy.Environment()

    def broken():
        yield env.timeout(1.0)
        raise RuntimeError("boom")

    start_after(env, broken(), 1.0)
    with pytest.raises(RuntimeError, match="boom"):
        env.run()
    assert env.now == 2.0


def _traffic(env, log):
    """Timeouts that tie with each other and with the stop time, and a process start."""

    def worker(name, delays):
        for d in delays:
            yield env.timeout(d)
            log.append((name, env.now))

    env.process(worker("a", [1.0, 1.0, 2.0, 0.5]))
    env.process(worker("b", [2.0, 2.0, 0.0, 1.0]))
    start_after(env, worker("c", [0.5, 0.5]), 3.0)


def test_environment_run_until_equals_simpy_run_until():
    logs = []
    for make in (simpy.Environment, Environment):
        env, log = make(), []
        _traffic(env, log)
        env.run(until=4.0)  # events at 4.0 itself do not run
        log.append(("stop", env.now))
        env.run(until=9.0)  # the rest
        log.append(("stop", env.now))
        logs.append(log)
    assert logs[0] == logs[1]
    assert ("stop", 4.0) in logs[1] and ("b", 4.0) not in logs[1][:logs[1].index(("stop", 4.0))]
    with pytest.raises(ValueError, match="greater than"):
        Environment().run(until=0.0)


def test_environment_run_fails_on_an_unhandled_failure():
    env = Environment()

    def broken():
        yield env.timeout(1.0)
        raise RuntimeError("boom")

    env.process(broken())
    with pytest.raises(RuntimeError, match="boom"):
        env.run(until=5.0)
