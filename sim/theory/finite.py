"""Finite-capacity and general-service queues: M/M/c/K, M/G/1 (Pollaczek-Khinchine), M/G/inf.

Formulas: ``docs/sources.md`` §Q. Conventions and input checks as in
:mod:`sim.theory`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import gammaln, logsumexp

from ._inputs import _count, _rate, _rates


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
