"""KPIs of one run, computed from the per-case table and the ledger.

Each KPI is registered with its unit and definition (:func:`kpi`), so ``sim.kpis()`` and the
docs list exactly what the code computes. Names are stable snake_case with the unit in the
name where there is one. Cases created before the warm-up are left out of every case KPI.

Conventions:

- *closed* cases are those in a terminal state other than ``censored`` (still open when the
  run stopped); satisfaction and repurchase are scored on closed cases only
  (:mod:`sim.outcomes.satisfaction`), and ``censored_share`` flags overloaded designs whose
  averages leave many cases out.
- cost KPIs follow :func:`sim.outcomes.ledger.in_scope_costs`: fixed costs pro-rated to the
  post-warm-up share of the horizon, variable costs and penalties of the cases in scope.
- a KPI is NaN only when its ``nan_when`` holds (nothing to average over).
- per-case-type KPIs (``csat_mean_<type>``, ``resolution_time_mean_h_<type>``) are generated
  for every case type; the scorecard KPIs (``score_*``) are in :mod:`sim.outcomes.scorecard`.

This module holds the registry, :class:`Context` and the helpers; the KPIs themselves are
defined by concept in :mod:`~sim.outcomes.kpi_access` (reaching the contact centre),
:mod:`~sim.outcomes.kpi_money` (cost and lost revenue) and :mod:`~sim.outcomes.kpi_resolution`
(how cases end and how customers rate it), imported at the end of this module.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from ..records import RunSummary
from .codes import is_in, per_category
from .ledger import in_scope_costs
from .satisfaction import score_cases

BETTER = ("min", "max", None)


@dataclass(frozen=True)
class KPI:
    """A KPI: its name, unit, definition, which way is better and how to compute it.

    ``better`` is ``"min"`` (lower is better), ``"max"`` (higher is better) or None (neither:
    a volume or a load, e.g. ``cases``); rankings, Pareto fronts, figures and the wording of
    differences read it, never the name.
    """

    name: str
    unit: str
    definition: str
    compute: Callable[..., float]
    nan_when: str = ""
    better: str | None = None


REGISTRY: dict[str, KPI] = {}


def kpi(name: str, unit: str, definition: str, nan_when: str = "", *,
        better: str | None) -> Callable:
    """Decorator registering ``fn(ctx) -> float`` as KPI ``name``; ``better`` is required."""
    if better not in BETTER:
        raise ValueError(f"better of KPI {name!r} must be 'min', 'max' or None, got {better!r}")

    def decorate(fn: Callable[..., float]) -> Callable[..., float]:
        REGISTRY[name] = KPI(name, unit, definition, fn, nan_when, better)
        return fn

    return decorate


def direction(name: str) -> str | None:
    """Which way KPI ``name`` is better: ``"min"``, ``"max"`` or None (raises on unknown)."""
    try:
        return REGISTRY[name].better
    except KeyError:
        raise KeyError(f"unknown KPI {name!r}; see sim.kpis()") from None


@dataclass
class Context:
    """What KPI functions read: the cases in scope, the ledger, the scenario, a run summary.

    Nothing else: KPIs are a pure function of what a run produced, never of the live world.
    KPI functions read columns as numpy arrays (:meth:`col`) under boolean masks
    (:meth:`mask`, :attr:`closed_mask`, ...), each computed once per context, rather than
    cutting row subsets out of the whole table.
    """

    cases: pd.DataFrame
    ledger: pd.DataFrame
    scenario: object
    summary: RunSummary
    _values: dict = field(default_factory=dict, repr=False)
    _cache: dict = field(default_factory=dict, repr=False)

    @cached_property
    def scored(self) -> pd.DataFrame:
        """Satisfaction scores of the cases in scope."""
        sc = self.scenario
        return score_cases(self.cases, sc.satisfaction, sc.policy)

    @cached_property
    def costs(self) -> pd.Series:
        """Cost by kind attributable to the cases in scope."""
        run = self.scenario.run
        return in_scope_costs(self.ledger, self.cases["case"].to_numpy(), run.warmup,
                              run.horizon)

    @cached_property
    def closed(self) -> pd.DataFrame:
        """Cases in scope that reached a terminal state before the run stopped."""
        return self.cases[self.closed_mask]

    @cached_property
    def closed_mask(self) -> np.ndarray:
        """Which cases in scope reached a terminal state before the run stopped."""
        return ~self.mask("terminal", "open", "censored")

    @cached_property
    def resolved_mask(self) -> np.ndarray:
        """Which cases in scope ended ``resolved``."""
        return self.mask("terminal", "resolved")

    @cached_property
    def sla_target(self) -> np.ndarray:
        """The service target (h) of each case in scope (``policy.sla`` by case type)."""
        return per_category(self.cases["case_type"], self.scenario.policy.sla, np.inf)

    def has(self, column: str) -> bool:
        """Whether the run recorded ``column``."""
        return column in self.cases

    def col(self, column: str) -> np.ndarray:
        """Column ``column`` of the cases in scope as a numpy array (converted once)."""
        key = ("col", column)
        if key not in self._cache:
            self._cache[key] = self.cases[column].to_numpy()
        return self._cache[key]

    def mask(self, column: str, *values: str) -> np.ndarray:
        """Which cases in scope have one of ``values`` in categorical ``column``."""
        key = ("mask", column, values)
        if key not in self._cache:
            self._cache[key] = is_in(self.cases[column], *values)
        return self._cache[key]

    def elapsed(self, column: str, where: np.ndarray | None = None) -> np.ndarray:
        """Hours from the request (case creation) to ``column`` where it is set, over the
        cases ``where`` selects (all by default)."""
        since = self.since(column, "created")
        if where is not None:
            since = since[where]
        return since[~np.isnan(since)]

    def since(self, column: str, start: str) -> np.ndarray:
        """``column - start`` for every case in scope (NaN where either is unset)."""
        key = ("since", column, start)
        if key not in self._cache:
            self._cache[key] = (self.col(column).astype(float, copy=False)
                                - self.col(start).astype(float, copy=False))
        return self._cache[key]

    def score(self, column: str) -> np.ndarray:
        """Column ``column`` of :attr:`scored` as a numpy array."""
        key = ("score", column)
        if key not in self._cache:
            self._cache[key] = self.scored[column].to_numpy()
        return self._cache[key]

    def value(self, name: str) -> float:
        """KPI ``name`` of this run (computed once)."""
        if name not in self._values:
            self._values[name] = float(REGISTRY[name].compute(self))
        return self._values[name]


def _mean(values: pd.Series | np.ndarray) -> float:
    values = np.asarray(values, dtype=float)
    return float(values.mean()) if values.size else float("nan")


def _ratio(num: float, den: float) -> float:
    return float(num) / float(den) if den else float("nan")


def _p90(values: pd.Series | np.ndarray) -> float:
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    return float(np.percentile(values, 90)) if values.size else float("nan")


def _dropna(values: np.ndarray) -> np.ndarray:
    values = np.asarray(values, dtype=float)
    return values[~np.isnan(values)]


def _sum(values: np.ndarray) -> float:
    """Sum as pandas' ``Series.sum`` gives it (NaN skipped)."""
    values = np.asarray(values)
    return float(np.nansum(values) if values.dtype.kind == "f" else values.sum())


def in_scope(cases: pd.DataFrame, scenario) -> pd.DataFrame:
    """Cases created in the measured window: after the warm-up, before the horizon."""
    run = scenario.run
    created = cases["created"]
    return cases[(created >= run.warmup) & (created < run.horizon)]


def compute_kpis(cases: pd.DataFrame, ledger: pd.DataFrame, scenario,
                 summary: RunSummary) -> dict[str, float]:
    """Every registered KPI of one run.

    Parameters
    ----------
    cases : pandas.DataFrame
        The per-case table of the run (:func:`sim.model.case_frame`).
    ledger : pandas.DataFrame
        The run's ledger.
    scenario : Scenario
        The scenario that ran.
    summary : RunSummary
        What the world handed over (:meth:`sim.world.World.summary`).

    Returns
    -------
    dict of str to float
        KPI name -> value, in registry order.
    """
    ctx = Context(in_scope(cases, scenario), ledger, scenario, summary)
    return {name: ctx.value(name) for name in REGISTRY}


# Importing the definitions registers them, in this order: it is the order of the docs and of
# every results table. The score_* KPIs come last because they read the others.
from . import kpi_access, kpi_money, kpi_quality, kpi_resolution, scorecard  # noqa: E402, F401
