"""What the teaching notebooks share: fast mode, scenario loading and a stopwatch.

The notebooks in ``notebooks/`` are clients of :mod:`sim`; the little logic they need beyond
the public API lives in this package so that it is tested headless and the notebooks stay
short:

- :mod:`~sim.teaching.journey`: one case's journey, step by step, from the per-case tables;
- :mod:`~sim.teaching.tradeoffs`: the function behind notebook 02's sliders, and a serial
  executor that reports progress;
- :mod:`~sim.teaching.panel`: the ipywidgets panel around it (optional extra ``widgets``);
- :mod:`~sim.teaching.checks`: notebook 05's checks (intervals by replications, common random
  numbers against independent seeds, Little's law, the warm-up series).

**Fast mode.** With the environment variable ``AFTERSALES_FAST=1`` (``make test`` sets it),
:func:`load` shrinks every scenario by :data:`FAST_RUN` (one measured day after one day of
warm-up, a shorter order history and fewer orders a day, unless a notebook passes its own)
and :func:`replications` caps the replications at :data:`FAST_REPLICATIONS`, so each
notebook runs in seconds. The code is the same in both
modes; only the amount of simulation changes, so the numbers (not the steps) differ: with
fewer orders a day, fixed staffing costs weigh more per case.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from typing import Any

from ..config import ScenarioError, load_scenario
from ..config.schema import Scenario

#: The environment variable that switches fast mode on.
FAST_ENV = "AFTERSALES_FAST"
#: Overrides of every scenario in fast mode (unless a notebook passes its own).
FAST_RUN: dict[str, Any] = {"run.horizon": "2d", "run.warmup": "1d", "demand.history": "7d",
                            "demand.orders_per_day": 300}
#: Most replications per design in fast mode.
FAST_REPLICATIONS = 2
_ON, _OFF = ("1", "true", "yes", "on"), ("", "0", "false", "no", "off")


def fast_mode() -> bool:
    """Whether fast mode is on (``AFTERSALES_FAST`` is ``1``, ``true``, ``yes`` or ``on``).

    Raises
    ------
    ScenarioError
        When the variable holds anything else, naming it and the allowed values.
    """
    value = os.environ.get(FAST_ENV, "").strip().lower()
    if value in _ON:
        return True
    if value in _OFF:
        return False
    raise ScenarioError.at(FAST_ENV, os.environ[FAST_ENV],
                           "1, true, yes or on (fast mode); 0, false, no, off or unset (full)")


def replications(full: int) -> int:
    """``full`` replications, or at most :data:`FAST_REPLICATIONS` in fast mode."""
    if full < 1:
        raise ScenarioError.at("replications", full, "a whole number >= 1")
    return min(full, FAST_REPLICATIONS) if fast_mode() else int(full)


def scale(full: Any, fast: Any) -> Any:
    """``fast`` in fast mode, else ``full`` (a horizon, a number of worlds, ...)."""
    return fast if fast_mode() else full


def read(name: str) -> dict[str, Any]:
    """The raw tables of a bundled scenario with every design's ``extends`` resolved.

    An override then reaches exactly the design it names (as on the dashboard), and any shift
    of any design can be addressed by index.
    """
    from ..dashboard.source import read_bundled

    return read_bundled(name)


def raw(name: str | Mapping[str, Any], overrides: Mapping[str, Any] | None = None,
        fast: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Raw tables with ``overrides`` (and fast mode's, see :func:`load`) applied.

    For the functions that take raw tables (:func:`sim.experiment.breakeven.breakeven`,
    :func:`~sim.experiment.robust.robust`, :func:`~sim.experiment.staffing.optimise`).
    """
    from ..config.loader import apply_overrides

    tables = read(name) if isinstance(name, str) else dict(name)
    extra = dict(FAST_RUN if fast is None else fast) if fast_mode() else {}
    return apply_overrides(tables, {**(overrides or {}), **extra})


def load(name: str | Mapping[str, Any], overrides: Mapping[str, Any] | None = None,
         fast: Mapping[str, Any] | None = None) -> Scenario:
    """Load a scenario (bundled name or raw tables) with ``overrides``, shortened in fast mode.

    Parameters
    ----------
    name : str or mapping
        A bundled scenario name (its designs resolved, see :func:`read`) or raw tables.
    overrides : mapping, optional
        Dotted keys and values, as for :func:`sim.load_scenario`.
    fast : mapping, optional
        The overrides fast mode adds (default :data:`FAST_RUN`); ignored in full mode.
    """
    raw = read(name) if isinstance(name, str) else dict(name)
    extra = dict(FAST_RUN if fast is None else fast) if fast_mode() else {}
    return load_scenario(raw, overrides={**(overrides or {}), **extra})


def mode_line() -> str:
    """One line saying which mode is on and what it changes."""
    if fast_mode():
        keys = ", ".join(f"{k} = {v}" for k, v in FAST_RUN.items())
        return (f"fast mode ({FAST_ENV}=1): at most {FAST_REPLICATIONS} replications per "
                f"design and short runs ({keys}, unless a cell says otherwise); the numbers "
                "are a smoke test, not an answer")
    return f"full mode: the scenarios' own horizons ({FAST_ENV}=1 would shorten them)"


class Stopwatch:
    """Wall time since it was made; ``str()`` reads it out."""

    def __init__(self) -> None:
        self.started = time.perf_counter()

    @property
    def seconds(self) -> float:
        """Seconds since start."""
        return time.perf_counter() - self.started

    def __str__(self) -> str:
        return f"this notebook ran for {self.seconds:.1f} s ({mode_line()})"


__all__ = ["FAST_ENV", "FAST_REPLICATIONS", "FAST_RUN", "Stopwatch", "fast_mode", "load",
           "mode_line", "raw", "read", "replications", "scale"]
