"""Which design is best on a KPI, with an indifference zone: best, tied, or not yet separated.

A strategist acts on a difference only when it is large enough to matter. Each KPI therefore
has an **indifference zone** ``delta`` (``run.indifference``, in the KPI's unit): designs
whose means are within ``delta`` of the best are *practically tied*, and the procedure says
so instead of printing "100% best" for a gap nobody would act on.

The procedure is the subset-selection screen of Nelson, Swann, Goldsman and Song (2001) with
an indifference zone, on paired differences under common random numbers with Bonferroni
half-widths over the ``k - 1`` comparisons of each design (Nelson and Matejcik 1995 show the
Bonferroni paired-t form stays valid under CRN, where pooled-variance procedures do not).
With ``y`` the KPI oriented so that larger is better, means ``m`` over ``n`` replications, and
``w_ij = t(1 - alpha / (k - 1), n - 1) * S_ij / sqrt(n)`` the half-width of the paired
difference ``i - j``:

- design ``i`` stays in the **subset that may be best** when
  ``m_i >= m_j - max(w_ij - delta, 0)`` for every other ``j`` (with probability at least
  ``1 - alpha`` the subset holds the best, or a design within ``delta`` of it);
- with ``b`` the sample best, ``i`` is **tied for best** when its whole interval for the gap
  ``m_b - m_i`` lies inside the zone: ``gap + w_bi <= delta``;
- a design in the subset but not tied is **not separated**: more replications are needed.
  The indifference-zone sample size ``N = ceil((t * S_bi / delta)^2)`` is the number per
  design after which the screen separates any design more than ``delta`` behind;
- a design out of the subset is **behind**, or **worse by more than delta** when even the
  low end of its gap interval exceeds ``delta``.

``prob_best`` is the bootstrap probability (whole replications resampled, so CRN pairs stay
together) that the design has the best mean, ties sharing the credit; ``prob_within_delta``
the bootstrap probability that its mean is within ``delta`` of the best. Two identical designs
under different names are tied with ``prob_within_delta`` 1 each, never 100% against 0%.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from .ranking import _paired_matrix

STATUSES = ("best", "tied for best", "not separated", "behind", "worse by more than delta")
COLUMNS = ["kpi", "design", "mean", "lower", "upper", "n", "delta", "rank", "gap",
           "gap_lower", "gap_upper", "status", "prob_best", "prob_within_delta",
           "replications_needed"]
#: Cap on the replications reported as needed (beyond it: "more than" this).
MAX_NEEDED = 100_000


def _half_widths(y: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray, float]:
    """Pairwise sd of differences and half-widths ``w_ij`` of an ``n x k`` matrix."""
    n, k = y.shape
    diff = y[:, :, None] - y[:, None, :]
    sd = diff.std(axis=0, ddof=1) if n > 1 else np.full((k, k), np.nan)
    t = float(stats.t.ppf(level, n - 1)) if n > 1 else math.inf
    with np.errstate(invalid="ignore"):
        w = t * sd / math.sqrt(n) if n > 1 else np.full((k, k), math.inf)
    np.fill_diagonal(w, 0.0)
    return sd, w, t


def _bootstrap(y: np.ndarray, delta: float, n_boot: int, seed) -> tuple[np.ndarray, np.ndarray]:
    """Bootstrap P(best) (ties share) and P(within delta of the best) per design."""
    n = y.shape[0]
    rng = np.random.default_rng(seed)
    counts = rng.multinomial(n, np.full(n, 1.0 / n), size=n_boot)
    means = counts @ y / n
    best = means.max(axis=1, keepdims=True)
    tol = 1e-12 * max(float(np.abs(y).max()), np.finfo(float).tiny)
    winners = means >= best - tol
    prob_best = (winners / winners.sum(axis=1, keepdims=True)).mean(axis=0)
    within = (best - means <= delta + tol).mean(axis=0)
    return prob_best, within


def _status(i: int, b: int, gap: np.ndarray, w: np.ndarray, keep: np.ndarray,
            delta: float) -> str:
    if i == b:
        return "best"
    if gap[i] + w[b, i] <= delta:
        return "tied for best"
    if keep[i]:
        return "not separated"
    return "worse by more than delta" if gap[i] - w[b, i] > delta else "behind"


def select_best(runs: pd.DataFrame, metric: str, better: str, delta: float,
                confidence: float = 0.95, n_boot: int = 2000, by: str = "design", *,
                seed) -> pd.DataFrame:
    """Rank the designs on one KPI with an indifference zone (see the module docstring).

    Parameters
    ----------
    runs : pandas.DataFrame
        One row per design x replication (CRN: rows sharing ``replication`` are pairs).
    metric : str
        The KPI column.
    better : {"min", "max"}
        Which way the KPI is better.
    delta : float
        Indifference zone, in the KPI's unit (>= 0).
    confidence : float
        ``1 - alpha`` of the screen and of every interval.
    n_boot : int
        Bootstrap resamples for ``prob_best`` and ``prob_within_delta``.
    seed : int, SeedSequence or Generator
        Seed of the bootstrap.

    Returns
    -------
    pandas.DataFrame
        One row per design, best first, columns :data:`COLUMNS`. ``gap`` is how far behind
        the sample best the design is, in the KPI's unit (>= 0), with its interval;
        ``replications_needed`` is the indifference-zone sample size to separate it from the
        best (NaN when already resolved).
    """
    if better not in ("min", "max"):
        raise ValueError(f"better must be 'min' or 'max', got {better!r}")
    if not delta >= 0:
        raise ValueError(f"delta must be >= 0, got {delta!r}")
    wide = _paired_matrix(runs, metric, by)
    sign = 1.0 if better == "max" else -1.0
    y = sign * wide.to_numpy(dtype=float)
    n, k = y.shape
    means = y.mean(axis=0)
    level = 1.0 - (1.0 - confidence) / max(k - 1, 1)
    sd, w, t = _half_widths(y, level)
    keep = np.all(means[:, None] >= means[None, :] - np.maximum(w - delta, 0.0), axis=1)
    b = int(np.argmax(means))
    gap = means[b] - means
    statuses = [_status(i, b, gap, w, keep, delta) for i in range(k)]
    if any(s == "not separated" for s in statuses):
        statuses[b] = "not separated"
    elif any(s == "tied for best" for s in statuses):
        statuses[b] = "tied for best"
    prob_best, within = _bootstrap(y, delta, n_boot, seed)
    single = stats.t.ppf((1 + confidence) / 2, n - 1) if n > 1 else math.inf
    spread = y.std(axis=0, ddof=1) if n > 1 else np.full(k, np.nan)
    half = single * spread / math.sqrt(n)
    raw_mean = sign * means
    rows = []
    for i in range(k):
        needed = math.nan
        if statuses[i] == "not separated" and i != b:
            needed = _needed(t, sd[b, i], delta, n)
        elif statuses[i] == "not separated":
            others = [_needed(t, sd[b, j], delta, n) for j in range(k)
                      if j != b and statuses[j] == "not separated"]
            needed = max(others) if others else math.nan
        rows.append({
            "kpi": metric, "design": wide.columns[i], "mean": raw_mean[i],
            "lower": raw_mean[i] - half[i], "upper": raw_mean[i] + half[i], "n": n,
            "delta": delta, "gap": gap[i],
            "gap_lower": math.nan if i == b else gap[i] - w[b, i],
            "gap_upper": math.nan if i == b else gap[i] + w[b, i],
            "status": statuses[i], "prob_best": prob_best[i], "prob_within_delta": within[i],
            "replications_needed": needed})
    out = pd.DataFrame(rows, columns=[c for c in COLUMNS if c != "rank"])
    out = out.sort_values("gap", kind="stable").reset_index(drop=True)
    out.insert(COLUMNS.index("rank"), "rank", out["gap"].rank(method="min").astype(int))
    return out


def _needed(t: float, sd: float, delta: float, n: int) -> float:
    """Replications per design for a paired half-width of at most ``delta``."""
    if not np.isfinite(t) or not np.isfinite(sd):
        return math.nan
    if delta <= 0:
        return float(MAX_NEEDED)
    return float(min(MAX_NEEDED, max(n + 1, math.ceil((t * sd / delta) ** 2))))


def ranking_sentence(table: pd.DataFrame, kpi: str, unit: str = "") -> str:
    """One line that says what the ranking on ``kpi`` supports, in plain words.

    Parameters
    ----------
    table : pandas.DataFrame
        A ranking table (:func:`select_best`, or the long table of a comparison).
    kpi : str
        The KPI whose rows to read.
    unit : str
        Unit written after amounts (e.g. ``"CNY"``, ``"points"``).
    """
    rows = table[table["kpi"] == kpi]
    if rows.empty:
        return f"{kpi}: not ranked (nothing measured)"
    u = f" {unit}" if unit else ""
    delta = float(rows["delta"].iloc[0])
    top = rows[rows["status"].isin(("best", "tied for best", "not separated"))]
    names = list(top["design"])
    if rows["status"].iloc[0] == "best":
        first = rows.iloc[0]
        if len(rows) == 1:
            return f"{first['design']} is the only design on {kpi}"
        second = rows.iloc[1]
        return (f"{first['design']} is best on {kpi}: ahead of {second['design']} by "
                f"{second['gap']:.3g}{u} [{second['gap_lower']:.3g}, "
                f"{second['gap_upper']:.3g}] (delta = {delta:g}{u}; P(best) = "
                f"{first['prob_best']:.0%})")
    if (top["status"] == "tied for best").all():
        return f"{_join(names)} are tied within delta = {delta:g}{u} on {kpi}"
    needed = top["replications_needed"].max()
    more = (f"about {int(needed)} replications per design would separate them"
            if np.isfinite(needed) and needed < MAX_NEEDED else
            "the difference may be smaller than the noise can resolve: consider a larger delta")
    return (f"{_join(names)} are not separated on {kpi} (delta = {delta:g}{u}, "
            f"{int(rows['n'].iloc[0])} replications): {more}")


def _join(names: list) -> str:
    names = [str(n) for n in names]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
