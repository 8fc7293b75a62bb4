"""Direct complaints: the consumer contacts the platform, then the complaint stage handles it.

The contact lodges the complaint (whatever its outcome: a consumer who cannot reach an agent
still files through the dispute page), then the design's complaint stage decides it. A direct
complaint raises no second complaint when it fails: it is the complaint.
"""

from __future__ import annotations

from collections.abc import Generator

from . import journey


@journey("complaint")
def complaint(world, case: int) -> Generator:
    """Contact, then the complaint stage. Returns ``resolved`` or ``unresolved``."""
    yield from world.stage("contact").serve(case)
    rec = world.records
    rec["complaint"][case] = True
    rec["complaint_at"][case] = world.env.now
    favour = yield from world.stage("complaint").handle(case)
    rec["complaint_closed_at"][case] = world.env.now
    if favour:
        rec["recovered"][case] = True  # as after_failure: the complaint put the case right
        return "resolved"
    return "unresolved"
