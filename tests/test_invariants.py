"""Invariant checking (``--check``): a real run passes; each corrupted record set is caught.

One short run of the baseline's third-party-service design (it has field visits, returns,
complaints and staffed pools) is checked as it came out, then corrupted one field at a time:
each corruption must raise :class:`InvariantError` naming the right invariant, the design, the
replication and the corrupted case.
"""

from __future__ import annotations

import dataclasses
from functools import cache

import numpy as np
import pandas as pd
import pytest

import sim
from sim import cli
from sim.invariants import ENV, INVARIANTS, InvariantError, check_run, enabled
from sim.model import case_frame, simulate
from sim.outcomes.kpis import compute_kpis

DESIGN = "third_party_service"


@cache
def _run():
    scenario = sim.load_scenario("baseline", {"run.horizon": "2d", "run.warmup": "0d",
                                              "run.drain": "3d",
                                              "demand.orders_per_day": 400})
    world = simulate(scenario, DESIGN, 3)
    cases, ledger, summary = case_frame(world), world.ledger.to_frame(), world.summary()
    return scenario, cases, ledger, summary, compute_kpis(cases, ledger, scenario, summary)


def _copy():
    scenario, cases, ledger, summary, kpis = _run()
    summary = dataclasses.replace(summary, busy={k: v.copy() for k, v in summary.busy.items()})
    return scenario, cases.copy(), ledger.copy(), summary, dict(kpis)


def _caught(cases, ledger, summary, scenario, kpis) -> InvariantError:
    with pytest.raises(InvariantError) as info:
        check_run(cases, ledger, summary, scenario, kpis, replication=3)
    err = info.value
    assert (err.design, err.replication) == (DESIGN, 3)
    assert err.invariant in INVARIANTS and err.invariant in str(err)
    assert f"design {DESIGN!r}, replication 3" in str(err)
    return err


def _row(cases: pd.DataFrame, mask) -> int:
    """Index of the first case (by id) where ``mask`` holds."""
    return int(np.flatnonzero(np.asarray(mask))[0])


def test_the_real_run_passes_every_invariant():
    scenario, cases, ledger, summary, kpis = _run()
    assert len(cases) > 100 and len(ledger) > 100
    assert {"return_refund", "repair"} <= set(cases["case_type"].astype(str))
    check_run(cases, ledger, summary, scenario, kpis, replication=3)  # raises if broken


def test_a_case_left_open_is_caught():
    scenario, cases, ledger, summary, kpis = _copy()
    cases.loc[17, "terminal"] = "open"
    err = _caught(cases, ledger, summary, scenario, kpis)
    assert (err.invariant, err.case) == ("one_terminal_state", 17)


def test_a_closed_case_without_closing_time_is_caught():
    scenario, cases, ledger, summary, kpis = _copy()
    cases.loc[5, "closed_at"] = np.nan
    err = _caught(cases, ledger, summary, scenario, kpis)
    assert (err.invariant, err.case) == ("one_terminal_state", 5)


@pytest.mark.parametrize("column", ["first_wait_h", "staff_time_h", "contacts", "visits"])
def test_a_negative_wait_duration_or_count_is_caught(column):
    scenario, cases, ledger, summary, kpis = _copy()
    cases.loc[9, column] = -1
    err = _caught(cases, ledger, summary, scenario, kpis)
    assert (err.invariant, err.case) == ("non_negative", 9)
    assert column in err.detail


def test_service_done_before_booking_is_caught():
    scenario, cases, ledger, summary, kpis = _copy()
    i = _row(cases, cases["service_done_at"].notna())
    cases.loc[i, "service_done_at"] = cases.loc[i, "booked_at"] - 0.5
    err = _caught(cases, ledger, summary, scenario, kpis)
    assert (err.invariant, err.case) == ("monotone_times", i)
    assert "service_done_at" in err.detail and "booked_at" in err.detail


def test_goods_received_before_pickup_is_caught_across_a_missing_stamp():
    scenario, cases, ledger, summary, kpis = _copy()
    i = _row(cases, cases["goods_received_at"].notna())
    cases.loc[i, "goods_received_at"] = cases.loc[i, "created"] - 1.0
    err = _caught(cases, ledger, summary, scenario, kpis)
    assert (err.invariant, err.case) == ("monotone_times", i)


def test_closing_before_creation_is_caught():
    scenario, cases, ledger, summary, kpis = _copy()
    cases.loc[30, "closed_at"] = cases.loc[30, "created"] - 1e-3
    err = _caught(cases, ledger, summary, scenario, kpis)
    assert (err.invariant, err.case) == ("monotone_times", 30)


def test_an_event_after_the_end_of_the_run_is_caught():
    scenario, cases, ledger, summary, kpis = _copy()
    i = _row(cases, cases["terminal"].astype(str) == "resolved")
    end = scenario.run.horizon + scenario.run.drain
    cases.loc[i, "closed_at"] = end + 1.0
    err = _caught(cases, ledger, summary, scenario, kpis)
    assert (err.invariant, err.case) == ("monotone_times", i)
    assert "outside the run" in err.detail


def test_a_case_charge_that_does_not_reach_total_cost_is_caught():
    scenario, cases, ledger, summary, kpis = _copy()
    j = _row(ledger, ledger["case"] >= 0)
    ledger.loc[j, "amount"] += 1.0
    err = _caught(cases, ledger, summary, scenario, kpis)
    assert err.invariant == "ledger_reconciles" and "total_cost" in err.detail


def test_staffed_hours_not_costing_hours_times_rate_are_caught():
    scenario, cases, ledger, summary, kpis = _copy()
    j = _row(ledger, (ledger["case"] == -1) & (ledger["hours"] > 0))
    ledger.loc[j, "hours"] *= 2
    err = _caught(cases, ledger, summary, scenario, kpis)
    assert err.invariant == "ledger_reconciles"
    assert str(ledger.loc[j, "component"]) in err.detail


@pytest.mark.parametrize(("column", "value", "words"), [
    ("case", 10**9, "name no case"), ("amount", np.inf, "non-finite"),
    ("hours", 3.0, "staffed hours")])
def test_broken_ledger_entries_are_caught(column, value, words):
    scenario, cases, ledger, summary, kpis = _copy()
    j = _row(ledger, ledger["case"] >= 0)
    ledger.loc[j, column] = value
    err = _caught(cases, ledger, summary, scenario, kpis)
    assert err.invariant == "ledger_reconciles" and words in err.detail


def test_more_busy_than_on_duty_is_caught_but_a_shift_end_overrun_is_not():
    scenario, cases, ledger, summary, kpis = _copy()
    pool = next(p for p, duty in summary.on_duty.items() if duty.max() > 0)
    duty, busy = summary.on_duty[pool], summary.busy[pool]
    # An agent finishing the contact in hand after the shift: allowed while it only falls.
    ends = np.flatnonzero(np.diff(duty) < 0) + 1
    if len(ends):
        k = int(ends[0])
        busy[k] = max(busy[k], duty[k - 1])
        check_run(cases, ledger, summary, scenario, kpis, replication=3)
    i = int(np.argmax(duty))
    busy[i] = duty[i] + 1
    if i + 1 < len(busy):
        busy[i + 1] = max(duty[i + 1], duty[i]) + 2  # rising while over capacity
    err = _caught(cases, ledger, summary, scenario, kpis)
    assert err.invariant == "busy_within_staffed" and pool in err.detail


def test_checking_is_on_in_tests_and_follows_the_argument(monkeypatch):
    assert enabled()  # tests/conftest.py
    assert not enabled(False)
    monkeypatch.setenv(ENV, "0")
    assert not enabled() and enabled(True)


def test_cli_check_reports_the_invariant_in_one_line(monkeypatch, tmp_path, capsys):
    seen = []

    def broken(cases, ledger, summary, scenario, kpis, replication=0):
        seen.append(replication)
        raise InvariantError("ledger_reconciles", summary.design, replication, 4, "made up")

    monkeypatch.setattr("sim.invariants.check_run", broken)
    monkeypatch.delenv(ENV)
    args = ["run", "validation/mmc", "--replications", "2", "--set", "run.horizon=6h",
            "--set", "run.warmup=0h", "--out", str(tmp_path), "--no-figures"]
    assert cli.main(args) == 0 and not seen  # not asked: not checked
    (manifest,) = tmp_path.glob("*/*/manifest.json")
    assert '"invariants_checked": false' in manifest.read_text()
    capsys.readouterr()
    assert cli.main([*args, "--check"]) == cli.EXIT_INVARIANT
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "invariant ledger_reconciles" in err[0]
    assert "replication 0" in err[0] and "case 4" in err[0]
    assert not enabled()  # --check does not leak out of the command
