"""The model against a bare SimPy model of the same work (not a test).

Both simulate the same M/M/c contact centre — Poisson arrivals, c agents, exponential handle
times, infinitely patient callers — for the same horizon; the bare model is the textbook SimPy
program (one process per caller, one ``Resource``), the other is ``sim.run_once`` on
``sim.validation.contact_centre``, which also builds the case table, records, ledger, hourly
monitor and every KPI. The ratio is the price of those, per case.

    python benchmarks/bench_bare_simpy.py [--rate 48] [--agents 5] [--handle-min 5] [--hours 2000]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import simpy

from sim import run_once
from sim.validation import contact_centre


def bare_mmc(rate: float, agents: int, handle_h: float, horizon: float, seed: int) -> float:
    """Mean wait (h) of a bare SimPy M/M/c model."""
    rng = np.random.default_rng(seed)
    env = simpy.Environment()
    desk = simpy.Resource(env, capacity=agents)
    waits: list[float] = []

    def caller(env):
        arrived = env.now
        with desk.request() as request:
            yield request
            waits.append(env.now - arrived)
            yield env.timeout(rng.exponential(handle_h))

    def arrivals(env):
        while True:
            yield env.timeout(rng.exponential(1 / rate))
            if env.now >= horizon:
                return
            env.process(caller(env))

    env.process(arrivals(env))
    env.run()
    return float(np.mean(waits)), len(waits)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=48.0, help="arrivals per hour")
    parser.add_argument("--agents", type=int, default=5)
    parser.add_argument("--handle-min", type=float, default=5.0)
    parser.add_argument("--hours", type=float, default=2000.0)
    args = parser.parse_args()

    started = time.perf_counter()
    bare_wait, bare_n = bare_mmc(args.rate, args.agents, args.handle_min / 60, args.hours, 1)
    bare_s = time.perf_counter() - started

    scenario = contact_centre(args.rate, args.agents, args.handle_min, horizon_h=args.hours,
                              warmup_h=0.0)
    started = time.perf_counter()
    result = run_once(scenario, keep_cases=False)
    model_s = time.perf_counter() - started
    model_n = int(result.kpis["cases"])

    print(f"M/M/{args.agents}, lambda={args.rate}/h, handle {args.handle_min} min, "
          f"{args.hours:g} h")
    print(f"  bare SimPy: {bare_s:6.2f} s, {bare_n:,} cases, {bare_n / bare_s:,.0f} cases/s, "
          f"mean wait {bare_wait * 60:.3f} min")
    print(f"  sim model:  {model_s:6.2f} s, {model_n:,} cases, {model_n / model_s:,.0f} cases/s, "
          f"mean wait {result.kpis['first_response_mean_min']:.3f} min")
    print(f"  model / bare time per case: {(model_s / model_n) / (bare_s / bare_n):.2f}x")


if __name__ == "__main__":
    main()
