"""Scenario schema, loading, units, overrides and validation."""

from .distributions import Dist
from .errors import Problem, ScenarioError
from .loader import bundled_scenarios, load_scenario, parse_override
from .schema import Design, Scenario
from .units import DAY, HOUR, MINUTE, SECOND, format_duration, parse_duration

__all__ = [
    "DAY", "HOUR", "MINUTE", "SECOND", "Design", "Dist", "Problem", "Scenario", "ScenarioError",
    "bundled_scenarios", "format_duration", "load_scenario", "parse_duration", "parse_override",
]
