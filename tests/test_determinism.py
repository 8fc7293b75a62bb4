"""Same inputs, same numbers: serial, a process pool and a Dask LocalCluster, under two hash seeds.

Two Python processes with different ``PYTHONHASHSEED`` (so every set and str-keyed hash
iterates differently) each compare two designs of a short baseline on three executors: here
(serial), a spawn-based process pool, and the project's own Dask
``LocalCluster`` (``--dask local``: worker processes on 127.0.0.1). The six ``runs`` and
``summary`` tables, written as CSV, must be identical byte for byte.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("distributed")

SCRIPT = textwrap.dedent("""
    import concurrent.futures as cf
    import contextlib
    import multiprocessing
    import sys
    from pathlib import Path
    import sim
    from sim.experiment.cluster import executor

    out = Path(sys.argv[1])
    scenario = sim.load_scenario("baseline", {
        "demand.orders_per_day": 40, "run.horizon": "1d", "run.warmup": "0h",
        "run.drain": "2d"})
    spawn = multiprocessing.get_context("spawn")
    for name, make in (
            ("serial", contextlib.nullcontext),
            ("processes", lambda: cf.ProcessPoolExecutor(1, mp_context=spawn)),
            ("dask", lambda: executor(jobs=1, dask="local"))):
        with make() as pool:
            result = sim.compare(scenario, replications=2, progress=False, executor=pool,
                                 designs=["community", "max_outsourcing"])
        result.runs.to_csv(out / f"{name}-runs.csv", index=False)
        result.summary.to_csv(out / f"{name}-summary.csv", index=False)
""")
HASH_SEEDS = ("0", "4242")
EXECUTORS = ("serial", "processes", "dask")


def test_three_executors_and_two_hash_seeds_give_identical_tables(tmp_path):
    root = Path(__file__).resolve().parents[1]
    procs = {}
    for seed in HASH_SEEDS:  # both at once: each waits on its workers much of the time
        out = tmp_path / seed
        out.mkdir()
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(root)}
        procs[seed] = subprocess.Popen([sys.executable, "-c", SCRIPT, str(out)], cwd=tmp_path,
                                       env=env, stdout=subprocess.PIPE,
                                       stderr=subprocess.PIPE, text=True)
    for seed, proc in procs.items():
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, f"PYTHONHASHSEED={seed}: {err[-3000:]}"
    for table in ("runs", "summary"):
        reference = (tmp_path / HASH_SEEDS[0] / f"serial-{table}.csv").read_bytes()
        assert reference.count(b"\n") > 3
        for seed in HASH_SEEDS:
            for name in EXECUTORS:
                got = (tmp_path / seed / f"{name}-{table}.csv").read_bytes()
                assert got == reference, f"{table} differs: {name}, PYTHONHASHSEED={seed}"
