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

import contextlib
import copy
import dataclasses
import importlib.resources
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..providers import registry
from .errors import MISSING, Problem, ScenarioError
from .fields import _suggest, build
from .limits import budget_problems
from .merge import (  # noqa: F401  (apply_overrides, parse_override: re-exported)
    ancestors,
    apply_overrides,
    deep_merge,
    parse_override,
    resolve_designs,
)
from .schema import Scenario, parse_design


def _scenario_dir() -> Path:
    """Where the bundled scenarios are: package data of :mod:`sim` (``sim/scenarios``).

    In a source checkout ``sim/scenarios`` is a link to the top-level ``scenarios/`` folder;
    an installed wheel carries the files themselves. ``AFTERSALES_SCENARIOS`` points
    elsewhere (a test or a user's own library of scenarios).
    """
    override = os.environ.get("AFTERSALES_SCENARIOS")
    if override:
        return Path(override)
    return Path(str(importlib.resources.files("sim") / "scenarios"))


SCENARIO_DIR = _scenario_dir()
#: The longest ``base`` chain followed (a longer one is almost surely a mistake).
MAX_BASE_DEPTH = 16
#: The most deeply nested table a scenario may hold (the schema itself needs about 6 levels).
MAX_NESTING = 24
_ENCODING_HELP = ("UTF-8 text (with or without a byte-order mark); re-save the file as UTF-8 "
                  "(most editors: Save As > Encoding > UTF-8) or convert it, e.g. "
                  "iconv -f GB18030 -t UTF-8 old.toml > new.toml")


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
        with contextlib.suppress(OSError, ValueError):  # overlong or NUL-holding names
            if candidate.is_file():
                return candidate
    bundled = bundled_scenarios()
    name = text.removesuffix(".toml")
    if name in bundled:
        return bundled[name]
    raise ScenarioError.at("scenario", text, "a TOML file or a bundled scenario: "
                           + ", ".join(bundled) + _suggest(name, list(bundled)))


def read_toml(path: Path, key: str = "(file)") -> dict[str, Any]:
    """Read one TOML file as UTF-8 (a byte-order mark is allowed), or raise ScenarioError."""
    try:
        data = path.read_bytes()
    except OSError as err:
        raise ScenarioError.at(key, str(path), f"a readable file ({err.strerror})") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ScenarioError.at(key, str(path), f"{_ENCODING_HELP} (byte {data[err.start]:#04x} "
                               f"at offset {err.start} is not UTF-8)") from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError.at(key, str(path), f"valid TOML ({err})") from None
    except RecursionError:
        raise ScenarioError.at(key, str(path), f"tables nested at most {MAX_NESTING} deep") \
            from None
    problem = _too_deep(raw, MAX_NESTING)
    if problem:
        raise ScenarioError.at(problem, "(nested tables)",
                               f"tables nested at most {MAX_NESTING} deep")
    return raw


def _too_deep(node: Any, budget: int, key: str = "") -> str | None:
    """The dotted key where ``node`` nests deeper than ``budget``, or None."""
    if isinstance(node, dict):
        children = node.items()
    elif isinstance(node, list):
        children = ((str(i), v) for i, v in enumerate(node))
    else:
        return None
    if budget <= 0:
        return key or "(top level)"
    for name, value in children:
        found = _too_deep(value, budget - 1, f"{key}.{name}" if key else str(name))
        if found:
            return found
    return None


def _inside(path: Path, roots: tuple[Path, ...]) -> bool:
    return any(path == root or root in path.parents for root in roots)


def read_raw(path_or_name: str | os.PathLike, _seen: tuple[Path, ...] = (),
             base_dirs: tuple[str | os.PathLike, ...] = ()) -> dict[str, Any]:
    """Read a scenario file and everything it is based on, merged, as plain tables.

    Parameters
    ----------
    path_or_name : str or path
        A TOML file or the name of a bundled scenario.
    base_dirs : tuple of paths
        Extra folders a ``base`` may be read from. A ``base`` always resolves relative to the
        file that names it, and must lie under the top-level scenario's folder, the bundled
        scenarios or one of these folders: a scenario cannot read other files on the machine.

    Raises
    ------
    ScenarioError
        A missing, unreadable, confined or cyclic ``base`` names ``base``, the file that
        names it and, for a cycle, the whole chain.
    """
    if not _seen:
        path = resolve_path(path_or_name).resolve()
    else:
        path = _resolve_base(path_or_name, _seen, base_dirs)
    if path in _seen:
        chain = " -> ".join(p.name for p in (*_seen, path))
        raise ScenarioError.at(f"base (in {_seen[-1]})", str(path_or_name),
                               f"a base chain without cycles; this one loops: {chain}")
    if len(_seen) > MAX_BASE_DEPTH:
        raise ScenarioError.at(f"base (in {_seen[-1]})", str(path_or_name),
                               f"a base chain at most {MAX_BASE_DEPTH} files long")
    key = "(file)" if not _seen else f"base (in {_seen[-1]})"
    raw = read_toml(path, key)
    base = raw.pop("base", None)
    if base is None:
        return raw
    if not isinstance(base, str) or not base.strip():
        raise ScenarioError.at(f"base (in {path})", base,
                               "the name or path of another scenario file")
    return deep_merge(read_raw(base, (*_seen, path), base_dirs), raw)


def _resolve_base(text: str | os.PathLike, seen: tuple[Path, ...],
                  base_dirs: tuple[str | os.PathLike, ...]) -> Path:
    """The file a ``base`` names, confined to the allowed folders."""
    naming = seen[-1]
    key = f"base (in {naming})"
    roots = (seen[0].parent.resolve(), SCENARIO_DIR.resolve(),
             *(Path(d).resolve() for d in base_dirs))
    try:
        path = resolve_path(text, naming.parent).resolve()
    except ScenarioError:
        raise ScenarioError.at(key, str(text), "an existing scenario file, relative to the file "
                               "that names it, or a bundled scenario: "
                               + ", ".join(bundled_scenarios())) from None
    if not _inside(path, roots):
        raise ScenarioError.at(key, str(text), "a file under the scenario's folder ("
                               f"{roots[0]}), the bundled scenarios, or a folder given with "
                               "--base-dir")
    return path


def load_scenario(path_or_name: str | os.PathLike | Mapping[str, Any],
                  overrides: Mapping[str, Any] | None = None,
                  base_dirs: tuple[str | os.PathLike, ...] = ()) -> Scenario:
    """Load, merge, override and check a scenario.

    Parameters
    ----------
    path_or_name : str, path or mapping
        A TOML file, the name of a bundled scenario (``"baseline"``), or a raw table.
    overrides : mapping, optional
        Dotted keys to set, e.g. ``{"run.replications": 20}``.
    base_dirs : tuple of paths
        Extra folders a ``base`` may name files in (see :func:`read_raw`).

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
        raw, source = read_raw(path_or_name, base_dirs=base_dirs), str(path_or_name)
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
        per_design: dict[str, list[Problem]] = {}
        for name, table in resolve_designs(raw_designs).items():
            try:
                designs[name] = parse_design(name, table, f"designs.{name}")
            except ScenarioError as err:
                per_design[name] = err.problems
        problems.extend(_once_per_mistake(per_design, raw_designs))
    except ScenarioError as err:
        problems.extend(err.problems)
    if problems:
        raise ScenarioError(problems)
    scenario = dataclasses.replace(scenario, designs=designs)
    problems = cross_check(scenario)
    if problems:
        raise ScenarioError(problems)
    return scenario


def _once_per_mistake(per_design: Mapping[str, list[Problem]],
                      raw_designs: Mapping[str, Any]) -> list[Problem]:
    """Drop the copies of a design's problem that designs extending it inherited."""
    def signature(name: str, problem: Problem) -> tuple[str, str, str]:
        rest = problem.key.removeprefix(f"designs.{name}")
        return rest, repr(problem.value), problem.allowed

    seen = {name: {signature(name, p) for p in found} for name, found in per_design.items()}
    out: list[Problem] = []
    for name, found in per_design.items():
        inherited = set().union(*(seen.get(a, set()) for a in ancestors(name, raw_designs)))
        out += [p for p in found if signature(name, p) not in inherited]
    return out


def cross_check(scenario: Scenario) -> list[Problem]:
    """Checks that span tables: references, and each provider's checks against demand."""
    problems: list[Problem] = []
    ref = scenario.run.reference_design
    if ref is not None and ref not in scenario.designs:
        names = list(scenario.designs)
        problems.append(Problem("run.reference_design", ref,
                                "one of " + ", ".join(names) + _suggest(ref, names)))
    problems += budget_problems(scenario, keep_cases=scenario.run.keep_cases)
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
    if scenario.events and not problems:
        from .event_checks import check_events

        problems += check_events(scenario)
    return problems
