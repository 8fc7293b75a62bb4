"""Parameters of the in-house contact centre (docs/sources.md §3.3, §3.7, parameter table)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...config.errors import Problem
from ...config.fields import (
    dist,
    duration,
    items,
    mapping,
    money,
    number,
    probability,
    strings,
    table,
    text,
)
from ...config.vocab import CASE_TYPES, CHANNELS
from ..staffing import HOURS_PER_WEEK, Shift, hourly_cost, roster  # noqa: F401  (Shift: API)

#: Hours in a quarter of a year (13 weeks).
QUARTER_H = 13 * 168.0


@dataclass(frozen=True, kw_only=True)
class AgentGroup:
    """A group of agents with the same skills, channels and roster."""

    case_types: tuple = strings(list(CASE_TYPES), options=CASE_TYPES,
                                doc="Case types the group is skilled for.")
    channels: tuple = strings(list(CHANNELS), options=CHANNELS,
                              doc="Channels the group answers.")
    agents: int | None = number(None, integer=True, min=0,
                                doc="Agents on the floor around the clock (or give shifts).")
    shifts: tuple = items(Shift, default=[], doc="Roster; overlapping shifts add up.")
    concurrency: int = number(1, integer=True, min=1, max=10,
                              doc="Chats an agent handles at once (sources.md: 2-5; chat-only "
                                  "groups).")
    concurrency_slowdown: float = number(
        0.25, min=0.0, max=1.0,
        doc="Each chat takes (1 + slowdown x (concurrency - 1)) times its handle time "
            "(sources.md §3.3: alpha ~ 0.25, Tezcan & Zhang form).")
    overflow_to: str | None = text(None, doc="Group that also takes this group's contacts after "
                                             "overflow_after.")
    overflow_after: float = duration("60s", doc="Wait before overflow.")
    fcr: float = probability(0.78, doc="P(resolved at a contact) (sources.md §3.7: self-built "
                                       "0.78, outsourced 0.70).")
    fcr_gain_per_quarter: float = number(
        0.0, min=0.0, max=0.2,
        doc="First-contact resolution gained per quarter (13 weeks) of operation as the case "
            "history and knowledge base grow (sources.md §6: 1-2 points a quarter [L]; 0: no "
            "learning).")
    fcr_ceiling: float = probability(
        0.85, doc="Highest first-contact resolution learning reaches (sources.md §3.7: world "
                  "class >= 0.80; assumption 0.85).")
    history_quarters: float = number(
        0.0, min=0.0, doc="Quarters of case history accumulated before the run starts "
                          "(assumption: 0, a new team).")
    discourtesy: float = probability(
        0.03, doc="Share of this group's answers the consumer finds discourteous (assumption: "
                  "trained in-house staff under the platform's own quality control; set it "
                  "higher for an outsourced group).")
    handle_time_factor: float = number(1.0, min=0.0, open_min=True,
                                       doc="Multiplies handle times (e.g. 0.85 with AI assist).")
    monthly_cost: float = money(7500.0, doc="Fully loaded cost per agent-month "
                                            "(sources.md §3.3, derived [L]).")
    paid_hours_per_month: float = number(174.0, min=1.0, doc="Paid hours per agent-month.")
    shrinkage: float = number(0.30, min=0.0, max=0.9,
                              doc="Paid time not on the floor (sources.md: 0.30, assumption).")
    attrition_per_year: float = number(0.60, min=0.0, max=5.0,
                                       doc="Agents replaced per year (BLR: ~60%).")
    cost_per_hire: float = money(
        5600.0, doc="Training and ramp cost per new agent (3 weeks of reduced productivity, "
                    "sources.md §3.3, assumption).")

    def _check(self, key: str) -> list[Problem]:
        problems = []
        if (self.agents is None) == (not self.shifts):
            problems.append(Problem(f"{key}.agents", self.agents,
                                    "either agents (around the clock) or shifts, not both"))
        if self.concurrency > 1 and set(self.channels) - {"chat"}:
            problems.append(Problem(f"{key}.concurrency", self.concurrency,
                                    "1 unless the group answers only chat"))
        return problems

    def fcr_at(self, time: float) -> float:
        """First-contact resolution at ``time`` (h): the learning curve, capped."""
        if self.fcr_gain_per_quarter == 0.0:
            return self.fcr
        quarters = self.history_quarters + max(time, 0.0) / QUARTER_H
        return max(self.fcr, min(self.fcr_ceiling, self.fcr + self.fcr_gain_per_quarter
                                 * quarters))

    def agents_by_hour(self) -> np.ndarray:
        """Agents on the floor in each hour of the week (168 values, Monday 00:00 first)."""
        return roster(self.agents, self.shifts)

    @property
    def cost_per_floor_hour(self) -> float:
        """Cost of one agent-hour on the floor, shrinkage included."""
        return hourly_cost(self.monthly_cost, self.paid_hours_per_month, self.shrinkage)


@dataclass(frozen=True, kw_only=True)
class ContactCentreParams:
    """An in-house contact centre: agent groups, handle times, patience, retrials, FCR."""

    groups: dict = mapping(table(AgentGroup, doc=""), min_items=1,
                           doc="Agent groups by name; a contact goes to the first group skilled "
                               "for its case type and channel.")
    handle_time: dict = mapping(
        mapping(dist(doc=""), keys=("default", *CASE_TYPES), doc=""), keys=CHANNELS,
        default={
            "phone": {"default": {"dist": "lognormal", "mean": "6min", "sd": "4min"}},
            "chat": {"default": {"dist": "lognormal", "mean": "10min", "sd": "6min"}},
            "ticket": {"default": {"dist": "lognormal", "mean": "8min", "sd": "5min"}},
        },
        doc="Handle time per channel: `default` and optional per case type (sources.md §3.3: "
            "phone AHT 4-7 min, chat 9-12 min; sd assumed).")
    patience: dict = mapping(
        dist(doc=""), keys=CHANNELS,
        default={"phone": {"dist": "exponential", "mean": "360s"},
                 "chat": {"dist": "exponential", "mean": "480s"}},
        doc="Patience in queue per channel; a channel left out waits forever (sources.md "
            "table: phone 360 s derived, chat 480 s assumption).")
    retry_probability: float = probability(
        0.33, doc="P(trying again) after abandoning or finding the queue full (RD [L]).")
    retry_delay: object = dist({"dist": "exponential", "mean": "30min"},
                               doc="Time before a retry (assumption).")
    max_attempts: int = number(3, integer=True, min=1,
                               doc="Attempts to reach an agent, per contact, before giving up.")
    switch: dict = mapping(
        mapping(probability(doc=""), keys=CHANNELS, doc=""), keys=CHANNELS, default={},
        doc="Channel switching: switch.X.Y = P(a consumer who abandoned or got a busy signal "
            "on channel X tries channel Y next, instead of X); the rest retry on X with "
            "retry_probability (assumption; no published rates found: sources.md §1.1 has "
            "only the share of abandoners who try again). Left out: nobody switches.")
    repeat_delay: object = dist({"dist": "exponential", "mean": "1d"},
                                doc="Time before the consumer contacts again when a contact "
                                    "did not resolve (assumption).")
    repeat_handle_factor: float = number(1.4, min=0.0, open_min=True,
                                         doc="Handle time of repeat contacts (LB: +30-50%).")
    max_contacts: int = number(4, integer=True, min=1,
                               doc="Answered contacts before the case is left unresolved.")
    transfer_probability: float = probability(
        0.0, doc="P(a contact is cold-transferred), adding transfer_time (SQM: 19% of calls).")
    transfer_time: object = dist({"dist": "exponential", "mean": "3min"},
                                 doc="Extra handle time of a transfer (assumption).")
    priorities: dict = mapping(number(doc="", integer=True, min=0), keys=CASE_TYPES, default={},
                               doc="Queue priority per case type (0 first; default 0).")
    queue_capacity: dict = mapping(number(doc="", integer=True, min=0), keys=CHANNELS,
                                   default={},
                                   doc="Most contacts waiting per group on a channel; one more "
                                       "is blocked (busy signal). Left out: unlimited.")
    cost_per_contact: dict = mapping(money(doc=""), keys=CHANNELS,
                                     default={"phone": 0.5, "chat": 0.1, "ticket": 0.1},
                                     doc="Telephony/IT cost per answered contact (assumption).")

    def _check(self, key: str) -> list[Problem]:
        problems = []
        for name, group in self.groups.items():
            target = group.overflow_to
            if target is not None and target not in self.groups:
                problems.append(Problem(f"{key}.groups.{name}.overflow_to", target,
                                        "another group: " + ", ".join(self.groups)))
            if target == name:
                problems.append(Problem(f"{key}.groups.{name}.overflow_to", target,
                                        "a group other than itself"))
        for channel, options in self.switch.items():
            if channel in options:
                problems.append(Problem(f"{key}.switch.{channel}.{channel}", options[channel],
                                        "another channel (staying is retry_probability)"))
            if sum(options.values()) > 1 + 1e-9:
                problems.append(Problem(f"{key}.switch.{channel}", dict(options),
                                        "probabilities that sum to at most 1"))
        for channel in CHANNELS:
            if channel in self.handle_time and "default" not in self.handle_time[channel]:
                missing = [t for t in CASE_TYPES if t not in self.handle_time[channel]]
                if missing:
                    problems.append(Problem(f"{key}.handle_time.{channel}.default", None,
                                            "a default handle time (or one for every case "
                                            "type; missing " + ", ".join(missing) + ")"))
        return problems

    def _check_scenario(self, scenario, key: str) -> list[Problem]:
        """Every case type and channel that demand raises (or consumers switch to) needs a
        skilled group."""
        problems = []
        channels = set(scenario.demand.channels_used())
        channels |= {to for options in self.switch.values() for to in options}
        for case_type in sorted(scenario.demand.case_types_raised()):
            for channel in sorted(channels):
                if self.primary_group(case_type, channel) is None:
                    problems.append(Problem(
                        f"{key}.groups", sorted(self.groups),
                        f"a group skilled for case type {case_type!r} on channel {channel!r} "
                        "(demand raises such cases)"))
                if channel not in self.handle_time:
                    problems.append(Problem(f"{key}.handle_time.{channel}", None,
                                            "handle times for every channel demand uses"))
        return problems

    def primary_group(self, case_type: str, channel: str) -> str | None:
        """First group skilled for ``case_type`` on ``channel``."""
        for name, group in self.groups.items():
            if case_type in group.case_types and channel in group.channels:
                return name
        return None

    def handle_dist(self, case_type: str, channel: str):
        """Handle-time distribution for a case type on a channel."""
        per_channel = self.handle_time[channel]
        return per_channel.get(case_type, per_channel.get("default"))
