"""Staffing optimisation: the cheapest head counts that meet the service targets.

Targets (:mod:`sim.experiment.staffing_targets`) are KPI requirements met on the mean over
replications (``"queued_share<=0.2"``, ``"statutory_compliance>=0.99"``) or service levels,
``"service_level(chat,45s)>=0.8"`` on the run mean or ``... per hour``: in every hour of the
week with enough contacts. The decision variables are integer head-count keys: by default
every in-house contact group of the design staffed around the clock
(``designs.D.contact.groups.G.agents``), else every shift block of its agent groups
(``designs.D.contact.groups.G.shifts.1.agents``); any other integer key with ``keys=`` —
technicians, complaint specialists.

1. **Rough cut** (:mod:`sim.theory`): for a stationary Poisson scenario with one staffed
   group, Erlang C gives the smallest head count for a waiting-probability target
   (``queued_share``), a percentile target (``first_response_pXX_min``: service level
   ``P(Wq <= t) >= XX%``), a service level or a mean-wait target. Groups that work shifts are
   optimised per shift block, started from the per-hour Erlang C rough cut of the design's
   offered load (:mod:`sim.experiment.rough_cut`) laid onto the blocks
   (:mod:`sim.experiment.shift_blocks`). Any other key starts at its current head count.
2. **Refinement by simulation** with common random numbers (every candidate sees the same
   replications, :mod:`sim.experiment.staffing_runs`): while a target fails, add one to the
   variable that most reduces the total shortfall — when only per-hour targets fail, only
   variables whose group answers that channel and whose shift block covers a failing hour are
   tried (a per-hour target's shortfall is the sum over judged hours of
   ``(target - share) / target``); then remove one from each variable, the dearest first,
   keeping a removal only if every target still holds (every judged hour, for a per-hour one).

The search decides on point estimates. The answer's **confidence** says how sure the runs make
us that the chosen staffing truly meets every target
(:func:`~sim.experiment.staffing_targets.answer_confidence`): the share of replications
meeting every run-mean target, times, per per-hour target, the product over its judged hours
of ``P(hour meets) = F_t(R-1)((p_h - target) / se_h)``, ``se_h`` the ratio estimator's
standard error of the hour's pooled share between replications
(:func:`sim.outcomes.service_level.hour_intervals`), hours taken as independent. With one
replication and a per-hour target it is NaN, and ``confidence_note`` says why.
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
from ..outcomes.service_level import hour_label
from .staffing_runs import simulate
from .staffing_targets import Requirement, ServiceLevelTarget, answer_confidence, parse_requirement

__all__ = ["Requirement", "ServiceLevelTarget", "StaffingResult", "optimise",
           "parse_requirement", "rough_cut", "staffing_keys"]


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
        if req.hourly is not None:          # service level: the same at every hour here
            if req.channel == stream.channel:
                counts.append(staffing_for_service_level(lam, mu, min(req.value, 0.999),
                                                         req.within_h))
            continue
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
    """Per design: the chosen head counts, every candidate evaluated, and for each per-hour
    target the table of every hour at the chosen staffing (at the last candidate tried when
    none met the targets)."""

    design: str
    keys: list[str]
    start: dict[str, int]
    best: dict[str, int] | None
    candidates: pd.DataFrame
    requirements: list
    meta: dict[str, Any] = field(default_factory=dict)
    hours: dict[str, pd.DataFrame] = field(default_factory=dict)
    notes: dict[tuple, str] = field(default_factory=dict)   # head counts -> confidence note

    @property
    def confidence(self) -> float:
        """How sure the runs make us that the chosen staffing meets every target (module
        docstring); NaN when no staffing met them or it cannot be measured
        (:attr:`confidence_note`)."""
        if self.best is None:
            return math.nan
        row = self.candidates[self.candidates["chosen"]]
        return float(row["confidence"].iloc[0])

    @property
    def confidence_note(self) -> str:
        """Why :attr:`confidence` is NaN ("" when it is a number)."""
        if self.best is None:
            return "no staffing tried met the targets"
        return self.notes.get(tuple(self.best[k] for k in self.keys), "")

    def worst_hours(self, n: int = 5) -> pd.DataFrame:
        """The ``n`` judged hours with the lowest share answered in time, per per-hour target:
        ``target, hour_of_week, hour, share, low, high`` (95% interval), ``contacts``,
        ``met`` (the point estimate reaches the target: what the search decided on),
        ``status`` (met / missed / too close to call, by the interval) and ``p_meets``."""
        columns = ["target", "hour_of_week", "hour", "share", "low", "high", "contacts",
                   "met", "status", "p_meets"]
        rows = []
        for target, table in self.hours.items():
            judged = table[table["judged"]].sort_values(["share", "hour_of_week"]).head(n)
            rows += [{"target": target, "hour_of_week": int(h.hour_of_week),
                      "hour": hour_label(h.hour_of_week), "share": float(h.share),
                      "low": float(h.low), "high": float(h.high), "contacts": int(h.contacts),
                      "met": bool(h.met), "status": h.status, "p_meets": float(h.p_meets)}
                     for h in judged.itertuples()]
        return pd.DataFrame(rows, columns=columns)

    def unjudged(self) -> dict[str, tuple[int, int]]:
        """Per per-hour target: (hours with some contacts but too few to judge, their
        contacts in all)."""
        out = {}
        for target, table in self.hours.items():
            few = table[(table["contacts"] > 0) & ~table["judged"]]
            out[target] = (len(few), int(few["contacts"].sum()))
        return out


def _keys_to_grow(keys: list[str], cover: dict, requirements, verdicts) -> list[str]:
    """Variables worth one more: when only per-hour targets fail, those whose group answers
    the failing channel and whose block covers a failing hour (every key if none does)."""
    failing = [(req, v) for req, v in zip(requirements, verdicts, strict=True) if not v.met]
    if not failing or any(v.failing_hours is None for _, v in failing):
        return keys
    hours = set().union(*(set(v.failing_hours.tolist()) for _, v in failing))
    channels = {req.channel for req, _ in failing}
    picked = [k for k in keys if k in cover and cover[k][0] & hours and cover[k][1] & channels]
    return picked or keys


def _cannot_judge(req, verdict) -> ScenarioError:
    """A service-level target the runs cannot judge: no contacts (in any hour) to judge it on;
    adding agents would not change that, so stop instead of searching."""
    if verdict.hours is None:
        return ScenarioError.at("--require", str(req), f"a channel the design's runs have "
                                f"contacts on (none answered or queued on {req.channel})")
    most = int(verdict.hours["contacts"].max())
    return ScenarioError.at("--require", str(req), f"a channel with at least "
                            f"{req.min_contacts} contacts in some hour of the week (the most in "
                            f"an hour: {most}): lengthen run.horizon, add --replications or "
                            f"lower --min-hour-contacts")


class Evaluator:
    """Simulates staffing candidates (once each) and judges them against the targets.

    ``row(config)`` is the candidate's row of :attr:`StaffingResult.candidates` (head counts,
    ``cost``, each target's value, ``feasible``, ``confidence``, ``shortfall``);
    ``verdicts[sig]`` its :class:`~sim.experiment.staffing_targets.Judgement` per target and
    ``notes[sig]`` why its confidence is NaN, when it is.
    """

    def __init__(self, raw, design, keys, requirements, cost_kpi="total_cost",
                 replications=1, seed=0, executor=None, progress=None, check=None):
        self.raw, self.design, self.keys = raw, design, list(keys)
        self.requirements, self.cost_kpi = list(requirements), cost_kpi
        self.options = (replications, seed, executor, progress, check)
        self.outputs = sorted({cost_kpi, *(r.kpi for r in requirements if r.hourly is None)})
        self.hourly = sorted({r.hourly for r in requirements if r.hourly is not None})
        self.seen: dict[tuple, dict] = {}
        self.verdicts: dict[tuple, list] = {}
        self.notes: dict[tuple, str] = {}

    def row(self, config: Mapping[str, int]) -> dict:
        """Simulate ``config`` (dotted key -> head count) unless done, and return its row."""
        sig = tuple(config[k] for k in self.keys)
        if sig not in self.seen:
            runs = simulate(self.raw, self.design, config, self.outputs, self.hourly,
                            *self.options)
            judged = [r.judge(runs) for r in self.requirements]
            for req, v in zip(self.requirements, judged, strict=True):
                if req.hourly is not None and not np.isfinite(v.value):
                    raise _cannot_judge(req, v)
            row = {**config, "cost": float(np.mean([r.kpis[self.cost_kpi] for r in runs]))}
            row.update({str(q): v.value for q, v in zip(self.requirements, judged, strict=True)})
            row["feasible"] = all(v.met for v in judged)
            row["confidence"], self.notes[sig] = answer_confidence(self.requirements, judged)
            row["shortfall"] = float(sum(v.shortfall for v in judged))
            self.seen[sig], self.verdicts[sig] = row, judged
        return self.seen[sig]

    def hours(self, config: Mapping[str, int]) -> dict[str, pd.DataFrame]:
        """Every hour's table of each per-hour target at ``config`` (simulated before)."""
        judged = self.verdicts[tuple(config[k] for k in self.keys)]
        return {str(q): v.hours for q, v in zip(self.requirements, judged, strict=True)
                if v.hours is not None}


def optimise(raw: Mapping[str, Any], design: str, requirements: list, keys: list[str] | None = None,
             cost_kpi: str = "total_cost", replications: int | None = None,
             seed: int | None = None, executor: cf.Executor | None = None, max_steps: int = 40,
             use_rough_cut: bool = True, progress: bool | None = None,
             check: bool | None = None) -> StaffingResult:
    """Find the cheapest staffing of ``design`` meeting every requirement (module docstring).

    ``start`` in the result is where the search began; ``candidates`` has one row per
    staffing simulated: the head counts, ``cost`` (mean ``cost_kpi``), each target's value
    (a per-hour target's: its worst judged hour), ``feasible``, ``confidence`` (module
    docstring), ``shortfall`` and ``chosen``.
    """
    from .shift_blocks import coverage

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
    replications = replications or scenario.run.replications
    seed = scenario.run.seed if seed is None else seed
    cover = coverage(scenario, design, keys)
    evaluator = Evaluator(raw, design, keys, requirements, cost_kpi, replications, seed,
                          executor, progress, check)
    evaluate, verdicts = evaluator.row, evaluator.verdicts

    def sig_of(config):
        return tuple(config[k] for k in keys)

    current = dict(start)
    for _ in range(max_steps):
        if evaluate(current)["feasible"]:
            break
        grow = _keys_to_grow(keys, cover, requirements, verdicts[sig_of(current)])
        trials = [{**current, k: current[k] + 1} for k in grow]
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
    table = pd.DataFrame(list(evaluator.seen.values()))
    table["chosen"] = [best is not None and all(row[k] == best[k] for k in keys)
                       for row in evaluator.seen.values()]
    table = table.sort_values(keys).reset_index(drop=True)
    hours = evaluator.hours(current)
    return StaffingResult(design, keys, start, best, table, requirements,
                          meta={"cost_kpi": cost_kpi, "rough_cut": use_rough_cut,
                                "replications": replications, "seed": seed},
                          hours=hours, notes=evaluator.notes)
