"""Field-service journeys: repairs (with the three-guarantees rule), installations, maintenance.

Repair: contact (diagnosis) → field visit; a visit that does not fix the fault is followed by a
revisit, until ``policy.failed_repairs_before_exchange`` visits have failed. Then the "three
guarantees" (三包, docs/sources.md §4.1) give the consumer a remedy: a **return** when the
fault was reported within ``policy.repair_return_within`` of delivery, an **exchange**
otherwise. A fault reported early gives the consumer that remedy at once, instead of a repair:
a return within ``repair_return_within``, an exchange within ``repair_exchange_within``; a share
``policy.early_remedy_choice`` of the consumers so entitled take it. The remedy is granted by
the rule, so it needs no new contact
(``request_contact=False``). The case records ``statutory_applicable`` when the rule is
reached and clears ``statutory_met`` if the remedy does not end resolved.

Installation and maintenance: contact (booking) → scheduled visit; a visit that is not done
right is repeated, up to the same number of failed visits as repairs, after which the case is
left unresolved. ``field_sla_met`` records whether the job was done within ``policy.field_sla``
of the first booking (False when never done).
"""

from __future__ import annotations

from collections.abc import Generator

from . import journey
from .escalation import after_failure


def _sla_met(world, case: int) -> None:
    rec = world.records
    met = rec.add("field_sla_met", "?", False,
                  "field job done right within policy.field_sla of the first booking")
    done, booked = rec["service_done_at"][case], rec["booked_at"][case]
    met[case] = bool(done - booked <= world.scenario.policy.field_sla)  # NaN -> False


def _visits_until_done(world, case: int, kind: str) -> Generator:
    """Visit until the job is done right or the policy's failed visits are used up."""
    field = world.stage("field_service")
    limit = world.scenario.policy.failed_repairs_before_exchange
    for _ in range(limit):
        if (yield from field.visit(case, kind)):
            return True
    return False


@journey("repair")
def repair(world, case: int) -> Generator:
    """Diagnosis contact, visits, and the three-guarantees remedy. Returns the terminal state."""
    result = yield from world.stage("contact").serve(case)
    if not result.resolved:
        return (yield from after_failure(world, case, result.outcome))
    policy = world.scenario.policy
    if (_reported_after(world, case) <= policy.repair_exchange_within
            and world.draws.uniform("repair/early_remedy", case) < policy.early_remedy_choice):
        return (yield from three_guarantees(world, case))
    fixed = yield from _visits_until_done(world, case, "repair")
    _sla_met(world, case)
    if fixed:
        return "resolved"
    return (yield from three_guarantees(world, case))


def _reported_after(world, case: int) -> float:
    """Time from delivery to the fault report (NaN when demand knows no delivery)."""
    return float(world.cases.created[case] - world.cases.delivered_at[case])


def three_guarantees(world, case: int) -> Generator:
    """Exchange or return under the three guarantees (三包): after repeated failed repairs, or
    at once for an early fault. Returns the terminal state."""
    from .returns import return_goods  # written in parallel; imported when first needed

    rec, policy = world.records, world.scenario.policy
    rec["statutory_applicable"][case] = True
    # NaN (no delivery known, e.g. Poisson demand) compares False: exchange.
    exchange = not _reported_after(world, case) <= policy.repair_return_within
    state = yield from return_goods(world, case, exchange=exchange, request_contact=False)
    if state != "resolved":
        rec["statutory_met"][case] = False
    return state


@journey("installation", "maintenance")
def scheduled_visit(world, case: int) -> Generator:
    """Booking contact, then the scheduled visit(s). Returns the terminal state."""
    result = yield from world.stage("contact").serve(case)
    if not result.resolved:
        return (yield from after_failure(world, case, result.outcome))
    done = yield from _visits_until_done(world, case, world.cases.type_name(case))
    _sla_met(world, case)
    if done:
        return "resolved"
    return (yield from after_failure(world, case, "unresolved"))
