"""Parameter sweeps: every combination of parameter values × design × replication, resumable.

A sweep is a full-factorial grid of dotted-key overrides applied to one scenario, e.g.
``{"designs.in_house.contact.groups.general.agents": [20, 25, 30]}``, or a sweep file in
``scenarios/sweeps/``::

    scenario = "validation/mmc"          # bundled name or path
    replications = 3
    seed = 7                             # optional
    designs = ["textbook"]               # optional
    [parameters]
    "designs.textbook.contact.groups.agents.agents" = [2, 3, 4]

With ``out_dir`` each finished (point, design, replication) is stored at once as its own small
file (written to a temporary name, then renamed: a crash never leaves half a file), so
re-running the same sweep skips what is done. Run ids hash the resolved scenario of the
point, design, replication, seed and package version, so a changed sweep never reuses stale rows.
"""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import importlib.metadata
import itertools
import json
import os
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..config.errors import ScenarioError
from ..config.loader import SCENARIO_DIR, load_scenario, read_raw
from ..config.schema import Scenario
from .executors import Task, TaskResult, execute, run_task
from .stats import t_interval


@dataclass(frozen=True)
class _SweepTask:
    """A task plus where it sits in the sweep (picklable)."""

    task: Task
    point: int
    run_id: str


def _run_sweep_task(item: _SweepTask) -> dict[str, Any]:
    result: TaskResult = run_task(item.task)
    return {"run_id": item.run_id, "point": item.point, "design": result.design,
            "replication": result.replication, "kpis": result.kpis}


def read_sweep_file(path: str | os.PathLike) -> dict[str, Any]:
    """Read a sweep TOML (a path or a name under ``scenarios/sweeps/``)."""
    candidates = [Path(path), SCENARIO_DIR / "sweeps" / f"{Path(path).stem}.toml"]
    found = next((c for c in candidates if c.is_file()), None)
    if found is None:
        raise ScenarioError.at("sweep", str(path), "a sweep TOML file or a name in "
                               f"{SCENARIO_DIR / 'sweeps'}")
    with found.open("rb") as handle:
        raw = tomllib.load(handle)
    known = {"scenario", "parameters", "replications", "seed", "designs", "description"}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ScenarioError.at(f"sweep.{unknown[0]}", raw[unknown[0]],
                               "unknown key; known: " + ", ".join(sorted(known)))
    if not isinstance(raw.get("parameters"), dict) or not raw["parameters"]:
        raise ScenarioError.at("sweep.parameters", raw.get("parameters"),
                               "a table of dotted keys, each with a list of values")
    return raw


def grid(parameters: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """Every combination of the parameter values (full factorial), in a stable order."""
    for key, values in parameters.items():
        if not isinstance(values, list | tuple) or not values:
            raise ScenarioError.at(f"parameters.{key}", values, "a non-empty list of values")
    keys = list(parameters)
    return [dict(zip(keys, combo, strict=True))
            for combo in itertools.product(*(parameters[k] for k in keys))]


def _run_id(scenario: Scenario, design: str, replication: int, seed: int) -> str:
    """Hash of everything a run's numbers depend on: the resolved scenario, design, seed."""
    from .store import scenario_table, toml_dumps

    try:
        version = importlib.metadata.version("aftersales-sim")
    except importlib.metadata.PackageNotFoundError:
        version = "unknown"
    text = json.dumps({"scenario": toml_dumps(scenario_table(scenario)), "design": design,
                       "replication": replication, "seed": seed, "version": version},
                      sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _store_part(parts: Path, row: dict[str, Any]) -> None:
    tmp = parts / f".{row['run_id']}.tmp"
    with tmp.open("w", encoding="utf-8") as handle:
        json.dump(row, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, parts / f"{row['run_id']}.json")


def sweep(scenario: Scenario | str | os.PathLike | Mapping[str, Any],
          parameters: Mapping[str, Sequence[Any]] | None = None,
          replications: int | None = None, seed: int | None = None,
          designs: Sequence[str] | None = None, executor: cf.Executor | None = None,
          out_dir: str | os.PathLike | None = None,
          progress: bool | None = None) -> pd.DataFrame:
    """Run every parameter combination × design × replication and return a tidy table.

    Parameters
    ----------
    scenario : Scenario, str, path or mapping
        The scenario to vary; or, with ``parameters`` None, a sweep file (path or name in
        ``scenarios/sweeps/``) that names the scenario and the parameters.
    parameters : mapping of dotted key to list of values, optional
        The grid (full factorial).
    replications, seed : int, optional
        Per point and design (defaults: the sweep file, then the scenario's ``run`` table).
    designs : sequence of str, optional
        Designs to run (default all).
    executor : concurrent.futures.Executor, optional
        Where runs execute (default serial); results do not depend on it.
    out_dir : path, optional
        Folder for incremental storage; finished runs found there are not run again, and the
        combined table is written to ``out_dir/runs.csv``.
    progress : bool, optional
        Progress bar (default: on a terminal for sweeps over a second).

    Returns
    -------
    pandas.DataFrame
        One row per point × design × replication: ``point``, one column per parameter,
        ``design, replication``, then every KPI.
    """
    if parameters is None:
        spec = read_sweep_file(scenario)  # type: ignore[arg-type]
        scenario, parameters = spec["scenario"], spec["parameters"]
        replications = spec.get("replications") if replications is None else replications
        seed = spec.get("seed") if seed is None else seed
        designs = spec.get("designs") if designs is None else designs
    if isinstance(scenario, Scenario):
        from .store import scenario_table

        raw = scenario_table(scenario)
    elif isinstance(scenario, Mapping):
        raw = dict(scenario)
    else:
        raw = read_raw(scenario)
    points = grid(parameters)
    built = [load_scenario(raw, point) for point in points]
    first = built[0]
    replications = first.run.replications if replications is None else int(replications)
    seed = first.run.seed if seed is None else int(seed)
    names = list(first.designs) if designs is None else list(designs)
    items = [_SweepTask(Task(sc, d, r, seed), i, _run_id(sc, d, r, seed))
             for i, (sc, pt) in enumerate(zip(built, points, strict=True))
             for d in names for r in range(replications)]
    for item in items:
        if item.task.design not in item.task.scenario.designs:
            raise ScenarioError.at("designs", item.task.design,
                                   "one of " + ", ".join(item.task.scenario.designs))
    done: dict[str, dict[str, Any]] = {}
    parts = None
    if out_dir is not None:
        parts = Path(out_dir) / "parts"
        parts.mkdir(parents=True, exist_ok=True)
        for path in parts.glob("*.json"):
            with path.open(encoding="utf-8") as handle:
                row = json.load(handle)
            done[row["run_id"]] = row
    todo = [it for it in items if it.run_id not in done]

    def store(_: int, row: dict[str, Any]) -> None:
        done[row["run_id"]] = row
        if parts is not None:
            _store_part(parts, row)

    execute(todo, executor, progress, fn=_run_sweep_task, on_result=store, desc="sweep")
    rows = []
    for it in items:
        row = done[it.run_id]
        rows.append({"point": it.point, **points[it.point], "design": it.task.design,
                     "replication": it.task.replication, **row["kpis"]})
    table = pd.DataFrame(rows)
    if out_dir is not None:
        tmp = Path(out_dir) / ".runs.csv.tmp"
        table.to_csv(tmp, index=False)
        os.replace(tmp, Path(out_dir) / "runs.csv")
    return table


def summarise_sweep(table: pd.DataFrame, parameters: Sequence[str],
                    kpis: Sequence[str] | None = None, confidence: float = 0.95) -> pd.DataFrame:
    """Mean and t-interval of each KPI per sweep point and design (a tidy table).

    Parameters
    ----------
    table : pandas.DataFrame
        What :func:`sweep` returned.
    parameters : sequence of str
        The swept dotted keys (columns of ``table``).
    kpis : sequence of str, optional
        KPIs to summarise (default: every KPI column).
    confidence : float
        Confidence level of the intervals.

    Returns
    -------
    pandas.DataFrame
        ``point``, the parameters, ``design``, ``kpi``, ``mean``, ``lower``, ``upper``,
        ``half_width``, ``n``.
    """
    keys = ["point", *parameters, "design"]
    fixed = {*keys, "replication"}
    kpis = [k for k in (kpis or table.columns) if k not in fixed]
    rows = []
    for group, runs in table.groupby(keys, sort=False):
        for kpi in kpis:
            ci = t_interval(runs[kpi].to_numpy(dtype=float), confidence)
            rows.append({**dict(zip(keys, group, strict=True)), "kpi": kpi, "mean": ci.mean,
                         "lower": ci.lower, "upper": ci.upper, "half_width": ci.half_width,
                         "n": ci.n})
    return pd.DataFrame(rows)
