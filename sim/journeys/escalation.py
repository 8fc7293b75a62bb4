"""What happens after a failure: a complaint, perhaps platform intervention, perhaps authorities.

Every journey calls :func:`after_failure` when a case is about to end badly (unresolved,
abandoned or blocked without retry, a statutory deadline missed). With the policy's
``complaint_probability`` the consumer complains; the design's complaint stage handles it
(``handle(case) -> bool``, True when the complaint is resolved in the consumer's favour).
"""

from __future__ import annotations

from collections.abc import Generator


def after_failure(world, case: int, state: str) -> Generator:
    """Maybe raise a complaint for a failed case; returns the case's terminal state.

    Parameters
    ----------
    world : World
        The run.
    case : int
        The failed case.
    state : str
        The terminal state the case has if no complaint puts it right
        (``unresolved``, ``abandoned``, ``blocked``, or ``resolved`` for a late refund).
    """
    policy = world.scenario.policy
    if world.records["complaint"][case]:
        return state  # one complaint per case
    if world.draws.uniform("complaint/raise", case) >= policy.complaint_probability:
        return state
    world.records["complaint"][case] = True
    world.records["complaint_at"][case] = world.env.now
    resolved = yield from world.stage("complaint").handle(case)
    world.records["complaint_closed_at"][case] = world.env.now
    if resolved:
        world.records["recovered"][case] = True
        return "resolved"
    return state
