"""Scenario parameters for the report: the scenario's own headline KPIs and the value view.

A scenario asks a question (how long do refunds take while the carrier is down? does the
Double 11 peak drown the phone queue?); ``report.headline`` names the KPIs that answer it, shown
beside the default headline KPIs in the printed table, the report and the figures.

Cost and the service score are two axes of one decision and are always shown side by side.
Only a scenario that states what a scorecard point is worth (``report.price_of_a_point``) gets a
single weighted "value" (``cost_per_case - price_of_a_point x score_total``): the weight is the
user's judgement, so the model never picks one.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import Problem
from .fields import _suggest, number, strings


@dataclass(frozen=True, kw_only=True)
class ReportParams:
    """What the report puts first, and whether it may fold cost and quality into one value."""

    headline: tuple = strings(
        [], doc="KPIs this scenario is about, shown in the headline table, the report and the "
                "figures in addition to the default headline KPIs (names from `sim.kpis()`, "
                "docs/kpis.md).")
    price_of_a_point: float | None = number(
        None, min=0.0, unit="currency",
        doc="What one scorecard point (score_total, 0-100) is worth per case, in the scenario "
            "currency. Only when set, the report adds a weighted value view, cost_per_case - "
            "price_of_a_point x score_total (lower is better); otherwise cost and the service "
            "score stay two separate axes (the weight is the user's judgement, not a finding).")

    def _check(self, key: str) -> list[Problem]:
        if not self.headline:
            return []
        # Imported here (and only when there is something to check: the empty default is built
        # while the schema imports): the KPI registry lives downstream of the scenario schema,
        # and only its names are read.
        from ..outcomes.kpis import REGISTRY

        known = list(REGISTRY)
        problems = []
        for i, name in enumerate(self.headline):
            if name not in REGISTRY:
                problems.append(Problem(f"{key}.headline[{i}]", name,
                                        "a KPI name (see sim.kpis() or docs/kpis.md)"
                                        + _suggest(name, known)))
        seen: set[str] = set()
        for i, name in enumerate(self.headline):
            if name in seen:
                problems.append(Problem(f"{key}.headline[{i}]", name,
                                        "each KPI once (it is listed earlier)"))
            seen.add(name)
        return problems
