"""Shift blocks as decision variables of the staffing optimiser, started from the rough cut.

A design whose agent groups work shifts (the bundled scenarios' rosters) is optimised over the
head count of every shift block: ``designs.D.contact.groups.G.shifts.I.agents`` (and the same
under ``contact.staff`` and ``contact.backoffice`` for a community's staff). The start is the
Erlang C rough cut of :mod:`sim.experiment.rough_cut` at the target the requirements state,
laid onto the scenario's own blocks: the fewest agents per block such that every hour has at
least the rough cut's head count on duty (a covering found greedily: the hour short of most
agents gets one more in the block covering it that is on duty for the fewest hours, which is
the cheapest way to cover it; with non-overlapping blocks this is exact: each block gets the
largest hourly need inside it).
"""

from __future__ import annotations

import re

import numpy as np

from ..config.vocab import WEEKDAYS
from .rough_cut import ServiceTarget, case_rates, rough_cut_roster

HOURS_PER_WEEK = 168


def _groups(scenario, design: str, with_shifts: bool = True) -> dict[str, object]:
    """Agent groups (only those that work shifts unless ``with_shifts`` is False), by their
    key under ``designs.<design>.``."""
    stage = scenario.designs[design].stages.get("contact")
    if stage is None or stage.provider not in ("in_house", "community"):
        return {}
    params = stage.params
    prefix, centre = ("contact", params) if stage.provider == "in_house" else \
        ("contact.staff", params.staff)
    groups = {f"{prefix}.groups.{name}": g for name, g in centre.groups.items()}
    if stage.provider == "community":
        groups["contact.backoffice"] = params.backoffice
    return {key: g for key, g in groups.items()
            if getattr(g, "shifts", None) or not with_shifts}


def shift_keys(scenario, design: str) -> list[str]:
    """Dotted keys of the head count of every shift block of the design's agent groups."""
    return [f"designs.{design}.{key}.shifts.{i}.agents"
            for key, group in _groups(scenario, design).items()
            for i in range(len(group.shifts))]


def service_target(requirements) -> ServiceTarget:
    """The rough cut's target implied by the requirements (default: 80% within 60 s).

    ``first_response_pXX_min<=v`` means XX% answered within v minutes; ``queued_share<=q``
    means a share 1 - q answered at once; ``service_level(CHANNEL,t)>=s`` (per hour or not)
    means a share s answered within t. The strictest such requirement sets the target.
    """
    target = ServiceTarget()
    found = []
    for req in requirements:
        if req.hourly is not None:          # a service-level target
            found.append((req.value, req.within_h))
            continue
        pct = re.fullmatch(r"first_response_p(\d+)_min", req.kpi)
        if req.op != "<=":
            continue
        if pct:
            found.append((int(pct.group(1)) / 100, req.value / 60.0))
        elif req.kpi == "queued_share":
            found.append((1.0 - req.value, 0.0))
    if not found:
        return target
    level, within = max(found, key=lambda f: (f[0], -f[1]))
    return ServiceTarget(service_level=min(level, 0.999), answer_within=within,
                         ticket_within=target.ticket_within)


def coverage(scenario, design: str, keys: list[str]) -> dict[str, tuple[set, set]]:
    """For each head-count key of an agent group: (hours of the week it adds an agent to,
    channels that group answers). A group staffed around the clock covers every hour; a
    shift block its own hours; keys that are not a group's head count are left out."""
    from ..config.vocab import CHANNELS

    groups = _groups(scenario, design, with_shifts=False)
    out = {}
    for key in keys:
        rest = key.removeprefix(f"designs.{design}.")
        for gkey, group in groups.items():
            channels = set(getattr(group, "channels", CHANNELS))
            if rest == f"{gkey}.agents":
                out[key] = (set(range(HOURS_PER_WEEK)), channels)
            elif rest.startswith(f"{gkey}.shifts.") and rest.endswith(".agents"):
                index = rest[len(gkey) + len(".shifts."):-len(".agents")]
                if index.isdigit() and int(index) < len(group.shifts or ()):
                    hours = _block_hours(group.shifts[int(index)])
                    out[key] = (set(hours.tolist()), channels)
    return out


def _block_hours(shift) -> np.ndarray:
    """Hours of the week (0-167) a shift block is on duty."""
    return np.array([WEEKDAYS.index(day) * 24 + h for day in shift.days
                     for h in range(shift.start, shift.end)], dtype=int)


def cover(need: np.ndarray, shifts) -> list[int]:
    """Fewest agents per shift block so that every hour of the week has ``need`` on duty.

    Hours no block covers are left short (the scenario's roster does not work then).
    """
    need = np.asarray(need, dtype=int)
    hours = [_block_hours(s) for s in shifts]
    counts = [0] * len(shifts)
    on_duty = np.zeros(HOURS_PER_WEEK, dtype=int)
    covered = np.zeros(HOURS_PER_WEEK, dtype=bool)
    for h in hours:
        covered[h] = True
    while True:
        short = np.where(covered, need - on_duty, 0)
        hour = int(np.argmax(short))
        if short[hour] <= 0:
            return counts
        block = min((i for i, h in enumerate(hours) if hour in h), key=lambda i: hours[i].size)
        counts[block] += 1
        on_duty[hours[block]] += 1


def rough_cut_start(scenario, design: str, keys: list[str], requirements) -> dict[str, int]:
    """Start head counts for shift-block ``keys``: the rough cut laid onto the blocks."""
    groups = _groups(scenario, design)
    if not groups:
        return {}
    every_day = all(set(s.days) == set(WEEKDAYS) for g in groups.values() for s in g.shifts)
    # Shifts that run every day are cut per hour of the day (the seven days pooled, so a run
    # shorter than a week can be cut); others per hour of the week.
    # A run shorter than the period is cut on the hours it simulates (the others get no load).
    rates = case_rates(scenario, 24 if every_day else HOURS_PER_WEEK, partial=True)
    cut = rough_cut_roster(scenario, design, service_target(requirements), rates=rates)
    start = {}
    for key, group in groups.items():
        need = cut.by_hour_of_week(key) if key in cut.agents else np.zeros(HOURS_PER_WEEK)
        counts = cover(need, group.shifts)
        for i, n in enumerate(counts):
            full = f"designs.{design}.{key}.shifts.{i}.agents"
            if full in keys:
                start[full] = int(n)
    return start

