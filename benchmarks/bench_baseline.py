"""Wall time of the main job: ``compare`` on a scenario with its default replications.

Not a test. Run ``make bench`` or ``python benchmarks/bench_baseline.py [SCENARIO] [--jobs N]``;
it times a serial run and a run on N worker processes (default 2) and prints wall time and
simulated cases per second. Both runs must give identical tables (checked).
"""

from __future__ import annotations

import argparse
import time

import pandas as pd

from sim import load_scenario
from sim.experiment.executors import process_executor
from sim.experiment.runner import compare


def _time(scenario, jobs: int):
    executor = process_executor(jobs)
    started = time.perf_counter()
    try:
        result = compare(scenario, executor=executor, progress=False)
    finally:
        if executor is not None:
            executor.shutdown()
    return result, time.perf_counter() - started


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("scenario", nargs="?", default="baseline")
    args.add_argument("--jobs", type=int, default=2)
    opts = args.parse_args()
    scenario = load_scenario(opts.scenario)
    runs = len(scenario.designs) * scenario.run.replications
    print(f"{opts.scenario}: {len(scenario.designs)} designs × {scenario.run.replications} "
          f"replications = {runs} runs")
    reference = None
    for jobs in (1, opts.jobs):
        result, wall = _time(scenario, jobs)
        cases = float(result.runs["cases"].sum()) if "cases" in result.runs else float("nan")
        label = "serial" if jobs == 1 else f"{jobs} processes"
        print(f"{label:>12}: {wall:7.2f} s wall, {cases:,.0f} cases in scope, "
              f"{cases / wall:,.0f} cases/s")
        if reference is None:
            reference = result.runs
        else:
            pd.testing.assert_frame_equal(reference, result.runs)
    print("serial and parallel tables identical")


if __name__ == "__main__":
    main()
