"""The in-house contact centre: rostered agent groups, skills routing, abandonment, retrials.

One contact attempt (``_reach_agent``) queues at the first group skilled for the case type and
channel; after ``overflow_after`` it also queues at the overflow group and takes whichever
answers first. It ends in service, abandonment (patience runs out) or a busy signal (the
group's queue for that channel is full). A consumer who abandons or is blocked may **switch
channel** (``switch``: P(the next attempt is on channel Y | left channel X)), or else tries
again on the same channel with ``retry_probability``; either way after ``retry_delay``, up to
``max_attempts`` attempts. A switched consumer stays on the new channel for the case's later
contacts (``contact_channel``; ``channel_switches`` counts the switches). An answered contact
resolves with the group's FCR; otherwise the consumer comes back after ``repeat_delay``, with a
longer handle time, until ``max_contacts``.

Per-case draws come from :class:`~sim.streams.CaseDraws`, column k serving the case's k-th
attempt, so every design sees the same patience, handle-time luck and FCR luck per case.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from heapq import heappush

from ...config.vocab import CASE_TYPES, CHANNELS
from ...streams import BLOCK_MASK, BLOCK_SHIFT
from ..base import RESOLVED, RESULTS, Provider, record_contact
from ..registry import register_provider
from ..staffing import book_daily, book_roster
from .contact_params import ContactCentreParams
from .roster import RosteredPool, Ticket


class _Group:
    """Run-time state of one agent group: one pool of slots per channel set."""

    def __init__(self, env, name, params):
        self.name = name
        self.pool = RosteredPool(env, params.agents_by_hour() * params.concurrency)
        self.waiting_by_channel = dict.fromkeys(CHANNELS, 0)
        self.take(params)

    def take(self, params) -> None:
        """Parameters in force from now (the pool's roster is the caller's to set)."""
        self.params = params
        self.slowdown = 1 + params.concurrency_slowdown * (params.concurrency - 1)
        # Read per answered contact: FCR when it has no learning curve (fcr_at would return
        # it for any time), else None.
        self.fixed_fcr = params.fcr if params.fcr_gain_per_quarter == 0.0 else None


@register_provider("in_house", "contact", ContactCentreParams)
class ContactCentre(Provider):
    """In-house contact centre: own agents on rosters, by skill and channel."""

    stage = "contact"

    def __init__(self, world, params: ContactCentreParams, name: str = "in_house"):
        super().__init__(world, params, name)
        self.groups = {n: _Group(self.env, n, g) for n, g in params.groups.items()}
        # Read and written for every contact: Python lists during the run (see CaseRecords).
        self._attempt = world.records.add("contact_attempt_index", "i2", 0,
                                          "next free draw column for contact attempts",
                                          live=True)
        self._channel = world.records.add("contact_channel", "i1", -1,
                                          "channel the consumer contacts on after switching "
                                          "(-1: the case's first channel)", live=True)
        self._switches = world.records.add("channel_switches", "i2", 0,
                                           "times the consumer switched channel after "
                                           "abandoning or a busy signal")
        # Memoised per (case type, channel) for the parameters in force (apply_params clears
        # them): the route, and the first attempt's handle times.
        self._route: dict[tuple[str, str], tuple] = {}
        self._handle: dict[tuple[str, str], list] = {}  # draws.value_blocks
        # Case type and first channel codes as Python ints (a numpy scalar read costs more).
        self._case_type = world.case_type_codes
        self._first_channel = world.channel_codes
        # Every answered contact books its cost: the ledger's charge with its component and
        # kind looked up once.
        self._book_contact = world.ledger.booker("contact", "variable")

    # --- the service ------------------------------------------------------------------------
    def serve(self, case: int, handle_factor: float = 1.0,
              fcr_override: float | None = None) -> Generator:
        """Contact stage for ``case``: returns a :class:`ContactResult` when done.

        Parameters
        ----------
        case : int
            Case index.
        handle_factor : float
            Multiplies handle times (e.g. a warm hand-over from a bot).
        fcr_override : float, optional
            FCR to use instead of the group's (e.g. smart diagnosis).
        """
        # One generator for the common route (one group, no overflow, no cap: the attempt and
        # the handling inline): every `yield from` level would resume a frame per event, and
        # every extra generator is built per contact. Other routes go through _reach_agent.
        p, world, env = self.params, self.world, self.env
        rec, draws = world.records, world.draws
        views = rec.views  # single-cell writes of numpy columns (see CaseRecords.views)
        attempt_index, attempts_col = self._attempt, rec["attempts"]
        case_type = CASE_TYPES[self._case_type[case]]
        switched = self._channel[case]
        channel = CHANNELS[switched if switched >= 0 else self._first_channel[case]]
        answered = 0
        while True:
            attempts = 0
            while True:
                k = attempt_index[case]
                attempt_index[case] = k + 1
                attempts_col[case] += 1
                route = self._route.get((case_type, channel))
                if route is None:
                    route = self._route[(case_type, channel)] = self._make_route(case_type,
                                                                                 channel)
                group, cap, patience_dist, priority, overflow = route
                held = None
                if overflow is not None or cap is not None:
                    outcome, group, held = yield from self._reach_agent(case, channel, k, route)
                    if outcome == "served":
                        break
                else:
                    # A free agent answers at once; otherwise the consumer waits for the
                    # pool's grant or for patience to run out, whichever comes first.
                    pool = group.pool
                    if pool.in_use < pool.capacity:
                        pool.in_use += 1
                        wait = 0.0
                    else:
                        arrived = env._now
                        # pool.request(priority) for a pool known to be full, inline
                        ticket = Ticket(env, pool)
                        heappush(pool._heap, (priority, next(pool._order), ticket))
                        pool.queued += 1
                        pool.waiting += 1
                        group.waiting_by_channel[channel] += 1
                        if patience_dist is not None:
                            timer = env.timeout(draws.value("contact/patience", patience_dist,
                                                            case, k))
                            timer.callbacks.append(ticket.give_up)
                        try:
                            served = yield ticket
                        finally:
                            pool.waiting -= 1
                            group.waiting_by_channel[channel] -= 1
                        wait = env._now - arrived
                        if served is False:
                            if attempts_col[case] == 1:
                                views["queued"][case] = True
                                views["first_attempt_wait_h"][case] = wait
                            outcome, wait = "abandoned", None
                    if wait is not None:
                        if attempts_col[case] == 1:
                            views["queued"][case] = wait > 0
                            views["first_attempt_wait_h"][case] = wait
                        record_contact(world, case, wait, group.params.discourtesy)
                        break
                views["abandonments" if outcome == "abandoned" else "blocked"][case] += 1
                attempts += 1
                target = self._switch_to(case, channel, k) if attempts < p.max_attempts \
                    else None
                if target is not None:
                    channel = target
                    self._channel[case] = CHANNELS.index(target)
                    self._switches[case] += 1
                elif (attempts >= p.max_attempts
                        or draws.uniform("contact/retry", case, k) >= p.retry_probability):
                    return RESULTS["unresolved" if answered else outcome]
                yield env.timeout(draws.value("contact/retry_delay", p.retry_delay, case, k))
            answered += 1
            # Handling: the parameters in force when the agent answers.
            hp = self.params
            if k == 0:  # first attempts: the route's blocks of handle times, cached
                handle = self._handle.get((case_type, channel))
                if handle is None:
                    handle = self._handle[(case_type, channel)] = draws.value_blocks(
                        "contact/handle", hp.handle_dist(case_type, channel), 0)
                block = handle[case >> BLOCK_SHIFT]
                duration = block.item(case & BLOCK_MASK) if block is not None else \
                    draws.value("contact/handle", hp.handle_dist(case_type, channel), case, 0)
            else:
                duration = draws.value("contact/handle", hp.handle_dist(case_type, channel),
                                       case, k)
            duration *= group.params.handle_time_factor
            duration *= group.slowdown * handle_factor
            if answered > 1:
                duration *= hp.repeat_handle_factor
            if hp.transfer_probability and draws.uniform("contact/transfer", case, k) < \
                    hp.transfer_probability:
                views["transfers"][case] += 1
                duration += draws.value("contact/transfer_time", hp.transfer_time, case, k)
            try:
                yield env.timeout(duration)
            finally:
                pool = group.pool  # pool.release(held), inline
                pool.in_use -= 1
                if pool.queued and pool.in_use < pool.capacity:
                    pool._fill()
            now, gp = env._now, group.params
            rec["staff_time_h"][case] += duration / gp.concurrency
            cost = hp.cost_per_contact.get(channel, 0.0)
            if cost:
                self._book_contact(case, now, cost)
            if fcr_override is None:
                fcr = group.fixed_fcr
                if fcr is None:
                    fcr = gp.fcr_at(now)
            else:
                fcr = fcr_override
            # A uniform is below 1 for sure: with FCR 1 (validation queues) skip the draw.
            if fcr >= 1.0 or draws.uniform("contact/fcr", case, k) < fcr:
                return RESOLVED
            views["wrong_answers"][case] += 1  # as record_wrong_answer
            if answered >= p.max_contacts:
                return RESULTS["unresolved"]
            yield env.timeout(draws.value("contact/repeat_delay", p.repeat_delay, case, k))

    def _switch_to(self, case: int, channel: str, k: int) -> str | None:
        """The channel a consumer who just left ``channel`` tries next, or None (stays)."""
        options = self.params.switch.get(channel)
        if not options:
            return None
        u = self.world.draws.uniform("contact/switch", case, k)
        for target, probability in options.items():
            if u < probability:
                return target
            u -= probability
        return None

    def _reach_agent(self, case: int, channel: str, k: int, route: tuple) -> Generator:
        """One attempt with overflow or a queue cap: returns ``(outcome, group, granted
        request or None)``."""
        primary, cap, patience_dist, priority, overflow = route
        env, rec = self.env, self.world.records
        views = rec.views
        # Blocked only when the waiting room is full and no server is free (with cap 0, an
        # idle agent still answers: M/M/c/c).
        if (cap is not None and primary.waiting_by_channel[channel] >= cap
                and not primary.pool.free()):
            return "blocked", primary, None
        patience = (math.inf if patience_dist is None
                    else self.world.draws.value("contact/patience", patience_dist, case, k))
        arrived = env.now
        requests = {primary: primary.pool.request(priority)}
        self._wait(primary, channel, +1)
        try:
            deadline = arrived + patience
            if overflow is not None and primary.params.overflow_after < patience:
                first = yield requests[primary] | env.timeout(primary.params.overflow_after)
                if requests[primary] not in first:
                    requests[overflow] = overflow.pool.request(priority)
                    self._wait(overflow, channel, +1)
            pending = list(requests.values())
            if not any(r.triggered for r in pending):
                wait_left = deadline - env.now
                events = pending + ([env.timeout(wait_left)] if math.isfinite(wait_left) else [])
                yield env.any_of(events)
            granted = [g for g, r in requests.items() if r.triggered]
        finally:
            for g in requests:
                self._wait(g, channel, -1)
        # Keep the first grant; give back or withdraw every other request.
        chosen = granted[0] if granted else None
        for g, r in requests.items():
            if g is chosen:
                continue
            if r.triggered:
                g.pool.release(r)
            else:
                r.cancel()
        wait = env.now - arrived
        if rec["attempts"][case] == 1:
            views["queued"][case] = wait > 0
            views["first_attempt_wait_h"][case] = wait
        if chosen is None:
            return "abandoned", primary, None
        record_contact(self.world, case, wait, chosen.params.discourtesy)
        return "served", chosen, requests[chosen]

    def _wait(self, group: _Group, channel: str, delta: int) -> None:
        group.pool.waiting += delta
        group.waiting_by_channel[channel] += delta

    def _make_route(self, case_type: str, channel: str) -> tuple:
        # Memoised per (case type, channel): group, queue cap, patience, priority, overflow.
        p = self.params
        primary = self.groups[p.primary_group(case_type, channel)]
        overflow = (self.groups[primary.params.overflow_to]
                    if primary.params.overflow_to else None)
        return (primary, p.queue_capacity.get(channel), p.patience.get(channel),
                p.priorities.get(case_type, 0), overflow)

    # --- accounting and monitoring ------------------------------------------------------------
    def finish(self) -> None:
        """Book agent hours on the floor in [0, horizon) as fixed cost, day by day, and the
        training that attrition makes those hours carry (an overhead with no hours)."""
        for name, group in self.groups.items():
            g = group.params
            on_duty = g.agents_by_hour()
            book_roster(self.world, f"staff:{name}", on_duty, g.cost_per_floor_hour)
            # Hiring and ramp-up replace leavers at attrition_per_year per agent on the floor.
            training_per_hour = g.attrition_per_year * g.cost_per_hire / (365 * 24)
            book_daily(self.world, f"training:{name}",
                       training_per_hour * float(on_duty.mean()) * 24)

    def apply_params(self, params: ContactCentreParams) -> None:
        """New parameters (a scenario event): each changed group takes its new roster."""
        super().apply_params(params)
        self._route.clear()
        self._handle.clear()
        for name, group in self.groups.items():
            new = params.groups[name]
            if new is not group.params:
                group.take(new)
                group.pool.set_slots(new.agents_by_hour() * new.concurrency)

    def staff_rates(self) -> dict[str, float]:
        return {f"staff:{n}": g.params.cost_per_floor_hour for n, g in self.groups.items()}

    def queue_lengths(self) -> dict[str, int]:
        return {f"contact:{n}": g.pool.waiting for n, g in self.groups.items()}

    def busy(self) -> dict[str, tuple[float, float]]:
        return {f"contact:{n}": (g.pool.busy() / g.params.concurrency,
                                 g.pool.on_duty() / g.params.concurrency)
                for n, g in self.groups.items()}
