"""The results folder of ``aftersales optimise-staffing``: candidates, optimum, worst hours.

A new ``results/staffing/<scenario>/<timestamp>/`` written atomically (``COMPLETE`` last):
``optimal.csv`` (each design at its cheapest staffing meeting the targets, with the
confidence and, when it is NaN, why), ``candidates_<design>.csv`` (every staffing simulated),
for per-hour targets ``hours_<design>.csv`` (every hour of the week at the chosen staffing:
contacts, share answered in time, judged, met on the point estimate, the standard error and
95% interval between replications, P(meets) and the status met / missed / too close to call,
with a figure), a staffing curve per design and ``report.md``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd

from .store import atomic_folder, manifest, new_folder, write_table, write_text
from .sweep_report import png, unit_label

CONFIDENCE = ("`confidence` is how sure the runs make us that the staffing truly meets every "
              "target: the share of replications meeting every run-mean target, times, for "
              "each per-hour target, the product over its judged hours of P(hour meets), the "
              "Student-t probability (R-1 degrees of freedom) that the hour's share is at "
              "least the target given its pooled share and its standard error between "
              "replications, hours taken as independent (NaN, with the reason, from one "
              "replication).")
#: Colours of an hour's status in the figure.
STATUS_COLOURS = {"met": "tab:blue", "missed": "tab:red", "too close to call": "tab:orange",
                  "no interval (1 replication)": "tab:grey"}


def _fmt(v: float) -> str:
    return f"{v:.4g}"


def staffing_figure(result):
    """Cost and each target against the head count of the first key (a staffing curve)."""
    import matplotlib.pyplot as plt

    key = result.keys[0]
    table = result.candidates.sort_values(key)
    n = 1 + len(result.requirements)
    fig, axes = plt.subplots(1, n, figsize=(4.0 * n, 3.4), squeeze=False)
    axes[0][0].plot(table[key], table["cost"], marker="o")
    axes[0][0].set_ylabel(unit_label(result.meta.get("cost_kpi", "total_cost")))
    for ax, req in zip(axes[0][1:], result.requirements, strict=True):
        ax.plot(table[key], table[str(req)], marker="o")
        ax.axhline(req.value, color="tab:red", lw=1, label=f"target {req}")
        ax.set_ylabel("worst judged hour [share]" if getattr(req, "per_hour", False)
                      else unit_label(req.kpi) if req.hourly is None else "share")
        ax.legend(fontsize=8)
    for ax in axes[0]:
        ax.set_xlabel(".".join(key.split(".")[-2:]) + " (head count)")
        ax.grid(alpha=0.3)
    fig.suptitle(f"Staffing of {result.design}: candidates evaluated by simulation", fontsize=10)
    fig.tight_layout()
    return fig


def hours_figure(result):
    """Share answered in time per hour of the week at the chosen staffing, per per-hour
    target: judged hours as bars coloured by status (met, missed, too close to call) with
    their 95% intervals, unjudged hours as grey marks."""
    import matplotlib.pyplot as plt
    import numpy as np

    n = len(result.hours)
    fig, axes = plt.subplots(n, 1, figsize=(10.0, 2.8 * n), squeeze=False)
    for ax, (target, table) in zip(axes[:, 0], result.hours.items(), strict=True):
        req = next(q for q in result.requirements if str(q) == target)
        judged = table["judged"].to_numpy()
        share = table["share"].to_numpy(dtype=float)
        status = table["status"].to_numpy()
        hours = table["hour_of_week"].to_numpy()
        for name, colour in STATUS_COLOURS.items():
            pick = judged & (status == name)
            if pick.any():
                ax.bar(hours[pick], share[pick], width=0.9, color=colour, label=name)
        err = np.vstack([share - table["low"].to_numpy(dtype=float),
                         table["high"].to_numpy(dtype=float) - share])
        if np.isfinite(err[:, judged]).any():
            ax.errorbar(hours[judged], share[judged], yerr=err[:, judged], fmt="none",
                        ecolor="black", elinewidth=0.6, capsize=0, label="95% interval")
        few = ~judged & (table["contacts"].to_numpy() > 0)
        ax.plot(hours[few], share[few], "o", color="grey", ms=3,
                label="not judged (too few contacts)")
        ax.axhline(req.value, color="black", lw=0.8, label=f"target {req.value:g}")
        ax.set_xticks(range(0, 169, 24), ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun", ""])
        ax.set_xlim(-1, 168)
        ax.set_ylim(0, 1.02)
        ax.set_ylabel("answered in time [share]")
        ax.set_title(target, fontsize=9)
        ax.legend(fontsize=7, loc="lower right")
    fig.suptitle(f"{result.design}: service level per hour of the week", fontsize=10)
    fig.tight_layout()
    return fig


def optimal_table(results) -> pd.DataFrame:
    """One row per design at its chosen staffing."""
    rows = []
    for r in results:
        chosen = r.candidates[r.candidates["chosen"]]
        rows.append({"design": r.design, "feasible": r.best is not None,
                     **({k: r.best[k] for k in r.keys} if r.best else {}),
                     "cost": float(chosen["cost"].iloc[0]) if len(chosen) else math.nan,
                     **({str(q): float(chosen[str(q)].iloc[0]) for q in r.requirements}
                        if len(chosen) else {}),
                     "confidence": r.confidence, "confidence_note": r.confidence_note})
    return pd.DataFrame(rows)


def worst_hours_lines(results, n: int = 5) -> list[str]:
    """The report's section on per-hour targets: each design's worst judged hours and the
    hours left unjudged (empty without a per-hour target)."""
    if not any(r.hours for r in results):
        return []
    lines = ["## Worst hours at the chosen staffing", "",
             "Per-hour targets: the judged hours (of the week, pooled over the run's weeks and "
             "the replications) with the lowest share answered in time. `low`-`high`: the 95% "
             "Student-t interval of the share from its spread between replications (ratio "
             "estimator); `met`: the share reaches the target (what the search decided on); "
             "`status`: met (interval at or above the target), missed (below) or too close to "
             "call (the target inside it); `p_meets`: the chance that the hour's share is at "
             "least the target. Hours with fewer contacts than the minimum are not judged.",
             ""]
    for r in results:
        where = "chosen staffing" if r.best is not None else "last staffing tried (no "  \
                                                            "staffing met the targets)"
        worst = r.worst_hours(n)
        lines += [f"### {r.design} ({where})", "", "```",
                  worst.drop(columns=["target"] if len(r.hours) == 1 else [])
                  .to_string(index=False, float_format=lambda v: f"{v:.3f}"), "```"]
        for target, (hours, contacts) in r.unjudged().items():
            table = r.hours[target]
            status = table.loc[table["judged"], "status"].value_counts()
            counts = ", ".join(f"{int(status[s])} {s}" for s in STATUS_COLOURS if s in status)
            lines.append(f"{target}: {int(table['judged'].sum())} hours judged ({counts}); "
                         f"{hours} hours not judged (too few contacts: {contacts} in all); "
                         f"{int((table['contacts'] == 0).sum())} hours without contacts.")
        note = r.confidence_note or f"{r.confidence:.3f}"
        lines.append(f"Confidence that {r.design}'s staffing meets every target: {note}.")
        lines.append("")
    return lines


def write_staffing(results, root: str | Path, scenario: str, command: str | None) -> Path:
    """Write each design's candidates, the comparison at optimal staffing and a report."""
    final = new_folder(Path(root) / "staffing", Path(str(scenario)).stem)
    comparison = optimal_table(results)
    with atomic_folder(final) as tmp:
        files = write_table(comparison, tmp, "optimal")
        (tmp / "figures").mkdir()
        lines = [f"# Cheapest staffing meeting {', '.join(map(str, results[0].requirements))}",
                 "", f"Scenario `{scenario}`. Start: Erlang C rough cut (exact for a "
                 "stationary Poisson contact centre; for groups working shifts, the per-hour "
                 "rough cut of the design's offered load laid onto its shift blocks), else "
                 "the current head counts; then candidates are simulated with common random "
                 "numbers; the search decides on point estimates. A per-hour target's value "
                 "is its worst judged hour. " + CONFIDENCE, "",
                 "## Designs at their optimal staffing", "", "```",
                 comparison.drop(columns=["confidence_note"])
                 .to_string(index=False, float_format=_fmt), "```", ""]
        lines += [f"{r.design}: confidence {r.confidence_note}." for r in results
                  if r.confidence_note] + ([""] if any(r.confidence_note for r in results)
                                           else [])
        lines += worst_hours_lines(results)
        for r in results:
            name = f"candidates_{r.design}"
            files += write_table(r.candidates, tmp, name)
            for i, (target, table) in enumerate(r.hours.items()):
                suffix = f"_{i}" if len(r.hours) > 1 else ""
                files += write_table(table.assign(target=target), tmp,
                                     f"hours_{r.design}{suffix}")
            (tmp / "figures" / f"staffing_{r.design}.png").write_bytes(
                png(staffing_figure(r)))
            files.append(f"figures/staffing_{r.design}.png")
            lines += [f"## {r.design}", "", f"start {r.start}; chosen {r.best}", "", "```",
                      r.candidates.to_string(index=False, float_format=_fmt),
                      "```", "", f"![staffing](figures/staffing_{r.design}.png)", ""]
            if r.hours:
                (tmp / "figures" / f"hours_{r.design}.png").write_bytes(png(hours_figure(r)))
                files.append(f"figures/hours_{r.design}.png")
                lines += [f"![hours](figures/hours_{r.design}.png)", ""]
        write_text(tmp / "report.md", "\n".join(lines))
        meta = {"analysis": "optimise-staffing", "scenario": scenario,
                "requirements": [str(q) for q in results[0].requirements],
                "files": [*files, "report.md"]}
        write_text(tmp / "manifest.json",
                   json.dumps(manifest(meta, command), indent=2, default=str) + "\n")
    return final
