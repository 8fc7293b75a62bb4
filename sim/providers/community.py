"""The community archetype: a peer Q&A forum in front of an in-house contact centre.

A consumer with a case type the forum takes (inquiries by default), on a channel it serves
(online chat and tickets: a phone caller wants a person and goes to staff), posts in the forum
instead of contacting staff. Modelled per case; peers are not a scarce resource, so every forum
delay is a plain timeout:

1. **Deflection.** The consumer finds an existing thread that answers the question and never
   posts: resolved at once (an answer, counted as a contact). Deflection grows with the
   community's size: ``max_deflection * s / (s + half_deflection_size)`` with ``s`` the active
   members per daily order (Gartner's "40% resolve in the community" as the ceiling; the JSR
   2014 spill-over and LN's "20-30 views per deflected ticket" say more members, more reuse).
2. Otherwise the consumer **posts**. With ``answer_probability`` a peer answers within the
   fall-back window, after a time drawn from ``answer_time`` *conditioned on being shorter than
   the window* (so ``answer_probability`` is exactly P(answered before staff step in)). The peer
   answer is the case's first response and counts as a contact.
3. A peer answer is right with ``correct_probability``: resolved; a right answer within
   ``fast_within`` of the post earns the case the ``trust_effect`` on satisfaction (the report's
   "higher satisfaction, more trust", which it calls hard to quantify: a wide range). A wrong
   answer is counted (``wrong_answers``), noticed after ``notice_delay``, and the consumer
   comes back: a repeat contact, with its wait, in the back office.
4. **No answer** within ``fallback_after``: the thread escalates to the back office.

Escalations go to a **back-office ticket queue worked in business hours**
(:mod:`sim.providers.backoffice`, the ``backoffice`` group), not to the live queue at the
moment the timer ends. Every case type and channel the forum does not take goes to an in-house
:class:`~sim.providers.in_house.contact.ContactCentre` built from the ``staff`` sub-table. For
cases that posted, ``first_wait_h`` counts from the post.

Moderation is paid by volume: ``posts / posts_per_moderator_month`` moderator-months, booked
day by day as fixed cost in :meth:`Community.finish`.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from dataclasses import dataclass

import numpy as np

from ..config.errors import Problem
from ..config.fields import dist, duration, money, number, probability, strings, table
from ..config.vocab import CASE_TYPES, CHANNELS
from .backoffice import BUSINESS_HOURS, BackOffice
from .base import RESOLVED, Provider, record_contact, record_wrong_answer
from .in_house.contact import ContactCentre
from .in_house.contact_params import AgentGroup, ContactCentreParams
from .registry import register_provider
from .staffing import book_daily


@dataclass(frozen=True, kw_only=True)
class CommunityParams:
    """A peer Q&A forum with a staff fall-back (docs/sources.md §1.4, §6)."""

    #: Fixed when a run starts (the deflection by existing threads): no scenario event.
    _event_fixed = ("active_members", "max_deflection", "half_deflection_size")

    case_types: tuple = strings(["inquiry"], options=CASE_TYPES,
                                doc="Case types the forum takes (sources.md §0/§6: inquiries "
                                    "and simple troubleshooting); others go to staff.")
    discourtesy: float = probability(
        0.08, doc="Share of peer answers the consumer finds discourteous (assumption: peers are "
                  "unmoderated volunteers, so their tone varies more than trained staff's; the "
                  "report names community trust but says the effect is hard to quantify: vary "
                  "it).")
    channels: tuple = strings(["chat", "ticket"], options=CHANNELS,
                              doc="Channels the forum serves; consumers on other channels (a "
                                  "phone caller wants a person) go to staff (assumption).")
    uptake: float = probability(
        1.0, doc="Share of eligible consumers who post in the forum rather than contact staff "
                 "(assumption: a forum-first design routes every eligible case there).")
    max_deflection: float = probability(
        0.40, doc="Ceiling of P(an eligible case is answered at once by an existing thread and "
                  "never posted) for a very large community (Gartner via blog [L]: >40% "
                  "resolve in the community; sources.md §1.4).")
    active_members: float = number(
        600.0, min=0.0, doc="Active members who answer and whose threads are reused "
                            "(assumption: with 1,000 orders a day and the default "
                            "half_deflection_size this gives the 15% of community_case_"
                            "deflection, range 0.05-0.40).")
    half_deflection_size: float = number(
        1.0, min=0.0, open_min=True,
        doc="Active members per daily order at which deflection reaches half its ceiling "
            "(assumption).")
    answer_probability: float = probability(
        0.60, doc="P(a peer answers before the staff fall-back) (community_p_answered_48h: "
                  "INS 40-60%, HL 39%, MAM11 92.6%; 0.39-0.93).")
    answer_time: object = dist(
        {"dist": "lognormal", "mean": "369.6min", "sd": "1076.9min"},
        doc="Time to the first peer answer, before conditioning on the window (sources.md §6: "
            "lognormal, median 2 h, sigma 1.5 [L]; MAM11 11 min is the optimistic bound).")
    correct_probability: float = probability(
        0.70, doc="P(the peer answer is right | answered) (community_p_correct_given_answer: "
                  "ASM; 0.5-0.9).")
    fast_within: float = duration(
        "2h", doc="A right peer answer within this of the post is 'right and fast' "
                  "(assumption: the forum's median first answer, sources.md §6).")
    trust_effect: float = number(
        1.05, min=0.5, max=1.5,
        doc="Satisfaction factor of a right-and-fast peer answer (the report: higher "
            "satisfaction and trust, effect hard to quantify; assumption with a wide range, "
            "1.00-1.20).")
    notice_delay: object = dist(
        {"dist": "exponential", "mean": "12h"},
        doc="Time for a consumer to notice a wrong peer answer and turn to staff "
            "(assumption).")
    fallback_after: float = duration(
        "36h", positive=True,
        doc="Staff step in when no peer answered by then (community_staff_fallback_after_h: "
            "LN hybrid model, 24-48 h).")
    posts_per_moderator_month: float = number(
        1000.0, min=0.0, open_min=True,
        doc="Posts one moderator FTE handles per month (INS: 1,000-1,500).")
    moderator_monthly_cost: float = money(
        7500.0, doc="Fully loaded cost of a moderator-month (assumption: as an in-house agent, "
                    "sources.md §3.3).")
    moderator_paid_hours_per_month: float = number(
        174.0, min=1.0, doc="Paid hours per moderator-month (assumption, as agents).")
    platform_cost_per_day: float = money(
        0.0, doc="Forum software and hosting per day (assumption; LN: ~$350K/yr for a large "
                 "support community, mostly staff).")
    backoffice: AgentGroup = table(
        AgentGroup, default=BUSINESS_HOURS,
        doc="Back-office group that works escalated threads as tickets (default: one agent "
            "09:00-18:00 every day; JDR business hours, headcount assumption).")
    staff: ContactCentreParams = table(
        ContactCentreParams,
        doc="The in-house contact centre behind the forum: fall-back and the case types the "
            "forum does not take.")

    def _check(self, key: str) -> list[Problem]:
        # Answers are drawn conditioned on arriving inside the window, so the window must
        # hold some of the answer-time distribution.
        if self.answer_probability > 0 and float(self.answer_time.cdf(self.fallback_after)) <= 0:
            return [Problem(f"{key}.answer_time", None,
                            "a distribution with some answers before fallback_after "
                            f"({self.fallback_after:g} h)")]
        return []

    def _check_scenario(self, scenario, key: str) -> list[Problem]:
        """The staff centre must be able to serve every case the scenario raises."""
        return self.staff._check_scenario(scenario, f"{key}.staff")


def deflection(params: CommunityParams, orders_per_day: float) -> float:
    """P(an eligible case is answered by an existing thread and never posted).

    ``max_deflection * s / (s + half_deflection_size)`` with ``s`` the active members per daily
    order: a larger community has more threads to reuse.
    """
    size = params.active_members / orders_per_day if orders_per_day > 0 else math.inf
    if math.isinf(size):
        return params.max_deflection
    return params.max_deflection * size / (size + params.half_deflection_size)


def _takes(params: CommunityParams) -> list[list[bool]]:
    """Whether the forum takes a case, by case type code and first channel code (read per
    case: two list cells instead of two name lookups and tuple scans)."""
    return [[case_type in params.case_types and channel in params.channels
             for channel in CHANNELS] for case_type in CASE_TYPES]


@register_provider("community", "contact", CommunityParams)
class Community(Provider):
    """Community forum: peer answers with a probability and a delay, staff fall-back."""

    stage = "contact"

    def __init__(self, world, params: CommunityParams, name: str = "community"):
        super().__init__(world, params, name)
        self.staff = ContactCentre(world, params.staff, name)
        self.backoffice = BackOffice(self, params.backoffice, f"{name}:backoffice")
        self._csat_factor = world.records.views["csat_factor"]
        #: P(deflected by an existing thread), growing with the community's size.
        self.deflection = deflection(params, world.scenario.demand.orders_per_day)
        self._post_times: list[float] = []
        self._open_posts = 0
        self._answer_times: np.ndarray | None = None
        world.records.add("community_posted", "?", False, "the case was posted in the forum")
        self._takes = _takes(params)

    # --- the service ------------------------------------------------------------------------
    def serve(self, case: int, handle_factor: float = 1.0,
              fcr_override: float | None = None) -> Generator:
        """Contact stage for ``case`` through the forum; returns a :class:`ContactResult`.

        Parameters
        ----------
        case : int
            Case index.
        handle_factor, fcr_override
            Passed to the staff centre when the case reaches staff (see
            :meth:`ContactCentre.serve`).
        """
        p, world = self.params, self.world
        rec, draws, env = world.records, world.draws, self.env
        # With uptake 1 every eligible case posts (a uniform is below 1 for sure: no draw).
        if (not self._takes[world.case_type_codes[case]][world.channel_codes[case]]
                or (p.uptake < 1.0 and draws.uniform("community/uptake", case) >= p.uptake)):
            return (yield from self.staff.serve(case, handle_factor, fcr_override))
        posted = env._now
        if draws.uniform("community/deflect", case) < self.deflection:
            self._peer_answer(case, posted)
            return RESOLVED
        rec.views["community_posted"][case] = True
        self._post_times.append(posted)
        self._open_posts += 1
        try:
            if draws.uniform("community/answered", case) < p.answer_probability:
                yield env.timeout(self._answer_time(case))
                self._peer_answer(case, posted)
                if draws.uniform("community/correct", case) < p.correct_probability:
                    if env.now - posted <= p.fast_within:
                        self._csat_factor[case] *= p.trust_effect
                    return RESOLVED
                record_wrong_answer(self.world, case)
                yield env.timeout(draws.value("community/notice", p.notice_delay, case))
                since = env.now  # the repeat contact's own wait starts when it is made
            else:
                yield env.timeout(p.fallback_after)
                since = posted
        finally:
            self._open_posts -= 1
        return (yield from self.backoffice.work(case, since, handle_factor))

    def _answer_time(self, case: int) -> float:
        """The peer answer's delay for ``case``, given that it comes before the fall-back."""
        if self._answer_times is None:  # the whole column at once: one ppf, not one per post
            p = self.params
            u = self.world.draws.column("community/answer_time", 0)
            self._answer_times = np.asarray(p.answer_time.truncated_ppf(u, p.fallback_after),
                                            dtype=float)
        return self._answer_times.item(case)

    def _peer_answer(self, case: int, posted: float) -> None:
        rec = self.world.records
        rec.views["community_answered"][case] = True
        record_contact(self.world, case, self.env.now - posted, self.params.discourtesy)

    # --- delegation, accounting and monitoring ------------------------------------------------
    def start(self) -> None:
        """Start the staff centre's processes."""
        self.staff.start()

    def finish(self) -> None:
        """Book staff and back-office time, moderation by posting day and the forum platform
        as fixed cost."""
        self.staff.finish()
        self.backoffice.finish()
        p, ledger = self.params, self.world.ledger
        if self._post_times:
            days, counts = np.unique(np.floor(np.asarray(self._post_times) / 24.0),
                                     return_counts=True)
            for day, count in zip(days, counts, strict=True):
                months = count / p.posts_per_moderator_month
                ledger.charge(case=-1, time=float(day) * 24.0, component="moderation",
                              kind="fixed", amount=months * p.moderator_monthly_cost,
                              hours=months * p.moderator_paid_hours_per_month)
        book_daily(self.world, "community_platform", p.platform_cost_per_day)

    def staff_rates(self) -> dict[str, float]:
        p = self.params
        return {**self.staff.staff_rates(), **self.backoffice.staff_rates(),
                "moderation": p.moderator_monthly_cost / p.moderator_paid_hours_per_month}

    @property
    def posts(self) -> int:
        """Cases posted in the forum so far."""
        return len(self._post_times)

    def queue_lengths(self) -> dict[str, int]:
        return {**self.staff.queue_lengths(), **self.backoffice.queue_lengths(),
                "community:open_posts": self._open_posts}

    def busy(self) -> dict[str, tuple[float, float]]:
        return {**self.staff.busy(), **self.backoffice.busy()}

    def apply_params(self, params: CommunityParams) -> None:
        """New parameters (a scenario event): the staff centre's and back office's too."""
        super().apply_params(params)
        self._takes = _takes(params)
        self.staff.apply_params(params.staff)
        self.backoffice.apply_params(params.staff, params.backoffice)
