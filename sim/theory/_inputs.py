"""Checks of the queueing oracles' arguments: rates, counts and fractions.

Shared by every module of :mod:`sim.theory`; each check returns the value as a plain Python
number or raises ``ValueError`` naming the argument.
"""

from __future__ import annotations

import math
import operator


def _rate(value: float, name: str, *, positive: bool = False) -> float:
    v = float(value)
    # NaN fails every comparison, so test finiteness explicitly rather than trusting `v < 0`.
    if not math.isfinite(v) or v < 0 or (positive and v == 0):
        raise ValueError(
            f"{name} must be a finite number {'>' if positive else '>='} 0, got {value!r}"
        )
    return v


def _rates(arrival_rate: float, service_rate: float) -> tuple[float, float]:
    return _rate(arrival_rate, "arrival_rate"), _rate(service_rate, "service_rate", positive=True)


def _count(value: int, name: str, minimum: int = 1) -> int:
    # Accept 3 and 3.0 but refuse 2.5 and True: a fractional server count is a caller bug.
    try:
        n = int(value) if isinstance(value, float) and value.is_integer() else operator.index(value)
    except TypeError:
        n = None
    if n is None or isinstance(value, bool) or n < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return n


def _fraction(value: float, name: str, *, zero_ok: bool) -> float:
    # A service-level target may be 0 but not 1, an abandonment cap 1 but not 0: the excluded
    # end is unreachable with finite staff when lambda > 0, so the search would never stop.
    v = float(value)
    if not (math.isfinite(v) and (0 <= v < 1 if zero_ok else 0 < v <= 1)):
        raise ValueError(f"{name} must lie in {'[0, 1)' if zero_ok else '(0, 1]'}, got {value!r}")
    return v
