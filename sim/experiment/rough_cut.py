"""Rough-cut rosters: every contact group of a design staffed to the same service target.

So that a comparison of designs is a comparison of modes, not of hand-cut rosters, each design's
agents are sized to one stated target from the contact load *that design* is offered:

1. **Demand.** The scenario's cases are drawn for a few replications (the model's own demand,
   :func:`sim.demand.generate`) and counted per hour of the week (or of the day, pooling the
   seven days) over the measured window ``[warmup, horizon)``: arrivals per hour by case type
   and channel.
2. **What reaches people.** A chatbot overlay contains its share (``containment``) of the
   contacts it takes in its hours, and a warm hand-over shortens the rest; a community forum
   takes its share (``uptake``) of the case types and channels it serves, deflects some
   (existing threads), and sends only the threads peers do not settle (no answer before the
   fall-back, or a wrong answer) to its back office. Everything else goes to the first group
   skilled for its case type and channel, as in the model.
3. **Repeat contacts.** A contact resolves with the group's first-contact resolution; the
   expected repeats (``(1 - fcr)^k``, up to ``max_contacts``) come ``repeat_delay`` later
   (a circular convolution over the period) with ``repeat_handle_factor`` handle times.
4. **Erlang C per hour.** A live group's head count in each hour is the smallest that meets
   ``P(wait <= answer_within) >= service_level`` for that hour's arrivals and mean handle time
   (:func:`sim.theory.staffing.staffing_for_service_level`; a chat group's slots are
   ``agents x concurrency`` at the slowed-down handle time). A back office keeps its business
   hours (the hours its roster has agents): its weekly tickets are spread evenly over them and
   sized to ``P(wait <= ticket_within) >= service_level``.

Left out of the rough cut (the simulation has them): retrials after abandonment, "where is my
parcel" contacts, overflow between groups, the learning curve, and promotions' peaks beyond
their share of the averaged week. It is a rough cut: refine it by simulation with
``aftersales optimise-staffing`` where the target must be met exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..config.errors import ScenarioError
from ..config.vocab import CASE_TYPES, CHANNELS
from ..demand import generate
from ..streams import Streams
from ..theory.staffing import staffing_for_service_level


@dataclass(frozen=True)
class ServiceTarget:
    """The service target every design is staffed to.

    Parameters
    ----------
    service_level : float
        Share of contacts answered within the threshold, in ``[0, 1)``.
    answer_within : float
        Threshold for live groups (phone, chat, tickets in a live queue), h.
    ticket_within : float
        Threshold for a back office's tickets, h.
    """

    service_level: float = 0.8
    answer_within: float = 1 / 60      # assumption: 60 s for a mix of phone, chat and tickets
                                       # (the phone norm is 80/20, sources.md §5)
    ticket_within: float = 1.0         # assumption: a back-office ticket within the hour

    def __str__(self) -> str:
        return (f"{self.service_level:.0%} within {self.answer_within * 3600:g} s "
                f"(back office: {self.ticket_within:g} h)")


@dataclass
class GroupLoad:
    """The load offered to one agent group per hour of the period."""

    key: str                       # dotted key of the group under designs.<design>.
    params: object                 # its AgentGroup
    arrivals: np.ndarray           # contacts per hour
    work: np.ndarray               # handle hours per hour (slot-hours for chat groups)
    backoffice: bool = False

    def mean_handle(self) -> np.ndarray:
        """Mean handle time per hour (h; NaN where nothing arrives)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return self.work / self.arrivals


@dataclass
class RoughCut:
    """Head counts per group and hour of the period, and the loads they were cut from."""

    design: str
    target: ServiceTarget
    period: int
    loads: dict[str, GroupLoad] = field(default_factory=dict)
    agents: dict[str, np.ndarray] = field(default_factory=dict)

    def by_hour_of_week(self, key: str) -> np.ndarray:
        """The head counts of group ``key`` over the 168 hours of the week."""
        return np.tile(self.agents[key], 168 // self.period)

    def utilisation(self, key: str) -> float:
        """Expected occupancy of group ``key``: offered work over agent-hours."""
        group = self.loads[key]
        slots = self.agents[key] * getattr(group.params, "concurrency", 1)
        return float(group.work.sum() / slots.sum()) if slots.sum() else math.nan


def roster_shifts(agents: np.ndarray) -> list[dict]:
    """A 24-hour roster as non-overlapping shift blocks (``[{start, end, agents}]``)."""
    agents = np.asarray(agents, dtype=int)
    if agents.size != 24:
        raise ValueError("roster_shifts takes 24 hourly head counts")
    shifts, start = [], 0
    for hour in range(1, 25):
        if hour == 24 or agents[hour] != agents[start]:
            if agents[start]:
                shifts.append({"start": start, "end": hour, "agents": int(agents[start])})
            start = hour
    return shifts


def _arrivals(scenario, period: int, replications: int, seed: int,
              partial: bool = False) -> np.ndarray:
    """Cases per hour of the period by (case type, channel): shape (types, channels, period).

    With ``partial``, hours the measured window never covers get no cases (the staffing
    optimiser's start for a run shorter than the period: those hours are not simulated).
    """
    run = scenario.run
    first, last = int(math.ceil(run.warmup)), int(math.floor(run.horizon))
    exposure = np.bincount(np.arange(first, last) % period, minlength=period)
    if (exposure == 0).all() or ((exposure == 0).any() and not partial):
        raise ScenarioError.at("run.horizon", run.horizon, f"a measured window of at least "
                               f"{period} h for a rough cut per {period}-hour period")
    counts = np.zeros((len(CASE_TYPES), len(CHANNELS), period))
    for r in range(replications):
        cases = generate(scenario, Streams(seed, r))
        keep = (cases.created >= first) & (cases.created < last)
        hour = np.floor(cases.created[keep]).astype(int) % period
        np.add.at(counts, (cases.case_type[keep], cases.channel[keep], hour), 1.0)
    return counts / (np.maximum(exposure, 1) * replications)


def _delayed(rate: np.ndarray, delay) -> np.ndarray:
    """``rate`` shifted by a random ``delay`` (a circular convolution over the period)."""
    period = rate.size
    span = int(min(max(math.ceil(float(delay.ppf(0.999))), 1), 20 * period))
    edges = np.asarray(delay.cdf(np.arange(span + 1, dtype=float)), dtype=float)
    pmf = np.diff(edges)
    pmf = pmf / pmf.sum() if pmf.sum() > 0 else np.eye(1, span)[0]
    out = np.zeros_like(rate)
    for lag, p in enumerate(pmf):
        if p:
            out += p * np.roll(rate, lag)
    return out


def _contact_stage(scenario, design: str):
    """(staff centre params, forum params or None, chatbot params or None, key prefix)."""
    d = scenario.design(design)
    stage = d.stages.get("contact")
    if stage is None:
        raise ScenarioError.at(f"designs.{design}.contact", None, "a contact stage")
    bots = [o.params for o in d.overlays.values() if type(o.params).__name__ == "ChatbotParams"]
    bot = bots[0] if bots else None
    if stage.provider == "in_house":
        return stage.params, None, bot, "contact"
    if stage.provider == "community":
        return stage.params.staff, stage.params, bot, "contact.staff"
    raise ScenarioError.at(f"designs.{design}.contact.provider", stage.provider,
                           "in_house or community for a rough-cut roster")


def _bot_split(bot, case_type: str, channel: str, period: int) -> tuple[np.ndarray, float]:
    """Share of contacts the bot passes on per hour, and the hand-over's handle factor."""
    passed = np.ones(period)
    if bot is None or channel not in bot.channels or case_type not in bot.case_types:
        return passed, 1.0
    hour_of_day = np.arange(period) % 24
    open_ = (hour_of_day >= bot.open_from) & (hour_of_day < bot.open_until)
    passed[open_] = 1.0 - bot.containment
    return passed, (bot.warm_handle_factor if bot.warm_transfer else 1.0)


def _add_contacts(load: GroupLoad, rate, handle: float, fcr: float, centre, slots_factor=1.0):
    """First contacts at ``rate`` and their expected repeats, onto ``load``."""
    current, factor = rate.copy(), 1.0
    for _k in range(centre.max_contacts):
        load.arrivals += current
        load.work += current * handle * factor * slots_factor
        current = _delayed(current * (1.0 - fcr), centre.repeat_delay)
        factor = centre.repeat_handle_factor


def case_rates(scenario, period: int = 168, replications: int = 4,
               seed: int | None = None, partial: bool = False) -> np.ndarray:
    """Cases per hour of the period by (case type, channel), averaged over demand draws
    (``partial``: hours outside the measured window get none, instead of an error)."""
    if period not in (24, 168):
        raise ScenarioError.at("period", period, "24 (hour of the day) or 168 (of the week)")
    return _arrivals(scenario, period, replications,
                     scenario.run.seed if seed is None else seed, partial)


def offered_loads(scenario, design: str, rates: np.ndarray) -> dict[str, GroupLoad]:
    """The contact load each agent group of ``design`` is offered (module docstring, 1-3).

    ``rates`` are the cases per hour of the period from :func:`case_rates`.
    """
    from ..providers.community import deflection

    centre, forum, bot, prefix = _contact_stage(scenario, design)
    period = rates.shape[-1]
    loads = {f"{prefix}.groups.{n}": GroupLoad(f"{prefix}.groups.{n}", g, np.zeros(period),
                                               np.zeros(period))
             for n, g in centre.groups.items()}
    office = None
    if forum is not None:
        office = loads["contact.backoffice"] = GroupLoad(
            "contact.backoffice", forum.backoffice, np.zeros(period), np.zeros(period), True)
        deflected = deflection(forum, scenario.demand.orders_per_day)
        escalated = (1 - forum.answer_probability) + forum.answer_probability * (
            1 - forum.correct_probability)
    for t, case_type in enumerate(CASE_TYPES):
        for c, channel in enumerate(CHANNELS):
            rate = rates[t, c]
            if not rate.any():
                continue
            passed, warm = _bot_split(bot, case_type, channel, period)
            rate = rate * passed
            to_forum = 0.0
            if forum is not None and case_type in forum.case_types and \
                    channel in forum.channels:
                to_forum = forum.uptake
                tickets = rate * to_forum * (1 - deflected) * escalated
                ticket_channel = "ticket" if "ticket" in centre.handle_time else channel
                handle = centre.handle_dist(case_type, ticket_channel).mean * \
                    forum.backoffice.handle_time_factor * warm
                _add_contacts(office, tickets, handle, forum.backoffice.fcr, centre)
            name = centre.primary_group(case_type, channel)
            if name is None:
                continue  # the loader refuses such a scenario when demand raises the case
            group = centre.groups[name]
            slowdown = 1 + group.concurrency_slowdown * (group.concurrency - 1)
            handle = (centre.handle_dist(case_type, channel).mean * group.handle_time_factor
                      * warm + centre.transfer_probability * centre.transfer_time.mean)
            _add_contacts(loads[f"{prefix}.groups.{name}"], rate * (1 - to_forum), handle,
                          group.fcr, centre, slots_factor=slowdown)
    return loads


def _live_count(arrivals: float, work: float, concurrency: int, level: float,
                within: float) -> int:
    if arrivals <= 0 or work <= 0:
        return 0
    slots = staffing_for_service_level(arrivals, arrivals / work, level, within)
    return int(math.ceil(slots / concurrency))


def rough_cut_roster(scenario, design: str, target: ServiceTarget | None = None,
                     period: int = 168, replications: int = 4, seed: int | None = None,
                     rates: np.ndarray | None = None) -> RoughCut:
    """Erlang C head counts per hour for every agent group of ``design``.

    Parameters
    ----------
    scenario : Scenario
        The validated scenario (its demand, run window and the design's contact stage).
    design : str
        The design to staff (its contact provider must be ``in_house`` or ``community``).
    target : ServiceTarget, optional
        The service target (default: 80% within 60 s live, within 1 h in a back office).
    period : int
        168 for a roster per hour of the week, 24 to pool the seven days into one daily
        roster.
    replications, seed
        Demand draws averaged for the load (default seed: the scenario's).
    rates : numpy.ndarray, optional
        Precomputed :func:`case_rates` (the same for every design of a scenario); then
        ``period``, ``replications`` and ``seed`` are not used.

    Returns
    -------
    RoughCut
        ``agents[key]`` per group key (``contact.groups.voice``, ``contact.staff.groups.chat``,
        ``contact.backoffice``), one head count per hour of the period.
    """
    target = target or ServiceTarget()
    if rates is None:
        rates = case_rates(scenario, period, replications, seed)
    period = rates.shape[-1]
    cut = RoughCut(design, target, period, offered_loads(scenario, design, rates))
    for key, load in cut.loads.items():
        group = load.params
        if load.backoffice:
            open_hours = group.agents_by_hour()[:period] > 0
            if not open_hours.any():
                raise ScenarioError.at(f"designs.{design}.{key}.shifts", None,
                                       "business hours with agents on duty")
            n_open = int(open_hours.sum())
            count = _live_count(load.arrivals.sum() / n_open, load.work.sum() / n_open, 1,
                                target.service_level, target.ticket_within)
            cut.agents[key] = np.where(open_hours, count, 0)
        else:
            cut.agents[key] = np.array([
                _live_count(a, w, group.concurrency, target.service_level,
                            target.answer_within)
                for a, w in zip(load.arrivals, load.work, strict=True)], dtype=int)
    return cut


def rough_cut_toml(cut: RoughCut) -> str:
    """The cut as TOML ``shifts`` arrays per group, for a scenario file (period 24 only)."""
    if cut.period != 24:
        raise ValueError("a TOML roster is written for a daily (period 24) rough cut")
    lines = [f"# designs.{cut.design}: rough cut {cut.target}"]
    for key, agents in cut.agents.items():
        blocks = ", ".join(f"{{ start = {b['start']}, end = {b['end']}, agents = {b['agents']} }}"
                           for b in roster_shifts(agents))
        lines.append(f"# {key}: expected occupancy {cut.utilisation(key):.0%}")
        lines.append(f"[designs.{cut.design}.{key}]\nshifts = [{blocks}]")
    return "\n".join(lines)
