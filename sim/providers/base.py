"""What every provider and overlay shares.

A provider serves one stage of a design in one run. It is built with the run's
:class:`~sim.world.World` and its parameter dataclass, may start SimPy processes in
:meth:`Provider.start`, offers the stage's service as generator methods that journeys call with
``yield from``, and books its staffed-time costs in :meth:`Provider.finish`.

Stage contracts (the methods a provider of each stage offers):

- ``contact``: ``serve(case) -> ContactResult``
- ``logistics``: ``collect_return(case) -> bool`` (goods received), ``ship_replacement(case)``
- ``field_service``: ``visit(case, kind) -> bool`` (fixed / done)
- ``complaint``: ``handle(case) -> bool`` (resolved in the consumer's favour)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from ..world import World


@dataclass(frozen=True)
class ContactResult:
    """How a contact stage ended for a case.

    ``outcome`` is ``resolved`` (the contact stage did what was asked), ``unresolved``
    (answered, but the consumer gave up after repeated contacts), ``abandoned`` or ``blocked``
    (never answered, no more retries).
    """

    outcome: str

    @property
    def resolved(self) -> bool:
        """Whether the contact stage succeeded."""
        return self.outcome == "resolved"


class Provider:
    """Base class of providers and overlays."""

    stage: ClassVar[str] = ""

    def __init__(self, world: World, params: Any, name: str):
        self.world = world
        self.env = world.env
        self.params = params
        self.name = name

    def start(self) -> None:
        """Start the provider's own processes (rosters, dispatchers)."""

    def finish(self) -> None:
        """Book costs that belong to staffed time rather than to a case."""

    def staff_rates(self) -> dict[str, float]:
        """Cost per staffed hour of each ledger component this provider books with hours."""
        return {}

    def queue_lengths(self) -> dict[str, int]:
        """Cases waiting at this provider now, by queue name (for the backlog monitor)."""
        return {}

    def busy(self) -> dict[str, tuple[float, float]]:
        """(busy servers, servers on duty) now, by pool name (for utilisation)."""
        return {}


class Overlay(Provider):
    """A provider that wraps the stage provider of a design (decorator)."""

    def __init__(self, world: World, params: Any, name: str, inner: Provider):
        super().__init__(world, params, name)
        self.inner = inner

    def __getattr__(self, attr: str) -> Any:
        # Anything the overlay does not change is the wrapped provider's.
        return getattr(self.inner, attr)
