"""The teaching helpers behind the notebooks, headless: fast mode, the slider callback and its
panel, a case's journey, and notebook 05's checks. Small runs only (fast mode, two
replications, one or two designs)."""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim import teaching
from sim.config import ScenarioError
from sim.teaching import checks, journey, tradeoffs


@pytest.fixture
def fast(monkeypatch):
    monkeypatch.setenv(teaching.FAST_ENV, "1")


def test_fast_mode_switch(monkeypatch):
    for value, on in (("1", True), ("yes", True), ("0", False), ("", False)):
        monkeypatch.setenv(teaching.FAST_ENV, value)
        assert teaching.fast_mode() is on
    monkeypatch.setenv(teaching.FAST_ENV, "maybe")
    with pytest.raises(ScenarioError, match="AFTERSALES_FAST"):
        teaching.fast_mode()
    monkeypatch.delenv(teaching.FAST_ENV)
    assert teaching.replications(7) == 7 and teaching.scale(10, 2) == 10


def test_fast_mode_shrinks_runs(fast):
    assert teaching.replications(10) == teaching.FAST_REPLICATIONS
    assert teaching.replications(1) == 1
    assert teaching.scale(10, 2) == 2
    s = teaching.load("baseline")
    assert s.run.horizon == 48.0 and s.run.warmup == 24.0
    assert teaching.load("baseline", fast={"run.horizon": "9d"}).run.horizon == 216.0
    assert "fast mode" in teaching.mode_line()


def test_lever_overrides_reach_only_their_design():
    raw = teaching.read(tradeoffs.SCENARIO)
    assert tradeoffs.overrides({}) == {}
    out = tradeoffs.overrides({"extra_agents:community": 2, "carrier_fee": 11.0,
                               "promotion_peak": 1.5}, raw, warmup="24h")
    staff = {k: v for k, v in out.items() if k.startswith("designs.community.contact.staff")}
    assert staff and all(v >= 3 for v in staff.values())
    assert not any(k.startswith("designs.self_built") for k in out)
    assert out["designs.third_party_logistics.logistics.cost_per_parcel"] == 11.0
    assert out["demand.promotions"][0]["multiplier"] == 1.5
    fewer = tradeoffs.overrides({"extra_agents:self_built": -5}, raw)
    assert fewer and min(fewer.values()) == 1          # a shift keeps at least one agent
    scenario = sim.load_scenario(raw, out)            # the loader accepts every key
    assert scenario.demand.promotions[0].start == 24.0
    with pytest.raises(ScenarioError, match="levers"):
        tradeoffs.overrides({"carrier_fees": 3})


ONE = ["third_party_logistics"]


@pytest.fixture(scope="module")
def base_run():
    """The callback at its start values: one design, two replications, fast mode."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(teaching.FAST_ENV, "1")
        yield tradeoffs.tradeoffs(designs=ONE, replications=2)


def _cost(result) -> float:
    return float(result.comparison.summary.set_index("kpi").loc["cost_per_case", "mean"])


def test_the_slider_callback_changes_the_table(fast, base_run):
    dearer = tradeoffs.tradeoffs({"carrier_fee": 16.0}, designs=ONE, replications=2)
    assert dearer.overrides == {
        "designs.third_party_logistics.logistics.cost_per_parcel": 16.0}
    assert not base_run.table.equals(dearer.table)
    row = list(base_run.table["kpi"]).index("cost_per_case")
    assert (base_run.table.iloc[row]["third_party_logistics"]
            != dearer.table.iloc[row]["third_party_logistics"])
    assert _cost(dearer) > _cost(base_run)          # a dearer carrier costs more per case
    with pytest.raises(ScenarioError, match="ftf_mean"):
        tradeoffs.tradeoffs({"platform_ftf": 1.5}, designs=ONE, replications=2)


def test_the_panel_runs_headless(fast, base_run):
    pytest.importorskip("ipywidgets")
    from sim.teaching.panel import tradeoff_panel

    ticks = []
    panel = tradeoff_panel(designs=ONE, replications=2)
    assert set(panel.values()) == set(tradeoffs.DEFAULTS) - {
        f"extra_agents:{d}" for d in tradeoffs.DESIGNS if d not in ONE}
    panel.controls["carrier_fee"].value = 15.0
    panel.controls["freight_payer"].value = "seller"
    panel.progress.observe(lambda change: ticks.append(change["new"]), "value")
    result = panel.run()
    assert result is panel.last
    assert result.values["carrier_fee"] == 15.0 and result.values["freight_payer"] == "seller"
    assert ticks[-1] == panel.progress.max == 2
    assert not result.table.equals(base_run.table)
    assert _cost(result) > _cost(base_run)          # the seller now pays a dearer carrier


def test_a_case_journey_follows_the_same_case(fast):
    scenario = teaching.load("baseline")
    cases = {d: sim.run_once(scenario, d).cases for d in ("self_built",
                                                           "third_party_logistics")}
    case = journey.pick_case(cases, "return_refund", after=scenario.run.warmup)
    assert case is not None
    csat = {d: journey.case_csat(f, scenario) for d, f in cases.items()}
    table = journey.journey(cases, case, csat)
    assert list(table.columns) == list(cases)
    assert {"request raised", "refund paid", "how it ended", "CSAT (1-5)"} <= set(table.index)
    refund = cases["self_built"].set_index("case").loc[case]
    assert table.loc["refund paid", "self_built"] == (
        f"{refund['refund_at'] - refund['created']:.1f} h")
    assert journey.pick_case(cases, "no_such_type") is None
    with pytest.raises(KeyError):
        journey.journey(cases, 10**9)


def test_interval_shrinks_like_one_over_root_n():
    x = np.random.default_rng(3).normal(10.0, 2.0, 400)
    table = checks.interval_by_replications(x, [4, 16, 64, 256])
    assert table["half_width"].is_monotonic_decreasing
    ratio = table["half_width_x_sqrt_n"]
    assert ratio.iloc[-1] == pytest.approx(2.0 * 1.96, rel=0.15)
    with pytest.raises(ValueError):
        checks.interval_by_replications(x[:3], [5])


def test_littles_law_and_crn_on_a_small_contact_centre():
    raw = checks.contact_centre_designs(horizon_h=6.0, warmup_h=0.5)
    scenario = sim.load_scenario(raw)
    assert list(scenario.designs) == ["agents", "assisted"]
    law = checks.littles_law(sim.run_once(scenario, "agents").cases)
    assert law["L_time_average"] == pytest.approx(law["lambda_x_W"], rel=1e-9)
    table = checks.crn_against_independent(scenario, "agents", "assisted", ["queued_share"],
                                           replications=4, seed=5)
    row = table.iloc[0]
    assert row["crn_diff"] < 0 < row["crn_half_width"]          # faster handling, less queueing
    # Independent seeds: about as wide as the two designs' spreads combined; paired under CRN
    # the shared luck cancels (over seeds 5..10 the ratio was 2.6-10.7; 1.5 leaves room).
    assert row["width_ratio"] > 1.5


def test_warmup_series_and_mser5():
    from sim.validation import contact_centre

    scenario = contact_centre(33.0, 3, 5.0, horizon_h=20.0, warmup_h=0.0)
    table, cut = checks.warmup_series(scenario, 3)
    assert list(table.columns) == ["contact", "created_h", "mean_wait_min"]
    assert table["created_h"].is_monotonic_increasing and len(table) > 400
    assert table["mean_wait_min"].iloc[:5].mean() < table["mean_wait_min"].mean()  # empty start
    assert cut is None or 0 <= cut < len(table) // 2
