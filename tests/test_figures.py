"""Figures and a report a person reads correctly (sim.plots, sim.figure_style, sim.report)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PolyCollection

import sim
from sim import figure_style as style
from sim import plots, report
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
    # Two replications are too few for a t-interval band (t = 12.7): the band is their range.
    assert "range of the replications" in fig.get_suptitle()
    lowest = frame.groupby("time_h")["open_cases"].min().to_numpy()
    edge = bands[0].get_paths()[0].vertices[:, 1]
    assert np.isclose(edge.min(), max(lowest.min(), 0.0))
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "promotion: flash sale (orders x2)" in labels and "warm-up (not in KPIs)" in labels
    assert any(lab.startswith("after promotion") for lab in labels)


def test_waits_go_on_a_log_axis_when_they_span_orders_of_magnitude(cmp):
    fig = plots.wait_distributions(cmp)
    assert fig.axes[0].get_xscale() == "log"  # community forum hours beside staffed seconds


# --- the written report ------------------------------------------------------------------------
def test_html_report_renders_flags_figures_code_and_percentages(cmp):
    images = {"kpis": plots.to_png(plots.kpi_intervals(cmp), dpi=30)}
    page = report.html(cmp, images)
    assert "<ul></ul>" not in page and "`" not in page
    assert "<code>docs/sources.md</code>" in page
    if not any(cmp.flags.values()):
        assert "<h2>Flags</h2><p>None.</p>" in page
    assert "<h2>Figures</h2>" in page and "<figcaption><b>kpis</b>: " in page
    assert "95% confidence interval" in page
    md = report.markdown(cmp, list(images))
    assert "## Figures" in md and "*Headline KPIs by design: mean and 95%" in md


def test_shares_are_printed_as_percentages_that_match_the_summary(cmp):
    table = report.headline(cmp).set_index("kpi")
    row = table.loc["abandonment_rate"]
    assert row["unit"] == "%"
    s = cmp.summary.set_index(["design", "kpi"])
    for d in cmp.designs:
        mean, half = row[d].split(" ± ")
        assert mean.endswith("%") and half.endswith("%")
        assert float(mean[:-1]) == pytest.approx(100 * s.loc[(d, "abandonment_rate"), "mean"],
                                                 rel=1e-3, abs=1e-9)
    diff = report.differences(cmp)
    assert diff["kpi"].str.contains(r"abandonment_rate \(pp\)").any()


def test_report_shows_the_periods_and_the_two_axes_of_cost_and_quality(cmp):
    md = report.markdown(cmp)
    assert "## KPIs by period" in md and "after promotion" in md and "cases_per_day" in md
    assert "## Cost beside quality" in md and "Non-dominated on cost_per_case and csat_mean" in md
    assert "Value view" not in md  # no price of a point: cost and score stay two axes


def test_value_view_only_when_the_scenario_prices_a_point(cmp):
    import dataclasses

    priced = dataclasses.replace(cmp, scenario=dataclasses.replace(
        cmp.scenario, report=dataclasses.replace(cmp.scenario.report, price_of_a_point=2.0)))
    table = report.value_view(priced)
    runs = cmp.runs.assign(v=cmp.runs["cost_per_case"] - 2.0 * cmp.runs["score_total"])
    expected = runs.groupby("design")["v"].mean().sort_values()
    assert list(table["design"]) == list(expected.index)
    column = next(c for c in table.columns if c.startswith("value"))
    for d, v in expected.items():
        got = table.loc[table["design"] == d, column].iloc[0]
        assert float(got) == pytest.approx(v, rel=1e-3)
    assert "### Value view" in report.markdown(priced)
    assert report.value_view(cmp).empty


def test_one_replication_draws_means_without_intervals_and_says_so():
    # One replication has no interval (an infinite half-width): the figures draw the means
    # alone and the tables say why, instead of failing on infinite axis limits.
    scenario = sim.load_scenario("validation/mmc", {"run.horizon": "20h", "run.warmup": "1h"})
    single = compare(scenario, replications=1, progress=False)
    images = plots.render_all(single)
    assert images and all(png.startswith(b"\x89PNG") for png in images.values())
    assert "no interval: 1 replication" in report.markdown(single)
