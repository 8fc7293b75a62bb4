"""How big a run is before it starts: expected cases, memory, and the refusals that follow.

A scenario whose numbers are each in range can still ask for more than a machine has
(``orders_per_day = 1e12`` over four weeks, or a million replications that keep their cases).
:func:`estimate` turns a scenario into expected orders and cases per replication and a memory
figure; :func:`check_budget` refuses a run whose estimate exceeds the available memory or
:data:`MAX_CASES_PER_REPLICATION`, naming the keys to lower, before anything is allocated.

The per-case byte figures are deliberately generous upper estimates (assumption: measured
peaks of the bundled scenarios are below them), so a refusal means "this cannot fit", not
"this might be tight".
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from .errors import Problem, ScenarioError

#: Bytes held per live case while a replication runs (SimPy process, record, draws): about
#: twice the peak measured per case (benchmarks/bench_scaling.py: ~900 B at 100x volume,
#: ~1,100 B at 10x), so an estimate that fits leaves room for the interpreter and the KPIs.
BYTES_PER_LIVE_CASE = 2048
#: Bytes per generated order (vectorised arrays of times, categories and values).
BYTES_PER_ORDER = 256
#: Bytes per row of a kept per-case table (``keep_cases``).
BYTES_PER_KEPT_CASE = 512
#: Expected cases one replication of one design may hold: beyond this a run takes hours.
MAX_CASES_PER_REPLICATION = 20_000_000
#: Memory assumed when the platform does not say (bytes).
FALLBACK_MEMORY = 8 * 2**30


@dataclass(frozen=True)
class Estimate:
    """Expected size of one replication of one design, and of a whole comparison."""

    orders_per_replication: float
    cases_per_replication: float
    bytes_peak: float

    def describe(self) -> str:
        """One line for messages."""
        return (f"about {self.cases_per_replication:,.0f} cases per replication and "
                f"{self.bytes_peak / 2**30:,.1f} GiB")


def available_memory() -> int:
    """Physical memory available now (bytes), or :data:`FALLBACK_MEMORY` when unknown."""
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, OSError, ValueError):
        return FALLBACK_MEMORY


def estimate(scenario, replications: int | None = None, jobs: int = 1,
             keep_cases: bool = False) -> Estimate:
    """Expected orders and cases per replication, and the peak memory of a comparison.

    Parameters
    ----------
    scenario : Scenario
    replications : int, optional
        Replications per design (default ``scenario.run.replications``).
    jobs : int
        Replications running at the same time (worker processes).
    keep_cases : bool
        Whether every replication's per-case table is kept until the results are written.
    """
    run, demand = scenario.run, scenario.demand
    n = scenario.run.replications if replications is None else int(replications)
    if demand.source == "poisson":
        orders = 0.0
        cases = (demand.poisson.rate_per_h if demand.poisson else 0.0) * run.horizon
    else:
        span = run.horizon + demand.history
        extra = sum(max(p.multiplier - 1.0, 0.0) * min(p.length, span)
                    for p in demand.promotions)
        orders = demand.orders_per_day / 24.0 * (span + extra)
        per_order = sum(c.share * sum(c.rates.values()) for c in demand.categories.values())
        cases = orders * per_order
    designs = max(len(scenario.designs), 1)
    live = max(int(jobs), 1) * (cases * BYTES_PER_LIVE_CASE + orders * BYTES_PER_ORDER)
    kept = cases * BYTES_PER_KEPT_CASE * designs * n if keep_cases else 0.0
    return Estimate(orders, cases, live + kept)


def budget_problems(scenario, replications: int | None = None, jobs: int = 1,
                    keep_cases: bool = False, memory: int | None = None) -> list[Problem]:
    """Problems when a comparison cannot fit in memory or time (empty when it can)."""
    est = estimate(scenario, replications, jobs, keep_cases)
    memory = available_memory() if memory is None else memory
    volume = ("demand.poisson.rate_per_h" if scenario.demand.source == "poisson"
              else "demand.orders_per_day")
    problems = []
    if est.cases_per_replication > MAX_CASES_PER_REPLICATION:
        problems.append(Problem(volume, _volume(scenario),
                                f"a volume of at most {MAX_CASES_PER_REPLICATION:,} expected "
                                f"cases per replication; this run has {est.describe()} "
                                "(lower the volume or run.horizon)"))
    elif est.bytes_peak > memory:
        what = "run.replications (or keep_cases)" if keep_cases else "--jobs"
        problems.append(Problem(volume, _volume(scenario),
                                f"a run that fits in the {memory / 2**30:,.1f} GiB available: "
                                f"this one needs {est.describe()}; lower the volume, "
                                f"run.horizon or {what}"))
    return problems


def check_budget(scenario, replications: int | None = None, jobs: int = 1,
                 keep_cases: bool = False) -> None:
    """Raise :class:`ScenarioError` when :func:`budget_problems` finds any."""
    problems = budget_problems(scenario, replications, jobs, keep_cases)
    if problems:
        raise ScenarioError(problems)


def _volume(scenario) -> float:
    demand = scenario.demand
    if demand.source == "poisson":
        return demand.poisson.rate_per_h if demand.poisson else 0.0
    return demand.orders_per_day
