"""Summaries of the cost ledger: totals, per-case allocation, reconciliation, lost revenue.

The ledger (:meth:`sim.records.Ledger.to_frame`) has one row per charge: ``case, time,
component, kind, amount, hours``. A row belongs to a case (``case >= 0``) or to staffed time
(``case == -1``: ``hours`` > 0 for the staffed hours themselves, ``hours == 0`` for overheads
booked pro rata to them, such as training).

Warm-up (used by the cost KPIs, :func:`in_scope_costs`): fixed costs are booked over
``[0, horizon)`` and are pro-rated to the post-warm-up share ``(horizon - warmup) / horizon``;
variable costs and penalties count when they belong to a case in scope (created after the
warm-up); case-less variable or penalty entries are pro-rated like fixed costs. With no
warm-up the cost KPIs are the plain ledger totals.

Revenue lost through lower repurchase (:func:`lost_revenue`) is never a cost: it is reported
beside cost, not inside it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..config.outcomes import SatisfactionParams
from ..records import COST_KINDS
from .codes import as_str, is_in


def totals_by_kind(ledger: pd.DataFrame) -> pd.Series:
    """Total amount per cost kind (``fixed``, ``variable``, ``penalty``; zeros included)."""
    sums = ledger.groupby(as_str(ledger["kind"]))["amount"].sum()
    return pd.Series({k: float(sums.get(k, 0.0)) for k in COST_KINDS}, name="amount")


def totals_by_component(ledger: pd.DataFrame) -> pd.DataFrame:
    """Amount and hours per component and kind, largest amount first."""
    table = (ledger.assign(component=as_str(ledger["component"]),
                           kind=as_str(ledger["kind"]))
             .groupby(["component", "kind"], as_index=False)[["amount", "hours"]].sum())
    return table.sort_values("amount", ascending=False, ignore_index=True)


def per_case(ledger: pd.DataFrame, cases: pd.DataFrame,
             allocate_by: str | None = "staff_time_h") -> pd.DataFrame:
    """Cost of each case: its own entries by kind, plus a share of case-less costs.

    Parameters
    ----------
    ledger : pandas.DataFrame
        The ledger.
    cases : pandas.DataFrame
        The per-case table (needs ``case`` and, to allocate, ``allocate_by``).
    allocate_by : str or None
        Column whose share of the total decides each case's share of the case-less
        (``case == -1``) costs; when ``None`` or when the column sums to 0, equal shares.

    Returns
    -------
    pandas.DataFrame
        One row per case of ``cases`` (same index): ``fixed``, ``variable``, ``penalty``
        (direct), ``allocated`` (share of case-less costs) and ``total``. Over all cases of
        a run, ``total`` sums to the ledger total.
    """
    direct = (ledger[ledger["case"] >= 0]
              .pivot_table(index="case", columns="kind", values="amount", aggfunc="sum",
                           observed=False, fill_value=0.0))
    out = pd.DataFrame(index=cases.index)
    ids = cases["case"].to_numpy()
    for kind in COST_KINDS:
        col = direct[kind] if kind in direct else pd.Series(dtype=float)
        out[kind] = col.reindex(ids, fill_value=0.0).to_numpy(dtype=float)
    shared = float(ledger.loc[ledger["case"] < 0, "amount"].sum())
    weights = (np.asarray(cases[allocate_by], dtype=float) if allocate_by else
               np.ones(len(cases)))
    if not weights.sum() > 0:
        weights = np.ones(len(cases))
    out["allocated"] = shared * weights / weights.sum() if len(cases) else 0.0
    out["total"] = out[list(COST_KINDS)].sum(axis=1) + out["allocated"]
    return out


def in_scope_weights(ledger: pd.DataFrame, case_ids: np.ndarray, warmup: float,
                     horizon: float) -> np.ndarray:
    """Weight of each ledger row in the measured window (see the module docstring).

    Parameters
    ----------
    ledger : pandas.DataFrame
        The ledger of the run.
    case_ids : array of int
        Cases in scope (created in the measured window).
    warmup, horizon : float
        The run's warm-up and horizon (hours).
    """
    share = (horizon - warmup) / horizon if horizon > 0 else 1.0
    caseless = ledger["case"] < 0
    own = ledger["case"].isin(np.asarray(case_ids))
    fixed_rows = is_in(ledger["kind"], "fixed")
    return np.where(caseless | fixed_rows, share, np.where(own, 1.0, 0.0))


def in_scope_costs(ledger: pd.DataFrame, case_ids: np.ndarray, warmup: float,
                   horizon: float) -> pd.Series:
    """Cost by kind attributable to the cases in scope: what ``total_cost`` sums.

    Parameters are those of :func:`in_scope_weights`.
    """
    weight = in_scope_weights(ledger, case_ids, warmup, horizon)
    return totals_by_kind(ledger.assign(amount=ledger["amount"] * weight))


def in_scope_breakdown(ledger: pd.DataFrame, case_ids: np.ndarray, warmup: float,
                       horizon: float) -> pd.DataFrame:
    """Cost by ``component`` and ``kind`` in exactly the scope of ``total_cost``.

    Parameters are those of :func:`in_scope_weights`. The ``amount`` column sums to the
    ``total_cost`` KPI of the same run.
    """
    if not len(ledger):
        return pd.DataFrame({"component": pd.Series(dtype=str), "kind": pd.Series(dtype=str),
                             "amount": pd.Series(dtype=float)})
    weight = in_scope_weights(ledger, case_ids, warmup, horizon)
    weighted = pd.DataFrame({"component": as_str(ledger["component"]),
                             "kind": as_str(ledger["kind"]),
                             "amount": ledger["amount"].to_numpy(dtype=float) * weight})
    return weighted.groupby(["component", "kind"], as_index=False, sort=True)["amount"].sum()


@dataclass
class Reconciliation:
    """Outcome of :func:`reconcile`: totals and every problem found (empty when it balances)."""

    total: float
    by_kind: pd.Series
    staffed_hours: dict[str, float]
    overhead: float
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether the ledger reconciles."""
        return not self.problems


def reconcile(ledger: pd.DataFrame, n_cases: int, rates: dict[str, float],
              total_cost: float | None = None, rtol: float = 1e-9) -> Reconciliation:
    """Check that the ledger balances.

    Checks: the entries sum to ``total_cost`` (when given) and to the sum by kind; every entry
    names a case of the run or ``-1``; no entry of a case carries staffed hours; each staffed
    component with a known rate costs exactly hours x rate. Case-less entries without hours
    (overheads such as training) are reported in ``overhead``, not as a problem.

    Parameters
    ----------
    ledger : pandas.DataFrame
        The ledger.
    n_cases : int
        Cases of the run (valid case ids are ``0 .. n_cases - 1``).
    rates : dict of str to float
        Cost per staffed hour by component (``RunSummary.staff_rates``).
    total_cost : float, optional
        A total to compare with (e.g. the ``total_cost`` KPI of a run without warm-up).
    rtol : float
        Relative tolerance of the comparisons.
    """
    total = float(ledger["amount"].sum())
    by_kind = totals_by_kind(ledger)
    problems = []

    def close(a: float, b: float) -> bool:
        return abs(a - b) <= rtol * max(1.0, abs(a), abs(b))

    if total_cost is not None and not close(total, total_cost):
        problems.append(f"entries sum to {total:.6g}, total_cost is {total_cost:.6g}")
    if not close(total, float(by_kind.sum())):
        problems.append("an entry has a kind outside " + ", ".join(COST_KINDS))
    bad = ledger[(ledger["case"] < -1) | (ledger["case"] >= n_cases)]
    if len(bad):
        problems.append(f"{len(bad)} entries name no case of the run")
    if ((ledger["case"] >= 0) & (ledger["hours"] != 0)).any():
        problems.append("case entries carry staffed hours")
    staffed = ledger[(ledger["case"] == -1) & (ledger["hours"] > 0)]
    hours = staffed.groupby(as_str(staffed["component"]))[["hours", "amount"]].sum()
    for component, row in hours.iterrows():
        rate = rates.get(component)
        if rate is None:
            problems.append(f"no rate known for staffed component {component!r}")
        elif not close(row["amount"], row["hours"] * rate):
            problems.append(f"{component}: {row['amount']:.6g} != {row['hours']:.6g} h x "
                            f"{rate:.6g}")
    overhead = float(ledger.loc[(ledger["case"] == -1) & (ledger["hours"] == 0), "amount"].sum())
    return Reconciliation(total, by_kind, hours["hours"].to_dict(), overhead, problems)


def lost_revenue(cases: pd.DataFrame, scored: pd.DataFrame,
                 params: SatisfactionParams) -> pd.Series:
    """Revenue lost per case through lower repurchase (never part of cost).

    ``customer_value * (1 - repurchase * spend)``, where ``spend`` is ``paid_return_spend``
    when the consumer paid a return fee (BM12: paid returns cut later spending) and 1
    otherwise. NaN for unscored (censored) cases.

    Parameters
    ----------
    cases : pandas.DataFrame
        The per-case table (``consumer_paid_fee``).
    scored : pandas.DataFrame
        :func:`sim.outcomes.satisfaction.score_cases` of the same cases.
    params : SatisfactionParams
        ``customer_value``, ``paid_return_spend``.
    """
    spend = np.where(np.asarray(cases["consumer_paid_fee"], dtype=bool),
                     params.paid_return_spend, 1.0)
    kept = np.asarray(scored["repurchase"], dtype=float) * spend
    return pd.Series(params.customer_value * (1.0 - kept), index=cases.index,
                     name="lost_revenue")
