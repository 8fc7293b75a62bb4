"""Ledger summaries: exact values on a hand-made ledger, reconciliation on a contact-centre run."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.config.fields import build
from sim.config.outcomes import SatisfactionParams
from sim.model import case_frame, simulate
from sim.outcomes.kpis import compute_kpis
from sim.outcomes.ledger import (
    in_scope_costs,
    lost_revenue,
    per_case,
    reconcile,
    totals_by_component,
    totals_by_kind,
)
from sim.records import COST_KINDS, Ledger
from sim.validation import contact_centre


def hand_ledger() -> pd.DataFrame:
    led = Ledger()
    led.charge(case=-1, time=0.0, component="staff:a", kind="fixed", amount=100.0, hours=10.0)
    led.charge(case=-1, time=24.0, component="staff:a", kind="fixed", amount=50.0, hours=5.0)
    led.charge(case=-1, time=0.0, component="training:a", kind="fixed", amount=6.0)
    led.charge(case=0, time=1.0, component="contact", kind="variable", amount=2.0)
    led.charge(case=1, time=30.0, component="contact", kind="variable", amount=3.0)
    led.charge(case=1, time=31.0, component="refund_breach", kind="penalty", amount=40.0)
    return led.to_frame()


CASES = pd.DataFrame({"case": [0, 1, 2], "staff_time_h": [1.0, 3.0, 0.0],
                      "consumer_paid_fee": [False, True, False]})


def test_totals_by_kind_and_component():
    led = hand_ledger()
    assert totals_by_kind(led).to_dict() == {"fixed": 156.0, "variable": 5.0, "penalty": 40.0}
    comp = totals_by_component(led).set_index("component")
    assert comp.loc["staff:a", "amount"] == 150.0 and comp.loc["staff:a", "hours"] == 15.0
    assert comp.loc["contact", "amount"] == 5.0
    assert list(totals_by_component(led)["amount"]) == sorted(comp["amount"], reverse=True)


def test_totals_of_an_empty_ledger_are_zero():
    assert totals_by_kind(Ledger().to_frame()).to_dict() == dict.fromkeys(COST_KINDS, 0.0)


def test_per_case_allocation_by_staff_time():
    alloc = per_case(hand_ledger(), CASES)
    assert alloc["variable"].tolist() == [2.0, 3.0, 0.0]
    assert alloc["penalty"].tolist() == [0.0, 40.0, 0.0]
    assert alloc["allocated"].tolist() == pytest.approx([156 / 4, 156 * 3 / 4, 0.0])
    assert alloc["total"].sum() == pytest.approx(201.0)
    equal = per_case(hand_ledger(), CASES, allocate_by=None)
    assert equal["allocated"].tolist() == pytest.approx([52.0, 52.0, 52.0])


def test_in_scope_costs_prorate_fixed_and_keep_cases_in_scope():
    # Horizon 48 h, warm-up 12 h: fixed x 36/48; only case 1 is in scope.
    costs = in_scope_costs(hand_ledger(), np.array([1]), warmup=12.0, horizon=48.0)
    assert costs.to_dict() == pytest.approx({"fixed": 156 * 0.75, "variable": 3.0,
                                             "penalty": 40.0})
    none = in_scope_costs(hand_ledger(), np.array([0, 1]), warmup=0.0, horizon=48.0)
    assert none.sum() == pytest.approx(201.0)


def test_reconcile_balances_and_finds_problems():
    led = hand_ledger()
    ok = reconcile(led, n_cases=3, rates={"staff:a": 10.0}, total_cost=201.0)
    assert ok.ok, ok.problems
    assert ok.staffed_hours == {"staff:a": 15.0} and ok.overhead == 6.0
    assert not reconcile(led, 3, {"staff:a": 11.0}).ok                  # wrong rate
    assert not reconcile(led, 3, {}).ok                                 # unknown rate
    assert not reconcile(led, 1, {"staff:a": 10.0}).ok                  # case 1 not in run
    assert not reconcile(led, 3, {"staff:a": 10.0}, total_cost=200.0).ok


def test_lost_revenue_with_paid_return_spending():
    params = build(SatisfactionParams, {"customer_value": 100.0, "paid_return_spend": 0.1})
    scored = pd.DataFrame({"repurchase": [0.95, 0.95, np.nan]})
    lost = lost_revenue(CASES, scored, params)
    assert lost.iloc[0] == pytest.approx(5.0)
    assert lost.iloc[1] == pytest.approx(100 * (1 - 0.095))
    assert np.isnan(lost.iloc[2])


@pytest.fixture(scope="module")
def cc_run():
    scenario = contact_centre(30.0, agents=4, handle_mean_min=6.0, patience_mean_min=5.0,
                              horizon_h=100.0, warmup_h=0.0, seed=7)
    world = simulate(scenario)
    cases, ledger = case_frame(world), world.ledger.to_frame()
    return world, cases, ledger, compute_kpis(cases, ledger, world.scenario, world.summary())


def test_contact_centre_reconciles(cc_run):
    world, cases, ledger, kpis = cc_run
    rates = world.summary().staff_rates
    group = world.scenario.design().stages["contact"].params.groups["agents"]
    assert rates == {"staff:agents": pytest.approx(group.cost_per_floor_hour)}
    rec = reconcile(ledger, len(cases), rates, total_cost=kpis["total_cost"])
    assert rec.ok, rec.problems
    # 4 agents around the clock for the 100 h horizon.
    assert rec.staffed_hours == {"staff:agents": pytest.approx(400.0)}
    staff = ledger[ledger["component"].astype(str) == "staff:agents"]["amount"].sum()
    assert staff == pytest.approx(400.0 * group.cost_per_floor_hour)
    assert kpis["cost_fixed"] == pytest.approx(staff + rec.overhead)
    answered = int(cases["contacts"].sum())
    assert kpis["cost_variable"] == pytest.approx(answered * 0.5)  # phone cost per contact
    assert per_case(ledger, cases)["total"].sum() == pytest.approx(kpis["total_cost"])


def test_booker_books_the_rows_charge_books():
    """``Ledger.booker`` (the contact centre's per-contact booking) gives the table that the
    same ``charge`` calls give: same rows, same order, zero amounts left out, the component
    coded at its first entry, and an unknown kind refused."""
    rows = [(3, 1.5, "contact", 0.5), (4, 2.0, "other", 1.0), (5, 2.5, "contact", 0.0),
            (6, 3.0, "contact", 0.1)]
    by_charge, by_booker = Ledger(), Ledger()
    book = by_booker.booker("contact", "variable")
    for case, time, component, amount in rows:
        by_charge.charge(case=case, time=time, component=component, kind="variable",
                         amount=amount)
        if component == "contact":
            book(case, time, amount)
        else:
            by_booker.charge(case=case, time=time, component=component, kind="variable",
                             amount=amount)
    assert len(by_booker) == 3
    pd.testing.assert_frame_equal(by_booker.to_frame(), by_charge.to_frame())
    # After to_frame(release=True) empties the ledger, the booker books into the new arrays.
    by_booker.to_frame(release=True)
    book(7, 4.0, 0.2)
    again = by_booker.to_frame()
    assert list(again["case"]) == [7] and list(again["component"]) == ["contact"]
    unused = Ledger()
    unused.booker("contact", "variable")
    assert list(unused.to_frame()["component"].cat.categories) == []
    with pytest.raises(ValueError, match="kind"):
        Ledger().booker("contact", "varible")


def test_released_ledger_table_is_the_copied_one_and_the_ledger_starts_afresh():
    led = Ledger()
    for i in range(50):
        led.charge(case=i % 7 - 1, time=0.5 * i, component=f"c{i % 3}", kind="variable",
                   amount=1.0 + i, hours=0.25 * (i % 2))
    copied = led.to_frame()
    released = led.to_frame(release=True)
    pd.testing.assert_frame_equal(released, copied)
    assert len(led) == 0 and len(led.to_frame()) == 0
    led.charge(case=0, time=1.0, component="x", kind="fixed", amount=2.0)  # still usable
    pd.testing.assert_frame_equal(released, copied)  # the table kept its own entries


def test_case_records_float_column_while_running_and_table_without_copy():
    from sim.records import CaseRecords

    rec = CaseRecords(5)
    rec["staff_time_h"][2] += 1.5
    rec["staff_time_h"][2] += 0.25
    assert rec["staff_time_h"][2] == 1.75 and type(rec["staff_time_h"][2]) is float
    frame = rec.to_frame()
    assert rec["staff_time_h"].dtype == np.float64 and frame["staff_time_h"].tolist() == \
        [0.0, 0.0, 1.75, 0.0, 0.0]
    frame.loc[0, "staff_time_h"] = 9.0  # a copy by default: the records keep their values
    assert rec["staff_time_h"][0] == 0.0 and frame["terminal"].tolist() == ["open"] * 5
    shared = rec.to_frame(copy=False)  # the end of a run: the records' own arrays
    assert np.shares_memory(shared["staff_time_h"].to_numpy(), rec["staff_time_h"])
    pd.testing.assert_frame_equal(shared, rec.to_frame())
