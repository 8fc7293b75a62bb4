"""Output analysis for one design: confidence intervals and run-length control.

Everything here is a pure function of the numbers passed in (numpy/scipy/pandas only, no
SimPy, no I/O, no global random state). Each replication contributes one value per KPI, so
the values are i.i.d. and a Student-t interval applies (Law 2015, ch. 9). Comparisons across
designs live in :mod:`sim.experiment.ranking`, warm-up detection in
:mod:`sim.experiment.warmup`.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

REPLICATION = "replication"
"""Column that identifies the random-number set of a run; equal values are CRN pairs."""


@dataclass(frozen=True, slots=True)
class Interval:
    """A two-sided confidence interval for a mean.

    ``n`` counts the finite values used. With ``n == 1`` the spread is unknown, so
    ``sd`` is NaN and the interval is ``(-inf, inf)``; with ``n == 0`` every float is NaN.
    """

    mean: float
    lower: float
    upper: float
    half_width: float
    n: int
    sd: float

    @property
    def relative_half_width(self) -> float:
        """``half_width / |mean|`` (0 when both are 0, inf when only the mean is 0)."""
        if self.mean == 0:
            return 0.0 if self.half_width == 0 else math.inf
        return self.half_width / abs(self.mean)


def _check_confidence(confidence: float) -> None:
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")


def _t_quantile(confidence: float, df: float | np.ndarray) -> float | np.ndarray:
    return stats.t.ppf((1.0 + confidence) / 2.0, df)


def t_interval(values: Iterable[float], confidence: float = 0.95) -> Interval:
    """Student-t confidence interval for the mean of i.i.d. replication values.

    Parameters
    ----------
    values : array_like
        One value per replication. NaN and infinite values are dropped (a replication that
        produced no observation of a KPI reports NaN) and ``n`` counts what is left.
    confidence : float, default 0.95
        Two-sided confidence level in (0, 1).

    Returns
    -------
    Interval
        ``mean ± t_{n-1, (1+confidence)/2} · sd / sqrt(n)``. ``n == 1`` gives an infinite
        half-width and ``sd = NaN``; ``n == 0`` gives NaN everywhere. Neither raises, so
        callers can tabulate sparse KPIs without special cases.
    """
    _check_confidence(confidence)
    x = np.asarray(values, dtype=float).ravel()
    x = x[np.isfinite(x)]
    n = int(x.size)
    if n == 0:
        return Interval(math.nan, math.nan, math.nan, math.nan, 0, math.nan)
    mean = float(x.mean())
    if n == 1:
        return Interval(mean, -math.inf, math.inf, math.inf, 1, math.nan)
    sd = float(x.std(ddof=1))
    half = float(_t_quantile(confidence, n - 1)) * sd / math.sqrt(n)
    return Interval(mean, mean - half, mean + half, half, n, sd)


def kpi_columns(
    runs: pd.DataFrame, by: str = "design", metrics: Iterable[str] | str | None = None
) -> list[str]:
    """KPI columns of a runs table: ``metrics`` if given, else every numeric column.

    Parameters
    ----------
    runs : pandas.DataFrame
        One row per design × replication.
    by : str, default "design"
        Grouping column, never treated as a KPI (nor is ``replication``).
    metrics : str or iterable of str, optional
        Explicit KPI names; checked to exist.

    Returns
    -------
    list of str
    """
    if metrics is None:
        cols = [c for c in runs.select_dtypes("number").columns if c not in (by, REPLICATION)]
    else:
        cols = [metrics] if isinstance(metrics, str) else list(metrics)
        missing = [c for c in cols if c not in runs.columns]
        if missing:
            raise KeyError(f"metrics not in runs: {missing}")
    if not cols:
        raise ValueError("no KPI columns to analyse")
    return cols


def summarise(
    runs: pd.DataFrame,
    by: str = "design",
    metrics: Iterable[str] | str | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Tidy table of t-intervals, one row per design × KPI.

    Parameters
    ----------
    runs : pandas.DataFrame
        One row per design × replication with columns ``by``, ``replication`` and KPIs.
    by : str, default "design"
        Column naming the design; it becomes the first output column.
    metrics : str or iterable of str, optional
        KPIs to summarise; default every numeric column except ``by`` and ``replication``.
    confidence : float, default 0.95
        Confidence level of every interval (no multiplicity adjustment).

    Returns
    -------
    pandas.DataFrame
        Columns ``by, kpi, mean, lower, upper, half_width, sd, n`` (see :func:`t_interval`),
        designs in order of first appearance, KPIs in ``metrics`` order.
    """
    kpis = kpi_columns(runs, by, metrics)
    rows = []
    for design, group in runs.groupby(by, sort=False):
        for kpi in kpis:
            ci = t_interval(group[kpi].to_numpy(dtype=float), confidence)
            rows.append((design, kpi, ci.mean, ci.lower, ci.upper, ci.half_width, ci.sd, ci.n))
    columns = [by, "kpi", "mean", "lower", "upper", "half_width", "sd", "n"]
    return pd.DataFrame(rows, columns=columns)


def replications_needed(
    values: Iterable[float],
    target_relative_half_width: float,
    confidence: float = 0.95,
    atol: float = 0.0,
) -> int:
    """Total replications for a target precision, from a pilot sample (Law 2015, §9.4.1).

    Returns the smallest ``i >= n`` with ``t_{i-1} · s / sqrt(i) <= max(target · |mean|, atol)``,
    where ``n``, ``mean`` and ``s`` come from the pilot. It assumes ``s`` is the true standard
    deviation, so treat the answer as an estimate; :class:`ReplicationController` checks it.

    Parameters
    ----------
    values : array_like
        Pilot replication values (at least two finite).
    target_relative_half_width : float
        Wanted ``half_width / |mean|``, e.g. 0.05.
    confidence : float, default 0.95
    atol : float, default 0.0
        Absolute half-width that is always good enough, in the KPI's units. Needed when the
        mean is ~0 and a relative target is meaningless.

    Returns
    -------
    int
        Total number of replications, including the pilot ones.
    """
    _check_confidence(confidence)
    ci = t_interval(values, confidence)
    if ci.n < 2:
        raise ValueError("need at least two finite pilot values")
    if ci.sd == 0:
        return ci.n
    tol = max(target_relative_half_width * abs(ci.mean), atol)
    if tol <= 0:
        raise ValueError("mean is 0: a relative target cannot be met; pass atol")
    # t quantiles exceed the normal one, so the normal-theory n is a lower bound; step up.
    z = stats.norm.ppf((1.0 + confidence) / 2.0)
    i = max(ci.n, math.ceil((z * ci.sd / tol) ** 2))
    while _t_quantile(confidence, i - 1) * ci.sd / math.sqrt(i) > tol:
        i += 1
    return int(i)


class ReplicationController:
    """Batch-sequential choice of the number of replications (Hoad, Robinson & Davies 2010).

    Implements the "replications algorithm" of K. Hoad, S. Robinson and R. Davies (2010),
    *Automated selection of the number of replications for a discrete-event simulation*,
    JORS 61(11): 1632-1644, with two changes:

    * **Blocks.** Replications are requested ``block`` at a time so they can run in parallel;
      the precision is still evaluated at *every* prefix ``1..n`` of the values passed, so
      the answer does not depend on how many workers ran a block.
    * **Sign and zero-safe precision.** The criterion for a KPI at ``i`` replications is
      ``half_width(i) <= max(target · |mean(i)|, atol)``. Using ``|mean|`` stops a KPI with a
      negative mean from "converging" spuriously; the absolute floor ``atol`` (in the KPI's
      units, per KPI via a mapping) is the fallback for KPIs whose mean is ~0, where a
      relative target is unattainable. A constant KPI (half-width 0) always converges.

    A KPI's solution ``n_sol`` is the start of the current unbroken run of prefixes meeting
    the criterion (never below ``min_reps``). It is accepted once the run extends for the
    look-ahead ``kLimit(n_sol)`` more replications, where, as in the paper,
    ``kLimit(n) = look_ahead`` for ``n <= 100`` and ``floor(look_ahead · n / 100)`` beyond.
    Because the run must reach the current ``n``, the interval reported at the stop meets
    the target too. Stop when every KPI is accepted or ``max_reps`` is reached (a
    ``RuntimeWarning`` names the KPIs that did not converge).

    Parameters
    ----------
    target : float, default 0.05
        Relative half-width target.
    confidence : float, default 0.95
    min_reps, max_reps : int, default 5, 200
        Bounds on the number of replications.
    block : int, default 4
        Replications requested per call once ``min_reps`` are done. Keep it fixed across
        machines; it is not the worker count.
    look_ahead : int, default 5
        ``kLimit`` of the paper.
    atol : float or mapping of str to float, default 0.0
        Absolute half-width floor (see above).

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> ctrl = ReplicationController(target=0.05, block=4)
    >>> cost = np.empty(0)
    >>> while (k := ctrl.next_block({"cost": cost})) > 0:
    ...     cost = np.append(cost, rng.normal(100.0, 10.0, size=k))
    >>> ctrl.converged
    True
    """

    def __init__(
        self,
        target: float = 0.05,
        confidence: float = 0.95,
        min_reps: int = 5,
        max_reps: int = 200,
        block: int = 4,
        look_ahead: int = 5,
        atol: float | Mapping[str, float] = 0.0,
    ) -> None:
        _check_confidence(confidence)
        if target <= 0:
            raise ValueError("target must be positive")
        if not 2 <= min_reps <= max_reps:
            raise ValueError("need 2 <= min_reps <= max_reps")
        if block < 1 or look_ahead < 0:
            raise ValueError("need block >= 1 and look_ahead >= 0")
        self.target, self.confidence = target, confidence
        self.min_reps, self.max_reps = min_reps, max_reps
        self.block, self.look_ahead, self.atol = block, look_ahead, atol
        self.n = 0
        self.n_solution: dict[str, int | None] = {}
        self.converged = False

    def klimit(self, n: int) -> int:
        """Look-ahead length required after a solution found at ``n`` replications."""
        return self.look_ahead if n <= 100 else self.look_ahead * n // 100

    @property
    def recommended(self) -> int | None:
        """Largest per-KPI solution once all KPIs converged, else None."""
        if not self.converged:
            return None
        return max(s for s in self.n_solution.values() if s is not None)

    def next_block(self, values: Mapping[str, Iterable[float]]) -> int:
        """How many more replications to run, given every value so far.

        Parameters
        ----------
        values : mapping of str to array_like
            Per KPI, the values of replications ``0..n-1`` in replication order (same length
            for every KPI; NaN marks a replication without an observation).

        Returns
        -------
        int
            0 when every KPI has converged or ``max_reps`` is reached (check ``converged``),
            ``min_reps - n`` while below ``min_reps``, else ``min(block, max_reps - n)``.
        """
        arrays = {k: np.asarray(v, dtype=float).ravel() for k, v in values.items()}
        if not arrays:
            raise ValueError("values must name at least one KPI")
        lengths = {a.size for a in arrays.values()}
        if len(lengths) != 1:
            raise ValueError("every KPI needs one value per replication run so far")
        self.n = n = lengths.pop()
        self.n_solution = {k: self._solution(k, a) for k, a in arrays.items()}
        self.converged = all(s is not None for s in self.n_solution.values())
        if self.converged:
            return 0
        if n >= self.max_reps:
            open_ = sorted(k for k, s in self.n_solution.items() if s is None)
            warnings.warn(
                f"precision not reached after {n} replications for {open_}",
                RuntimeWarning,
                stacklevel=2,
            )
            return 0
        if n < self.min_reps:
            return self.min_reps - n
        return min(self.block, self.max_reps - n)

    def _precise(self, name: str, x: np.ndarray) -> np.ndarray:
        """Whether the criterion holds at each prefix length 1..n (vectorised t-intervals)."""
        finite = np.isfinite(x)
        count = np.cumsum(finite)
        # Shifting by the first value keeps the running sum of squares from cancelling badly.
        shift = x[finite][0] if finite.any() else 0.0
        y = np.where(finite, x - shift, 0.0)
        s1, s2 = np.cumsum(y), np.cumsum(y * y)
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = shift + s1 / count
            var = np.maximum(s2 - s1 * s1 / count, 0.0) / (count - 1)
            half = _t_quantile(self.confidence, count - 1) * np.sqrt(var / count)
        half = np.where(count >= 2, half, np.inf)
        atol = self.atol.get(name, 0.0) if isinstance(self.atol, Mapping) else self.atol
        return half <= np.maximum(self.target * np.abs(mean), float(atol))

    def _solution(self, name: str, x: np.ndarray) -> int | None:
        ok = self._precise(name, x)
        if ok.size == 0 or not ok[-1]:
            return None
        misses = np.flatnonzero(~ok)
        start = int(misses[-1]) + 2 if misses.size else 1  # prefix length where the run begins
        start = max(start, self.min_reps)
        return start if x.size - start >= self.klimit(start) else None
