"""One contract test for every registered provider archetype and overlay.

A new archetype is one file in ``sim/providers/``; these tests find it through the registry and
hold it to its stage's Protocol (:data:`sim.providers.base.STAGE_CONTRACTS`: the methods, as
generators, with the Protocol's parameters), the documentation rules of scenario parameters,
and coverage by a bundled scenario; then they **run** it: a small simulation of a bundled design
that uses it, checked for the run's invariants (:mod:`sim.invariants`) and for the records its
stage must leave (answers, parcels, visits, complaints).
"""

from __future__ import annotations

import dataclasses
import inspect
from functools import cache

import numpy as np
import pytest

import sim
from sim.config import bundled_scenarios
from sim.config.errors import ScenarioError
from sim.config.fields import build
from sim.invariants import check_run
from sim.model import case_frame, simulate
from sim.outcomes.kpis import compute_kpis
from sim.providers import registry
from sim.providers.base import STAGE_CONTRACTS, Overlay, Provider, StageProvider

registry.load_all()

#: The stage methods each Protocol adds to what every provider has.
STAGE_METHODS = {stage: tuple(m for m in dir(proto) if not m.startswith("_")
                              and m not in dir(StageProvider) and m != "covered")
                 for stage, proto in STAGE_CONTRACTS.items()}
PROVIDERS = sorted(registry.PROVIDERS.items())
OVERLAYS = sorted(registry.OVERLAYS.items())
#: A small, short run: enough cases to reach every stage, fast to simulate.
TINY = {"demand.orders_per_day": 120, "run.warmup": "1d", "run.horizon": "5d"}


def _documented(params: type) -> None:
    assert dataclasses.is_dataclass(params) and params.__dataclass_params__.frozen
    for f in dataclasses.fields(params):
        assert f.metadata.get("doc"), f"{params.__name__}.{f.name} has no doc"
        assert f.metadata.get("allowed"), f"{params.__name__}.{f.name} says nothing allowed"


@pytest.mark.parametrize(("key", "entry"), PROVIDERS, ids=[f"{n}:{s}" for (n, s), _ in PROVIDERS])
def test_provider_serves_its_stage_contract(key, entry):
    name, stage = key
    assert issubclass(entry.factory, Provider)
    assert entry.doc, f"{name} ({stage}) has no docstring"
    for method in STAGE_METHODS[stage]:
        fn = getattr(entry.factory, method, None)
        assert fn is not None, f"{name} cannot serve {stage}: no {method}()"
        assert inspect.isgeneratorfunction(fn), f"{name}.{method} must be a SimPy generator"
        wanted = list(inspect.signature(getattr(STAGE_CONTRACTS[stage], method)).parameters)
        assert list(inspect.signature(fn).parameters) == wanted, \
            f"{name}.{method} does not take the {stage} Protocol's parameters {wanted}"
    _documented(entry.params)


@pytest.mark.parametrize(("name", "entry"), OVERLAYS, ids=[n for n, _ in OVERLAYS])
def test_overlay_wraps_its_stage_contract(name, entry):
    assert issubclass(entry.factory, Overlay)
    assert entry.stage in STAGE_METHODS
    assert any(getattr(entry.factory, m, None) is not getattr(Overlay, m, None)
               for m in (*STAGE_METHODS[entry.stage], "finish")), \
        f"overlay {name} changes nothing of its stage"
    _documented(entry.params)
    build(entry.params, {}, f"overlays.{name}")  # every overlay parameter has a default


@pytest.mark.parametrize(("key", "entry"), PROVIDERS, ids=[f"{n}:{s}" for (n, s), _ in PROVIDERS])
def test_unknown_parameter_is_a_named_error(key, entry):
    with pytest.raises(ScenarioError) as err:
        build(entry.params, {"no_such_key": 1}, f"designs.d.{key[1]}")
    assert f"designs.d.{key[1]}.no_such_key" in str(err.value)


def test_every_provider_and_overlay_runs_in_a_bundled_scenario():
    used_providers, used_overlays = set(), set()
    for name in bundled_scenarios():
        for design in sim.load_scenario(name).designs.values():
            used_providers |= {(a.provider, stage) for stage, a in design.stages.items()}
            used_overlays |= set(design.overlays)
    assert set(registry.PROVIDERS) <= used_providers, set(registry.PROVIDERS) - used_providers
    assert set(registry.OVERLAYS) <= used_overlays, set(registry.OVERLAYS) - used_overlays


@pytest.mark.parametrize(("provider", "stage"), [("community", "logistics"),
                                                 ("third_party_logistics", "field_service"),
                                                 ("third_party_platform", "contact")])
def test_provider_on_a_stage_it_cannot_serve_is_a_load_error(provider, stage):
    with pytest.raises(ScenarioError) as err:
        sim.load_scenario("baseline", {f"designs.self_built.{stage}": {"provider": provider}})
    line = next(line for line in str(err.value).splitlines()
                if f"designs.self_built.{stage}.provider" in line)
    assert f"{provider!r} cannot serve {stage}" in line


# --- every provider and overlay, run ---------------------------------------------------------
@cache
def _bundled_designs() -> tuple:
    """(scenario name, design, {(provider, stage)}, {overlays}) of every bundled design."""
    out = []
    for name in bundled_scenarios():
        for design in sim.load_scenario(name).designs.values():
            out.append((name, design.name,
                        frozenset((a.provider, st) for st, a in design.stages.items()),
                        frozenset(design.overlays)))
    return tuple(out)


@cache
def _run(scenario_name: str, design: str):
    scenario = sim.load_scenario(scenario_name, TINY)
    world = simulate(scenario, design)
    cases, ledger, summary = case_frame(world), world.ledger.to_frame(), world.summary()
    check_run(cases, ledger, summary, scenario, compute_kpis(cases, ledger, scenario, summary),
              0)  # raises at the first broken invariant
    return world, cases, ledger


def _stage_left_its_records(stage: str, cases, ledger) -> None:
    """What a stage must leave in the records of a run that reached it."""
    if stage == "contact":
        answered = cases[cases["contacts"] > 0]
        assert len(answered) > 0
        assert (cases["answers"] >= cases["contacts"]).all()
        assert (cases["wrong_answers"] <= cases["answers"]).all()
        assert (np.isfinite(cases["first_response_at"]) == (cases["answers"] > 0)).all()
    elif stage == "logistics":
        sent = cases[cases["return_sent"]]
        assert len(sent) > 0 and (sent["parcels"] >= 1).all()
        assert np.isfinite(sent["picked_up_at"]).all()
        received = sent[np.isfinite(sent["goods_received_at"])]
        assert len(received) > 0 and (~received["parcel_lost"]).all()
    elif stage == "field_service":
        visited = cases[cases["visits"] > 0]
        assert len(visited) > 0 and np.isfinite(visited["booked_at"]).all()
        done = cases[np.isfinite(cases["service_done_at"])]
        assert len(done) > 0 and (done["visits"] >= 1).all()
        assert ledger["component"].astype(str).eq("field_service").any()
    elif stage == "complaint":
        lodged = cases[cases["complaint"].astype(bool)]
        assert len(lodged) > 0
        assert np.isfinite(lodged["complaint_at"]).all()


@pytest.mark.parametrize(("key", "entry"), PROVIDERS, ids=[f"{n}:{s}" for (n, s), _ in PROVIDERS])
def test_every_provider_runs_to_its_contract_in_a_small_simulation(key, entry):
    name, stage = key
    scenario_name, design = next((s, d) for s, d, used, _ in _bundled_designs() if key in used)
    world, cases, ledger = _run(scenario_name, design)
    provider = world.stage(stage)
    while isinstance(provider, Overlay):
        provider = provider.inner
    assert isinstance(provider, entry.factory)
    assert isinstance(world.stage(stage), STAGE_CONTRACTS[stage])
    _stage_left_its_records(stage, cases, ledger)


@pytest.mark.parametrize(("name", "entry"), OVERLAYS, ids=[n for n, _ in OVERLAYS])
def test_every_overlay_runs_to_its_stage_contract_in_a_small_simulation(name, entry):
    scenario_name, design = next((s, d) for s, d, _, ov in _bundled_designs() if name in ov)
    world, cases, ledger = _run(scenario_name, design)
    wrapped = world.stage(entry.stage)
    assert isinstance(wrapped, STAGE_CONTRACTS[entry.stage])
    chain = []
    while isinstance(wrapped, Overlay):
        chain.append(type(wrapped))
        wrapped = wrapped.inner
    assert entry.factory in chain, f"{name} is not in front of the {entry.stage} stage"
    _stage_left_its_records(entry.stage, cases, ledger)


def test_the_scenario_schema_imports_no_provider():
    import subprocess
    import sys

    code = ("import sys, sim.config.loader, sim.config.schema; "
            "print(sorted(m for m in sys.modules if m.startswith('sim.providers.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "['sim.providers.registry']", out
