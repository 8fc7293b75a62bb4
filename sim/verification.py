"""Verification of the model against queueing theory (the library behind ``aftersales verify``).

Each :class:`TextbookCase` is a :func:`sim.validation.contact_centre` scenario, a queue that
theory can price (Erlang C, Erlang A, M/M/c/K, M/G/1), together with the theoretical values of
some KPIs. :func:`verify` runs the real model (``sim.run_once``) for ``R`` independent
replications of each case and tabulates the simulated mean with its 95% Student-t interval
next to the theory. The replications are independent because each one draws every stream from
its own (seed, replication) seed sequence; the warm-up is deleted by the scenario itself.

Also here: helpers that run a :class:`~sim.world.World` on a hand-made
:class:`~sim.demand.CaseTable` (deterministic micro-scenarios with exactly known times) and the
sample-path Little's law integrals. Formulas: ``docs/sources.md`` §Q.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from . import theory
from .config.schema import Scenario
from .config.units import MINUTE
from .config.vocab import CASE_TYPES, CHANNELS
from .demand import CaseTable
from .experiment.stats import t_interval
from .streams import Streams
from .validation import contact_centre

COLUMNS = ["case", "measure", "theory", "sim_mean", "lower", "upper", "n", "inside"]
"""Columns of the table :func:`verify` returns."""


@dataclass(frozen=True)
class TextbookCase:
    """A textbook queue and what theory says about it.

    Attributes
    ----------
    name : str
        Short label, e.g. ``"erlang_c c=3 rho=0.83"``.
    params : dict
        Keyword arguments of :func:`sim.validation.contact_centre`.
    theory : dict of str to float
        KPI name -> theoretical steady-state value (in the KPI's unit).
    wrong : dict of str to float
        KPI name -> a deliberately wrong theoretical value (one agent, one waiting place or
        the service variability changed). Tests check it lies *outside* the interval, which
        shows the comparison has the power to fail.
    """

    name: str
    params: dict
    theory: dict
    wrong: dict = field(default_factory=dict)

    def scenario(self, seed: int = 1) -> Scenario:
        """The scenario this case runs."""
        return contact_centre(**{**self.params, "seed": seed})


def _per_min(handle_mean_min: float) -> float:
    return 60.0 / handle_mean_min  # service rate per hour


def erlang_c_case(rate: float, agents: int, handle_min: float, horizon_h: float) -> TextbookCase:
    """M/M/c: mean wait of answered contacts and P(wait) (Erlang C)."""
    mu = _per_min(handle_min)
    right, wrong = theory.mmc(rate, mu, agents), theory.mmc(rate, mu, agents + 1)
    rho = rate / (agents * mu)
    return TextbookCase(
        f"erlang_c c={agents} rho={rho:.2f}",
        dict(arrival_rate_per_h=rate, agents=agents, handle_mean_min=handle_min,
             horizon_h=horizon_h, warmup_h=0.05 * horizon_h),
        {"first_response_mean_min": right.mean_wait / MINUTE, "queued_share": right.p_wait},
        {"first_response_mean_min": wrong.mean_wait / MINUTE, "queued_share": wrong.p_wait},
    )


def erlang_a_case(rate: float, agents: int, handle_min: float, patience_min: float,
                  horizon_h: float) -> TextbookCase:
    """M/M/c+M: P(abandon), P(wait) and mean wait of all arrivals (Erlang A)."""
    mu, theta = _per_min(handle_min), _per_min(patience_min)
    right = theory.erlang_a(rate, mu, theta, agents)
    wrong = theory.erlang_a(rate, mu, theta, agents + 1)
    return TextbookCase(
        f"erlang_a c={agents} a={rate / mu:.1f} patience={patience_min:g}min",
        dict(arrival_rate_per_h=rate, agents=agents, handle_mean_min=handle_min,
             patience_mean_min=patience_min, horizon_h=horizon_h, warmup_h=0.05 * horizon_h),
        {"abandonment_rate": right.p_abandon, "queued_share": right.p_wait,
         "queue_wait_mean_min": right.mean_wait / MINUTE},
        {"abandonment_rate": wrong.p_abandon, "queued_share": wrong.p_wait,
         "queue_wait_mean_min": wrong.mean_wait / MINUTE},
    )


def mmck_case(rate: float, agents: int, handle_min: float, queue_capacity: int,
              horizon_h: float) -> TextbookCase:
    """M/M/c/K with K = c + queue capacity: blocking probability and wait of admitted ones."""
    mu = _per_min(handle_min)
    k = agents + queue_capacity
    right, wrong = theory.mmck(rate, mu, agents, k), theory.mmck(rate, mu, agents, k + 1)
    return TextbookCase(
        f"mmck c={agents} K={k} a={rate / mu:.1f}",
        dict(arrival_rate_per_h=rate, agents=agents, handle_mean_min=handle_min,
             queue_capacity=queue_capacity, horizon_h=horizon_h, warmup_h=0.05 * horizon_h),
        {"blocked_share": right.p_block, "first_response_mean_min": right.mean_wait / MINUTE},
        {"blocked_share": wrong.p_block, "first_response_mean_min": wrong.mean_wait / MINUTE},
    )


def mg1_case(rate: float, handle_min: float, handle_dist: str, horizon_h: float,
             handle_sd_min: float | None = None) -> TextbookCase:
    """M/G/1: mean wait by Pollaczek-Khinchine; the wrong value assumes exponential service."""
    scv = 0.0 if handle_dist == "deterministic" else (handle_sd_min / handle_min) ** 2
    es = handle_min * MINUTE
    right, wrong = theory.mg1(rate, es, scv), theory.mg1(rate, es, 1.0)
    return TextbookCase(
        f"mg1 {handle_dist} scv={scv:.2f} rho={rate * es:.2f}",
        dict(arrival_rate_per_h=rate, agents=1, handle_mean_min=handle_min,
             handle_dist=handle_dist, handle_sd_min=handle_sd_min, horizon_h=horizon_h,
             warmup_h=0.05 * horizon_h),
        {"first_response_mean_min": right.mean_wait / MINUTE},
        {"first_response_mean_min": wrong.mean_wait / MINUTE},
    )


def textbook_cases(quick: bool = False) -> list[TextbookCase]:
    """The parameter points checked by :func:`verify`.

    Loads are moderate (rho 0.75-0.85, or a = c with abandonment or a finite queue) so the
    intervals are tight enough to mean something; horizons give roughly 5-10 thousand arrivals
    per replication.

    Parameters
    ----------
    quick : bool
        One point per model instead of several.
    """
    points = [
        erlang_c_case(8.0, 1, 6.0, horizon_h=1000.0),
        erlang_c_case(30.0, 3, 5.0, horizon_h=300.0),
        erlang_c_case(100.0, 10, 4.8, horizon_h=100.0),
        erlang_a_case(30.0, 3, 5.0, 3.0, horizon_h=250.0),
        erlang_a_case(100.0, 10, 6.0, 2.0, horizon_h=80.0),
        mmck_case(10.0, 1, 5.0, 3, horizon_h=600.0),
        mmck_case(40.0, 4, 6.0, 2, horizon_h=200.0),
        mmck_case(20.0, 3, 6.0, 0, horizon_h=300.0),  # M/M/c/c: Erlang B
        mg1_case(10.0, 4.8, "deterministic", horizon_h=600.0),
        mg1_case(10.0, 4.2, "lognormal", horizon_h=800.0, handle_sd_min=6.0),
    ]
    if quick:
        keep = {1, 3, 5, 8}
        points = [p for i, p in enumerate(points) if i in keep]
    return points


def simulate_case(case: TextbookCase, replications: int, seed: int = 1) -> pd.DataFrame:
    """KPIs of ``replications`` independent runs of a case (one row per replication)."""
    from .model import run_once

    scenario = case.scenario(seed)
    rows = []
    for r in range(replications):
        kpis = run_once(scenario, replication=r, keep_cases=False).kpis
        rows.append({"replication": r, **kpis})
    return pd.DataFrame(rows)


def compare_with_theory(case: TextbookCase, runs: pd.DataFrame, confidence: float = 0.95,
                        values: Mapping[str, float] | None = None) -> pd.DataFrame:
    """Simulated mean, t-interval and the theoretical value of each measure of a case.

    Parameters
    ----------
    case : TextbookCase
    runs : pandas.DataFrame
        Output of :func:`simulate_case`.
    confidence : float
        Confidence level of the intervals.
    values : mapping, optional
        Theoretical values to compare with (default ``case.theory``; tests pass
        ``case.wrong``).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COLUMNS`.
    """
    rows = []
    for measure, value in (case.theory if values is None else values).items():
        ci = t_interval(runs[measure].to_numpy(dtype=float), confidence)
        rows.append((case.name, measure, float(value), ci.mean, ci.lower, ci.upper, ci.n,
                     bool(ci.lower <= value <= ci.upper)))
    return pd.DataFrame(rows, columns=COLUMNS)


def verify(replications: int = 10, quick: bool = False, seed: int = 1,
           confidence: float = 0.95, cases: Sequence[TextbookCase] | None = None
           ) -> pd.DataFrame:
    """Run the textbook cases and tabulate simulation against theory.

    Parameters
    ----------
    replications : int
        Independent replications per case (at least 2 for an interval).
    quick : bool
        One parameter point per model (see :func:`textbook_cases`).
    seed : int
        Master seed; the table is a deterministic function of it.
    confidence : float
        Confidence level of the Student-t intervals.
    cases : sequence of TextbookCase, optional
        Cases to run instead of :func:`textbook_cases`.

    Returns
    -------
    pandas.DataFrame
        One row per case × measure: ``case, measure, theory, sim_mean, lower, upper, n,
        inside`` (``inside``: the theory value lies in the interval). At 95% about one row in
        twenty is expected outside by chance alone.
    """
    if replications < 2:
        raise ValueError("verify needs at least 2 replications for a confidence interval")
    chosen = textbook_cases(quick) if cases is None else list(cases)
    tables = [compare_with_theory(c, simulate_case(c, replications, seed), confidence)
              for c in chosen]
    return pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=COLUMNS)


# --- hand-made case tables and micro-scenarios -----------------------------------------------
def make_case_table(created: Iterable[float], case_type: str | Sequence[str] = "inquiry",
                    channel: str | Sequence[str] = "phone") -> CaseTable:
    """A :class:`CaseTable` with the given creation times (sorted), types and channels.

    ``case_type`` and ``channel`` are one name for every case or one per case.
    """
    created = np.asarray(list(created), dtype=float)
    order = np.argsort(created, kind="stable")
    n = created.size

    def codes(names: str | Sequence[str], vocab: tuple[str, ...]) -> np.ndarray:
        if isinstance(names, str):
            names = [names] * n
        if len(names) != n:
            raise ValueError("give one name, or one per case")
        return np.array([vocab.index(x) for x in names], dtype=np.int8)[order]

    nan = np.full(n, np.nan)
    return CaseTable(created=created[order], case_type=codes(case_type, CASE_TYPES),
                     channel=codes(channel, CHANNELS), category=np.full(n, -1, dtype=np.int16),
                     order_value=nan, ordered_at=nan.copy(), delivered_at=nan.copy(),
                     categories=())


def poisson_case_table(streams: Streams, horizon: float,
                       rates: Mapping[tuple[str, str], float]) -> CaseTable:
    """Superposed stationary Poisson streams, one per (case type, channel), over [0, horizon).

    Each stream draws from its own named stream ``demand/arrivals/<type>/<channel>``.
    """
    created, types, channels = [], [], []
    for (case_type, channel), rate in rates.items():
        rng = streams.rng(f"demand/arrivals/{case_type}/{channel}")
        n = rng.poisson(rate * horizon)
        created.append(rng.uniform(0.0, horizon, n))
        types += [case_type] * n
        channels += [channel] * n
    return make_case_table(np.concatenate(created) if created else [], types, channels)


def run_world(scenario: Scenario, cases: CaseTable, design: str | None = None,
              replication: int = 0, seed: int | None = None) -> Any:
    """Run one design on a given case table, as :func:`sim.model.simulate` does with demand.

    Returns
    -------
    sim.world.World
        The finished world (records, ledger, monitor).
    """
    from .model import simulate

    return simulate(scenario, design, replication, seed, cases=cases)


def run_cases(scenario: Scenario, cases: CaseTable, design: str | None = None,
              replication: int = 0, seed: int | None = None) -> pd.DataFrame:
    """The per-case table of :func:`run_world` (same columns as ``run_once(...).cases``)."""
    from .model import case_frame

    return case_frame(run_world(scenario, cases, design, replication, seed))


# --- sample-path Little's law -----------------------------------------------------------------
def area_by_events(start: np.ndarray, end: np.ndarray, horizon: float) -> float:
    """Integral of N(t) over [0, horizon] by sweeping the jump times of N.

    N(t) counts intervals with ``start <= t < end``; NaN ``end`` means still present.
    """
    start = np.asarray(start, dtype=float)
    end = np.where(np.isnan(end), np.inf, np.asarray(end, dtype=float))
    times = np.concatenate([np.clip(start, 0, horizon), np.clip(end, 0, horizon)])
    jumps = np.concatenate([np.ones(start.size), -np.ones(end.size)])
    order = np.argsort(times, kind="stable")
    times, level = times[order], np.cumsum(jumps[order])
    return float(np.sum(level[:-1] * np.diff(times))) if times.size else 0.0


def area_by_sojourns(start: np.ndarray, end: np.ndarray, horizon: float) -> float:
    """Sum over intervals of their time inside [0, horizon]: ``(min(d, T) - max(a, 0))^+``."""
    start = np.asarray(start, dtype=float)
    end = np.where(np.isnan(end), np.inf, np.asarray(end, dtype=float))
    return float(np.sum(np.maximum(np.minimum(end, horizon) - np.maximum(start, 0.0), 0.0)))
