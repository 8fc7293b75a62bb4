"""aftersales-sim: a discrete-event simulation of e-commerce after-sales service modes.

The public API (``docs/model.md``)::

    import sim
    scenario = sim.load_scenario("baseline", overrides={"run.replications": 5})
    one = sim.run_once(scenario, design="self_built", replication=0)
    one.kpis["cost_per_case"]
    result = sim.compare(scenario, replications=10)
    result.summary
    sim.kpis()          # every KPI with unit and definition
"""

from __future__ import annotations

from typing import Any

from .config import Scenario, ScenarioError, load_scenario
from .invariants import InvariantError
from .model import RunResult, run_once

__version__ = "0.1.0"

__all__ = [
    "InvariantError", "RunResult", "Scenario", "ScenarioError", "__version__", "compare", "kpis",
    "load_scenario", "run_once", "sweep",
]


def compare(*args: Any, **kwargs: Any):
    """Compare designs with replications; see :func:`sim.experiment.runner.compare`."""
    from .experiment.runner import compare as _compare

    return _compare(*args, **kwargs)


def sweep(*args: Any, **kwargs: Any):
    """Run a parameter sweep; see :func:`sim.experiment.sweep.sweep`."""
    from .experiment.sweep import sweep as _sweep

    return _sweep(*args, **kwargs)


def kpis():
    """Every KPI with its unit and definition, as a pandas table."""
    import pandas as pd

    from .outcomes.kpis import REGISTRY

    return pd.DataFrame([{"kpi": k.name, "unit": k.unit, "definition": k.definition,
                          "nan_when": k.nan_when} for k in REGISTRY.values()])
