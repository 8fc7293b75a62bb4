"""Comparing the designs of a scenario: replications, intervals, paired differences, Pareto set.

:func:`compare` runs every design for the same replications (common random numbers: replication
r of every design uses the same random-number set), then analyses the runs with
:mod:`sim.experiment.stats` and :mod:`sim.experiment.ranking`. The result, a
:class:`Comparison`, holds tidy pandas tables and writes itself to a results folder.

Designs that look unstable are flagged rather than silently averaged: cases still open when
the run stopped (``censored_share > 0``), a backlog that keeps growing over the horizon, a
warm-up shorter than MSER-5 suggests, or a precision target that was not reached
(:mod:`sim.experiment.flags`).
"""

from __future__ import annotations

import concurrent.futures as cf
import math
import time
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..config.errors import ScenarioError
from ..config.fields import _suggest
from ..config.schema import Scenario
from ..invariants import enabled
from .executors import Task, TaskResult, execute
from .flags import design_flags
from .period_tables import COLUMNS as PERIOD_COLUMNS
from .period_tables import collect as collect_periods
from .period_tables import summarise as summarise_periods
from .ranking import paired_differences, pareto_front
from .selection import COLUMNS as SELECTION_COLUMNS
from .selection import select_best
from .stats import ReplicationController, summarise

#: KPIs shown first in tables and figures, when the model computes them.
HEADLINE = ("cost_per_case", "first_response_mean_min", "resolution_time_mean_h", "csat_mean",
            "abandonment_rate", "sla_attainment", "score_total", "censored_share")
#: Waiting-time objectives of the Pareto set, in order of preference.
WAIT_KPIS = ("resolution_time_mean_h", "first_response_mean_min", "queue_wait_mean_min")


def direction(kpi: str) -> str | None:
    """Which way KPI ``kpi`` is better, from the KPI registry: ``"min"``, ``"max"`` or None."""
    from ..outcomes.kpis import direction as registered

    return registered(kpi)


@dataclass
class Comparison:
    """The result of :func:`compare`.

    Attributes
    ----------
    runs : pandas.DataFrame
        One row per design × replication: ``design, replication`` and every KPI.
    summary : pandas.DataFrame
        Per design × KPI: ``design, kpi, unit, mean, lower, upper, half_width, sd, n, flag``.
    differences : pandas.DataFrame
        Paired ``design - reference`` intervals (Bonferroni over the designs) per KPI.
    pareto : pandas.DataFrame
        Per design: the objective means and ``pareto`` (True when non-dominated).
    ranking : pandas.DataFrame
        Per design: ``mean, n, rank, prob_best`` on ``ranking_kpi``.
    timelines : dict of str to pandas.DataFrame
        Hourly monitor of every replication, per design (column ``replication``).
    costs : pandas.DataFrame
        Mean cost per run by ``design, component, kind`` (column ``amount``).
    waits : pandas.DataFrame
        Per-case ``first_response_min`` and ``resolution_h`` of replication 0, per design.
    cases : dict of str to pandas.DataFrame
        Per-case tables (all replications, column ``replication``) when ``keep_cases``.
    periods : pandas.DataFrame
        Case KPIs per period (promotion/normal, disruption/outside), one row per design ×
        replication × period × KPI (:mod:`sim.experiment.period_tables`); empty when the
        scenario has no such windows.
    period_summary : pandas.DataFrame
        Per design × period × KPI: mean and interval over replications.
    flags : dict of str to list of str
        Why a design's numbers need care (empty list: none).
    notes : list of str
        Messages about the run (warm-up check, precision).
    meta : dict
        Scenario, designs, reference, seed, replications, wall time, objectives, ...
    """

    scenario: Scenario
    runs: pd.DataFrame
    summary: pd.DataFrame
    differences: pd.DataFrame
    pareto: pd.DataFrame
    ranking: pd.DataFrame
    timelines: dict[str, pd.DataFrame]
    costs: pd.DataFrame
    waits: pd.DataFrame
    cases: dict[str, pd.DataFrame] = field(default_factory=dict)
    flags: dict[str, list[str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    periods: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=PERIOD_COLUMNS))
    period_summary: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def designs(self) -> list[str]:
        """Designs compared, in scenario order."""
        return list(self.meta["designs"])

    @property
    def reference(self) -> str:
        """The design the others are compared with."""
        return self.meta["reference"]

    def kpis(self) -> list[str]:
        """KPI columns of ``runs``."""
        return [c for c in self.runs.columns if c not in ("design", "replication")]

    def headline_kpis(self) -> list[str]:
        """The headline KPIs: the defaults this run has (not all NaN), in :data:`HEADLINE`
        order, then the scenario's own (``report.headline``), even where NaN (the question
        was asked; the tables say n/a)."""
        have = set(self.summary.loc[self.summary["n"] > 0, "kpi"])
        found = [k for k in HEADLINE if k in have] or [k for k in self.kpis() if k in have][:6]
        asked = getattr(getattr(self.scenario, "report", None), "headline", ())
        return found + [k for k in asked if k in set(self.summary["kpi"]) and k not in found]

    def plot(self, kind: str = "kpis", **kwargs: Any):
        """A figure of this comparison; ``kind`` is one of :data:`sim.plots.FIGURES`."""
        from .. import plots

        if kind not in plots.FIGURES:
            raise ValueError(f"kind must be one of {sorted(plots.FIGURES)}, got {kind!r}")
        return plots.FIGURES[kind](self, **kwargs)

    def write(self, folder: str | Path | None = None, root: str | Path = "results",
              command: str | None = None, figures: bool = True) -> Path:
        """Write tables, figures, report and manifest; see :func:`sim.experiment.store.write`."""
        from .store import write

        return write(self, folder=folder, root=root, command=command, figures=figures)


def compare(scenario: Scenario, replications: int | None = None, seed: int | None = None,
            designs: Sequence[str] | None = None, executor: cf.Executor | None = None,
            target_precision: float | None = None,
            kpis_for_precision: Iterable[str] | None = None, keep_cases: bool = False,
            progress: bool | None = None, max_replications: int = 200,
            ranking_kpi: str | None = None, confidence: float = 0.95,
            check: bool | None = None) -> Comparison:
    """Compare the designs of a scenario with replications and common random numbers.

    Parameters
    ----------
    scenario : Scenario
        A loaded scenario (:func:`sim.load_scenario`).
    replications : int, optional
        Replications per design (default ``scenario.run.replications``). With
        ``target_precision`` it is the minimum.
    seed : int, optional
        Master seed (default ``scenario.run.seed``).
    designs : sequence of str, optional
        Designs to run (default all, in scenario order).
    executor : concurrent.futures.Executor, optional
        Where replications run (default: here, serially). Results are identical either way.
    target_precision : float, optional
        Relative half-width to reach (e.g. 0.05): replications are added in blocks of four
        until every design meets it on ``kpis_for_precision`` (Hoad-Robinson-Davies with
        look-ahead, :class:`~sim.experiment.stats.ReplicationController`).
    kpis_for_precision : iterable of str, optional
        Default: the cost, waiting-time and satisfaction objectives that exist.
    keep_cases : bool
        Keep the per-case tables (``Comparison.cases``).
    progress : bool, optional
        Progress bar; default on a terminal for runs over a second.
    max_replications : int
        Upper bound with ``target_precision``.
    ranking_kpi : str, optional
        KPI for the probability of being best (default ``score_total``, else
        ``cost_per_case``, else the waiting objective).
    confidence : float
        Confidence level of every interval.
    check : bool, optional
        Verify every run's invariants (:mod:`sim.invariants`); default: the environment
        variable ``AFTERSALES_CHECK``.

    Returns
    -------
    Comparison
    """
    started = time.perf_counter()
    seed = scenario.run.seed if seed is None else int(seed)
    names = list(scenario.designs) if designs is None else list(designs)
    for name in names:
        if name not in scenario.designs:
            raise ScenarioError.at("designs", name, "one of " + ", ".join(scenario.designs)
                                   + _suggest(name, list(scenario.designs)))
    if not names:
        raise ScenarioError.at("designs", names, "at least one design")
    reference = scenario.reference if scenario.reference in names else names[0]
    n_start = scenario.run.replications if replications is None else int(replications)
    if n_start < 1:
        raise ScenarioError.at("replications", n_start, "a whole number >= 1")

    results: list[TaskResult] = []
    check = enabled(check)

    def run(first: int, count: int) -> None:
        tasks = [Task(scenario, d, r, seed, keep_cases, detail=(r == 0),
                      monitor=True, check=check)
                 for r in range(first, first + count) for d in names]
        results.extend(execute(tasks, executor, progress))

    notes: list[str] = []
    controller = None
    if target_precision is None:
        run(0, n_start)
    else:
        controller = ReplicationController(target=target_precision, confidence=confidence,
                                           min_reps=max(2, min(n_start, max_replications)),
                                           max_reps=max_replications, block=4)
        wanted = None if kpis_for_precision is None else list(kpis_for_precision)
        k = controller.min_reps
        done = 0
        while k > 0:
            run(done, k)
            done += k
            values = _precision_values(_runs_table(results, names), wanted)
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                k = controller.next_block(values)
            notes += [str(w.message) for w in caught]
        notes.append(f"replications chosen automatically: {done} (target relative half-width "
                     f"{target_precision:g}, converged: {controller.converged})")
    runs = _runs_table(results, names)
    return _analyse(scenario, runs, results, names, reference, seed, notes, controller,
                    keep_cases, ranking_kpi, confidence, time.perf_counter() - started,
                    executor)


def _runs_table(results: list[TaskResult], names: list[str]) -> pd.DataFrame:
    rows = [{"design": r.design, "replication": r.replication, **r.kpis} for r in results]
    runs = pd.DataFrame(rows)
    order = {n: i for i, n in enumerate(names)}
    runs = runs.sort_values(["design", "replication"], key=lambda s: s.map(order)
                            if s.name == "design" else s, kind="stable")
    return runs.reset_index(drop=True)


def _objectives(runs: pd.DataFrame) -> dict[str, str]:
    """Cost (min), a waiting time (min), satisfaction (max): those the runs have."""
    def usable(k: str) -> bool:
        return k in runs and bool(np.isfinite(runs[k].to_numpy(dtype=float)).any())

    out: dict[str, str] = {}
    if usable("cost_per_case"):
        out["cost_per_case"] = "min"
    wait = next((k for k in WAIT_KPIS if usable(k)), None)
    if wait:
        out[wait] = "min"
    if usable("csat_mean"):
        out["csat_mean"] = "max"
    return out


def check_indifference(scenario: Scenario) -> dict[str, float]:
    """The scenario's indifference zones, each KPI checked against the registry."""
    from ..outcomes.kpis import REGISTRY

    zones = scenario.run.indifference_zones()
    for name in scenario.run.indifference:
        if name not in REGISTRY:
            raise ScenarioError.at(f"run.indifference.{name}", scenario.run.indifference[name],
                                   "an indifference zone of a KPI (see sim.kpis())"
                                   + _suggest(name, list(REGISTRY)))
        if REGISTRY[name].better is None:
            raise ScenarioError.at(f"run.indifference.{name}", scenario.run.indifference[name],
                                   "a KPI with a better side (min or max); "
                                   f"{name} has none")
    return zones


def _rank(scenario, runs, kpis, objectives, ranking_kpi, confidence, seed, notes):
    """The main ranking KPI and the long ranking table over every KPI with a zone."""
    zones = check_indifference(scenario)

    def measured(k: str) -> bool:
        return k in runs and bool(runs[k].notna().any())

    candidates = ["score_total", "cost_per_case", *objectives]
    metric = ranking_kpi or next((k for k in candidates if measured(k)), None)
    if metric is not None and direction(metric) is None:
        raise ScenarioError.at("ranking_kpi", metric, "a KPI with a better side (min or max)")
    order = [metric] if metric else []
    order += [k for k in zones if k not in order]
    tables = []
    for k in order:
        if not measured(k):
            if k == metric or k == "score_total":
                notes.append(f"not ranked on {k}: nothing measured")
            continue
        try:
            tables.append(select_best(runs, k, direction(k), zones.get(k, 0.0),
                                      confidence=confidence, seed=seed))
        except ValueError as err:
            notes.append(f"not ranked on {k}: {err}")
    ranking = (pd.concat(tables, ignore_index=True) if tables
               else pd.DataFrame(columns=SELECTION_COLUMNS))
    return metric, ranking


def _precision_values(runs: pd.DataFrame, wanted: list[str] | None) -> dict[str, np.ndarray]:
    kpis = wanted if wanted is not None else list(_objectives(runs)) or ["cases"]
    values = {}
    for design, group in runs.groupby("design", sort=False):
        for k in kpis:
            if k not in group:
                raise KeyError(f"KPI {k!r} is not computed; known: {list(runs.columns[2:])}")
            x = group[k].to_numpy(dtype=float)
            if np.isfinite(x).any():
                values[f"{design}/{k}"] = x
    return values


def _analyse(scenario, runs, results, names, reference, seed, notes, controller, keep_cases,
             ranking_kpi, confidence, wall, executor) -> Comparison:
    from ..outcomes.kpis import REGISTRY

    kpis = [c for c in runs.columns if c not in ("design", "replication")]
    summary = summarise(runs, metrics=kpis, confidence=confidence)
    summary.insert(2, "unit", summary["kpi"].map(lambda k: getattr(REGISTRY.get(k), "unit", "")))
    flags = design_flags(scenario, runs, results, names, notes)
    summary["flag"] = summary["design"].map(lambda d: "; ".join(flags[d]))
    if len(names) > 1:
        differences = paired_differences(runs, reference, metrics=kpis, confidence=confidence)
        differences.insert(2, "unit", differences["kpi"].map(
            lambda k: getattr(REGISTRY.get(k), "unit", "")))
    else:
        differences = pd.DataFrame(columns=["design", "kpi", "unit", "reference", "mean_diff",
                                            "lower", "upper", "half_width", "n", "p_value",
                                            "significant"])
    objectives = _objectives(runs)
    means = runs.groupby("design", sort=False)[list(objectives)].mean().reindex(names)
    pareto = means.reset_index()
    if objectives and not means.isna().any().any():
        pareto["pareto"] = pareto_front(means, objectives).to_numpy()
    else:
        pareto["pareto"] = True
        notes.append("no complete cost/wait/satisfaction objectives: every design kept")
    metric, ranking = _rank(scenario, runs, kpis, objectives, ranking_kpi, confidence, seed,
                            notes)
    detail = {r.design: r for r in results if r.replication == 0}
    costs = pd.concat([r.costs.assign(design=r.design) for r in results], ignore_index=True)
    n_reps = runs.groupby("design")["replication"].nunique()
    if len(costs):
        costs = (costs.groupby(["design", "component", "kind"], sort=False)["amount"].sum()
                 .reset_index())
        costs["amount"] = costs["amount"] / costs["design"].map(n_reps)
    waits = pd.concat([detail[d].waits.assign(design=d) for d in names
                       if detail.get(d) is not None and detail[d].waits is not None],
                      ignore_index=True)
    cases = {}
    if keep_cases:
        for d in names:
            cases[d] = pd.concat([r.cases.assign(replication=r.replication)
                                  for r in results if r.design == d], ignore_index=True)
    periods = collect_periods(results, names)
    meta = {
        "scenario": scenario.name, "description": scenario.description,
        "currency": scenario.currency, "designs": names, "reference": reference, "seed": seed,
        "replications": int(runs["replication"].nunique()), "confidence": confidence,
        "run_kind": scenario.run.kind, "horizon_h": scenario.run.horizon,
        "warmup_h": scenario.run.warmup, "objectives": objectives, "ranking_kpi": metric,
        "replication_rule": ("fixed" if controller is None else
                             f"Hoad-Robinson-Davies, target {controller.target:g}, block "
                             f"{controller.block}, converged {controller.converged}"),
        "executor": type(executor).__name__ if executor is not None else "serial",
        "wall_time_s": wall, "cases_simulated": float(runs["cases"].sum())
        if "cases" in runs else math.nan,
    }
    return Comparison(
        scenario=scenario, runs=runs, summary=summary, differences=differences, pareto=pareto,
        ranking=ranking, timelines=_timelines(results, names), costs=costs, waits=waits,
        cases=cases, flags=flags, notes=notes, meta=meta, periods=periods,
        period_summary=summarise_periods(periods, confidence),
    )


def _timelines(results: list[TaskResult], names: list[str]) -> dict[str, pd.DataFrame]:
    """Every replication's hourly monitor, per design (column ``replication``)."""
    out = {}
    for d in names:
        frames = [r.timeline.assign(replication=r.replication) for r in results
                  if r.design == d and r.timeline is not None]
        if frames:
            out[d] = pd.concat(frames, ignore_index=True)
    return out

