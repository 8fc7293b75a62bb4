"""Designs of experiments: the points of a sweep, as unit-cube samples mapped to values.

=================  ==========================================================================
method             points
=================  ==========================================================================
full_factorial     every combination of the factors' values (ranges: ``levels`` grid points)
lhs                ``samples`` Latin-hypercube points (``scipy.stats.qmc.LatinHypercube``)
sobol              ``samples`` (a power of two) scrambled Sobol points (``qmc.Sobol``)
halton             ``samples`` scrambled Halton points (``qmc.Halton``)
saltelli           SALib's Saltelli sample for Sobol indices: N(D+2) points, N(2D+2) with
                   second order (``SALib.sample.sobol``)
morris             SALib's Morris trajectories: ``samples`` x (D+1) points
                   (``SALib.sample.morris``)
oat                one at a time: the centre (every factor at its median), then each factor
                   at its low and its high end with the others at the centre: 1 + 2D points
=================  ==========================================================================

For lhs, sobol and halton, factors given as **levels** that are not numbers (a policy, a
payer) are crossed fully with the sampled points of the other factors, so every level sees the
same sampled worlds. Every sampler is seeded from the sweep's seed: the same file gives the same
points on every machine. SALib is the optional extra ``sensitivity``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..config.errors import ScenarioError
from ..config.factors import Factor


@dataclass(frozen=True)
class Plan:
    """The points of a sweep.

    Attributes
    ----------
    factors : tuple of Factor
    overrides : list of dict
        Per point, dotted key -> scenario value.
    unit : numpy.ndarray or None
        For saltelli and morris: the (points x factors) unit-cube sample SALib analyses.
    method : str
    """

    factors: tuple[Factor, ...]
    overrides: list[dict[str, Any]]
    unit: np.ndarray | None
    method: str
    aliases: dict[str, str] | None = None   # factor key -> the override key holding its value

    def table(self) -> pd.DataFrame:
        """One row per point: ``point`` and the factors' values (durations in hours)."""
        alias = self.aliases or {}
        rows = [{"point": i, **{f.key: f.number(o[alias.get(f.key, f.key)])
                                for f in self.factors}}
                for i, o in enumerate(self.overrides)]
        return pd.DataFrame(rows)


def salib() -> Any:
    """Import SALib or say how to install it."""
    try:
        import SALib  # noqa: F401
        from SALib.sample import morris, sobol
    except ImportError:
        raise ScenarioError.at("sweep.method", "saltelli/morris",
                               "SALib installed: pip install 'aftersales-sim[sensitivity]'"
                               ) from None
    return sobol, morris


def problem(factors: tuple[Factor, ...]) -> dict[str, Any]:
    """SALib's problem dictionary, in the unit cube (values come from ``Factor.value_at``)."""
    return {"num_vars": len(factors), "names": [f.key for f in factors],
            "bounds": [[0.0, 1.0]] * len(factors)}


def _qmc(method: str, d: int, n: int, seed: int, scramble: bool) -> np.ndarray:
    from scipy.stats import qmc

    if method == "lhs":
        return qmc.LatinHypercube(d=d, scramble=scramble, rng=seed).random(n)
    if method == "sobol":
        return qmc.Sobol(d=d, scramble=scramble, rng=seed).random_base2(int(np.log2(n)))
    return qmc.Halton(d=d, scramble=scramble, rng=seed).random(n)


def oat_unit(d: int) -> np.ndarray:
    """Unit-cube points of a one-at-a-time design: the centre, then low and high per factor."""
    rows = [np.full(d, 0.5)]
    for i in range(d):
        for end in (0.0, 1.0):
            row = np.full(d, 0.5)
            row[i] = end
            rows.append(row)
    return np.array(rows)


def _map(factors: tuple[Factor, ...], unit: np.ndarray) -> list[dict[str, Any]]:
    return [{f.key: f.value_at(u) for f, u in zip(factors, row, strict=True)} for row in unit]


def plan(spec: Any, seed: int) -> Plan:
    """The points of a :class:`~sim.experiment.sweepfile.SweepSpec` (see the module table)."""
    factors = tuple(spec.factors)
    method = spec.method
    if method == "full_factorial":
        values = [f.full_factorial(spec.levels) for f in factors]
        points = [dict(zip(spec.keys, combo, strict=True)) for combo in itertools.product(*values)]
        return Plan(factors, points, None, method)
    if method == "oat":
        unit = oat_unit(len(factors))
        return Plan(factors, _map(factors, unit), unit, method)
    if method in ("lhs", "sobol", "halton"):
        crossed = [f for f in factors if not f.numeric]
        sampled = tuple(f for f in factors if f.numeric)
        if not sampled:
            raise ScenarioError.at("sweep.factors", spec.keys,
                                   f"at least one numeric factor for {method}")
        unit = _qmc(method, len(sampled), spec.samples, seed, spec.scramble)
        base = _map(sampled, unit)
        points = []
        for combo in itertools.product(*(f.levels for f in crossed)):
            fixed = dict(zip((f.key for f in crossed), combo, strict=True))
            points += [{k: {**fixed, **p}[k] for k in spec.keys} for p in base]
        return Plan(factors, points, None, method)
    sobol, morris = salib()
    prob = problem(factors)
    if method == "saltelli":
        unit = sobol.sample(prob, spec.samples, calc_second_order=spec.second_order, seed=seed)
    else:
        unit = morris.sample(prob, spec.samples, num_levels=spec.levels, seed=seed)
    return Plan(factors, _map(factors, unit), np.asarray(unit, dtype=float), method)
