"""Notebook 05's checks, and the two-design contact centre notebooks 04 and 05 use.

Everything here runs the real model (:func:`sim.run_once`, :func:`sim.compare`) and returns
tidy tables; the notebooks only display them:

- :func:`contact_centre_designs`: a textbook contact centre with two designs (plain agents
  and faster, dearer assisted agents), cheap enough to run many times;
- :func:`interval_by_replications`: how a confidence interval narrows as replications grow;
- :func:`crn_against_independent`: the paired difference of two designs under common random
  numbers beside the same difference from independent seeds;
- :func:`littles_law`: L against lambda x W on one run's per-case table;
- :func:`warmup_series`: the mean wait by arrival order across replications, and MSER-5's cut.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..experiment.stats import t_interval
from ..experiment.warmup import mser5


def contact_centre_designs(rate_per_h: float = 30.0, agents: int = 3, handle_min: float = 5.0,
                           assisted_handle_min: float = 4.5, horizon_h: float = 300.0,
                           warmup_h: float = 15.0, seed: int = 1) -> dict[str, Any]:
    """Raw tables of an M/M/c contact centre with designs ``agents`` and ``assisted``.

    ``assisted`` is the same centre whose agents handle a contact in ``assisted_handle_min``
    (an assumption, e.g. AI assistance) and cost more a month (assumption: a quarter more).
    Both see the same arrivals and, under common random numbers, the same random draws.
    """
    from ..validation import contact_centre_table

    raw = contact_centre_table(rate_per_h, agents, handle_min, horizon_h=horizon_h,
                               warmup_h=warmup_h, seed=seed)
    plain = raw["designs"]["textbook"]
    plain["label"] = "Agents"
    assisted = copy.deepcopy(plain)
    assisted["label"] = "Assisted agents"
    channel = raw["demand"]["poisson"]["channel"]
    assisted["contact"]["handle_time"][channel]["default"]["mean"] = f"{assisted_handle_min}min"
    assisted["contact"]["groups"]["agents"]["monthly_cost"] = 7500 * 1.25
    plain["contact"]["groups"]["agents"]["monthly_cost"] = 7500   # agent cost a month (DER)
    raw["designs"] = {"agents": plain, "assisted": assisted}
    raw["name"] = "two_contact_centres"
    return raw


def interval_by_replications(values: Sequence[float], counts: Sequence[int],
                             confidence: float = 0.95) -> pd.DataFrame:
    """Mean and interval of the first ``n`` values for each ``n`` in ``counts``.

    Returns
    -------
    pandas.DataFrame
        ``replications, mean, lower, upper, half_width, half_width_x_sqrt_n``: the last column
        stays roughly constant, since a half-width shrinks like one over the square root of n.
    """
    x = np.asarray(values, dtype=float)
    rows = []
    for n in counts:
        if not 2 <= n <= len(x):
            raise ValueError(f"counts must lie in 2..{len(x)}, got {n}")
        ci = t_interval(x[:n], confidence)
        rows.append((n, ci.mean, ci.lower, ci.upper, ci.half_width,
                     ci.half_width * math.sqrt(n)))
    return pd.DataFrame(rows, columns=["replications", "mean", "lower", "upper", "half_width",
                                       "half_width_x_sqrt_n"])


def crn_against_independent(scenario, a: str, b: str, kpis: Sequence[str], replications: int,
                            seed: int, confidence: float = 0.95) -> pd.DataFrame:
    """Interval of the difference ``b - a`` with common random numbers and without.

    With CRN, replication r of both designs uses the same random numbers (as
    :func:`sim.compare` always does). Without, design b's replications come from another seed,
    so each pair shares nothing. Both intervals are paired-t intervals over the replications.

    Returns
    -------
    pandas.DataFrame
        One row per KPI: ``kpi, crn_diff, crn_half_width, independent_diff,
        independent_half_width, width_ratio`` (independent over CRN).
    """
    from ..experiment.runner import compare

    crn = compare(scenario, replications=replications, seed=seed, designs=[a, b],
                  progress=False).runs
    other = compare(scenario, replications=replications, seed=seed + 1, designs=[b],
                    progress=False).runs
    first = crn[crn["design"] == a].set_index("replication")
    rows = []
    for kpi in kpis:
        paired = t_interval((crn[crn["design"] == b].set_index("replication")[kpi]
                             - first[kpi]).to_numpy(dtype=float), confidence)
        indep = t_interval((other.set_index("replication")[kpi] - first[kpi])
                           .to_numpy(dtype=float), confidence)
        rows.append((kpi, paired.mean, paired.half_width, indep.mean, indep.half_width,
                     indep.half_width / paired.half_width if paired.half_width > 0
                     else math.inf))
    return pd.DataFrame(rows, columns=["kpi", "crn_diff", "crn_half_width", "independent_diff",
                                       "independent_half_width", "width_ratio"])


def littles_law(cases: pd.DataFrame) -> pd.Series:
    """Little's law L = lambda W on one run, until the last case left.

    Over ``[0, T]`` with T the last departure, the time-average number of open cases ``L``
    (the area under the number in the system, by sweeping its jumps) equals the arrival rate
    ``lambda = n / T`` times the mean time in the system ``W``, exactly, on every sample path.
    """
    from ..verification import area_by_events

    a = cases["created"].to_numpy(dtype=float)
    d = cases["closed_at"].to_numpy(dtype=float)
    end = float(np.nanmax(d))
    area = area_by_events(a, d, end)
    lam, w = len(a) / end, float(np.mean(d - a))
    return pd.Series({"cases": float(len(a)), "T_h": end, "L_time_average": area / end,
                      "lambda_per_h": lam, "W_h": w, "lambda_x_W": lam * w})


def warmup_series(scenario, replications: int, batch_size: int = 5) -> tuple[pd.DataFrame,
                                                                            int | None]:
    """The mean queue wait by arrival order over replications, and the MSER-5 cut.

    Every replication starts empty; the k-th contact's wait is averaged over replications
    (the across-replication mean, as MSER-5 wants), in arrival order.

    Returns
    -------
    (pandas.DataFrame, int or None)
        ``contact, created_h, mean_wait_min``; and the index of the first contact to keep
        by :func:`sim.experiment.warmup.mser5` (None: no warm-up detected, run longer).
    """
    from ..model import run_once

    waits, times = [], []
    for r in range(replications):
        cases = run_once(scenario, replication=r).cases.sort_values("created")
        waits.append(np.nan_to_num(cases["first_attempt_wait_h"].to_numpy(dtype=float)) * 60)
        times.append(cases["created"].to_numpy(dtype=float))
    n = min(len(w) for w in waits)
    mean_wait = np.mean([w[:n] for w in waits], axis=0)
    created = np.mean([t[:n] for t in times], axis=0)
    table = pd.DataFrame({"contact": np.arange(n), "created_h": created,
                          "mean_wait_min": mean_wait})
    return table, mser5(mean_wait, batch_size=batch_size)
