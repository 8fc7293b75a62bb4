"""One contract test for every registered provider archetype and overlay.

A new archetype is one file in ``sim/providers/``; these tests find it through the registry and
hold it to the stage contract, the documentation rules of scenario parameters, and coverage by
a bundled scenario (whose every design ``tests/test_scenarios.py`` runs end to end).
"""

from __future__ import annotations

import dataclasses
import inspect

import pytest

import sim
from sim.config import bundled_scenarios, registry
from sim.config.errors import ScenarioError
from sim.config.fields import build
from sim.providers.base import Overlay, Provider

registry.load_all()

STAGE_METHODS = {
    "contact": ("serve",),
    "logistics": ("collect_return", "ship_replacement"),
    "field_service": ("visit",),
    "complaint": ("handle",),
}
PROVIDERS = sorted(registry.PROVIDERS.items())
OVERLAYS = sorted(registry.OVERLAYS.items())


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
