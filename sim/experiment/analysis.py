"""Analysing the runs of a comparison: intervals, paired differences, Pareto set, ranking.

:func:`analyse` turns the per-replication results of :func:`sim.experiment.runner.compare`
into the tidy tables of a :class:`~sim.experiment.runner.Comparison`: summary intervals
(:mod:`sim.experiment.stats`), CRN-paired differences and the Pareto set
(:mod:`sim.experiment.ranking`), the honest ranking (:mod:`sim.experiment.selection`), flags
(:mod:`sim.experiment.flags`), cost breakdown, waits, timelines and period tables.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..config.errors import ScenarioError
from ..config.fields import _suggest
from ..config.schema import Scenario
from .executors import TaskResult
from .flags import design_flags
from .period_tables import collect as collect_periods
from .period_tables import summarise as summarise_periods
from .ranking import paired_differences, pareto_front
from .selection import COLUMNS as SELECTION_COLUMNS
from .selection import select_best
from .stats import summarise

#: Waiting-time objectives of the Pareto set, in order of preference.
WAIT_KPIS = ("resolution_time_mean_h", "first_response_mean_min", "queue_wait_mean_min")


def direction(kpi: str) -> str | None:
    """Which way KPI ``kpi`` is better, from the KPI registry: ``"min"``, ``"max"`` or None."""
    from ..outcomes.kpis import direction as registered

    return registered(kpi)


def runs_table(results: list[TaskResult], names: list[str]) -> pd.DataFrame:
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


def precision_values(runs: pd.DataFrame, wanted: list[str] | None) -> dict[str, np.ndarray]:
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


def analyse(scenario, runs, results, names, reference, seed, notes, controller, keep_cases,
            ranking_kpi, confidence, wall, executor):
    """The :class:`~sim.experiment.runner.Comparison` of ``runs`` (one row per design x
    replication) and the task ``results`` they came from."""
    from ..outcomes.kpis import REGISTRY
    from .runner import Comparison

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

