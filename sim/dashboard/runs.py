"""Runs off the page: one comparison at a time, in a background thread, with progress.

The page submits a run and returns at once; it redraws from the :class:`Job` it gets back
(state, replications done, result). One :class:`Runner` serves the whole dashboard server, so
two runs are never interleaved on the machine's cores: a run submitted while another is going
is refused with a message that says which run is going and how far it is.

The run itself is :func:`sim.compare` on an executor (a thread, or worker processes with
``jobs > 1``) wrapped so that each finished replication ticks the job's counter, then
:meth:`Comparison.write` writes the results folder (tables, figures, report.html); the page
shows the figures and offers the folder as a zip and the report, all from that folder.
"""

from __future__ import annotations

import concurrent.futures as cf
import io
import itertools
import threading
import time
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config.errors import ScenarioError
from ..config.schema import Scenario


class Busy(RuntimeError):  # noqa: N818 - reads as "the runner is busy"
    """A run was submitted while another was going."""


class Cancelled(RuntimeError):  # noqa: N818 - reads as "the run was cancelled"
    """The user cancelled the run."""


@dataclass
class Job:
    """One comparison run from the dashboard, as the page sees it.

    Attributes
    ----------
    id : int
    label : str
        What was run (scenario, designs, replications), for messages.
    total : int
        Replications to run over all designs.
    done : int
        Replications finished so far.
    state : str
        ``running``, ``done``, ``failed`` or ``cancelled``.
    error : str
        Why it failed (the ScenarioError's lines, or the exception), when it failed.
    result : Comparison or None
    folder : Path or None
        The results folder written for the run.
    command : str
        What was run, with the levers moved, as recorded in the manifest.
    """

    id: int
    label: str
    total: int
    done: int = 0
    state: str = "running"
    error: str = ""
    result: Any = None
    folder: Path | None = None
    command: str = ""
    started: float = field(default_factory=time.time)
    finished: float | None = None
    cancel_requested: bool = False
    _zip: bytes | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def running(self) -> bool:
        """Whether the run is still going."""
        return self.state == "running"

    def tick(self) -> None:
        """Count one finished replication."""
        with self._lock:
            self.done = min(self.done + 1, self.total)

    def figures(self) -> dict[str, bytes]:
        """PNG bytes of the results folder's figures, by kind (``kpis``, ``pareto``, ...)."""
        if self.folder is None:
            return {}
        return {p.stem: p.read_bytes() for p in sorted((self.folder / "figures").glob("*.png"))}

    def report_html(self) -> bytes:
        """The self-contained HTML report of the results folder."""
        return (self.folder / "report.html").read_bytes() if self.folder else b""

    def zip_bytes(self) -> bytes:
        """The results folder as a zip archive, entries under the folder's own name."""
        if self.folder is None:
            return b""
        if self._zip is not None:
            return self._zip
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(self.folder.rglob("*")):
                if path.is_file():
                    archive.write(path, Path(self.folder.name) / path.relative_to(self.folder))
        self._zip = buffer.getvalue()
        return self._zip


class _Counting(cf.Executor):
    """An executor that ticks the job for every finished task and stops when cancelled."""

    def __init__(self, inner: cf.Executor, job: Job):
        self._inner = inner
        self._job = job
        # sim.experiment.executors.execute sizes its window of futures from this.
        self._max_workers = getattr(inner, "_max_workers", 1)

    def submit(self, fn: Callable, /, *args: Any, **kwargs: Any) -> cf.Future:
        if self._job.cancel_requested:
            raise Cancelled("cancelled")
        future = self._inner.submit(fn, *args, **kwargs)
        future.add_done_callback(lambda f: self._job.tick())
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._inner.shutdown(wait=wait, cancel_futures=cancel_futures)


class Runner:
    """Runs one comparison at a time in a background thread.

    Parameters
    ----------
    out : path
        Root of the results folders (``<out>/<scenario>/<timestamp>``).
    jobs : int
        Worker processes; 1 runs the replications in one background thread.
    """

    def __init__(self, out: str | Path = "results", jobs: int = 1):
        self.out = Path(out)
        self.jobs = max(1, int(jobs))
        self._lock = threading.Lock()
        self._current: Job | None = None
        self._ids = itertools.count(1)

    @property
    def current(self) -> Job | None:
        """The latest job (running or finished), if any."""
        return self._current

    def submit(self, scenario: Scenario, designs: Sequence[str], replications: int,
               command: str = "aftersales dashboard") -> Job:
        """Start a comparison in the background and return its job at once.

        Raises
        ------
        Busy
            When a run is going; the message says which and how far it is.
        ScenarioError
            For no designs or fewer than one replication (checked before starting).
        """
        if not designs:
            raise ScenarioError.at("designs", list(designs), "at least one design")
        if int(replications) < 1:
            raise ScenarioError.at("replications", replications, "a whole number >= 1")
        with self._lock:
            job = self._current
            if job is not None and job.running:
                raise Busy(f"A run is already going ({job.label}: {job.done} of {job.total} "
                           "replications done). It is not interrupted or mixed with another: "
                           "wait for it to finish, or cancel it.")
            label = (f"{scenario.name}, {len(designs)} design(s) x {int(replications)} "
                     "replication(s)")
            job = Job(id=next(self._ids), label=label, command=command,
                      total=len(designs) * int(replications))
            self._current = job
        thread = threading.Thread(target=self._work, name=f"aftersales-run-{job.id}",
                                  args=(job, scenario, list(designs), int(replications),
                                        command), daemon=True)
        thread.start()
        return job

    def _executor(self) -> cf.Executor:
        if self.jobs > 1:
            from ..experiment.executors import process_executor

            return process_executor(self.jobs)
        return cf.ThreadPoolExecutor(max_workers=1, thread_name_prefix="aftersales-rep")

    def _work(self, job: Job, scenario: Scenario, designs: list[str], replications: int,
              command: str) -> None:
        from ..experiment.runner import compare

        executor = _Counting(self._executor(), job)
        try:
            result = compare(scenario, replications=replications, designs=designs,
                             executor=executor, progress=False)
            job.folder = result.write(root=self.out, command=command)
            job.result = result
            job.state = "done"
        except Cancelled:
            job.state = "cancelled"
        except ScenarioError as err:
            job.error, job.state = str(err), "failed"
        except Exception as err:  # noqa: BLE001 - shown in the page instead of a dead thread
            job.error, job.state = f"{type(err).__name__}: {err}", "failed"
        finally:
            executor.shutdown(wait=True, cancel_futures=True)
            job.finished = time.time()

    def cancel(self) -> None:
        """Ask the running job to stop; replications already started finish first."""
        job = self._current
        if job is not None and job.running:
            job.cancel_requested = True

    def wait(self, timeout: float | None = None) -> Job | None:
        """Block until the current job ends (tests and scripts); returns it."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while self._current is not None and self._current.running:
            if deadline is not None and time.monotonic() > deadline:
                break
            time.sleep(0.05)
        return self._current
