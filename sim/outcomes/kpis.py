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

from .ledger import in_scope_costs
from .satisfaction import score_cases


@dataclass(frozen=True)
class KPI:
    """A KPI: its name, unit, definition and how to compute it."""

    name: str
    unit: str
    definition: str
    compute: Callable[..., float]
    nan_when: str = ""


REGISTRY: dict[str, KPI] = {}


def kpi(name: str, unit: str, definition: str, nan_when: str = "") -> Callable:
    """Decorator registering ``fn(ctx) -> float`` as KPI ``name``."""

    def decorate(fn: Callable[..., float]) -> Callable[..., float]:
        REGISTRY[name] = KPI(name, unit, definition, fn, nan_when)
        return fn

    return decorate


@dataclass
class Context:
    """What KPI functions read: the cases in scope, the ledger and the world.

    ``world`` needs ``scenario`` (run, policy, satisfaction, scorecard); ``design``,
    ``monitor`` and the providers are used where present (design-level KPIs are NaN without
    them).
    """

    cases: pd.DataFrame
    ledger: pd.DataFrame
    world: object
    _values: dict = field(default_factory=dict, repr=False)

    @cached_property
    def scored(self) -> pd.DataFrame:
        """Satisfaction scores of the cases in scope."""
        sc = self.world.scenario
        return score_cases(self.cases, sc.satisfaction, sc.policy)

    @cached_property
    def costs(self) -> pd.Series:
        """Cost by kind attributable to the cases in scope."""
        run = self.world.scenario.run
        return in_scope_costs(self.ledger, self.cases["case"].to_numpy(), run.warmup,
                              run.horizon)

    @cached_property
    def closed(self) -> pd.DataFrame:
        """Cases in scope that reached a terminal state before the run stopped."""
        return self.cases[~self.cases["terminal"].astype(str).isin(("open", "censored"))]

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


def _elapsed(cases: pd.DataFrame, column: str) -> pd.Series:
    """Hours from the request (case creation) to ``column``, where ``column`` is set."""
    return (cases[column] - cases["created"]).dropna()


def _resolved(cases: pd.DataFrame) -> pd.DataFrame:
    return cases[cases["terminal"].astype(str) == "resolved"]


def in_scope(cases: pd.DataFrame, world) -> pd.DataFrame:
    """Cases created after the warm-up (all cases are created before the horizon)."""
    return cases[cases["created"] >= world.scenario.run.warmup]


def compute_kpis(cases: pd.DataFrame, ledger: pd.DataFrame, world) -> dict[str, float]:
    """Every registered KPI of one run.

    Parameters
    ----------
    cases : pandas.DataFrame
        The per-case table of the run (:func:`sim.model.case_frame`).
    ledger : pandas.DataFrame
        The run's ledger.
    world : World
        The run (scenario, design, monitor, providers).

    Returns
    -------
    dict of str to float
        KPI name -> value, in registry order.
    """
    ctx = Context(in_scope(cases, world), ledger, world)
    return {name: ctx.value(name) for name in REGISTRY}


# Importing the definitions registers them, in this order: it is the order of the docs and of
# every results table. The score_* KPIs come last because they read the others.
from . import kpi_access, kpi_money, kpi_resolution, scorecard  # noqa: E402, F401
