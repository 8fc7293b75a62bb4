"""The formatted tables of the written report (:mod:`sim.report`) and the dashboard.

Every number goes through :func:`fmt` (four significant digits) or, for shares, :func:`pct`
(a percentage; differences of shares in percentage points), so the printed table, the report
and the CSV files agree and nobody reads 0.0712 as a count. Every mean is given with its
half-width and every table with its unit.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

SHARE_UNITS = ("share", "probability")


def fmt(x: float) -> str:
    """Four significant digits (the precision used everywhere in printed tables)."""
    if x is None or pd.isna(x):
        return "n/a"
    if x in (float("inf"), float("-inf")):
        return "inf"
    return f"{x:.4g}"


def pct(x: float) -> str:
    """A share as a percentage with four significant digits (``0.0712`` -> ``7.12%``)."""
    if x is None or pd.isna(x) or x in (float("inf"), float("-inf")):
        return fmt(x)
    return f"{100 * x:.4g}%"


def _unit(unit: str, currency: str) -> str:
    return currency if unit in ("currency", "money") else unit


def _registered_unit(kpi: str) -> str:
    from .outcomes.kpis import REGISTRY

    return getattr(REGISTRY.get(kpi), "unit", "") or ""


def shown_unit(unit: str, currency: str) -> str:
    """The unit as printed: the currency for money, ``%`` for shares."""
    return "%" if unit in SHARE_UNITS else _unit(unit, currency)


def value(mean: float, half: float, unit: str) -> str:
    """``"mean ± half-width"`` in the unit's format (shares: ``"7.12% ± 0.3%"``)."""
    f = pct if unit in SHARE_UNITS else fmt
    if not math.isfinite(half):  # one replication: no interval to give
        return f"{f(mean)} (no interval: 1 replication)"
    return f"{f(mean)} ± {f(half)}"


def headline(cmp: Any, kpis: list[str] | None = None) -> pd.DataFrame:
    """Headline KPIs (rows) by design (columns): ``"mean ± half-width"`` strings.

    The columns ``kpi`` and ``unit`` come first; the last row, ``n``, gives the replications.
    Shares are percentages (unit ``%``).
    """
    kpis = kpis or cmp.headline_kpis()
    s = cmp.summary.set_index(["design", "kpi"])
    currency = cmp.meta.get("currency", "")
    rows = []
    for kpi in kpis:
        unit = str(s.loc[(cmp.designs[0], kpi), "unit"] or "")
        row = {"kpi": kpi, "unit": shown_unit(unit, currency)}
        for d in cmp.designs:
            row[d] = value(s.loc[(d, kpi), "mean"], s.loc[(d, kpi), "half_width"], unit)
        rows.append(row)
    n_row = {"kpi": "n", "unit": "replications"}
    for d in cmp.designs:
        n_row[d] = str(int(cmp.runs.loc[cmp.runs["design"] == d, "replication"].nunique()))
    rows.append(n_row)
    return pd.DataFrame(rows, columns=["kpi", "unit", *cmp.designs])


def differences(cmp: Any, kpis: list[str] | None = None) -> pd.DataFrame:
    """Paired differences against the reference on the headline KPIs, formatted.

    Differences of shares are in percentage points (``pp``).
    """
    kpis = kpis or cmp.headline_kpis()
    diff = cmp.differences
    if diff.empty:
        return pd.DataFrame(columns=["design", "kpi", "difference", "interval", "significant"])
    order = {k: i for i, k in enumerate(kpis)}
    diff = diff[diff["kpi"].isin(kpis)]
    diff = diff.iloc[diff["kpi"].map(order).argsort(kind="stable")]
    currency = cmp.meta.get("currency", "")
    share = diff["unit"].isin(SHARE_UNITS).to_numpy()
    k = np.where(share, 100.0, 1.0)

    def show(x: pd.Series) -> list[str]:
        return [fmt(v) for v in x.to_numpy(dtype=float) * k]

    units = ["pp" if sh else _unit(u, currency) for u, sh in zip(diff["unit"], share,
                                                                   strict=True)]
    lows, highs = show(diff["lower"]), show(diff["upper"])
    return pd.DataFrame({
        "design": diff["design"],
        "kpi": [f"{kp} ({u})" if u else kp for kp, u in zip(diff["kpi"], units, strict=True)],
        "difference": show(diff["mean_diff"]),
        "interval": [f"[{lo}, {hi}]" for lo, hi in zip(lows, highs, strict=True)],
        "n": diff["n"].astype(int).astype(str),
        "significant": diff["significant"].map({True: "yes", False: "no"}),
    }).reset_index(drop=True)


def period_table(cmp: Any, kpis: list[str] | None = None) -> pd.DataFrame:
    """Case KPIs per period (rows: period × KPI) by design: ``"mean ± half-width"`` strings.

    The KPIs are the headline KPIs that are computed per period, then ``cases_per_day``;
    empty when the scenario has no promotion or disruption window in its measured window.
    """
    from .outcomes.periods import PERIOD_KPIS, RATE

    ps = getattr(cmp, "period_summary", None)
    if ps is None or ps.empty:
        return pd.DataFrame(columns=["period", "kpi", "unit", *cmp.designs])
    heads = kpis or cmp.headline_kpis()
    wanted = [k for k in heads if k in PERIOD_KPIS] + [RATE]
    s = ps.set_index(["design", "period", "kpi"])
    currency = cmp.meta.get("currency", "")
    rows = []
    for period in pd.unique(ps["period"]):
        for kpi in wanted:
            if (cmp.designs[0], period, kpi) not in s.index:
                continue
            unit = str(s.loc[(cmp.designs[0], period, kpi), "unit"] or "")
            row = {"period": period, "kpi": kpi, "unit": shown_unit(unit, currency)}
            for d in cmp.designs:
                r = s.loc[(d, period, kpi)]
                row[d] = value(r["mean"], r["half_width"], unit)
            rows.append(row)
    return pd.DataFrame(rows, columns=["period", "kpi", "unit", *cmp.designs])


def ranking_sentences(cmp: Any) -> list[str]:
    """One plain statement per ranked KPI (best, tied within delta, or not separated)."""
    ranking = cmp.ranking
    if ranking.empty or "kpi" not in ranking:
        return []
    from .experiment.selection import ranking_sentence

    out = []
    for kpi in pd.unique(ranking["kpi"]):
        unit = _registered_unit(kpi)
        unit = cmp.meta["currency"] if unit == "currency" else unit
        unit = {"0-100": "points", "share": "", "1-5": ""}.get(unit, unit)
        out.append(ranking_sentence(ranking, kpi, unit))
    return out


def ranking_table(cmp: Any) -> pd.DataFrame:
    """The ranking table formatted for a report: one row per KPI and design."""
    r = cmp.ranking

    def share(p: float) -> str:
        return "n/a" if pd.isna(p) else f"{p:.0%}"

    return pd.DataFrame({
        "kpi": r["kpi"], "design": r["design"], "rank": r["rank"], "status": r["status"],
        "mean": r["mean"].map(fmt), "behind best": [
            "" if pd.isna(lo) else f"{fmt(g)} [{fmt(lo)}, {fmt(hi)}]"
            for g, lo, hi in zip(r["gap"], r["gap_lower"], r["gap_upper"], strict=True)],
        "delta": r["delta"].map(fmt), "P(best)": r["prob_best"].map(share),
        "P(within delta)": r["prob_within_delta"].map(share),
        "replications needed": r["replications_needed"].map(
            lambda n: "" if pd.isna(n) else f"{int(n)}")})


def value_view(cmp: Any) -> pd.DataFrame:
    """The weighted value per case, only when the scenario prices a scorecard point.

    ``value = cost_per_case - report.price_of_a_point x score_total`` per replication (lower
    is better), then its mean and t-interval per design, best first. Empty when
    ``price_of_a_point`` is not set or either KPI was not measured.
    """
    from .experiment.stats import t_interval

    price = getattr(getattr(cmp.scenario, "report", None), "price_of_a_point", None)
    runs = cmp.runs
    if price is None or not {"cost_per_case", "score_total"} <= set(runs.columns):
        return pd.DataFrame(columns=["design", "value", "interval", "n"])
    per_run = runs["cost_per_case"] - price * runs["score_total"]
    rows = []
    for d in cmp.designs:
        ci = t_interval(per_run[runs["design"] == d].to_numpy(dtype=float),
                        cmp.meta.get("confidence", 0.95))
        rows.append((d, ci.mean, ci.lower, ci.upper, ci.n))
    frame = pd.DataFrame(rows, columns=["design", "mean", "lower", "upper", "n"])
    frame = frame.sort_values("mean", kind="stable", na_position="last")
    currency = cmp.meta.get("currency", "")
    return pd.DataFrame({
        "design": frame["design"],
        f"value ({currency} per case)": frame["mean"].map(fmt),
        "interval": [f"[{fmt(lo)}, {fmt(hi)}]" for lo, hi in zip(frame["lower"],
                                                                  frame["upper"], strict=True)],
        "n": frame["n"].astype(str)}).reset_index(drop=True)


def front_of(cmp: Any, x: str, y: str) -> pd.Series:
    """Designs non-dominated on exactly the two objectives ``x`` and ``y`` (bool by design).

    Reads ``Comparison.pareto_pairs`` where it has the pair, else computes the front of the
    two objectives' means (directions from the KPI registry). Designs with a NaN mean on
    either objective are left out (False).
    """
    from .experiment.ranking import pareto_front
    from .experiment.runner import direction

    pairs = getattr(cmp, "pareto_pairs", None)
    if isinstance(pairs, pd.DataFrame) and not pairs.empty:
        sub = pairs[(pairs["x"] == x) & (pairs["y"] == y)]
        if len(sub):
            return (sub.set_index("design")["pareto"].reindex(cmp.designs)
                    .fillna(False).astype(bool))
    means = cmp.runs.groupby("design", sort=False)[[x, y]].mean().reindex(cmp.designs)
    ok = means.notna().all(axis=1)
    out = pd.Series(False, index=cmp.designs, name="pareto")
    if ok.any():
        out[ok] = pareto_front(means[ok], {x: direction(x), y: direction(y)}).to_numpy()
    return out


def tradeoffs(cmp: Any) -> list[str]:
    """One line per pair of cost and a quality objective: the designs non-dominated on it."""
    measured = set(cmp.summary.loc[cmp.summary["n"] > 0, "kpi"])
    if "cost_per_case" not in measured:
        return []
    out = []
    for y in ("score_total", "csat_mean"):
        if y in measured:
            front = front_of(cmp, "cost_per_case", y)
            out.append(f"cost_per_case and {y}: " + ", ".join(front.index[front]))
    return out
