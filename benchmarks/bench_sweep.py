"""Sweep throughput on 1 vs 2 workers: a process pool and a Dask LocalCluster (not a test).

A 64-run sweep (16 agent counts x 4 replications of the M/M/c validation contact centre) runs
serially, on a spawned process pool of 1 and of 2 workers, and on a Dask LocalCluster
(127.0.0.1) of 1 and of 2 workers. Each configuration runs in a fresh process and is timed end
to end, as a user's ``aftersales sweep`` would be: starting and stopping the workers included.
Every table is checked to be identical to every other (a hash of the tidy table).

The speed-up asked for is 2 workers against 1 worker of the same kind. The configurations run
interleaved, round after round (serial, pool1, pool2, dask1, dask2, serial, ...), and the ratio
is taken **within each round**, where a slow spell of the shared machine falls on both sides
alike; the median of the rounds' ratios is reported with its range.

Each round also measures what the two cores can give at that moment: the same pure-Python loop
in one process, then in two at once (``ceiling`` = 2 x the one-process time / the two-process
time). On a host whose cores slow each other down (shared caches, turbo, other tenants) this is
below 2, and no two-worker sweep can beat it.

    python benchmarks/bench_sweep.py [--hours 2000] [--points 16] [--replications 4]
                                     [--only serial,pool1,pool2,dask1,dask2] [--repeats 3]
                                     [--sweep own_fleet]
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import contextlib
import multiprocessing
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import harness

KEY = "designs.textbook.contact.groups.agents.agents"
KINDS = ("serial", "pool1", "pool2", "dask1", "dask2")
NAMES = {"serial": "serial (one process)", "pool1": "process pool, 1 worker",
         "pool2": "process pool, 2 workers", "dask1": "Dask LocalCluster, 1 worker",
         "dask2": "Dask LocalCluster, 2 workers"}
#: Iterations of the pure-Python loop that measures the machine's two-core ceiling (~2 s).
SPIN = 40_000_000


def sweep_file(folder: Path, hours: float, points: int, replications: int) -> Path:
    """A full-factorial sweep file of ``points`` agent counts."""
    path = folder / "bench.toml"
    levels = ", ".join(str(c) for c in range(4, 4 + points))
    path.write_text(
        f'description = "benchmark"\nscenario = "validation/mmc"\nreplications = {replications}\n'
        f'seed = 1\nblock = 1\n[set]\n"run.horizon" = "{hours}h"\n"run.warmup" = "5h"\n'
        f'[factors]\n"{KEY}" = [{levels}]\n', encoding="utf-8")
    return path


def _executor(kind: str):
    """A context manager for one configuration: serial, poolN or daskN."""
    from sim.experiment.cluster import executor as make_executor

    if kind == "serial":
        return contextlib.nullcontext(None)
    workers = int(kind[-1])
    if kind.startswith("pool"):
        return cf.ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
    return make_executor(jobs=workers, dask="local")


def _cpu_s() -> float:
    """CPU seconds of this process and of every finished descendant (workers, nannies)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def sweep_case(kind: str, hours: float, points: int, replications: int,
               sweep: str | None = None) -> dict:
    """Child: one whole sweep on one configuration, end to end (workers started and stopped).

    ``sweep`` names a sweep file (bundled or a path) to run instead of the M/M/c one.
    """
    import pandas as pd

    from sim.experiment.sweep import run_sweep
    from sim.experiment.sweepfile import read_sweep_file

    with tempfile.TemporaryDirectory() as tmp:
        spec = read_sweep_file(sweep or sweep_file(Path(tmp), hours, points, replications))
        wall, cpu = time.perf_counter(), _cpu_s()
        with _executor(kind) as ex:
            long = run_sweep(spec, executor=ex, progress=False).long
        wall, cpu = time.perf_counter() - wall, _cpu_s() - cpu
    digest = int(pd.util.hash_pandas_object(long, index=False).sum())
    runs = long[["point", "design", "replication"]].drop_duplicates().shape[0]
    return {"sweep_wall_s": wall, "sweep_cpu_s": cpu, "runs": int(runs),
            "table_hash": str(digest)}


def _spin_seconds(processes: int) -> float:
    """Wall time of ``processes`` copies of the same pure-Python loop running at once."""
    code = f"n = 0\nfor i in range({SPIN}):\n    n += i\n"
    start = time.perf_counter()
    procs = [subprocess.Popen([sys.executable, "-c", code]) for _ in range(processes)]
    for proc in procs:
        proc.wait()
    return time.perf_counter() - start


def ceiling() -> float:
    """How many times one core's work two cores do right now (2 = perfect)."""
    one = _spin_seconds(1)
    return 2 * one / _spin_seconds(2)


CASES = {"sweep": sweep_case}


def measure(repeats: int = 3, kinds=KINDS, hours: float = 2000.0, points: int = 16,
            replications: int = 4, sweep: str | None = None, log=print) -> dict:
    """Interleaved rounds of every configuration, plus the machine's ceiling in each round.

    ``sweep`` names a sweep file to run instead of the M/M/c one (``hours``, ``points`` and
    ``replications`` then do not apply).
    """
    rounds = []
    script = Path(__file__)
    for r in range(max(1, repeats)):
        row = {"ceiling": ceiling()}
        log(f"  round {r + 1}: two-core ceiling {row['ceiling']:.2f}x")
        for kind in kinds:
            row[kind] = harness.run_child(script, "sweep", {
                "kind": kind, "hours": hours, "points": points,
                "replications": replications, "sweep": sweep})
            log(f"  round {r + 1}: {kind} {row[kind]['sweep_wall_s']:.1f} s")
        rounds.append(row)
    hashes = {row[k]["table_hash"] for row in rounds for k in kinds}
    return {"rounds": rounds, "kinds": list(kinds), "hours": hours, "points": points,
            "replications": replications, "sweep": sweep, "identical": len(hashes) == 1}


def speedups(result: dict) -> dict[str, list[float]]:
    """Per round: 2 workers against 1 of the same kind, for each kind measured."""
    out = {}
    for kind in ("pool", "dask"):
        if f"{kind}1" in result["kinds"] and f"{kind}2" in result["kinds"]:
            out[kind] = [row[f"{kind}1"]["sweep_wall_s"] / row[f"{kind}2"]["sweep_wall_s"]
                         for row in result["rounds"]]
    return out


def _spread(values: list[float]) -> str:
    if len(values) == 1:
        return f"{values[0]:.2f}x"
    return (f"{statistics.median(values):.2f}x (rounds: "
            + ", ".join(f"{v:.2f}" for v in values) + ")")


def markdown(result: dict) -> str:
    """Tables of the sweep benchmark: wall and CPU time per configuration, speed-ups."""
    rounds, kinds = result["rounds"], result["kinds"]
    runs = rounds[0][kinds[0]]["runs"]
    rows = []
    for kind in kinds:
        walls = [row[kind]["sweep_wall_s"] for row in rounds]
        cpus = [row[kind]["sweep_cpu_s"] for row in rounds]
        rows.append([NAMES[kind], f"{statistics.median(walls):.1f}",
                     ", ".join(f"{w:.1f}" for w in walls), f"{statistics.median(cpus):.1f}",
                     f"{runs / statistics.median(walls):.2f}"])
    what = (f"the sweep file `{result['sweep']}`" if result.get("sweep") else
            f"{result['points']} agent counts x {result['replications']} replications of the "
            f"M/M/c validation queue, {result['hours']:g} h each")
    text = (f"{runs} runs ({what}), "
            f"{len(rounds)} interleaved rounds; wall time end to end, workers started and "
            "stopped; CPU time of the process and its workers.\n\n"
            + harness.table(["configuration", "wall s (median)", "wall s per round",
                             "CPU s (median)", "runs per s"], rows))
    lines = [f"- two-core ceiling of the machine (pure-Python loop, 2 processes vs 1): "
             f"{_spread([row['ceiling'] for row in rounds])}"]
    names = {"pool": "process pool", "dask": "Dask LocalCluster"}
    for kind, values in speedups(result).items():
        lines.append(f"- {names[kind]}, 2 workers vs 1 (same round): {_spread(values)}")
    lines.append(f"- tables identical across configurations and rounds: "
                 f"{'yes' if result['identical'] else '**no**'}")
    return text + "\n" + "\n".join(lines) + "\n"


def main() -> None:
    if harness.child_main(CASES, sys.argv[1:]):
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=2000.0)
    parser.add_argument("--points", type=int, default=16)
    parser.add_argument("--replications", type=int, default=4)
    parser.add_argument("--sweep", default=None,
                        help="a sweep file (bundled name or path) instead of the M/M/c one, "
                             "e.g. own_fleet (64 baseline runs)")
    parser.add_argument("--only", default=",".join(KINDS))
    parser.add_argument("--repeats", type=int, default=3,
                        help="interleaved rounds of every configuration")
    args = parser.parse_args()
    kinds = [k.strip() for k in args.only.split(",") if k.strip()]
    unknown = sorted(set(kinds) - set(KINDS))
    if unknown:
        parser.error(f"--only: unknown {', '.join(unknown)}; allowed: {', '.join(KINDS)}")
    result = measure(args.repeats, kinds, args.hours, args.points, args.replications,
                     args.sweep)
    print(markdown(result))


if __name__ == "__main__":
    main()
