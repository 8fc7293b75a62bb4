"""Logistics information: tracking scans per parcel leg, and the "where is my parcel / refund"
contacts they prevent or cause.

Every parcel leg (a return to the warehouse, a replacement to the consumer) produces
``2 + hub_scans`` tracking events: the pickup scan at the hand-over, ``hub_scans`` hub scans
spread evenly over the transit, and the delivery (receipt) scan at arrival. Each scan is lost
with ``missing_probability`` (it never reaches the platform); one that is not lost reaches the
platform ``scan_lag`` after the event, and counts as *late* when that is longer than the
provider's ``promised_scan_lag``. A lost parcel produces its pickup scan only; the rest of its
scans are missing. The case records ``scans_expected``, ``scans_missing`` and ``scans_late``:
the scorecard's "transparency of logistics information".

Consumers watch their parcel and refund (policy ``wismo_*``, sources.md §3.2: "where is my
order" is 35-45% of inquiries). At the expected time (``policy.parcel_expected`` after the
hand-over; for a refund ``policy.refund_expected`` after that) the consumer checks:

- a return parcel counts as arrived once its delivery scan is visible (the consumer only knows
  what tracking shows) or the refund is posted; a replacement once it is delivered (the
  consumer signs for it); a refund once it is posted;
- if it has not arrived and no scan became visible in the last ``policy.wismo_news_window``,
  the consumer contacts the platform with ``policy.wismo_probability``: a real contact at the
  design's contact stage (``wismo_contacts`` += 1), with its wait, its cost and its place in
  the satisfaction model's per-contact multiplier;
- either way, while it has not arrived the consumer checks again ``policy.wismo_recheck``
  later, up to ``policy.wismo_max_contacts`` contacts per case.

A carrier (heavier-tailed transit, more missing and later scans) therefore causes more of these
contacts than an own fleet with integrated scanning.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Generator
from dataclasses import dataclass
from functools import partial

import numpy as np

from ..config.distributions import Dist
from ..config.fields import dist, duration, number, probability
from ..processes import start_after
from ..streams import BLOCK_MASK, BLOCK_SHIFT

#: Fewest cases with scans kept before closed ones are forgotten (see Tracker._purge).
_PURGE_MIN = 4096


@dataclass(frozen=True, kw_only=True)
class TrackingParams:
    """Tracking quality of a logistics provider: scans per leg, their lag and losses."""

    hub_scans: int = number(2, integer=True, min=0,
                            doc="Hub scans between pickup and delivery per parcel leg "
                                "(assumption: origin and destination sorting centres).")
    scan_lag: Dist = dist({"dist": "lognormal", "mean": "1h", "sd": "2h"},
                          doc="Event to scan visible on the platform (assumption: carrier "
                              "systems batch uploads; heavy tail).")
    promised_scan_lag: float = duration(
        "2h", doc="The provider's promised upload delay; later scans count as late "
                  "(assumption).")
    missing_probability: float = probability(
        0.05, doc="P(a scan never reaches the platform) (assumption; sources.md §6: carrier "
                  "quality is hard to control, 2-5% failures).")


class Tracker:
    """Scan schedule and "where is my parcel / refund" watch of one logistics provider.

    Parameters
    ----------
    provider : ParcelLogistics
        The provider whose parcels are tracked (``params.tracking``).
    """

    def __init__(self, provider):
        self.provider = provider
        self.world = provider.world
        self.env = provider.env
        self.params: TrackingParams = provider.params.tracking
        # Per case: times scans became visible (for "news"), and WISMO checks made so far.
        self._visible: dict[int, array] = {}
        self._checks: dict[int, int] = {}
        self._leg_columns: dict[tuple[int, int], tuple] = {}  # see _columns
        self._purge_at = _PURGE_MIN  # purge closed cases when _visible reaches this size
        rec = self.world.records
        self._expected = rec["scans_expected"]
        self._missing = rec["scans_missing"]
        self._late = rec["scans_late"]

    def scan_leg(self, case: int, leg: int, handed: float, arrival: float,
                 lost: bool = False) -> tuple[float, float]:
        """Record the scans of one leg; returns (first visible scan, delivery scan visible).

        Times are ``inf`` for scans that never reach the platform. ``arrival`` is the
        delivery time (ignored when ``lost``).
        """
        p = self.params
        n = p.hub_scans + 2
        span = arrival - handed
        visible_by_case = self._visible
        if len(visible_by_case) >= self._purge_at:
            self._purge()
        seen = visible_by_case.get(case)
        if seen is None:  # typed: a float object per scan in a list was 24 B more
            seen = visible_by_case[case] = array("d")
        first = last = math.inf
        missing = late = 0
        p_missing, promised = p.missing_probability, p.promised_scan_lag
        b, row = case >> BLOCK_SHIFT, case & BLOCK_MASK
        constant_lag, scans = self._columns(leg)
        for j, missing_blocks, missing_draw, lag_blocks, lag_draw in scans:
            if lost and j > 0:
                missing += n - j  # a lost parcel's later scans never come
                last = math.inf
                break
            block = missing_blocks[b]
            u = block.item(row) if block is not None else missing_draw(case, leg)
            if u < p_missing:
                missing += 1
                last = math.inf
                continue
            if constant_lag is not None:  # a deterministic lag: no draw to read
                lag = constant_lag
            else:
                block = lag_blocks[b]
                lag = block.item(row) if block is not None else lag_draw(case, leg)
            if lag > promised:
                late += 1
            # Scan j of n is (j / (n - 1)) of the way through the transit.
            last = at = (handed if lost else handed + span * j / (n - 1)) + lag
            if at < first:
                first = at
            seen.append(at)
        # Python ints into the numpy cells: numpy scalar arithmetic is several times slower.
        self._expected[case] = self._expected.item(case) + n
        if missing:
            self._missing[case] = self._missing.item(case) + missing
        if late:
            self._late[case] = self._late.item(case) + late
        return first, last

    def _purge(self) -> None:
        """Forget the scans and checks of closed cases: nothing reads them once a case is
        closed (its watch ends), and a run would otherwise keep a list per parcel case."""
        terminal = self.world.records["terminal"]
        for by_case in (self._visible, self._checks):
            for case in [c for c in by_case if terminal[c] != 0]:
                del by_case[case]
        self._purge_at = max(len(self._visible) * 5 // 4, _PURGE_MIN)

    def _columns(self, leg: int) -> tuple:
        """The draws of a ``leg``-th leg's scans: ``(constant lag, scans)``, with per scan
        ``(j, missing blocks, missing draw, lag blocks, lag draw)``. A case's uniform is
        ``blocks[case >> BLOCK_SHIFT].item(case & BLOCK_MASK)`` where that block is generated
        and kept (the float ``draws.uniform`` / ``draws.value`` gives, one lookup less), else
        the draw's own call. Through the draws' windowed blocks, not whole-run columns: 16
        columns of 8 B per case for two legs. A deterministic ``scan_lag`` (an own fleet's)
        is its constant (the value every draw of it gives), and its blocks are not read.

        Made once per leg index and tracking table (a scenario event may swap the table).
        """
        p = self.params
        key = (leg, id(p))
        entry = self._leg_columns.get(key)
        if entry is not None and entry[0] is p:
            return entry[1]
        draws, n = self.world.draws, p.hub_scans + 2
        lag_dist = p.scan_lag
        constant = None
        if lag_dist.kind == "deterministic":  # the float CaseDraws.value gives for any case
            constant = np.asarray(lag_dist.ppf(np.zeros(1)), dtype=float).item()
        names = [(j, f"tracking/missing/{j}", f"tracking/lag/{j}") for j in range(n)]
        if leg < draws.slots:
            scans = [(j, draws.uniform_blocks(m, leg), partial(draws.uniform, m),
                      draws.value_blocks(lag, lag_dist, leg) if constant is None else None,
                      partial(draws.value, lag, lag_dist)) for j, m, lag in names]
        else:  # beyond the stored uses: always the draws' own (rare) path
            never = [None] * ((draws.n_cases >> BLOCK_SHIFT) + 1)
            scans = [(j, never, partial(draws.uniform, m), never,
                      partial(draws.value, lag, lag_dist)) for j, m, lag in names]
        columns = (constant, scans)
        self._leg_columns[key] = (p, columns)
        return columns

    # --- the consumer's watch -----------------------------------------------------------------
    def watch_parcel(self, case: int, handed: float, known_at: float,
                     physical: bool = False, refunded_at: float = math.inf) -> None:
        """Start the consumer's watch of a parcel handed over at ``handed``.

        ``known_at`` is when the consumer learns that it arrived (delivery scan visible, or
        the delivery itself when ``physical``); ``refunded_at`` when the refund will be
        posted, where that is already certain.
        """
        policy = self.world.scenario.policy
        if policy.wismo_probability <= 0 or policy.wismo_max_contacts == 0:
            return
        delay = self._first_check(handed + policy.parcel_expected, known_at,
                                  math.inf if physical else refunded_at)
        if delay is None:
            return
        if physical:
            def arrived() -> bool:
                return self.env._now >= known_at
        else:
            def arrived() -> bool:
                # What tracking shows, or what follows from it: refund, replacement on its way.
                rec = self.world.records
                return (self.env._now >= known_at or self._refunded(case)
                        or not math.isnan(rec["replacement_shipped_at"].item(case)))
        start_after(self.env, self._watch(case, arrived), delay)

    def watch_refund(self, case: int, handed: float, refunded_at: float = math.inf) -> None:
        """Start the consumer's watch of the refund of a return handed over at ``handed``;
        ``refunded_at`` is when the refund will be posted, where that is already certain."""
        policy = self.world.scenario.policy
        if policy.wismo_probability <= 0 or policy.wismo_max_contacts == 0:
            return
        due = handed + policy.parcel_expected + policy.refund_expected
        delay = self._first_check(due, refunded_at=refunded_at)
        if delay is not None:
            start_after(self.env, self._watch(case, lambda: self._refunded(case)), delay)

    def _refunded(self, case: int) -> bool:
        # NaN (not yet posted) compares False; a Python float: no numpy scalar comparison
        return self.world.records["refund_at"].item(case) <= self.env._now

    def _news(self, case: int) -> bool:
        now = self.env._now
        since = now - self.world.scenario.policy.wismo_news_window
        return any(since < t <= now for t in self._visible.get(case, ()))

    def _first_check(self, first_check: float, known_at: float = math.inf,
                     refunded_at: float = math.inf) -> float | None:
        """The delay to a watch's first check, or None when no watch is needed. The watch
        starts on that check's timeout (one event, not a start and a wait).

        A parcel known to have arrived by the first check (``known_at``) needs no watch: that
        check would find it arrived and end it, with no draw and no contact. Likewise a
        refund certain to be posted before the check (``refunded_at``; strictly before: a
        posting at the very moment of the check may come after it).
        """
        now = self.env._now
        delay = max(first_check - now, 0.0)
        check = now + delay  # the check's time exactly as SimPy computes it
        if check >= known_at or check > refunded_at:
            return None
        return delay

    def _watch(self, case: int, arrived) -> Generator:
        """The consumer's checks, from the first one (see the module docstring)."""
        world, policy, rec = self.world, self.world.scenario.policy, self.world.records
        terminal, contacts = rec["terminal"], rec["wismo_contacts"]
        while (not arrived() and terminal[case] == 0
               and contacts.item(case) < policy.wismo_max_contacts):
            k = self._checks.get(case, 0)
            self._checks[case] = k + 1
            if (not self._news(case)
                    and world.draws.uniform("tracking/wismo", case, k) < policy.wismo_probability):
                contacts[case] = contacts.item(case) + 1
                yield from world.stage("contact").serve(case)
            yield self.env.timeout(policy.wismo_recheck)
