"""Loading scenarios: TOML files, bundled names, ``base`` inheritance, overrides, ``extends``.

Order of resolution (each step works on plain tables, then one :func:`build` checks it all):

1. read the file (a path, or the name of a bundled scenario such as ``"baseline"``);
2. ``base = "other.toml"``: deep-merge this file over its base (recursively);
3. overrides: dotted keys set single values (``{"run.replications": 20}``);
4. designs' ``extends = "other_design"``: deep-merge a design over the one it extends; a stage
   whose ``provider`` differs from the parent's replaces the parent's stage table whole;
5. build and check the frozen :class:`~sim.config.schema.Scenario`, then the cross-checks
   (references to designs, and each provider's checks against demand).
"""

from __future__ import annotations

import copy
import dataclasses
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from . import registry
from .errors import MISSING, Problem, ScenarioError
from .fields import _suggest, build
from .schema import Scenario, parse_design

SCENARIO_DIR = Path(os.environ.get("AFTERSALES_SCENARIOS",
                                   Path(__file__).resolve().parents[2] / "scenarios"))


def bundled_scenarios() -> dict[str, Path]:
    """Bundled scenarios by name (``validation/mmc`` for files in sub-folders)."""
    out = {}
    for path in sorted(SCENARIO_DIR.rglob("*.toml")):
        rel = path.relative_to(SCENARIO_DIR).with_suffix("")
        if rel.parts[0] == "sweeps":
            continue
        out[rel.as_posix()] = path
    return out


def resolve_path(path_or_name: str | os.PathLike, relative_to: Path | None = None) -> Path:
    """Find a scenario file from a path or a bundled name."""
    text = str(path_or_name)
    candidates = [Path(text)]
    if relative_to is not None:
        candidates.insert(0, relative_to / text)
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    bundled = bundled_scenarios()
    name = text.removesuffix(".toml")
    if name in bundled:
        return bundled[name]
    raise ScenarioError.at("scenario", text, "a TOML file or a bundled scenario: "
                           + ", ".join(bundled) + _suggest(name, list(bundled)))


def read_raw(path_or_name: str | os.PathLike, _seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    """Read a scenario file and everything it is based on, merged, as plain tables."""
    path = resolve_path(path_or_name, _seen[-1].parent if _seen else None).resolve()
    if path in _seen:
        raise ScenarioError.at("base", str(path), "a base chain without cycles")
    try:
        with path.open("rb") as handle:
            raw = tomllib.load(handle)
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError.at("(file)", str(path), f"valid TOML ({err})") from None
    base = raw.pop("base", None)
    if base is None:
        return raw
    if not isinstance(base, str):
        raise ScenarioError.at("base", base, "the name or path of another scenario file")
    return deep_merge(read_raw(base, (*_seen, path)), raw)


def deep_merge(base: Mapping[str, Any], top: Mapping[str, Any]) -> dict[str, Any]:
    """Tables merge key by key; any other value in ``top`` replaces the one in ``base``."""
    out = copy.deepcopy(dict(base))
    for key, value in top.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def apply_overrides(raw: dict[str, Any], overrides: Mapping[str, Any] | None) -> dict[str, Any]:
    """Set dotted keys (``"designs.a.contact.groups.g.agents"``); list items by index."""
    raw = copy.deepcopy(raw)
    for dotted, value in (overrides or {}).items():
        parts = dotted.split(".")
        if not dotted or any(not p for p in parts):
            raise ScenarioError.at(dotted or "(override)", value, "a dotted key like run.seed")
        node: Any = raw
        for i, part in enumerate(parts[:-1]):
            if isinstance(node, list):
                node = _list_item(node, part, ".".join(parts[: i + 1]))
                continue
            if not isinstance(node, dict):
                raise ScenarioError.at(".".join(parts[:i + 1]), node, "a table to set keys in")
            node = node.setdefault(part, {})
        last = parts[-1]
        if isinstance(node, list):
            node[_index(node, last, dotted)] = value
        elif isinstance(node, dict):
            node[last] = value
        else:
            raise ScenarioError.at(".".join(parts[:-1]), node, "a table to set keys in")
    return raw


def _index(node: list, part: str, key: str) -> int:
    if not part.isdigit() or int(part) >= len(node):
        raise ScenarioError.at(key, part, f"an index from 0 to {len(node) - 1}")
    return int(part)


def _list_item(node: list, part: str, key: str) -> Any:
    return node[_index(node, part, key)]


def parse_override(text: str) -> tuple[str, Any]:
    """Parse a command-line ``key=value``; the value is read as TOML, else kept as text."""
    if "=" not in text:
        raise ScenarioError.at("--set", text, "key=value, e.g. run.replications=20")
    key, value = text.split("=", 1)
    try:
        parsed = tomllib.loads(f"v = {value}")["v"]
    except tomllib.TOMLDecodeError:
        parsed = value
    return key.strip(), parsed


def resolve_designs(raw_designs: Any) -> dict[str, dict[str, Any]]:
    """Apply ``extends`` between designs."""
    if not isinstance(raw_designs, dict) or not raw_designs:
        raise ScenarioError.at("designs", raw_designs, "at least one [designs.NAME] table")
    resolved: dict[str, dict[str, Any]] = {}

    def resolve(name: str, chain: tuple[str, ...]) -> dict[str, Any]:
        if name in resolved:
            return resolved[name]
        table = raw_designs[name]
        if not isinstance(table, dict):
            raise ScenarioError.at(f"designs.{name}", table, "a table")
        parent_name = table.get("extends")
        if parent_name is None:
            resolved[name] = table
            return table
        if (not isinstance(parent_name, str) or parent_name not in raw_designs
                or parent_name in chain):
            raise ScenarioError.at(f"designs.{name}.extends", parent_name,
                                   "another design of this scenario, without cycles: "
                                   + ", ".join(n for n in raw_designs if n != name))
        parent = resolve(parent_name, (*chain, name))
        merged = {k: v for k, v in parent.items() if k not in {"label", "description"}}
        for key, value in table.items():
            if key == "extends":
                continue
            same_provider = (isinstance(value, dict) and isinstance(merged.get(key), dict)
                             and value.get("provider", merged[key].get("provider"))
                             == merged[key].get("provider"))
            if key == "overlays" or same_provider:
                merged[key] = deep_merge(merged.get(key, {}), value)
            else:
                merged[key] = copy.deepcopy(value)
        resolved[name] = merged
        return merged

    for name in raw_designs:
        resolve(name, ())
    return resolved


def load_scenario(path_or_name: str | os.PathLike | Mapping[str, Any],
                  overrides: Mapping[str, Any] | None = None) -> Scenario:
    """Load, merge, override and check a scenario.

    Parameters
    ----------
    path_or_name : str, path or mapping
        A TOML file, the name of a bundled scenario (``"baseline"``), or a raw table.
    overrides : mapping, optional
        Dotted keys to set, e.g. ``{"run.replications": 20}``.

    Returns
    -------
    Scenario
        The frozen, checked scenario.

    Raises
    ------
    ScenarioError
        One line per problem, each naming the dotted key, the value and what is allowed.
    """
    if isinstance(path_or_name, Mapping):
        raw, source = copy.deepcopy(dict(path_or_name)), "(table)"
    else:
        raw, source = read_raw(path_or_name), str(path_or_name)
    try:
        return scenario_from_raw(apply_overrides(raw, overrides))
    except ScenarioError as err:
        raise ScenarioError(err.problems, source=source) from None


def scenario_from_raw(raw: dict[str, Any]) -> Scenario:
    """Build a checked :class:`Scenario` from merged raw tables."""
    registry.load_all()
    raw = dict(raw)
    raw_designs = raw.pop("designs", None)
    problems: list[Problem] = []
    scenario = None
    try:
        scenario = build(Scenario, raw)
    except ScenarioError as err:
        problems.extend(err.problems)
    designs = {}
    try:
        for name, table in resolve_designs(raw_designs).items():
            try:
                designs[name] = parse_design(name, table, f"designs.{name}")
            except ScenarioError as err:
                problems.extend(err.problems)
    except ScenarioError as err:
        problems.extend(err.problems)
    if problems:
        raise ScenarioError(problems)
    scenario = dataclasses.replace(scenario, designs=designs)
    problems = cross_check(scenario)
    if problems:
        raise ScenarioError(problems)
    return scenario


def cross_check(scenario: Scenario) -> list[Problem]:
    """Checks that span tables: references, and each provider's checks against demand."""
    problems: list[Problem] = []
    ref = scenario.run.reference_design
    if ref is not None and ref not in scenario.designs:
        names = list(scenario.designs)
        problems.append(Problem("run.reference_design", ref,
                                "one of " + ", ".join(names) + _suggest(ref, names)))
    needed = scenario.stages_needed()
    for name, design in scenario.designs.items():
        for stage in needed:
            if not design.has(stage):
                problems.append(Problem(
                    f"designs.{name}.{stage}.provider", MISSING,
                    f"a provider for {stage} (this scenario's cases reach it): one of "
                    + ", ".join(registry.providers_for(stage))))
        for stage, assignment in design.stages.items():
            check = getattr(assignment.params, "_check_scenario", None)
            if check:
                problems += check(scenario, f"designs.{name}.{stage}")
        for oname, overlay in design.overlays.items():
            check = getattr(overlay.params, "_check_scenario", None)
            if check:
                problems += check(scenario, f"designs.{name}.overlays.{oname}")
    return problems
