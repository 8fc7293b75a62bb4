"""The AI chatbot overlay: a bot in front of whatever serves the contact stage.

A contact on a channel the bot serves, during its hours, for a case type it takes, first talks
to the bot (no contention: the bot scales, so its conversation is a plain timeout of
``bot_time``). The bot answers at once, so its reply is the case's first response (wait 0).
With ``containment`` the bot resolves the contact; otherwise it hands over to the wrapped
provider:

- **warm** transfer (``warm_transfer = true``, the context travels with the case, as the planned
  GB/T standard on human-bot collaboration asks): no transfer is recorded and the human's handle
  time is multiplied by ``warm_handle_factor``;
- **cold** transfer: ``transfers`` += 1 (the satisfaction model applies its cold-transfer
  multiplier) and the human starts from scratch (full handle time).

Every bot conversation costs ``cost_per_conversation`` (variable, per case); the licence is a
fixed cost per day, booked in :meth:`Chatbot.finish`.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass

from ...config.errors import Problem
from ...config.fields import dist, flag, money, number, probability, strings
from ...config.vocab import CASE_TYPES, CHANNELS
from ..base import RESOLVED, ContactStage, Overlay, record_contact, record_wrong_answer
from ..registry import register_overlay
from ..staffing import book_daily


@dataclass(frozen=True, kw_only=True)
class ChatbotParams:
    """An AI chatbot on the contact stage (docs/sources.md §1.5, §6, parameter table)."""

    discourtesy: float = probability(
        0.05, doc="Share of bot answers the consumer finds discourteous or dismissive "
                  "(assumption: scripted answers; WANG26 reports bot-handled chats rated lower).")
    channels: tuple = strings(["chat"], options=CHANNELS,
                              doc="Channels the bot answers (assumption: online chat, where "
                                  "AliMe serves ~75% of consultations, MBR).")
    case_types: tuple = strings(list(CASE_TYPES), options=CASE_TYPES,
                                doc="Case types the bot takes first (assumption: all).")
    open_from: int = number(0, integer=True, min=0, max=23,
                            doc="First hour of the day the bot serves (assumption: 24/7).")
    open_until: int = number(24, integer=True, min=1, max=24,
                             doc="Hour of the day the bot stops serving (assumption: 24/7).")
    availability: float = probability(
        1.0, doc="Share of contacts the bot is up for (1: always; a scenario event sets 0 for "
                 "an outage: contacts go straight to the wrapped provider).")
    containment: float = probability(
        0.60, doc="P(the bot resolves the contact) (bot_containment_rate: ALIME 85%, MBR 75% "
                  "online, vendors 40-65% [L]; 0.30-0.85).")
    bot_time: object = dist("2min", doc="Length of a bot conversation (assumption: ~2 min; "
                                        "WANG26 AI cut chat duration by ~20%).")
    warm_transfer: bool = flag(
        True, doc="Escalations carry the conversation's context (sources.md §6; the planned "
                  "GB/T standard forbids repeated explanation after transfer [L]).")
    warm_handle_factor: float = number(
        0.85, min=0.0, open_min=True,
        doc="Human handle time after a warm transfer (ai_assist_handle_time_multiplier: "
            "WANG26, BLR, NI26; 0.75-0.95).")
    cost_per_conversation: float = money(
        0.7, doc="Cost per bot conversation (cost_per_bot_conversation_cny: G19 $0.10 "
                 "self-service [M]; 0.1-2).")
    licence_per_day: float = money(
        200.0, doc="Licence and operation of the bot per day (assumption).")

    def _check(self, key: str) -> list[Problem]:
        if self.open_until <= self.open_from:
            return [Problem(f"{key}.open_until", self.open_until,
                            f"an hour after open_from ({self.open_from})")]
        return []


def _takes(params: ChatbotParams) -> list[list[bool]]:
    """Whether the bot takes a case's channel and type, by case type code and first channel
    code (read per contact: two list cells instead of two name lookups and tuple scans)."""
    return [[case_type in params.case_types and channel in params.channels
             for channel in CHANNELS] for case_type in CASE_TYPES]


@register_overlay("chatbot", "contact", ChatbotParams)
class Chatbot(Overlay):
    """AI chatbot in front of the contact stage: containment, warm or cold escalation."""

    stage = "contact"

    def __init__(self, world, params: ChatbotParams, name: str, inner):
        super().__init__(world, params, name, inner)
        self._conversations = world.records.add("bot_conversations", "i2", 0,
                                                "conversations with the chatbot", live=True)
        self._book = world.ledger.booker("chatbot", "variable")
        self._takes = _takes(params)
        # The wrapped provider is held to the contact stage's contract (it takes the hand-over
        # arguments), so the bot passes them on without inspecting its signature.
        if not isinstance(inner, ContactStage):
            raise TypeError(f"the chatbot wraps a contact stage, not {type(inner).__name__}")

    def serves(self, case: int) -> bool:
        """Whether the bot takes this contact (channel, case type, hour of the day)."""
        p, world = self.params, self.world
        hour = self.env._now % 24.0
        return (self._takes[world.case_type_codes[case]][world.channel_codes[case]]
                and p.open_from <= hour < p.open_until
                and self._up(case))

    def _up(self, case: int) -> bool:
        """Whether the bot is up for this contact (``availability``; no draw at 0 or 1)."""
        a = self.params.availability
        if a >= 1.0 or a <= 0.0:
            return a >= 1.0
        k = self._conversations[case]
        return self.world.draws.uniform("chatbot/up", case, k) < a

    def serve(self, case: int, handle_factor: float = 1.0,
              fcr_override: float | None = None) -> Generator:
        """Contact stage for ``case``: the bot first, the wrapped provider on escalation.

        Parameters
        ----------
        case : int
            Case index.
        handle_factor : float
            Multiplies the human handle time (combined with the warm-transfer factor).
        fcr_override : float, optional
            Passed on to the wrapped provider.
        """
        # The wrapped provider's generator is delegated to directly: each level of
        # `yield from` resumes one more frame per event of the case's contact stage.
        inner: ContactStage = self.inner
        if not self.serves(case):
            return (yield from inner.serve(case, handle_factor, fcr_override))
        p, rec, draws = self.params, self.world.records, self.world.draws
        k = self._conversations[case]
        self._conversations[case] = k + 1
        rec.views["bot_handled"][case] = True
        record_contact(self.world, case, 0.0, p.discourtesy)
        yield self.env.timeout(draws.value("chatbot/conversation", p.bot_time, case, k))
        self._book(case, self.env._now, p.cost_per_conversation)
        if draws.uniform("chatbot/contain", case, k) < p.containment:
            rec.views["bot_resolved"][case] = True
            return RESOLVED
        record_wrong_answer(self.world, case)  # the bot did not settle it: a human next
        if p.warm_transfer:
            handle_factor *= p.warm_handle_factor
        else:
            rec.views["transfers"][case] += 1
        return (yield from inner.serve(case, handle_factor, fcr_override))

    def apply_params(self, params: ChatbotParams) -> None:
        """New parameters (a scenario event): the channels and case types it takes too."""
        super().apply_params(params)
        self._takes = _takes(params)

    def finish(self) -> None:
        """Book the licence for the horizon, day by day (fixed, not tied to a case)."""
        book_daily(self.world, "chatbot_licence", self.params.licence_per_day)
