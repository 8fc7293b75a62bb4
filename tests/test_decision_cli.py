"""The decision commands from the command line: breakeven, robust, optimise-staffing,
sensitivity (small runs; the statistics are tested in their own modules)."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.cli import main
from sim.experiment.store import toml_dumps
from sim.validation import contact_centre_table

SMALL = ["--set", 'run.horizon="6h"', "--set", 'run.warmup="1h"', "--set", 'run.drain="50h"']


@pytest.fixture
def scenario_file(tmp_path):
    t = contact_centre_table(30.0, 3, 5.0, horizon_h=6.0, warmup_h=1.0, seed=2)
    t["run"]["drain"] = "50h"
    a = t["designs"]["textbook"]
    a["contact"]["cost_per_contact"] = {"phone": 1.0}
    t["designs"] = {"a": a, "b": {"extends": "a", "contact": {
        "groups": {"agents": {"agents": 4}}, "cost_per_contact": {"phone": 0.0}}}}
    t["uncertainty"] = {"designs.a.contact.cost_per_contact.phone": "0.0..4.0"}
    path = tmp_path / "ab.toml"
    path.write_text(toml_dumps(t), encoding="utf-8")
    return path


def test_breakeven_and_robust_commands(scenario_file, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["breakeven", str(scenario_file), "--vary",
                 "designs.a.contact.cost_per_contact.phone", "--between", "0", "5",
                 "--designs", "a,b", "--points", "3", "--refine", "0", "--replications", "2",
                 "--out", str(out)]) == 0
    assert "swap on cost_per_case" in capsys.readouterr().out
    assert len(list((out / "breakeven").rglob("COMPLETE"))) == 1
    assert main(["robust", str(scenario_file), "--worlds", "4", "--replications", "1",
                 "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "is best in" in printed and "rank_change_driver" in printed
    shares = pd.read_csv(next((out / "robust").rglob("shares.csv")))
    assert shares["share_best"].sum() == pytest.approx(1.0)
    assert main(["breakeven", str(scenario_file), "--vary", "x", "--between", "0", "5",
                 "--designs", "a"]) == 2                     # two designs are needed


def test_optimise_staffing_command(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["optimise-staffing", "validation/mmc", "--require", "queued_share<=0.35",
                 "--replications", "2", "--out", str(out), *SMALL]) == 0
    optimal = pd.read_csv(next((out / "staffing").rglob("optimal.csv")))
    assert optimal["feasible"].all()
    assert "Designs at their optimal staffing" in capsys.readouterr().out
    assert main(["optimise-staffing", "validation/mmc", "--require", "nonsense"]) == 2


def test_sensitivity_command_rejects_a_sweep_without_indices(tmp_path):
    assert main(["sensitivity", "agents", "--out", str(tmp_path)]) == 2   # full factorial
    assert not (tmp_path / "sweeps").exists()                              # refused first
