"""Case journeys: the stages each case type goes through, routed to the design's providers.

A journey is a generator function ``journey(world, case)`` that ``yield from``-s the stage
services of ``world.stage(...)`` and returns the case's terminal state. :func:`run_case` closes
the case with that state, so every case ends in exactly one terminal state.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Generator

JOURNEYS: dict[str, Callable[..., Generator]] = {}


def journey(*case_types: str) -> Callable:
    """Decorator: register a journey for ``case_types``."""

    def decorate(fn: Callable) -> Callable:
        for case_type in case_types:
            JOURNEYS[case_type] = fn
        return fn

    return decorate


def load_all() -> None:
    """Import every journey module so each registers itself."""
    for info in pkgutil.iter_modules(__path__, __name__ + "."):
        importlib.import_module(info.name)


def run_case(world, case: int) -> Generator:
    """Process of one case: its journey, then its terminal state."""
    world.open_cases += 1
    case_type = world.cases.type_name(case)
    state = yield from JOURNEYS[case_type](world, case)
    world.close(case, state)
