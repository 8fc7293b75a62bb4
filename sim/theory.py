"""Closed-form queueing results used as test oracles for the simulation.

Every function is pure: numbers in, a float or a small frozen dataclass out, no state. The
functions are unit-agnostic: rates and times may be in any unit as long as they are consistent
(a rate per hour goes with times in hours). Invalid input (negative or non-finite rates, fewer
than one server, an unstable system where the formula needs ``rho < 1``) raises ``ValueError``.
Notation: arrival rate lambda, service rate mu per server, ``a = lambda / mu``,
``rho = lambda / (c mu)``, abandonment (patience) rate theta.

Formulas and reference values: ``/work/shared/research/peers.md`` section 3 (Erlang B/C,
Erlang A after Garnett, Mandelbaum & Reiman 2002, M/M/c/K, Pollaczek-Khinchine).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.special import gammainc, gammaln, logsumexp

__all__ = [
    "ErlangAResult", "MG1Result", "MMcKResult", "MMcResult", "erlang_a",
    "erlang_a_offered_wait_tail", "erlang_a_wait_tail", "erlang_b", "erlang_c", "mg1",
    "mm_inf_mean", "mmc", "mmc_wait_tail", "mmck", "staffing_for_erlang_a",
    "staffing_for_service_level",
]  # fmt: skip


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


def erlang_b(c: int, a: float) -> float:
    """Blocking probability ``B(c, a)`` of the M/G/c/c loss system (Erlang B).

    Parameters
    ----------
    c : int
        Number of servers, ``>= 1``.
    a : float
        Offered load ``lambda / mu`` in Erlangs, ``>= 0``.

    Returns
    -------
    float
        ``B(c, a)``; it depends on the service distribution only through its mean.
    """
    c, a = _count(c, "c"), _rate(a, "a")
    # The recursion B(k) = a B(k-1) / (k + a B(k-1)) never forms a^c or c!, so it cannot overflow.
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return b


def erlang_c(c: int, a: float) -> float:
    """Probability ``C(c, a) = P(Wq > 0)`` that an M/M/c arrival waits (Erlang C).

    Parameters
    ----------
    c : int
        Number of servers, ``>= 1``.
    a : float
        Offered load ``lambda / mu``, ``0 <= a < c``.

    Returns
    -------
    float
        ``C(c, a) = c B / (c - a (1 - B))`` with ``B = erlang_b(c, a)``.
    """
    c, a = _count(c, "c"), _rate(a, "a")
    if a >= c:
        raise ValueError(f"Erlang C needs a < c (rho < 1); got a={a}, c={c}")
    b = erlang_b(c, a)  # going through B reuses the overflow-free recursion
    return c * b / (c - a * (1.0 - b))


@dataclass(frozen=True)
class MMcResult:
    """M/M/c: P(wait), Wq, Lq, sojourn W = Wq + 1/mu, L and utilisation rho."""

    p_wait: float
    mean_wait: float
    mean_queue: float
    mean_sojourn: float
    mean_in_system: float
    utilisation: float


def mmc(arrival_rate: float, service_rate: float, servers: int) -> MMcResult:
    """Steady-state measures of M/M/c.

    Parameters
    ----------
    arrival_rate, service_rate : float
        Poisson arrival rate ``lambda >= 0`` and per-server service rate ``mu > 0``.
    servers : int
        Number of servers ``c >= 1``, with ``lambda < c mu``.

    Returns
    -------
    MMcResult
    """
    lam, mu = _rates(arrival_rate, service_rate)
    c = _count(servers, "servers")
    p_wait = erlang_c(c, lam / mu)
    wq = p_wait / (c * mu - lam)
    w = wq + 1.0 / mu
    return MMcResult(p_wait, wq, lam * wq, w, lam * w, lam / (c * mu))


def mmc_wait_tail(arrival_rate: float, service_rate: float, servers: int, t: float) -> float:
    """Waiting-time tail ``P(Wq > t) = C(c, a) exp(-(c mu - lambda) t)`` of M/M/c.

    Parameters
    ----------
    arrival_rate, service_rate : float
        As for :func:`mmc`.
    servers : int
        As for :func:`mmc`.
    t : float
        Threshold ``>= 0``; the service level is ``1 - P(Wq > t)``.

    Returns
    -------
    float
    """
    t = _rate(t, "t")
    p_wait = mmc(arrival_rate, service_rate, servers).p_wait
    return p_wait * math.exp(-(servers * service_rate - arrival_rate) * t)


def _log_a(x: float, y: float) -> float:
    """Log of A(x, y) = x e^y y^-x gamma(x, y) = 1 + sum_j y^j / prod_{k<=j} (x + k)."""
    if y == 0.0:
        return 0.0
    p = gammainc(x, y)  # regularised, so Gamma(x) is added back through gammaln
    if p > 1e-250:
        # Log space, because A itself overflows when y >> x (overload with slow abandonment).
        return math.log(x) + y - x * math.log(y) + gammaln(x) + math.log(p)
    # gammainc underflows only when y is far below x, where the series terms shrink at least
    # geometrically (ratio y / (x + j) < 1), so summing it directly is fast and exact.
    total, term, j = 1.0, 1.0, 0
    while term > 1e-17 * total:
        j += 1
        term *= y / (x + j)
        total += term
    return math.log(total)


@dataclass(frozen=True)
class ErlangAResult:
    """Erlang A: P(W>0), P(Ab), E[W] (all arrivals), E[W | W>0], E[Q] and agent utilisation."""

    p_wait: float
    p_abandon: float
    mean_wait: float
    mean_wait_given_wait: float
    mean_queue: float
    utilisation: float


def erlang_a(
    arrival_rate: float, service_rate: float, abandonment_rate: float, servers: int
) -> ErlangAResult:
    """Steady-state measures of the Erlang A (Palm) model M/M/n+M; every load is stable.

    Parameters
    ----------
    arrival_rate, service_rate : float
        Poisson arrival rate ``lambda >= 0`` and per-agent service rate ``mu > 0``.
    abandonment_rate : float
        Patience rate ``theta > 0`` (exponential patience with mean ``1 / theta``).
    servers : int
        Number of agents ``n >= 1``.

    Returns
    -------
    ErlangAResult
        W is the wait until service or abandonment; ``mean_wait = p_abandon / theta``,
        ``mean_queue = lambda mean_wait``, ``utilisation = lambda (1 - p_abandon) / (n mu)``.
    """
    lam, mu = _rates(arrival_rate, service_rate)
    theta = _rate(abandonment_rate, "abandonment_rate", positive=True)
    n = _count(servers, "servers")
    if lam == 0.0:
        # E[W | W > 0] is its lambda -> 0 limit: nobody ahead, so service or patience ends it.
        return ErlangAResult(0.0, 0.0, 0.0, 1.0 / (n * mu + theta), 0.0, 0.0)
    rho, e1n = lam / (n * mu), erlang_b(n, lam / mu)
    # Work with 1/A: it is tiny but finite exactly when A overflows, so no inf/inf appears.
    inv_a = math.exp(-_log_a(n * mu / theta, lam / theta))
    p_wait = e1n / (inv_a + (1.0 - inv_a) * e1n)
    ab_given_wait = min(max(inv_a / rho + 1.0 - 1.0 / rho, 0.0), 1.0)  # clip rounding only
    p_ab = p_wait * ab_given_wait
    wait = p_ab / theta
    return ErlangAResult(p_wait, p_ab, wait, ab_given_wait / theta, lam * wait, rho * (1 - p_ab))


def erlang_a_offered_wait_tail(
    arrival_rate: float, service_rate: float, abandonment_rate: float, servers: int, t: float
) -> float:
    """Tail ``P(V > t)`` of the Erlang A offered wait (the wait of an infinitely patient caller).

    Parameters
    ----------
    arrival_rate, service_rate, abandonment_rate : float
        As for :func:`erlang_a`.
    servers : int
        As for :func:`erlang_a`.
    t : float
        Threshold ``>= 0``; ``1 - P(V > t)`` is the "virtual" service level.

    Returns
    -------
    float
        ``P(W > 0) gamma(x, y e^(-theta t)) / gamma(x, y)``, ``x = n mu / theta``,
        ``y = lambda / theta``.
    """
    t = _rate(t, "t")
    p_wait = erlang_a(arrival_rate, service_rate, abandonment_rate, servers).p_wait
    if p_wait == 0.0:
        return 0.0
    theta = float(abandonment_rate)
    x, y = servers * service_rate / theta, arrival_rate / theta
    z = y * math.exp(-theta * t)
    # gamma(x, y) = y^x e^-y A(x, y) / x turns the ratio into one that cannot underflow:
    # gamma(x, z) / gamma(x, y) = exp(-x theta t + y - z) A(x, z) / A(x, y).
    log_ratio = -x * theta * t + (y - z) + _log_a(x, z) - _log_a(x, y)
    return p_wait * math.exp(min(log_ratio, 0.0))


def erlang_a_wait_tail(
    arrival_rate: float, service_rate: float, abandonment_rate: float, servers: int, t: float
) -> float:
    """Tail ``P(W > t) = P(V > t) exp(-theta t)`` of the actual Erlang A wait.

    Parameters
    ----------
    arrival_rate, service_rate, abandonment_rate : float
        As for :func:`erlang_a`.
    servers : int
        As for :func:`erlang_a`.
    t : float
        Threshold ``>= 0``.

    Returns
    -------
    float
        W = min(V, patience) with patience ~ Exp(theta) independent of V, hence the product.
    """
    tail = erlang_a_offered_wait_tail(arrival_rate, service_rate, abandonment_rate, servers, t)
    return tail * math.exp(-float(abandonment_rate) * float(t))


@dataclass(frozen=True)
class MMcKResult:
    """M/M/c/K: blocking, Lq, Wq and W (over admitted customers), L, lambda_eff, utilisation."""

    p_block: float
    mean_queue: float
    mean_wait: float
    mean_sojourn: float
    mean_in_system: float
    effective_arrival_rate: float
    utilisation: float


def mmck(arrival_rate: float, service_rate: float, servers: int, capacity: int) -> MMcKResult:
    """Steady-state measures of M/M/c/K (arrivals that find K present are lost).

    Parameters
    ----------
    arrival_rate, service_rate : float
        Arrival rate ``lambda >= 0`` (every load is stable) and per-server rate ``mu > 0``.
    servers, capacity : int
        Servers ``c >= 1`` and system capacity ``K >= c`` (servers plus waiting room).

    Returns
    -------
    MMcKResult
        ``p_block = p_K``, ``mean_wait = Lq / lambda_eff``, ``utilisation = lambda_eff / (c mu)``.
    """
    lam, mu = _rates(arrival_rate, service_rate)
    c = _count(servers, "servers")
    k = _count(capacity, "capacity", minimum=c)
    if lam == 0.0:
        return MMcKResult(0.0, 0.0, 0.0, 1.0 / mu, 0.0, 0.0, 0.0)
    # Normalise the product-form weights in log space instead of using the closed-form Lq:
    # one code path that is exact at rho == 1 (where the closed form is 0/0) and cannot
    # overflow a^n / n! at large loads.
    n = np.arange(k + 1)
    log_a, log_rho = math.log(lam / mu), math.log(lam / (c * mu))
    log_w = np.where(
        n < c, n * log_a - gammaln(n + 1), c * log_a - gammaln(c + 1) + (n - c) * log_rho
    )
    p = np.exp(log_w - logsumexp(log_w))
    lq = float(np.sum(np.maximum(n - c, 0) * p))
    lam_eff = lam * (1.0 - float(p[-1]))
    wq = lq / lam_eff
    w = wq + 1.0 / mu
    return MMcKResult(float(p[-1]), lq, wq, w, lam_eff * w, lam_eff, lam_eff / (c * mu))


@dataclass(frozen=True)
class MG1Result:
    """M/G/1: Wq, Lq, sojourn W = Wq + E[S], L and utilisation rho."""

    mean_wait: float
    mean_queue: float
    mean_sojourn: float
    mean_in_system: float
    utilisation: float


def mg1(arrival_rate: float, mean_service: float, service_scv: float) -> MG1Result:
    """Mean-value measures of M/G/1 by the Pollaczek-Khinchine formula.

    Parameters
    ----------
    arrival_rate, mean_service : float
        Arrival rate ``lambda >= 0`` and mean service time ``E[S] > 0``, ``lambda E[S] < 1``.
    service_scv : float
        Squared coefficient of variation ``Var[S] / E[S]^2 >= 0`` (0 deterministic, 1 exponential).

    Returns
    -------
    MG1Result
        ``mean_wait = rho (1 + scv) E[S] / (2 (1 - rho))``.
    """
    lam = _rate(arrival_rate, "arrival_rate")
    es = _rate(mean_service, "mean_service", positive=True)
    scv = _rate(service_scv, "service_scv")
    rho = lam * es
    if rho >= 1.0:
        raise ValueError(f"M/G/1 needs rho = arrival_rate * mean_service < 1, got {rho}")
    wq = rho * (1.0 + scv) * es / (2.0 * (1.0 - rho))
    return MG1Result(wq, lam * wq, wq + es, lam * (wq + es), rho)


def mm_inf_mean(arrival_rate: float, mean_service: float) -> float:
    """Mean number in system of M/G/inf (Poisson-distributed, for any service distribution).

    Parameters
    ----------
    arrival_rate, mean_service : float
        Arrival rate ``lambda >= 0`` and mean service (delay) time ``E[S] >= 0``.

    Returns
    -------
    float
        ``lambda E[S]``.
    """
    return _rate(arrival_rate, "arrival_rate") * _rate(mean_service, "mean_service")


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
