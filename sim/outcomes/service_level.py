"""Service level per hour of the week: the share of contacts answered within a threshold.

A pure function of the per-case table (:func:`sim.model.case_frame`), like every KPI. The
contact-centre records keep, per case, its **first attempt** to reach an agent:
``first_attempt_wait_h`` (time in queue, answered or not; NaN when the queue was full and the
consumer was turned away at once), and ``first_wait_h`` (wait of the first *answered*
contact). There is no per-contact record of later attempts (retrials, repeat contacts), so
the service level here is that of every case's first attempt:

* a case counts when it made at least one attempt (``attempts > 0``) on the channel asked
  for (``channel`` is the channel of the first contact); cases a chatbot settled or a forum
  took without ever queueing for an agent do not;
* it is **answered within** ``t`` when its first attempt was answered after at most ``t`` in
  queue. A first attempt that was abandoned or blocked is *not* answered in time, whatever
  its wait. The records say an attempt was answered when the case never abandoned nor was
  blocked, or when the first answered contact's wait is the first attempt's wait (both are
  booked from the same number when the first attempt is answered); a case answered by a
  chatbot before its first agent attempt that later also abandons is therefore counted as
  not answered in time (conservative; rare);
* it falls in the **hour of the week** of its creation, ``floor(created) mod 168`` (0 =
  Monday 00:00-01:00): the contact stage is where every journey starts, so creation is the
  first attempt's arrival (a chatbot in front adds its few minutes).

Pooled over weeks and replications, an hour's share is ``in_time / contacts``. Hours with
fewer than ``min_contacts`` contacts are *not judged* (too few to tell), and say so.

How sure a judged hour is (:func:`hour_intervals`) comes from the spread **between
replications**, the only independent units: one busy spell delays many contacts of the same
hour, so the contacts of an hour are not independent trials and a binomial variance
``p(1-p)/n`` would be far too small. The pooled share is a ratio of means over replications,
``p = sum_r k_r / sum_r n_r``; its standard error is the ratio estimator's (Cochran,
*Sampling Techniques*, 1977, §6.3)::

    se = sqrt( sum_r (k_r - p n_r)^2 / (R (R - 1)) ) / mean_r(n_r)
       = sqrt( sum_r n_r^2 (p_r - p)^2 / (R (R - 1)) ) / mean_r(n_r)

(``k_r - p n_r`` is replication r's excess of contacts answered in time over what the pooled
share predicts for its contacts; replications without a contact in that hour add 0 and still
count in R). The 95% interval is ``p +- t(0.975, R-1) se`` and the chance that the hour
meets a target ``L`` is ``P(meets) = F_t(R-1)((p - L) / se)``. An hour is **met** when the
whole interval is at or above ``L``, **missed** when it is below, and **too close to call**
when ``L`` lies inside it. With one replication there is no spread to measure: no interval, no P.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..config.vocab import CHANNELS, WEEKDAYS

HOURS_PER_WEEK = 168
#: Statuses of an hour in :func:`hour_intervals`.
MET, MISSED, TOO_CLOSE = "met", "missed", "too close to call"
NOT_JUDGED, NO_INTERVAL = "not judged", "no interval (1 replication)"


def answered_in_time(cases: pd.DataFrame, within_h: float) -> np.ndarray:
    """Per case: its first attempt was answered after at most ``within_h`` hours in queue."""
    wait = np.asarray(cases["first_attempt_wait_h"], dtype=float)
    first_answered = np.asarray(cases["first_wait_h"], dtype=float)
    clean = (np.asarray(cases["abandonments"]) == 0) & (np.asarray(cases["blocked"]) == 0)
    answered = clean | (first_answered == wait)
    with np.errstate(invalid="ignore"):
        return answered & (wait <= within_h)


def hourly_service_level(cases: pd.DataFrame, channel: str, within_h: float,
                         warmup: float = 0.0, horizon: float = np.inf) -> pd.DataFrame:
    """Contacts and contacts answered in time per hour of the week (module docstring).

    Parameters
    ----------
    cases : pandas.DataFrame
        Per-case table with ``created``, ``channel``, ``attempts``, ``abandonments``,
        ``blocked``, ``first_attempt_wait_h`` and ``first_wait_h``.
    channel : str
        Channel of the first contact (one of :data:`sim.config.vocab.CHANNELS`).
    within_h : float
        Threshold, h.
    warmup, horizon : float
        Only cases created in ``[warmup, horizon)`` count (the measured window).

    Returns
    -------
    pandas.DataFrame
        168 rows: ``hour_of_week`` (0-167), ``contacts``, ``in_time`` (integers).
    """
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    created = np.asarray(cases["created"], dtype=float)
    mask = ((created >= warmup) & (created < horizon)
            & (np.asarray(cases["channel"]).astype(str) == channel)
            & (np.asarray(cases["attempts"]) > 0))
    hour = np.floor(created[mask]).astype(int) % HOURS_PER_WEEK
    ok = answered_in_time(cases, within_h)[mask]
    return pd.DataFrame({
        "hour_of_week": np.arange(HOURS_PER_WEEK),
        "contacts": np.bincount(hour, minlength=HOURS_PER_WEEK),
        "in_time": np.bincount(hour[ok], minlength=HOURS_PER_WEEK),
    })


def judge_hours(counts: pd.DataFrame, level: float, min_contacts: int) -> pd.DataFrame:
    """Each hour's share answered in time, judged against ``level`` where it has enough data.

    Parameters
    ----------
    counts : pandas.DataFrame
        ``hour_of_week``, ``contacts``, ``in_time`` (e.g. summed over replications).
    level : float
        Target share in ``[0, 1]``.
    min_contacts : int
        Hours with fewer contacts are not judged.

    Returns
    -------
    pandas.DataFrame
        ``counts`` with ``share`` (NaN without contacts), ``judged``, ``met`` (False where
        not judged) and ``shortfall`` (``level - share`` where judged and short, else 0).
    """
    out = counts.copy()
    contacts = out["contacts"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(contacts > 0, out["in_time"].to_numpy(dtype=float) / contacts, np.nan)
    judged = contacts >= max(int(min_contacts), 1)
    out["share"] = share
    out["judged"] = judged
    out["met"] = judged & (np.nan_to_num(share) >= level)
    out["shortfall"] = np.where(judged, np.maximum(level - np.nan_to_num(share), 0.0), 0.0)
    return out


def hour_intervals(contacts: np.ndarray, in_time: np.ndarray, level: float,
                   judged: np.ndarray, confidence: float = 0.95) -> pd.DataFrame:
    """How sure each judged hour is, from the spread between replications (module docstring).

    Parameters
    ----------
    contacts, in_time : numpy.ndarray
        Replications x 168: each replication's contacts and contacts answered in time per
        hour of the week (its weeks pooled).
    level : float
        Target share ``L``.
    judged : numpy.ndarray
        168 bools: the hours judged (enough pooled contacts); the others get NaN and
        ``"not judged"``.
    confidence : float, default 0.95
        Two-sided level of the interval.

    Returns
    -------
    pandas.DataFrame
        168 rows: ``se`` (standard error of the pooled share), ``low``, ``high`` (the
        Student-t interval, R-1 degrees of freedom, clipped to [0, 1]), ``p_meets``
        (``F_t((p - L) / se)``; with ``se == 0``, every replication the same share, it is 1
        at or above the target and 0 below) and ``status`` (``met``, ``missed``,
        ``too close to call``, ``not judged``, or with one replication
        ``no interval (1 replication)``).
    """
    from scipy import stats  # here, not at import: run workers never need scipy.stats

    n = np.atleast_2d(np.asarray(contacts, dtype=float))
    k = np.atleast_2d(np.asarray(in_time, dtype=float))
    judged = np.asarray(judged, dtype=bool)
    reps = n.shape[0]
    nan = np.full(HOURS_PER_WEEK, np.nan)
    if reps < 2:
        return pd.DataFrame({"se": nan, "low": nan, "high": nan, "p_meets": nan,
                             "status": np.where(judged, NO_INTERVAL, NOT_JUDGED)
                             .astype(object)})
    total = n.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = k.sum(axis=0) / total
        resid = k - share * n                       # k_r - p n_r, per replication and hour
        se = np.sqrt((resid ** 2).sum(axis=0) / (reps * (reps - 1))) / (total / reps)
        gap = share - level
        # No spread (every replication the same share): the point is all there is; a share
        # exactly at the target meets it (targets are floors).
        z = np.where(se > 0, gap / np.where(se > 0, se, 1.0), np.where(gap >= 0, np.inf, -np.inf))
    half = float(stats.t.ppf(0.5 + confidence / 2, reps - 1)) * se
    low, high = np.clip(share - half, 0.0, 1.0), np.clip(share + half, 0.0, 1.0)
    p_meets = stats.t.cdf(z, reps - 1)
    verdict = np.where(low >= level, MET, np.where(high < level, MISSED, TOO_CLOSE))
    status = np.where(judged, verdict, NOT_JUDGED).astype(object)
    return pd.DataFrame({"se": np.where(judged, se, np.nan),
                         "low": np.where(judged, low, np.nan),
                         "high": np.where(judged, high, np.nan),
                         "p_meets": np.where(judged, p_meets, np.nan), "status": status})


def hour_label(hour_of_week: int) -> str:
    """``"Mon 18:00"`` for hour 18 of the week."""
    day, hour = divmod(int(hour_of_week) % HOURS_PER_WEEK, 24)
    return f"{WEEKDAYS[day].capitalize()} {hour:02d}:00"
