"""One replication of one design: build the SimPy world, run it, return the records.

``run_once`` is the model's whole interface: a scenario in, a :class:`RunResult` out. It
writes no files and keeps no state between calls.
"""

from __future__ import annotations

import ctypes
import gc
import sys
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd

from . import demand as demand_module
from . import invariants
from .config.schema import Scenario
from .config.vocab import CASE_TYPES, CHANNELS, TERMINAL_CODE
from .demand import CaseTable
from .journeys import JOURNEYS, start_arrivals
from .journeys import load_all as load_journeys
from .streams import Streams
from .world import World


@dataclass(frozen=True)
class RunResult:
    """What one run returns.

    Attributes
    ----------
    scenario, design : str
        Names.
    replication, seed : int
        Which run this is.
    kpis : dict of str to float
        KPI name -> value (see :func:`sim.kpis`).
    cases : pandas.DataFrame or None
        The per-case table (one row per case), when kept.
    ledger : pandas.DataFrame
        Every cost entry.
    timeline : pandas.DataFrame
        Hourly samples of open cases, queues and busy servers.
    n_cases : int
        Cases the run simulated (warm-up and drain included; the KPIs count only those in
        scope).
    """

    scenario: str
    design: str
    replication: int
    seed: int
    kpis: dict
    cases: pd.DataFrame | None
    ledger: pd.DataFrame
    timeline: pd.DataFrame
    n_cases: int = 0


def simulate(scenario: Scenario, design: str | None = None, replication: int = 0,
             seed: int | None = None, cases: CaseTable | None = None) -> World:
    """Run the world of one design and replication and return it (records, ledger, monitor).

    ``cases`` replaces the scenario's demand with a given case table (verification against
    theory feeds textbook arrival streams this way); by default demand is generated.
    """
    load_journeys()
    chosen = scenario.design(design)
    seed = scenario.run.seed if seed is None else int(seed)
    streams = Streams(seed, replication)
    if cases is None:
        cases = demand_module.generate(scenario, streams)
    missing = {CASE_TYPES[code] for code in np.unique(cases.case_type)} - set(JOURNEYS)
    if missing:
        raise NotImplementedError(f"no journey for case types {sorted(missing)}")
    world = World(scenario, chosen, streams, cases)
    world.start()
    start_arrivals(world)
    _run_without_gc_pauses(world.env, world.end)
    world.records.freeze()  # hot columns were Python lists during the run
    still_open = np.flatnonzero(world.records["terminal"] == TERMINAL_CODE["open"])
    for case in still_open:
        world.close(int(case), "censored")
    world.finish()
    return world


def _run_without_gc_pauses(env, until: float) -> None:
    """``env.run(until)`` with cyclic garbage collection kept out of the event loop.

    Everything built before the run (scenario, cases, draws, providers) is frozen out of the
    collector's sight, and the youngest generation is collected rarely: the loop allocates
    many short-lived events, and scanning them over and over cost about a fifth of a run at
    large volumes. The collector's settings are restored afterwards, also on error.
    """
    threshold = gc.get_threshold()
    # No gc.collect() first: a full collection costs time in proportion to everything the
    # process holds (a quarter of a second per run inside a test session or a notebook), and
    # garbage frozen here is only kept until unfreeze() hands it back to the collector.
    gc.freeze()
    gc.set_threshold(200_000, threshold[1], threshold[2])
    try:
        env.run(until=until)
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


@cache
def _malloc_trim():
    """glibc's ``malloc_trim``, or None on other C libraries and systems."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):  # musl and other libcs have no malloc_trim
        return None


def _return_freed_memory() -> None:
    """Hand the heap's free pages back to the system (glibc only; a few ms at 10^5 cases).

    The draws' blocks and the run's other freed memory stay in malloc's free lists, resident,
    and the KPIs' row subsets of the case table are new large allocations on top of them: at
    10^5 cases they made the KPIs, not the simulation, the peak of a run.
    """
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


def case_frame(world: World, copy: bool = True) -> pd.DataFrame:
    """Per-case table: the case attributes from demand, then the records.

    ``copy=False`` builds it on the records' own arrays (see :meth:`CaseRecords.to_frame`),
    for a caller that lets the records go.
    """
    cases = world.cases
    frame = pd.DataFrame({
        "case": np.arange(len(cases)),
        "created": cases.created,
        "case_type": pd.Categorical.from_codes(cases.case_type, CASE_TYPES),
        "channel": pd.Categorical.from_codes(cases.channel, CHANNELS),
        "category": pd.Categorical.from_codes(cases.category, cases.categories)
        if cases.categories else pd.Categorical([None] * len(cases)),
        "order_value": cases.order_value,
    })
    return pd.concat([frame, world.records.to_frame(copy)], axis=1)


def run_once(scenario: Scenario, design: str | None = None, replication: int = 0,
             seed: int | None = None, keep_cases: bool = True,
             check: bool | None = None) -> RunResult:
    """Run one replication of one design.

    Parameters
    ----------
    scenario : Scenario
        A loaded scenario (see :func:`sim.load_scenario`).
    design : str, optional
        Design name; may be left out when the scenario has exactly one.
    replication : int
        Replication number; replication r of every design sees the same demand and draws.
    seed : int, optional
        Master seed (default: the scenario's ``run.seed``).
    keep_cases : bool
        Return the per-case table.
    check : bool, optional
        Verify the run's invariants (:mod:`sim.invariants`) and raise
        :class:`~sim.invariants.InvariantError` at the first one broken; default: on when the
        environment variable ``AFTERSALES_CHECK`` is ``1``.

    Returns
    -------
    RunResult
    """
    from .outcomes.kpis import compute_kpis

    world = simulate(scenario, design, replication, seed)
    # The tables are built and the world's large parts let go before the KPIs run, so a run's
    # peak memory holds the live world or its tables, not both.
    world.draws.release()  # providers reach the draws' blocks too
    world.draws = None
    ledger = world.ledger.to_frame(release=True)
    world.ledger = None
    cases = case_frame(world, copy=False)
    world.records = None  # the case table holds its arrays; the world's cycles free it late
    summary, timeline = world.summary(), world.monitor_frame()
    name, seed, n_cases = world.design.name, world.streams.seed, len(world.cases)
    del world
    _return_freed_memory()
    kpis = compute_kpis(cases, ledger, scenario, summary)
    if invariants.enabled(check):
        invariants.check_run(cases, ledger, summary, scenario, kpis, replication)
    return RunResult(
        scenario=scenario.name, design=name, replication=replication, seed=seed, kpis=kpis,
        cases=cases if keep_cases else None, ledger=ledger, timeline=timeline,
        n_cases=n_cases,
    )
