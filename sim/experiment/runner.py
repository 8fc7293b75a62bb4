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
import time
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..config.errors import ScenarioError
from ..config.fields import _suggest
from ..config.schema import Scenario
from ..invariants import enabled
from .analysis import (  # noqa: F401  (direction, check_indifference, WAIT_KPIS: re-exported)
    WAIT_KPIS,
    analyse,
    check_indifference,
    direction,
    precision_values,
    runs_table,
)
from .executors import Task, TaskResult, execute
from .period_tables import COLUMNS as PERIOD_COLUMNS
from .stats import ReplicationController

#: KPIs shown first in tables and figures, when the model computes them.
HEADLINE = ("cost_per_case", "first_response_mean_min", "resolution_time_mean_h", "csat_mean",
            "abandonment_rate", "sla_attainment", "score_total", "censored_share")


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
            values = precision_values(runs_table(results, names), wanted)
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                k = controller.next_block(values)
            notes += [str(w.message) for w in caught]
        notes.append(f"replications chosen automatically: {done} (target relative half-width "
                     f"{target_precision:g}, converged: {controller.converged})")
    runs = runs_table(results, names)
    comparison = analyse(scenario, runs, results, names, reference, seed, notes, controller,
                         keep_cases, ranking_kpi, confidence, time.perf_counter() - started,
                         executor)
    comparison.meta["invariants_checked"] = check  # in the manifest: was --check on?
    return comparison


