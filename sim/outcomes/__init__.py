"""Outcomes: cost ledger summaries, satisfaction, KPIs and the scorecard."""
