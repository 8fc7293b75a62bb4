"""``aftersales sensitivity``: run (or resume) a sweep, compute indices, write a results folder.

The folder (``results/sensitivity/<sweep>/<timestamp>/``) holds ``indices.csv``, ``noise.csv``,
``tornado.csv``, figures (index bars, tornado, response curves per KPI), ``report.md``, the
manifest and ``COMPLETE``; the sweep's own runs stay in its sweep folder, so a second
analysis reuses them.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from .sensitivity import indices, tornado
from .store import atomic_folder, manifest, new_folder, write_table, write_text
from .sweep import run_sweep
from .sweep_report import factor_label, headline, png, response_figure, unit_label


def _short(key: str) -> str:
    return ".".join(key.split(".")[-2:])


def index_figure(table: pd.DataFrame, kpi: str, design: str):
    """Bars of each factor's indices with their intervals."""
    import matplotlib.pyplot as plt

    rows = table[(table["kpi"] == kpi) & (table["design"] == design)]
    kinds = [k for k in dict.fromkeys(rows["index"]) if k != "n/a"]
    factors = list(dict.fromkeys(rows["factor"]))
    fig, ax = plt.subplots(figsize=(6.4, 0.5 * len(factors) + 1.6))
    height = 0.8 / max(1, len(kinds))
    for j, kind in enumerate(kinds):
        part = rows[rows["index"] == kind].set_index("factor").reindex(factors)
        y = np.arange(len(factors)) + j * height
        err = np.vstack([part["value"] - part["lower"], part["upper"] - part["value"]])
        ax.barh(y, part["value"], height=height, label=kind,
                xerr=np.nan_to_num(err), capsize=3)
    ax.set_yticks(np.arange(len(factors)) + height * (len(kinds) - 1) / 2,
                  [_short(f) for f in factors])
    ax.axvline(0, color="black", lw=0.8)
    ax.set_xlabel("index (95% interval)" if "S1" in kinds else "KPI change over the range")
    ax.set_ylabel("factor")
    ax.set_title(f"{kpi} — {design}", fontsize=10)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def tornado_figure(table: pd.DataFrame, kpi: str, design: str, currency: str = ""):
    """Change of the KPI against the centre, each factor at its low and high end."""
    import matplotlib.pyplot as plt

    rows = table[(table["kpi"] == kpi) & (table["design"] == design)]
    spread = rows.groupby("factor", sort=False)["change"].apply(lambda s: s.abs().max())
    order = list(spread.sort_values().index)
    fig, ax = plt.subplots(figsize=(6.4, 0.5 * len(order) + 1.6))
    for end, colour in (("low", "tab:blue"), ("high", "tab:orange")):
        part = rows[rows["end"] == end].set_index("factor").reindex(order)
        err = np.vstack([part["change"] - part["lower"], part["upper"] - part["change"]])
        ax.barh(range(len(order)), part["change"], color=colour, alpha=0.8,
                xerr=np.nan_to_num(err), capsize=3, label=f"factor at its {end} end")
    ax.set_yticks(range(len(order)), [_short(f) for f in order])
    ax.axvline(0, color="black", lw=0.8)
    ax.set_xlabel(f"change of {unit_label(kpi, currency)} from the centre (95% paired interval)")
    ax.set_ylabel("factor")
    ax.set_title(f"Tornado: {kpi} — {design}", fontsize=10)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def findings(table: pd.DataFrame, noise_table: pd.DataFrame) -> list[str]:
    """Sentences: the most influential factor per design x KPI, factors without an effect."""
    lines = []
    main = "ST" if "ST" in set(table["index"]) else "mu_star"
    for (design, kpi), rows in table[table["index"] == main].groupby(["design", "kpi"],
                                                                     sort=False):
        rows = rows.sort_values("value", ascending=False)
        top = rows.iloc[0]
        none = rows[rows["lower"] <= 0]["factor"].tolist()
        share = noise_table[(noise_table["design"] == design) &
                            (noise_table["kpi"] == kpi)]["noise_share"]
        noise_text = f"; noise share {share.iloc[0]:.0%}" if len(share) and \
            np.isfinite(share.iloc[0]) else ""
        lines.append(f"- **{kpi}** ({design}): most influential `{top['factor']}` ({main} "
                     f"{top['value']:.3g} [{top['lower']:.3g}, {top['upper']:.3g}])"
                     + ("; no detectable effect (interval includes 0): "
                        + ", ".join(f"`{f}`" for f in none) if none else "") + noise_text)
    return lines


def analyse(spec, executor=None, kpis=None, sweep_out=None, root="results", with_tornado=True,
            confidence=0.95, command=None, progress=None) -> Path:
    """Run the sweep (resuming), compute indices and tornado, write the results folder."""
    from ..config.errors import ScenarioError

    if spec.method not in ("saltelli", "morris"):
        raise ScenarioError.at("sweep.method", spec.method, "saltelli (Sobol indices) or "
                               "morris (elementary effects) for sensitivity indices")
    sweep_out = Path(sweep_out) if sweep_out else Path(root) / "sweeps" / spec.name
    result = run_sweep(spec, executor=executor, out_dir=sweep_out, command=command,
                       progress=progress)
    kpis = list(kpis) if kpis else headline(result)
    idx, nz = indices(result, kpis, confidence)
    oat = tor = None
    if with_tornado:
        oat_spec = spec.with_(method="oat", name=f"{spec.name}_oat")
        oat = run_sweep(oat_spec, executor=executor, out_dir=Path(f"{sweep_out}_oat"),
                        command=command, progress=progress)
        tor = tornado(oat, kpis, confidence)
    currency = result.meta.get("currency", "")
    final = new_folder(Path(root) / "sensitivity", spec.name)
    with atomic_folder(final) as tmp:
        files = write_table(idx, tmp, "indices") + write_table(nz, tmp, "noise")
        if tor is not None:
            files += write_table(tor, tmp, "tornado")
        (tmp / "figures").mkdir()
        names = []
        for kpi in kpis:
            for design in result.designs:
                figs = {f"index_{kpi}_{design}": index_figure(idx, kpi, design)}
                if tor is not None:
                    figs[f"tornado_{kpi}_{design}"] = tornado_figure(tor, kpi, design, currency)
                for name, fig in figs.items():
                    (tmp / "figures" / f"{name}.png").write_bytes(png(fig))
                    names.append(name)
            (tmp / "figures" / f"response_{kpi}.png").write_bytes(
                png(response_figure(result, kpi)))
            names.append(f"response_{kpi}")
        files += [f"figures/{n}.png" for n in names]
        write_text(tmp / "report.md", _report(spec, result, idx, nz, tor, names, sweep_out))
        meta = {"analysis": "sensitivity", "sweep": spec.name, "method": spec.method,
                "kpis": kpis, "confidence": confidence, "sweep_folder": str(sweep_out),
                "seed": result.seed, "replications": result.replications,
                "files": [*files, "report.md", "manifest.json", "COMPLETE"]}
        write_text(tmp / "manifest.json",
                   json.dumps(manifest(meta, command), indent=2, default=str) + "\n")
    return final


def _report(spec, result, idx, nz, tor, figures, sweep_out) -> str:
    factors = "\n".join(f"| `{f.key}` | {factor_label(f)} | {f.describe()} |"
                        for f in spec.factors)
    shown = idx.copy()
    shown["interval"] = [f"[{lo:.3g}, {hi:.3g}]" if np.isfinite(lo) else "" for lo, hi in
                         zip(shown["lower"], shown["upper"], strict=True)]
    shown["value"] = shown["value"].map(lambda v: f"{v:.3g}")
    noise_cols = ["design", "kpi", "noise_share", "noise_share_of_means", "replications"]
    lines = [f"# Sensitivity of `{spec.name}`", "", spec.description, "",
             f"Method **{spec.method}** on scenario `{spec.scenario}`: "
             f"{len(result.plan.overrides)} points x {len(result.designs)} designs x "
             f"{result.replications} replications (common random numbers), seed "
             f"{result.seed}. Indices are computed on the mean over replications per point; "
             f"runs are in `{sweep_out}`.", "",
             "| factor | short name [unit] | range |", "|---|---|---|", factors, "",
             "## Findings", "", *findings(idx, nz), "",
             "## Indices (95% intervals)", "", "```",
             shown[["design", "kpi", "factor", "index", "value", "interval"]]
             .to_string(index=False), "```", "",
             "## Simulation noise", "",
             "`noise_share`: share of a single run's variance that is replication noise; "
             "`noise_share_of_means`: share of the point means' variance (what the indices "
             "see) that is noise — large values call for more replications.", "", "```",
             nz[noise_cols].to_string(index=False, float_format=lambda v: f"{v:.3f}"), "```",
             ""]
    if tor is not None:
        lines += ["## One at a time (tornado)", "", "```",
                  tor.drop(columns=["lower", "upper"]).to_string(
                      index=False, float_format=lambda v: f"{v:.4g}"), "```", ""]
    lines += ["## Figures", ""] + [f"![{n}](figures/{n}.png)" for n in figures]
    return "\n".join(lines) + "\n"
