"""Inquiries and pre-sale consultations: one contact stage (answer), then a complaint if it
failed."""

from __future__ import annotations

from collections.abc import Generator

from . import journey
from .escalation import after_failure


@journey("inquiry", "presale")
def inquiry(world, case: int) -> Generator:
    """Contact (answer). Returns the terminal state."""
    result = yield from world.stage("contact").serve(case)
    if result.resolved:
        return "resolved"
    return (yield from after_failure(world, case, result.outcome))
