"""Overhead of invariant checking (``--check``) on a baseline replication.

Runs one replication of each baseline design with the scenario's defaults, and times, in CPU
seconds of this process, the run itself (``run_once`` without checking) and
:func:`sim.invariants.check_run` on its output (repeated, median). The overhead is the check's
time over the run's. Usage::

    python benchmarks/bench_check.py [--designs self_built,community] [--repeats 5]
"""

from __future__ import annotations

import argparse
import statistics
import time

import sim
from sim.invariants import check_run
from sim.model import case_frame, simulate
from sim.outcomes.kpis import compute_kpis


def measure(design: str, repeats: int) -> tuple[int, float, float]:
    """Cases, CPU seconds of the unchecked run, median CPU seconds of one check."""
    scenario = sim.load_scenario("baseline")
    start = time.process_time()
    result = sim.run_once(scenario, design, 0, check=False)
    run_s = time.process_time() - start
    world = simulate(scenario, design, 0)
    cases, ledger, summary = case_frame(world), world.ledger.to_frame(), world.summary()
    kpis = compute_kpis(cases, ledger, scenario, summary)
    assert kpis == result.kpis or all(
        (a != a and b != b) or a == b for a, b in zip(kpis.values(), result.kpis.values(),
                                                       strict=True))
    times = []
    for _ in range(repeats):
        start = time.process_time()
        check_run(cases, ledger, summary, scenario, kpis, 0)
        times.append(time.process_time() - start)
    return len(cases), run_s, statistics.median(times)


def main() -> None:
    """Print one line per design: cases, run and check CPU seconds, overhead."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--designs", default="self_built,third_party_service")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print("design | cases | run CPU s | check CPU s | overhead")
    for design in args.designs.split(","):
        n, run_s, check_s = measure(design, args.repeats)
        print(f"{design} | {n} | {run_s:.2f} | {check_s:.4f} | {100 * check_s / run_s:.2f}%")


if __name__ == "__main__":
    main()
