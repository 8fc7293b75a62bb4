"""Sweep throughput on 1 vs 2 workers: a process pool and a Dask LocalCluster (not a test).

A 64-run sweep (16 agent counts x 4 replications of the M/M/c validation contact centre) runs
in this process (serial), on a spawned process pool of 1 and of 2 workers, and on a Dask
LocalCluster (127.0.0.1) of 1 and of 2 workers. Each is timed end to end (starting and
stopping the workers included) and every table is checked to be identical to the serial one.
Two speed-ups per executor: 2 workers against 1 worker of the same kind (the issue's "on 2
worker processes against one"), and 2 workers against the serial run (stricter: it also
charges the executor's start-up and messaging).

    python benchmarks/bench_sweep.py [--hours 2000] [--points 16] [--replications 4]
                                     [--only serial,pool1,pool2,dask1,dask2] [--repeats 1]

The speed-up can only approach 2 on a machine whose two cores are otherwise idle.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import multiprocessing
import os
import statistics
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


def _executor(kind: str):
    """A context manager for one configuration: serial, poolN or daskN."""
    import contextlib

    if kind == "serial":
        return contextlib.nullcontext(None)
    workers = int(kind[-1])
    if kind.startswith("pool"):
        return cf.ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
    return make_executor(jobs=workers, dask="local")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=2000.0)
    parser.add_argument("--points", type=int, default=16)
    parser.add_argument("--replications", type=int, default=4)
    parser.add_argument("--only", default="serial,pool1,pool2,dask1,dask2")
    parser.add_argument("--repeats", type=int, default=1,
                        help="rounds of every configuration, interleaved; medians reported")
    args = parser.parse_args()
    kinds = [k.strip() for k in args.only.split(",") if k.strip()]
    times: dict[str, list[float]] = {k: [] for k in kinds}
    tables = {}
    with tempfile.TemporaryDirectory() as tmp:
        spec = read_sweep_file(sweep_file(Path(tmp), args.hours, args.points, args.replications))
        runs = args.points * args.replications
        # Rounds interleave the configurations (A B C, A B C): a slow spell of a shared
        # machine falls on all of them alike.
        for _ in range(max(1, args.repeats)):
            for kind in kinds:
                start = time.perf_counter()
                with _executor(kind) as ex:
                    _, tables[kind] = timed(spec, ex)
                times[kind].append(time.perf_counter() - start)
    walls = {k: statistics.median(v) for k, v in times.items()}
    first = next(iter(tables.values()))
    for table in tables.values():
        pd.testing.assert_frame_equal(first, table)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{runs} runs ({args.points} points x {args.replications} replications, "
          f"{args.hours:g} h horizon); cpu_count {os.cpu_count()}, load average {load:.1f}")
    names = {"serial": "serial (this process)", "pool1": "process pool, 1 worker",
             "pool2": "process pool, 2 workers", "dask1": "Dask LocalCluster, 1 worker",
             "dask2": "Dask LocalCluster, 2 workers"}
    for kind in kinds:
        each = ", ".join(f"{t:.1f}" for t in times[kind])
        line = (f"{names[kind]:30s} {walls[kind]:7.1f} s  {runs / walls[kind]:6.2f} runs/s"
                f"  [{each}]")
        one = kind[:-1] + "1"
        if kind.endswith("2") and one in walls:
            line += f"  2 vs 1 worker {walls[one] / walls[kind]:.2f}x"
        if kind != "serial" and "serial" in walls:
            line += f"  vs serial {walls['serial'] / walls[kind]:.2f}x"
        print(line)
    print(f"tables identical: yes ({len(tables)} executors)")


if __name__ == "__main__":
    main()
