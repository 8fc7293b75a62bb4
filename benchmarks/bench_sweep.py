"""Sweep throughput on 1 vs 2 workers: a process pool and a Dask LocalCluster (not a test).

A 64-run sweep (16 agent counts x 4 replications of the M/M/c validation contact centre) runs
serially, on 2 spawned worker processes, and on a 2-worker Dask LocalCluster bound to
127.0.0.1. Each configuration is timed end to end (including starting the workers), and the
three tables are checked to be identical.

    python benchmarks/bench_sweep.py [--hours 300] [--points 16] [--replications 4]

The speed-up can only approach 2 on a machine whose two cores are otherwise idle.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import multiprocessing
import os
import tempfile
import time
from pathlib import Path

import pandas as pd

from sim.experiment.cluster import executor as make_executor
from sim.experiment.sweep import run_sweep
from sim.experiment.sweepfile import read_sweep_file

KEY = "designs.textbook.contact.groups.agents.agents"


def sweep_file(folder: Path, hours: float, points: int, replications: int) -> Path:
    """A full-factorial sweep file of ``points`` agent counts."""
    path = folder / "bench.toml"
    levels = ", ".join(str(c) for c in range(4, 4 + points))
    path.write_text(
        f'description = "benchmark"\nscenario = "validation/mmc"\nreplications = {replications}\n'
        f'seed = 1\nblock = 1\n[set]\n"run.horizon" = "{hours}h"\n"run.warmup" = "5h"\n'
        f'[factors]\n"{KEY}" = [{levels}]\n', encoding="utf-8")
    return path


def timed(spec, executor) -> tuple[float, pd.DataFrame]:
    """Wall time of one sweep and its tidy table."""
    start = time.perf_counter()
    result = run_sweep(spec, executor=executor, progress=False)
    return time.perf_counter() - start, result.long


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=300.0)
    parser.add_argument("--points", type=int, default=16)
    parser.add_argument("--replications", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        spec = read_sweep_file(sweep_file(Path(tmp), args.hours, args.points, args.replications))
        runs = args.points * args.replications
        serial, reference = timed(spec, None)
        start = time.perf_counter()
        with cf.ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
            _, pooled_table = timed(spec, pool)
        pooled = time.perf_counter() - start
        start = time.perf_counter()
        with make_executor(jobs=2, dask="local") as ex:
            _, dask_table = timed(spec, ex)
        on_dask = time.perf_counter() - start
    pd.testing.assert_frame_equal(reference, pooled_table)
    pd.testing.assert_frame_equal(reference, dask_table)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{runs} runs ({args.points} points x {args.replications} replications, "
          f"{args.hours:g} h horizon); cpu_count {os.cpu_count()}, load average {load:.1f}")
    print(f"serial                  {serial:7.1f} s  {runs / serial:6.2f} runs/s")
    print(f"2 processes             {pooled:7.1f} s  {runs / pooled:6.2f} runs/s  "
          f"speed-up {serial / pooled:.2f}x (incl. start-up)")
    print(f"Dask LocalCluster (2)   {on_dask:7.1f} s  {runs / on_dask:6.2f} runs/s  "
          f"speed-up {serial / on_dask:.2f}x (incl. start-up)")
    print("tables identical: yes")


if __name__ == "__main__":
    main()
