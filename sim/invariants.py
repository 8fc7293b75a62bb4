"""Invariant checks of a finished run (``--check``): the records, ledger and summary agree.

:func:`check_run` looks at what one run produced — the per-case table, the ledger, the run
summary and the KPIs — and raises :class:`InvariantError` at the first invariant that does not
hold, naming the invariant, the design, the replication and an example case. Every check is a
vectorised pass over the columnar records, so checking costs a small fraction of a run.

The invariants (:data:`INVARIANTS`):

``one_terminal_state``
    Every case ends in exactly one terminal state: none is left ``open``, its code is a known
    state, and it has a closing time (doubly closed cases are refused when they happen, in
    :meth:`sim.records.CaseRecords.close`).
``non_negative``
    Waits, durations, staff time and counts are >= 0 and finite where present.
``monotone_times``
    Along a case's journey time never goes back: created <= first response; pickup <= goods
    received; booking <= service done; complaint lodged <= complaint closed; replacement
    shipped <= delivered; every event of a case lies between its creation and the end of the
    run (horizon + drain), and the case closes no earlier than it was created.
``ledger_reconciles``
    Every entry is finite, names a case of the run or staffed time, staffed components cost
    hours x rate (:func:`sim.outcomes.ledger.reconcile`), and the ``total_cost`` KPI equals the
    in-scope entries of the ledger.
``busy_within_staffed``
    At every hourly monitor sample, no pool has more busy servers than servers on duty (nor
    fewer than none), except for contacts in hand at a shift end (the roster rule of
    :mod:`sim.providers.in_house.roster`): above the servers on duty now and an hour ago, the
    busy count can only stay or fall.

Checking is on when asked (``check=True``, ``aftersales ... --check``) or when the
environment variable ``AFTERSALES_CHECK`` is ``1`` (the test suite sets it).
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from .config.vocab import TERMINAL_CODE, TERMINAL_STATES
from .records import COST_KINDS, FIELDS

#: Environment variable that turns checking on for every run (``1``, ``true``, ``yes``).
ENV = "AFTERSALES_CHECK"

INVARIANTS: tuple[str, ...] = ("one_terminal_state", "non_negative", "monotone_times",
                               "ledger_reconciles", "busy_within_staffed")

#: Journeys' time stamps in the order they happen: each present one is >= the ones before.
CHAINS: tuple[tuple[str, ...], ...] = (
    ("created", "first_response_at"),
    ("created", "picked_up_at", "goods_received_at"),
    ("created", "replacement_shipped_at", "replacement_at"),
    ("created", "booked_at", "service_done_at"),
    ("created", "complaint_at", "complaint_closed_at"),
    ("created", "closed_at"),
)
#: Waits and durations (hours) that cannot be negative.
DURATIONS: tuple[str, ...] = ("first_wait_h", "first_attempt_wait_h", "staff_time_h")
#: Tolerance of time comparisons (hours): float sums of durations, nothing more.
TIME_EPS = 1e-9


class InvariantError(RuntimeError):
    """A finished run broke an invariant of the model (a bug, not a user mistake).

    Attributes
    ----------
    invariant : str
        One of :data:`INVARIANTS`.
    design : str
    replication : int
    case : int or None
        An example case that breaks it (None for run-level invariants).
    detail : str
        What was found.
    """

    def __init__(self, invariant: str, design: str, replication: int, case: int | None,
                 detail: str):
        self.invariant, self.design, self.replication = invariant, design, replication
        self.case, self.detail = case, detail
        where = f"design {design!r}, replication {replication}"
        example = f", e.g. case {case}" if case is not None else ""
        super().__init__(f"invariant {invariant} violated in {where}{example}: {detail}")


def enabled(check: bool | None = None) -> bool:
    """Whether to check: ``check`` when given, else the :data:`ENV` environment variable."""
    if check is not None:
        return bool(check)
    return os.environ.get(ENV, "").strip().lower() in ("1", "true", "yes", "on")


def check_run(cases: pd.DataFrame, ledger: pd.DataFrame, summary, scenario, kpis: dict,
              replication: int = 0) -> None:
    """Raise :class:`InvariantError` at the first invariant the run breaks.

    Parameters
    ----------
    cases : pandas.DataFrame
        The run's per-case table (:func:`sim.model.case_frame`).
    ledger : pandas.DataFrame
        The run's ledger (:meth:`sim.records.Ledger.to_frame`).
    summary : RunSummary
        The run summary (:meth:`sim.world.World.summary`).
    scenario : Scenario
        The scenario that ran.
    kpis : dict
        The run's KPIs (``total_cost`` is reconciled with the ledger).
    replication : int
        Which replication this is (for the message).
    """
    design = summary.design
    end = scenario.run.horizon + scenario.run.drain
    for name, problem in (("one_terminal_state", _terminal(cases)),
                          ("non_negative", _non_negative(cases)),
                          ("monotone_times", _monotone(cases, end)),
                          ("ledger_reconciles", _ledger(ledger, cases, summary, scenario, kpis)),
                          ("busy_within_staffed", _busy(summary))):
        if problem is not None:
            case, detail = problem
            raise InvariantError(name, design, replication, case, detail)


def _first(cases: pd.DataFrame, bad: np.ndarray) -> int:
    """The case id of the first row flagged in ``bad``."""
    return int(cases["case"].to_numpy()[np.flatnonzero(bad)[0]])


def _terminal(cases: pd.DataFrame):
    codes = _codes(cases["terminal"], TERMINAL_STATES)
    closed = cases["closed_at"].to_numpy(dtype=float)
    for bad, detail in (
        ((codes <= 0) | (codes >= len(TERMINAL_STATES)), "ends in no terminal state (open)"),
        (~np.isfinite(closed), "has a terminal state but no closing time"),
    ):
        if bad.any():
            return _first(cases, bad), f"{int(bad.sum())} case(s) {detail}"
    return None


def _non_negative(cases: pd.DataFrame):
    # Counts are the core integer fields; providers' integer columns may use -1 for "none".
    counts = [c for c, (dtype, _, _) in FIELDS.items() if dtype.startswith("i") and c in cases
              and c != "terminal"]
    columns = [c for c in cases.columns if c in DURATIONS or c.endswith(("_h", "_min"))]
    columns += counts
    for name in columns:
        values = cases[name].to_numpy()
        if values.dtype.kind == "f":
            bad = (values < 0) | np.isinf(values)
        elif values.dtype.kind in "iu":
            bad = values < 0
        else:
            continue
        if bad.any():
            return _first(cases, bad), (f"{name} is negative or infinite in "
                                        f"{int(bad.sum())} case(s)")
    return None


def _monotone(cases: pd.DataFrame, end: float):
    for chain in CHAINS:
        present = [c for c in chain if c in cases]
        if len(present) < 2:
            continue
        times = np.column_stack([cases[c].to_numpy(dtype=float) for c in present])
        before = np.fmax.accumulate(times, axis=1)[:, :-1]  # latest earlier stamp (NaN skipped)
        later = times[:, 1:]
        bad = later < before - TIME_EPS  # NaN compares False: a missing stamp is no violation
        if bad.any():
            row, col = np.argwhere(bad)[0]
            prior = present[int(np.argmax(times[row, : col + 1]))]
            return (_first(cases, bad.any(axis=1)),
                    f"{present[col + 1]} ({times[row, col + 1]:.6g} h) is before {prior} "
                    f"({times[row, :col + 1].max():.6g} h) in {int(bad.any(axis=1).sum())} "
                    f"case(s)")
    # Events, not deadlines: a deadline (``*_due_at``) may fall after the end of the run.
    stamps = [c for c in cases.columns if c.endswith("_at") and not c.endswith("_due_at")]
    if stamps:
        times = np.column_stack([cases[c].to_numpy(dtype=float) for c in stamps])
        # A censored case may hold a time the run scheduled but never reached (a refund
        # posting after the end): only cases that closed must keep inside the run.
        censored = _codes(cases["terminal"], TERMINAL_STATES) == TERMINAL_CODE["censored"]
        bad = ((times > end + TIME_EPS) & ~censored[:, None]) | (times < 0)
        if bad.any():
            row, col = np.argwhere(bad)[0]
            return (_first(cases, bad.any(axis=1)),
                    f"{stamps[col]} = {times[row, col]:.6g} h lies outside the run [0, {end:g}]")
    return None


def _ledger(ledger: pd.DataFrame, cases: pd.DataFrame, summary, scenario, kpis: dict):
    # The checks of sim.outcomes.ledger.reconcile, on the raw arrays (no groupby): cheap.
    amount = ledger["amount"].to_numpy(dtype=float)
    hours = ledger["hours"].to_numpy(dtype=float)
    ids = ledger["case"].to_numpy()
    n_cases = len(cases)

    def example(bad: np.ndarray) -> int | None:
        case = int(ids[np.flatnonzero(bad)[0]])
        return case if case >= 0 else None

    kind = _codes(ledger["kind"], COST_KINDS)
    case_rows = ids >= 0
    for bad, detail in (
        (~np.isfinite(amount) | ~np.isfinite(hours) | (hours < 0),
         "have a non-finite amount or negative hours"),
        ((ids < -1) | (ids >= n_cases), "name no case of the run"),
        (kind < 0, "have a kind outside " + ", ".join(COST_KINDS)),
        (case_rows & (hours != 0), "of a case carry staffed hours"),
    ):
        if bad.any():
            return example(bad), f"{int(bad.sum())} ledger entries {detail}"
    staffed = ~case_rows & (hours > 0)
    if staffed.any():
        names = np.asarray(ledger["component"].astype(object))[staffed]
        components, index = np.unique(names, return_inverse=True)
        got = np.bincount(index, weights=amount[staffed])
        worked = np.bincount(index, weights=hours[staffed])
        for name, money, h in zip(components, got, worked, strict=True):
            rate = summary.staff_rates.get(name)
            if rate is None:
                return None, f"no rate known for staffed component {name!r}"
            if not _close(money, h * rate):
                return None, f"{name}: {money:.6g} booked for {h:.6g} h x {rate:.6g}"
    if "total_cost" in kpis:
        run = scenario.run
        created = cases["created"].to_numpy(dtype=float)
        scope = (created >= run.warmup) & (created < run.horizon)
        share = (run.horizon - run.warmup) / run.horizon if run.horizon > 0 else 1.0
        own = np.zeros(len(ids), dtype=bool)
        own[case_rows] = scope[ids[case_rows]]
        fixed = kind == COST_KINDS.index("fixed")
        weight = np.where(~case_rows | fixed, share, np.where(own, 1.0, 0.0))
        expected = float(np.dot(amount, weight))
        got = float(kpis["total_cost"])
        if not _close(got, expected):
            return None, (f"total_cost is {got:.6g} but the in-scope ledger entries sum to "
                          f"{expected:.6g}")
    return None


def _close(a: float, b: float, rtol: float = 1e-9) -> bool:
    return abs(a - b) <= rtol * max(1.0, abs(a), abs(b))


def _codes(column: pd.Series, names: tuple[str, ...]) -> np.ndarray:
    """Positions of a column's values in ``names`` (-1 where absent), cheaply for categoricals."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        lookup = np.array([names.index(c) if c in names else -1
                           for c in column.cat.categories] + [-1])
        return lookup[column.cat.codes.to_numpy()]  # code -1 (missing) -> the last entry
    return np.array([names.index(v) if v in names else -1 for v in column])


def _busy(summary):
    times = np.asarray(summary.monitor_times, dtype=float)
    for pool, busy in summary.busy.items():
        busy = np.asarray(busy, dtype=float)
        duty = np.asarray(summary.on_duty.get(pool, np.zeros_like(busy)), dtype=float)
        # Rosters change on the hour (the samples' times) and an agent whose shift ends
        # finishes the contact in hand: above the servers on duty now or an hour ago, the
        # busy count may only stay or fall (nobody starts while the pool is over capacity).
        allowed = duty.copy()
        if len(busy) > 1:
            allowed[1:] = np.maximum.reduce([duty[1:], duty[:-1], busy[:-1]])
        bad = (busy > allowed + TIME_EPS) | (busy < 0)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            at = f" at {times[i]:.6g} h" if i < len(times) else ""
            return None, (f"pool {pool!r} has {busy[i]:g} busy of {duty[i]:g} on duty{at} "
                          f"({int(bad.sum())} sample(s))")
    return None
