"""Robust ranking under input uncertainty: which design is best across plausible worlds.

A scenario's ``[uncertainty]`` table gives ranges or distributions for assumption-marked keys
(``"designs.*.field_service.visit_fee" = "50..200"``; ``*`` stands for every design where the
key exists, all set to the same value in a world). :func:`robust` samples ``worlds`` points
by Latin hypercube, runs every design in every world with common random numbers (replication r
of every world and design shares its random numbers), and reports per design:

- how often it is **best** on the KPI, and how often it is **within the indifference zone**
  (``delta``) of the best, each with a Wilson 95% interval over the worlds;
- its mean and worst **regret** (distance to the best design of the world);
- which uncertain parameters **drive the changes of rank**: the Spearman correlation between
  a parameter and a design being best, and the share of wins in the low and high half of the
  parameter's range — the region where each design wins.

Simulation noise is in every world's means too: a world's best is decided on the mean over
``replications``; the report shows how many replications were used.
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
from ..config.factors import Factor
from ..config.loader import load_scenario, resolve_designs
from .doe import Plan, _qmc
from .sweep import run_sweep
from .sweepfile import spec_from_parameters


@dataclass
class Robust:
    """The result of :func:`robust` (tables described in the module docstring)."""

    kpi: str
    direction: str
    delta: float
    shares: pd.DataFrame
    drivers: pd.DataFrame
    regions: pd.DataFrame
    worlds: pd.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)


def kpi_direction(kpi: str) -> str:
    """``"min"`` or ``"max"``: the KPI registry's direction where it has one."""
    from ..outcomes.kpis import REGISTRY
    from .runner import direction

    better = getattr(REGISTRY.get(kpi), "better", None)
    return better if better in ("min", "max") else direction(kpi)


def indifference(scenario, kpi: str, given: float | None) -> float:
    """The indifference zone of ``kpi``: given, else ``run.indifference`` where set, else 0."""
    if given is not None:
        return float(given)
    zone = getattr(scenario.run, "indifference", None)
    if isinstance(zone, Mapping) and kpi in zone:
        return float(zone[kpi])
    return 0.0


def expand(raw: Mapping[str, Any], factor: Factor) -> list[str]:
    """Concrete keys of a factor: ``designs.*.rest`` -> every design where ``rest`` loads."""
    parts = factor.key.split(".")
    if "*" not in parts:
        return [factor.key]
    if parts[0] != "designs" or parts.index("*") != 1 or parts.count("*") != 1:
        raise ScenarioError.at(f"uncertainty.{factor.key}", "*", "a wildcard only as the "
                               "design name: designs.*.stage.key")
    names = list(resolve_designs(raw.get("designs")))
    keys = []
    for name in names:
        key = ".".join(["designs", name, *parts[2:]])
        try:
            load_scenario(raw, {key: factor.value_at(0.5)})
        except ScenarioError:
            continue
        keys.append(key)
    if not keys:
        raise ScenarioError.at(f"uncertainty.{factor.key}", factor.describe(),
                               "a key that exists in at least one design: " + ", ".join(names))
    return keys


def wilson(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a proportion k/n."""
    if n == 0:
        return math.nan, math.nan
    z = stats.norm.ppf(0.5 + confidence / 2)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def worlds_plan(raw: Mapping[str, Any], factors: tuple[Factor, ...], n: int, seed: int) -> Plan:
    """LHS worlds; a wildcard factor's value goes to each of its concrete keys."""
    keys = {f.key: expand(raw, f) for f in factors}
    unit = _qmc("lhs", len(factors), n, seed, True)
    overrides = []
    for row in unit:
        point: dict[str, Any] = {}
        for f, u in zip(factors, row, strict=True):
            value = f.value_at(u)
            point.update({k: value for k in keys[f.key]})
        overrides.append(point)
    return Plan(factors, overrides, unit, "lhs", aliases={k: v[0] for k, v in keys.items()})


def robust(raw: Mapping[str, Any], kpi: str = "cost_per_case", worlds: int = 32,
           replications: int | None = None, seed: int | None = None,
           designs: list[str] | None = None, delta: float | None = None,
           executor: cf.Executor | None = None, progress: bool | None = None) -> Robust:
    """Rank the designs across worlds sampled from the scenario's ``[uncertainty]``."""
    scenario = load_scenario(raw)
    if not scenario.uncertainty:
        raise ScenarioError.at("uncertainty", None, "an [uncertainty] table of dotted keys "
                               'with ranges or distributions, e.g. "designs.*.field_service.'
                               'visit_fee" = "50..200"')
    if worlds < 2:
        raise ScenarioError.at("--worlds", worlds, "a whole number >= 2")
    factors = tuple(scenario.uncertainty)
    seed = scenario.run.seed if seed is None else int(seed)
    points = worlds_plan(raw, factors, worlds, seed)
    names = list(designs) if designs else list(scenario.designs)
    if len(names) < 2:
        raise ScenarioError.at("--designs", names, "at least two designs to rank")
    spec = spec_from_parameters("(robust)", {f.key: [0] for f in factors},
                                replications=replications, seed=seed, designs=names,
                                outputs=[kpi])
    spec = spec.with_(factors=factors, method="lhs", samples=worlds, name="robust")
    result = run_sweep(spec, raw=raw, executor=executor, progress=progress, points=points)
    if kpi not in result.runs:
        raise ScenarioError.at("--kpi", kpi, "a KPI the runs computed")
    means = result.runs.pivot_table(index="point", columns="design", values=kpi,
                                    aggfunc="mean")[names]
    return analyse(means, result.points, factors, kpi, kpi_direction(kpi),
                   indifference(scenario, kpi, delta),
                   meta={"worlds": worlds, "replications": result.replications, "seed": seed,
                         "designs": names, "currency": scenario.currency})


def analyse(means: pd.DataFrame, table: pd.DataFrame, factors, kpi: str, better: str,
            delta: float, meta: dict | None = None) -> Robust:
    """Shares best / within the zone, regret, drivers and regions from world x design means."""
    values = means.to_numpy(dtype=float)
    signed = values if better == "min" else -values
    best_value = np.nanmin(signed, axis=1)
    regret = signed - best_value[:, None]
    best = np.nanargmin(signed, axis=1)
    n = len(values)
    rows = []
    for j, design in enumerate(means.columns):
        wins, near = int((best == j).sum()), int((regret[:, j] <= delta).sum())
        rows.append({"design": design, "share_best": wins / n,
                     "best_lower": wilson(wins, n)[0], "best_upper": wilson(wins, n)[1],
                     "share_within_zone": near / n, "zone_lower": wilson(near, n)[0],
                     "zone_upper": wilson(near, n)[1], "mean": float(np.nanmean(values[:, j])),
                     "mean_regret": float(np.nanmean(regret[:, j])),
                     "worst_regret": float(np.nanmax(regret[:, j])), "worlds": n})
    shares = pd.DataFrame(rows)
    drivers, regions = [], []
    for f in factors:
        x = table[f.key].to_numpy()
        numeric = pd.api.types.is_numeric_dtype(table[f.key])
        split = np.nanmedian(x) if numeric else None
        strongest = 0.0
        for j, design in enumerate(means.columns):
            wins = (best == j).astype(float)
            rho = (stats.spearmanr(x, wins).statistic
                   if numeric and wins.std() > 0 and np.std(x) > 0 else 0.0)
            strongest = max(strongest, abs(float(rho)))
            if numeric:
                low, high = x <= split, x > split
                regions.append({"parameter": f.key, "design": design, "split": float(split),
                                "share_best_low_half": float(wins[low].mean()),
                                "share_best_high_half": float(wins[high].mean()) if high.any()
                                else math.nan,
                                "min_where_best": float(np.min(x[wins > 0])) if wins.any()
                                else math.nan,
                                "max_where_best": float(np.max(x[wins > 0])) if wins.any()
                                else math.nan})
        drivers.append({"parameter": f.key, "rank_change_driver": strongest,
                        "range": f.describe()})
    drivers = pd.DataFrame(drivers, columns=["parameter", "rank_change_driver", "range"])
    drivers = drivers.sort_values("rank_change_driver", ascending=False)
    worlds = table.copy()
    worlds["best"] = [means.columns[j] for j in best]
    for design in means.columns:
        worlds[f"{kpi}:{design}"] = means[design].to_numpy()
    return Robust(kpi, better, delta, shares, drivers.reset_index(drop=True),
                  pd.DataFrame(regions), worlds, meta=meta or {})
