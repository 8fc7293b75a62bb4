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
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..config.vocab import CHANNELS, WEEKDAYS

HOURS_PER_WEEK = 168


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


def hour_label(hour_of_week: int) -> str:
    """``"Mon 18:00"`` for hour 18 of the week."""
    day, hour = divmod(int(hour_of_week) % HOURS_PER_WEEK, 24)
    return f"{WEEKDAYS[day].capitalize()} {hour:02d}:00"
