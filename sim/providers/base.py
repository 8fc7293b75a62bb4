"""What every provider and overlay shares: the stage contracts and the answer bookkeeping.

A provider serves one stage of a design in one run. It is built with the run's
:class:`~sim.world.World` and its parameter dataclass, may start SimPy processes in
:meth:`Provider.start`, offers the stage's service as generator methods that journeys call with
``yield from``, and books its staffed-time costs in :meth:`Provider.finish`.

Stage contracts are the :class:`typing.Protocol` classes below, one per stage with the
signatures the journeys call (:class:`ContactStage`, :class:`LogisticsStage`,
:class:`FieldStage`, :class:`ComplaintStage`), each extending :class:`StageProvider` (what the
world calls on every provider: start, new parameters, finish, staffed rates, queues, busy
servers).
``tests/test_provider_contract.py`` checks every registered provider against its stage's
Protocol and runs it in a small simulation of a bundled design that uses it, checking the
run's invariants and the records its stage leaves. Overlays wrap a provider of their stage
and satisfy the same Protocol (the chatbot relies on it to hand over its arguments).

Every answered contact (agent, back office, bot, forum peer or an existing thread) goes through
:func:`record_contact` (one more ``contacts`` and :func:`record_answer`), and an answer that
did not settle the question through :func:`record_wrong_answer`, so ``contacts``,
``first_response_at``, ``first_wait_h``, ``answers`` and ``wrong_answers`` mean the same in
every provider; each answer is also found discourteous
with the answerer's ``discourtesy`` probability (``discourteous``), which the scorecard's
"attitude" indicator and the satisfaction model read.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, runtime_checkable

if TYPE_CHECKING:
    from ..world import World


def record_answer(world: World, case: int, wait: float, discourtesy: float = 0.0) -> None:
    """Book one answer to ``case`` now; the first one is the case's first response.

    Parameters
    ----------
    world : World
        The run.
    case : int
        Case index.
    wait : float
        How long the consumer waited for this answer (h): from joining the queue, from the
        forum post, 0 for a bot. Only the first answer's wait is kept (``first_wait_h``).
    discourtesy : float
        Probability that the consumer finds this answer discourteous (the attitude of whoever
        answered: an agent group, the bot, a peer); counted in ``discourteous``.
    """
    rec = world.records
    answers = rec["answers"]
    k = answers[case]
    if discourtesy > 0 and world.draws.uniform("contact/courtesy", case, k) < discourtesy:
        rec.views["discourteous"][case] += 1
    answers[case] = k + 1
    # Only this function books answers and first responses, so the first answer is the one
    # that finds none before it (no NaN test of first_response_at needed).
    if k == 0:
        views = rec.views
        views["first_response_at"][case] = world.env._now
        views["first_wait_h"][case] = wait


def record_contact(world: World, case: int, wait: float, discourtesy: float = 0.0) -> None:
    """Book an answered contact of ``case`` now: one more ``contacts``, and its answer.

    The bookkeeping every contact provider shares (agents, back office, bot, forum peers,
    existing threads): see :func:`record_answer` for ``wait`` and ``discourtesy``.
    """
    world.records["contacts"][case] += 1
    record_answer(world, case, wait, discourtesy)


def record_wrong_answer(world: World, case: int) -> None:
    """Book that the last answer to ``case`` was wrong or did not settle its question."""
    world.records.views["wrong_answers"][case] += 1


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


#: One result per outcome, shared by every provider (a frozen dataclass costs a call per
#: instance, and a result is made per contact stage).
RESULTS: dict[str, ContactResult] = {outcome: ContactResult(outcome) for outcome in
                                     ("resolved", "unresolved", "abandoned", "blocked")}
RESOLVED = RESULTS["resolved"]
UNRESOLVED = RESULTS["unresolved"]


@runtime_checkable
class StageProvider(Protocol):
    """What the world calls on every provider, whatever its stage (see :class:`Provider`)."""

    def start(self) -> None:
        """Start the provider's own processes."""
        ...

    def apply_params(self, params: Any) -> None:
        """Take new parameters now (a scenario event starts or ends)."""
        ...

    def finish(self) -> None:
        """Book staffed-time costs at the end of the run."""
        ...

    def staff_rates(self) -> dict[str, float]:
        """Cost per staffed hour of each ledger component booked with hours."""
        ...

    def queue_lengths(self) -> dict[str, int]:
        """Cases waiting now, by queue."""
        ...

    def busy(self) -> dict[str, tuple[float, float]]:
        """(busy, on duty) servers now, by pool."""
        ...


@runtime_checkable
class ContactStage(StageProvider, Protocol):
    """The contact stage: answer the consumer (agents, bot, forum)."""

    def serve(self, case: int, handle_factor: float = 1.0,
              fcr_override: float | None = None) -> Generator[Any, Any, ContactResult]:
        """Serve ``case`` until resolved or given up; ``handle_factor`` scales human handle
        times (warm hand-over), ``fcr_override`` replaces the first-contact resolution."""
        ...


@runtime_checkable
class LogisticsStage(StageProvider, Protocol):
    """The logistics stage: return parcels in, replacements out."""

    def collect_return(self, case: int, *, seller_pays: bool = True, refund: bool = True,
                       drop_off_delay: float | None = None,
                       on_handover: Callable[[int, float], None] | None = None,
                       after_inspection: float = 0.0) -> Generator[Any, Any, bool]:
        """Collect, carry and inspect the return parcel of ``case``; True when received
        (:data:`~sim.providers.parcels.RECEIVED_AND_WAITED` when it also waited
        ``after_inspection``, the wait that follows the inspection at once)."""
        ...

    def ship_replacement(self, case: int, *, seller_pays: bool = True
                         ) -> Generator[Any, Any, None]:
        """Dispatch and deliver a replacement to ``case``; sets ``replacement_at``."""
        ...


@runtime_checkable
class FieldStage(StageProvider, Protocol):
    """The field-service stage: one visit per call."""

    def visit(self, case: int, kind: str, fail_factor: float = 1.0,
              on_site_factor: float = 1.0) -> Generator[Any, Any, bool]:
        """One ``kind`` visit to ``case``; True when the job was done right."""
        ...

    def covered(self, case: int) -> bool:
        """Whether ``case`` is inside the provider's own service area."""
        ...


@runtime_checkable
class ComplaintStage(StageProvider, Protocol):
    """The complaint stage: platform intervention and perhaps the authorities."""

    def handle(self, case: int) -> Generator[Any, Any, bool]:
        """Handle the complaint of ``case``; True when resolved in the consumer's favour."""
        ...


#: The contract of each stage.
STAGE_CONTRACTS: dict[str, type] = {"contact": ContactStage, "logistics": LogisticsStage,
                                    "field_service": FieldStage, "complaint": ComplaintStage}


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

    def apply_params(self, params: Any) -> None:
        """Take new parameters now (a scenario event starts or ends).

        Providers read ``self.params`` when they use a parameter, so replacing it is enough;
        a provider that derives state from its parameters (a roster's pool) overrides this
        to rebuild that state too.
        """
        self.params = params

    def params_at(self, time: float) -> Any:
        """The parameters in force at ``time`` (for planning ahead, e.g. a later day's
        capacity); ``self.params`` is the parameters now."""
        return self.world.params_at(self, time)

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
