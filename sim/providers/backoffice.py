"""A back-office ticket queue worked in business hours (the community's escalations).

Threads that the forum could not settle (no peer answer before the fall-back, or a wrong peer
answer the consumer noticed) become **tickets**. Tickets queue first come, first served for a
back-office group on a business-hours roster (default 09:00-18:00 every day: JD's business
hours for dispute evidence, sources.md §3.8); a ticket raised at night waits for the morning
shift, never for a night agent of the live queue. One ticket is one contact: its wait, its
handle time (the staff centre's ``ticket`` handle time for the case type), its cost per contact
and the group's first-contact resolution. A ticket that does not resolve is followed by another
after the staff centre's ``repeat_delay``, up to its ``max_contacts``.

The group's floor hours are booked as fixed cost, like any agent group's.
"""

from __future__ import annotations

from collections.abc import Generator

from ..config.fields import build
from .base import RESOLVED, UNRESOLVED, record_contact, record_wrong_answer
from .in_house.contact_params import AgentGroup
from .in_house.roster import RosteredPool
from .staffing import book_roster

#: Default back-office roster: one agent 09:00-18:00 every day (sources.md §3.8, JDR business
#: hours; the headcount is an assumption).
BUSINESS_HOURS = build(AgentGroup, {"channels": ["ticket"],
                                    "shifts": [{"start": 9, "end": 18, "agents": 1}]}, "")


class BackOffice:
    """The back-office ticket queue of one provider.

    Parameters
    ----------
    provider : Provider
        The provider the back office belongs to (its world, and ``params.staff`` for handle
        times, repeat behaviour and the cost per contact).
    group : AgentGroup
        The back-office roster, FCR and wages.
    name : str
        Ledger and monitor name.
    """

    def __init__(self, provider, group: AgentGroup, name: str):
        self.world = provider.world
        self.env = provider.env
        self.staff = provider.params.staff
        self.group = group
        self.name = name
        self.pool = RosteredPool(self.env, group.agents_by_hour())
        self._tickets = self.world.records.add("backoffice_tickets", "i2", 0,
                                               "tickets worked by the back office", live=True)
        self._book_contact = self.world.ledger.booker("contact", "variable")

    def work(self, case: int, since: float, handle_factor: float = 1.0) -> Generator:
        """Tickets for ``case`` until resolved or ``max_contacts``; a :class:`ContactResult`.

        ``since`` is when the consumer started waiting (the post), for the first response;
        ``handle_factor`` multiplies handle times (a warm hand-over's context travels along).
        """
        staff, rec, draws, env = self.staff, self.world.records, self.world.draws, self.env
        channel = "ticket"
        dist = staff.handle_dist(self.world.cases.type_name(case), channel) \
            if channel in staff.handle_time else staff.handle_dist(
                self.world.cases.type_name(case), self.world.cases.channel_name(case))
        waited_from = since
        while True:
            k = self._tickets[case]
            self._tickets[case] = k + 1
            request = self.pool.request(0)
            self.pool.waiting += 1
            try:
                yield request
            finally:
                self.pool.waiting -= 1
            record_contact(self.world, case, env.now - waited_from, self.group.discourtesy)
            duration = draws.value("backoffice/handle", dist, case, k) * \
                self.group.handle_time_factor * handle_factor * \
                (staff.repeat_handle_factor if k else 1.0)
            try:
                yield env.timeout(duration)
            finally:
                self.pool.release(request)
            rec["staff_time_h"][case] += duration
            self._book_contact(case, env._now, staff.cost_per_contact.get(channel, 0.0))
            if draws.uniform("backoffice/fcr", case, k) < self.group.fcr_at(env.now):
                return RESOLVED
            record_wrong_answer(self.world, case)
            if k + 1 >= staff.max_contacts:
                return UNRESOLVED
            yield env.timeout(draws.value("backoffice/repeat_delay", staff.repeat_delay, case, k))
            waited_from = env.now

    def apply_params(self, staff, group: AgentGroup) -> None:
        """New parameters (a scenario event): the staff settings and the back office roster."""
        self.staff = staff
        if group is not self.group:
            self.group = group
            self.pool.set_slots(group.agents_by_hour())

    def finish(self) -> None:
        """Book the back office's floor hours as fixed cost, day by day."""
        book_roster(self.world, f"staff:{self.name}", self.group.agents_by_hour(),
                    self.group.cost_per_floor_hour)

    def staff_rates(self) -> dict[str, float]:
        return {f"staff:{self.name}": self.group.cost_per_floor_hour}

    def queue_lengths(self) -> dict[str, int]:
        return {f"contact:{self.name}": self.pool.waiting}

    def busy(self) -> dict[str, tuple[float, float]]:
        return {f"contact:{self.name}": (float(self.pool.busy()), float(self.pool.on_duty()))}
