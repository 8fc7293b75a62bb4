"""The ranking with indifference zones: tied designs say so, a clear winner earns its odds."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

import sim
from sim.config import ScenarioError
from sim.experiment.selection import STATUSES, ranking_sentence, select_best

DELTA = 1.0


def runs_of(means: dict[str, float], n: int = 12, noise: float = 0.3, seed: int = 5):
    """Replications with a large common (CRN) component and small design-specific noise."""
    rng = np.random.default_rng(seed)
    common = rng.normal(0.0, 3.0, n)
    rows = []
    for design, mu in means.items():
        own = rng.normal(0.0, noise, n)
        rows += [{"design": design, "replication": r, "score": mu + common[r] + own[r]}
                 for r in range(n)]
    return pd.DataFrame(rows)


def test_identical_designs_are_tied_never_100_against_0():
    runs = runs_of({"a": 80.0})
    twin = runs.assign(design="a_twin")
    table = select_best(pd.concat([runs, twin]), "score", "max", DELTA, seed=1)
    assert set(table["status"]) == {"tied for best"}
    assert table["prob_best"].tolist() == pytest.approx([0.5, 0.5])
    assert table["prob_within_delta"].tolist() == pytest.approx([1.0, 1.0])
    assert "tied within delta = 1" in ranking_sentence(table, "score")


def test_a_design_far_ahead_is_best_with_the_probability_it_earns():
    table = select_best(runs_of({"low": 80.0, "high": 90.0, "mid": 84.0}), "score", "max",
                        DELTA, seed=1)
    assert list(table["design"]) == ["high", "mid", "low"]
    assert list(table["status"]) == ["best", "worse by more than delta",
                                      "worse by more than delta"]
    assert table["prob_best"].iloc[0] == pytest.approx(1.0)
    # The gap interval covers the true gap of 6 points.
    mid = table.iloc[1]
    assert mid["gap_lower"] < 6.0 < mid["gap_upper"]
    assert ranking_sentence(table, "score").startswith("high is best on score")


def test_direction_min_ranks_the_lowest_first():
    table = select_best(runs_of({"cheap": 30.0, "dear": 40.0}), "score", "min", DELTA, seed=1)
    assert table["design"].iloc[0] == "cheap" and table["status"].iloc[0] == "best"
    assert table["gap"].iloc[1] == pytest.approx(10.0, abs=0.5)


def test_a_gap_the_noise_cannot_resolve_asks_for_more_replications():
    # True gap 1.2 points with delta 1 and noisy pairs: 3 replications cannot tell.
    runs = runs_of({"a": 81.2, "b": 80.0}, n=3, noise=2.0)
    table = select_best(runs, "score", "max", DELTA, seed=1)
    assert set(table["status"]) == {"not separated"}
    needed = table["replications_needed"].dropna()
    assert len(needed) == 2 and (needed > 3).all()
    assert "replications per design would separate them" in ranking_sentence(table, "score")
    # With many replications the same designs are separated (b behind or tied).
    more = select_best(runs_of({"a": 81.2, "b": 80.0}, n=400, noise=2.0), "score", "max",
                       DELTA, seed=1)
    assert more["status"].iloc[1] != "not separated"


@pytest.mark.parametrize("gap", [0.0, 0.5, 2.0])
def test_statuses_are_from_the_documented_set(gap):
    table = select_best(runs_of({"a": 80.0 + gap, "b": 80.0}), "score", "max", DELTA, seed=2)
    assert set(table["status"]) <= set(STATUSES)
    assert table["rank"].iloc[0] == 1


def test_bad_arguments_are_refused():
    runs = runs_of({"a": 1.0, "b": 2.0})
    with pytest.raises(ValueError, match="better"):
        select_best(runs, "score", "up", DELTA, seed=1)
    with pytest.raises(ValueError, match="delta"):
        select_best(runs, "score", "max", -1.0, seed=1)


def _twin_scenario():
    # The textbook queue and an exact copy of it under another name.
    scenario = sim.load_scenario("validation/mmc", overrides={"run.horizon": "60h",
                                                              "run.warmup": "5h"})
    twin = dict(scenario.designs)
    twin["textbook_copy"] = dataclasses.replace(twin["textbook"], name="textbook_copy")
    return dataclasses.replace(scenario, designs=twin)


def test_two_identical_designs_under_different_names_come_out_tied():
    result = sim.compare(_twin_scenario(), replications=4, progress=False)
    ranked = result.ranking[result.ranking["kpi"] == result.meta["ranking_kpi"]]
    assert len(ranked) == 2
    assert set(ranked["status"]) == {"tied for best"}
    assert ranked["prob_within_delta"].tolist() == pytest.approx([1.0, 1.0])


def test_an_unknown_kpi_in_the_indifference_zones_is_a_scenario_error():
    scenario = sim.load_scenario("validation/mmc", overrides={
        "run.horizon": "20h", "run.warmup": "1h", "run.indifference.cost_per_kase": 1.0})
    with pytest.raises(ScenarioError, match=r"run\.indifference\.cost_per_kase.*cost_per_case"):
        sim.compare(scenario, replications=2, progress=False)
