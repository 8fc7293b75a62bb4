"""Sensitivity analysis of a sweep: which assumptions move a KPI, and how much is noise.

- **Sobol indices** (sweep method ``saltelli``): first-order ``S1`` (the share of the KPI's
  variance one factor explains alone) and total ``ST`` (alone and in interactions), with
  bootstrap confidence intervals (SALib's ``sobol.analyze``).
- **Morris** (method ``morris``): ``mu_star``, the mean absolute elementary effect — here the
  KPI's change when a factor moves across its whole range — with its interval, and ``sigma``
  (non-linearity or interactions), from SALib's ``morris.analyze``.
- **Noise**: each point is run for several replications with common random numbers, so the
  variance of single runs splits into the part the factors explain and the part that is
  simulation noise. ``noise_share`` is noise / (noise + factor variance) of single runs;
  ``noise_share_of_means`` is the part of the point means' variance (what the indices are
  computed from) that is noise — when it is large, add replications before trusting indices.
- **Tornado**: a one-at-a-time sweep (every factor at its low and high end, the others at the
  centre) with paired intervals against the centre.

The indices are computed on the mean over replications at every point.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from ..config.errors import ScenarioError
from .doe import problem, salib


def point_means(result, design: str, kpi: str) -> tuple[np.ndarray, np.ndarray]:
    """(means over replications per point, in plan order; the points x reps matrix)."""
    runs = result.runs[result.runs["design"] == design]
    matrix = runs.pivot_table(index="point", columns="replication", values=kpi,
                              aggfunc="first", sort=True).reindex(
        range(len(result.plan.overrides)))
    values = matrix.to_numpy(dtype=float)
    return values.mean(axis=1), values


def noise(values: np.ndarray) -> dict[str, float]:
    """Noise and factor variance of single runs from a points x replications matrix."""
    n_points, reps = values.shape
    if reps < 2:
        nan = float("nan")
        return {"noise_var": nan, "factor_var": nan, "noise_share": nan,
                "noise_share_of_means": nan, "replications": reps}
    within = float(np.nanmean(np.nanvar(values, axis=1, ddof=1)))
    means_var = float(np.nanvar(np.nanmean(values, axis=1), ddof=1))
    factor = max(means_var - within / reps, 0.0)
    total = within + factor
    return {"noise_var": within, "factor_var": factor,
            "noise_share": within / total if total > 0 else float("nan"),
            "noise_share_of_means": min(1.0, (within / reps) / means_var)
            if means_var > 0 else float("nan"), "replications": reps}


def _usable(y: np.ndarray, design: str, kpi: str) -> bool:
    return bool(np.isfinite(y).all())


def indices(result, kpis: list[str], confidence: float = 0.95) -> tuple[pd.DataFrame,
                                                                         pd.DataFrame]:
    """Sensitivity indices and noise shares for every design x KPI of a saltelli/morris sweep.

    Returns
    -------
    (pandas.DataFrame, pandas.DataFrame)
        Indices: ``design, kpi, factor, index, value, lower, upper`` (``index`` one of S1, ST
        or mu_star, sigma); noise: ``design, kpi, noise_var, factor_var, noise_share,
        noise_share_of_means, replications``.
    """
    spec = result.spec
    if spec.method not in ("saltelli", "morris"):
        raise ScenarioError.at("sweep.method", spec.method, "saltelli (Sobol indices) or morris "
                               "(elementary effects) for sensitivity indices")
    sobol_sample, _ = salib()
    from SALib.analyze import morris, sobol

    prob = problem(result.plan.factors)
    rows, noise_rows = [], []
    for design in result.designs:
        for kpi in kpis:
            y, matrix = point_means(result, design, kpi)
            noise_rows.append({"design": design, "kpi": kpi, **noise(matrix)})
            if not _usable(y, design, kpi) or np.nanstd(y) == 0:
                rows += [{"design": design, "kpi": kpi, "factor": f, "index": "n/a",
                          "value": np.nan, "lower": np.nan, "upper": np.nan}
                         for f in prob["names"]]
                continue
            if spec.method == "saltelli":
                si = sobol.analyze(prob, y, calc_second_order=spec.second_order,
                                   conf_level=confidence, seed=result.seed)
                pairs = (("S1", "S1_conf"), ("ST", "ST_conf"))
            else:
                si = morris.analyze(prob, result.plan.unit, y, conf_level=confidence,
                                    num_levels=spec.levels, seed=result.seed)
                pairs = (("mu_star", "mu_star_conf"), ("sigma", None))
            for i, name in enumerate(prob["names"]):
                for index, conf in pairs:
                    value = float(np.asarray(si[index])[i])
                    half = float(np.asarray(si[conf])[i]) if conf else np.nan
                    rows.append({"design": design, "kpi": kpi, "factor": name, "index": index,
                                 "value": value, "lower": value - half, "upper": value + half})
    return pd.DataFrame(rows), pd.DataFrame(noise_rows)


def tornado(oat, kpis: list[str], confidence: float = 0.95) -> pd.DataFrame:
    """Paired changes against the centre from a one-at-a-time sweep result.

    Returns
    -------
    pandas.DataFrame
        ``design, kpi, factor, end (low|high), value, centre, change, lower, upper``.
    """
    rows = []
    factors = oat.plan.factors
    for design in oat.designs:
        for kpi in kpis:
            _, matrix = point_means(oat, design, kpi)
            centre = matrix[0]
            for i, factor in enumerate(factors):
                for j, end in enumerate(("low", "high")):
                    d = matrix[1 + 2 * i + j] - centre
                    d = d[np.isfinite(d)]
                    mean = float(d.mean()) if len(d) else np.nan
                    half = (float(stats.t.ppf(0.5 + confidence / 2, len(d) - 1)
                                  * d.std(ddof=1) / np.sqrt(len(d))) if len(d) > 1 else np.nan)
                    rows.append({"design": design, "kpi": kpi, "factor": factor.key, "end": end,
                                 "value": factor.value_at(0.0 if end == "low" else 1.0),
                                 "centre": float(np.nanmean(centre)), "change": mean,
                                 "lower": mean - half, "upper": mean + half})
    return pd.DataFrame(rows)
