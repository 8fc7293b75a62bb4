"""Sweeps: a designed experiment over one scenario, run in chunks, stored, resumable.

``run_sweep(spec)`` takes a checked sweep file (:mod:`sim.experiment.sweepfile`), builds its
points (:mod:`sim.experiment.doe`), runs every point x design x replication in chunks on any
executor (:mod:`sim.experiment.chunks`) with common random numbers (replication r of every
point and design shares its random numbers), and, with a folder, stores every chunk as it
finishes. The folder then holds::

    manifest.json        the sweep, seed, method, versions, command, executor (informational)
    sweep.toml           the sweep file as written (when read from a file)
    factors.csv          key, kind, unit, values as written
    points.csv           point and the factors' values (durations in hours)
    runs_long.csv        tidy: run_id, point, design, replication, kpi, unit, value
    runs.csv             wide: point, factors, design, replication, one column per KPI
    summary.csv          per point x design x KPI: unit, mean, 95% interval, n
    parts/               one file per finished chunk (what a resumed sweep skips)
    COMPLETE             written last; a folder without it is unfinished

(each table also as Parquet when pyarrow imports). Tables are rebuilt from the parts and
replaced atomically, so a reader never sees half a table.
"""

from __future__ import annotations

import concurrent.futures as cf
import datetime as _dt
import json
import os
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..config.errors import ScenarioError
from ..config.factors import dump_factor
from ..config.loader import apply_overrides, load_scenario
from ..config.schema import Scenario
from .chunks import (
    default_block,
    execute_chunks,
    plan_chunks,
    read_parts,
    remove_stale_tmp,
    store_part,
    write_atomic,
)
from .doe import Plan, plan
from .progress import Progress
from .stats import t_interval
from .store import COMPLETE, manifest, parquet_available, scenario_table, write_text
from .sweepfile import SweepSpec, check_against, read_sweep_file, spec_from_parameters


@dataclass
class SweepResult:
    """What :func:`run_sweep` produced.

    Attributes
    ----------
    spec : SweepSpec
    plan : Plan
        The points.
    runs : pandas.DataFrame
        Wide: ``point``, the factors, ``design``, ``replication``, one column per KPI.
    long : pandas.DataFrame
        Tidy: ``run_id, point, design, replication, kpi, unit, value``.
    points : pandas.DataFrame
        ``point`` and the factors' values.
    designs : list of str
    seed, replications : int
    folder : pathlib.Path or None
    meta : dict
    """

    spec: SweepSpec
    plan: Plan
    runs: pd.DataFrame
    long: pd.DataFrame
    points: pd.DataFrame
    designs: list[str]
    seed: int
    replications: int
    folder: Path | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def summary(self, kpis: Sequence[str] | None = None, confidence: float = 0.95) -> pd.DataFrame:
        """Mean and t-interval per point x design x KPI (with the KPI's unit)."""
        return summarise_sweep(self.runs, self.spec.keys, kpis, confidence)

    @property
    def kpis(self) -> list[str]:
        """KPI columns of ``runs``."""
        fixed = {"point", *self.spec.keys, "design", "replication"}
        return [c for c in self.runs.columns if c not in fixed]


def _unit(kpi: str) -> str:
    from ..outcomes.kpis import REGISTRY

    return getattr(REGISTRY.get(kpi), "unit", "")


def build_points(spec: SweepSpec, raw: Mapping[str, Any], seed: int,
                 points: Plan | None = None) -> tuple[Plan, list]:
    """The sweep's points and each point's checked scenario (errors name the point's keys)."""
    problems = check_against(spec, dict(raw))
    if problems:
        raise ScenarioError(problems, source=spec.origin or None)
    points = plan(spec, seed) if points is None else points
    built = []
    for i, overrides in enumerate(points.overrides):
        try:
            built.append(load_scenario(raw, overrides))
        except ScenarioError as err:
            raise ScenarioError(err.problems, source=f"sweep point {i} {overrides}") from None
    return points, built


def run_sweep(spec: SweepSpec | str | os.PathLike, raw: Mapping[str, Any] | None = None,
              executor: cf.Executor | None = None, out_dir: str | os.PathLike | None = None,
              progress: bool | None = None, block: int | None = None,
              command: str | None = None, interrupt_after: int | None = None,
              points: Plan | None = None, check: bool | None = None) -> SweepResult:
    """Run a sweep and return its tables (see the module docstring for the folder).

    Parameters
    ----------
    spec : SweepSpec, or a sweep file path / bundled name
    raw : mapping, optional
        The scenario's raw tables (default: read the spec's ``scenario``); the spec's ``[set]``
        is applied to it.
    executor : concurrent.futures.Executor, optional
        Where chunks run (default serial); the tables do not depend on it.
    out_dir : path, optional
        Store finished chunks and the tables here; finished runs found there are skipped.
    progress : bool, optional
        None: a bar on a terminal, a line every ~10 s otherwise; False: silent.
    block : int, optional
        Replications per chunk (default the spec's, else about four runs a chunk).
    command : str, optional
        Recorded in the manifest.
    interrupt_after : int, optional
        Stop with KeyboardInterrupt after storing this many chunks (to test resuming).
    points : Plan, optional
        Points made elsewhere (robust ranking's worlds) instead of the spec's method.
    check : bool, optional
        Verify every run's invariants (default ``AFTERSALES_CHECK``).

    Returns
    -------
    SweepResult
    """
    if not isinstance(spec, SweepSpec):
        spec = read_sweep_file(spec)
    raw = spec.raw_scenario() if raw is None else apply_overrides(dict(raw), spec.set)
    first = load_scenario(raw)
    seed = first.run.seed if spec.seed is None else spec.seed
    replications = spec.replications or first.run.replications
    designs = list(spec.designs) or list(first.designs)
    points, built = build_points(spec, raw, seed, points)
    block = block or spec.block or default_block(replications, len(designs))
    folder = Path(out_dir) if out_dir is not None else None
    stored = pd.DataFrame()
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / COMPLETE).unlink(missing_ok=True)
        remove_stale_tmp(folder)
        stored = read_parts(folder)
    done = set(stored["run_id"]) if len(stored) else set()
    chunks, runs = plan_chunks(built, designs, replications, seed, block, done, spec.outputs,
                               check)
    meta = _meta(spec, points, designs, seed, replications, block, executor, len(runs))
    meta["currency"] = first.currency
    if folder is not None:
        _start_folder(folder, spec, meta, command)
    frames = [stored] if len(stored) else []
    count = [0]

    def on_done(chunk, frame: pd.DataFrame) -> None:
        if folder is not None:
            store_part(folder, chunk.chunk_id, frame)
        frames.append(frame)
        count[0] += 1
        if interrupt_after is not None and count[0] >= interrupt_after:
            raise KeyboardInterrupt(f"stopped after {count[0]} chunks (interrupt_after)")

    todo = sum(len(c.run_ids) for c in chunks)
    with Progress(todo, desc=spec.name or "sweep", enabled=progress) as bar:
        execute_chunks(chunks, executor, on_done, bar)
    result = _tables(spec, points, designs, seed, replications, runs, frames, meta)
    if folder is not None:
        result.folder = folder
        _finish_folder(folder, result, command)
    return result


def _meta(spec, points, designs, seed, replications, block, executor, n_runs) -> dict:
    return {"sweep": spec.name, "scenario": spec.scenario, "method": spec.method,
            "samples": spec.samples, "points": len(points.overrides), "designs": designs,
            "seed": seed, "replications": replications, "block": block, "runs": n_runs,
            "outputs": list(spec.outputs), "set": dict(spec.set),
            "factors": {f.key: dump_factor(f) for f in spec.factors},
            "executor": type(executor).__name__ if executor is not None else "serial"}


def _tables(spec, points, designs, seed, replications, runs, frames, meta) -> SweepResult:
    order = pd.DataFrame(runs, columns=["point", "design", "replication", "run_id"])
    rows = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["run_id"])
    rows = rows.drop_duplicates(["run_id", "kpi"])[["run_id", "kpi", "value"]]
    # A repeated point repeats run ids in ``order``; ``rows`` holds each (run_id, kpi) once.
    long = order.merge(rows, on="run_id", how="left", validate="many_to_many")
    missing = long["kpi"].isna()
    if missing.any():
        raise RuntimeError(f"{int(missing.sum())} runs have no stored result")
    kpi_order = {k: i for i, k in enumerate(dict.fromkeys(rows["kpi"]))}
    long["_k"] = long["kpi"].map(kpi_order)
    long = long.sort_values(["point", "replication", "design", "_k"], key=lambda s: (
        s.map({d: i for i, d in enumerate(designs)}) if s.name == "design" else s),
        kind="stable").drop(columns="_k").reset_index(drop=True)
    long.insert(5, "unit", long["kpi"].map(_unit))
    long = long[["run_id", "point", "design", "replication", "kpi", "unit", "value"]]
    table = points.table()
    wide = long.pivot_table(index=["point", "design", "replication"], columns="kpi",
                            values="value", aggfunc="first", sort=False, dropna=False)
    wide = wide[list(kpi_order)].reset_index()
    wide.columns.name = None
    wide = table.merge(wide, on="point", how="right")
    wide = wide.sort_values(["point", "design", "replication"], key=lambda s: (
        s.map({d: i for i, d in enumerate(designs)}) if s.name == "design" else s),
        kind="stable").reset_index(drop=True)
    return SweepResult(spec, points, wide, long, table, designs, seed, replications, meta=meta)


def _write_table(frame: pd.DataFrame, folder: Path, name: str) -> list[str]:
    write_atomic(frame, folder / f"{name}.csv")
    files = [f"{name}.csv"]
    if parquet_available():
        write_atomic(frame, folder / f"{name}.parquet")
        files.append(f"{name}.parquet")
    return files


def _start_folder(folder: Path, spec: SweepSpec, meta: dict, command: str | None) -> None:
    if spec.origin and Path(spec.origin).is_file():
        tmp = folder / ".sweep.toml.tmp"
        shutil.copyfile(spec.origin, tmp)
        os.replace(tmp, folder / "sweep.toml")
    write_text(folder / "manifest.json", json.dumps(
        manifest({**meta, "status": "running"}, command), indent=2, default=str) + "\n")


def factors_table(spec: SweepSpec) -> pd.DataFrame:
    """One row per factor: key, kind, unit, values as written."""
    return pd.DataFrame([{"key": f.key, "kind": f.kind, "unit": f.unit, "values": f.describe()}
                         for f in spec.factors])


def _finish_folder(folder: Path, result: SweepResult, command: str | None) -> None:
    files = []
    files += _write_table(factors_table(result.spec), folder, "factors")
    files += _write_table(result.points, folder, "points")
    files += _write_table(result.long, folder, "runs_long")
    files += _write_table(result.runs, folder, "runs")
    files += _write_table(result.summary(), folder, "summary")
    # Only the COMPLETE marker, written last, says the folder is complete: a kill between the
    # two must not leave a manifest claiming it.
    meta = {**result.meta, "status": "tables written; complete once COMPLETE exists",
            "files": files,
            "finished_utc": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")}
    write_text(folder / "manifest.json",
               json.dumps(manifest(meta, command), indent=2, default=str) + "\n")
    write_text(folder / COMPLETE, meta["finished_utc"] + "\n")


def sweep(scenario: Scenario | str | os.PathLike | Mapping[str, Any],
          parameters: Mapping[str, Sequence[Any]] | None = None,
          replications: int | None = None, seed: int | None = None,
          designs: Sequence[str] | None = None, executor: cf.Executor | None = None,
          out_dir: str | os.PathLike | None = None, progress: bool | None = None,
          block: int | None = None) -> pd.DataFrame:
    """Run a sweep and return its wide runs table.

    Parameters
    ----------
    scenario : Scenario, str, path or mapping
        The scenario to vary; or, with ``parameters`` None, a sweep file (a path, or the name
        of a bundled sweep in ``scenarios/sweeps/``).
    parameters : mapping of dotted key to list of values, optional
        A full-factorial grid over ``scenario``.
    replications, seed : int, optional
        Per point and design (default: the sweep file's, then the scenario's).
    designs : sequence of str, optional
        Designs to run (default all).
    executor : concurrent.futures.Executor, optional
        Where runs execute (default serial); results do not depend on it.
    out_dir : path, optional
        Store runs as they finish; finished runs found there are not run again.
    progress : bool, optional
        Progress report (default: a bar on a terminal, lines in a log).
    block : int, optional
        Replications per chunk.

    Returns
    -------
    pandas.DataFrame
        One row per point x design x replication: ``point``, one column per factor,
        ``design, replication``, then every KPI.
    """
    options = {"replications": replications, "seed": seed,
               "designs": list(designs) if designs is not None else None}
    if parameters is None:
        if options["designs"] is not None:
            options["designs"] = tuple(options["designs"])
        spec = read_sweep_file(scenario).with_(**options)
        raw = None
    else:
        if isinstance(scenario, Scenario):
            raw, name = scenario_table(scenario), scenario.name
        elif isinstance(scenario, Mapping):
            raw, name = dict(scenario), "(table)"
        else:
            raw, name = None, str(scenario)
        spec = spec_from_parameters(name, dict(parameters), **options)
    return run_sweep(spec, raw=raw, executor=executor, out_dir=out_dir, progress=progress,
                     block=block).runs


def summarise_sweep(table: pd.DataFrame, parameters: Sequence[str],
                    kpis: Sequence[str] | None = None, confidence: float = 0.95) -> pd.DataFrame:
    """Mean and t-interval of each KPI per sweep point and design (a tidy table).

    Returns
    -------
    pandas.DataFrame
        ``point``, the parameters, ``design``, ``kpi``, ``unit``, ``mean``, ``lower``,
        ``upper``, ``half_width``, ``n``.
    """
    keys = ["point", *parameters, "design"]
    fixed = {*keys, "replication"}
    kpis = [k for k in (kpis or table.columns) if k not in fixed]
    rows = []
    for group, runs in table.groupby(keys, sort=False):
        for kpi in kpis:
            ci = t_interval(runs[kpi].to_numpy(dtype=float), confidence)
            rows.append({**dict(zip(keys, group, strict=True)), "kpi": kpi, "unit": _unit(kpi),
                         "mean": ci.mean, "lower": ci.lower, "upper": ci.upper,
                         "half_width": ci.half_width, "n": ci.n})
    return pd.DataFrame(rows)
