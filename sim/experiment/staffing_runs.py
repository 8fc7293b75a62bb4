"""Simulating one staffing candidate: its replications, with common random numbers.

Every candidate runs replications ``0..R-1`` with the same seed, so replication r of every
candidate (and of every design) sees the same demand and draws. A worker sends back only what
the targets need: the KPIs asked for, and for each service-level target the contacts and the
contacts answered in time per hour of the week (:mod:`sim.outcomes.service_level`).
"""

from __future__ import annotations

import concurrent.futures as cf
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..config.loader import load_scenario
from ..config.schema import Scenario
from ..invariants import enabled
from .executors import execute


@dataclass(frozen=True)
class CandidateRun:
    """One replication of one candidate (picklable)."""

    scenario: Scenario
    design: str
    replication: int
    seed: int
    outputs: tuple[str, ...]
    hourly: tuple[tuple[str, float], ...]     # (channel, threshold h) to count per hour
    check: bool = False


@dataclass(frozen=True)
class CandidateResult:
    """What a worker sends back for one :class:`CandidateRun`."""

    replication: int
    kpis: dict
    hourly: dict      # (channel, threshold h) -> (contacts[168], in_time[168])


def run_candidate(job: CandidateRun) -> CandidateResult:
    """Run one replication (module level, so process pools and Dask pickle it by reference)."""
    from ..model import run_once
    from ..outcomes.service_level import hourly_service_level

    result = run_once(job.scenario, job.design, job.replication, job.seed, keep_cases=True,
                      check=job.check)
    run = job.scenario.run
    counts = {}
    for channel, within in job.hourly:
        table = hourly_service_level(result.cases, channel, within, run.warmup, run.horizon)
        counts[(channel, within)] = (table["contacts"].to_numpy(dtype=np.int64),
                                     table["in_time"].to_numpy(dtype=np.int64))
    return CandidateResult(job.replication,
                           {k: float(result.kpis[k]) for k in job.outputs}, counts)


def simulate(raw: Mapping[str, Any], design: str, config: Mapping[str, int], outputs,
             hourly, replications: int, seed: int, executor: cf.Executor | None = None,
             progress: bool | None = None, check: bool | None = None) -> list[CandidateResult]:
    """Every replication of ``design`` with the head counts ``config`` (dotted keys)."""
    scenario = load_scenario(raw, dict(config))
    jobs = [CandidateRun(scenario, design, r, seed, tuple(outputs), tuple(hourly),
                         enabled(check)) for r in range(replications)]
    return execute(jobs, executor, progress=progress, fn=run_candidate, desc="staffing")
