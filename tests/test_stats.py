"""Tests for the statistics layer (sim.experiment.stats and sim.experiment.ranking)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from sim.experiment.ranking import (
    paired_differences,
    pareto_front,
    unpaired_difference,
)
from sim.experiment.stats import (
    ReplicationController,
    replications_needed,
    summarise,
    t_interval,
)
from sim.experiment.warmup import mser5

DATA = np.array([4.1, 5.3, 3.8, 6.0, 5.1, 4.7, 5.9, 4.4])


def make_runs(
    means: dict[str, float], n: int = 30, sd: float = 2.0, noise: float = 0.3, seed: int = 0
) -> pd.DataFrame:
    """Runs table with CRN: every design shares a per-replication shock plus small noise."""
    rng = np.random.default_rng(seed)
    common = rng.normal(0.0, sd, n)
    rows = []
    for design, mu in means.items():
        wait = mu + common + rng.normal(0.0, noise, n)
        cost = 2 * mu + 0.5 * common + rng.normal(0.0, noise, n)
        rows.append(
            pd.DataFrame(
                {"design": design, "replication": np.arange(n), "wait": wait, "cost": cost}
            )
        )
    return pd.concat(rows, ignore_index=True)


# --- t_interval ------------------------------------------------------------------------------


def test_t_interval_matches_scipy():
    ci = t_interval(DATA, 0.9)
    lo, hi = stats.t.interval(0.9, len(DATA) - 1, loc=DATA.mean(), scale=stats.sem(DATA))
    assert ci.n == len(DATA)
    assert ci.mean == pytest.approx(DATA.mean(), rel=1e-12)
    assert ci.sd == pytest.approx(DATA.std(ddof=1), rel=1e-12)
    assert (ci.lower, ci.upper) == pytest.approx((lo, hi), rel=1e-12)
    assert ci.half_width == pytest.approx((hi - lo) / 2, rel=1e-12)


def test_t_interval_degenerate_cases():
    with_nan = t_interval(np.append(DATA, [np.nan, np.inf]))
    assert with_nan == t_interval(DATA)
    one = t_interval([3.0, np.nan])
    assert (one.n, one.mean, one.half_width, one.lower, one.upper) == (
        1,
        3.0,
        math.inf,
        -math.inf,
        math.inf,
    )
    assert math.isnan(one.sd)
    empty = t_interval([np.nan])
    assert empty.n == 0
    assert all(math.isnan(v) for v in (empty.mean, empty.lower, empty.upper, empty.half_width))
    with pytest.raises(ValueError):
        t_interval(DATA, confidence=1.0)


def test_t_interval_coverage_within_binomial_acceptance_range():
    reps, size, mu = 2000, 10, 3.0
    samples = np.random.default_rng(12345).normal(mu, 2.0, size=(reps, size))
    intervals = [t_interval(row) for row in samples]
    covered = sum(ci.lower <= mu <= ci.upper for ci in intervals)
    # The count of covering intervals is Binomial(2000, 0.95) when the interval is exact;
    # accept the central 99.9% of that distribution.
    lo, hi = stats.binom.interval(0.999, reps, 0.95)
    assert lo <= covered <= hi


@given(
    st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=40), st.floats(0.5, 0.999)
)
def test_interval_contains_mean_property(values, confidence):
    ci = t_interval(values, confidence)
    assert ci.n == len(values)
    assert ci.lower <= ci.mean <= ci.upper
    assert ci.half_width >= 0


# --- summarise -------------------------------------------------------------------------------


def test_summarise_is_tidy_and_matches_t_interval():
    runs = make_runs({"self_built": 10.0, "platform": 12.0})
    runs.loc[0, "wait"] = np.nan  # a replication with no observation of one KPI
    table = summarise(runs)
    assert list(table.columns) == [
        "design",
        "kpi",
        "mean",
        "lower",
        "upper",
        "half_width",
        "sd",
        "n",
    ]
    assert len(table) == 4
    row = table[(table.design == "self_built") & (table.kpi == "wait")].iloc[0]
    ci = t_interval(runs.loc[runs.design == "self_built", "wait"])
    assert (row["mean"], row["half_width"], row["n"]) == (ci.mean, ci.half_width, 29)


# --- paired comparisons ----------------------------------------------------------------------


def test_design_compared_with_itself_is_exactly_zero():
    runs = make_runs({"A": 10.0, "B": 11.0})
    copy = runs[runs.design == "A"].assign(design="A_copy")
    diffs = paired_differences(pd.concat([runs, copy]), reference="A")
    row = diffs[(diffs.design == "A_copy") & (diffs.kpi == "wait")].iloc[0]
    assert row["mean_diff"] == 0.0 and row["half_width"] == 0.0
    assert row["lower"] == row["upper"] == 0.0
    assert not row["significant"] and row["p_value"] == 1.0


def test_paired_matches_scipy_ttest_rel():
    runs = make_runs({"A": 10.0, "B": 10.3})
    diffs = paired_differences(runs, "A", metrics="wait", adjust=None)
    assert list(diffs.columns) == [
        "design",
        "kpi",
        "reference",
        "mean_diff",
        "lower",
        "upper",
        "half_width",
        "n",
        "p_value",
        "significant",
    ]
    a = runs.loc[runs.design == "A", "wait"].to_numpy()
    b = runs.loc[runs.design == "B", "wait"].to_numpy()
    res = stats.ttest_rel(b, a)
    ci = res.confidence_interval(0.95)
    row = diffs.iloc[0]
    assert (row["lower"], row["upper"]) == pytest.approx((ci.low, ci.high), rel=1e-10)
    assert row["p_value"] == pytest.approx(res.pvalue, rel=1e-10)
    assert row["significant"] == (res.pvalue < 0.05)


def test_crn_pairing_narrows_the_interval():
    runs = make_runs({"A": 10.0, "B": 10.5})
    paired = paired_differences(runs, "A", metrics="wait", adjust=None).iloc[0]
    a = runs.loc[runs.design == "A", "wait"].to_numpy()
    b = runs.loc[runs.design == "B", "wait"].to_numpy()
    welch = unpaired_difference(b, a)
    assert paired["mean_diff"] == pytest.approx(welch.mean)
    assert paired["half_width"] < 0.5 * welch.half_width


def test_unpaired_matches_scipy_welch():
    a, b = DATA, DATA[:6] * 1.3 + 0.2
    ci = unpaired_difference(a, b, 0.9)
    ref = stats.ttest_ind(a, b, equal_var=False).confidence_interval(0.9)
    assert (ci.lower, ci.upper) == pytest.approx((ref.low, ref.high), rel=1e-10)
    assert ci.n == 14


def test_bonferroni_widens_intervals_by_the_quantile_ratio():
    runs = make_runs({"A": 10.0, "B": 10.4, "C": 11.0, "D": 9.0})
    adjusted = paired_differences(runs, "A", adjust="bonferroni")
    raw = paired_differences(runs, "A", adjust=None)
    assert len(adjusted) == 3 * 2 and "A" not in set(adjusted.design)
    ratio = stats.t.ppf(1 - 0.05 / 6, 29) / stats.t.ppf(0.975, 29)
    np.testing.assert_allclose(adjusted.half_width / raw.half_width, ratio, rtol=1e-10)
    assert (adjusted.p_value >= raw.p_value).all()


def test_paired_rejects_ambiguous_pairs_and_unknown_reference():
    runs = make_runs({"A": 10.0, "B": 11.0})
    with pytest.raises(KeyError):
        paired_differences(runs, "Z")
    with pytest.raises(ValueError):
        paired_differences(pd.concat([runs, runs.iloc[:1]]), "A")


# --- number of replications ------------------------------------------------------------------


def test_replications_needed_is_the_smallest_sufficient_n():
    pilot = np.random.default_rng(0).normal(10.0, 2.0, 20)
    n = replications_needed(pilot, 0.05)
    m, s = pilot.mean(), pilot.std(ddof=1)

    def half(i):
        return stats.t.ppf(0.975, i - 1) * s / math.sqrt(i)

    assert half(n) <= 0.05 * m < half(n - 1)
    assert replications_needed(np.full(5, 3.0), 0.05) == 5
    with pytest.raises(ValueError):
        replications_needed([-1.0, 1.0], 0.05)  # mean 0 needs atol
    assert replications_needed([-1.0, 1.0], 0.05, atol=100.0) == 2


def run_controller(ctrl, sampler):
    """Drive the controller as a runner would: run the requested block, then ask again."""
    values = {name: np.empty(0) for name in sampler(0)}
    while (k := ctrl.next_block(values)) > 0:
        draws = sampler(k)
        values = {name: np.append(v, draws[name]) for name, v in values.items()}
    return values


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("mean", [10.0, -10.0])
def test_controller_stops_at_requested_precision(seed, mean):
    sd, target = 2.0, 0.05
    rng = np.random.default_rng(seed)
    ctrl = ReplicationController(target=target, min_reps=5, max_reps=500, block=4)
    values = run_controller(ctrl, lambda k: {"x": rng.normal(mean, sd, k)})["x"]
    assert ctrl.converged
    assert t_interval(values).relative_half_width <= target
    # n ~ (z sd / (target |mean|))^2 = 61.5; n scales with the sample variance, which over
    # 30-120 replications stays well inside a factor 2 of sd^2.
    n_star = (stats.norm.ppf(0.975) * sd / (target * abs(mean))) ** 2
    assert n_star / 2 <= ctrl.recommended <= 2 * n_star
    assert len(values) <= ctrl.recommended + ctrl.klimit(ctrl.recommended) + ctrl.block


def test_controller_block_protocol_and_constant_metric():
    ctrl = ReplicationController(min_reps=5, block=4, look_ahead=5)
    assert ctrl.next_block({"zero": []}) == 5
    assert ctrl.next_block({"zero": np.zeros(5)}) == 4
    assert ctrl.next_block({"zero": np.zeros(9)}) == 4
    assert ctrl.next_block({"zero": np.zeros(13)}) == 0  # 5 + kLimit(5) = 10 <= 13
    assert ctrl.converged and ctrl.recommended == 5
    with pytest.raises(ValueError):
        ctrl.next_block({"a": np.zeros(3), "b": np.zeros(4)})


def test_controller_zero_mean_needs_absolute_fallback():
    rng = np.random.default_rng(7)
    ctrl = ReplicationController(max_reps=60, atol={"queue": 0.6})
    values = run_controller(ctrl, lambda k: {"queue": rng.normal(0.0, 1.0, k)})
    assert ctrl.converged and t_interval(values["queue"]).half_width <= 0.6
    strict = ReplicationController(max_reps=60)
    with pytest.warns(RuntimeWarning, match="queue"):
        run_controller(strict, lambda k: {"queue": rng.normal(0.0, 1.0, k)})
    assert not strict.converged and strict.n == 60 and strict.recommended is None


# --- warm-up ---------------------------------------------------------------------------------


def test_mser5_finds_an_exponential_transient():
    t = np.arange(2000)
    y = 10 + 20 * np.exp(-t / 40) + np.random.default_rng(3).normal(0, 1, t.size)
    cut = mser5(y)
    # The bias is 20·e^(-t/40): 1.6 (above the batch-mean noise 0.45) at t=100 and 0.01 at
    # t=300, so the truncation must land between them.
    assert cut is not None and 100 <= cut <= 300 and cut % 5 == 0


def test_mser5_stationary_and_undetected():
    stationary = np.random.default_rng(4).normal(10, 1, 2000)
    assert mser5(stationary) <= 100  # ~0: at most 5% of the run
    assert mser5(np.full(50, 2.0)) == 0
    trend = np.arange(1000) / 100 + np.random.default_rng(5).normal(0, 0.1, 1000)
    assert mser5(trend) is None  # still drifting: minimum beyond the first half
    with pytest.raises(ValueError):
        mser5([1.0, 2.0, 3.0])


# --- Pareto and ranking ----------------------------------------------------------------------


def test_pareto_front_hand_made_table():
    table = pd.DataFrame(
        {
            "cost": [10, 12, 8, 10, 10, 15],
            "wait": [5, 6, 9, 5, 5, 2],
            "satisfaction": [0.8, 0.7, 0.6, 0.8, 0.79, 0.9],
        },
        index=["A", "B_dominated", "C", "A_tie", "E_dominated", "F"],
    )
    front = pareto_front(table, {"cost": "min", "wait": "min", "satisfaction": "max"})
    assert front.to_dict() == {
        "A": True,
        "B_dominated": False,
        "C": True,
        "A_tie": True,
        "E_dominated": False,
        "F": True,
    }
    with pytest.raises(ValueError):
        pareto_front(table, {"cost": "lowest"})
