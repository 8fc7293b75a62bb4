"""Rough-cut rosters: the bundled baseline is staffed by them, and the load they cut from adds up.

The baseline's designs are staffed to one service target by :func:`rough_cut_roster`; the first
test keeps the scenario file and the function from drifting apart. The others check the offered
load against quantities known exactly (repeat contacts, containment, the forum's share) and the
Erlang C head count against :mod:`sim.theory`.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest

import sim
from sim.config.errors import ScenarioError
from sim.config.vocab import CASE_TYPES, CHANNELS
from sim.experiment.rough_cut import (
    ServiceTarget,
    case_rates,
    offered_loads,
    roster_shifts,
    rough_cut_roster,
)
from sim.providers.staffing import roster
from sim.theory.erlang import mmc_wait_tail


@cache
def baseline(**overrides):
    return sim.load_scenario("baseline", overrides or None)


@cache
def daily_rates():
    return case_rates(baseline(), 24, replications=4)


def _group(design, key):
    params = baseline().designs[design].stages["contact"].params
    for part in key.split(".")[1:]:
        params = params[part] if isinstance(params, dict) else getattr(params, part)
    return params


@pytest.mark.parametrize("design", ["self_built", "third_party_logistics",
                                    "third_party_service", "community", "max_outsourcing"])
def test_bundled_baseline_rosters_are_the_rough_cut(design):
    cut = rough_cut_roster(baseline(), design, ServiceTarget(), rates=daily_rates())
    assert cut.agents, "every design has staffed groups"
    for key in cut.agents:
        bundled = _group(design, key).agents_by_hour()
        assert np.abs(bundled - cut.by_hour_of_week(key)).max() <= 1, (design, key)


def test_staff_behind_a_forum_are_offered_less_and_more_staff_is_cheaper_per_contact():
    own = offered_loads(baseline(), "self_built", daily_rates())
    forum = offered_loads(baseline(), "community", daily_rates())
    assert forum["contact.staff.groups.chat"].arrivals.sum() < \
        0.5 * own["contact.groups.chat"].arrivals.sum()
    assert forum["contact.backoffice"].arrivals.sum() > 0
    cut_own = rough_cut_roster(baseline(), "self_built", rates=daily_rates())
    cut_forum = rough_cut_roster(baseline(), "community", rates=daily_rates())
    # Erlang C economies of scale: the larger group runs at the higher occupancy.
    assert cut_own.utilisation("contact.groups.chat") > \
        cut_forum.utilisation("contact.staff.groups.chat")


def test_offered_contacts_are_first_contacts_plus_expected_repeats():
    scenario = baseline()
    rates = daily_rates()
    loads = offered_loads(scenario, "self_built", rates)
    centre = scenario.designs["self_built"].stages["contact"].params
    miss = 1 - centre.groups["voice"].fcr
    per_case = sum(miss ** k for k in range(centre.max_contacts))
    voice = [CHANNELS.index("phone"), CHANNELS.index("ticket")]
    first = rates[:, voice, :].sum()
    assert loads["contact.groups.voice"].arrivals.sum() == pytest.approx(first * per_case)


def test_a_bot_that_contains_everything_leaves_no_chat_load():
    scenario = baseline(**{"designs.self_built.overlays.chatbot.containment": 1.0})
    loads = offered_loads(scenario, "self_built", daily_rates())
    assert loads["contact.groups.chat"].arrivals.sum() == 0
    assert loads["contact.groups.voice"].arrivals.sum() > 0


def test_each_hour_is_the_smallest_erlang_c_head_count_meeting_the_target():
    target = ServiceTarget(0.8, 20 / 3600)
    cut = rough_cut_roster(baseline(), "self_built", target, rates=daily_rates())
    load = cut.loads["contact.groups.voice"]
    for hour in (3, 11, 20):
        lam, mu, c = load.arrivals[hour], load.arrivals[hour] / load.work[hour], \
            int(cut.agents["contact.groups.voice"][hour])
        assert 1 - mmc_wait_tail(lam, mu, c, target.answer_within) >= 0.8
        assert c == 1 or lam >= (c - 1) * mu or \
            1 - mmc_wait_tail(lam, mu, c - 1, target.answer_within) < 0.8
    stricter = rough_cut_roster(baseline(), "self_built", ServiceTarget(0.95, 20 / 3600),
                                rates=daily_rates())
    assert (stricter.agents["contact.groups.voice"] >= cut.agents["contact.groups.voice"]).all()
    assert stricter.agents["contact.groups.voice"].sum() > \
        cut.agents["contact.groups.voice"].sum()


def test_roster_shifts_round_trip_and_bad_input_is_refused():
    agents = np.array([1] * 8 + [3] * 9 + [0] * 3 + [2] * 4)
    from sim.config.fields import build
    from sim.providers.staffing import Shift

    shifts = tuple(build(Shift, s, "s") for s in roster_shifts(agents))
    assert (roster(None, shifts) == np.tile(agents, 7)).all()
    with pytest.raises(ScenarioError, match="period"):
        case_rates(baseline(), 48)
    with pytest.raises(ScenarioError, match="contact.provider"):
        offered_loads(_with_provider(baseline(), "other"), "self_built", daily_rates())
    assert len(CASE_TYPES) == daily_rates().shape[0]


def _with_provider(scenario, name):
    import dataclasses

    design = scenario.designs["self_built"]
    stage = dataclasses.replace(design.stages["contact"], provider=name)
    design = dataclasses.replace(design, stages={**design.stages, "contact": stage})
    return dataclasses.replace(scenario, designs={**scenario.designs, "self_built": design})


def test_rough_cut_command_prints_toml_rosters_and_refuses_bad_targets(capsys):
    import tomllib

    from sim.cli import main

    assert main(["rough-cut", "baseline", "--designs", "community", "--replications", "1"]) == 0
    out = capsys.readouterr().out
    table = tomllib.loads(out)["designs"]["community"]["contact"]
    assert table["backoffice"]["shifts"] and table["staff"]["groups"]["chat"]["shifts"]
    assert main(["rough-cut", "--service-level", "1.5"]) == 2
    assert "--service-level" in capsys.readouterr().err
    assert main(["rough-cut", "--answer-within", "soon"]) == 2
    assert "--answer-within" in capsys.readouterr().err
