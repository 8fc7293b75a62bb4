"""Sensitivity indices recover a known ranking: arrival rate dominates the wait of an M/M/c
contact centre, the agents' monthly cost has no effect on it at all (its interval includes 0)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.experiment.sensitivity import indices, noise
from sim.experiment.sensitivity_report import analyse
from sim.experiment.sweepfile import read_sweep_file

pytest.importorskip("SALib")
RATE = "demand.poisson.rate_per_h"
COST = "designs.textbook.contact.groups.agents.monthly_cost"
WAIT = "first_response_mean_min"


def _sweep(tmp_path, method, extra=""):
    path = tmp_path / f"{method}.toml"
    path.write_text(
        f'description = "rate vs cost"\nscenario = "validation/mmc"\nmethod = "{method}"\n'
        f'replications = 2\nseed = 3\noutputs = ["{WAIT}", "cost_per_case"]\n{extra}'
        '[set]\n"run.horizon" = "6h"\n"run.warmup" = "1h"\n"run.drain" = "100h"\n'
        f'[factors]\n"{RATE}" = "10.0..32.0"\n"{COST}" = "4000.0..11000.0"\n',
        encoding="utf-8")
    return read_sweep_file(path)


def _synthetic(method, samples, effects, noise_sd, reps=3, **kw):
    """A SweepResult whose KPI is sum(effect_i * u_i) + noise, at the sweep's own points.

    The noise of replication r is shared by every point, as common random numbers make it.
    """
    from sim.config.fields import build
    from sim.experiment.doe import plan
    from sim.experiment.sweep import SweepResult
    from sim.experiment.sweepfile import SweepSpec

    factors = {f"f{i}": "0.0..1.0" for i in range(len(effects))}
    spec = build(SweepSpec, {"scenario": "validation/mmc", "method": method, "samples": samples,
                             "factors": factors, **kw}, "sweep")
    points = plan(spec, 5)
    unit = points.unit if points.unit is not None else points.table()[list(factors)].to_numpy()
    rng = np.random.default_rng(9)
    y = unit @ np.asarray(effects, dtype=float)
    common = rng.normal(0, noise_sd, size=reps)
    rows = [{"point": i, "design": "d", "replication": r, "y": y[i] + common[r]}
            for i in range(len(y)) for r in range(reps)]
    return SweepResult(spec, points, pd.DataFrame(rows), pd.DataFrame(), points.table(), ["d"],
                       5, reps)


def test_sobol_indices_recover_a_known_ranking():
    # Y = 4 u0 + 1 u1 + 0 u2 + noise: S1 = 16/17, 1/17, 0 up to the noise (variance 0.01).
    table, noise_table = indices(_synthetic("saltelli", 256, [4.0, 1.0, 0.0], 0.1), ["y"])
    st = table[table["index"] == "ST"].set_index("factor")
    s1 = table[table["index"] == "S1"].set_index("factor")
    assert s1.loc["f0", "lower"] <= 16 / 17 <= s1.loc["f0", "upper"]
    assert s1.loc["f1", "lower"] <= 1 / 17 <= s1.loc["f1", "upper"]
    assert st.loc["f0", "lower"] > st.loc["f1", "upper"]         # the dominant factor first
    assert st.loc["f2", "lower"] <= 0 <= st.loc["f2", "upper"]   # no effect: includes 0
    assert st.loc["f1", "lower"] > 0
    share = noise_table.iloc[0]["noise_share"]
    assert 0 < share < 0.05                               # noise variance ~0.01 against 17/12


def test_sensitivity_on_the_model_writes_indices_tornado_and_report(tmp_path):
    # Arrival rate drives the agents' utilisation; their monthly cost cannot change it.
    util = "agent_utilisation"
    spec = _sweep(tmp_path, "saltelli", "samples = 4\n").with_(outputs=(util, "cost_per_case"))
    folder = analyse(spec, kpis=[util, "cost_per_case"], root=tmp_path / "results",
                     progress=False)
    table = pd.read_csv(folder / "indices.csv").set_index(["kpi", "factor", "index"])
    assert table.loc[(util, RATE, "ST"), "value"] > 0.3   # N = 4: a rough estimate
    cost = table.loc[(util, COST, "ST")]
    assert cost["lower"] <= 0 <= cost["upper"] and cost["value"] == pytest.approx(0, abs=1e-12)
    assert table.loc[("cost_per_case", COST, "ST"), "value"] > 0.3
    noise_table = pd.read_csv(folder / "noise.csv").set_index("kpi")
    assert 0 < noise_table.loc[util, "noise_share"] < 0.5
    tornado = pd.read_csv(folder / "tornado.csv")
    spread = tornado[tornado["kpi"] == util].groupby("factor")["change"].apply(
        lambda s: s.abs().max())
    assert spread[RATE] > 0.1 and spread[COST] == pytest.approx(0, abs=1e-12)
    assert (folder / "COMPLETE").exists()
    assert len(list((folder / "figures").glob("*.png"))) == 6   # index, tornado, response x 2
    assert f"most influential `{RATE}`" in (folder / "report.md").read_text(encoding="utf-8")


def test_morris_ranks_the_same_way():
    table, _ = indices(_synthetic("morris", 20, [4.0, 1.0, 0.0], 0.1, levels=4), ["y"])
    mu = table[table["index"] == "mu_star"].set_index("factor")
    assert mu.loc["f0", "lower"] <= 4.0 <= mu.loc["f0", "upper"]   # change over the range
    assert mu.loc["f0", "lower"] > mu.loc["f1", "upper"] > mu.loc["f2", "upper"]


def test_noise_share_separates_noise_from_factor_effects():
    rng = np.random.default_rng(1)
    effect = np.repeat(np.arange(20.0), 1)[:, None]                 # factor variance 35
    values = effect + rng.normal(0, np.sqrt(35.0), size=(20, 200))  # noise variance 35
    share = noise(values)["noise_share"]
    assert share == pytest.approx(0.5, abs=0.05)
    assert noise(effect.repeat(3, axis=1))["noise_share"] == 0.0


def test_indices_need_a_saltelli_or_morris_sweep():
    from sim.config.errors import ScenarioError

    with pytest.raises(ScenarioError, match="saltelli"):
        indices(_synthetic("oat", 1, [1.0, 0.0], 0.1), ["y"])
