"""Satisfaction: exact values on hand-made cases and hypothesis properties of score_cases."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.config.fields import build
from sim.config.outcomes import SatisfactionParams
from sim.config.policy import Policy
from sim.config.units import DAY, MINUTE, SECOND
from sim.outcomes.satisfaction import score_cases, wait_multiplier

PARAMS = build(SatisfactionParams, {})
POLICY = build(Policy, {})

BASE = {
    "case": 0, "created": 10.0, "case_type": "inquiry", "channel": "chat", "order_value": 100.0,
    "terminal": "resolved", "closed_at": 11.0, "contacts": 1, "visits": 0, "transfers": 0,
    "first_wait_h": 0.0, "first_attempt_wait_h": 0.0, "bot_resolved": False,
    "consumer_paid_fee": False, "recovered": False, "refund_at": np.nan,
    "replacement_at": np.nan, "service_done_at": np.nan,
}


def frame(*rows: dict) -> pd.DataFrame:
    """Cases from partial rows (the rest from BASE)."""
    return pd.DataFrame([{**BASE, **row} for row in rows])


def one(**row) -> pd.Series:
    return score_cases(frame(row), PARAMS, POLICY).iloc[0]


# --- exact values -------------------------------------------------------------------------
def test_frictionless_resolved_chat_case():
    s = one()
    assert s["outcome"] == "resolved"
    assert s["p_top_box"] == pytest.approx(0.92)
    assert s["csat"] == pytest.approx(1 + 4 * 0.92)
    assert s["repurchase"] == pytest.approx(0.95)  # TARP minor, resolved quickly


def test_every_multiplier_of_a_bad_phone_case():
    s = one(channel="phone", contacts=3, transfers=1, first_wait_h=60 * SECOND,
            terminal="unresolved", consumer_paid_fee=True, order_value=1000.0)
    expected = 0.88 * 0.85 ** 2 * 0.88 * 0.95 * 0.85 * 0.40
    assert s["p_top_box"] == pytest.approx(expected)
    assert s["repurchase"] == pytest.approx(0.19)  # TARP major, unresolved


def test_wait_zones_chat():
    waits = np.array([50, 51, 150, 151, 450, 10_000]) * SECOND
    m = wait_multiplier(waits, np.full(6, 50 * SECOND), np.full(6, 150 * SECOND), PARAMS)
    # 450 s is two sharp-drop lengths (150 s) beyond the drop: 0.85 - 2 x 0.05.
    assert m == pytest.approx([1.0, 0.95, 0.95, 0.85 - 0.05 / 150, 0.75, 0.40])


def test_never_answered_case_is_judged_on_the_wait_it_gave_up_after():
    s = one(terminal="abandoned", contacts=0, first_wait_h=np.nan,
            first_attempt_wait_h=120 * SECOND)
    assert s["outcome"] == "abandoned"
    assert s["p_top_box"] == pytest.approx(0.92 * 0.95 * 0.40)
    assert s["repurchase"] == pytest.approx(0.46)


def test_refund_two_days_late_and_slow_resolution():
    s = one(case_type="return_refund", refund_at=10.0 + 7 * DAY, closed_at=10.0 + 7 * DAY)
    assert s["p_top_box"] == pytest.approx(0.92 * (1 - 2 * 0.05))
    assert s["repurchase"] == pytest.approx(0.95)  # quick: inside the 10-day return target
    late = one(case_type="return_refund", refund_at=10.0 + 11 * DAY, closed_at=10.0 + 11 * DAY)
    assert late["repurchase"] == pytest.approx(0.70)  # slow: past the 10-day return target
    inquiry = one(closed_at=10.0 + 2 * DAY)
    assert inquiry["repurchase"] == pytest.approx(0.70)  # slow: past the 24-hour inquiry target


def test_repair_lateness_counts_from_request_to_service_done():
    s = one(case_type="repair", service_done_at=10.0 + 4 * DAY, visits=2,
            closed_at=10.0 + 4 * DAY)
    assert s["outcome"] == "rework"
    assert s["p_top_box"] == pytest.approx(0.92 * 0.85 * (1 - 0.05))


def test_recovery_bonus_raises_csat_but_never_repurchase():
    plain = one(terminal="resolved", contacts=2, closed_at=10.0 + 2 * DAY)
    recovered = one(terminal="resolved", contacts=2, closed_at=10.0 + 2 * DAY, recovered=True)
    late = one(terminal="resolved", contacts=2, closed_at=10.0 + 6 * DAY, recovered=True)
    assert recovered["p_top_box"] == pytest.approx(plain["p_top_box"] + 0.05)
    assert recovered["repurchase"] == plain["repurchase"] == pytest.approx(0.70)
    assert late["p_top_box"] == pytest.approx(plain["p_top_box"])  # outside recovery_sla


def test_bot_and_withdrawn_and_censored():
    assert one(bot_resolved=True)["p_top_box"] == pytest.approx(0.92 * 0.94)
    assert one(terminal="withdrawn")["outcome"] == "abandoned"
    censored = one(terminal="censored", closed_at=np.nan)
    assert censored["outcome"] is np.nan or pd.isna(censored["outcome"])
    assert math.isnan(censored["p_top_box"]) and math.isnan(censored["repurchase"])


def test_rating_scale_is_a_parameter():
    params = build(SatisfactionParams, {"rating_top": 4.5, "rating_rest": 2.0})
    s = score_cases(frame({}), params, POLICY).iloc[0]
    assert s["csat"] == pytest.approx(2.0 + 2.5 * 0.92)


# --- properties -----------------------------------------------------------------------------
waits = st.one_of(st.just(np.nan), st.floats(0, 30 * DAY))
cases = st.fixed_dictionaries({
    "channel": st.sampled_from(["phone", "chat", "ticket"]),
    "case_type": st.sampled_from(["inquiry", "return_refund", "exchange", "repair",
                                  "installation"]),
    "terminal": st.sampled_from(["resolved", "unresolved", "abandoned", "blocked",
                                 "withdrawn"]),
    "contacts": st.integers(0, 6), "visits": st.integers(0, 4), "transfers": st.integers(0, 3),
    "first_wait_h": waits, "first_attempt_wait_h": waits,
    "bot_resolved": st.booleans(), "consumer_paid_fee": st.booleans(),
    "recovered": st.booleans(), "order_value": st.floats(0, 5000),
    "closed_at": st.floats(10.0, 10.0 + 60 * DAY),
    "refund_at": st.one_of(st.just(np.nan), st.floats(10.0, 10.0 + 60 * DAY)),
    "replacement_at": st.one_of(st.just(np.nan), st.floats(10.0, 10.0 + 60 * DAY)),
    "service_done_at": st.one_of(st.just(np.nan), st.floats(10.0, 10.0 + 60 * DAY)),
})
WAIT_COLUMNS = ("first_wait_h", "first_attempt_wait_h", "closed_at", "refund_at",
                "replacement_at", "service_done_at")


@settings(max_examples=150, deadline=None)
@given(cases)
def test_bounded(row):
    s = one(**row)
    assert 0.0 <= s["p_top_box"] <= 1.0
    assert 1.0 <= s["csat"] <= 5.0
    assert 0.0 <= s["repurchase"] <= 1.0


@settings(max_examples=150, deadline=None)
@given(cases, st.sampled_from(WAIT_COLUMNS), st.floats(0.0, 20 * DAY))
def test_never_increasing_in_any_wait(row, column, extra):
    if np.isnan(row[column]):
        row[column] = 10.0
    longer = {**row, column: row[column] + extra}
    both = score_cases(frame(row, longer), PARAMS, POLICY)
    for col in ("p_top_box", "csat", "repurchase"):
        assert both[col].iloc[1] <= both[col].iloc[0] + 1e-12, col


@settings(max_examples=150, deadline=None)
@given(cases)
def test_lower_when_unresolved(row):
    row["recovered"] = False
    both = score_cases(frame({**row, "terminal": "resolved"}, {**row, "terminal": "unresolved"}),
                       PARAMS, POLICY)
    res, unres = both.iloc[0], both.iloc[1]
    assert unres["repurchase"] < res["repurchase"]
    assert unres["p_top_box"] <= res["p_top_box"]
    if res["p_top_box"] > 0:
        assert unres["p_top_box"] < res["p_top_box"]


@settings(max_examples=150, deadline=None)
@given(cases)
def test_lower_with_more_contacts(row):
    row["contacts"] = max(row["contacts"], 1)
    row["recovered"] = False
    both = score_cases(frame(row, {**row, "contacts": row["contacts"] + 1}), PARAMS, POLICY)
    assert both["p_top_box"].iloc[1] <= both["p_top_box"].iloc[0]
    if both["p_top_box"].iloc[0] > 0:
        assert both["p_top_box"].iloc[1] < both["p_top_box"].iloc[0]


def test_wait_defaults_are_minutes_for_chat_and_phone():
    # A guard on units: the chat tolerance is 50 s, the phone sharp drop 2 min.
    assert PARAMS.wait_tolerance["chat"] == pytest.approx(50 * SECOND)
    assert PARAMS.wait_sharp_drop["phone"] == pytest.approx(2 * MINUTE)


def test_wait_runs_from_the_request_across_retries():
    # Abandoned once, came back 30 minutes later and was answered at once: the consumer still
    # waited 30 minutes for a first answer, and is scored on that, not on the last attempt.
    at_once = one(created=10.0, first_response_at=10.0, first_wait_h=0.0)
    after_retry = one(created=10.0, first_response_at=10.5, first_wait_h=0.0, abandonments=1,
                      contacts=1)
    assert after_retry["p_top_box"] < at_once["p_top_box"]
