"""Where experiments run: here, a local process pool, a local Dask cluster or a remote one.

:func:`executor` is a context manager yielding a :class:`concurrent.futures.Executor` (or None
for serial) and shutting everything down afterwards:

- ``dask=None``: ``jobs`` spawn-based worker processes (serial for ``jobs <= 1``);
- ``dask="local"``: a Dask ``LocalCluster`` of ``jobs`` single-threaded worker processes
  bound to 127.0.0.1, its dashboard off unless ``dashboard=True`` (then on a free loopback
  port, printed);
- ``dask="tcp://HOST:PORT"``: join a running Dask scheduler (``dask scheduler`` and
  ``dask worker`` processes started by the user; the workers must be able to import ``sim``).

Dask is the optional extra ``dask``. Results never depend on where the work ran.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import logging
import os
import sys
from collections.abc import Iterator

from ..config.errors import ScenarioError
from .executors import process_executor, shutdown_now

#: Settings of a local cluster whose workers run long, CPU-bound tasks (the results never
#: depend on them). Measured on a 64-run sweep (benchmarks/bench_sweep.py, 2 workers on 2
#: cores), with Dask's defaults:
#:
#: - the nanny starts each worker with ``MALLOC_TRIM_THRESHOLD_=65536``, which also turns off
#:   glibc's adaptive mmap threshold: every array of more than 128 KiB (a run's per-case
#:   columns) is then mapped and unmapped afresh, and the page faults cost about 5% of a
#:   run's CPU (sys time 0.9 -> 2.3 s in 26 s of runs). None unsets it;
#: - the statistical profiler samples the task's stack every 10 ms, and the system monitor,
#:   the event-loop tick and the nanny's memory monitor wake several times a second: about
#:   8% of each worker's CPU went outside the task thread.
LOCAL_CLUSTER_CONFIG = {
    "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
    "distributed.worker.profile.enabled": False,
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.admin.tick.interval": "1s",
    "distributed.worker.memory.monitor-interval": "2s",
}

DASK_ALLOWED = '"local" (a LocalCluster on this machine) or a scheduler address tcp://HOST:PORT'


def _distributed():
    try:
        import distributed
    except ImportError:
        raise ScenarioError.at("--dask", "distributed", "the optional extra installed: "
                               "pip install 'aftersales-sim[dask]'") from None
    return distributed


@contextlib.contextmanager
def executor(jobs: int | None = None, dask: str | None = None,
             dashboard: bool = False) -> Iterator[cf.Executor | None]:
    """Yield an executor for ``jobs`` workers, locally or on Dask (see the module docstring)."""
    if dask is None:
        pool = process_executor(jobs or 1)
        try:
            yield pool
        except BaseException:  # Ctrl-C, SIGTERM, an error: do not wait for queued work
            shutdown_now(pool)
            raise
        finally:
            if pool is not None:
                pool.shutdown(cancel_futures=True)
        return
    distributed = _distributed()
    if dask == "local":
        workers = jobs or os.cpu_count() or 1
        cluster = _local_cluster(distributed, workers, dashboard)
        client = distributed.Client(cluster)
        if dashboard:
            print(f"Dask dashboard: {client.dashboard_link}", file=sys.stderr)
    elif isinstance(dask, str) and dask.startswith(("tcp://", "tls://")):
        cluster = None
        try:
            client = distributed.Client(dask, timeout="15s")
        except (OSError, TimeoutError) as err:
            raise ScenarioError.at("--dask", dask, "a reachable Dask scheduler "
                                   f"(could not connect: {err})") from None
    else:
        raise ScenarioError.at("--dask", dask, DASK_ALLOWED)
    try:
        yield client.get_executor(pure=False)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _local_cluster(distributed, workers: int, dashboard: bool):
    """A LocalCluster of single-threaded worker processes on loopback, set for long tasks.

    The workers take :data:`LOCAL_CLUSTER_CONFIG` (a nanny hands the configuration it was
    started with to its worker); with the dashboard on, the profiler stays on for its profile
    page.
    """
    import dask

    settings = dict(LOCAL_CLUSTER_CONFIG)
    if dashboard:
        settings.pop("distributed.worker.profile.enabled")
    with dask.config.set(settings):
        return distributed.LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
            # None alone still starts the scheduler's HTTP server on the fixed port 8787;
            # a random loopback port with the dashboard off avoids clashes between runs.
            dashboard_address="127.0.0.1:0", scheduler_kwargs={"dashboard": bool(dashboard)},
            silence_logs=logging.WARNING)
