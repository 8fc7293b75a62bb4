"""The results panels of the dashboard, drawn from a finished :class:`~sim.dashboard.runs.Job`.

Every table comes from the comparison the run returned (``sim.report.headline`` and
``differences`` format them exactly as the printed table and the HTML report do); every figure
is one of :mod:`sim.plots`, read back from the results folder the run wrote. Tables are
``st.table`` (plain HTML) so a reader, a screen reader or a browser test sees the numbers.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from .. import report
from .runs import Job

#: Figures in the order shown: (kind in sim.plots.FIGURES, tab title).
FIGURE_TABS = (
    ("pareto", "Cost against satisfaction"),
    ("waits", "Waiting times"),
    ("timeline", "Queues and backlog"),
    ("scorecard", "Scorecard by layer"),
    ("kpis", "KPIs with intervals"),
    ("costs", "Cost breakdown"),
)


def _rounded(frame: pd.DataFrame) -> pd.DataFrame:
    """Floats as four significant digits (``sim.report.fmt``), other columns as they are."""
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_float_dtype(out[column]):
            out[column] = out[column].map(report.fmt)
    return out


def _ranking(cmp: Any) -> None:
    """The ranking ``compare()`` returned, as the report writes it.

    With indifference zones (a ``kpi`` column: best, tied within delta, not separated, ...),
    the report's sentences and table; otherwise the per-design table on ``ranking_kpi``.
    """
    ranking = cmp.ranking
    metric = cmp.meta.get("ranking_kpi", "")
    sentences = getattr(report, "ranking_sentences", None)
    table = getattr(report, "ranking_table", None)
    if ranking is None or ranking.empty:
        st.subheader("Ranking")
        st.info("No ranking for this run. " + " ".join(
            n for n in cmp.notes if "rank" in n))
        return
    if "kpi" in ranking.columns and sentences is not None and table is not None:
        st.subheader("Ranking: best, tied within the indifference zone, or not separated")
        st.markdown("\n".join(f"- {line}" for line in sentences(cmp)))
        st.table(table(cmp))
        return
    st.subheader(f"Ranking on {metric}")
    st.table(_rounded(ranking).set_index(ranking.columns[0]))
    if "prob_best" in ranking:
        st.caption("rank 1 = best mean; prob_best = bootstrap probability of being best "
                   "over the paired replications.")


def _flags(cmp: Any) -> None:
    flagged = {d: f for d, f in cmp.flags.items() if f}
    for design, why in flagged.items():
        st.warning(f"**{design}** needs care: " + "; ".join(why))
    for note in cmp.notes:
        st.caption(note)


def show(job: Job) -> None:
    """Headline table, differences, ranking, Pareto set, figures and downloads of ``job``."""
    cmp = job.result
    conf = cmp.meta.get("confidence", 0.95)
    st.header("Results")
    st.markdown(f"**{job.label}**, seed {cmp.meta['seed']}, "
                f"{cmp.meta['wall_time_s']:.1f} s. Written to `{job.folder}`.")
    st.caption(f"This run: `{job.command}`")
    st.subheader(f"Headline KPIs (mean ± half-width of the {conf:.0%} interval)")
    st.table(report.headline(cmp).set_index("kpi"))
    diff = report.differences(cmp)
    if not diff.empty:
        st.subheader(f"Paired differences against {cmp.reference} (common random numbers)")
        st.table(diff.set_index("design"))
    _ranking(cmp)
    st.subheader("Non-dominated designs (Pareto set)")
    st.table(_rounded(cmp.pareto).set_index("design"))
    _flags(cmp)
    figures = job.figures()
    tabs = st.tabs([title for _, title in FIGURE_TABS])
    for tab, (kind, title) in zip(tabs, FIGURE_TABS, strict=True):
        with tab:
            if kind in figures:
                st.image(figures[kind], caption=title, width="stretch")
            else:
                st.info(f"No {title.lower()} figure for this run.")
    left, right = st.columns(2)
    stem = f"{job.folder.parent.name}-{job.folder.name}"
    left.download_button("Download the results folder (zip)", data=job.zip_bytes(),
                         file_name=f"{stem}.zip", mime="application/zip", key="download_zip")
    right.download_button("Download the HTML report", data=job.report_html(),
                          file_name=f"{stem}-report.html", mime="text/html",
                          key="download_html")
