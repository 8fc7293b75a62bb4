"""Results folders of the decision commands: break-even curves, robust rankings, staffing.

Each writer makes a new ``results/<command>/<scenario>/<timestamp>/`` atomically (tables,
figures, ``report.md``, manifest, ``COMPLETE`` last), like the main job's results.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from .store import atomic_folder, manifest, new_folder, write_table, write_text
from .sweep_report import png, unit_label


def breakeven_figure(result):
    """The paired-difference curve with its interval band and the crossing."""
    import matplotlib.pyplot as plt

    curve = result.curve
    fig, ax = plt.subplots(figsize=(6.4, 3.8))
    ax.fill_between(curve["x"], curve["lower"], curve["upper"], alpha=0.25,
                    label="95% paired interval")
    ax.plot(curve["x"], curve["mean_diff"], marker="o", label=f"{result.designs[0]} − "
                                                              f"{result.designs[1]}")
    ax.axhline(0, color="black", lw=0.8)
    if result.found and np.isfinite(result.lower):
        ax.axvspan(result.lower, result.upper, color="tab:red", alpha=0.15,
                   label="crossing interval")
    if result.found:
        ax.axvline(result.crossing, color="tab:red", lw=1.2,
                   label=f"crossing {result.crossing:.4g}")
    unit = " [h]" if result.meta.get("duration") else ""
    ax.set_xlabel(result.key + unit)
    ax.set_ylabel(f"difference in {unit_label(result.kpi)}")
    ax.set_title(f"Break-even on {result.kpi}", fontsize=10)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def write_breakeven(result, root: str | Path, scenario: str, command: str | None) -> Path:
    """Write ``curve.csv``, the figure and a report; return the folder."""
    final = new_folder(Path(root) / "breakeven", Path(str(scenario)).stem)
    with atomic_folder(final) as tmp:
        files = write_table(result.curve, tmp, "curve")
        (tmp / "figures").mkdir()
        (tmp / "figures" / "breakeven.png").write_bytes(png(breakeven_figure(result)))
        table = result.curve.to_string(index=False, float_format=lambda v: f"{v:.4g}")
        write_text(tmp / "report.md", "\n".join([
            f"# Break-even: {result.designs[0]} vs {result.designs[1]} on {result.kpi}", "",
            result.message + ".", "",
            f"Scenario `{scenario}`; `{result.key}` varied; paired differences "
            f"{result.designs[0]} − {result.designs[1]} with common random numbers, "
            "95% t-intervals per value.", "", "```", table, "```", "",
            "![break-even](figures/breakeven.png)", ""]))
        meta = {"analysis": "breakeven", "scenario": scenario, "key": result.key,
                "kpi": result.kpi, "designs": list(result.designs),
                "crossing": None if not np.isfinite(result.crossing) else result.crossing,
                "interval": [result.lower, result.upper] if result.found else None,
                **result.meta, "files": [*files, "figures/breakeven.png", "report.md"]}
        write_text(tmp / "manifest.json",
                   json.dumps(manifest(meta, command), indent=2, default=str) + "\n")
    return final


def robust_figure(result):
    """Share of worlds each design is best / within the zone, and wins along the top driver."""
    import matplotlib.pyplot as plt

    shares = result.shares
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8))
    y = np.arange(len(shares))
    for offset, (col, lo, hi, label) in enumerate((
            ("share_best", "best_lower", "best_upper", "best"),
            ("share_within_zone", "zone_lower", "zone_upper",
             f"within {result.delta:g} of the best"))):
        err = np.vstack([shares[col] - shares[lo], shares[hi] - shares[col]])
        left.barh(y + 0.4 * offset, shares[col], height=0.4, xerr=err, capsize=3, label=label)
    left.set_yticks(y + 0.2, shares["design"])
    left.set_xlim(0, 1)
    left.set_xlabel("share of worlds (95% Wilson interval)")
    left.set_ylabel("design")
    left.legend(fontsize=8)
    top = result.drivers.iloc[0]["parameter"]
    worlds = result.worlds
    for design in shares["design"]:
        mask = worlds["best"] == design
        right.scatter(worlds.loc[mask, top], worlds.loc[mask, f"{result.kpi}:{design}"],
                      label=f"{design} best", s=18)
    right.set_xlabel(top)
    right.set_ylabel(f"{unit_label(result.kpi, result.meta.get('currency', ''))} of the best")
    right.legend(fontsize=8)
    right.grid(alpha=0.3)
    fig.suptitle(f"Robust ranking on {result.kpi} ({result.direction} is better)", fontsize=10)
    fig.tight_layout()
    return fig


def write_robust(result, root: str | Path, scenario: str, command: str | None) -> Path:
    """Write shares, drivers, regions, worlds, the figure and a report; return the folder."""
    final = new_folder(Path(root) / "robust", Path(str(scenario)).stem)
    fmt = {"float_format": lambda v: f"{v:.3g}", "index": False}
    with atomic_folder(final) as tmp:
        files = []
        for name in ("shares", "drivers", "regions", "worlds"):
            files += write_table(getattr(result, name), tmp, name)
        (tmp / "figures").mkdir()
        (tmp / "figures" / "robust.png").write_bytes(png(robust_figure(result)))
        lead = result.shares.sort_values("share_best", ascending=False).iloc[0]
        write_text(tmp / "report.md", "\n".join([
            f"# Robust ranking on {result.kpi}", "",
            f"Scenario `{scenario}`: {result.meta.get('worlds')} worlds sampled by Latin "
            f"hypercube from its [uncertainty] table, every design in every world with common "
            f"random numbers ({result.meta.get('replications')} replications per world), "
            f"seed {result.meta.get('seed')}. {result.direction} is better; indifference "
            f"zone {result.delta:g}.", "",
            f"**{lead['design']}** is best in {lead['share_best']:.0%} of the worlds "
            f"(95% interval {lead['best_lower']:.0%}–{lead['best_upper']:.0%}).", "",
            "## Shares of worlds", "", "```", result.shares.to_string(**fmt), "```", "",
            "## What drives the changes of rank", "",
            "`rank_change_driver`: the largest |Spearman correlation| between the parameter and "
            "a design being best (0: the parameter does not change who wins).", "", "```",
            result.drivers.to_string(**fmt), "```", "",
            "## Where each design wins", "", "```",
            result.regions.to_string(**fmt) if len(result.regions) else "(no numeric "
            "parameters)", "```", "",
            "## Figures", "", "![robust](figures/robust.png)", ""]))
        meta = {"analysis": "robust", "scenario": scenario, "kpi": result.kpi,
                "direction": result.direction, "indifference": result.delta, **result.meta,
                "files": [*files, "figures/robust.png", "report.md"]}
        write_text(tmp / "manifest.json",
                   json.dumps(manifest(meta, command), indent=2, default=str) + "\n")
    return final


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
        ax.set_ylabel(unit_label(req.kpi))
        ax.legend(fontsize=8)
    for ax in axes[0]:
        ax.set_xlabel(".".join(key.split(".")[-2:]) + " (head count)")
        ax.grid(alpha=0.3)
    fig.suptitle(f"Staffing of {result.design}: candidates evaluated by simulation", fontsize=10)
    fig.tight_layout()
    return fig


def write_staffing(results, root: str | Path, scenario: str, command: str | None) -> Path:
    """Write each design's candidates, the comparison at optimal staffing and a report."""
    import pandas as pd

    final = new_folder(Path(root) / "staffing", Path(str(scenario)).stem)
    rows = []
    for r in results:
        chosen = r.candidates[r.candidates["chosen"]]
        rows.append({"design": r.design, "feasible": r.best is not None,
                     **({k: r.best[k] for k in r.keys} if r.best else {}),
                     "cost": float(chosen["cost"].iloc[0]) if len(chosen) else math.nan,
                     **({str(q): float(chosen[str(q)].iloc[0]) for q in r.requirements}
                        if len(chosen) else {}),
                     "confidence": r.confidence})
    comparison = pd.DataFrame(rows)
    with atomic_folder(final) as tmp:
        files = write_table(comparison, tmp, "optimal")
        (tmp / "figures").mkdir()
        lines = [f"# Cheapest staffing meeting {', '.join(map(str, results[0].requirements))}",
                 "", f"Scenario `{scenario}`. Start: Erlang C rough cut (exact for a "
                 "stationary Poisson contact centre; for groups working shifts, the per-hour "
                 "rough cut of the design's offered load laid onto its shift blocks), else "
                 "the current head counts; then "
                 "candidates are simulated with common random numbers. `confidence`: share "
                 "of replications meeting every target at the chosen staffing.", "",
                 "## Designs at their optimal staffing", "", "```",
                 comparison.to_string(index=False, float_format=lambda v: f"{v:.4g}"), "```",
                 ""]
        for r in results:
            name = f"candidates_{r.design}"
            files += write_table(r.candidates, tmp, name)
            (tmp / "figures" / f"staffing_{r.design}.png").write_bytes(
                png(staffing_figure(r)))
            files.append(f"figures/staffing_{r.design}.png")
            lines += [f"## {r.design}", "", f"start {r.start}; chosen {r.best}", "", "```",
                      r.candidates.to_string(index=False, float_format=lambda v: f"{v:.4g}"),
                      "```", "", f"![staffing](figures/staffing_{r.design}.png)", ""]
        write_text(tmp / "report.md", "\n".join(lines))
        meta = {"analysis": "optimise-staffing", "scenario": scenario,
                "requirements": [str(q) for q in results[0].requirements],
                "files": [*files, "report.md"]}
        write_text(tmp / "manifest.json",
                   json.dumps(manifest(meta, command), indent=2, default=str) + "\n")
    return final
