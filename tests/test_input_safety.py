"""Bad input is refused with the project's error, naming the key; nothing reads or writes
where it should not (issue: reliability and safety)."""

from __future__ import annotations

import copy
import tomllib

import pytest

import sim
from sim.cli import main
from sim.config.loader import SCENARIO_DIR, read_raw, scenario_from_raw
from sim.config.units import parse_duration
from sim.experiment.store import toml_dumps

AGENTS = "designs.textbook.contact.groups.agents.agents"
MMC = tomllib.loads((SCENARIO_DIR / "validation" / "mmc.toml").read_text(encoding="utf-8"))


def refusal(overrides: dict, scenario="validation/mmc") -> sim.ScenarioError:
    with pytest.raises(sim.ScenarioError) as err:
        sim.load_scenario(scenario, overrides)
    return err.value


@pytest.mark.parametrize("key, value", [
    (AGENTS, 1e308), (AGENTS, 3.0), (AGENTS, 10**15), ("run.replications", 1e308),
    ("run.seed", -1), ("run.seed", 2**64), ("demand.poisson.rate_per_h", 1e308),
    ("demand.poisson.rate_per_h", float("nan")), ("run.horizon", "1e300h"),
])
def test_out_of_range_or_mistyped_number_names_its_key(key, value):
    err = refusal({key: value})
    assert [p.key for p in err.problems] == [key]


def test_a_volume_that_cannot_fit_is_refused_before_running():
    err = refusal({"demand.orders_per_day": 1e11}, "baseline")
    assert [p.key for p in err.problems] == ["demand.orders_per_day"]
    assert "cases per replication" in str(err)


def test_lognormal_whose_variance_overflows_is_refused():
    handle = "designs.textbook.contact.groups.agents.handle_time"
    err = refusal({handle: {"dist": "lognormal", "mean": "5min", "sd": "1e154min"}})
    assert err.problems[0].key.startswith(handle)


def test_warmup_must_be_shorter_than_horizon():
    err = refusal({"run.warmup": "200h", "run.horizon": "100h"})
    assert [p.key for p in err.problems] == ["run.warmup"]
    assert "run.horizon" in err.problems[0].allowed


@pytest.mark.parametrize("text, hours", [("90m", 1.5), ("3 days", 72.0), ("5 min", 5 / 60),
                                         ("0.5 w", 84.0), ("2 hours", 2.0), ("45s", 45 / 3600)])
def test_durations_accept_common_spellings(text, hours):
    assert parse_duration(text) == pytest.approx(hours)


def test_an_unknown_unit_lists_the_allowed_units():
    err = refusal({"run.horizon": "3 fortnights"})
    assert "units: s, min or m, h, d, w" in str(err)


def write(folder, name, text: str | bytes):
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


def test_utf8_with_a_byte_order_mark_loads(tmp_path):
    path = write(tmp_path, "s.toml", "\ufeff".encode() + toml_dumps(MMC).encode())
    assert sim.load_scenario(path).name == MMC["name"]


@pytest.mark.parametrize("encoding", ["gb18030", "utf-16"])
def test_another_encoding_says_how_to_fix_it(tmp_path, encoding):
    text = toml_dumps(MMC) + 'description = "退货退款"\n'
    path = write(tmp_path, "s.toml", text.encode(encoding))
    with pytest.raises(sim.ScenarioError) as err:
        sim.load_scenario(path)
    assert "UTF-8" in str(err.value) and "iconv" in str(err.value)


def test_deep_nesting_and_overlong_names_give_short_project_errors(tmp_path):
    deep = toml_dumps(MMC) + "[x]\nv = " + "{a = " * 3000 + "1" + "}" * 3000 + "\n"
    with pytest.raises(sim.ScenarioError):
        sim.load_scenario(write(tmp_path, "deep.toml", deep))
    long_key = dict(copy.deepcopy(MMC), **{"k" * 10_000: {"token": "x" * 10_000}})
    with pytest.raises(sim.ScenarioError) as err:
        sim.load_scenario(write(tmp_path, "long.toml", toml_dumps(long_key)))
    assert len(str(err.value)) < 1000


@pytest.mark.parametrize("key, value", [("run", 5), ("designs.textbook.overlays", 1.5),
                                        ("designs.textbook", "x"), ("demand", [1, 2])])
def test_a_retyped_table_is_a_project_error(key, value):
    err = refusal({key: value})
    assert err.problems[0].key.startswith(key)


def test_one_mistake_in_an_extended_design_is_reported_once():
    raw = read_raw("validation/mmc")
    raw["designs"]["textbook"]["contact"]["groups"]["agents"]["agents"] = -1
    for i in range(5):
        raw["designs"][f"copy{i}"] = {"extends": "textbook"}
    with pytest.raises(sim.ScenarioError) as err:
        scenario_from_raw(raw)
    assert [p.key for p in err.value.problems] == [AGENTS]


def test_set_suggests_the_design_name():
    err = refusal({"designs.textbok.contact.groups.agents.agents": 4})
    assert "did you mean 'textbook'" in str(err)


def test_loaded_scenarios_share_no_mutable_defaults():
    a, b = sim.load_scenario("validation/mmc"), sim.load_scenario("validation/mmc")
    assert a.policy.sla is not b.policy.sla
    a.policy.sla["inquiry"] = -123.0
    assert sim.load_scenario("validation/mmc").policy.sla.get("inquiry") != -123.0


def test_missing_base_names_base_and_the_file_that_names_it(tmp_path):
    path = write(tmp_path, "s.toml", 'base = "nowhere.toml"\n' + toml_dumps(MMC))
    with pytest.raises(sim.ScenarioError) as err:
        sim.load_scenario(path)
    assert err.value.problems[0].key.startswith("base") and str(path) in str(err.value)


def test_a_base_loop_shows_the_chain(tmp_path):
    write(tmp_path, "b.toml", 'base = "c.toml"\n')
    write(tmp_path, "c.toml", 'base = "b.toml"\n')
    path = write(tmp_path, "a.toml", 'base = "b.toml"\n')
    with pytest.raises(sim.ScenarioError) as err:
        sim.load_scenario(path)
    assert "a.toml -> b.toml -> c.toml -> b.toml" in str(err.value)


def test_base_is_confined_and_never_echoes_the_file(tmp_path):
    write(tmp_path, "outside/creds.toml", 'token = "s3cret-token"\n[aws]\nkey = "s3cret-token"\n')
    scenario = write(tmp_path, "mine/s.toml", 'base = "../outside/creds.toml"\n')
    with pytest.raises(sim.ScenarioError) as err:
        sim.load_scenario(scenario)
    assert "--base-dir" in str(err.value) and "s3cret" not in str(err.value)
    # Allowed explicitly: now it is read, and its unknown keys are named, values not dumped.
    with pytest.raises(sim.ScenarioError) as err:
        sim.load_scenario(scenario, base_dirs=(tmp_path / "outside",))
    assert "aws" in str(err.value) and "s3cret" not in str(err.value)


def test_a_bundled_base_still_resolves(tmp_path):
    path = write(tmp_path, "s.toml", 'base = "baseline.toml"\nname = "mine"\n')
    assert sim.load_scenario(path).name == "mine"


def test_results_never_leave_the_out_root(tmp_path):
    root = tmp_path / "out"
    code = main(["run", "validation/mmc", "--replications", "2", "--no-figures",
                 "--set", 'name=".."', "--set", 'run.horizon="20h"',
                 "--set", 'run.warmup="2h"', "--out", str(root)])
    assert code == 0
    written = [p for p in tmp_path.rglob("COMPLETE")]
    assert written and all(root in p.parents for p in written)


@pytest.mark.parametrize("argv, option", [
    (["--seed", "-1"], "--seed"), (["--precision", "0"], "--precision"),
    (["--precision", "nan"], "--precision"), (["--replications", "0"], "--replications"),
    (["--jobs", "0"], "--jobs"),
])
def test_bad_arguments_give_the_project_error(argv, option, capsys, tmp_path):
    assert main(["run", "validation/mmc", *argv, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {option}:") and "Traceback" not in err
    assert not any(tmp_path.iterdir())


def test_keep_cases_in_the_scenario_writes_the_case_table(tmp_path):
    code = main(["run", "validation/mmc", "--replications", "2", "--no-figures",
                 "--set", "run.keep_cases=true", "--set", 'run.horizon="20h"',
                 "--set", 'run.warmup="2h"', "--out", str(tmp_path)])
    assert code == 0
    assert list(tmp_path.rglob("cases.csv"))
