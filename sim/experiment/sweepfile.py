"""Sweep files: a designed experiment on one scenario, checked like a scenario file.

A sweep file (``scenarios/sweeps/*.toml``)::

    description = "Platform visit fee x first-time fix on the baseline"
    scenario = "baseline"                 # a bundled name, or a path ending in .toml
    method = "lhs"          # full_factorial | lhs | sobol | halton | saltelli | morris | oat
    samples = 16                          # points (lhs, sobol, halton); base N (saltelli);
                                          # trajectories (morris)
    replications = 3                      # per point and design (default: the scenario's)
    seed = 7                              # simulation and sampling seed (default: the scenario's)
    designs = ["self_built", "third_party_service"]   # default: all
    outputs = ["cost_per_case", "csat_mean"]          # KPIs to keep (default: all)

    [set]                                 # fixed overrides at every point
    "run.horizon" = "14d"

    [factors]                             # see sim.experiment.factors for the forms
    "designs.third_party_service.field_service.visit_fee" = "50..200"

Unknown keys, wrong types and bad values are :class:`~sim.config.errors.ScenarioError`\\ s that
name the dotted key (``sweep.factors.x``), with a suggestion for a near miss. A sweep given as
a path must exist: it is never silently replaced by a bundled sweep of the same name.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import fields as F  # noqa: N812 - the field helpers, read as F.number(...)
from ..config.errors import Problem, ScenarioError
from ..config.factors import Factor, dump_factor, parse_factors
from ..config.fields import _suggest, build
from ..config.loader import SCENARIO_DIR, apply_overrides, read_raw, read_toml, resolve_path

METHODS = ("full_factorial", "lhs", "sobol", "halton", "saltelli", "morris", "oat")
SWEEP_DIR = SCENARIO_DIR / "sweeps"


def _factors_field() -> Any:
    def parse(raw: Any, key: str) -> tuple[Factor, ...]:
        return parse_factors(raw, key)

    return F._field(F.REQUIRED, parse, "The varied dotted keys and their levels, ranges or "
                    "distributions.", "table", "a table of dotted keys",
                    dump=lambda fs: {f.key: dump_factor(f) for f in fs})


def _overrides_field() -> Any:
    def parse(raw: Any, key: str) -> dict[str, Any]:
        if not isinstance(raw, dict):
            raise ScenarioError.at(key, raw, "a table of dotted keys and values")
        return dict(raw)

    return F._field({}, parse, "Overrides applied at every point.", "table",
                    "a table of dotted keys and values")


@dataclass(frozen=True)
class SweepSpec:
    """A checked sweep file (see the module docstring)."""

    scenario: str = F.text(doc="Scenario to vary: a bundled name or a path ending in .toml.")
    factors: tuple = _factors_field()
    description: str = F.text("", doc="One line on the question the sweep answers.")
    method: str = F.choice("full_factorial", options=METHODS, doc="Design of experiments.")
    samples: int = F.number(16, integer=True, min=1,
                            doc="Points (lhs, sobol, halton), base sample N (saltelli), "
                                "trajectories (morris).")
    levels: int = F.number(3, integer=True, min=2,
                           doc="Grid points per range (full_factorial); grid levels (morris).")
    second_order: bool = F.flag(False, doc="Saltelli: also sample for second-order indices.")
    scramble: bool = F.flag(True, doc="Scramble the QMC sequences (lhs, sobol, halton).")
    replications: int = F.number(None, integer=True, min=1,
                                 doc="Replications per point and design (default: scenario's).")
    seed: int = F.number(None, integer=True, min=0, max=2**63 - 1,
                         doc="Seed (default: the scenario's).")
    block: int = F.number(None, integer=True, min=1,
                          doc="Replications per chunk of work (default: chosen by size).")
    designs: tuple = F.strings((), doc="Designs to run (default: all).")
    outputs: tuple = F.strings((), doc="KPIs to keep (default: all).")
    set: dict = _overrides_field()
    name: str = F.text("", doc="Name of the sweep (default: the file name).")
    origin: str = F.text("", doc="The file the sweep was read from (filled in on reading).")

    def _check(self, key: str) -> list[Problem]:
        problems = []
        keys = [f.key for f in self.factors]
        for k in sorted({k for k in keys if keys.count(k) > 1}):
            problems.append(Problem(f"{key}.factors.{k}", k, "each key once"))
        for k in sorted(set(keys) & set(self.set)):
            problems.append(Problem(f"{key}.set.{k}", self.set[k], "a key not also a factor"))
        if self.method == "sobol" and self.samples & (self.samples - 1):
            problems.append(Problem(f"{key}.samples", self.samples,
                                    "a power of two for sobol (balance needs it): 8, 16, 32..."))
        if self.method in ("saltelli", "morris") and len(self.factors) < 2:
            problems.append(Problem(f"{key}.factors", keys, f"at least two factors for "
                                                            f"{self.method}"))
        if self.method in ("saltelli", "morris"):
            for f in self.factors:
                if not f.numeric:
                    problems.append(Problem(f"{key}.factors.{f.key}", list(f.levels),
                                            f"numeric levels, a range or a distribution for "
                                            f"{self.method} (indices need an ordered factor)"))
        return problems

    @property
    def keys(self) -> list[str]:
        """The factors' dotted keys, in file order."""
        return [f.key for f in self.factors]

    def raw_scenario(self, extra: dict[str, Any] | None = None) -> dict[str, Any]:
        """The scenario's raw tables with the sweep's ``[set]`` (and ``extra``) applied."""
        base = Path(self.origin).parent if self.origin else None
        path = _scenario_path(self.scenario, base)
        return apply_overrides(read_raw(path), {**self.set, **(extra or {})})

    def with_(self, **changes: Any) -> SweepSpec:
        """A copy with some fields replaced (e.g. from the command line)."""
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})


def _scenario_path(text: str, base: Path | None) -> str | Path:
    """A path ending in .toml must exist (relative to the sweep file, then here)."""
    if not text.endswith(".toml"):
        return text
    for candidate in ([base / text] if base else []) + [Path(text)]:
        if candidate.is_file():
            return candidate
    raise ScenarioError.at("sweep.scenario", text, "an existing scenario file (relative to the "
                           "sweep file), or a bundled scenario name without .toml")


def bundled_sweeps() -> dict[str, Path]:
    """Bundled sweep files by name."""
    return {p.stem: p for p in sorted(SWEEP_DIR.glob("*.toml"))}


def find_sweep_file(path_or_name: str | os.PathLike) -> Path:
    """A sweep file from a path (which must exist) or the name of a bundled sweep."""
    text = str(path_or_name)
    path = Path(text)
    if path.is_file():
        return path
    bundled = bundled_sweeps()
    looks_like_path = text.endswith(".toml") or os.sep in text or "/" in text
    if looks_like_path:
        raise ScenarioError.at("sweep", text, "an existing sweep file; bundled sweeps are named "
                               "without a path: " + ", ".join(bundled))
    if text in bundled:
        return bundled[text]
    raise ScenarioError.at("sweep", text, "a sweep file or a bundled sweep: "
                           + ", ".join(bundled) + _suggest(text, list(bundled)))


def read_sweep_file(path_or_name: str | os.PathLike) -> SweepSpec:
    """Read and check a sweep file (a path or the name of a bundled sweep).

    Raises
    ------
    ScenarioError
        One line per problem, each naming the dotted key (``sweep.…``).
    """
    path = find_sweep_file(path_or_name)
    # As a scenario file is read: UTF-8 with or without a BOM, nesting bounded (the fuzz test
    # found a deeply nested sweep file reaching tomllib's RecursionError).
    raw = read_toml(path, "sweep")
    if "parameters" in raw and "factors" not in raw:
        raise ScenarioError.at("sweep.parameters", raw["parameters"],
                               "renamed: write the varied keys under [factors]")
    for reserved in ("origin",):
        if reserved in raw:
            raise ScenarioError.at(f"sweep.{reserved}", raw[reserved], "not a sweep-file key")
    raw.setdefault("name", path.stem)
    raw["origin"] = str(path.resolve())
    spec = build(SweepSpec, raw, "sweep")
    return spec


def spec_from_parameters(scenario: str, parameters: dict[str, Any], **options: Any) -> SweepSpec:
    """A full-factorial :class:`SweepSpec` from a mapping of dotted keys to lists of values."""
    raw = {"scenario": scenario, "factors": dict(parameters), "method": "full_factorial",
           **{k: v for k, v in options.items() if v is not None}}
    return build(SweepSpec, raw, "sweep")


def check_against(spec: SweepSpec, raw: dict[str, Any]) -> list[Problem]:
    """Problems of the sweep against its scenario: unknown designs, KPIs, design keys."""
    from ..outcomes.kpis import REGISTRY

    designs = list(raw.get("designs") or {})
    problems = []
    for i, d in enumerate(spec.designs):
        if d not in designs:
            problems.append(Problem(f"sweep.designs[{i}]", d,
                                    "a design of the scenario: " + ", ".join(designs)
                                    + _suggest(d, designs)))
    for i, k in enumerate(spec.outputs):
        if k not in REGISTRY:
            problems.append(Problem(f"sweep.outputs[{i}]", k, "a KPI name (aftersales kpis)"
                                    + _suggest(k, list(REGISTRY))))
    for table, keys in (("factors", spec.keys), ("set", list(spec.set))):
        for k in keys:
            parts = k.split(".")
            if parts[0] == "designs" and len(parts) > 1 and parts[1] not in (*designs, "*"):
                problems.append(Problem(f"sweep.{table}.{k}", parts[1],
                                        "a design of the scenario: " + ", ".join(designs)
                                        + _suggest(parts[1], designs)))
    return problems


__all__ = ["METHODS", "SweepSpec", "bundled_sweeps", "check_against", "find_sweep_file",
           "read_sweep_file", "resolve_path", "spec_from_parameters"]
