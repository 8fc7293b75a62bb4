"""Comparing designs: paired differences under CRN and Pareto fronts.

Which design is best on one KPI, with an indifference zone, is :mod:`sim.experiment.selection`.

Designs are run with common random numbers: replication ``r`` of every design uses the same
random-number set, so rows sharing a ``replication`` value are pairs. Paired statistics
exploit that positive correlation; :func:`unpaired_difference` (Welch) is for independently
seeded runs and shows what pairing saves. Pure numpy/scipy/pandas, no global random state.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd
from scipy import stats

from sim.experiment.stats import REPLICATION, Interval, _check_confidence, kpi_columns, t_interval

_DIRECTIONS = {"min": 1.0, "max": -1.0}


def _sign(direction: str) -> float:
    try:
        return _DIRECTIONS[direction]
    except KeyError:
        raise ValueError(f"direction must be 'min' or 'max', got {direction!r}") from None


def _designs(runs: pd.DataFrame, by: str) -> list:
    if runs.duplicated([by, REPLICATION]).any():
        raise ValueError(f"duplicate ({by}, {REPLICATION}) rows: pairing is ambiguous")
    return list(pd.unique(runs[by].dropna()))


def _paired_p_value(ci: Interval) -> float:
    """Two-sided paired-t p-value for H0: mean difference = 0."""
    if ci.n < 2:
        return math.nan
    if ci.sd == 0:  # every pair differs by the same amount: certain unless that amount is 0
        return 1.0 if ci.mean == 0 else 0.0
    t = ci.mean / (ci.sd / math.sqrt(ci.n))
    return float(2.0 * stats.t.sf(abs(t), ci.n - 1))


def paired_differences(
    runs: pd.DataFrame,
    reference: object,
    metrics: Iterable[str] | str | None = None,
    confidence: float = 0.95,
    adjust: str | None = "bonferroni",
    by: str = "design",
) -> pd.DataFrame:
    """Paired-t intervals of ``design - reference`` for every other design and KPI.

    Rows are paired on ``replication`` (common random numbers); a pair with a NaN on either
    side is dropped, so ``n`` is the number of complete pairs.

    Parameters
    ----------
    runs : pandas.DataFrame
        One row per design × replication with columns ``by``, ``replication`` and KPIs.
    reference : object
        The baseline design (a value of ``runs[by]``).
    metrics : str or iterable of str, optional
        KPIs; default every numeric column except ``by`` and ``replication``.
    confidence : float, default 0.95
        Family-wise confidence per KPI.
    adjust : {"bonferroni", None}, default "bonferroni"
        With ``m`` non-reference designs, each interval uses level ``1 - (1 - confidence)/m``
        and ``p_value`` is the Bonferroni-adjusted ``min(1, m · p)``, so the ``m``
        comparisons of one KPI hold jointly at ``confidence``. None: no adjustment.
    by : str, default "design"

    Returns
    -------
    pandas.DataFrame
        Columns ``by, kpi, reference, mean_diff, lower, upper, half_width, n, p_value,
        significant``; ``significant`` means the interval excludes 0 (equivalently
        ``p_value < 1 - confidence``).
    """
    _check_confidence(confidence)
    if adjust not in (None, "bonferroni"):
        raise ValueError(f"adjust must be 'bonferroni' or None, got {adjust!r}")
    kpis = kpi_columns(runs, by, metrics)
    designs = _designs(runs, by)
    if reference not in designs:
        raise KeyError(f"reference design {reference!r} not in runs[{by!r}]")
    others = [d for d in designs if d != reference]
    m = max(len(others), 1) if adjust else 1
    level = 1.0 - (1.0 - confidence) / m
    wide = {k: runs.pivot(index=REPLICATION, columns=by, values=k) for k in kpis}
    rows = []
    for design in others:
        for kpi in kpis:
            diff = (wide[kpi][design] - wide[kpi][reference]).to_numpy(dtype=float)
            ci = t_interval(diff, level)
            p = float(np.minimum(1.0, _paired_p_value(ci) * m))  # NaN stays NaN
            sig = bool(ci.lower > 0 or ci.upper < 0)
            rows.append(
                (design, kpi, reference, ci.mean, ci.lower, ci.upper, ci.half_width, ci.n, p, sig)
            )
    columns = [
        by,
        "kpi",
        "reference",
        "mean_diff",
        "lower",
        "upper",
        "half_width",
        "n",
        "p_value",
        "significant",
    ]
    return pd.DataFrame(rows, columns=columns)


def unpaired_difference(
    a: Iterable[float], b: Iterable[float], confidence: float = 0.95
) -> Interval:
    """Welch two-sample t-interval for ``mean(a) - mean(b)`` (independent samples).

    Parameters
    ----------
    a, b : array_like
        Replication values of two designs; NaN/inf dropped.
    confidence : float, default 0.95

    Returns
    -------
    Interval
        ``n = n_a + n_b``; ``sd = sqrt(s_a^2 + s_b^2)``, the spread of one unpaired
        difference, directly comparable with the ``sd`` of paired differences. Infinite
        half-width if either sample has one value, NaN if either is empty.
    """
    _check_confidence(confidence)
    ca, cb = t_interval(a, confidence), t_interval(b, confidence)
    diff, n = ca.mean - cb.mean, ca.n + cb.n
    if min(ca.n, cb.n) < 2:
        half = math.nan if min(ca.n, cb.n) == 0 else math.inf
        return Interval(diff, diff - half, diff + half, half, n, math.nan)
    va, vb = ca.sd**2 / ca.n, cb.sd**2 / cb.n
    se = math.sqrt(va + vb)
    if se == 0:
        half = 0.0
    else:  # Welch-Satterthwaite degrees of freedom
        df = (va + vb) ** 2 / (va**2 / (ca.n - 1) + vb**2 / (cb.n - 1))
        half = float(stats.t.ppf((1.0 + confidence) / 2.0, df)) * se
    sd = math.sqrt(ca.sd**2 + cb.sd**2)
    return Interval(diff, diff - half, diff + half, half, n, sd)


def pareto_front(summary_wide: pd.DataFrame, objectives: Mapping[str, str]) -> pd.Series:
    """Flag the non-dominated rows of a table of design means.

    Row ``j`` dominates row ``i`` when it is at least as good on every objective and
    strictly better on one, so identical rows never dominate each other and are both kept.
    Qualify each claimed dominance with :func:`paired_differences` before reporting it.

    Parameters
    ----------
    summary_wide : pandas.DataFrame
        One row per design, one column per objective (e.g. KPI means).
    objectives : mapping of str to {"min", "max"}
        Objective columns and whether smaller or larger is better.

    Returns
    -------
    pandas.Series of bool
        Named ``pareto``, indexed like ``summary_wide``; True for non-dominated rows.
    """
    if not objectives:
        raise ValueError("need at least one objective")
    cols = list(objectives)
    signs = np.array([_sign(objectives[c]) for c in cols])
    f = summary_wide[cols].to_numpy(dtype=float) * signs  # every objective now minimised
    if np.isnan(f).any():
        raise ValueError("objective values must not be NaN")
    # [j, i] pairs over all rows: O(k^2 · m), fine for a handful of designs.
    no_worse = np.all(f[:, None, :] <= f[None, :, :], axis=2)
    better = np.any(f[:, None, :] < f[None, :, :], axis=2)
    dominated = np.any(no_worse & better, axis=0)
    return pd.Series(~dominated, index=summary_wide.index, name="pareto")


def _paired_matrix(runs: pd.DataFrame, metric: str, by: str) -> pd.DataFrame:
    """Replication × design matrix of ``metric`` keeping only complete replications."""
    designs = _designs(runs, by)
    wide = runs.pivot(index=REPLICATION, columns=by, values=metric)[designs].dropna()
    if wide.empty:
        raise ValueError(f"no replication has {metric!r} for every design")
    return wide
