"""The scenario: frozen dataclasses for every part of a scenario file.

A scenario file has these top-level tables::

    name, description, currency      # plain keys
    [run]          horizon, warm-up, replications, seed, reference design
    [demand]       orders, profiles, promotions, categories, channels (sim.config.demand)
    [policy]       return/refund/repair/escalation rules (sim.config.policy)
    [satisfaction] CSAT and repurchase coefficients (sim.config.outcomes)
    [scorecard]    the report's three-layer evaluation (sim.config.outcomes)
    [report]       the scenario's headline KPIs, price of a score point (sim.config.report)
    [[events]]     time-windowed changes of numeric parameters (sim.config.events)
    [designs.NAME] one table per design: a provider for every stage, overlays

Each design table names a provider for each stage (``contact``, ``logistics``,
``field_service``, ``complaint``); the provider's own parameter dataclass, found through the
registry, checks the rest of the stage table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..providers import registry
from .demand import Demand
from .errors import MISSING, UNSHOWN, Problem, ScenarioError  # noqa: F401
from .events import Event
from .factors import uncertainty_field
from .fields import _suggest, build, choice, dump, flag, items, mapping, number, table, text
from .fields import duration as duration_field
from .outcomes import SatisfactionParams, ScorecardParams
from .policy import Policy
from .report import ReportParams
from .vocab import STAGES

#: Default indifference zones (assumption: the smallest gap a service manager acts on).
DEFAULT_INDIFFERENCE: dict[str, float] = {
    "score_total": 1.0, "cost_per_case": 0.5, "csat_mean": 0.05,
    "resolution_time_mean_h": 2.0, "refund_time_mean_h": 2.0, "first_response_mean_min": 0.5,
    "sla_attainment": 0.01, "statutory_compliance": 0.01,
    "score_presale": 2.0, "score_insale": 2.0, "score_aftersale": 2.0,
}


@dataclass(frozen=True, kw_only=True)
class Run:
    """How long to simulate and how to replicate."""

    horizon: float = duration_field("28d", positive=True,
                                    doc="Cases are created during [0, horizon).")
    warmup: float = duration_field("0h", doc="Cases created before this load the system but are "
                                             "left out of KPIs (steady-state scenarios, or a "
                                             "terminating run that starts with an empty "
                                             "pipeline); fixed costs are pro-rated.")
    drain: float = duration_field("60d", doc="After the horizon, open cases may finish for this "
                                             "long; those still open are 'censored'.")
    kind: str = choice("terminating", options=("terminating", "steady_state"),
                       doc="Terminating runs need no warm-up; steady-state runs delete one.")
    replications: int = number(10, integer=True, min=1, max=100_000,
                               doc="Default replications per design (at most 100,000; the "
                                   "run is also refused when cases x replications would not "
                                   "fit in memory).")
    seed: int = number(20251111, integer=True, min=0, max=2**63 - 1, doc="Master seed.")
    reference_design: str | None = text(None, doc="Design the others are compared with "
                                                  "(default: the first).")
    keep_cases: bool = flag(False, doc="Write the per-case table (cases.csv) with the results "
                                       "(as --keep-cases does).")
    indifference: dict = mapping(
        number(min=0.0, doc=""), default={},
        doc="Indifference zone per KPI, in the KPI's unit: designs whose means are within it "
            "of the best are reported as practically tied. Entries here are added to (or "
            "replace) the defaults: score_total 1 point, score_<layer> 2 points, cost_per_case "
            "0.5, csat_mean 0.05, resolution_time_mean_h 2 h, refund_time_mean_h 2 h, "
            "first_response_mean_min 0.5 min, sla_attainment and statutory_compliance 0.01 "
            "(assumptions: the smallest differences a service manager would act on).")

    def _check(self, key: str) -> list[Problem]:
        prefix = f"{key}." if key else ""
        if self.warmup >= self.horizon:
            from .units import format_duration

            return [Problem(f"{prefix}warmup", format_duration(self.warmup),
                            f"shorter than run.horizon ({format_duration(self.horizon)}): "
                            "cases created during the warm-up are left out of every KPI")]
        return []

    def indifference_zones(self) -> dict[str, float]:
        """The indifference zone of every KPI that has one (defaults, then the file's)."""
        return {**DEFAULT_INDIFFERENCE, **self.indifference}


@dataclass(frozen=True)
class StageAssignment:
    """The provider that serves one stage of a design, with its parameters."""

    provider: str
    params: Any


@dataclass(frozen=True)
class OverlayAssignment:
    """An overlay attached to a design (chatbot, smart diagnosis, ...)."""

    name: str
    params: Any


@dataclass(frozen=True)
class Design:
    """A way of running after-sales: one provider per stage, plus overlays."""

    name: str
    label: str
    stages: dict[str, StageAssignment]
    overlays: dict[str, OverlayAssignment] = field(default_factory=dict)
    description: str = ""

    def has(self, stage: str) -> bool:
        """Whether the design assigns a provider to ``stage``."""
        return stage in self.stages

    def provider(self, stage: str) -> str:
        """Name of the archetype serving ``stage``."""
        return self.stages[stage].provider


def parse_design(name: str, raw: Any, key: str) -> Design:
    """Build a :class:`Design` from its (already ``extends``-resolved) table."""
    registry.load_all()
    if not isinstance(raw, dict):
        raise ScenarioError.at(key, raw, "a table with a provider for each stage")
    known = set(STAGES) | {"label", "description", "overlays", "extends"}
    problems = [Problem(f"{key}.{k}", UNSHOWN, "unknown key in a design" + _suggest(k, list(known))
                        + "; known: " + ", ".join(sorted(known)))
                for k in raw if k not in known]
    stages: dict[str, StageAssignment] = {}
    for stage in STAGES:
        sub = f"{key}.{stage}"
        if stage not in raw:
            continue  # whether the stage is needed depends on demand: see stages_needed()
        table_raw = raw[stage]
        if not isinstance(table_raw, dict) or "provider" not in table_raw:
            problems.append(Problem(f"{sub}.provider", MISSING,
                                    "one of " + ", ".join(registry.providers_for(stage))))
            continue
        provider = table_raw["provider"]
        entry = registry.PROVIDERS.get((provider, stage)) if isinstance(provider, str) else None
        if entry is None:
            can = registry.stages_of(provider) if isinstance(provider, str) else []
            why = (f"{provider!r} cannot serve {stage} (it serves {', '.join(can)}); "
                   if can else "")
            problems.append(Problem(f"{sub}.provider", provider,
                                    why + "one of " + ", ".join(registry.providers_for(stage))))
            continue
        params_raw = {k: v for k, v in table_raw.items() if k != "provider"}
        try:
            stages[stage] = StageAssignment(provider, build(entry.params, params_raw, sub))
        except ScenarioError as err:
            problems.extend(err.problems)
    overlays: dict[str, OverlayAssignment] = {}
    overlays_raw = raw.get("overlays") or {}
    if not isinstance(overlays_raw, dict):
        problems.append(Problem(f"{key}.overlays", overlays_raw,
                                "a table of overlays: " + ", ".join(sorted(registry.OVERLAYS))))
        overlays_raw = {}
    for oname, oraw in overlays_raw.items():
        sub = f"{key}.overlays.{oname}"
        entry = registry.OVERLAYS.get(oname)
        if entry is None:
            problems.append(Problem(sub, oraw, "an overlay: one of "
                                    + ", ".join(sorted(registry.OVERLAYS))
                                    + _suggest(oname, list(registry.OVERLAYS))))
            continue
        try:
            overlays[oname] = OverlayAssignment(oname, build(entry.params, oraw, sub))
        except ScenarioError as err:
            problems.extend(err.problems)
    for k in ("label", "description"):
        if k in raw and not isinstance(raw[k], str):
            problems.append(Problem(f"{key}.{k}", raw[k], "a string"))
    if problems:
        raise ScenarioError(problems)
    return Design(name=name, label=raw.get("label", name), stages=stages, overlays=overlays,
                  description=raw.get("description", ""))


def dump_design(design: Design) -> dict[str, Any]:
    """Write a design back as a raw table."""
    out: dict[str, Any] = {"label": design.label}
    if design.description:
        out["description"] = design.description
    for stage, assignment in design.stages.items():
        out[stage] = {"provider": assignment.provider, **dump(assignment.params)}
    if design.overlays:
        out["overlays"] = {n: dump(o.params) for n, o in design.overlays.items()}
    return out


@dataclass(frozen=True, kw_only=True)
class Scenario:
    """A whole scenario: run settings, demand, policy, outcome parameters and designs."""

    name: str = text(doc="Scenario name (used for the results folder).")
    description: str = text("", doc="What the scenario is for.")
    currency: str = text("CNY", doc="Currency of every amount of money in the file.")
    run: Run = table(Run, default={}, doc="Run length and replications.")
    demand: Demand = table(Demand, doc="Where cases come from.")
    policy: Policy = table(Policy, default={}, doc="Return, refund, repair, escalation rules.")
    satisfaction: SatisfactionParams = table(SatisfactionParams, default={},
                                             doc="CSAT and repurchase model.")
    scorecard: ScorecardParams = table(ScorecardParams, default={},
                                       doc="The report's three-layer scorecard.")
    report: ReportParams = table(ReportParams, default={},
                                 doc="The scenario's headline KPIs and the optional value view.")
    uncertainty: tuple | None = uncertainty_field()
    events: tuple = items(Event, default=[], doc=(
        "Time-windowed changes of numeric parameters (outages, absences, surges): a key under "
        "designs.<design>.<stage>, designs.<design>.overlays.<overlay> or policy (* = every "
        "design, entry or item), scale or value, start and end (or length) inside "
        "[0, run.horizon]; overlapping events on a key apply in file order; the parameter is "
        "the scenario's again when the window ends (docs/model.md, Scenario events)."))
    designs: dict = field(default_factory=dict, metadata={
        "parse": None, "dump": None, "doc": "Designs to compare, by name.", "kind": "designs",
        "allowed": "a table of designs", "unit": ""})

    def design(self, name: str | None = None) -> Design:
        """The design called ``name``; the only one when ``name`` is None and there is one."""
        if name is None:
            if len(self.designs) != 1:
                raise ScenarioError.at("design", None, "a design name, one of "
                                       + ", ".join(self.designs))
            return next(iter(self.designs.values()))
        if name not in self.designs:
            raise ScenarioError.at("design", name, "one of " + ", ".join(self.designs)
                                   + _suggest(name, list(self.designs)))
        return self.designs[name]

    def stages_needed(self) -> list[str]:
        """Stages some case of this scenario can reach.

        Contact always; logistics for returns and exchanges, and for repairs (the three
        guarantees can end a repair in an exchange); field service for repairs, installations
        and maintenance; the complaint stage when complaints are raised directly or by failures.
        """
        raised = self.demand.case_types_raised()
        needed = ["contact"]
        if raised & {"return_refund", "exchange", "repair"}:
            needed.append("logistics")
        if raised & {"repair", "installation", "maintenance"}:
            needed.append("field_service")
        if "complaint" in raised or self.policy.complaint_probability > 0:
            needed.append("complaint")
        return needed

    @property
    def reference(self) -> str:
        """Name of the reference design."""
        return self.run.reference_design or next(iter(self.designs))
