"""Scenario headline KPIs (report.headline) and case KPIs per period (sim.outcomes.periods)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import sim
from sim import report
from sim.config import bundled_scenarios
from sim.config.units import MINUTE
from sim.experiment.runner import HEADLINE, compare
from sim.outcomes.periods import (
    PERIOD_KPIS,
    RATE,
    case_lag_quantile,
    clip,
    complement,
    period_kpis,
    periods,
    union,
)

# A short carrier_disruption: two measured days before the outage, four in it, two after; the
# carrier loses 90% of its pickups and its transit takes four times as long (far more than the
# noise). The scenario's two events, moved into the short horizon.
SHORT = {"demand.orders_per_day": 150, "run.warmup": "2d", "run.horizon": "10d",
         "run.drain": "30d",
         "events.0.start": "4d", "events.0.end": "8d", "events.0.scale": 0.1,
         "events.1.start": "4d", "events.1.end": "8d", "events.1.scale": 4.0}
DESIGNS = ["self_built", "third_party_logistics"]


@pytest.fixture(scope="module")
def disrupted():
    scenario = sim.load_scenario("carrier_disruption", SHORT)
    return compare(scenario, replications=2, designs=DESIGNS, progress=False)


def test_window_arithmetic():
    assert union([(5, 7), (1, 3), (2, 4), (7, 8), (9, 9)]) == [(1, 4), (5, 8)]
    assert clip([(1, 4), (5, 8)], 2, 6) == [(2, 4), (5, 6)]
    assert complement([(2, 4), (5, 6)], 0, 10) == [(0, 2), (4, 5), (6, 10)]
    assert complement([(0, 10)], 0, 10) == []


def test_periods_come_from_promotions_and_disruptions_inside_the_measured_window():
    d11 = periods(sim.load_scenario("double11"))
    assert [(p.name, p.split) for p in d11] == [("promotion", "promotion"),
                                               ("after promotion", "promotion"),
                                               ("normal", "promotion")]
    # Pre-sales days 7-17 and the day itself (17-18) touch: one window; its wave follows for
    # the time 90% of an order's cases take to be raised; the rest is normal.
    wave = math.ceil(case_lag_quantile(sim.load_scenario("double11")))
    assert 3 * 24 < wave < 10 * 24  # the scenario's "return wave 3-10 days later"
    assert d11[0].windows == ((7 * 24.0, 18 * 24.0),)
    assert d11[1].windows == ((18 * 24.0, 18 * 24.0 + wave),)
    assert d11[2].windows == ((18 * 24.0 + wave, 42 * 24.0),)
    outage = periods(sim.load_scenario("carrier_disruption", SHORT))
    assert [p.name for p in outage] == ["disruption", "outside disruption"]
    assert outage[0].windows == ((96.0, 192.0),)
    assert outage[1].windows == ((48.0, 96.0), (192.0, 240.0))
    assert periods(sim.load_scenario("baseline")) == []
    # A promotion entirely inside the warm-up is not a measured period.
    early = sim.load_scenario("double11", {"demand.promotions.0.start": "0d",
                                           "demand.promotions.0.length": "2d",
                                           "demand.promotions.1.start": "3d"})
    assert periods(early) == []


def test_period_kpis_partition_the_cases_and_equal_a_direct_computation():
    scenario = sim.load_scenario("carrier_disruption", SHORT)
    run = sim.run_once(scenario, "third_party_logistics")
    table = period_kpis(run.cases, run.ledger, scenario).set_index(["period", "kpi"])["value"]
    assert table[("disruption", "cases")] + table[("outside disruption", "cases")] \
        == run.kpis["cases"]
    assert table[("disruption", RATE)] == pytest.approx(table[("disruption", "cases")] / 4)
    cases = run.cases
    inside = cases[(cases["created"] >= 96) & (cases["created"] < 192)]
    assert table[("disruption", "first_response_mean_min")] == pytest.approx(
        inside["first_wait_h"].dropna().mean() / MINUTE)
    refund = (inside["refund_at"] - inside["created"]).dropna()
    assert table[("disruption", "refund_time_mean_h")] == pytest.approx(refund.mean())
    assert set(table.index.get_level_values("kpi")) == {*PERIOD_KPIS, RATE}


def test_no_periods_gives_an_empty_table():
    scenario = sim.load_scenario("baseline", {"demand.orders_per_day": 50, "run.horizon": "9d"})
    run = sim.run_once(scenario, "self_built")
    assert period_kpis(run.cases, run.ledger, scenario).empty


def test_the_outage_shows_in_the_period_numbers(disrupted):
    s = disrupted.period_summary.set_index(["design", "period", "kpi"])
    key = "refund_time_mean_h"
    gap_in = s.loc[("third_party_logistics", "disruption", key), "mean"] \
        - s.loc[("self_built", "disruption", key), "mean"]
    gap_out = s.loc[("third_party_logistics", "outside disruption", key), "mean"] \
        - s.loc[("self_built", "outside disruption", key), "mean"]
    # Parcels handed over in the outage take 4 days longer; cases raised just before it and the
    # backlog it leaves spill over outside, but the gap inside is more than a day wider.
    assert gap_in - gap_out > 24.0
    row = s.loc[("self_built", "disruption", key)]
    assert row["n"] == 2 and row["lower"] < row["mean"] < row["upper"]
    assert set(disrupted.periods.columns) == {"design", "replication", "period", "kpi",
                                              "value"}
    # Same cases for both designs in each period (common random numbers).
    cases = disrupted.periods[disrupted.periods["kpi"] == "cases"]
    wide = cases.pivot_table(index=["replication", "period"], columns="design", values="value")
    assert (wide["self_built"] == wide["third_party_logistics"]).all()


def test_every_replication_keeps_its_timeline(disrupted):
    for frame in disrupted.timelines.values():
        assert sorted(frame["replication"].unique()) == [0, 1]


def test_results_folder_has_the_period_tables(disrupted, tmp_path):
    folder = disrupted.write(root=tmp_path, figures=False)
    written = pd.read_csv(folder / "period_summary.csv")
    assert set(written["period"]) == {"disruption", "outside disruption"}
    assert len(pd.read_csv(folder / "periods.csv")) == len(disrupted.periods)
    md = (folder / "report.md").read_text()
    assert "## KPIs by period" in md and "outside disruption" in md


def test_scenario_headline_kpis_come_after_the_defaults(disrupted):
    kpis = disrupted.headline_kpis()
    asked = list(disrupted.scenario.report.headline)
    assert asked and kpis[-len(asked):] == asked
    assert [k for k in kpis if k not in asked] == [k for k in HEADLINE if k in kpis]
    printed = report.text(disrupted)
    for kpi in asked:
        assert any(line.strip().startswith(kpi + " ") for line in printed.splitlines())


def test_headline_names_are_checked_against_the_kpi_registry():
    with pytest.raises(sim.ScenarioError) as err:
        sim.load_scenario("baseline", {"report.headline": ["cases", "refund_time_men_h",
                                                           "cases"]})
    text = str(err.value)
    assert "report.headline[1]: 'refund_time_men_h'" in text
    assert "did you mean 'refund_time_mean_h'" in text
    assert "report.headline[2]" in text and "report.headline[0]" not in text
    with pytest.raises(sim.ScenarioError, match=r"report.price_of_a_point: -1"):
        sim.load_scenario("baseline", {"report.price_of_a_point": -1})


def test_every_bundled_scenario_asks_its_own_questions():
    for name in bundled_scenarios():
        scenario = sim.load_scenario(name)
        if scenario.demand.source == "orders":
            assert scenario.report.headline, name
            assert set(scenario.report.headline) - set(HEADLINE), name


def test_cases_per_day_rise_in_a_strong_promotion_and_its_wave():
    # Orders x4 for days 3-7; cases follow orders by days, so most come in the wave after it.
    scenario = sim.load_scenario("baseline", {
        "demand.orders_per_day": 100, "run.warmup": "1d", "run.horizon": "9d",
        "run.drain": "20d",
        "demand.promotions": [{"name": "sale", "start": "3d", "length": "4d",
                               "multiplier": 4.0}]})
    run = sim.run_once(scenario, "self_built")
    table = period_kpis(run.cases, run.ledger, scenario).set_index(["period", "kpi"])["value"]
    assert table[("promotion", RATE)] > 1.2 * table[("normal", RATE)]
    assert table[("after promotion", RATE)] > 2.0 * table[("normal", RATE)]
    assert np.isfinite(table[("promotion", "csat_mean")])
