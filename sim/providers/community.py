"""The community archetype: a peer Q&A forum in front of an in-house contact centre.

A consumer with a case type the forum takes (inquiries by default) posts in the forum instead
of contacting staff. Modelled per case, with no contention (peers are not a scarce resource, so
every forum delay is a plain timeout):

1. **Deflection.** With ``deflection`` the consumer finds an existing thread that answers the
   question and never posts: the case is resolved at once by the community (the JSR 2014
   spill-over and Gartner's "~15% fewer service cases", docs/sources.md §1.4, expressed as a
   case-level probability of an instant answer from past threads; those answers are taken as
   right, since threads that get reused are the accepted ones).
2. Otherwise the consumer **posts**. With ``answer_probability`` a peer answers within the
   fall-back window, after a time drawn from ``answer_time`` *conditioned on being shorter than
   the window* (so ``answer_probability`` is exactly P(answered before staff step in)). The peer
   answer is the case's first response.
3. A peer answer is right with ``correct_probability``: the case is resolved. A wrong answer is
   noticed after ``notice_delay`` and the consumer falls back to staff.
4. **No answer** within ``fallback_after``: staff step in (the hybrid model, LN 2020).

The staff fall-back, and every case type the forum does not take, goes to an in-house
:class:`~sim.providers.in_house.contact.ContactCentre` built from the ``staff`` sub-table: the
thread joins the staff queue on the consumer's channel as an ordinary contact. For cases that
posted, ``first_wait_h`` counts from the post, so a staff answer after the timeout shows the
forum wait the consumer actually had.

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
from ..config.registry import register_provider
from ..config.vocab import CASE_TYPES
from .base import ContactResult, Provider, record_answer, record_wrong_answer
from .in_house.contact import ContactCentre
from .in_house.contact_params import ContactCentreParams
from .staffing import book_daily


@dataclass(frozen=True, kw_only=True)
class CommunityParams:
    """A peer Q&A forum with a staff fall-back (docs/sources.md §1.4, §6)."""

    case_types: tuple = strings(["inquiry"], options=CASE_TYPES,
                                doc="Case types the forum takes (sources.md §0/§6: inquiries "
                                    "and simple troubleshooting); others go to staff.")
    uptake: float = probability(
        1.0, doc="Share of eligible consumers who post in the forum rather than contact staff "
                 "(assumption: a forum-first design routes every eligible case there).")
    deflection: float = probability(
        0.15, doc="P(an eligible case is answered at once by an existing thread and never "
                  "posted) (community_case_deflection: Gartner via blog [L], LN; 0.05-0.40).")
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


@register_provider("community", "contact", CommunityParams)
class Community(Provider):
    """Community forum: peer answers with a probability and a delay, staff fall-back."""

    stage = "contact"

    def __init__(self, world, params: CommunityParams, name: str = "community"):
        super().__init__(world, params, name)
        self.staff = ContactCentre(world, params.staff, name)
        self._post_times: list[float] = []
        self._open_posts = 0
        world.records.add("community_posted", "?", False, "the case was posted in the forum")

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
        p, rec, draws = self.params, self.world.records, self.world.draws
        env = self.env
        if (self.world.cases.type_name(case) not in p.case_types
                or draws.uniform("community/uptake", case) >= p.uptake):
            return (yield from self.staff.serve(case, handle_factor, fcr_override))
        posted = env.now
        if draws.uniform("community/deflect", case) < p.deflection:
            self._peer_answer(case, posted)
            return ContactResult("resolved")
        rec["community_posted"][case] = True
        self._post_times.append(posted)
        self._open_posts += 1
        try:
            if draws.uniform("community/answered", case) < p.answer_probability:
                u = np.asarray(draws.uniform("community/answer_time", case))
                yield env.timeout(float(p.answer_time.truncated_ppf(u, p.fallback_after)))
                self._peer_answer(case, posted)
                if draws.uniform("community/correct", case) < p.correct_probability:
                    return ContactResult("resolved")
                record_wrong_answer(self.world, case)
                yield env.timeout(draws.value("community/notice", p.notice_delay, case))
            else:
                yield env.timeout(p.fallback_after)
        finally:
            self._open_posts -= 1
        first_unset = math.isnan(rec["first_response_at"][case])
        result = yield from self.staff.serve(case, handle_factor, fcr_override)
        if first_unset and not math.isnan(rec["first_response_at"][case]):
            # The consumer has waited since the post, not since joining the staff queue.
            rec["first_wait_h"][case] = rec["first_response_at"][case] - posted
        return result

    def _peer_answer(self, case: int, posted: float) -> None:
        rec = self.world.records
        rec["community_answered"][case] = True
        record_answer(self.world, case, self.env.now - posted)

    # --- delegation, accounting and monitoring ------------------------------------------------
    def start(self) -> None:
        """Start the staff centre's processes."""
        self.staff.start()

    def finish(self) -> None:
        """Book staff time, moderation by posting day and the forum platform as fixed cost."""
        self.staff.finish()
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
        return {**self.staff.staff_rates(),
                "moderation": p.moderator_monthly_cost / p.moderator_paid_hours_per_month}

    @property
    def posts(self) -> int:
        """Cases posted in the forum so far."""
        return len(self._post_times)

    def queue_lengths(self) -> dict[str, int]:
        return {**self.staff.queue_lengths(), "community:open_posts": self._open_posts}

    def busy(self) -> dict[str, tuple[float, float]]:
        return self.staff.busy()
