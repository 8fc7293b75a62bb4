"""KPIs of one run, computed from the per-case table and the ledger.

Each KPI is registered with its unit and definition (:func:`kpi`), so ``sim.kpis()`` and the
docs list exactly what the code computes. Names are stable snake_case with the unit in the
name where there is one. Cases created before the warm-up are left out of every case KPI.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..config.units import MINUTE


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
    """What KPI functions read: the cases in scope, the ledger and the world."""

    cases: pd.DataFrame
    ledger: pd.DataFrame
    world: object


def _mean(values: pd.Series | np.ndarray) -> float:
    values = np.asarray(values, dtype=float)
    return float(values.mean()) if values.size else float("nan")


def _ratio(num: float, den: float) -> float:
    return float(num) / float(den) if den else float("nan")


@kpi("cases", "count", "Cases created after the warm-up and before the horizon.")
def _cases(ctx: Context) -> float:
    return float(len(ctx.cases))


@kpi("queued_share", "share", "Share of cases whose first contact attempt had to wait.",
     "no cases")
def _queued_share(ctx: Context) -> float:
    attempted = ctx.cases[ctx.cases["attempts"] > 0]
    return _mean(attempted["queued"])


@kpi("first_response_mean_min", "min", "Mean wait of the first answered contact (zeros "
     "included), over cases that were answered.", "no case answered")
def _first_response_mean(ctx: Context) -> float:
    return _mean(ctx.cases["first_wait_h"].dropna()) / MINUTE


@kpi("first_response_p90_min", "min", "90th percentile of the first-response wait.",
     "no case answered")
def _first_response_p90(ctx: Context) -> float:
    waits = ctx.cases["first_wait_h"].dropna()
    return float(np.percentile(waits, 90)) / MINUTE if len(waits) else float("nan")


@kpi("queue_wait_mean_min", "min", "Mean time in queue of first attempts, answered or not "
     "(the E[W] of Erlang A).", "no contact attempt")
def _queue_wait_mean(ctx: Context) -> float:
    return _mean(ctx.cases["first_attempt_wait_h"].dropna()) / MINUTE


@kpi("abandonment_rate", "share", "Abandoned contact attempts / all contact attempts.",
     "no contact attempt")
def _abandonment_rate(ctx: Context) -> float:
    return _ratio(ctx.cases["abandonments"].sum(), ctx.cases["attempts"].sum())


@kpi("blocked_share", "share", "Attempts that found the queue full / all contact attempts.",
     "no contact attempt")
def _blocked_share(ctx: Context) -> float:
    return _ratio(ctx.cases["blocked"].sum(), ctx.cases["attempts"].sum())


def in_scope(cases: pd.DataFrame, world) -> pd.DataFrame:
    """Cases created after the warm-up (all cases are created before the horizon)."""
    return cases[cases["created"] >= world.scenario.run.warmup]


def compute_kpis(cases: pd.DataFrame, ledger: pd.DataFrame, world) -> dict[str, float]:
    """Every registered KPI of one run."""
    ctx = Context(in_scope(cases, world), ledger, world)
    return {name: float(entry.compute(ctx)) for name, entry in REGISTRY.items()}
