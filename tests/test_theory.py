"""Tests for the analytical oracles in :mod:`sim.theory`.

Three layers: the published reference values (docs/sources.md §Q) at their printed precision,
independent numerical cross-checks (truncated birth-death CTMCs solved with numpy, limits and
special cases), and hypothesis properties. Everything here runs in well under a second.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.linalg import expm

from sim.theory import (
    erlang_a,
    erlang_a_offered_wait_tail,
    erlang_a_wait_tail,
    erlang_b,
    erlang_c,
    mg1,
    mm_inf_mean,
    mmc,
    mmc_wait_tail,
    mmck,
    staffing_for_erlang_a,
    staffing_for_service_level,
)

# Tolerance = half a unit in the last printed digit of the reference value.
SIX = 5e-7
SEVEN = 5e-8


# ---------------------------------------------------------------------------------------------
# Reference values from docs/sources.md §Q
# ---------------------------------------------------------------------------------------------


def test_erlang_c_reference_values():
    res = mmc(8.0, 1.0, 10)
    assert erlang_c(10, 8.0) == pytest.approx(0.409180, abs=SIX)
    assert res.p_wait == pytest.approx(0.409180, abs=SIX)
    assert res.mean_wait == pytest.approx(0.204590, abs=SIX)
    assert res.mean_queue == pytest.approx(1.636721, abs=SIX)
    assert res.mean_sojourn == pytest.approx(1.204590, abs=SIX)
    assert res.utilisation == pytest.approx(0.8)
    assert mmc_wait_tail(8.0, 1.0, 10, 0.5) == pytest.approx(0.150529, abs=SIX)
    # pyworkforce agreement quoted in docs/sources.md §Q.12, to ten digits.
    assert res.p_wait == pytest.approx(0.4091801508, abs=5e-11)
    assert 1 - mmc_wait_tail(8.0, 1.0, 10, 0.5) == pytest.approx(0.8494710348, abs=5e-11)


def test_erlang_a_reference_values():
    res = erlang_a(9.0, 1.0, 0.5, 10)
    # A(x, y) itself is private; recover it from P(W>0) = A E / (1 + (A - 1) E).
    e1n = erlang_b(10, 9.0)
    a_fun = res.p_wait * (1 - e1n) / (e1n * (1 - res.p_wait))
    assert a_fun == pytest.approx(4.374264, abs=SIX)
    assert e1n == pytest.approx(0.167963, abs=SIX)
    assert res.p_wait == pytest.approx(0.468942, abs=SIX)
    assert res.p_abandon == pytest.approx(0.067012, abs=SIX)
    assert res.mean_wait == pytest.approx(0.134023, abs=SIX)
    assert res.mean_wait_given_wait == pytest.approx(0.285800, abs=SIX)
    assert erlang_a_offered_wait_tail(9.0, 1.0, 0.5, 10, 0.5) == pytest.approx(0.103787, abs=SIX)
    assert erlang_a_wait_tail(9.0, 1.0, 0.5, 10, 0.5) == pytest.approx(0.080829, abs=SIX)


def test_erlang_a_overloaded_reference_values():
    res = erlang_a(100.0, 1.0, 1.0, 95)
    assert res.p_wait == pytest.approx(0.704821, abs=SIX)
    assert res.p_abandon == pytest.approx(0.069453, abs=SIX)
    assert res.mean_wait == pytest.approx(0.069453, abs=SIX)


def test_mmck_reference_values():
    res = mmck(5.0, 2.0, 3, 7)
    assert res.p_block == pytest.approx(0.0786359, abs=SEVEN)
    assert res.mean_queue == pytest.approx(0.959987, abs=SIX)
    assert res.mean_wait == pytest.approx(0.208384, abs=SIX)
    assert res.mean_in_system == pytest.approx(3.263397, abs=SIX)
    assert res.effective_arrival_rate == pytest.approx(5.0 * (1 - res.p_block))


def test_mg1_reference_values():
    md1, mm1 = mg1(0.8, 1.0, 0.0), mg1(0.8, 1.0, 1.0)
    assert md1.mean_wait == pytest.approx(2.0)
    assert mm1.mean_wait == pytest.approx(4.0)
    assert mm1.mean_queue == pytest.approx(0.8 * 4.0)
    assert mm1.mean_sojourn == pytest.approx(5.0)
    assert mm1.utilisation == pytest.approx(0.8)


def test_mg1_exponential_matches_mmc_single_server():
    for lam, mu in [(0.3, 1.0), (4.0, 5.0), (0.05, 0.06)]:
        a, b = mg1(lam, 1 / mu, 1.0), mmc(lam, mu, 1)
        assert a.mean_wait == pytest.approx(b.mean_wait, rel=1e-12)
        assert a.mean_in_system == pytest.approx(b.mean_in_system, rel=1e-12)


def test_mm_inf_mean():
    assert mm_inf_mean(3.0, 2.5) == pytest.approx(7.5)
    assert mm_inf_mean(0.0, 2.5) == 0.0


# ---------------------------------------------------------------------------------------------
# Independent numerical cross-checks: truncated birth-death CTMCs
# ---------------------------------------------------------------------------------------------


def stationary(birth: np.ndarray, death: np.ndarray) -> np.ndarray:
    """Stationary law of a birth-death chain from its generator (pi Q = 0, sum pi = 1)."""
    size = len(birth)
    q = np.diag(birth[:-1], 1) + np.diag(death[1:], -1)
    q -= np.diag(q.sum(axis=1))
    # Replace one balance equation by the normalisation; the generator has rank size - 1.
    lhs = q.T.copy()
    lhs[-1, :] = 1.0
    rhs = np.zeros(size)
    rhs[-1] = 1.0
    return np.linalg.solve(lhs, rhs)


ERLANG_A_CASES = [
    (9.0, 1.0, 0.5, 10),
    (48.0, 4.0, 2.0, 11),
    (100.0, 1.0, 1.0, 95),
    (2.0, 1.0, 0.1, 1),
]


@pytest.mark.parametrize(("lam", "mu", "theta", "n"), ERLANG_A_CASES)
def test_erlang_a_matches_truncated_ctmc(lam, mu, theta, n):
    states = np.arange(400)  # tails decay at least like a Poisson law; 400 is far out for all
    birth = np.full(states.size, lam)
    death = np.minimum(states, n) * mu + np.maximum(states - n, 0) * theta
    pi = stationary(birth, death)
    queue = np.maximum(states - n, 0)
    res = erlang_a(lam, mu, theta, n)
    assert res.p_wait == pytest.approx(pi[states >= n].sum(), abs=1e-8)  # PASTA
    assert res.mean_queue == pytest.approx(queue @ pi, abs=1e-8)
    assert res.p_abandon == pytest.approx(theta * (queue @ pi) / lam, abs=1e-8)
    assert res.utilisation == pytest.approx(np.minimum(states, n) @ pi / n, abs=1e-8)

    # Offered-wait tail: a caller who finds k waiting ahead is served after k + 1 departures
    # from the queue head, at rates n mu + m theta (m = k, ..., 0). Check the closed form
    # against the matrix exponential of that pure-death phase chain, mixed over PASTA.
    k_max = 200
    rates = n * mu + np.arange(k_max + 1) * theta
    sub = np.diag(-rates) + np.diag(rates[1:], -1)
    for t in (0.1, 0.5, 2.0):
        survive = expm(sub * t).sum(axis=1)  # P(V > t | k ahead)
        tail = pi[n : n + k_max + 1] @ survive
        assert erlang_a_offered_wait_tail(lam, mu, theta, n, t) == pytest.approx(tail, abs=1e-8)
        assert erlang_a_wait_tail(lam, mu, theta, n, t) == pytest.approx(
            tail * math.exp(-theta * t), abs=1e-8
        )


@pytest.mark.parametrize(
    ("lam", "mu", "c", "k"),
    [(5.0, 2.0, 3, 7), (6.0, 2.0, 3, 7), (9.0, 1.0, 4, 30), (0.5, 3.0, 1, 1)],
)
def test_mmck_matches_ctmc(lam, mu, c, k):
    states = np.arange(k + 1)
    birth = np.where(states < k, lam, 0.0)
    death = np.minimum(states, c) * mu
    pi = stationary(birth, death)
    res = mmck(lam, mu, c, k)
    lq = np.maximum(states - c, 0) @ pi
    assert res.p_block == pytest.approx(pi[-1], abs=1e-10)
    assert res.mean_queue == pytest.approx(lq, abs=1e-10)
    assert res.mean_in_system == pytest.approx(states @ pi, abs=1e-10)
    assert res.mean_wait == pytest.approx(lq / (lam * (1 - pi[-1])), abs=1e-10)
    assert res.utilisation == pytest.approx(np.minimum(states, c) @ pi / c, abs=1e-10)


def test_mmck_closed_form_lq_when_rho_not_one():
    # The module sums the distribution directly; the closed form of docs/sources.md §Q.5 must agree.
    lam, mu, c, k = 5.0, 2.0, 3, 7
    a, rho = lam / mu, lam / (c * mu)
    head = sum(a**n / math.factorial(n) for n in range(c))
    tail = a**c / math.factorial(c) * sum(rho ** (n - c) for n in range(c, k + 1))
    p0 = 1 / (head + tail)
    bracket = 1 - rho ** (k - c + 1) - (1 - rho) * (k - c + 1) * rho ** (k - c)
    closed = p0 * a**c * rho / (math.factorial(c) * (1 - rho) ** 2) * bracket
    assert mmck(lam, mu, c, k).mean_queue == pytest.approx(closed, rel=1e-12)


# ---------------------------------------------------------------------------------------------
# Limits and special cases
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("lam", "mu", "n"), [(8.0, 1.0, 10), (3.0, 2.0, 2), (90.0, 1.0, 100)])
def test_erlang_a_tends_to_erlang_c_as_patience_grows(lam, mu, n):
    c_res = mmc(lam, mu, n)
    a_res = erlang_a(lam, mu, 1e-6, n)
    assert a_res.p_wait == pytest.approx(c_res.p_wait, rel=1e-4)
    assert a_res.mean_wait == pytest.approx(c_res.mean_wait, rel=1e-4)  # nearly all are served
    # Conditional wait of M/M/c is Exp(c mu - lambda).
    assert a_res.mean_wait_given_wait == pytest.approx(1 / (n * mu - lam), rel=1e-4)
    assert a_res.p_abandon < 1e-4
    for t in (0.1, 1.0):
        assert erlang_a_offered_wait_tail(lam, mu, 1e-6, n, t) == pytest.approx(
            mmc_wait_tail(lam, mu, n, t), rel=1e-4
        )


def test_erlang_a_with_theta_equal_mu_is_infinite_server():
    # With theta = mu every customer present leaves at rate mu, so N ~ Poisson(lambda / mu).
    lam, mu, n = 7.0, 1.5, 6
    a = lam / mu
    below = sum(math.exp(-a) * a**j / math.factorial(j) for j in range(n))
    assert erlang_a(lam, mu, mu, n).p_wait == pytest.approx(1 - below, rel=1e-12)


def test_erlang_a_extreme_loads_stay_finite():
    # Slow abandonment in overload: A overflows a float; P(Ab) tends to the fluid (lam - n mu)/lam.
    res = erlang_a(100.0, 1.0, 1e-4, 95)
    assert res.p_wait == pytest.approx(1.0)
    assert res.p_abandon == pytest.approx(0.05, rel=1e-6)
    assert math.isfinite(erlang_a_wait_tail(100.0, 1.0, 1e-4, 95, 3.0))
    idle = erlang_a(0.0, 1.0, 1.0, 3)
    assert (idle.p_wait, idle.p_abandon, idle.utilisation) == (0.0, 0.0, 0.0)


@pytest.mark.parametrize("c", range(1, 16))
def test_erlang_b_recursion_matches_factorial_sum(c):
    for a in (0.0, 0.3, 2.0, 7.5, 20.0):
        direct = (a**c / math.factorial(c)) / sum(a**k / math.factorial(k) for k in range(c + 1))
        assert erlang_b(c, a) == pytest.approx(direct, rel=1e-12, abs=1e-300)


def test_erlang_c_matches_direct_formula():
    for c, a in [(1, 0.5), (5, 3.7), (12, 11.0)]:
        top = a**c / math.factorial(c) * c / (c - a)
        direct = top / (sum(a**k / math.factorial(k) for k in range(c)) + top)
        assert erlang_c(c, a) == pytest.approx(direct, rel=1e-12)


def test_erlang_b_large_load_does_not_overflow():
    assert 0.0 < erlang_b(5000, 4900.0) < 1.0


def test_mmck_large_capacity_tends_to_mmc():
    for lam, mu, c in [(5.0, 2.0, 3), (8.0, 1.0, 10)]:
        big, inf = mmck(lam, mu, c, 2000), mmc(lam, mu, c)
        assert big.p_block < 1e-12
        assert big.mean_queue == pytest.approx(inf.mean_queue, rel=1e-9)
        assert big.mean_wait == pytest.approx(inf.mean_wait, rel=1e-9)
        assert big.mean_in_system == pytest.approx(inf.mean_in_system, rel=1e-9)


def test_mmck_with_no_waiting_room_is_erlang_b():
    assert mmck(7.0, 1.0, 5, 5).p_block == pytest.approx(erlang_b(5, 7.0), rel=1e-12)


def test_mmc_tail_at_zero_is_p_wait():
    assert mmc_wait_tail(8.0, 1.0, 10, 0.0) == pytest.approx(erlang_c(10, 8.0))
    assert erlang_a_offered_wait_tail(9.0, 1.0, 0.5, 10, 0.0) == pytest.approx(
        erlang_a(9.0, 1.0, 0.5, 10).p_wait
    )


# ---------------------------------------------------------------------------------------------
# Staffing: the answer meets the target and one fewer does not
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lam", "mu", "sl", "t"),
    [
        (8.0, 1.0, 0.8, 0.5),
        (100.0, 6.0, 0.9, 1 / 3),
        (0.5, 1.0, 0.95, 0.0),
        (500.0, 1.0, 0.8, 0.05),
    ],
)
def test_staffing_for_service_level_is_minimal(lam, mu, sl, t):
    c = staffing_for_service_level(lam, mu, sl, t)
    assert 1 - mmc_wait_tail(lam, mu, c, t) >= sl
    if (c - 1) * mu > lam:  # otherwise c - 1 is unstable and fails by definition
        assert 1 - mmc_wait_tail(lam, mu, c - 1, t) < sl


def test_staffing_for_service_level_known_answer():
    # c=10 gives SL 0.849 at t=0.5 (docs/sources.md §Q.12); c=9 gives less than 0.8.
    assert staffing_for_service_level(8.0, 1.0, 0.8, 0.5) == 10
    assert staffing_for_service_level(8.0, 1.0, 0.0, 0.5) == 9  # smallest stable c


@pytest.mark.parametrize(
    ("lam", "mu", "theta", "target"),
    [(9.0, 1.0, 0.5, 0.05), (100.0, 1.0, 1.0, 0.02), (2.0, 1.0, 0.1, 0.3), (1.0, 1.0, 1.0, 1.0)],
)
def test_staffing_for_erlang_a_is_minimal(lam, mu, theta, target):
    n = staffing_for_erlang_a(lam, mu, theta, target)
    assert erlang_a(lam, mu, theta, n).p_abandon <= target
    if n > 1:
        assert erlang_a(lam, mu, theta, n - 1).p_abandon > target


# ---------------------------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------------------------

loads = st.floats(min_value=0.0, max_value=200.0, allow_nan=False)
counts = st.integers(min_value=1, max_value=150)


@settings(max_examples=60, deadline=None)
@given(c=counts, a=loads)
def test_erlang_b_is_a_probability_decreasing_in_servers(c, a):
    b = erlang_b(c, a)
    assert 0.0 <= b <= 1.0
    assert erlang_b(c + 1, a) <= b


@settings(max_examples=60, deadline=None)
@given(c=counts, frac=st.floats(min_value=0.0, max_value=0.999))
def test_erlang_c_dominates_erlang_b(c, frac):
    a = frac * c
    assert erlang_b(c, a) <= erlang_c(c, a) <= 1.0


@settings(max_examples=40, deadline=None)
@given(
    lam=st.floats(min_value=0.01, max_value=200.0),
    theta=st.floats(min_value=0.01, max_value=10.0),
    n=st.integers(min_value=1, max_value=120),
)
def test_erlang_a_measures_are_consistent(lam, theta, n):
    res = erlang_a(lam, 1.0, theta, n)
    assert 0.0 <= res.p_abandon <= res.p_wait <= 1.0
    assert res.mean_wait == pytest.approx(res.p_abandon / theta)  # P(Ab) = theta E[W]
    assert res.utilisation <= 1.0 + 1e-12
    assert erlang_a(lam, 1.0, theta, n + 1).p_abandon <= res.p_abandon + 1e-12


# ---------------------------------------------------------------------------------------------
# Invalid input
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda: erlang_b(0, 1.0),
        lambda: erlang_b(2.5, 1.0),
        lambda: erlang_b(True, 1.0),
        lambda: erlang_b(3, -1.0),
        lambda: erlang_b(3, math.nan),
        lambda: erlang_c(3, 3.0),
        lambda: erlang_c(3, 4.0),
        lambda: mmc(10.0, 1.0, 10),
        lambda: mmc(-1.0, 1.0, 2),
        lambda: mmc(1.0, 0.0, 2),
        lambda: mmc(1.0, math.inf, 2),
        lambda: mmc_wait_tail(1.0, 1.0, 2, -0.1),
        lambda: erlang_a(1.0, 1.0, 0.0, 2),
        lambda: erlang_a(1.0, 1.0, -1.0, 2),
        lambda: erlang_a(1.0, 1.0, 1.0, 0),
        lambda: erlang_a_offered_wait_tail(1.0, 1.0, 1.0, 2, -1.0),
        lambda: erlang_a_wait_tail(1.0, 1.0, 1.0, 2, math.nan),
        lambda: mmck(1.0, 1.0, 3, 2),
        lambda: mmck(1.0, -1.0, 3, 5),
        lambda: mg1(1.0, 1.0, 0.5),
        lambda: mg1(0.5, 1.0, -0.1),
        lambda: mg1(0.5, 0.0, 1.0),
        lambda: mm_inf_mean(-1.0, 1.0),
        lambda: staffing_for_service_level(8.0, 1.0, 1.0, 0.5),
        lambda: staffing_for_service_level(8.0, 1.0, 0.8, -0.5),
        lambda: staffing_for_erlang_a(9.0, 1.0, 0.5, 0.0),
        lambda: staffing_for_erlang_a(9.0, 1.0, 0.5, 1.5),
    ],
)
def test_invalid_input_raises_value_error(call):
    with pytest.raises(ValueError):
        call()


def test_error_message_names_the_argument():
    with pytest.raises(ValueError, match="abandonment_rate"):
        erlang_a(1.0, 1.0, -2.0, 3)
    with pytest.raises(ValueError, match="rho < 1"):
        erlang_c(4, 5.0)
