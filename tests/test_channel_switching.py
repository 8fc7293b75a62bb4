"""Channel switching: a consumer who abandons a queue may try another channel next.

An exact micro-scenario (deterministic patience, retry delay and handle time) and a directional
check on a small contact centre whose phone line is short of agents.
"""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.config.errors import ScenarioError
from sim.config.loader import load_scenario
from sim.config.vocab import CHANNELS
from sim.validation import contact_centre_table

MIN = 1 / 60


def _two_channels(phone_agents: int, switch: float, rate: float = 0.5, horizon: float = 24.0,
                  patience: dict | None = None, handle: str = "10min") -> dict:
    table = contact_centre_table(rate, 1, 10.0, handle_dist="deterministic",
                                 horizon_h=horizon, warmup_h=0.0, seed=3)
    contact = table["designs"]["textbook"]["contact"]
    contact["groups"] = {
        "phone": {"agents": phone_agents, "channels": ["phone"], "case_types": ["inquiry"],
                  "fcr": 1.0},
        "chat": {"agents": 5, "channels": ["chat"], "case_types": ["inquiry"], "fcr": 1.0},
    }
    fixed = {"default": {"dist": "deterministic", "value": handle}}
    contact["handle_time"] = {"phone": fixed, "chat": fixed}
    contact["patience"] = patience or {"phone": {"dist": "deterministic", "value": "1min"}}
    contact["retry_probability"] = 1.0
    contact["retry_delay"] = {"dist": "deterministic", "value": "5min"}
    contact["max_attempts"] = 3
    if switch:
        contact["switch"] = {"phone": {"chat": switch}}
    return table


def test_abandoned_caller_switches_to_chat_and_is_answered_at_a_known_time():
    result = sim.run_once(load_scenario(_two_channels(0, 1.0)), "textbook")
    cases = result.cases
    assert len(cases) > 3
    # 1 min of patience on a line nobody answers, 5 min before the chat, 10 min of chat.
    np.testing.assert_allclose(cases["closed_at"] - cases["created"], (1 + 5 + 10) * MIN)
    assert (cases["terminal"] == "resolved").all()
    assert (cases["abandonments"] == 1).all() and (cases["channel_switches"] == 1).all()
    assert (cases["contact_channel"] == CHANNELS.index("chat")).all()


def test_without_switching_the_same_caller_gives_up_after_three_attempts():
    cases = sim.run_once(load_scenario(_two_channels(0, 0.0)), "textbook").cases
    assert (cases["terminal"] == "abandoned").all()
    assert (cases["abandonments"] == 3).all() and (cases["channel_switches"] == 0).all()
    # three 1-min waits and two 5-min pauses between them
    np.testing.assert_allclose(cases["closed_at"] - cases["created"], (3 + 10) * MIN)


def test_switching_means_fewer_abandoned_cases_and_more_chat_load():
    patience = {"phone": {"dist": "exponential", "mean": "2min"}}

    def run(switch):
        table = _two_channels(1, switch, rate=12.0, horizon=48.0, patience=patience,
                              handle="6min")
        return sim.run_once(load_scenario(table), "textbook")

    off, on = run(0.0), run(0.5)
    assert on.kpis["share_abandoned"] < off.kpis["share_abandoned"]
    chat = CHANNELS.index("chat")
    chat_busy = {n: float(r.cases.loc[r.cases["contact_channel"] == chat, "staff_time_h"].sum())
                 for n, r in (("off", off), ("on", on))}
    assert chat_busy["on"] > chat_busy["off"]
    assert on.cases["channel_switches"].sum() > 0
    assert off.cases["channel_switches"].sum() == 0


def test_bad_switch_tables_are_refused_with_their_key():
    table = _two_channels(0, 0.7)
    table["designs"]["textbook"]["contact"]["switch"]["phone"]["ticket"] = 0.5
    with pytest.raises(ScenarioError, match="switch.phone"):
        load_scenario(table)
    table = _two_channels(0, 0.7)
    table["designs"]["textbook"]["contact"]["switch"] = {"phone": {"phone": 0.2}}
    with pytest.raises(ScenarioError, match="switch.phone.phone"):
        load_scenario(table)
