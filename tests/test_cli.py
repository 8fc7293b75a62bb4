"""The aftersales command line (sim.cli)."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from sim.cli import main
from sim.experiment import store

SMALL = ["--set", "run.horizon=\"40h\"", "--set", "run.drain=\"100h\"",
         "--set", "run.warmup=\"2h\""]


def test_validate_prints_one_line_per_problem_and_exits_2(capsys):
    code = main(["validate", "validation/mmc", "--set", "run.replications=0",
                 "--set", "run.kind=\"bogus\"", "--set", "run.horizonn=\"3h\""])
    out, err = capsys.readouterr()
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 3
    assert all(line.startswith("error: ") for line in lines)
    joined = "\n".join(lines)
    assert "run.replications" in joined and "run.kind" in joined and "horizon" in joined
    assert "Traceback" not in out + err


def test_validate_error_has_no_traceback_in_a_real_process():
    proc = subprocess.run([sys.executable, "-m", "sim.cli", "validate", "no_such_scenario"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("error: scenario: 'no_such_scenario'")


def test_validate_prints_the_resolved_scenario(capsys):
    assert main(["validate", "validation/mmc"]) == 0
    out = capsys.readouterr().out
    assert "[designs.textbook.contact]" in out and 'horizon = "300h"' in out


def test_scenarios_lists_the_bundled_ones(capsys):
    assert main(["scenarios"]) == 0
    out = capsys.readouterr().out
    assert any(line.startswith("validation/mmc ") for line in out.splitlines())


def test_kpis_prints_the_glossary(capsys):
    from sim.outcomes.kpis import REGISTRY

    assert main(["kpis"]) == 0
    out = capsys.readouterr().out
    assert len(out.strip().splitlines()) == len(REGISTRY)


def test_run_writes_results_and_prints_the_summary(tmp_path, capsys):
    code = main(["run", "validation/mmc", "--replications", "2", *SMALL, "--out",
                 str(tmp_path), "--no-figures"])
    out = capsys.readouterr().out
    assert code == 0
    folders = [p for p in (tmp_path / "textbook_contact_centre").iterdir()]
    assert len(folders) == 1 and store.is_complete(folders[0])
    assert f"Results: {folders[0]}" in out
    summary = pd.read_csv(folders[0] / "summary.csv")
    assert set(summary.loc[summary["kpi"] == "cases", "n"]) == {2}
    assert "n " in out and "Non-dominated designs" in out


def test_run_with_an_unknown_design_exits_2(tmp_path, capsys):
    code = main(["run", "validation/mmc", "--designs", "textbok", "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2 and "did you mean 'textbook'" in err
    assert not list(tmp_path.iterdir())


def test_unknown_command_is_an_argparse_error():
    with pytest.raises(SystemExit) as exc:
        main(["frobnicate"])
    assert exc.value.code == 2


def test_sweep_writes_a_summary_and_resumes(tmp_path, capsys):
    sweep_file = tmp_path / "agents.toml"
    sweep_file.write_text('scenario = "validation/mmc"\nreplications = 2\nseed = 4\n'
                          '[set]\n"run.horizon" = "30h"\n"run.warmup" = "2h"\n'
                          '[factors]\n'
                          '"designs.textbook.contact.groups.agents.agents" = [3, 4]\n',
                          encoding="utf-8")
    out = tmp_path / "out"
    assert main(["sweep", str(sweep_file), "--out", str(out)]) == 0
    first = capsys.readouterr().out
    summary = pd.read_csv(out / "summary.csv")
    waits = summary[summary["kpi"] == "first_response_mean_min"].set_index(
        "designs.textbook.contact.groups.agents.agents")["mean"]
    assert waits[4] < waits[3]                     # one more agent, shorter waits
    assert set(summary.loc[summary["kpi"] == "first_response_mean_min", "n"]) == {2}
    parts = sorted(p.name for p in (out / "parts").glob("part-*"))
    assert len(parts) == 2                         # 2 points x (1 design x 2 replications)
    assert main(["sweep", str(sweep_file), "--out", str(out)]) == 0   # resumes: nothing new
    assert sorted(p.name for p in (out / "parts").glob("part-*")) == parts
    assert capsys.readouterr().out == first
