"""Figures a person reads correctly (sim.plots, sim.figure_style)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PolyCollection

import sim
from sim import figure_style as style
from sim import plots
from sim.experiment.ranking import pareto_front
from sim.experiment.runner import compare

SHORT = {"demand.orders_per_day": 100, "run.warmup": "1d", "run.horizon": "6d",
         "run.drain": "20d",
         "demand.promotions": [{"name": "flash sale", "start": "2d", "length": "2d",
                                "multiplier": 2.0}]}


@pytest.fixture(scope="module")
def cmp():
    scenario = sim.load_scenario("baseline", SHORT)
    return compare(scenario, replications=2, designs=["self_built", "community"],
                   progress=False)


def test_bounded_kpis_get_an_axis_a_tenth_of_their_scale_wide_at_least():
    (lo, hi), log = style.honest_limits("csat_mean", np.array([4.00, 4.05]),
                                        np.array([4.02, 4.08]))
    assert not log and hi - lo == pytest.approx(0.4) and lo <= 4.0 and hi >= 4.08
    assert "1-5 scale" in style.axis_label("csat_mean", limits=(lo, hi))
    # Wide intervals are shown whole, inside the scale.
    (lo, hi), _ = style.honest_limits("csat_mean", np.array([1.5]), np.array([4.9]))
    assert 1.0 <= lo <= 1.5 and 4.9 <= hi <= 5.0
    # Shares are drawn in percent on [0, 100].
    assert style.display_factor("abandonment_rate") == 100.0
    (lo, hi), _ = style.honest_limits("abandonment_rate", np.array([0.5]), np.array([1.0]))
    assert lo == 0.0 and hi == pytest.approx(10.0)


def test_magnitudes_start_at_zero_or_go_on_a_log_axis():
    limits, log = style.honest_limits("cost_per_case", np.array([95.0, 100]),
                                      np.array([105.0, 110]))
    assert not log and limits[0] == 0.0
    means = np.array([0.3, 450.0])
    limits, log = style.honest_limits("first_response_mean_min", means - 0.4, means + 30,
                                      means)
    assert log and 0 < limits[0] < 0.3 and limits[1] > 480


def test_designs_get_labels_and_distinct_colours(cmp):
    assert style.design_label(cmp, "self_built") == "Self-built"
    assert style.design_label(cmp, "my_new_design") == "My new design"
    colours = style.design_colours([f"d{i}" for i in range(8)])
    assert len(set(colours.values())) == 8
    fig = plots.kpi_intervals(cmp)
    labels = {t.get_text() for ax in fig.axes for t in ax.get_yticklabels()}
    assert {"Self-built", "Community"} <= labels and "self_built" not in labels


def test_scenario_headline_kpis_are_drawn(cmp):
    fig = plots.kpi_intervals(cmp)
    xlabels = " ".join(ax.get_xlabel() for ax in fig.axes)
    for kpi in cmp.scenario.report.headline:
        assert kpi in xlabels


def test_cost_groups_are_at_most_eight_and_keep_the_total():
    costs = pd.DataFrame({"design": ["a"] * 12, "component": [f"c{i}" for i in range(12)],
                          "kind": "fixed", "amount": np.arange(1.0, 13.0)})
    table = plots.cost_groups(costs, ["a"])
    assert table.shape[1] == plots.MAX_COST_GROUPS and "other" in table
    assert table.sum(axis=1).iloc[0] == pytest.approx(costs["amount"].sum())
    assert list(table.columns[:3]) == ["c11", "c10", "c9"]  # largest first


def test_pareto_panels_mark_the_front_of_exactly_the_two_objectives_drawn(cmp):
    fig = plots.cost_vs_satisfaction(cmp)
    drawn = [ax for ax in fig.axes if ax.get_xlabel()]
    assert len(drawn) >= 2
    means = cmp.runs.groupby("design")[["cost_per_case", "csat_mean"]].mean()
    front = pareto_front(means, {"cost_per_case": "min", "csat_mean": "max"})
    ax = next(a for a in drawn if a.get_ylabel().startswith("csat_mean"))
    filled = {}
    for container in ax.containers:
        line = container.lines[0]
        filled[container.get_label()] = line.get_markerfacecolor() != "white"
    for d in cmp.designs:
        assert filled[style.design_label(cmp, d)] == bool(front[d])
    assert fig.legends and not any(a.get_legend() for a in fig.axes)  # legend off the data


def test_timeline_draws_the_mean_of_every_replication_with_a_band_and_shades_windows(cmp):
    fig = plots.timeline(cmp)
    top = fig.axes[0]
    line = next(ln for ln in top.get_lines() if ln.get_label() == "Self-built")
    frame = cmp.timelines["self_built"]
    expected = frame.groupby("time_h")["open_cases"].mean().to_numpy()
    np.testing.assert_allclose(line.get_ydata(), expected)
    assert frame["replication"].nunique() == 2
    bands = [c for c in top.collections if isinstance(c, PolyCollection)]
    assert len(bands) >= 2  # one band per design
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "promotion: flash sale" in labels and "warm-up (not in KPIs)" in labels
    assert any(lab.startswith("after promotion") for lab in labels)


def test_waits_go_on_a_log_axis_when_they_span_orders_of_magnitude(cmp):
    fig = plots.wait_distributions(cmp)
    assert fig.axes[0].get_xscale() == "log"  # community forum hours beside staffed seconds
