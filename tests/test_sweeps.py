"""Sweep files (schema, designs of experiments) and the chunked, resumable sweep runner."""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing

import numpy as np
import pandas as pd
import pytest

import sim
from sim.config.errors import ScenarioError
from sim.config.factors import parse_factor
from sim.experiment.doe import plan
from sim.experiment.sweep import run_sweep
from sim.experiment.sweepfile import SweepSpec, bundled_sweeps, check_against, read_sweep_file

AGENTS = "designs.textbook.contact.groups.agents.agents"
SMALL = {"run.horizon": "20h", "run.warmup": "2h", "run.drain": "100h"}


def _write(tmp_path, text, name="s.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _messages(err: pytest.ExceptionInfo) -> str:
    return str(err.value)


# --- schema ----------------------------------------------------------------------------------
def test_unknown_key_names_the_dotted_key_and_suggests(tmp_path):
    path = _write(tmp_path, 'scenario = "validation/mmc"\nreplicatons = 2\n'
                            '[factors]\n"run.seed" = [1, 2]\n')
    with pytest.raises(ScenarioError) as err:
        read_sweep_file(path)
    assert "sweep.replicatons" in _messages(err) and "did you mean 'replications'" in \
        _messages(err)


@pytest.mark.parametrize("factor, allowed", [
    ('"50..abc"', "a range"), ('"200..50"', "LOW < HIGH"), ('"2h..12"', "both ends"),
    ("[]", "non-empty"), ("[1, 1]", "without repeats"),
    ('{ dist = "uniform", min = 1 }', "uniform needs"), ('{ range = "1..3", levls = 2 }',
                                                          "unknown key"),
    ('{ dist = "nope" }', "one of exponential"),  # found by the long sweep fuzz profile
])
def test_bad_factors_are_errors_naming_the_key(tmp_path, factor, allowed):
    path = _write(tmp_path, f'scenario = "validation/mmc"\n[factors]\n"{AGENTS}" = {factor}\n')
    with pytest.raises(ScenarioError) as err:
        read_sweep_file(path)
    assert f"sweep.factors.{AGENTS}" in _messages(err)
    assert allowed in _messages(err)


def test_a_missing_path_is_an_error_never_the_bundled_sweep(tmp_path):
    assert "agents" in bundled_sweeps()
    for missing in (str(tmp_path / "agents.toml"), "elsewhere/agents.toml", "agents.toml"):
        with pytest.raises(ScenarioError) as err:
            read_sweep_file(missing)
        assert "an existing sweep file" in _messages(err)
    assert read_sweep_file("agents").name == "agents"
    with pytest.raises(ScenarioError) as err:
        read_sweep_file("agent")
    assert "did you mean 'agents'" in _messages(err)


def test_sweep_files_are_read_like_scenarios_bom_encoding_and_nesting(tmp_path):
    body = 'scenario = "validation/mmc"\n[factors]\n"run.seed" = [1, 2]\n'
    bom = tmp_path / "bom.toml"
    bom.write_bytes(b"\xef\xbb\xbf" + body.encode())
    assert read_sweep_file(bom).keys == ["run.seed"]
    legacy = tmp_path / "gb.toml"
    legacy.write_bytes((body + "# 退货\n").encode("gb18030"))
    with pytest.raises(ScenarioError, match="iconv"):
        read_sweep_file(legacy)
    deep = tmp_path / "deep.toml"  # the sweep fuzz found tomllib's RecursionError here
    deep.write_bytes(body.encode() + b"[x]\nv = " + b"{a = " * 2000 + b"1" + b"}" * 2000)
    with pytest.raises(ScenarioError, match="nested at most"):
        read_sweep_file(deep)


def test_a_missing_scenario_path_in_a_sweep_is_an_error(tmp_path):
    path = _write(tmp_path, 'scenario = "baseline.toml"\n[factors]\n"run.seed" = [1, 2]\n')
    with pytest.raises(ScenarioError) as err:
        read_sweep_file(path).raw_scenario()
    assert "sweep.scenario" in _messages(err)


def test_checks_against_the_scenario(tmp_path):
    path = _write(tmp_path, 'scenario = "validation/mmc"\ndesigns = ["textbok"]\n'
                            'outputs = ["cost_per_cas"]\n[factors]\n'
                            '"designs.texbook.contact.groups.agents.agents" = [2, 3]\n')
    spec = read_sweep_file(path)
    text = "\n".join(str(p) for p in check_against(spec, spec.raw_scenario()))
    assert "sweep.designs[0]" in text and "did you mean 'textbook'" in text
    assert "sweep.outputs[0]" in text and "did you mean 'cost_per_case'" in text
    assert "sweep.factors.designs.texbook" in text


def test_method_rules(tmp_path):
    base = 'scenario = "validation/mmc"\n'
    cases = [('method = "sobol"\nsamples = 12\n[factors]\n"run.seed" = "1..9"\n',
              "sweep.samples", "power of two"),
             ('method = "saltelli"\n[factors]\n"run.seed" = "1..9"\n', "sweep.factors",
              "at least two"),
             ('method = "morris"\n[factors]\n"run.seed" = "1..9"\n"policy.x" = ["a", "b"]\n',
              "sweep.factors.policy.x", "numeric levels"),
             ('[parameters]\n"run.seed" = [1, 2]\n', "sweep.parameters", "[factors]")]
    for text, key, allowed in cases:
        with pytest.raises(ScenarioError) as err:
            read_sweep_file(_write(tmp_path, base + text))
        assert key in _messages(err) and allowed in _messages(err), text


@pytest.mark.parametrize("name", sorted(bundled_sweeps()))
def test_every_bundled_sweep_loads_at_its_corners(name):
    spec = read_sweep_file(name)
    if spec.method in ("saltelli", "morris"):
        pytest.importorskip("SALib")  # the sensitivity extra (make test installs it)
    assert spec.description
    raw = spec.raw_scenario()
    assert check_against(spec, raw) == []
    points = plan(spec, 1)
    assert len(points.overrides) >= 2
    for u in (0.0, 0.999):   # every factor at both ends of its range loads
        sim.load_scenario(raw, {f.key: f.value_at(u) for f in spec.factors})
    sim.load_scenario(raw, points.overrides[0])


# --- designs of experiments --------------------------------------------------------------------
def _spec(method, factors, **kw):
    from sim.config.fields import build

    return build(SweepSpec, {"scenario": "validation/mmc", "method": method,
                             "factors": factors, **kw}, "sweep")


def test_factor_forms_and_units():
    fee = parse_factor("k", "50..200")
    assert fee.integer and fee.value_at(0.0) == 50 and fee.value_at(0.9999) == 200
    tol = parse_factor("k", "2h..12h")
    assert tol.duration and tol.value_at(0.5) == "7.0h" and tol.number("7.0h") == 7.0
    p = parse_factor("k", "0.2..0.8")
    assert not p.integer and p.value_at(0.5) == pytest.approx(0.5)
    tri = parse_factor("k", {"dist": "triangular", "min": 1.0, "mode": 2.0, "max": 4.0})
    assert tri.value_at(0.5) == pytest.approx(float(tri.dist.ppf(np.array([0.5]))[0]))
    grid = parse_factor("k", {"range": "3..6", "levels": 4})
    assert grid.full_factorial(3) == [3, 4, 5, 6]


def test_lhs_is_stratified_and_levels_are_crossed():
    spec = _spec("lhs", {"a": "0.0..1.0", "b": "10.0..20.0", "payer": ["x", "y"]}, samples=8)
    points = plan(spec, 3).table()
    assert len(points) == 16
    for _, rows in points.groupby("payer"):
        strata = np.floor(rows["a"].to_numpy() * 8).astype(int)
        assert sorted(strata) == list(range(8))           # one point per stratum
    a_x = points.loc[points["payer"] == "x", "a"].to_numpy()
    a_y = points.loc[points["payer"] == "y", "a"].to_numpy()
    np.testing.assert_array_equal(a_x, a_y)               # the same worlds for every level
    assert plan(spec, 3).table().equals(points)           # seeded


def test_point_counts_of_the_scipy_methods():
    two = {"a": "0.0..1.0", "b": "1h..3h"}
    assert len(plan(_spec("sobol", two, samples=16), 1).overrides) == 16
    assert len(plan(_spec("halton", two, samples=10), 1).overrides) == 10
    assert len(plan(_spec("full_factorial", two, levels=3), 1).overrides) == 9


def test_point_counts_of_the_salib_methods():
    pytest.importorskip("SALib")  # the sensitivity extra (make test installs it)
    two = {"a": "0.0..1.0", "b": "1h..3h"}
    assert len(plan(_spec("saltelli", two, samples=8), 1).overrides) == 8 * (2 + 2)
    assert len(plan(_spec("saltelli", two, samples=8, second_order=True), 1).overrides) == 48
    morris = plan(_spec("morris", two, samples=5, levels=4), 1)
    assert len(morris.overrides) == 5 * 3 and morris.unit.shape == (15, 2)


# --- the runner ------------------------------------------------------------------------------
def _agents_spec(tmp_path, replications=3, block=None):
    text = ('scenario = "validation/mmc"\nmethod = "full_factorial"\n'
            f'replications = {replications}\nseed = 11\n'
            'outputs = ["first_response_mean_min", "cost_per_case", "cases"]\n'
            + (f"block = {block}\n" if block else "")
            + "[set]\n" + "".join(f'"{k}" = "{v}"\n' for k, v in SMALL.items())
            + f'[factors]\n"{AGENTS}" = [3, 4]\n')
    return read_sweep_file(_write(tmp_path, text, "agents_small.toml"))


def _tables(result):
    return result.long, result.runs, result.points


def test_same_tables_serial_processes_and_any_chunking(tmp_path):
    spec = _agents_spec(tmp_path)
    serial = run_sweep(spec, progress=False, block=1)
    with cf.ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        pooled = run_sweep(spec, executor=pool, progress=False, block=3)
    for a, b in zip(_tables(serial), _tables(pooled), strict=True):
        pd.testing.assert_frame_equal(a, b)
    assert list(serial.long.columns) == ["run_id", "point", "design", "replication", "kpi",
                                         "unit", "value"]
    waits = serial.runs.groupby(AGENTS)["first_response_mean_min"].mean()
    assert waits[4] < waits[3]


def test_interrupted_then_resumed_equals_uninterrupted(tmp_path):
    spec = _agents_spec(tmp_path, block=1)
    whole = run_sweep(spec, out_dir=tmp_path / "whole", progress=False)
    with pytest.raises(KeyboardInterrupt):
        run_sweep(spec, out_dir=tmp_path / "cut", progress=False, interrupt_after=2)
    assert not (tmp_path / "cut" / "COMPLETE").exists()
    assert len(list((tmp_path / "cut" / "parts").glob("part-*"))) == 2
    resumed = run_sweep(spec, out_dir=tmp_path / "cut", progress=False)
    assert (tmp_path / "cut" / "COMPLETE").exists()
    for a, b in zip(_tables(whole), _tables(resumed), strict=True):
        pd.testing.assert_frame_equal(a, b)
    for name in ("runs_long.csv", "runs.csv", "points.csv", "summary.csv"):
        assert (tmp_path / "whole" / name).read_bytes() == (tmp_path / "cut" / name).read_bytes()
    assert len(list((tmp_path / "cut" / "parts").glob("part-*"))) == 6   # nothing redone twice


def test_progress_writes_a_line_per_interval_to_a_log():
    import io

    from sim.experiment.progress import Progress

    log = io.StringIO()
    with Progress(4, desc="sweep x", every=0.0, stream=log) as bar:
        for _ in range(4):
            bar.update()
    lines = log.getvalue().splitlines()
    assert len(lines) == 4 and lines[-1].startswith("sweep x: 4/4 runs (100%)")
    assert "runs/s" in lines[0] and "left ~" in lines[0]
    quiet = io.StringIO()
    with Progress(4, every=0.0, stream=quiet, enabled=False) as bar:
        bar.update(4)
    assert quiet.getvalue() == ""


def test_sweep_command_writes_figures_report_and_units(tmp_path, capsys):
    from sim.cli import main

    path = _agents_spec(tmp_path, replications=2).origin
    out = tmp_path / "out"
    assert main(["sweep", path, "--out", str(out), "--set", "run.seed=3"]) == 0
    printed = capsys.readouterr().out
    assert "first_response_mean_min [min]" in printed and "cost_per_case [CNY]" in printed
    assert (out / "report.md").exists() and (out / "COMPLETE").exists()
    assert len(list((out / "figures").glob("response_*.png"))) == 3
    assert main(["sweep", path, "--set", f"{AGENTS}=3"]) == 2         # a factor cannot be set
    assert main(["run", "validation/mmc", "--dask", "bogus"]) == 2


def test_a_repeated_point_is_run_once_and_reported_at_each_of_its_rows():
    # Morris trajectories can cross, so a design may list the same point twice: its runs have
    # the same ids (and numbers), are planned once, and fill both rows of the tables.
    from sim.experiment.chunks import plan_chunks

    scenario = sim.load_scenario("validation/mmc", {"run.horizon": "10h", "run.warmup": "1h"})
    other = sim.load_scenario("validation/mmc", {"run.horizon": "10h", "run.warmup": "2h"})
    chunks, runs = plan_chunks([scenario, other, scenario], ["textbook"], 2, 5, 1, set())
    assert [c.point for c in chunks] == [0, 0, 1, 1]
    ids = {point: [r[3] for r in runs if r[0] == point] for point in (0, 1, 2)}
    assert ids[0] == ids[2] and set(ids[0]).isdisjoint(ids[1])
