"""Rough-cut staffing: the smallest head count meeting a service-level or abandonment target.

Both searches invert a monotone oracle of :mod:`sim.theory.erlang` (Erlang C service level,
Erlang A abandonment) by galloping then bisecting over the head count.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from ._inputs import _fraction, _rate, _rates
from .erlang import erlang_a, mmc_wait_tail


def _smallest(ok: Callable[[int], bool], lo: int) -> int:
    # `ok` is monotone in the head count, so gallop up to a feasible count and then bisect:
    # O(log n) evaluations instead of a linear scan, which matters at large loads.
    if ok(lo):
        return lo
    bad, step = lo, 1
    while not ok(bad + step):
        bad, step = bad + step, step * 2
    good = bad + step
    while good - bad > 1:
        mid = (bad + good) // 2
        bad, good = (bad, mid) if ok(mid) else (mid, good)
    return good


def staffing_for_service_level(
    arrival_rate: float, service_rate: float, target_sl: float, answer_within: float
) -> int:
    """Smallest M/M/c server count whose Erlang C service level meets a target (rough cut).

    Parameters
    ----------
    arrival_rate, service_rate : float
        As for :func:`mmc`.
    target_sl : float
        Target ``P(Wq <= answer_within)`` in ``[0, 1)``.
    answer_within : float
        Service-level threshold time ``>= 0``.

    Returns
    -------
    int
        Smallest ``c`` with ``lambda < c mu`` and ``1 - mmc_wait_tail(...) >= target_sl``.
    """
    lam, mu = _rates(arrival_rate, service_rate)
    target = _fraction(target_sl, "target_sl", zero_ok=True)
    t = _rate(answer_within, "answer_within")
    first_stable = math.floor(lam / mu) + 1  # the smallest c with lambda < c mu
    return _smallest(lambda c: 1.0 - mmc_wait_tail(lam, mu, c, t) >= target, first_stable)


def staffing_for_erlang_a(
    arrival_rate: float, service_rate: float, abandonment_rate: float, target_abandon: float
) -> int:
    """Smallest Erlang A agent count whose abandonment probability meets a target.

    Parameters
    ----------
    arrival_rate, service_rate, abandonment_rate : float
        As for :func:`erlang_a`.
    target_abandon : float
        Largest acceptable ``P(Ab)``, in ``(0, 1]``.

    Returns
    -------
    int
        Smallest ``n >= 1`` with ``erlang_a(...).p_abandon <= target_abandon``.
    """
    lam, mu = _rates(arrival_rate, service_rate)
    theta = _rate(abandonment_rate, "abandonment_rate", positive=True)
    target = _fraction(target_abandon, "target_abandon", zero_ok=False)
    return _smallest(lambda n: erlang_a(lam, mu, theta, n).p_abandon <= target, 1)
