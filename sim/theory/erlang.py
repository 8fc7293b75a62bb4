"""Erlang B and C, M/M/c and Erlang A (M/M/n+M): the infinite-queue models and their tails.

Formulas: ``docs/sources.md`` §Q (Erlang B/C; Erlang A after Garnett,
Mandelbaum & Reiman 2002). Conventions and input checks as in :mod:`sim.theory`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy.special import gammainc, gammaln

from ._inputs import _count, _rate, _rates


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
