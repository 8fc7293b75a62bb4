"""Quantile functions written without scipy.stats agree with scipy to the last bit.

Workers import :mod:`sim` for every run; ``scipy.stats`` alone takes about a second to import,
so the run path does without it (the triangular quantile, which every scenario's default
delivery lag uses, is written out). These tests keep both promises.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from sim.config.distributions import Dist

finite = st.floats(-1e4, 1e4, allow_nan=False, allow_infinity=False)


@settings(max_examples=200, deadline=None)
@given(low=finite, mode_share=st.floats(0, 1), width=st.floats(1e-6, 1e4),
       u=st.lists(st.floats(0, 1, exclude_max=True), min_size=1, max_size=20))
def test_triangular_quantile_is_scipys_bit_for_bit(low, mode_share, width, u):
    mode, high = low + mode_share * width, low + width
    dist = Dist("triangular", (low, mode, high))
    c = (mode - low) / (high - low)
    ours = dist.ppf(np.array(u))
    theirs = stats.triang.ppf(np.array(u), c, loc=low, scale=high - low)
    np.testing.assert_array_equal(ours, theirs)


def test_triangular_quantile_ends_and_mode():
    dist = Dist("triangular", (1.0, 2.0, 4.0))
    assert dist.ppf(np.array([0.0]))[0] == 1.0
    assert dist.ppf(np.array([1 / 3]))[0] == pytest.approx(2.0, rel=1e-15)
    assert 3.9999 < dist.ppf(np.array([1 - 1e-16]))[0] < 4.0


def test_a_run_does_not_import_scipy_stats():
    code = ("import sys, sim\n"
            "scenario = sim.load_scenario('baseline', {'demand.orders_per_day': 20, "
            "'run.horizon': '3d', 'run.warmup': '0h'})\n"
            "sim.run_once(scenario, 'self_built', 0)\n"
            "print('scipy.stats' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False", out.stderr
