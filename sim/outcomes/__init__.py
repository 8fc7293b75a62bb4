"""Outcomes: cost ledger summaries, satisfaction, KPIs and the scorecard."""

# Load the KPI registry first, whichever outcomes module is imported: the KPI definitions
# (kpi_access, kpi_money, kpi_resolution, scorecard) then always register in the same order.
from . import kpis  # noqa: F401
