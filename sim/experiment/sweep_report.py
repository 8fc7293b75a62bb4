"""What a person reads of a sweep: a printed table with units, figures and a report.

Figures (``figures/`` of the sweep folder): one response figure per kept KPI — the KPI's mean
and 95% interval against each factor, one line or cloud per design — so a user sees which
assumption moves the answer and where designs swap. ``report.md`` states the question, the
factors with their units, the method, the replications and seed, the headline table and the
figures.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd

from .store import write_text

HEADLINE = ("cost_per_case", "csat_mean", "first_response_mean_min", "resolution_time_mean_h",
            "refund_time_mean_h", "repair_turnaround_mean_h", "abandonment_rate",
            "statutory_compliance", "score_total")
_MAX_PRINTED = 24


def unit_label(kpi: str, currency: str = "") -> str:
    """``kpi [unit]`` with the scenario's currency for money."""
    from ..outcomes.kpis import REGISTRY

    unit = getattr(REGISTRY.get(kpi), "unit", "")
    unit = currency if unit == "currency" and currency else unit
    return f"{kpi} [{unit}]" if unit else kpi


def factor_label(factor) -> str:
    """A factor's short name (last two key parts) with its unit."""
    short = ".".join(factor.key.split(".")[-2:])
    return f"{short} [{factor.unit}]" if factor.unit and factor.unit != "level" else short


def headline(result, limit: int = 4) -> list[str]:
    """The KPIs to show first: the sweep's outputs, else the usual headline ones it has."""
    kpis = result.kpis
    chosen = [k for k in result.spec.outputs if k in kpis] or [k for k in HEADLINE if k in kpis]
    return chosen[:limit] or kpis[:limit]


def summary_table(result, kpis: list[str] | None = None) -> pd.DataFrame:
    """Per point and design: each KPI as ``mean ± half-width``, units in the column names."""
    kpis = kpis or headline(result)
    summary = result.summary(kpis)
    summary["value"] = [f"{m:.4g} ± {h:.2g}" if np.isfinite(h) else f"{m:.4g}"
                        for m, h in zip(summary["mean"], summary["half_width"], strict=True)]
    currency = result.meta.get("currency", "")
    summary["kpi"] = summary["kpi"].map(lambda k: unit_label(k, currency))
    index = ["point", *result.spec.keys, "design"]
    wide = summary.pivot_table(index=index, columns="kpi", values="value", aggfunc="first",
                               sort=False)
    wide.columns.name = None
    wide = wide.reset_index().drop(columns="point")
    return wide.rename(columns={f.key: factor_label(f) for f in result.spec.factors})


def print_summary(result) -> None:
    """Print the sweep's headline table and where its files are."""
    table = summary_table(result)
    spec = result.spec
    print(f"Sweep {spec.name}: {spec.method}, {len(spec.factors)} factor(s), "
          f"{result.points.shape[0]} point(s) x {len(result.designs)} design(s) x "
          f"{result.replications} replication(s), seed {result.seed}; 95% intervals")
    if spec.description:
        print(spec.description)
    with pd.option_context("display.width", 250, "display.max_columns", 30,
                           "display.max_colwidth", 40):
        print(table.head(_MAX_PRINTED).to_string(index=False))
    if len(table) > _MAX_PRINTED:
        print(f"... {len(table) - _MAX_PRINTED} more rows in summary.csv")
    if result.folder is not None:
        print(f"\nResults: {result.folder} (summary.csv, runs.csv, runs_long.csv, points.csv"
              + (", report.md, figures/" if (result.folder / "report.md").exists() else "")
              + "); finished runs are kept in parts/, so running the sweep again resumes")


def response_figure(result, kpi: str):
    """Mean and 95% interval of ``kpi`` against each factor, per design."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    summary = result.summary([kpi])
    factors = list(result.spec.factors)
    fig, axes = plt.subplots(1, len(factors), figsize=(4.2 * len(factors), 3.4), squeeze=False)
    for ax, factor in zip(axes[0], factors, strict=True):
        for design, rows in summary.groupby("design", sort=False):
            x = rows[factor.key]
            numeric = pd.api.types.is_numeric_dtype(x)
            if not numeric:
                cats = list(dict.fromkeys(factor.levels))
                x = x.map({c: i for i, c in enumerate(cats)})
                ax.set_xticks(range(len(cats)), [str(c) for c in cats])
            grouped = (pd.DataFrame({"x": x, "mean": rows["mean"], "hw": rows["half_width"]})
                       .groupby("x").agg(mean=("mean", "mean"), hw=("hw", "mean"),
                                         n=("mean", "size")).reset_index())
            if result.spec.method == "full_factorial" or not numeric:
                ax.errorbar(grouped["x"], grouped["mean"], yerr=grouped["hw"].fillna(0),
                            marker="o", capsize=3, label=design)
            else:
                ax.errorbar(x, rows["mean"], yerr=rows["half_width"].fillna(0), fmt="o",
                            alpha=0.6, capsize=2, label=design)
        ax.set_xlabel(factor_label(factor))
        ax.set_ylabel(unit_label(kpi, result.meta.get("currency", "")))
        ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=8)
    fig.suptitle(f"{kpi}: mean and 95% interval per point", fontsize=10)
    fig.tight_layout()
    return fig


def png(fig) -> bytes:
    """A figure as PNG bytes (and closed)."""
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    plt.close(fig)
    return buffer.getvalue()


def write_outputs(result) -> list[Path]:
    """Write response figures and ``report.md`` into the sweep folder."""
    folder = result.folder
    figures = folder / "figures"
    figures.mkdir(exist_ok=True)
    written = []
    for kpi in headline(result):
        path = figures / f"response_{kpi}.png"
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_bytes(png(response_figure(result, kpi)))
        tmp.replace(path)
        written.append(path)
    write_text(folder / "report.md", report(result, [p.name for p in written]))
    return written


def report(result, figures: list[str]) -> str:
    """The sweep's report in Markdown."""
    spec = result.spec
    own = "(the key's own)"
    factors = "\n".join(f"| `{f.key}` | {f.kind} | {f.unit or own} | "
                        f"{f.describe()} |" for f in spec.factors)
    lines = [f"# Sweep `{spec.name}`", "", spec.description or "", "",
             f"Scenario `{spec.scenario}`, method **{spec.method}**, "
             f"{result.points.shape[0]} points x {len(result.designs)} designs "
             f"({', '.join(result.designs)}) x {result.replications} replications "
             f"(common random numbers), seed {result.seed}.", "",
             "| factor | kind | unit | values |", "|---|---|---|---|", factors, "",
             "## Headline KPIs (mean ± 95% half-width)", "",
             summary_table(result).to_markdown(index=False) if _has_tabulate()
             else "```\n" + summary_table(result).to_string(index=False) + "\n```", ""]
    if spec.set:
        lines[5:5] = ["Fixed at every point: " + ", ".join(f"`{k}` = {v!r}"
                                                          for k, v in spec.set.items()), ""]
    lines += ["## Figures", ""] + [f"![{name}](figures/{name})" for name in figures]
    return "\n".join(lines) + "\n"


def _has_tabulate() -> bool:
    try:
        import tabulate  # noqa: F401
    except ImportError:
        return False
    return True
