"""Closed-form queueing results used as test oracles for the simulation.

Every function is pure: numbers in, a float or a small frozen dataclass out, no state. The
functions are unit-agnostic: rates and times may be in any unit as long as they are consistent
(a rate per hour goes with times in hours). Invalid input (negative or non-finite rates, fewer
than one server, an unstable system where the formula needs ``rho < 1``) raises ``ValueError``.
Notation: arrival rate lambda, service rate mu per server, ``a = lambda / mu``,
``rho = lambda / (c mu)``, abandonment (patience) rate theta.

Formulas and reference values: ``docs/sources.md`` §Q (Erlang B/C,
Erlang A after Garnett, Mandelbaum & Reiman 2002, M/M/c/K, Pollaczek-Khinchine).

Modules: :mod:`~sim.theory.erlang` (Erlang B/C, M/M/c, Erlang A and their waiting-time
tails), :mod:`~sim.theory.finite` (M/M/c/K, M/G/1, M/G/inf) and :mod:`~sim.theory.staffing`
(rough-cut staffing). Everything public is re-exported here, so ``from sim.theory import
erlang_a`` is the import to use.
"""

from __future__ import annotations

from .erlang import (
    ErlangAResult,
    MMcResult,
    erlang_a,
    erlang_a_offered_wait_tail,
    erlang_a_wait_tail,
    erlang_b,
    erlang_c,
    mmc,
    mmc_wait_tail,
)
from .finite import MG1Result, MMcKResult, mg1, mm_inf_mean, mmck
from .staffing import staffing_for_erlang_a, staffing_for_service_level

__all__ = [
    "ErlangAResult", "MG1Result", "MMcKResult", "MMcResult", "erlang_a",
    "erlang_a_offered_wait_tail", "erlang_a_wait_tail", "erlang_b", "erlang_c", "mg1",
    "mm_inf_mean", "mmc", "mmc_wait_tail", "mmck", "staffing_for_erlang_a",
    "staffing_for_service_level",
]  # fmt: skip
