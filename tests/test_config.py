"""Scenario files: a table of mistakes, fuzzed bad values, inheritance, overrides, extends.

Every mistake must give a :class:`sim.ScenarioError` whose text has one line per problem, each
naming the dotted key; nothing else may ever escape from loading, whatever the values.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import sim
from sim.config import bundled_scenarios, parse_override
from sim.config.loader import resolve_designs
from sim.config.units import MINUTE
from sim.validation import contact_centre_table

MMC = Path(__file__).resolve().parents[1] / "scenarios" / "validation" / "mmc.toml"


def valid() -> dict[str, Any]:
    return contact_centre_table(30.0, 3, 5.0, patience_mean_min=3.0, queue_capacity=5,
                                horizon_h=100.0, warmup_h=5.0)


def contact(raw):
    return raw["designs"]["textbook"]["contact"]


def put(path: str, value: Any):
    """A mutation setting the raw value at a dotted path (creating nothing on the way)."""

    def apply(raw):
        *parents, last = path.split(".")
        node = raw
        for part in parents:
            node = node[part]
        node[last] = value

    return apply


HANDLE = "designs.textbook.contact.handle_time.phone.default"
GROUP = "designs.textbook.contact.groups.agents"

MISTAKES = [
    # (id, mutation, dotted key named, words the message must contain)
    ("typo_top", put("run.horizn", "3h"), "run.horizn", "did you mean 'horizon'"),
    ("typo_nested", put(f"{GROUP}.agnets", 3), f"{GROUP}.agnets", "did you mean 'agents'"),
    ("typo_provider_key", put("designs.textbook.contact.pattience", {}),
     "designs.textbook.contact.pattience", "did you mean 'patience'"),
    ("negative_rate", put("demand.poisson.rate_per_h", -1.0), "demand.poisson.rate_per_h",
     ">= 0"),
    ("negative_agents", put(f"{GROUP}.agents", -2), f"{GROUP}.agents", ">= 0"),
    ("probability_above_1", put(f"{GROUP}.fcr", 1.5), f"{GROUP}.fcr", ""),
    ("shares_not_1", put("demand.channel_mix", {"phone": 0.5, "chat": 0.3}),
     "demand.channel_mix", "sum to 1"),
    ("unknown_dist", put(HANDLE, {"dist": "normal", "mean": "5min"}), f"{HANDLE}.dist",
     "lognormal"),
    ("missing_dist_param", put(HANDLE, {"dist": "lognormal", "mean": "5min"}), f"{HANDLE}.sd",
     "missing"),
    ("unit_unknown", put(HANDLE, {"dist": "deterministic", "value": "6 months"}),
     f"{HANDLE}.value", "6min"),
    ("unit_missing", put(HANDLE, {"dist": "deterministic", "value": "6"}), f"{HANDLE}.value",
     "6min"),
    ("bare_number_duration", put("run.horizon", 6), "run.horizon", "unit"),
    ("unknown_unit", put("run.warmup", "5 fortnights"), "run.warmup", "unit"),
    ("wrong_type", put("run.replications", "ten"), "run.replications", ""),
    ("unknown_choice", put("demand.poisson.channel", "pigeon"), "demand.poisson.channel",
     "phone"),
    ("overflow_to_unknown", put(f"{GROUP}.overflow_to", "nobody"), f"{GROUP}.overflow_to",
     "agents"),
    ("reference_design_unknown", put("run.reference_design", "txtbook"),
     "run.reference_design", "textbook"),
    ("extends_unknown", put("designs.other", {"extends": "nobody"}), "designs.other.extends",
     "textbook"),
    ("unknown_provider", put("designs.textbook.contact.provider", "martians"),
     "designs.textbook.contact.provider", "in_house"),
    ("no_group_skilled", put(f"{GROUP}.case_types", ["exchange"]),
     "designs.textbook.contact.groups", "'inquiry'"),
    ("code_as_value", put("run.horizon", "__import__('os').system('echo pwned')"),
     "run.horizon", "unit"),
]


@pytest.mark.parametrize("mutate, key, words", [m[1:] for m in MISTAKES],
                         ids=[m[0] for m in MISTAKES])
def test_mistake_gives_one_line_naming_the_key(mutate, key, words):
    raw = valid()
    mutate(raw)
    with pytest.raises(sim.ScenarioError) as err:
        sim.load_scenario(raw)
    text = str(err.value)
    assert len(text.splitlines()) == len(err.value.problems) == 1, text
    assert f"{key}:" in text
    assert words in text


def test_several_mistakes_give_one_line_each():
    raw = valid()
    raw["run"]["horizon"] = "6"
    raw["demand"]["poisson"]["rate_per_h"] = -3
    contact(raw)["groups"]["agents"]["overflow_to"] = "nobody"
    with pytest.raises(sim.ScenarioError) as err:
        sim.load_scenario(raw)
    lines = str(err.value).splitlines()
    assert len(lines) == len(err.value.problems) >= 2
    assert any("run.horizon:" in line for line in lines)
    assert any("demand.poisson.rate_per_h:" in line for line in lines)


def test_the_valid_table_loads():
    scenario = sim.load_scenario(valid())
    assert scenario.run.horizon == 100.0
    assert scenario.design().stages["contact"].params.patience["phone"].mean == \
        pytest.approx(3 * MINUTE)


# --- fuzzing ---------------------------------------------------------------------------------
def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += _paths(value, (*prefix, i))
    return out


def fuzz_base() -> dict[str, Any]:
    """The valid table plus a design that extends it (so ``extends`` gets fuzzed too)."""
    raw = valid()
    raw["run"]["reference_design"] = "textbook"
    raw["designs"]["bigger"] = {"extends": "textbook", "label": "Bigger",
                                "contact": {"groups": {"agents": {"agents": 6}}}}
    return raw


PATHS = _paths(fuzz_base())
JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers(-10**12, 10**12)
    | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=12)
    | st.sampled_from(["6min", "-3h", "inf", "nan", "0s", "1e400h", "exponential",
                       "__import__('os')", "", "phone", "inquiry", "agents"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["dist", "mean", "sd", "value", "agents", "x", "provider"])
        | st.text(max_size=6), inner, max_size=4),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(path=st.sampled_from(PATHS), value=JSONISH, new_key=st.booleans())
# A design named by a record separator: it was listed raw in "one of ..." and split the line.
@example(path=("designs",), value={"\x1e": {}}, new_key=False)
def test_fuzzed_values_only_ever_raise_scenario_error(path, value, new_key):
    raw = fuzz_base()
    node = raw
    for part in path[:-1]:
        node = node[part]
    if new_key and isinstance(node, dict):
        node[f"{path[-1]}_x"] = value
    else:
        node[path[-1]] = value
    try:
        sim.load_scenario(raw)
    except sim.ScenarioError as err:
        assert str(err).strip()
        assert len(str(err).splitlines()) == len(err.problems)


@settings(max_examples=100, deadline=None)
@given(key=st.text(min_size=0, max_size=20), value=JSONISH)
def test_fuzzed_overrides_only_ever_raise_scenario_error(key, value):
    try:
        sim.load_scenario(fuzz_base(), overrides={key: value})
    except sim.ScenarioError as err:
        assert len(str(err).splitlines()) == len(err.problems)


# --- files, inheritance, overrides, extends ---------------------------------------------------
def test_bundled_name_and_listing():
    assert "validation/mmc" in bundled_scenarios()
    assert sim.load_scenario("validation/mmc").design().name == "textbook"
    assert sim.load_scenario("validation/mmc.toml") == sim.load_scenario(MMC)
    with pytest.raises(sim.ScenarioError, match="validation/mmc"):
        sim.load_scenario("validation/mcm")


def test_base_inheritance(tmp_path):
    child = tmp_path / "child.toml"
    child.write_text(f'base = "{MMC.as_posix()}"\nname = "child"\n'
                     '[run]\nseed = 7\n'
                     '[designs.textbook.contact.groups.agents]\nagents = 4\n')
    scenario = sim.load_scenario(child)
    parent = sim.load_scenario(MMC)
    assert scenario.name == "child" and scenario.run.seed == 7
    assert scenario.design().stages["contact"].params.groups["agents"].agents == 4
    assert scenario.run.horizon == parent.run.horizon  # inherited
    assert scenario.demand == parent.demand
    grandchild = tmp_path / "grandchild.toml"
    grandchild.write_text('base = "child.toml"\n[run]\nreplications = 3\n')  # relative base
    g = sim.load_scenario(grandchild)
    assert (g.run.seed, g.run.replications, g.name) == (7, 3, "child")


def test_base_cycle_is_an_error(tmp_path):
    (tmp_path / "a.toml").write_text('base = "b.toml"\n')
    (tmp_path / "b.toml").write_text('base = "a.toml"\n')
    with pytest.raises(sim.ScenarioError, match="base"):
        sim.load_scenario(tmp_path / "a.toml")


def test_overrides_dotted_keys_and_list_index():
    raw = valid()
    raw["demand"]["hourly_profile"] = [1.0] * 24
    scenario = sim.load_scenario(raw, overrides={
        "run.seed": 99,
        f"{GROUP}.agents": 5,
        "demand.hourly_profile.3": 2.0,
    })
    assert scenario.run.seed == 99
    assert scenario.design().stages["contact"].params.groups["agents"].agents == 5
    assert scenario.demand.hourly_profile[3] == 2.0 and scenario.demand.hourly_profile[2] == 1.0
    with pytest.raises(sim.ScenarioError, match="demand.hourly_profile.24"):
        sim.load_scenario(raw, overrides={"demand.hourly_profile.24": 2.0})
    with pytest.raises(sim.ScenarioError, match="run.sed"):
        sim.load_scenario(raw, overrides={"run.sed": 1})


def test_parse_override():
    assert parse_override("run.seed=5") == ("run.seed", 5)
    assert parse_override("run.horizon=2h") == ("run.horizon", "2h")
    assert parse_override('run.horizon="3d"') == ("run.horizon", "3d")
    assert parse_override("demand.channel_mix={phone=1.0}") == (
        "demand.channel_mix", {"phone": 1.0})
    assert parse_override("a.b=[1, 2]") == ("a.b", [1, 2])
    with pytest.raises(sim.ScenarioError):
        parse_override("run.seed")


def test_extends_same_provider_merges_and_other_provider_replaces_the_stage():
    designs = {
        "a": {"label": "A", "contact": {"provider": "in_house", "retry_probability": 0.1,
                                        "groups": {"g": {"agents": 2}}}},
        "b": {"extends": "a", "contact": {"groups": {"g": {"agents": 5}}}},
        "c": {"extends": "a", "contact": {"provider": "community", "answer_probability": 0.4}},
    }
    out = resolve_designs(copy.deepcopy(designs))
    assert out["b"]["contact"] == {"provider": "in_house", "retry_probability": 0.1,
                                   "groups": {"g": {"agents": 5}}}
    assert out["c"]["contact"] == {"provider": "community", "answer_probability": 0.4}
    assert "label" not in out["b"]  # a label is not inherited
    with pytest.raises(sim.ScenarioError, match=r"designs\.[xy]\.extends: .* without cycles"):
        resolve_designs({"x": {"extends": "y"}, "y": {"extends": "x"}})


def test_extends_through_load():
    raw = valid()
    raw["designs"]["bigger"] = {"extends": "textbook",
                                "contact": {"groups": {"agents": {"agents": 6}}}}
    scenario = sim.load_scenario(raw)
    big, base = scenario.design("bigger"), scenario.design("textbook")
    assert big.stages["contact"].params.groups["agents"].agents == 6
    assert big.stages["contact"].params.patience == base.stages["contact"].params.patience


def test_no_scenario_file_can_run_code(tmp_path):
    marker = tmp_path / "pwned"
    bad = tmp_path / "bad.toml"
    bad.write_text(f"import os\nos.system('touch {marker}')\n")
    with pytest.raises(sim.ScenarioError):
        sim.load_scenario(bad)
    evil = tmp_path / "evil.toml"
    evil.write_text(MMC.read_text().replace('horizon = "300h"',
                                            f'horizon = "__import__(\'os\').system(\'touch '
                                            f'{marker}\')"'))
    with pytest.raises(sim.ScenarioError, match="run.horizon"):
        sim.load_scenario(evil)
    assert not marker.exists()
