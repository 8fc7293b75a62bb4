"""The fixed vocabulary of the domain: case types, channels, stages and terminal states.

Kept in one place so that scenario validation, the model and the KPIs all speak the same names.
"""

from __future__ import annotations

#: Case types (``maintenance`` covers cleaning and upkeep visits). ``presale`` is a pre-sale
#: consultation, raised before the order it leads to (appended last so existing codes keep
#: their values).
CASE_TYPES: tuple[str, ...] = (
    "inquiry", "return_refund", "exchange", "repair", "installation", "maintenance", "complaint",
    "presale",
)
#: Case types raised before their order is placed (pre-sale consultation).
PRESALE_TYPES: tuple[str, ...] = ("presale",)
#: Case types whose journey ends in a field-service visit.
FIELD_TYPES: tuple[str, ...] = ("repair", "installation", "maintenance")
#: Case types whose journey sends goods back through logistics.
RETURN_TYPES: tuple[str, ...] = ("return_refund", "exchange")

#: Contact channels a consumer uses to reach the platform.
CHANNELS: tuple[str, ...] = ("phone", "chat", "ticket")

#: Stages of a journey, each served by one provider of a design.
STAGES: tuple[str, ...] = ("contact", "logistics", "field_service", "complaint")

#: Terminal states: every case ends in exactly one.
TERMINAL_STATES: tuple[str, ...] = (
    "open",        # code 0: not yet closed (only ever seen mid-run)
    "resolved",    # the consumer got what the case was for
    "unresolved",  # the platform gave up or the consumer was left without a remedy
    "abandoned",   # the consumer left a queue and did not come back
    "blocked",     # the consumer found the queue full and did not come back
    "withdrawn",   # the consumer chose not to go on (e.g. did not send a return because of a fee)
    "censored",    # still open when the run stopped (drain time exhausted)
)
TERMINAL_CODE: dict[str, int] = {name: code for code, name in enumerate(TERMINAL_STATES)}

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
