"""The in-house complaint team: merchant response, platform intervention, the authorities.

A complaint follows the JD dispute rules (docs/sources.md §3.8, §4.1), with the timelines
taken from the scenario's policy:

1. **Merchant response.** The merchant answers within ``policy.merchant_response`` (the time is
   drawn uniformly inside the deadline: no data on how merchants use it). With
   ``merchant_settle_probability`` the merchant settles in the consumer's favour.
2. **Escalation.** Otherwise the consumer asks the platform to intervene with
   ``escalation_probability``, no earlier than ``policy.escalation_after`` from the complaint;
   a consumer who does not escalate is left unresolved.
3. **Platform intervention.** The case queues for a specialist of the team (constant headcount,
   a :class:`~sim.providers.in_house.roster.RosteredPool`; the only contention in this stage),
   who investigates for ``investigation``; the parties' evidence takes ``evidence_wait``. The
   ruling then comes; ``complaint_ruling_met`` records whether it came within
   ``policy.platform_ruling`` of the request (the platform's own rule, so a congested team
   breaks it). The ruling is in the consumer's favour with ``policy.complaint_resolution_rate``
   and is then executed within ``policy.ruling_execution`` (uniform inside the deadline);
   the platform pays ``compensation`` (penalty cost) for each ruling in the consumer's favour.
4. **Authorities.** With ``policy.authority_probability`` the consumer also files with the
   authorities (12315), whatever the platform did: ``authority`` is set, the authority accepts
   within ``policy.authority_accept`` and, when the platform had not put things right, mediates
   within ``policy.authority_mediation``, in the consumer's favour with
   ``policy.complaint_resolution_rate``. The 7-working-day acceptance (CPLR Art. 46) is the
   authority's duty, outside the platform's control, so it is not booked as a statutory
   deadline of the case (``statutory_applicable`` is left alone).

Specialists' staffed hours are fixed cost, booked day by day in :meth:`ComplaintTeam.finish`.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass

from ...config.fields import dist, money, number, probability
from ..base import Provider
from ..registry import register_provider
from ..staffing import book_roster, hourly_cost, roster
from .roster import RosteredPool


@dataclass(frozen=True, kw_only=True)
class ComplaintTeamParams:
    """An in-house team of complaint specialists (docs/sources.md §3.8, §4.1)."""

    specialists: int = number(2, integer=True, min=0,
                              doc="Specialists on duty around the clock (assumption).")
    investigation: object = dist(
        {"dist": "lognormal", "mean": "1h", "sd": "30min"},
        doc="Specialist time to investigate a dispute and rule (assumption).")
    evidence_wait: object = dist(
        {"dist": "uniform", "min": "0h", "max": "4h"},
        doc="Waiting for the parties' extra evidence (JDR: within 4 business hours).")
    merchant_settle_probability: float = probability(
        0.5, doc="P(the merchant settles in the consumer's favour when answering) "
                 "(assumption).")
    escalation_probability: float = probability(
        0.8, doc="P(the consumer asks the platform to intervene when the merchant does not "
                 "settle) (assumption).")
    compensation: float = money(
        50.0, doc="Payout or compensation per complaint ruled in the consumer's favour, borne "
                  "by the platform (assumption; JD advance payouts are recovered from deposits "
                  "only in part).")
    monthly_cost: float = money(
        9000.0, doc="Fully loaded cost per specialist-month (assumption: above an agent's "
                    "7,500, sources.md §3.3).")
    paid_hours_per_month: float = number(174.0, min=1.0,
                                         doc="Paid hours per specialist-month (assumption).")
    shrinkage: float = number(0.30, min=0.0, max=0.9,
                              doc="Paid time not on the floor (sources.md: 0.30, assumption).")

    @property
    def cost_per_floor_hour(self) -> float:
        """Cost of one specialist-hour on the floor, shrinkage included."""
        return hourly_cost(self.monthly_cost, self.paid_hours_per_month, self.shrinkage)


@register_provider("in_house", "complaint", ComplaintTeamParams)
class ComplaintTeam(Provider):
    """In-house complaint specialists handling disputes to the platform's timelines."""

    stage = "complaint"

    def __init__(self, world, params: ComplaintTeamParams, name: str = "in_house"):
        super().__init__(world, params, name)
        self.pool = RosteredPool(self.env, roster(params.specialists, ()))
        rec = world.records
        rec.add("complaint_intervened", "?", False, "the platform intervened in the complaint")
        rec.add("complaint_ruling_met", "?", True,
                "the platform ruled within policy.platform_ruling of the request")
        rec.add("complaint_favour", "?", False, "the complaint ended in the consumer's favour")
        rec.add("specialist_time_h", "f8", 0.0, "complaint specialist time on the case (h)")

    def apply_params(self, params: ComplaintTeamParams) -> None:
        """New parameters (a scenario event): the specialists on duty change at once."""
        super().apply_params(params)
        self.pool.set_slots(roster(params.specialists, ()))

    def handle(self, case: int) -> Generator:
        """Handle the complaint of ``case``; returns True when resolved in the consumer's favour.

        Parameters
        ----------
        case : int
            Case index.
        """
        env, draws = self.env, self.world.draws
        policy, p = self.world.scenario.policy, self.params
        complained = env.now
        yield env.timeout(draws.uniform("complaint/merchant", case) * policy.merchant_response)
        if draws.uniform("complaint/settle", case) < p.merchant_settle_probability:
            favour = True
        elif draws.uniform("complaint/escalate", case) < p.escalation_probability:
            wait = complained + policy.escalation_after - env.now
            if wait > 0:
                yield env.timeout(wait)
            favour = yield from self._intervene(case)
        else:
            favour = False
        if draws.uniform("complaint/authority", case) < policy.authority_probability:
            favour = yield from self._authorities(case, favour)
        self.world.records["complaint_favour"][case] = favour
        return favour

    def _intervene(self, case: int) -> Generator:
        """Platform intervention: a specialist investigates, the platform rules and executes."""
        env, draws, rec = self.env, self.world.draws, self.world.records
        policy, p = self.world.scenario.policy, self.params
        rec["complaint_intervened"][case] = True
        requested = env.now
        request = self.pool.request(0)
        self.pool.waiting += 1
        try:
            yield request
        finally:
            self.pool.waiting -= 1
        work = draws.value("complaint/investigation", p.investigation, case)
        try:
            yield env.timeout(work)
        finally:
            self.pool.release(request)
        rec["specialist_time_h"][case] += work
        yield env.timeout(draws.value("complaint/evidence", p.evidence_wait, case))
        rec["complaint_ruling_met"][case] = env.now - requested <= policy.platform_ruling + 1e-9
        if draws.uniform("complaint/ruling", case) >= policy.complaint_resolution_rate:
            return False
        yield env.timeout(draws.uniform("complaint/execution", case) * policy.ruling_execution)
        self.world.ledger.charge(case=case, time=env.now, component="complaint_compensation",
                                 kind="penalty", amount=p.compensation)
        return True

    def _authorities(self, case: int, favour: bool) -> Generator:
        """The consumer files with the authorities: acceptance, then mediation if still due."""
        env, draws = self.env, self.world.draws
        policy = self.world.scenario.policy
        self.world.records["authority"][case] = True
        yield env.timeout(draws.uniform("complaint/authority_accept", case)
                          * policy.authority_accept)
        if favour:
            return True
        yield env.timeout(draws.uniform("complaint/mediation_time", case)
                          * policy.authority_mediation)
        return draws.uniform("complaint/mediation", case) < policy.complaint_resolution_rate

    # --- accounting and monitoring ------------------------------------------------------------
    def finish(self) -> None:
        """Book specialist hours on the floor in [0, horizon) as fixed cost, day by day."""
        book_roster(self.world, "staff:complaints", roster(self.params.specialists, ()),
                    self.params.cost_per_floor_hour)

    def staff_rates(self) -> dict[str, float]:
        return {"staff:complaints": self.params.cost_per_floor_hour}

    def queue_lengths(self) -> dict[str, int]:
        return {"complaint:specialists": self.pool.waiting}

    def busy(self) -> dict[str, tuple[float, float]]:
        return {"complaint:specialists": (float(self.pool.busy()), float(self.pool.on_duty()))}
