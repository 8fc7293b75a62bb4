"""Staffing optimisation: the cheapest head counts that meet the service targets.

Targets are KPI requirements (``"queued_share<=0.2"``, ``"first_response_p90_min<=1"``,
``"statutory_compliance>=0.99"``), met on the mean over replications. The decision variables
are integer head-count keys: by default every in-house contact group of the design staffed
around the clock (``designs.D.contact.groups.G.agents``); any other integer key with
``keys=`` — a shift block (``designs.D.contact.groups.G.shifts.1.agents``), technicians,
complaint specialists.

1. **Rough cut** (:mod:`sim.theory`): for a stationary Poisson scenario with one staffed
   group, Erlang C gives the smallest head count for a waiting-probability target
   (``queued_share``), a percentile target (``first_response_pXX_min``: service level
   ``P(Wq <= t) >= XX%``) or a mean-wait target. Groups that work shifts (order-driven
   scenarios) are optimised per shift block, started from the per-hour Erlang C rough cut
   of the design's offered load (:mod:`sim.experiment.rough_cut`) laid onto the blocks
   (:mod:`sim.experiment.shift_blocks`). Any other key starts at its current head count.
2. **Refinement by simulation** with common random numbers (every candidate sees the same
   replications): add one to the variable that most reduces the shortfall until every target
   is met, then remove one from each variable, the dearest first, while the targets hold.

The answer's confidence is the share of replications in which every target is met.
"""

from __future__ import annotations

import concurrent.futures as cf
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..config.errors import ScenarioError
from ..config.loader import load_scenario
from .sweep import run_sweep
from .sweepfile import spec_from_parameters

_REQ = re.compile(r"^\s*([a-z0-9_]+)\s*(<=|>=)\s*([-+0-9.eE]+)\s*$")


@dataclass(frozen=True)
class Requirement:
    """A service target: ``kpi <= value`` or ``kpi >= value``."""

    kpi: str
    op: str
    value: float

    def met(self, x: np.ndarray | float) -> np.ndarray | bool:
        """Whether ``x`` meets the target (NaN never does)."""
        x = np.asarray(x, dtype=float)
        return (x <= self.value) if self.op == "<=" else (x >= self.value)

    def shortfall(self, x: float) -> float:
        """How far ``x`` misses, relative to the target (0 when met)."""
        gap = (x - self.value) if self.op == "<=" else (self.value - x)
        return max(gap, 0.0) / max(abs(self.value), 1e-9) if np.isfinite(x) else math.inf

    def __str__(self) -> str:
        return f"{self.kpi}{self.op}{self.value:g}"


def parse_requirement(text: str) -> Requirement:
    """Parse ``"kpi<=value"`` / ``"kpi>=value"`` (the KPI must exist)."""
    from ..config.fields import _suggest
    from ..outcomes.kpis import REGISTRY

    match = _REQ.match(str(text))
    if not match:
        raise ScenarioError.at("--require", text, "KPI<=VALUE or KPI>=VALUE, e.g. "
                               "queued_share<=0.2")
    kpi, op, value = match.groups()
    if kpi not in REGISTRY:
        raise ScenarioError.at("--require", kpi, "a KPI name (aftersales kpis)"
                               + _suggest(kpi, list(REGISTRY)))
    return Requirement(kpi, op, float(value))


def staffing_keys(scenario, design: str) -> list[str]:
    """Keys of the design's in-house contact groups staffed around the clock, or else of
    every shift block of its agent groups (:mod:`sim.experiment.shift_blocks`)."""
    from .shift_blocks import shift_keys

    stage = scenario.designs[design].stages.get("contact")
    groups = getattr(getattr(stage, "params", None), "groups", None) or {}
    constant = [f"designs.{design}.contact.groups.{name}.agents" for name, g in groups.items()
                if getattr(g, "agents", None) is not None]
    return constant or shift_keys(scenario, design)


def _current(scenario, key: str) -> int:
    """The resolved value of an integer key (walks the scenario written back as tables)."""
    from .store import scenario_table

    node: Any = scenario_table(scenario)
    for part in key.split("."):
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]            # e.g. ...groups.voice.shifts.1.agents
        elif isinstance(node, Mapping) and part in node:
            node = node[part]
        else:
            raise ScenarioError.at(key, None, "an integer head-count key of the scenario")
    if isinstance(node, bool) or not isinstance(node, int):
        raise ScenarioError.at(key, node, "an integer head count")
    return node


def rough_cut(scenario, design: str, key: str, requirements: list[Requirement]) -> int:
    """Erlang C head count for the targets (stationary Poisson, one group), else the current."""
    from ..theory.erlang import mmc
    from ..theory.staffing import staffing_for_service_level

    current = _current(scenario, key)
    keys = staffing_keys(scenario, design)
    if scenario.demand.source != "poisson" or keys != [key]:
        return current
    stream = scenario.demand.poisson
    handle = scenario.designs[design].stages["contact"].params.handle_time[stream.channel]
    dist = handle.get(stream.case_type, handle.get("default"))
    lam, mu = stream.rate_per_h, 1.0 / dist.mean
    counts = [math.floor(lam / mu) + 1]
    for req in requirements:
        pct = re.fullmatch(r"first_response_p(\d+)_min", req.kpi)
        if req.op != "<=":
            continue
        if req.kpi == "queued_share":
            counts.append(staffing_for_service_level(lam, mu, 1.0 - req.value, 0.0))
        elif pct:
            counts.append(staffing_for_service_level(lam, mu, int(pct.group(1)) / 100,
                                                     req.value / 60.0))
        elif req.kpi == "first_response_mean_min":
            c = counts[0]
            while mmc(lam, mu, c).mean_wait * 60.0 > req.value:
                c += 1
            counts.append(c)
    return max(counts)


@dataclass
class StaffingResult:
    """Per design: the chosen head counts and every candidate evaluated."""

    design: str
    keys: list[str]
    start: dict[str, int]
    best: dict[str, int] | None
    candidates: pd.DataFrame
    requirements: list[Requirement]
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def confidence(self) -> float:
        """Share of replications meeting every target at the chosen staffing."""
        if self.best is None:
            return math.nan
        row = self.candidates[self.candidates["chosen"]]
        return float(row["share_reps_meeting"].iloc[0])


def optimise(raw: Mapping[str, Any], design: str, requirements: list[Requirement],
             keys: list[str] | None = None, cost_kpi: str = "total_cost",
             replications: int | None = None, seed: int | None = None,
             executor: cf.Executor | None = None, max_steps: int = 40,
             use_rough_cut: bool = True, progress: bool | None = None) -> StaffingResult:
    """Find the cheapest staffing of ``design`` meeting every requirement (module docstring)."""
    scenario = load_scenario(raw)
    scenario.design(design)
    keys = list(keys) if keys else staffing_keys(scenario, design)
    if not keys:
        raise ScenarioError.at(f"designs.{design}.contact.groups", None, "a contact group "
                               "staffed around the clock (agents = N), or --vary KEY")
    if not requirements:
        raise ScenarioError.at("--require", None, "at least one target, e.g. queued_share<=0.2")
    start = {k: (rough_cut(scenario, design, k, requirements) if use_rough_cut
                 else _current(scenario, k)) for k in keys}
    if use_rough_cut:  # shift blocks start from the rough cut laid onto them
        from .shift_blocks import rough_cut_start

        start.update(rough_cut_start(scenario, design, keys, requirements))
    outputs = sorted({cost_kpi, *(r.kpi for r in requirements)})
    seen: dict[tuple, dict] = {}

    def evaluate(config: dict[str, int]) -> dict:
        sig = tuple(config[k] for k in keys)
        if sig not in seen:
            spec = spec_from_parameters("(staffing)", {k: [v] for k, v in config.items()},
                                        replications=replications, seed=seed,
                                        designs=[design], outputs=outputs)
            runs = run_sweep(spec, raw=raw, executor=executor, progress=progress).runs
            ok = np.ones(len(runs), dtype=bool)
            row = {**config, "cost": float(runs[cost_kpi].mean())}
            for r in requirements:
                row[str(r)] = float(runs[r.kpi].mean())
                ok &= r.met(runs[r.kpi].to_numpy(dtype=float))
            row["feasible"] = all(bool(r.met(row[str(r)])) for r in requirements)
            row["share_reps_meeting"] = float(ok.mean())
            row["shortfall"] = sum(r.shortfall(row[str(r)]) for r in requirements)
            seen[sig] = row
        return seen[sig]

    current = dict(start)
    for _ in range(max_steps):
        if evaluate(current)["feasible"]:
            break
        trials = [{**current, k: current[k] + 1} for k in keys]
        current = min(trials, key=lambda c: (evaluate(c)["shortfall"], evaluate(c)["cost"]))
    best = current if evaluate(current)["feasible"] else None
    if best is not None:
        improved = True
        while improved:
            improved = False
            for k in sorted(keys, key=lambda k: -current[k]):
                trial = {**current, k: current[k] - 1}
                if trial[k] >= 1 and evaluate(trial)["feasible"]:
                    current, improved = trial, True
                    break
        best = current
    table = pd.DataFrame(list(seen.values()))
    table["chosen"] = [best is not None and all(row[k] == best[k] for k in keys)
                       for row in seen.values()]
    table = table.sort_values(keys).reset_index(drop=True)
    return StaffingResult(design, keys, start, best, table, requirements,
                          meta={"cost_kpi": cost_kpi, "rough_cut": use_rough_cut})
