"""Checking a scenario's ``[[events]]``: keys, targets, windows and the values they make.

See :mod:`sim.config.events` for what an event is; this module is what the loader calls
(:func:`check_events`, from :func:`sim.config.loader.cross_check`).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from .distributions import Dist
from .errors import Problem, ScenarioError, show_value
from .events import (
    Event,
    Path,
    _children,
    _iter_dataclasses,
    _NoMatchError,
    changed,
    expand,
    get,
    update,
)
from .units import format_duration


# --- checking a scenario's events -------------------------------------------------------------
def check_events(scenario: Any) -> list[Problem]:
    """Every problem of a scenario's events: keys, targets, windows, and the values they make.

    Each event's key must name numeric parameters (see the module docstring); its window must
    lie inside the run; and at every moment the changed parameters must be allowed by their
    fields (each overlap of windows is checked with its events applied in file order).
    """
    problems: list[Problem] = []
    resolved: list[tuple[int, Event, list[Path]]] = []
    # The run lasts the horizon plus the drain, where open cases still meet the providers:
    # a window may reach into the drain (e.g. a scenario shortened with --set run.horizon=...).
    end = scenario.run.horizon + scenario.run.drain
    for i, event in enumerate(scenario.events):
        key = f"events[{i}]"
        if event.stop > end:
            problems.append(Problem(f"{key}.end", format_duration(event.stop),
                                    f"inside the run: at most run.horizon + run.drain "
                                    f"({format_duration(end)})"))
        try:
            paths = expand(scenario, event.key)
        except _NoMatchError as err:
            problems.append(Problem(f"{key}.key", err.part or event.key, err.allowed))
            continue
        found = [_target_problem(scenario, path, event, key) for path in paths]
        found = [p for p in found if p is not None]
        if found:
            problems.append(found[0])
            continue
        resolved.append((i, event, paths))
    if problems:
        return problems
    return _check_overlaps(scenario, resolved)


def _target_problem(scenario: Any, path: Path, event: Event, key: str) -> Problem | None:
    dotted = ".".join(path)
    current = get(scenario, path)
    if isinstance(current, Dist):
        if event.scale is None:
            return Problem(f"{key}.value", event.value, f"scale instead: {dotted} is a "
                           "distribution (scale multiplies it; value cannot set it)")
    elif isinstance(current, bool) or not isinstance(current, int | float):
        what = ("not set" if current is None else
                "a table or list" if _children(current) is not None else
                f"a {type(current).__name__}")
        return Problem(f"{key}.key", path[-1], f"a numeric parameter; {dotted} is {what}"
                       + (" (name its numeric keys, e.g. with .*)"
                          if _children(current) else ""))
    for node, _at, rest in _iter_dataclasses(scenario, path):
        fixed = getattr(node, "_event_fixed", ())
        below = ".".join(rest)
        if any(below == f or below.startswith(f + ".") for f in fixed):
            return Problem(f"{key}.key", path[-1], f"a parameter a run can change while it "
                           f"runs; {dotted} is fixed when a run starts (drawn once per run)")
    return None


def _check_overlaps(scenario: Any, resolved: list[tuple[int, Event, list[Path]]]) -> list[Problem]:
    """Apply the events active at each moment, in file order, checking every changed field."""
    times = sorted({t for _, e, _ in resolved for t in e.window})
    seen: set[tuple[int, ...]] = set()
    problems: list[Problem] = []
    for t in times:
        active = [(i, e, p) for i, e, p in resolved if e.start <= t < e.stop]
        ids = tuple(i for i, _, _ in active)
        if not active or ids in seen:
            continue
        seen.add(ids)
        current = scenario
        for i, event, paths in active:
            for path in paths:
                try:
                    current = update(current, path, lambda v, e=event: changed(v, e))
                except ValueError as err:
                    what = "scale" if event.scale is not None else "value"
                    problems.append(Problem(f"events[{i}].{what}", getattr(event, what),
                                            f"{err} for {'.'.join(path)}"))
                    return problems
                problem = _field_problem(current, path, event, i)
                if problem is not None:
                    return [problem]
        problem = _stage_problem(current, active[-1])
        if problem is not None:
            return [problem]
    return problems


def _stage_problem(scenario: Any, last: tuple[int, Event, list[Path]]) -> Problem | None:
    """A design that lacks a stage the changed scenario's cases reach (e.g. complaints raised
    only while an event is on)."""
    i, event, _ = last
    needed = scenario.stages_needed()
    for name, design in scenario.designs.items():
        missing = [s for s in needed if not design.has(s)]
        if missing:
            return Problem(f"events[{i}].key", event.key.rsplit(".", 1)[-1],
                           f"an event whose cases every design can serve: while it is on, "
                           f"cases reach {missing[0]}, which designs.{name} has no provider "
                           f"for (give designs.{name}.{missing[0]}.provider)")
    return None


def _field_problem(scenario: Any, path: Path, event: Event, i: int) -> Problem | None:
    """A problem when the changed value at ``path`` is not allowed by its field or table."""
    what = "scale" if event.scale is not None else "value"
    during = f" (while events[{i}] is on"
    for node, at, rest in _iter_dataclasses(scenario, path):
        fields = {f.name: f for f in dataclasses.fields(node) if f.init}
        field = fields.get(rest[0]) if rest else None
        if field is None or not callable(field.metadata.get("parse")):
            continue
        dotted = ".".join((*at, rest[0]))
        try:
            field.metadata["parse"](field.metadata["dump"](getattr(node, rest[0])), dotted)
        except ScenarioError as err:
            p = err.problems[0]
            return Problem(f"events[{i}].{what}", getattr(event, what),
                           f"a result allowed for {p.key}{during}, it is "
                           f"{show_value(p.value)}): {p.allowed}")
        break
    for node, at, _ in _iter_dataclasses(scenario, path):
        check = getattr(node, "_check", None)
        if check is None:
            continue
        found = check(".".join(at))
        if found:
            p = found[0]
            return Problem(f"events[{i}].{what}", getattr(event, what),
                           f"a result its table allows{during}): {p}")
    return None
