"""Inquiries: one contact stage (answer), nothing after it."""

from __future__ import annotations

from collections.abc import Generator

from . import journey


@journey("inquiry")
def inquiry(world, case: int) -> Generator:
    """Contact (answer). Returns the terminal state."""
    result = yield from world.stage("contact").serve(case)
    return result.outcome
