"""Results folders of the decision commands: break-even curves and robust rankings (staffing:
:mod:`sim.experiment.staffing_report`).

Each writer makes a new ``results/<command>/<scenario>/<timestamp>/`` atomically (tables,
figures, ``report.md``, manifest, ``COMPLETE`` last), like the main job's results.
"""

from __future__ import annotations

import json
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
