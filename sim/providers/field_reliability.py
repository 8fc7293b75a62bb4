"""Field-service reliability: no-shows, late arrivals, quality drift and parts availability.

What the report calls the service platform's "uneven, unstable quality" (and what an own team
controls better), as mechanisms shared by every field provider (:class:`FieldProvider`):

- **No-show.** At the appointment the technician does not come with ``no_show_probability``;
  the consumer rebooks and waits ``rebook_delay`` for a new slot (up to ``max_rebookings``
  times per visit). Counted in ``no_shows``.
- **Late arrival.** A technician who comes is late with ``late_probability``, by ``late_by``.
  Counted in ``late_arrivals``.
- **Quality drift.** The first-time fix of each technician moves week by week as a random walk
  with steps of sd ``ftf_drift_per_week`` (turnover, uneven training), kept inside
  ``[drift_floor, drift_ceiling]`` (widened to include the technician's own starting rate):
  unstable, not only uneven. 0 for a steady team.
- **Parts.** A repair that needs parts (the provider's ``parts_probability``) finds them in
  stock with ``parts_in_stock``; otherwise the appointment waits ``parts_wait`` for the part
  (``parts_wait_h``), own technicians too.

Every draw is per case and per visit (common random numbers across designs).
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass

import numpy as np

from ..config.distributions import Dist
from ..config.fields import dist, number, probability


@dataclass(frozen=True, kw_only=True)
class ReliabilityParams:
    """How reliably technicians keep appointments, and how steady their quality is."""

    no_show_probability: float = probability(
        0.01, doc="P(the technician misses the appointment) (assumption: an own team "
                  "rarely does).")
    rebook_delay: Dist = dist({"dist": "uniform", "min": "12h", "max": "36h"},
                              doc="A missed appointment to the new one (assumption).")
    max_rebookings: int = number(3, integer=True, min=0,
                                 doc="Missed appointments per visit at most (assumption).")
    late_probability: float = probability(
        0.05, doc="P(the technician arrives late) (assumption).")
    late_by: Dist = dist({"dist": "exponential", "mean": "30min"},
                         doc="How late a late technician is (assumption).")
    ftf_drift_per_week: float = number(
        0.0, min=0.0, max=0.2, doc="Weekly sd of each technician's first-time-fix random "
                                   "walk (0: steady quality; assumption).")
    drift_floor: float = probability(0.50, doc="Lowest first-time fix the drift reaches "
                                               "(assumption).")
    drift_ceiling: float = probability(0.95, doc="Highest first-time fix the drift reaches "
                                                 "(assumption).")


@dataclass(frozen=True, kw_only=True)
class PlatformReliabilityParams(ReliabilityParams):
    """A service platform's technicians: more no-shows, later, drifting quality."""

    no_show_probability: float = probability(
        0.05, doc="P(the technician misses the appointment) (assumption: independent "
                  "technicians; sources.md §7: platform quality spread is not published).")
    late_probability: float = probability(
        0.15, doc="P(the technician arrives late) (assumption).")
    late_by: Dist = dist({"dist": "exponential", "mean": "1h"},
                         doc="How late a late technician is (assumption).")
    ftf_drift_per_week: float = number(
        0.02, min=0.0, max=0.2, doc="Weekly sd of each technician's first-time-fix random "
                                    "walk (assumption: turnover and uneven training on a "
                                    "platform; sd ~0.05 after six weeks).")


def drift_paths(base: np.ndarray, params: ReliabilityParams, weeks: int,
                rng: np.random.Generator) -> np.ndarray:
    """First-time fix of each technician (rows) in each week of the run (columns)."""
    steps = rng.normal(0.0, params.ftf_drift_per_week, size=(base.size, max(weeks, 1)))
    steps[:, 0] = 0.0
    path = base[:, None] + np.cumsum(steps, axis=1)
    # The bounds hold the drift, never a technician's own starting rate.
    lo = np.minimum(params.drift_floor, base)[:, None]
    hi = np.maximum(params.drift_ceiling, base)[:, None]
    return np.clip(path, lo, hi)


def appointment(provider, case: int, k: int, lead_time: Dist) -> Generator:
    """The lead time to the appointment, with parts waits, no-shows and late arrival.

    Each missed appointment (``no_shows`` + 1) and a late arrival (``late_arrivals`` + 1) is
    counted when it happens, and followed by its own delay. The counts are read only after
    the case, so where the sum of the delays is exactly the time consecutive timeouts would
    give and inside the run, the counts are made at once and the wait is one timeout.
    """
    env, draws, rel = provider.env, provider.world.draws, provider.params.reliability
    steps = [(None, draws.value("field/lead_time", lead_time, case, k))]
    for n in range(rel.max_rebookings):
        if draws.uniform(f"field/no_show/{n}", case, k) >= rel.no_show_probability:
            break
        steps.append((provider.no_shows,
                      draws.value(f"field/rebook/{n}", rel.rebook_delay, case, k)))
    if draws.uniform("field/late", case, k) < rel.late_probability:
        steps.append((provider.late_arrivals, draws.value("field/late_by", rel.late_by, case, k)))
    now = at = env.now
    for _, delay in steps:
        at += delay
    if now + (at - now) == at and at < provider.world.end:
        for count, _ in steps[1:]:
            count[case] += 1
        yield env.timeout(at - now)
        return
    for count, delay in steps:
        if count is not None:
            count[case] += 1
        yield env.timeout(delay)


def await_parts(provider, case: int, kind: str, k: int) -> Generator:
    """A repair that needs a part not in stock waits for it before the appointment."""
    p, draws = provider.params, provider.world.draws
    if kind != "repair" or draws.uniform("field/parts", case, k) >= p.parts_probability:
        return
    if draws.uniform("field/parts_stock", case, k) < p.parts_in_stock:
        return
    wait = draws.value("field/parts_wait", p.parts_wait, case, k)
    provider.parts_wait[case] += wait
    yield provider.env.timeout(wait)
