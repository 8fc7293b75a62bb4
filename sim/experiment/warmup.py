"""Warm-up detection: where the initial transient of an output series ends (MSER-5).

A pure function of the numbers passed in (numpy only, no SimPy, no I/O). The runner applies it
to the across-replication mean backlog to check ``run.warmup``
(:mod:`sim.experiment.flags`).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np


def mser5(
    series: Iterable[float], batch_size: int = 5, ignore_end: int | None = None
) -> int | None:
    """Warm-up truncation point by MSER on batch means (MSER-5; White 1997).

    With batch means ``Z_1..Z_k`` of ``batch_size`` raw observations, choose
    ``d* = argmin_d  sum_{j>d} (Z_j - mean(Z_{d+1..k}))^2 / (k - d)^2``. The last
    ``ignore_end`` batches (default ``max(1, min(5, k // 4))``) are not candidates because
    the statistic collapses on a handful of trailing values (as in ``kim_convergence``).
    Apply it to the across-replication mean series, which is far more stable than a single
    replication (Hoad, Robinson & Davies 2010, JORS 61(9): 1389-1403).

    Parameters
    ----------
    series : array_like
        Output series in time order, all finite.
    batch_size : int, default 5
    ignore_end : int, optional
        Trailing batches excluded from the search.

    Returns
    -------
    int or None
        Index in ``series`` of the first observation to keep (``d* · batch_size``; 0 means
        no warm-up). **None** when ``d*`` lies beyond the first half of the batches: MSER's
        rule then is that the warm-up is *not detected* and the run must be lengthened.
    """
    y = np.asarray(series, dtype=float).ravel()
    if not np.isfinite(y).all():
        raise ValueError("series must be finite")
    if batch_size < 1 or y.size < 2 * batch_size:
        raise ValueError("need at least two complete batches")
    k = y.size // batch_size
    z = y[: k * batch_size].reshape(k, batch_size).mean(axis=1)
    z = z - z.mean()  # centring avoids cancellation in the suffix sums of squares
    kept = np.arange(k, 0, -1)  # batches kept when truncating d = 0..k-1
    s1 = np.cumsum(z[::-1])[::-1]
    s2 = np.cumsum((z * z)[::-1])[::-1]
    mser = np.maximum(s2 - s1 * s1 / kept, 0.0) / kept**2
    skip = max(1, min(5, k // 4)) if ignore_end is None else int(ignore_end)
    if not 0 <= skip < k:
        raise ValueError("ignore_end must leave at least one candidate")
    d_star = int(np.argmin(mser[: k - skip]))  # first minimum: ties prefer less truncation
    if 2 * d_star > k:
        return None
    return d_star * batch_size
