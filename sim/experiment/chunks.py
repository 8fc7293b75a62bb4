"""Running thousands of runs: chunks of work on any executor, stored as they arrive, resumable.

A **run** is one (point, design, replication). Runs are grouped into **chunks** — one point, a
block of replications, every design (so the designs of a replication share their random numbers
inside one worker) — big enough that scheduling overhead is small, small enough that a lost
worker loses little. Chunks go to any :class:`concurrent.futures.Executor` (serial when None, a
process pool, a Dask ``client.get_executor(pure=False)``), with a bounded number in flight so
memory stays flat over thousands of chunks.

Every finished chunk is written at once as its own part file (a temporary name, fsync, then
:func:`os.replace`: a crash never leaves half a file), in long form (``run_id, point, design,
replication, kpi, value``), as Parquet when pyarrow imports, else CSV. A run's id hashes the
resolved scenario of its point, its design, replication, seed and the package version, so a
resumed sweep skips exactly the runs that are done, however the earlier attempt was chunked,
and a changed sweep never reuses stale rows. The numbers of a run depend only on (scenario,
design, replication, seed): identical tables whichever executor ran them, however chunked.
"""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import importlib.metadata
import json
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..config.schema import Scenario
from ..invariants import enabled
from .executors import Task, run_task
from .progress import Progress
from .store import parquet_available, scenario_table, toml_dumps

PARTS = "parts"
COLUMNS = ["run_id", "point", "design", "replication", "kpi", "value"]


@dataclass(frozen=True)
class Chunk:
    """One point, a block of replications, some designs: a unit of work (picklable)."""

    scenario: Scenario
    point: int
    designs: tuple[str, ...]
    replications: tuple[int, ...]
    seed: int
    run_ids: tuple[str, ...]
    outputs: tuple[str, ...] = ()
    check: bool = False

    @property
    def runs(self) -> list[tuple[int, str]]:
        """(replication, design) pairs, in the order of ``run_ids``."""
        return [(r, d) for r in self.replications for d in self.designs]

    @property
    def chunk_id(self) -> str:
        """A name for the chunk's part file (hash of its run ids)."""
        return hashlib.sha256("".join(self.run_ids).encode()).hexdigest()[:16]


def run_chunk(chunk: Chunk) -> pd.DataFrame:
    """Run every run of a chunk (module level, so process pools pickle it by reference)."""
    rows = []
    keep = set(chunk.outputs)
    for (r, d), run_id in zip(chunk.runs, chunk.run_ids, strict=True):
        kpis = run_task(Task(chunk.scenario, d, r, chunk.seed, check=chunk.check)).kpis
        for name, value in kpis.items():
            if not keep or name in keep:
                rows.append((run_id, chunk.point, d, r, name, float(value)))
    return pd.DataFrame(rows, columns=COLUMNS)


def _version() -> str:
    try:
        return importlib.metadata.version("aftersales-sim")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def point_key(scenario: Scenario) -> str:
    """Hash of a point's resolved scenario (every default written out)."""
    return hashlib.sha256(toml_dumps(scenario_table(scenario)).encode()).hexdigest()


def run_id(point_hash: str, design: str, replication: int, seed: int) -> str:
    """The id of one run: what its numbers depend on, hashed."""
    text = json.dumps([point_hash, design, replication, seed, _version()])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def plan_chunks(scenarios: Sequence[Scenario], designs: Sequence[str], replications: int,
                seed: int, block: int, done: set[str],
                outputs: Sequence[str] = (),
                check: bool | None = None) -> tuple[list[Chunk], list[tuple]]:
    """Chunks for the runs not in ``done``, and every run as (point, design, rep, run_id).

    ``check`` (default ``AFTERSALES_CHECK``, resolved here) verifies every run's invariants.
    """
    chunks, runs = [], []
    check = enabled(check)
    # A design may repeat a point (Morris trajectories cross): its runs have the same ids and
    # the same numbers, so they are planned once and shared by every row of that point.
    done = set(done)
    for point, scenario in enumerate(scenarios):
        key = point_key(scenario)
        for start in range(0, replications, block):
            reps = range(start, min(start + block, replications))
            ids = {(r, d): run_id(key, d, r, seed) for r in reps for d in designs}
            runs += [(point, d, r, ids[r, d]) for r in reps for d in designs]
            todo_reps = tuple(r for r in reps if any(ids[r, d] not in done for d in designs))
            todo_designs = tuple(d for d in designs if any(ids[r, d] not in done for r in reps))
            if todo_reps:
                chunk_ids = tuple(ids[r, d] for r in todo_reps for d in todo_designs)
                chunks.append(Chunk(scenario, point, todo_designs, todo_reps, seed, chunk_ids,
                                    tuple(outputs), check))
                done.update(chunk_ids)
    return chunks, runs


def default_block(replications: int, designs: int) -> int:
    """Replications per chunk: about four runs a chunk (at least one replication)."""
    return max(1, min(replications, 4 // max(1, designs)))


# --- the part store ---------------------------------------------------------------------------
def write_atomic(frame: pd.DataFrame, path: Path) -> None:
    """Write a table (CSV or Parquet by suffix) under a temporary name, fsync, rename."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    if path.suffix == ".parquet":
        frame.to_parquet(tmp, index=False)
    else:
        frame.to_csv(tmp, index=False)
    with tmp.open("rb") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def store_part(folder: Path, chunk_id: str, frame: pd.DataFrame) -> Path:
    """Store one finished chunk as ``parts/part-<id>.parquet`` (or ``.csv``)."""
    parts = folder / PARTS
    parts.mkdir(parents=True, exist_ok=True)
    path = parts / f"part-{chunk_id}.{'parquet' if parquet_available() else 'csv'}"
    write_atomic(frame, path)
    return path


def _part_files(folder: Path) -> Iterator[Path]:
    parts = folder / PARTS
    if parts.is_dir():
        for path in sorted(parts.iterdir()):
            if path.name.startswith("part-") and path.suffix in (".parquet", ".csv"):
                yield path


def read_parts(folder: Path) -> pd.DataFrame:
    """Every stored run row (temporary files of interrupted writes are ignored)."""
    frames = []
    for path in _part_files(folder):
        frame = (pd.read_parquet(path) if path.suffix == ".parquet"
                 else pd.read_csv(path, dtype={"run_id": str, "design": str, "kpi": str}))
        frames.append(frame)
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in
                             zip(COLUMNS, (str, int, str, int, str, float), strict=True)})
    return pd.concat(frames, ignore_index=True)


def remove_stale_tmp(folder: Path) -> None:
    """Remove temporary part files an interrupted writer left behind."""
    parts = folder / PARTS
    if parts.is_dir():
        for path in parts.glob(".part-*.tmp-*"):
            path.unlink(missing_ok=True)


# --- execution ----------------------------------------------------------------------------------
def workers_of(executor: cf.Executor | None) -> int:
    """How many workers an executor has (a Dask executor asks its scheduler)."""
    if executor is None:
        return 1
    client = getattr(executor, "_client", None)
    if client is not None:
        try:
            info = client.scheduler_info()
            return max(1, sum(w.get("nthreads", 1) for w in info["workers"].values()))
        except Exception:  # noqa: BLE001 - a scheduler that cannot answer still runs work
            return 2
    return max(1, int(getattr(executor, "_max_workers", 2) or 2))


def execute_chunks(chunks: Sequence[Chunk], executor: cf.Executor | None,
                   on_done: Callable[[Chunk, pd.DataFrame], None],
                   progress: Progress | None = None, in_flight: int | None = None) -> None:
    """Run chunks, calling ``on_done`` for each as it finishes; a bounded number in flight.

    On an interruption (Ctrl-C) or a failed chunk, chunks not started are cancelled; what was
    stored stays stored.
    """
    def tick(chunk: Chunk) -> None:
        if progress is not None:
            progress.update(len(chunk.run_ids))

    if executor is None:
        for chunk in chunks:
            on_done(chunk, run_chunk(chunk))
            tick(chunk)
        return
    window = in_flight or max(2, 2 * workers_of(executor))
    queue = iter(chunks)
    pending: dict[cf.Future, Chunk] = {}

    def refill() -> None:
        for chunk in queue:
            pending[executor.submit(run_chunk, chunk)] = chunk
            if len(pending) >= window:
                return

    try:
        refill()
        while pending:
            finished, _ = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
            for future in finished:
                chunk = pending.pop(future)
                on_done(chunk, future.result())
                tick(chunk)
            refill()
    except BaseException:
        for future in pending:
            future.cancel()
        raise
