"""Break-even points: where two designs swap on a KPI as one parameter varies.

The paired difference ``d(x) = KPI_A(x) - KPI_B(x)`` is estimated with common random numbers
(replication r of both designs, at every x, shares its random numbers), so most of the noise
cancels and the curve is smooth in x. The search:

1. evaluate d on an even grid over ``[low, high]`` (one sweep, chunked, on any executor);
2. where the mean changes sign, refine the bracket by false position (Illinois variant) with
   ``refine`` more evaluations;
3. the crossing is the root of the piecewise-linear mean curve; its interval is the stretch
   around it where the pointwise paired t-interval of d contains 0 (interpolated between the
   evaluated values), i.e. where the data cannot tell which design is ahead.

Without a sign change the answer is "no crossing in the range", with which design is ahead.
"""

from __future__ import annotations

import concurrent.futures as cf
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..config.errors import ScenarioError
from ..config.factors import parse_range
from .sweep import run_sweep
from .sweepfile import spec_from_parameters


@dataclass
class BreakEven:
    """The result of :func:`breakeven`.

    Attributes
    ----------
    key, kpi : str
    designs : tuple of str
        (A, B); the curve is A - B.
    curve : pandas.DataFrame
        Per evaluated x: ``x, mean_diff, lower, upper, n`` (x in the key's unit; hours for
        durations), sorted by x.
    crossing, lower, upper : float
        The crossing and its interval (NaN when there is none).
    message : str
        One sentence for people.
    """

    key: str
    kpi: str
    designs: tuple[str, str]
    curve: pd.DataFrame
    crossing: float = math.nan
    lower: float = math.nan
    upper: float = math.nan
    message: str = ""
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def found(self) -> bool:
        """Whether a crossing lies in the range."""
        return bool(np.isfinite(self.crossing))


def _paired(runs: pd.DataFrame, kpi: str, a: str, b: str, x_of_point: dict,
            confidence: float) -> pd.DataFrame:
    if kpi not in runs:
        raise ScenarioError.at("--kpi", kpi, "a KPI of the runs: " + ", ".join(
            c for c in runs.columns if c not in ("point", "design", "replication")))
    wide = runs.pivot_table(index=["point", "replication"], columns="design", values=kpi,
                            aggfunc="first")
    rows = []
    for point, group in (wide[a] - wide[b]).groupby(level="point"):
        d = group.to_numpy(dtype=float)
        d = d[np.isfinite(d)]
        n = len(d)
        mean = float(d.mean()) if n else math.nan
        half = (float(stats.t.ppf(0.5 + confidence / 2, n - 1) * d.std(ddof=1) / math.sqrt(n))
                if n > 1 else math.nan)
        rows.append({"x": x_of_point[point], "mean_diff": mean, "lower": mean - half,
                     "upper": mean + half, "n": n})
    return pd.DataFrame(rows)


def _root(x0: float, y0: float, x1: float, y1: float) -> float:
    return x0 - y0 * (x1 - x0) / (y1 - y0) if y1 != y0 else 0.5 * (x0 + x1)


def _band_interval(curve: pd.DataFrame, root: float) -> tuple[float, float]:
    """The stretch around ``root`` where the interpolated interval of d contains 0."""
    x = curve["x"].to_numpy(dtype=float)
    fine = np.linspace(x.min(), x.max(), 4001)
    lo = np.interp(fine, x, curve["lower"].to_numpy(dtype=float))
    hi = np.interp(fine, x, curve["upper"].to_numpy(dtype=float))
    inside = (lo <= 0) & (hi >= 0)
    i = int(np.argmin(np.abs(fine - root)))
    if not inside[i]:
        return root, root
    left, right = i, i
    while left > 0 and inside[left - 1]:
        left -= 1
    while right < len(fine) - 1 and inside[right + 1]:
        right += 1
    return float(fine[left]), float(fine[right])


def breakeven(raw: Mapping[str, Any], key: str, low: Any, high: Any, designs: tuple[str, str],
              kpi: str = "cost_per_case", points: int = 7, refine: int = 4,
              replications: int | None = None, seed: int | None = None,
              executor: cf.Executor | None = None, confidence: float = 0.95,
              progress: bool | None = None) -> BreakEven:
    """Find where designs A and B swap on ``kpi`` as ``key`` goes from ``low`` to ``high``.

    Parameters
    ----------
    raw : mapping
        The scenario's raw tables (:func:`sim.config.loader.read_raw`).
    key : str
        Dotted key to vary; ``low``/``high`` in its unit (``80``, ``"2h"``).
    designs : (str, str)
        A and B; the curve is ``KPI_A - KPI_B``.
    points : int
        Grid points of the first pass (>= 3).
    refine : int
        False-position evaluations inside the bracket.
    replications, seed : int, optional
        Default: the scenario's.

    Returns
    -------
    BreakEven
    """
    if points < 3:
        raise ScenarioError.at("--points", points, "a whole number >= 3")
    a, b = designs
    if a == b:
        raise ScenarioError.at("--designs", f"{a},{b}", "two different designs")
    factor = parse_range(f"{low}..{high}", "--between", integer=False)
    grid = np.linspace(factor.low, factor.high, points)
    options = {"replications": replications, "seed": seed, "designs": [a, b],
               "outputs": [kpi]}
    evaluated: list[pd.DataFrame] = []

    def evaluate(xs) -> pd.DataFrame:
        values = [factor.scenario_value(float(x)) for x in xs]
        spec = spec_from_parameters("(breakeven)", {key: values}, **options)
        result = run_sweep(spec, raw=raw, executor=executor, progress=progress)
        frame = _paired(result.runs, kpi, a, b, dict(enumerate(map(float, xs))), confidence)
        evaluated.append(frame)
        return frame

    first = evaluate(grid)
    y = first["mean_diff"].to_numpy(dtype=float)
    signs = np.sign(y)
    change = [i for i in range(len(y) - 1) if signs[i] * signs[i + 1] < 0 or signs[i] == 0]
    if not change:
        ahead = a if np.nanmean(y) < 0 else b
        return BreakEven(key, kpi, designs, first.sort_values("x").reset_index(drop=True),
                         message=f"no crossing in the range {factor.describe()}: {kpi} of "
                                 f"{a} minus {b} keeps the sign of {np.nanmean(y):+.4g} "
                                 f"(lower for {ahead} throughout)")
    i = change[0]
    x0, y0, x1, y1 = grid[i], y[i], grid[i + 1], y[i + 1]
    side = 0
    for _ in range(refine if y0 != 0 else 0):
        x = _root(x0, y0, x1, y1)
        yx = float(evaluate([x])["mean_diff"].iloc[0])
        if yx == 0:
            x0 = x1 = x
            y0 = y1 = 0.0
            break
        if np.sign(yx) == np.sign(y0):
            x0, y0 = x, yx
            y1 = y1 / 2 if side == -1 else y1     # Illinois: stop one end from sticking
            side = -1
        else:
            x1, y1 = x, yx
            y0 = y0 / 2 if side == 1 else y0
            side = 1
    curve = pd.concat(evaluated, ignore_index=True).sort_values("x").reset_index(drop=True)
    cx, cy = curve["x"].to_numpy(), curve["mean_diff"].to_numpy()
    j = next(k for k in range(len(cy) - 1) if np.sign(cy[k]) != np.sign(cy[k + 1])
             or cy[k] == 0)
    root = float(cx[j]) if cy[j] == 0 else _root(cx[j], cy[j], cx[j + 1], cy[j + 1])
    unit = "h" if factor.duration else ""
    if curve[["lower", "upper"]].isna().any().any():
        lo = hi = math.nan
        interval = "no interval: use 2 or more replications"
    else:
        lo, hi = _band_interval(curve, root)
        interval = f"95% interval {lo:.4g}{unit} .. {hi:.4g}{unit}"
    more = f"; {len(change) - 1} more sign change(s) on the grid" if len(change) > 1 else ""
    message = (f"{a} and {b} swap on {kpi} at {key} = {root:.4g}{unit} ({interval}); below it "
               f"{a if cy[0] < 0 else b} has the lower {kpi}{more}")
    return BreakEven(key, kpi, designs, curve, root, lo, hi, message,
                     meta={"duration": factor.duration, "grid": list(map(float, grid)),
                           "refine": refine, "sign_changes": len(change)})
