"""Sweeps on Dask: a LocalCluster, and a real cluster of separate processes on loopback that
loses a worker mid-sweep, give the same tables as a serial run.

``distributed`` is an optional extra; ``make test`` installs it so this path stays covered.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.experiment.cluster import executor
from sim.experiment.sweep import run_sweep
from sim.experiment.sweepfile import read_sweep_file

distributed = pytest.importorskip("distributed")
ROOT = Path(__file__).resolve().parents[1]
AGENTS = "designs.textbook.contact.groups.agents.agents"
SWEEP = ('scenario = "validation/mmc"\nmethod = "full_factorial"\nreplications = 4\nseed = 5\n'
         'block = 1\noutputs = ["first_response_mean_min", "cost_per_case", "cases"]\n'
         '[set]\n"run.horizon" = "20h"\n"run.warmup" = "2h"\n"run.drain" = "100h"\n'
         f'[factors]\n"{AGENTS}" = [3, 4]\n')


@pytest.fixture(scope="module")
def sweep_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("dask") / "small.toml"
    path.write_text(SWEEP, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def serial(sweep_file):
    return run_sweep(read_sweep_file(sweep_file), progress=False)


def _same(a, b):
    pd.testing.assert_frame_equal(a.long, b.long)
    pd.testing.assert_frame_equal(a.runs, b.runs)
    pd.testing.assert_frame_equal(a.points, b.points)


def test_local_cluster_matches_serial(sweep_file, serial):
    with executor(jobs=2, dask="local") as ex:
        assert ex is not None
        on_dask = run_sweep(read_sweep_file(sweep_file), executor=ex, progress=False, block=2)
    _same(serial, on_dask)


def test_bad_dask_address_is_a_clear_error():
    from sim.cli import main

    assert main(["sweep", "agents", "--dask", "udp://nowhere"]) == 2


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _dask_bin() -> str:
    path = Path(sys.executable).with_name("dask")
    if not path.exists():
        pytest.skip("the dask command is not installed")
    return str(path)


def _start(args, log: Path, env) -> subprocess.Popen:
    return subprocess.Popen(args, stdout=log.open("wb"), stderr=subprocess.STDOUT, env=env,
                            cwd=ROOT, start_new_session=True)


def test_real_cluster_loses_a_worker_and_still_matches_serial(sweep_file, serial, tmp_path):
    port, dask = _free_port(), _dask_bin()
    address = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DASK_DISTRIBUTED__WORKER__DAEMON": "False"}
    procs = [_start([dask, "scheduler", "--host", "127.0.0.1", "--port", str(port),
                     "--no-dashboard"], tmp_path / "scheduler.log", env)]
    try:
        for i in range(2):
            procs.append(_start([dask, "worker", address, "--nthreads", "1", "--no-nanny",
                                 "--no-dashboard", "--host", "127.0.0.1", "--name", f"w{i}"],
                                tmp_path / f"worker{i}.log", env))
        with distributed.Client(address, timeout="60s") as client:
            client.wait_for_workers(2, timeout=90)
        out = tmp_path / "out"
        sweep = _start([sys.executable, "-m", "sim.cli", "sweep", str(sweep_file), "--dask",
                        address, "--out", str(out), "--no-figures"], tmp_path / "sweep.log", env)
        deadline = time.monotonic() + 120
        while not list((out / "parts").glob("part-*")) and time.monotonic() < deadline:
            if sweep.poll() is not None:
                break
            time.sleep(0.05)
        os.kill(procs[1].pid, signal.SIGKILL)         # a worker dies mid-sweep
        assert sweep.wait(timeout=180) == 0, (tmp_path / "sweep.log").read_text()
        assert (out / "COMPLETE").exists()
        parts = list((out / "parts").glob("part-*"))
        assert len(parts) == 8                        # every chunk once: 2 points x 4 reps
        long = pd.read_parquet(out / "runs_long.parquet")
        pd.testing.assert_frame_equal(long, serial.long)
        assert not long.duplicated(["run_id", "kpi"]).any()
    finally:
        for proc in procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
