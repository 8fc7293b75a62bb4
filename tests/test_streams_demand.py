"""Named random streams, reproducibility, and the demand generator against its Poisson law.

Demand: hourly counts of ``order_times`` must be Poisson with the means ``order_intensity``
gives (hour-of-day and weekday profiles, promotions): chi-square goodness of fit of the
hour-of-week totals, a dispersion (Pearson) statistic over individual hours, a z-test for the
promotion, and Kolmogorov-Smirnov uniformity of epochs inside constant-rate windows. Each test
also shows a plausible wrong law is rejected, so it can fail.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import sim
from sim import demand
from sim.model import simulate
from sim.streams import CaseDraws, Streams
from sim.validation import contact_centre_table

HOURLY = [0.3] * 6 + [1.0] * 6 + [1.5] * 6 + [1.2] * 6
WEEKLY = [1.0, 1.0, 1.0, 1.0, 1.2, 0.9, 0.9]
HORIZON_D = 14
REPS = 6


def orders_scenario(hourly=HOURLY, weekly=WEEKLY, promotions=True) -> sim.Scenario:
    table = contact_centre_table(1.0, 3, 5.0, horizon_h=HORIZON_D * 24.0, warmup_h=0.0)
    table["demand"] = {
        "source": "orders", "orders_per_day": 2400.0, "history": "1d",
        "hourly_profile": hourly, "weekly_profile": weekly,
        "promotions": ([{"name": "double_11", "start": "200h", "length": "12h",
                         "multiplier": 3.0}] if promotions else []),
        "categories": {"all": {"share": 1.0, "rates": {"inquiry": 0.05}}},
        "channel_mix": {"phone": 1.0},
    }
    return sim.load_scenario(table)


SCENARIO = orders_scenario()
HOURS = np.arange(-24, HORIZON_D * 24)


@pytest.fixture(scope="module")
def counts():
    """Orders per hour, one row per replication."""
    rows = []
    for r in range(REPS):
        times = demand.order_times(SCENARIO, Streams(11, r))
        rows.append(np.bincount(np.floor(times).astype(int) - HOURS[0], minlength=HOURS.size))
    return np.array(rows)


def test_order_intensity_by_hand():
    rate = demand.order_intensity(SCENARIO, HOURS)
    base = 2400.0 / 24
    # Friday (weekday 4) 14:00 is hour 4 * 24 + 14 = 110.
    assert rate[HOURS == 110][0] == pytest.approx(base * 1.5 * 1.2)
    assert rate[HOURS == 3][0] == pytest.approx(base * 0.3 * 1.0)
    # Hour 205 is Tuesday 13:00, inside the promotion; 212 is Tuesday 20:00, just after it.
    assert rate[HOURS == 205][0] == pytest.approx(3.0 * base * 1.5 * 1.0)
    assert rate[HOURS == 212][0] == pytest.approx(base * 1.2 * 1.0)
    assert rate[HOURS == -1][0] == pytest.approx(base * 1.2 * 0.9)  # Sunday 23:00 before


def test_hour_of_week_profile_chi_square(counts):
    expected = demand.order_intensity(SCENARIO, HOURS)
    keep = HOURS >= 0
    obs = counts[:, keep].sum(axis=0)
    exp = np.broadcast_to(expected[keep], counts[:, keep].shape).sum(axis=0)
    week = HOURS[keep] % 168
    obs_w, exp_w = np.bincount(week, obs), np.bincount(week, exp)
    assert stats.chisquare(obs_w, exp_w * obs_w.sum() / exp_w.sum()).pvalue > 0.01
    # Power: a flat profile is rejected.
    flat = np.full(168, obs_w.sum() / 168)
    assert stats.chisquare(obs_w, flat).pvalue < 1e-6


def test_hourly_counts_are_poisson_dispersion(counts):
    expected = np.broadcast_to(demand.order_intensity(SCENARIO, HOURS), counts.shape)
    assert expected.min() > 20  # the chi-square approximation is good
    pearson = float(np.sum((counts - expected) ** 2 / expected))
    df = counts.size
    p = stats.chi2.sf(pearson, df)
    assert 0.005 < p < 0.995  # neither over- nor under-dispersed
    assert pearson / df == pytest.approx(1.0, abs=0.1)
    # Power: ignoring the promotion (or the profile) is rejected.
    no_promo = np.broadcast_to(demand.order_intensity(orders_scenario(promotions=False), HOURS),
                               counts.shape)
    assert stats.chi2.sf(np.sum((counts - no_promo) ** 2 / no_promo), df) < 1e-6


def test_promotion_volume(counts):
    inside = (HOURS >= 200) & (HOURS < 212)
    expected = demand.order_intensity(SCENARIO, HOURS)[inside].sum() * REPS
    observed = counts[:, inside].sum()
    assert abs(observed - expected) / np.sqrt(expected) < 3
    assert abs(observed - expected / 3) / np.sqrt(expected / 3) > 10  # multiplier not applied


def test_epochs_uniform_within_constant_rate_hours():
    times = demand.order_times(SCENARIO, Streams(11, 0))
    assert stats.kstest(times - np.floor(times), "uniform").pvalue > 0.01
    # A flat scenario has one constant rate over the whole run: uniform over [0, horizon).
    flat = orders_scenario([1.0] * 24, [1.0] * 7, promotions=False)
    t = demand.order_times(flat, Streams(11, 1))
    horizon = flat.run.horizon
    t = t[t >= 0] / horizon
    assert stats.kstest(t, "uniform").pvalue > 0.01
    # ... while the profiled scenario is not uniform over the run.
    s = times[times >= 0] / horizon
    assert stats.kstest(s, "uniform").pvalue < 1e-6


def test_poisson_source_counts_and_uniform_epochs():
    scenario = sim.load_scenario(contact_centre_table(20.0, 3, 5.0, horizon_h=50.0, warmup_h=0.0))
    sizes, pooled = [], []
    for r in range(40):
        cases = demand.generate(scenario, Streams(2, r))
        sizes.append(len(cases))
        pooled.append(cases.created / 50.0)
    mean = 20.0 * 50.0
    assert abs(np.mean(sizes) - mean) / np.sqrt(mean / 40) < 3
    assert np.var(sizes, ddof=1) / mean == pytest.approx(1.0, abs=0.5)
    assert stats.kstest(np.concatenate(pooled), "uniform").pvalue > 0.01


# --- streams -----------------------------------------------------------------------------------
def test_stream_draws_depend_only_on_seed_replication_and_name():
    first = Streams(5, 2)
    x, y = first.rng("x").random(4), first.rng("y").random(4)
    second = Streams(5, 2)
    second.rng("extra").random(100)  # another stream used first, in a different order
    y2, x2 = second.rng("y").random(4), second.rng("x").random(4)
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_array_equal(y, y2)
    assert not np.array_equal(x, y)
    assert not np.array_equal(x, Streams(5, 3).rng("x").random(4))
    assert not np.array_equal(x, Streams(6, 2).rng("x").random(4))


def test_case_draws_by_purpose_are_independent_of_use_order():
    a, b = CaseDraws(Streams(1, 0), 50), CaseDraws(Streams(1, 0), 50)
    ha = a.uniforms("contact/handle")
    b.uniforms("contact/retry")
    np.testing.assert_array_equal(ha, b.uniforms("contact/handle"))
    assert a.uniform("contact/handle", 7, 10) == b.uniform("contact/handle", 7, 10)  # spill


def test_case_draws_kept_a_window_at_a_time_are_the_full_matrix_in_any_order():
    from sim.config.distributions import Dist

    n = 3 * 4096 + 123  # four blocks, the last one short
    created = np.linspace(0.0, 400.0, n)
    full = CaseDraws(Streams(3, 1), n).uniforms("contact/handle")
    windowed = CaseDraws(Streams(3, 1), n, created=created, window_h=60.0)
    dist = Dist("lognormal", (0.2, 0.1))
    expected = np.asarray(dist.ppf(np.ascontiguousarray(full[:, 2])))
    order = np.random.default_rng(0).permutation(n)[:2000]
    for case in np.concatenate([np.arange(0, n, 97), order]):  # forwards, then at random
        case, k = int(case), int(case % 6)
        assert windowed.uniform("contact/handle", case, k) == full[case, k]
        assert windowed.value("contact/handle", dist, case, 2) == expected[case]
    assert windowed.direct_draws > 0  # old blocks were dropped, their draws still exact
    kept = [b for blocks in windowed._uniforms["contact/handle"] if blocks for b in blocks]
    assert sum(b is not None for b in kept) < len(kept)
    np.testing.assert_array_equal(windowed.column("contact/handle", 4), full[:, 4])


def test_a_blocks_matrix_is_drawn_once_for_the_columns_in_use(monkeypatch):
    """Once a purpose's columns are in use, a new block's matrix is drawn once for all of them
    (each column's first use used to draw it again), and the draws stay the full matrix's."""
    from sim.config.distributions import Dist

    n = 3 * 4096
    full = CaseDraws(Streams(5, 0), n).uniforms("parcel/scan")
    draws = CaseDraws(Streams(5, 0), n, created=np.linspace(0.0, 100.0, n))
    dist = Dist("exponential", (2.0,))
    drawn = []
    block = CaseDraws._block
    monkeypatch.setattr(CaseDraws, "_block",
                        lambda self, *args: drawn.append(args) or block(self, *args))
    for case in range(n):
        for k in range(3):
            assert draws.uniform("parcel/scan", case, k) == full[case, k]
        assert draws.value("parcel/scan", dist, case, 4) == dist.ppf(full[case:case + 1, 4])[0]
    assert len(drawn) == 4 + 2  # block 0: each column's first use; blocks 1 and 2: once


def test_block_accessors_give_the_draws_floats_and_release_empties_them():
    from sim.config.distributions import Dist
    from sim.streams import BLOCK_MASK, BLOCK_SHIFT

    n = 3 * 4096 + 123
    full = CaseDraws(Streams(3, 1), n).uniforms("tracking/lag/0")
    draws = CaseDraws(Streams(3, 1), n, created=np.linspace(0.0, 400.0, n), window_h=60.0)
    dist, fixed = Dist("lognormal", (0.2, 0.1)), Dist("deterministic", (0.25,))
    expected = np.asarray(dist.ppf(np.ascontiguousarray(full[:, 1])))
    uniforms, values = draws.uniform_blocks("tracking/lag/0", 1), draws.value_blocks(
        "tracking/lag/0", dist, 1)
    for case in range(0, n, 7):
        for blocks, draw, want in ((uniforms, draws.uniform, full[case, 1]),
                                   (values, lambda *a: draws.value(a[0], dist, *a[1:]),
                                    expected[case])):
            block = blocks[case >> BLOCK_SHIFT]
            got = block.item(case & BLOCK_MASK) if block is not None else \
                draw("tracking/lag/0", case, 1)
            assert got == want and type(got) is float
        assert draws.value("fixed", fixed, case) == 0.25  # one shared constant block
    assert uniforms[0] is None and uniforms[-1] is not None  # the window moved on
    assert len({id(b) for b in draws.value_blocks("fixed", fixed) if b is not None}) == 1
    with pytest.raises(ValueError, match="column 6"):
        draws.uniform_blocks("tracking/lag/0", 6)
    draws.release()
    assert all(b is None for b in uniforms + values)
    assert draws.value("tracking/lag/0", dist, n - 1, 1) == expected[n - 1]  # still exact


# --- reproducibility ---------------------------------------------------------------------------
def _two_designs():
    table = contact_centre_table(30.0, 3, 5.0, patience_mean_min=2.0, horizon_h=40.0,
                                 warmup_h=2.0)
    table["designs"]["retrying"] = {
        "extends": "textbook",
        "contact": {"retry_probability": 0.6, "max_attempts": 3,
                    "retry_delay": {"dist": "exponential", "mean": "10min"}},
    }
    return table


def test_same_seed_identical_records_and_kpis():
    scenario = sim.load_scenario(_two_designs())
    one = sim.run_once(scenario, "retrying", replication=1)
    two = sim.run_once(scenario, "retrying", replication=1)
    pd.testing.assert_frame_equal(one.cases, two.cases)
    pd.testing.assert_frame_equal(one.ledger, two.ledger)
    assert pd.Series(one.kpis).equals(pd.Series(two.kpis))  # NaN-aware equality
    other = sim.run_once(scenario, "retrying", replication=2)
    assert not one.cases["created"].equals(other.cases["created"])
    assert not pd.Series(one.kpis).equals(pd.Series(other.kpis))
    reseeded = sim.run_once(scenario, "retrying", replication=1, seed=2)
    assert not one.cases["created"].equals(reseeded.cases["created"])


def test_extra_stream_of_a_design_leaves_shared_draws_unchanged():
    scenario = sim.load_scenario(_two_designs())
    plain, retrying = simulate(scenario, "textbook", 1), simulate(scenario, "retrying", 1)
    assert len(plain.cases) > 500
    for column in ("created", "case_type", "channel"):
        np.testing.assert_array_equal(getattr(plain.cases, column),
                                      getattr(retrying.cases, column))
    # The retrying design used purposes the plain one never touched ...
    extra = set(retrying.draws._uniforms) - set(plain.draws._uniforms)
    assert {"contact/retry", "contact/retry_delay"} <= extra
    assert retrying.records["attempts"].sum() > plain.records["attempts"].sum()
    # ... yet the draws of the shared purposes are identical.
    for purpose in ("contact/patience", "contact/handle", "contact/fcr"):
        np.testing.assert_array_equal(plain.draws.uniforms(purpose),
                                      retrying.draws.uniforms(purpose))
    # Same luck: with FIFO queues a case's wait depends only on earlier arrivals, so every
    # case created before the first abandonment (hence before any retry) waits the same.
    abandoned = plain.records["abandonments"] > 0
    first_abandon = plain.records["closed_at"][abandoned].min()
    early = plain.cases.created < first_abandon
    assert early.sum() > 10
    np.testing.assert_array_equal(plain.records["first_attempt_wait_h"][early],
                                  retrying.records["first_attempt_wait_h"][early])


def test_adding_a_design_does_not_change_another_designs_run():
    both = sim.load_scenario(_two_designs())
    alone_table = _two_designs()
    del alone_table["designs"]["retrying"]
    alone = sim.load_scenario(alone_table)
    a = sim.run_once(both, "textbook", replication=3)
    b = sim.run_once(alone, replication=3)
    pd.testing.assert_frame_equal(a.cases, b.cases)
    assert pd.Series(a.kpis).equals(pd.Series(b.kpis))
