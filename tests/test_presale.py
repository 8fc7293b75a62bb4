"""Pre-sale consultation: raised before the order, inside the run, surging before promotions;
and the answer bookkeeping (``answers``, ``wrong_answers``) that "accuracy of answers" reads.

Counts are Poisson-thinned, so the statistical checks use z-scores of counts (|z| < 4) with
fixed seeds; each has a deterministic companion where times are known exactly.
"""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim import demand
from sim.config.units import DAY, HOUR
from sim.config.vocab import CASE_TYPES
from sim.streams import Streams

PRESALE = CASE_TYPES.index("presale")
INQUIRY = CASE_TYPES.index("inquiry")


def table(rates=None, lags=None, promotions=(), horizon="10d", orders=1000.0, fcr=0.78,
          **demand_extra) -> dict:
    """Orders raising pre-sale consultations and inquiries, one in-house chat group."""
    return {
        "name": "presale_test",
        "run": {"horizon": horizon, "drain": "10d", "seed": 3},
        "demand": {"source": "orders", "orders_per_day": orders, "history": "3d",
                   "channel_mix": {"chat": 1.0}, "promotions": list(promotions),
                   "categories": {"goods": {"share": 1.0,
                                            "rates": rates or {"presale": 0.2, "inquiry": 0.1},
                                            "lags": lags or {}}},
                   **demand_extra},
        "policy": {"complaint_probability": 0.0},
        "designs": {"d": {"contact": {
            "provider": "in_house", "patience": {}, "max_contacts": 4,
            "groups": {"chat": {"channels": ["chat"], "agents": 40, "fcr": fcr}}}}},
    }


def cases_of(raw: dict, replication: int = 0) -> demand.CaseTable:
    return demand.generate(sim.load_scenario(raw), Streams(3, replication))


def test_presale_is_raised_exactly_its_lead_before_the_order():
    cases = cases_of(table(lags={"presale": "6h"}))
    pre = cases.case_type == PRESALE
    assert pre.sum() > 500
    np.testing.assert_allclose(cases.created[pre], cases.ordered_at[pre] - 6 * HOUR, atol=1e-9)
    post = ~pre
    assert (cases.created[post] >= cases.delivered_at[post]).all()  # after-sale after delivery
    assert (cases.created >= 0).all() and (cases.created < 10 * DAY).all()


def test_presale_near_the_horizon_is_not_missing():
    """Orders are drawn past the horizon, so the last day has its full share of consultations."""
    raw = table(lags={"presale": {"dist": "exponential", "mean": "1d"}})
    scn = sim.load_scenario(raw)
    assert demand.presale_lookahead(scn) == pytest.approx(-np.log(1e-4) * DAY)
    last, middle = [], []
    for r in range(4):
        c = cases_of(raw, r)
        t = c.created[c.case_type == PRESALE]
        last.append(np.sum(t >= 9 * DAY))
        middle.append(np.sum((t >= 5 * DAY) & (t < 6 * DAY)))
    expected = 4 * 1000 * 0.2
    for count in (sum(last), sum(middle)):
        assert abs(count - expected) / np.sqrt(expected) < 4


def test_promotion_scales_cases_per_order_and_moves_presale_earlier():
    promo = {"name": "d11", "start": "120h", "length": "24h", "multiplier": 2.0,
             "rate_multipliers": {"presale": 3.0, "inquiry": 2.5}, "presale_lead_factor": 4.0}
    raw = table(lags={"presale": "6h", "inquiry": "1h"}, promotions=[promo])
    c = cases_of(raw)
    inside = (c.ordered_at >= 120) & (c.ordered_at < 144)
    orders = demand.order_times(sim.load_scenario(raw), Streams(3, 0))
    in_orders = np.sum((orders >= 120) & (orders < 144))
    out_orders = np.sum((orders >= 0) & (orders < 96))  # days 0-3: none of their cases cut off
    for code, rate, mult in ((PRESALE, 0.2, 3.0), (INQUIRY, 0.1, 2.5)):
        n_in = np.sum(inside & (c.case_type == code))
        expected_in = in_orders * rate * mult
        assert abs(n_in - expected_in) / np.sqrt(expected_in) < 4
        outside = (c.ordered_at >= 0) & (c.ordered_at < 96) & (c.case_type == code)
        expected_out = out_orders * rate
        assert abs(outside.sum() - expected_out) / np.sqrt(expected_out) < 4
    # The promotion's consultations come 4 x 6 h = 24 h before their orders: the surge leads.
    pre = inside & (c.case_type == PRESALE)
    np.testing.assert_allclose(c.created[pre], c.ordered_at[pre] - 24 * HOUR, atol=1e-9)
    day_before = np.sum((c.created >= 96) & (c.created < 120) & (c.case_type == PRESALE))
    ordinary_day = np.sum((c.created >= 48) & (c.created < 72) & (c.case_type == PRESALE))
    assert day_before > 3 * ordinary_day


def test_contact_profile_keeps_presale_before_its_order():
    raw = table(lags={"presale": "3h"}, contact_profile=[0.0] * 8 + [1.0] * 16)
    c = cases_of(raw)
    pre = c.case_type == PRESALE
    assert (c.created[pre] <= c.ordered_at[pre] + 1e-9).all()


def test_answers_and_wrong_answers_of_an_in_house_centre():
    """Every answer that did not resolve is a wrong one: resolved cases have exactly one right
    answer, unresolved ones none; per answer, accuracy is the group's FCR."""
    result = sim.run_once(sim.load_scenario(table(horizon="3d", orders=400, fcr=0.6)))
    cases = result.cases
    pre = cases[cases["case_type"] == "presale"]
    assert len(pre) > 100
    assert (pre["answers"] == pre["contacts"]).all()
    resolved = pre[pre["terminal"] == "resolved"]
    np.testing.assert_array_equal(resolved["wrong_answers"], resolved["answers"] - 1)
    unresolved = pre[pre["terminal"] == "unresolved"]
    assert len(unresolved) > 0
    np.testing.assert_array_equal(unresolved["wrong_answers"], unresolved["answers"])
    answers = cases["answers"].sum()
    accuracy = 1 - cases["wrong_answers"].sum() / answers
    assert abs(accuracy - 0.6) < 4 * np.sqrt(0.6 * 0.4 / answers)
    assert "csat_mean_presale" in result.kpis and np.isfinite(result.kpis["csat_mean_presale"])
