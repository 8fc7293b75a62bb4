"""compare(), executors, the results folder, figures and sweeps (sim.experiment, plots, report)."""

from __future__ import annotations

import concurrent.futures as cf
import json
import multiprocessing
import pickle
import re

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from sim import plots, report
from sim.config.loader import load_scenario
from sim.experiment import executors, store
from sim.experiment.ranking import unpaired_difference
from sim.experiment.runner import compare
from sim.experiment.sweep import sweep
from sim.validation import contact_centre_table

WAIT = "queue_wait_mean_min"


def _scenario(agents_b: int = 4, horizon_h: float = 120.0, **kw):
    """Offered load 2.5 Erlang: design ``a`` has 3 agents, design ``b`` ``agents_b``."""
    table = contact_centre_table(15.0, 3, 10.0, horizon_h=horizon_h, warmup_h=10.0, seed=3, **kw)
    table["run"]["drain"] = "200h"
    table["designs"] = {"a": table["designs"]["textbook"],
                        "b": {"extends": "a", "contact": {"groups": {"agents": {
                            "agents": agents_b}}}}}
    return load_scenario(table)


@pytest.fixture(scope="module")
def small():
    return compare(_scenario(), replications=6, progress=False)


def test_scenario_pickles_for_process_pools():
    scenario = _scenario()
    assert pickle.loads(pickle.dumps(scenario)) == scenario


def test_tables_have_the_documented_shape(small):
    assert list(small.runs.columns[:2]) == ["design", "replication"]
    assert len(small.runs) == 2 * 6
    assert set(small.summary.columns) >= {"design", "kpi", "mean", "lower", "upper",
                                          "half_width", "sd", "n", "flag", "unit"}
    assert set(small.differences["design"]) == {"b"}
    assert small.reference == "a"
    assert set(small.timelines) == {"a", "b"}
    sums = small.ranking.groupby("kpi")["prob_best"].sum()
    assert np.allclose(sums, 1.0) and "score_total" in sums


def test_crn_pairing_beats_unpaired_interval(small):
    runs = small.runs
    a = runs.loc[runs["design"] == "a", WAIT].to_numpy()
    b = runs.loc[runs["design"] == "b", WAIT].to_numpy()
    from sim.experiment.ranking import paired_differences

    paired = paired_differences(runs, "a", metrics=[WAIT], adjust=None).iloc[0]
    unpaired = unpaired_difference(b, a)
    assert paired["mean_diff"] == pytest.approx(unpaired.mean)
    assert paired["half_width"] < unpaired.half_width
    assert np.corrcoef(a, b)[0, 1] > 0.5  # CRN: the same demand drives both designs


def test_design_compared_with_itself_gives_zero_differences():
    result = compare(_scenario(agents_b=3), replications=3, progress=False)
    diff = result.differences.dropna(subset=["mean_diff"])
    assert len(diff) > 5
    assert (diff["mean_diff"] == 0).all() and (diff["half_width"] == 0).all()
    assert not diff["significant"].any()


def test_serial_and_process_execution_give_identical_tables():
    scenario = _scenario(horizon_h=60.0)
    serial = compare(scenario, replications=3, progress=False)
    with cf.ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        parallel = compare(scenario, replications=3, executor=pool, progress=False)
    pd.testing.assert_frame_equal(serial.runs, parallel.runs)
    pd.testing.assert_frame_equal(serial.summary, parallel.summary)
    pd.testing.assert_frame_equal(serial.differences, parallel.differences)


def test_automatic_replications_stop_at_the_requested_precision():
    target = 0.03
    result = compare(_scenario(horizon_h=60.0), replications=3, target_precision=target,
                     kpis_for_precision=["cost_per_case"], progress=False)
    n = result.meta["replications"]
    assert 3 < n < 200
    rows = result.summary[result.summary["kpi"] == "cost_per_case"]
    assert (rows["half_width"] / rows["mean"].abs() <= target).all()
    assert "converged: True" in result.notes[-1]
    # Replications beyond the minimum come in blocks of 4, so the total is 3 + 4k.
    assert (n - 3) % 4 == 0


def test_unstable_design_is_flagged():
    # 15 contacts/h on 2 agents of 10 min: load 2.5 > 2, the backlog can only grow.
    table = contact_centre_table(15.0, 2, 10.0, horizon_h=150.0, warmup_h=0.0)
    table["run"]["drain"] = "1h"
    result = compare(load_scenario(table), replications=2, progress=False)
    flags = result.flags["textbook"]
    assert any("backlog grows" in f for f in flags)
    assert any("still open" in f for f in flags)
    assert result.summary["flag"].str.len().gt(0).all()


def test_results_folder_is_complete_and_agrees_with_the_printed_table(small, tmp_path):
    folder = small.write(root=tmp_path, command="test")
    assert store.is_complete(folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    for name in manifest["files"]:
        assert (folder / name).is_file(), name
    for key in ("versions", "seed", "replications", "command", "python", "platform",
                "wall_time_s", "git_commit"):
        assert key in manifest
    assert load_scenario(folder / "scenario.toml") == small.scenario
    summary = pd.read_csv(folder / "summary.csv")
    printed = report.text(small, str(folder))
    checked = 0
    for kpi in small.headline_kpis():
        line = next(x for x in printed.splitlines() if x.strip().startswith(kpi + " "))
        pairs = re.findall(r"(\S+) ± (\S+)", line)
        for design, (mean, half) in zip(small.designs, pairs, strict=True):
            row = summary[(summary["design"] == design) & (summary["kpi"] == kpi)].iloc[0]
            assert _printed(mean) == pytest.approx(row["mean"], rel=1e-3, abs=1e-9)
            assert _printed(half) == pytest.approx(row["half_width"], rel=1e-3, abs=1e-9)
            checked += 1
    assert checked >= 4
    html = (folder / "report.html").read_text()
    assert "data:image/png;base64," in html and "src=\"figures/" not in html


def _printed(number: str) -> float:
    """A printed number; shares are printed as percentages."""
    return float(number[:-1]) / 100 if number.endswith("%") else float(number)


def test_killed_write_leaves_no_complete_looking_folder(small, tmp_path, monkeypatch):
    def crash(*args, **kwargs):
        raise KeyboardInterrupt  # as if the user pressed Ctrl-C half-way

    monkeypatch.setattr(report, "html", crash)
    final = tmp_path / "run"
    with pytest.raises(KeyboardInterrupt):
        small.write(folder=final, figures=False)
    assert not final.exists()
    assert not list(tmp_path.rglob(store.COMPLETE))
    assert not list(tmp_path.iterdir())  # the temporary folder is cleaned up too


def test_hard_kill_leaves_only_a_hidden_incomplete_folder(small, tmp_path, monkeypatch):
    # A SIGKILL runs no clean-up: emulate it by disabling rmtree and dying before the rename.
    monkeypatch.setattr(store.shutil, "rmtree", lambda *a, **k: None)
    monkeypatch.setattr(store, "_fsync_tree", lambda folder: (_ for _ in ()).throw(SystemExit))
    with pytest.raises(SystemExit):
        small.write(folder=tmp_path / "run", figures=False)
    leftovers = list(tmp_path.iterdir())
    assert [p.name.startswith(".run.tmp-") for p in leftovers] == [True]
    # Only the hidden temporary folder is left (COMPLETE is written in it before the rename,
    # so the visible folder never exists without it); the next run removes it.
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("kind", sorted(plots.FIGURES))
def test_every_figure_has_labelled_axes(small, kind):
    fig = small.plot(kind)
    assert isinstance(fig, Figure)
    drawn = [ax for ax in fig.axes if ax.axison]
    for ax in drawn:
        assert ax.get_xlabel() or ax.get_yticklabels(), kind
        assert ax.get_ylabel() or ax.get_yticklabels(), kind


def test_sweep_is_resumable(tmp_path, monkeypatch):
    scenario = _scenario(horizon_h=40.0)
    params = {"designs.b.contact.groups.agents.agents": [4, 5]}
    first = sweep(scenario, params, replications=2, designs=["b"], out_dir=tmp_path,
                  progress=False, block=1)
    assert len(first) == 2 * 2
    assert first.groupby("point")[WAIT].mean().is_monotonic_decreasing
    calls = []
    real = executors.run_task
    monkeypatch.setattr("sim.experiment.chunks.run_task",
                        lambda task: calls.append(task) or real(task))
    again = sweep(scenario, params, replications=2, designs=["b"], out_dir=tmp_path,
                  progress=False)
    assert calls == []
    pd.testing.assert_frame_equal(first, again)
    next(iter((tmp_path / "parts").glob("part-*"))).unlink()   # one chunk = one run here
    sweep(scenario, params, replications=2, designs=["b"], out_dir=tmp_path, progress=False)
    assert len(calls) == 1


def test_bundled_sweep_file_runs():
    table = sweep("agents", replications=1, progress=False)
    assert list(table["designs.textbook.contact.groups.agents.agents"]) == [3, 4, 5]
