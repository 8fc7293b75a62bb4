"""Field service: in-house technicians, the third-party platform, journeys, smart diagnosis."""

from __future__ import annotations

import importlib.util
import sys
import types
from dataclasses import dataclass

import numpy as np
import pytest

from sim.config.errors import ScenarioError
from sim.config.loader import load_scenario
from sim.model import run_once
from sim.providers.base import Provider
from sim.providers.registry import PROVIDERS, load_all, register_provider
from sim.providers.third_party_platform import PlatformParams

STUB = "test_stub_logistics"
HANDLE_H = 0.1  # deterministic 6-min booking / diagnosis contact


@dataclass(frozen=True, kw_only=True)
class _StubParams:
    """No parameters."""


class _StubLogistics(Provider):
    """Instant logistics, so repair scenarios load without another engineer's provider."""

    stage = "logistics"

    def collect_return(self, case, **_options):
        yield self.env.timeout(0)
        self.world.records["goods_received_at"][case] = self.env.now
        return True

    def ship_replacement(self, case):
        yield self.env.timeout(0)
        self.world.records["replacement_at"][case] = self.env.now


@pytest.fixture(scope="module", autouse=True)
def stub_logistics():
    """Register the stub for this module only (a contract test must not see it)."""
    load_all()
    register_provider(STUB, "logistics", _StubParams)(_StubLogistics)
    yield
    del PROVIDERS[(STUB, "logistics")]


def _returns_available() -> bool:
    return importlib.util.find_spec("sim.journeys.returns") is not None


STEADY = {"no_show_probability": 0.0, "late_probability": 0.0, "ftf_drift_per_week": 0.0}


def table(field: dict, *, rates=None, lags=None, orders_per_day=60.0, horizon="4d",
          overlays=None, policy=None, seed=11, history="7d") -> dict:
    """A one-design scenario: orders of one category raising field cases, ample agents."""
    contact = {
        "provider": "in_house",
        "groups": {"agents": {"agents": 200, "channels": ["chat"], "fcr": 1.0,
                              "case_types": ["repair", "installation", "maintenance"]}},
        "handle_time": {"chat": {"default": {"dist": "deterministic", "value": "6min"}}},
        "patience": {}, "retry_probability": 0.0, "max_attempts": 1,
    }
    # Exact times need reliable technicians and parts in stock (tests/test_modes.py and the
    # reliability tests below switch these on).
    field = {"reliability": STEADY, "parts_in_stock": 1.0, **field}
    design = {"contact": contact, "logistics": {"provider": STUB}, "field_service": field}
    if overlays:
        design["overlays"] = overlays
    category = {"share": 1.0, "rates": rates or {"repair": 0.3}}
    if lags:
        category["lags"] = lags
    return {
        "name": "field_test",
        "run": {"horizon": horizon, "drain": "60d", "seed": seed, "replications": 1},
        "demand": {"source": "orders", "orders_per_day": orders_per_day, "history": history,
                   "channel_mix": {"chat": 1.0}, "categories": {"appliances": category}},
        "policy": {"complaint_probability": 0.0, **(policy or {})},
        "designs": {"d": design},
    }


def platform(**kw) -> dict:
    base = {"provider": "third_party_platform", "coverage": 1.0,
            "installation_success": 1.0, "maintenance_success": 1.0}
    return {**base, **kw}


def perfect(ftf: float) -> dict:
    return {"ftf_min": ftf, "ftf_mean": ftf, "ftf_max": ftf}


def fixed(value: str) -> dict:
    return {"dist": "deterministic", "value": value}


def run(tbl: dict):
    return run_once(load_scenario(tbl))


def field_cases(result, kind=None):
    cases = result.cases
    wanted = [kind] if kind else ["repair", "installation", "maintenance"]
    out = cases[cases["case_type"].isin(wanted)]
    assert len(out) > 20  # the scenario really raised field cases
    return out


# --- platform ---------------------------------------------------------------------------------
def test_platform_first_time_fix_one_never_revisits():
    res = run(table(platform(**perfect(1.0)),
                    rates={"repair": 0.2, "installation": 0.1, "maintenance": 0.1}))
    cases = field_cases(res)
    assert (cases["visits"] == 1).all()
    assert (cases["terminal"] == "resolved").all()
    assert not cases["statutory_applicable"].any()


def test_platform_exact_times_and_fees():
    field = platform(**perfect(1.0), lead_time=fixed("48h"), travel=fixed("1h"),
                     on_site=fixed("90min"), distance={"dist": "deterministic", "value": 30},
                     parts_probability=1.0, parts_cost=60.0)
    res = run(table(field, rates={"repair": 0.3, "installation": 0.1}))
    cases = field_cases(res)
    assert (cases["first_wait_h"] == 0).all()  # no contact queue: times are exact
    np.testing.assert_allclose(cases["booked_at"], cases["created"] + HANDLE_H)
    np.testing.assert_allclose(cases["service_done_at"],
                               cases["created"] + HANDLE_H + 48 + 1 + 1.5)
    np.testing.assert_allclose(cases["closed_at"], cases["service_done_at"])
    led = res.ledger
    visit_fees = led.loc[led["component"] == "field_service", "amount"]
    assert visit_fees.sum() == pytest.approx(100.0 * cases["visits"].sum())  # 80 + 2 x 10 km
    parts = led.loc[led["component"] == "parts", "amount"].sum()
    assert parts == pytest.approx(60.0 * (cases["case_type"] == "repair").sum())
    assert (led.loc[led["component"].isin(["field_service", "parts"]), "kind"]
            == "variable").all()


def test_sla_met_recorded_against_policy():
    field = platform(**perfect(1.0), lead_time=fixed("48h"), travel=fixed("1h"),
                     on_site=fixed("1h"))
    rates = {"installation": 0.3}
    met = field_cases(run(table(field, rates=rates, policy={"field_sla": "72h"})))
    missed = field_cases(run(table(field, rates=rates, policy={"field_sla": "49h"})))
    assert met["field_sla_met"].all()
    assert not missed["field_sla_met"].any()


def test_outside_coverage_goes_to_manufacturer_network():
    field = platform(**perfect(1.0), coverage=0.0, travel=fixed("1h"), on_site=fixed("1h"),
                     fallback={"lead_time": fixed("60h"), "first_time_fix": 1.0, "fee": 70.0})
    res = run(table(field))
    cases = field_cases(res)
    assert cases["field_fallback"].all()
    np.testing.assert_allclose(cases["service_done_at"], cases["booked_at"] + 62)
    fees = res.ledger.loc[res.ledger["component"] == "field_service", "amount"]
    assert fees.sum() == pytest.approx(70.0 * len(cases))


@pytest.mark.skipif(not _returns_available(),
                    reason="sim.journeys.returns (return_goods) is not written yet")
def test_platform_first_time_fix_zero_reaches_exchange_rule():
    res = run(table(platform(**perfect(0.0)), policy={"failed_repairs_before_exchange": 2}))
    cases = field_cases(res, "repair")
    assert (cases["visits"] == 2).all()
    assert cases["statutory_applicable"].all()
    assert cases["service_done_at"].isna().all()


def test_three_guarantees_return_or_exchange(monkeypatch):
    """Fault within repair_return_within of delivery: return; later: exchange."""
    calls = []

    def fake_return_goods(world, case, exchange, request_contact=True):
        calls.append((case, exchange, request_contact))
        yield world.env.timeout(0)
        return "resolved" if exchange else "unresolved"

    fake = types.ModuleType("sim.journeys.returns")
    fake.return_goods = fake_return_goods
    monkeypatch.setitem(sys.modules, "sim.journeys.returns", fake)
    for lag, exchange in (("3d", False), ("10d", True)):
        calls.clear()
        res = run(table(platform(**perfect(0.0)), lags={"repair": fixed(lag)}, history="14d",
                        policy={"failed_repairs_before_exchange": 3}))
        cases = field_cases(res, "repair")
        assert len(calls) == len(cases)
        assert {(e, r) for _, e, r in calls} == {(exchange, False)}
        assert (cases["visits"] == 3).all()
        assert cases["statutory_applicable"].all()
        assert cases["statutory_met"].all() == exchange  # fake: returns end unresolved


def test_technician_ftf_beta_pool():
    params = PlatformParams(technicians=4000)
    ftf = params.draw_technicians(np.random.default_rng(3))
    assert ftf.min() >= 0.60 and ftf.max() <= 0.88
    se = ftf.std() / np.sqrt(len(ftf))
    assert abs(ftf.mean() - 0.75) < 4 * se
    assert 0.03 < ftf.std() < 0.08  # spread: "quality varies", not all alike


def test_platform_ftf_mean_outside_range_is_an_error():
    with pytest.raises(ScenarioError, match="field_service.ftf_mean"):
        load_scenario(table(platform(ftf_mean=0.95)))


# --- in-house technicians ---------------------------------------------------------------------
def inhouse(technicians: int, **kw) -> dict:
    base = {"provider": "in_house", "technicians": technicians, "coverage": 1.0,
            "first_time_fix": 1.0}
    return {**base, **kw}


def test_more_technicians_shorten_turnaround():
    turnaround = {}
    for n in (1, 4):
        cases = field_cases(run(table(inhouse(n), orders_per_day=150, horizon="5d",
                                      rates={"repair": 0.1})), "repair")
        assert (cases["terminal"] == "resolved").all()
        turnaround[n] = (cases["service_done_at"] - cases["booked_at"]).mean()
    # 15 repairs/day at ~1.75 h each overload one technician (rho ~ 1.1), not four: with
    # four, turnaround is about the 24 h lead time plus the 1.75 h job.
    assert turnaround[4] < 24 + 1.75 + 2
    assert turnaround[4] < turnaround[1] - 6


def test_inhouse_exact_times_and_fixed_cost():
    field = inhouse(30, lead_time=fixed("24h"), travel=fixed("30min"), on_site=fixed("1h"),
                    cost_per_visit=15.0, parts_probability=0.0)
    res = run(table(field, rates={"repair": 0.2, "maintenance": 0.1}, horizon="3d"))
    cases = field_cases(res)
    np.testing.assert_allclose(cases["service_done_at"], cases["booked_at"] + 25.5)
    led = res.ledger
    staff = led[led["component"] == "staff:technicians"]
    assert (staff["case"] == -1).all() and (staff["hours"] > 0).all()
    assert staff["hours"].sum() == pytest.approx(30 * 72)
    assert staff["amount"].sum() == pytest.approx(30 * 72 * 9000 / 174 / 0.8)
    visits = led.loc[led["component"] == "field_service", "amount"].sum()
    assert visits == pytest.approx(15.0 * cases["visits"].sum())


@pytest.mark.parametrize("provider", ["in_house", "third_party_platform"])
def test_every_case_ends_in_one_terminal_state(provider):
    """With the real logistics and complaint providers when they are registered."""
    ftf = 0.6 if _returns_available() else 1.0  # without return_goods, avoid the remedy
    if provider == "in_house":
        field = inhouse(3, coverage=0.7, first_time_fix=ftf)
    else:
        field = {"provider": provider, **perfect(ftf)} if ftf == 1.0 else {"provider": provider}
    tbl = table(field, rates={"repair": 0.15, "installation": 0.1, "maintenance": 0.05},
                horizon="3d")
    design = tbl["designs"]["d"]
    if ("in_house", "logistics") in PROVIDERS:
        design["logistics"] = {"provider": "in_house"}
    if ("in_house", "complaint") in PROVIDERS:
        design["complaint"] = {"provider": "in_house"}
        tbl["policy"]["complaint_probability"] = 0.5
    cases = run(tbl).cases
    assert len(cases) > 20
    assert not (cases["terminal"] == "open").any()
    assert not (cases["terminal"] == "censored").any()
    assert cases["closed_at"].notna().all()
    field_done = cases["service_done_at"].notna()
    assert (cases.loc[field_done, "visits"] >= 1).all()


# --- smart diagnosis --------------------------------------------------------------------------
def test_smart_diagnosis_lowers_revisits():
    field = platform(on_site=fixed("1h"))
    policy = {"failed_repairs_before_exchange": 30}  # keep every case away from the remedy
    plain = field_cases(run(table(field, policy=policy)), "repair")
    smart_res = run(table(field, policy=policy,
                          overlays={"smart_diagnosis": {"failure_factor": 0.5,
                                                        "on_site_factor": 0.5,
                                                        "licence_per_day": 300.0}}))
    smart = field_cases(smart_res, "repair")
    assert plain["visits"].sum() > len(plain)  # there were revisits to save
    assert smart["visits"].sum() < plain["visits"].sum()
    # Same per-visit luck in both runs: no case needs more visits with the tool.
    assert (smart["visits"].to_numpy() <= plain["visits"].to_numpy()).all()
    led = smart_res.ledger
    licence = led[led["component"] == "smart_diagnosis_licence"]
    assert licence["amount"].sum() == pytest.approx(300.0 * 4)
    assert (licence["case"] == -1).all() and (licence["kind"] == "fixed").all()


def test_early_fault_remedy_skips_the_repair():
    # Every repair reported inside the exchange window, and every entitled consumer taking the
    # remedy: no visit at all, a return or exchange instead, under the three guarantees.
    import sim

    overrides = {"demand.orders_per_day": 150, "policy.early_remedy_choice": 1.0,
                 "policy.repair_exchange_within": "60d"}
    result = sim.run_once(sim.load_scenario("appliances", overrides), "self_built")
    repairs = result.cases[result.cases["case_type"].astype(str) == "repair"]
    assert (repairs["visits"] == 0).all()
    assert repairs["statutory_applicable"].sum() > 0.9 * len(repairs)  # all but failed contacts
    none = sim.run_once(sim.load_scenario(
        "appliances", {**overrides, "policy.early_remedy_choice": 0.0}), "self_built")
    none_repairs = none.cases[none.cases["case_type"].astype(str) == "repair"]
    assert none_repairs["visits"].sum() >= len(repairs)


# --- reliability: no-shows, late arrivals, parts ----------------------------------------
def _repairs(**field):
    base = platform(**perfect(1.0), lead_time=fixed("48h"), travel=fixed("1h"),
                    on_site=fixed("1h"))
    res = run(table({**base, **field}, lags={"repair": fixed("20d")}))
    cases = res.cases
    return cases[cases["case_type"] == "repair"]


def test_no_show_rebooks_after_the_delay():
    steady = _repairs()
    noshow = _repairs(reliability={**STEADY, "no_show_probability": 1.0, "max_rebookings": 1,
                                   "rebook_delay": "1d"})
    assert (noshow["no_shows"] == 1).all() and (steady["no_shows"] == 0).all()
    np.testing.assert_allclose(noshow["service_done_at"] - steady["service_done_at"], 24.0)


def test_late_arrival_delays_the_job_by_exactly_the_lateness():
    steady = _repairs()
    late = _repairs(reliability={**STEADY, "late_probability": 1.0, "late_by": "2h"})
    assert (late["late_arrivals"] == 1).all()
    np.testing.assert_allclose(late["service_done_at"] - steady["service_done_at"], 2.0)


def test_non_stock_parts_wait_for_own_technicians_too():
    base = {"provider": "in_house", "technicians": 50, "coverage": 1.0,
            "first_time_fix": 1.0, "parts_probability": 1.0, "parts_in_stock": 0.0,
            "parts_wait": "2d", "lead_time": fixed("24h"), "travel": fixed("1h"),
            "on_site": fixed("1h")}
    res = run(table(base))
    repairs = res.cases[res.cases["case_type"] == "repair"]
    np.testing.assert_allclose(repairs["parts_wait_h"], 48.0)
    booked = repairs["service_done_at"] - repairs["booked_at"]
    np.testing.assert_allclose(booked, 48.0 + 24.0 + 2.0, atol=1e-9)
