"""Flagging designs whose averages need care: overload, unstable backlog, warm-up, precision.

A design is flagged rather than silently averaged when no case was measured at all, when
cases were still open when the run
stopped (``censored_share > 0``), when the across-replication mean backlog keeps growing over
the horizon, when MSER-5 (:mod:`sim.experiment.warmup`) suggests a longer warm-up than
``run.warmup`` (steady-state runs), or when the precision target was not reached.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..config.schema import Scenario
from .executors import TaskResult
from .warmup import mser5


def design_flags(scenario: Scenario, runs: pd.DataFrame, results: list[TaskResult],
                 names: list[str], notes: list[str]) -> dict[str, list[str]]:
    """Why each design's numbers need care: overload, a growing backlog, warm-up, precision.

    Parameters
    ----------
    scenario : Scenario
        The scenario compared (its ``run`` gives warm-up, horizon and run kind).
    runs : pandas.DataFrame
        One row per design × replication with the KPIs (``censored_share`` is read).
    results : list of TaskResult
        The replications' results (their hourly ``backlog`` is read).
    names : list of str
        Designs compared, in order.
    notes : list of str
        Messages of the run; a "precision not reached" note naming ``'<design>/`` flags that
        design.

    Returns
    -------
    dict of str to list of str
        Per design, the reasons in the order checked (empty list: none).
    """
    run = scenario.run
    flags: dict[str, list[str]] = {n: [] for n in names}
    for name in names:
        mine = runs[runs["design"] == name]
        if "cases" in mine and not (mine["cases"] > 0).any():
            flags[name].append("no cases measured: nothing was created in the measured window "
                               "(zero demand?); its KPIs are NaN and it is not ranked")
        if "censored_share" in mine and mine["censored_share"].mean() > 0:
            share = mine["censored_share"].mean()
            open_runs = int((mine["censored_share"] > 0).sum())
            flags[name].append(f"{share:.3g} of cases (in {open_runs} of {len(mine)} runs) still "
                               "open at the end (overloaded, or run.drain too short)")
        backlogs = [r.backlog for r in results if r.design == name]
        series = _mean_backlog(backlogs, run.warmup, run.horizon)
        if series is not None and _growing(series):
            flags[name].append("backlog grows over the horizon (unstable: capacity below load?)")
        if run.kind == "steady_state" and series is not None:
            full = _mean_backlog(backlogs, 0.0, run.horizon)
            try:
                cut = mser5(full)
            except ValueError:
                cut = 0
            if cut is None:
                flags[name].append("MSER-5 found no warm-up: lengthen the run")
            elif cut > run.warmup + 1e-9:
                flags[name].append(f"warm-up looks too short: MSER-5 suggests {cut:g} h "
                                   f"(run.warmup = {run.warmup:g} h)")
    for note in notes:
        if "precision not reached" in note:
            for name in names:
                if f"'{name}/" in note:
                    flags[name].append("target precision not reached")
    return flags


def _mean_backlog(backlogs: list[pd.DataFrame], start: float, end: float) -> np.ndarray | None:
    """Across-replication mean of hourly open cases over [start, end), or None if too short."""
    cut = [b.loc[(b["time_h"] >= start) & (b["time_h"] < end), "open_cases"].to_numpy(float)
           for b in backlogs]
    length = min((len(c) for c in cut), default=0)
    if length < 10:
        return None
    return np.mean([c[:length] for c in cut], axis=0)


def _growing(series: np.ndarray) -> bool:
    """A backlog that ends far above where it was a quarter in, and keeps climbing."""
    q = len(series) // 4
    early, late = series[q:2 * q].mean(), series[-q:].mean()
    slope = np.polyfit(np.arange(len(series)), series, 1)[0] * len(series)
    return bool(late > 1.5 * early + 5 and slope > max(5.0, 0.5 * series.mean()))
