"""Running replications on any :class:`concurrent.futures.Executor`.

A unit of work is a :class:`Task` — (scenario, design, replication, seed): plain, picklable
data, so the same tasks run in this process, in a ``ProcessPoolExecutor`` (spawn-safe: the
task function lives in this importable module), or on a Dask cluster through
``client.get_executor(pure=False)``. Results never depend on the executor: every random number
comes from (seed, replication, stream name), and results are put back in task order.

The worker returns a :class:`TaskResult` holding only what the analysis needs (KPIs, a cost
breakdown, the hourly backlog, and for replication 0 the monitor timeline and the per-case
waits), so little data travels back from the workers.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..config.schema import Scenario


@dataclass(frozen=True)
class Task:
    """One replication of one design: everything a worker needs, picklable.

    Parameters
    ----------
    scenario : Scenario
        The resolved, frozen scenario.
    design : str
        Design name.
    replication : int
        Random-number set; replication r of every design shares it (common random numbers).
    seed : int
        Master seed.
    keep_cases : bool
        Return the full per-case table.
    detail : bool
        Return the per-case waits (used for figures).
    monitor : bool
        Return the hourly monitor timeline (every replication's, for the timeline bands).
    check : bool, optional
        Verify the run's invariants (:mod:`sim.invariants`); None: the worker's
        ``AFTERSALES_CHECK``. Callers resolve it where the run is asked for, so a remote
        worker checks when the user's process asked.
    """

    scenario: Scenario
    design: str
    replication: int
    seed: int
    keep_cases: bool = False
    detail: bool = False
    monitor: bool = False
    check: bool | None = None


@dataclass(frozen=True)
class TaskResult:
    """What a worker sends back for one :class:`Task`.

    Attributes
    ----------
    design : str
    replication : int
    kpis : dict of str to float
    costs : pandas.DataFrame
        Cost by ``component`` and ``kind`` (column ``amount``) in the scope of
        ``total_cost``: it sums to that KPI.
    backlog : pandas.DataFrame
        Hourly ``time_h`` and ``open_cases`` (for the warm-up and stability checks).
    timeline : pandas.DataFrame or None
        The full hourly monitor, when ``monitor`` (or ``detail``).
    waits : pandas.DataFrame or None
        Per case in scope: ``first_response_min`` and ``resolution_h``, when ``detail``.
    cases : pandas.DataFrame or None
        The per-case table, when ``keep_cases``.
    periods : pandas.DataFrame or None
        Case KPIs per period (``period, kpi, value``; :mod:`sim.outcomes.periods`).
    """

    design: str
    replication: int
    kpis: dict
    costs: pd.DataFrame
    backlog: pd.DataFrame
    timeline: pd.DataFrame | None = None
    waits: pd.DataFrame | None = None
    cases: pd.DataFrame | None = None
    periods: pd.DataFrame | None = None


def run_task(task: Task) -> TaskResult:
    """Run one task (module-level so process pools can pickle it by reference)."""
    from ..config.units import MINUTE
    from ..model import run_once
    from ..outcomes.kpis import in_scope
    from ..outcomes.ledger import in_scope_breakdown
    from ..outcomes.periods import period_kpis

    result = run_once(task.scenario, task.design, task.replication, task.seed, keep_cases=True,
                      check=task.check)
    cases = result.cases
    ledger = result.ledger
    run = task.scenario.run
    scope = in_scope(cases, task.scenario)
    costs = in_scope_breakdown(ledger, scope["case"].to_numpy(), run.warmup, run.horizon)
    timeline = result.timeline
    backlog = timeline[["time_h", "open_cases"]].copy()
    waits = None
    if task.detail:
        resolved = (scope["terminal"].astype(str) == "resolved").to_numpy()
        waits = pd.DataFrame({
            "first_response_min": scope["first_wait_h"].to_numpy(dtype=float) / MINUTE,
            "resolution_h": np.where(
                resolved, (scope["closed_at"] - scope["created"]).to_numpy(dtype=float), np.nan),
        })
    return TaskResult(
        design=task.design, replication=task.replication, kpis=dict(result.kpis), costs=costs,
        backlog=backlog, timeline=timeline if task.detail or task.monitor else None,
        waits=waits, cases=cases if task.keep_cases else None,
        periods=period_kpis(cases, ledger, task.scenario),
    )


def process_executor(jobs: int) -> cf.Executor | None:
    """A spawn-based ``ProcessPoolExecutor`` with ``jobs`` workers; None (serial) for ``jobs <= 1``.

    Spawn is used everywhere (not only where it is the default) so the behaviour on Linux,
    macOS and Windows is the same and no threads' state is forked. Every worker runs
    :func:`_worker_init`: it ignores Ctrl-C (the parent handles it once and shuts the pool
    down, see :func:`shutdown_now`) and exits by itself within a second when its parent dies,
    even of ``kill -9``, so no worker outlives the run that started it.
    """
    if jobs is None or jobs <= 1:
        return None
    return _Pool(max_workers=int(jobs), mp_context=multiprocessing.get_context("spawn"),
                 initializer=_worker_init, initargs=(os.getpid(),))


class _Pool(cf.ProcessPoolExecutor):
    """A process pool whose workers ignore Ctrl-C from their first instruction.

    :func:`_worker_init` runs only once a worker has imported everything; a Ctrl-C reaching
    the process group before that killed a starting worker with a traceback on the shared
    terminal. A worker is started with SIGINT ignored in the parent for the moment of the
    fork and exec (an ignored signal stays ignored across exec).
    """

    def _spawn_process(self):  # the pool's (private) hook that starts one worker
        if threading.current_thread() is not threading.main_thread():
            return super()._spawn_process()
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            return super()._spawn_process()
        finally:
            signal.signal(signal.SIGINT, previous)


#: How often a worker checks that its parent is alive (seconds).
PARENT_CHECK_S = 0.5


def _worker_init(parent_pid: int) -> None:
    """Set a pool worker up: ignore SIGINT, and watch the parent in a daemon thread."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    watcher = threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True,
                               name="aftersales-parent-watch")
    watcher.start()


def _watch_parent(parent_pid: int) -> None:
    # A dead parent re-parents the worker (getppid changes); exit at once, without cleanup
    # that could block on the dead parent's pipes.
    while True:
        time.sleep(PARENT_CHECK_S)
        if os.getppid() != parent_pid:
            os._exit(1)


def shutdown_now(executor: cf.Executor | None) -> None:
    """Stop an executor without waiting for queued work (Ctrl-C, SIGTERM, an error).

    Pending futures are cancelled; a process pool's workers are terminated, because a
    replication in progress cannot be interrupted and its result is no longer wanted.
    """
    if executor is None:
        return
    processes = list((getattr(executor, "_processes", None) or {}).values())
    executor.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        with contextlib.suppress(Exception):
            process.terminate()
    for process in processes:
        with contextlib.suppress(Exception):
            process.join(timeout=5)


def _progress_bar(total: int, progress: bool | None, desc: str):
    # The text bar, also in notebooks: tqdm.auto's widget needs ipywidgets, which we do not
    # require, and warns without it.
    from tqdm import tqdm

    # disable=None lets tqdm switch itself off when stderr is not a terminal; delay hides
    # the bar for anything that finishes within a second.
    disable = None if progress is None else not progress
    return tqdm(total=total, desc=desc, disable=disable, delay=1.0, file=sys.stderr,
                leave=False, unit="run")


def execute(tasks: Sequence[Any], executor: cf.Executor | None = None,
            progress: bool | None = None, fn: Callable[[Any], Any] = run_task,
            on_result: Callable[[int, Any], None] | None = None,
            desc: str = "replications") -> list[Any]:
    """Run ``fn`` on every task and return the results in task order.

    Parameters
    ----------
    tasks : sequence
        Picklable task objects.
    executor : concurrent.futures.Executor, optional
        Where to run; None runs them here, one after the other.
    progress : bool, optional
        Force the progress bar on or off; None shows it on a terminal for runs over a second.
    fn : callable
        Module-level task function (default :func:`run_task`).
    on_result : callable, optional
        Called as ``on_result(index, result)`` as soon as each task finishes (used by sweeps
        to store results incrementally).
    desc : str
        Label of the progress bar.

    Returns
    -------
    list
        ``fn(task)`` for every task, in the order of ``tasks``.

    Notes
    -----
    At most about four futures per worker are in flight (back-pressure), so thousands of
    tasks keep memory flat on every executor.
    """
    results: list[Any] = [None] * len(tasks)
    with _progress_bar(len(tasks), progress, desc) as bar:
        if executor is None:
            for i, task in enumerate(tasks):
                results[i] = fn(task)
                if on_result is not None:
                    on_result(i, results[i])
                bar.update()
            return results
        workers = getattr(executor, "_max_workers", None) or 4
        window = max(4 * int(workers), 1)
        pending: dict[cf.Future, int] = {}
        queue: Iterable[tuple[int, Any]] = iter(enumerate(tasks))
        for i, task in queue:
            pending[executor.submit(fn, task)] = i
            if len(pending) >= window:
                break
        while pending:
            done, _ = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
            for future in done:
                i = pending.pop(future)
                results[i] = future.result()
                if on_result is not None:
                    on_result(i, results[i])
                bar.update()
            for i, task in queue:
                pending[executor.submit(fn, task)] = i
                if len(pending) >= window:
                    break
    return results
