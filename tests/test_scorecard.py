"""The scorecard: exact scores, parts by volume, checks, monotonicity, and what it measures."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.config import ScenarioError, load_scenario
from sim.outcomes.kpis import compute_kpis
from sim.outcomes.scorecard import (
    check_indicators,
    indicator_score,
    kpis_read,
    layer_scores,
    scorecard,
)
from sim.records import FIELDS, RunSummary
from sim.validation import contact_centre, contact_centre_table

NAN = np.nan
PARAMS = load_scenario("baseline").scorecard


def test_indicator_score_both_directions_and_held_at_the_anchors():
    assert indicator_score(0.65, target=0.8, worst=0.5) == pytest.approx(50.0)
    assert indicator_score(2.75, target=0.5, worst=5.0) == pytest.approx(50.0)
    assert indicator_score(9.0, target=0.5, worst=5.0) == 0.0
    assert indicator_score(0.9, target=0.8, worst=0.5) == 100.0
    assert math.isnan(indicator_score(NAN, 1.0, 0.0))


def test_response_speed_scores_each_channel_against_its_own_target_by_volume():
    # phone 1 min of 2 -> 50, chat 0 -> 100, tickets/forum 18 h of 24 -> 25; volumes 1:1:2.
    values = {"presale_response_mean_min_phone": 1.0, "presale_contacts_phone": 10,
              "presale_response_mean_min_chat": 0.0, "presale_contacts_chat": 10,
              "presale_response_mean_h_async": 18.0, "presale_contacts_async": 20}
    table = scorecard(values, PARAMS).set_index("indicator")
    assert table.loc["response_speed", "score"] == pytest.approx((50 + 100 + 2 * 25) / 4)
    # A channel nobody used is left out, not scored as perfect or as zero.
    values.update(presale_contacts_async=0, presale_response_mean_h_async=NAN)
    table = scorecard(values, PARAMS).set_index("indicator")
    assert table.loc["response_speed", "score"] == pytest.approx(75.0)


def test_scorecard_renormalises_over_measurable_indicators():
    values = {"presale_answer_accuracy": 0.75, "presale_courtesy_rate": NAN,
              "complaint_handling_mean_h": 60.0, "channels_used": 2.5,
              "complaint_resolution_rate": NAN, "csat_mean_complained": NAN}
    table = scorecard(values, PARAMS)
    presale = table[table["layer"] == "presale"].set_index("indicator")
    assert presale["weight"].to_dict() == {"response_speed": 0.0, "accuracy": 1.0,
                                           "attitude": 0.0}
    scores = layer_scores(table, PARAMS)
    assert scores["presale"] == pytest.approx(50.0)
    assert math.isnan(scores["insale"])                  # nothing measurable: no parcels
    assert scores["aftersale"] == pytest.approx(50.0)    # (50 + 50) / 2
    assert scores["total"] == pytest.approx(50.0)


def test_a_run_that_measured_nothing_scores_nan_never_100():
    scores = layer_scores(scorecard({}, PARAMS), PARAMS)
    assert all(math.isnan(v) for v in scores.values())


def test_scorecard_parameters_are_checked():
    raw = contact_centre_table(5.0, 1, 5.0, horizon_h=10.0, warmup_h=0.0)
    bad_weights = {**raw, "scorecard": {"layer_weights": {"presale": 0.5, "insale": 0.5,
                                                          "aftersale": 0.5}}}
    with pytest.raises(ScenarioError, match="scorecard.layer_weights"):
        load_scenario(bad_weights)
    typo = {**raw, "scorecard": {"indicators": {
        "speed": {"layer": "presale", "kpi": "first_respnse_mean_min", "target": 1, "worst": 5},
        "b": {"layer": "insale", "kpi": "fcr_rate", "target": 1, "worst": 0},
        "c": {"layer": "aftersale", "kpi": "fcr_rate", "target": 1, "worst": 0}}}}
    with pytest.raises(ScenarioError, match=r"scorecard\.indicators\.speed\.kpi"):
        check_indicators(load_scenario(typo).scorecard)
    both = {**raw, "scorecard": {"indicators": {
        "a": {"layer": "presale", "kpi": "fcr_rate", "target": 1, "worst": 0,
              "parts": {"x": {"kpi": "fcr_rate", "target": 1, "worst": 0, "volume": "cases"}}},
        "b": {"layer": "insale", "kpi": "fcr_rate", "target": 1, "worst": 0},
        "c": {"layer": "aftersale", "kpi": "fcr_rate", "target": 1, "worst": 0}}}}
    with pytest.raises(ScenarioError, match="scorecard.indicators.a.parts"):
        load_scenario(both)


def test_every_kpi_the_scorecard_reads_is_registered():
    check_indicators(PARAMS)
    assert "presale_contacts_phone" in kpis_read(PARAMS)


indicator_values = st.lists(st.floats(0.0, 1.0), min_size=len(PARAMS.indicators),
                            max_size=len(PARAMS.indicators))


@settings(max_examples=200, deadline=None)
@given(indicator_values, indicator_values)
def test_a_design_no_worse_on_every_indicator_never_scores_lower(a, b):
    # Interpolate each indicator (and each part) between its worst and target: u = 1 is the
    # target. Design "hi" takes the larger u of each pair, so it is no worse everywhere.
    def kpis_at(us):
        out = {}
        for u, ind in zip(us, PARAMS.indicators.values(), strict=True):
            for spec in (ind.parts.values() if ind.parts else [ind]):
                out[spec.kpi] = spec.worst + u * (spec.target - spec.worst)
                if ind.parts:
                    out[spec.volume] = 10.0
        return out

    hi = [max(x, y) for x, y in zip(a, b, strict=True)]
    lo = [min(x, y) for x, y in zip(a, b, strict=True)]
    s_hi = layer_scores(scorecard(kpis_at(hi), PARAMS), PARAMS)
    s_lo = layer_scores(scorecard(kpis_at(lo), PARAMS), PARAMS)
    for layer in ("presale", "insale", "aftersale", "total"):
        assert s_hi[layer] >= s_lo[layer] - 1e-9


# --- the quality KPIs on a hand-made table ---------------------------------------------------
def _case(i, ctype, channel, created, **extra):
    row = {name: fill for name, (_, fill, _) in FIELDS.items()}
    row.update(case=i, created=created, case_type=ctype, channel=channel, category=None,
               order_value=100.0, terminal="resolved", closed_at=created + 1.0)
    row.update(extra)
    return row


def test_quality_kpis_exact_on_hand_made_cases():
    rows = [
        _case(0, "presale", "phone", 1.0, first_response_at=1.05, answers=1),
        _case(1, "presale", "phone", 2.0, first_response_at=2.15, answers=2, wrong_answers=1,
              discourteous=1),
        _case(2, "presale", "ticket", 3.0, first_response_at=9.0, answers=1),
        _case(3, "return_refund", "chat", 4.0, closed_at=100.0, return_sent=True,
              picked_up_at=30.0, goods_received_at=60.0, scans_expected=4, scans_missing=1,
              scans_late=1, wismo_contacts=2, statutory_applicable=True),
        _case(4, "exchange", "chat", 5.0, closed_at=400.0, return_sent=True,
              picked_up_at=20.0, goods_received_at=70.0, replacement_shipped_at=80.0,
              replacement_at=90.0, scans_expected=4),
        _case(5, "repair", "phone", 6.0, closed_at=50.0, complaint=True, complaint_at=20.0,
              complaint_closed_at=50.0, recovered=True),
    ]
    cases = pd.DataFrame(rows)
    scenario = contact_centre(10.0, agents=2, handle_mean_min=5.0, horizon_h=48.0,
                              warmup_h=0.0)
    k = compute_kpis(cases, pd.DataFrame({"case": [], "time": [], "component": [], "kind": [],
                                          "amount": [], "hours": []}), scenario,
                     RunSummary(design="hand"))
    assert k["presale_response_mean_min_phone"] == pytest.approx((3 + 9) / 2)
    assert k["presale_contacts_phone"] == 2 and k["presale_contacts_async"] == 1
    assert k["presale_response_mean_h_async"] == pytest.approx(6.0)
    assert math.isnan(k["presale_response_mean_min_chat"])
    assert k["presale_answer_accuracy"] == pytest.approx(1 - 1 / 4)
    assert k["presale_courtesy_rate"] == pytest.approx(1 - 1 / 4)
    assert k["parcel_transit_mean_h"] == pytest.approx((30 + 50 + 10) / 3)
    assert k["tracking_on_time_rate"] == pytest.approx(1 - 2 / 8)
    assert k["wismo_contact_rate"] == pytest.approx(2 / 2)
    # Return within 10 d (96 h) kept; exchange took 395 h > 12 d? no: 288 h target -> missed;
    # repair 44 h within 7 d kept.
    assert k["guarantee_kept_rate"] == pytest.approx(2 / 3)
    assert k["complaint_handling_mean_h"] == pytest.approx(30.0)


@pytest.mark.parametrize("discourtesy", [0.0, 1.0])
def test_answers_are_discourteous_with_the_answerers_probability(discourtesy):
    # Attitude is a mechanism: each answer is found discourteous with the probability of the
    # agent group that gave it, and each such answer lowers the case's satisfaction.
    import sim

    scenario = contact_centre(20.0, agents=3, handle_mean_min=5.0, horizon_h=20.0,
                              warmup_h=0.0, seed=3)
    raw = contact_centre_table(20.0, 3, 5.0, horizon_h=20.0, warmup_h=0.0, seed=3)
    raw["designs"]["textbook"]["contact"]["groups"]["agents"]["discourtesy"] = discourtesy
    run = sim.run_once(load_scenario(raw))
    cases = run.cases[run.cases["answers"] > 0]
    assert len(cases) > 100
    assert (cases["discourteous"] == (cases["answers"] if discourtesy else 0)).all()
    base = sim.run_once(scenario).kpis["csat_mean"]
    if discourtesy:
        assert run.kpis["csat_mean"] < base
