"""KPIs and scorecard: exact values on hand-made tables, completeness and direction on runs."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest

import sim
from sim.config import load_scenario
from sim.config.vocab import TERMINAL_STATES
from sim.outcomes.kpis import REGISTRY, compute_kpis
from sim.outcomes.satisfaction import score_cases
from sim.records import FIELDS, Ledger, RunSummary
from sim.validation import contact_centre

NAN = np.nan
SCENARIO = contact_centre(10.0, agents=2, handle_mean_min=5.0, horizon_h=48.0, warmup_h=0.0)

# case: (type, created, terminal, closed_at, contacts, extra fields)
ROWS = [
    ("inquiry", 0.0, "resolved", 2.0, 1, {"first_wait_h": 0.1}),
    ("inquiry", 1.0, "resolved", 31.0, 2, {"first_wait_h": 0.3}),
    ("return_refund", 2.0, "resolved", 102.0, 1,
     {"refund_at": 82.0, "statutory_applicable": True, "return_sent": True,
      "goods_received_at": 50.0}),
    ("return_refund", 3.0, "unresolved", 200.0, 1,
     {"return_sent": True, "statutory_applicable": True, "statutory_met": False,
      "complaint": True, "complaint_closed_at": 153.0}),
    ("repair", 4.0, "resolved", 64.0, 1,
     {"service_done_at": 54.0, "visits": 1, "complaint": True, "recovered": True,
      "complaint_closed_at": 64.0}),
    ("inquiry", 5.0, "abandoned", 5.2, 0, {"abandonments": 1}),
    ("inquiry", 6.0, "censored", 2000.0, 0, {"attempts": 0}),
]


def hand_cases() -> pd.DataFrame:
    rows = []
    for i, (ctype, created, terminal, closed, contacts, extra) in enumerate(ROWS):
        row = {name: fill for name, (_, fill, _) in FIELDS.items()}
        row.update(case=i, created=created, case_type=ctype, channel="chat", category=None,
                   order_value=100.0, terminal=terminal, closed_at=closed, contacts=contacts,
                   attempts=max(contacts, 1))
        row.update(extra)
        rows.append(row)
    return pd.DataFrame(rows)


def hand_ledger() -> pd.DataFrame:
    led = Ledger()
    led.charge(case=-1, time=0.0, component="staff:a", kind="fixed", amount=100.0, hours=10.0)
    led.charge(case=0, time=1.0, component="contact", kind="variable", amount=2.0)
    led.charge(case=3, time=9.0, component="refund_breach", kind="penalty", amount=30.0)
    return led.to_frame()


def hand_run(warmup: float = 0.0) -> tuple:
    """The scenario and run summary of the hand-made tables."""
    scenario = dataclasses.replace(SCENARIO, run=dataclasses.replace(SCENARIO.run,
                                                                     warmup=warmup))
    summary = RunSummary(design="hand", channels_reachable=("chat",),
                         monitor_times=np.array([0.0, 1.0, 2.0]),
                         busy={"contact:a": np.array([1.0, 2.0, 3.0]),
                               "contact:forum:backoffice": np.array([0.0, 2.0, 2.0])},
                         on_duty={"contact:a": np.array([4.0, 4.0, 4.0]),
                                  "contact:forum:backoffice": np.array([0.0, 2.0, 2.0])})
    return scenario, summary


@pytest.fixture(scope="module")
def hand_kpis() -> dict:
    return compute_kpis(hand_cases(), hand_ledger(), *hand_run())


def test_time_and_share_kpis_exact(hand_kpis):
    k = hand_kpis
    assert k["cases"] == 7
    assert k["resolution_time_mean_h"] == pytest.approx((2 + 30 + 100 + 60) / 4)
    assert k["resolution_time_p90_h"] == pytest.approx(np.percentile([2, 30, 100, 60], 90))
    assert k["resolution_time_mean_h_inquiry"] == pytest.approx(16.0)
    assert k["refund_time_mean_h"] == pytest.approx(80.0)
    assert k["repair_turnaround_mean_h"] == pytest.approx(50.0)
    # Within the per-type targets (inquiry 24 h, return 10 d, repair 7 d): cases 0, 2 and 4.
    assert k["sla_attainment"] == pytest.approx(3 / 6)
    assert k["statutory_compliance"] == pytest.approx(0.5)
    assert k["fcr_rate"] == pytest.approx(2 / 5)         # cases 0 and 2
    assert k["complaint_rate"] == pytest.approx(2 / 7)
    assert k["complaint_time_mean_h"] == pytest.approx((150 + 60) / 2)
    assert k["complaint_resolution_rate"] == pytest.approx(0.5)
    assert k["parcel_loss_rate"] == pytest.approx(0.5)
    assert k["abandonment_rate"] == pytest.approx(1 / 7)
    assert k["share_resolved"] == pytest.approx(3 / 7 + 1 / 7)
    assert k["share_abandoned"] == k["share_unresolved"] == k["censored_share"] == \
        pytest.approx(1 / 7)
    assert k["share_withdrawn"] == 0.0
    assert k["first_response_mean_min"] == pytest.approx(0.2 * 60)
    assert k["agent_utilisation"] == pytest.approx((6 + 4) / (12 + 4))
    assert k["agent_utilisation_live"] == pytest.approx(6 / 12)  # without the back office
    assert k["channels_offered"] == 1.0                  # chat only, from the run summary
    assert k["channels_used"] == pytest.approx(1.0)      # every answered case on chat


def test_satisfaction_kpis_leave_censored_cases_out(hand_kpis):
    cases = hand_cases()
    scored = score_cases(cases, SCENARIO.satisfaction, SCENARIO.policy)
    closed = scored.iloc[:6]
    assert hand_kpis["csat_mean"] == pytest.approx(closed["csat"].mean())
    assert hand_kpis["csat_top_box"] == pytest.approx(closed["p_top_box"].mean())
    assert hand_kpis["repurchase_rate"] == pytest.approx(closed["repurchase"].mean())
    assert hand_kpis["csat_mean_repair"] == pytest.approx(scored["csat"].iloc[4])
    assert hand_kpis["csat_mean_complained"] == pytest.approx(scored["csat"].iloc[[3, 4]].mean())
    value = SCENARIO.satisfaction.customer_value
    assert hand_kpis["lost_revenue"] == pytest.approx(value * (1 - closed["repurchase"]).sum())
    assert math.isnan(hand_kpis["csat_mean_exchange"])


def test_cost_kpis_without_and_with_warmup(hand_kpis):
    assert hand_kpis["total_cost"] == pytest.approx(132.0)
    assert hand_kpis["cost_per_case"] == pytest.approx(132.0 / 7)
    assert (hand_kpis["cost_fixed"], hand_kpis["cost_variable"], hand_kpis["cost_penalty"]) == \
        pytest.approx((100.0, 2.0, 30.0))
    late = compute_kpis(hand_cases(), hand_ledger(), *hand_run(warmup=2.5))
    assert late["cases"] == 4                            # cases 3..6
    assert late["cost_fixed"] == pytest.approx(100.0 * (48 - 2.5) / 48)
    assert late["cost_variable"] == 0.0 and late["cost_penalty"] == pytest.approx(30.0)


# --- whole runs -----------------------------------------------------------------------------
def run(agents: int) -> dict:
    scenario = contact_centre(40.0, agents=agents, handle_mean_min=6.0, patience_mean_min=5.0,
                              horizon_h=120.0, warmup_h=10.0, seed=11)
    return sim.run_once(scenario).kpis


@pytest.fixture(scope="module")
def runs() -> dict:
    return {agents: run(agents) for agents in (5, 7)}


def test_every_kpi_is_finite_or_nan_with_a_reason(runs):
    kpis = runs[5]
    assert set(kpis) == set(REGISTRY)
    for name, value in kpis.items():
        assert math.isfinite(value) or REGISTRY[name].nan_when, name
    for name in ("total_cost", "cost_per_case", "csat_mean", "csat_top_box", "repurchase_rate",
                 "fcr_rate", "sla_attainment", "agent_utilisation", "lost_revenue",
                 "score_aftersale", "score_total"):
        assert math.isfinite(kpis[name]), name
    assert 1.0 <= kpis["csat_mean"] <= 5.0
    assert 0.0 <= kpis["score_total"] <= 100.0
    assert sum(kpis[f"share_{s}"] for s in TERMINAL_STATES[1:-1]) + kpis["censored_share"] == \
        pytest.approx(1.0)


def test_kpi_listing():
    table = sim.kpis()
    assert list(table["kpi"]) == list(REGISTRY)
    assert (table["definition"].str.len() > 0).all() and (table["unit"].str.len() > 0).all()
    for name in ("cases", "total_cost", "cost_per_case", "cost_fixed", "cost_variable",
                 "cost_penalty", "lost_revenue", "first_response_mean_min",
                 "first_response_p90_min", "queued_share", "resolution_time_mean_h",
                 "resolution_time_p90_h", "refund_time_mean_h", "repair_turnaround_mean_h",
                 "csat_mean", "csat_top_box", "repurchase_rate", "abandonment_rate", "fcr_rate",
                 "complaint_rate", "sla_attainment", "statutory_compliance",
                 "agent_utilisation", "censored_share", "share_withdrawn", "score_presale",
                 "score_insale", "score_aftersale", "score_total",
                 "csat_mean_return_refund", "resolution_time_mean_h_repair"):
        assert name in REGISTRY, name


def test_more_agents_answer_faster_and_cost_more(runs):
    few, many = runs[5], runs[7]
    assert many["first_response_mean_min"] < few["first_response_mean_min"]
    assert many["cost_fixed"] > few["cost_fixed"]
    assert many["cost_fixed"] == pytest.approx(few["cost_fixed"] * 7 / 5)
    assert many["agent_utilisation"] < few["agent_utilisation"]
    assert many["csat_mean"] > few["csat_mean"]


def test_complaint_kpis_agree_with_case_outcomes():
    # A complaint decided in the consumer's favour puts the case right, whether the consumer
    # complained directly or after a failure: recovered <=> the complaint resolved the case.
    scenario = load_scenario("baseline", overrides={"run.horizon": "10d", "run.warmup": "0h",
                                                    "demand.orders_per_day": 400})
    run = sim.run_once(scenario, "self_built")
    cases = run.cases
    closed = cases[cases["complaint"] & cases["complaint_closed_at"].notna()]
    direct = closed[closed["case_type"] == "complaint"]
    assert len(direct) > 20
    assert (direct["recovered"] == (direct["terminal"] == "resolved")).all()
    assert direct["recovered"].mean() > 0.5     # consumers win most direct complaints
    assert run.kpis["complaint_resolution_rate"] == pytest.approx(closed["recovered"].mean())


def test_every_kpi_knows_its_direction():
    # Rankings, Pareto fronts and figures read the registry; a name-based guess once put the
    # worst design first on statutory_compliance, complaint_resolution_rate and others.
    for name, entry in REGISTRY.items():
        assert entry.better in ("min", "max", None), name
    expected = {"statutory_compliance": "max", "complaint_resolution_rate": "max",
                "channels_offered": "max", "share_unresolved": "min", "share_resolved": "max",
                "cost_per_case": "min", "csat_mean": "max", "score_total": "max",
                "abandonment_rate": "min", "first_response_mean_min": "min", "cases": None,
                "agent_utilisation": None, "censored_share": "min", "lost_revenue": "min"}
    for name, better in expected.items():
        assert REGISTRY[name].better == better, name
    # Every time, wait and cost is better lower; every satisfaction and score higher.
    for name, entry in REGISTRY.items():
        if entry.unit in ("h", "min", "currency"):
            assert entry.better == "min", name
        if entry.unit in ("1-5", "0-100"):
            assert entry.better == "max", name
