"""Scenario events: numeric parameters changed over a time window (faults in the modelled world).

::

    [[events]]
    name = "carrier capacity drop"                       # a label for tables and figures
    key = "designs.third_party_logistics.logistics.pickup_capacity_per_day"
    scale = 0.3                                          # or: value = 120
    start = "7d"                                         # from the start of the run
    end = "14d"                                          # or: length = "7d"

``key`` is a dotted key of the resolved scenario, under ``designs.<design>.<stage>``,
``designs.<design>.overlays.<overlay>`` or ``policy``; ``*`` stands for every design, every
table entry or every list item at its level (``designs.*.contact.groups.voice.shifts.*.agents``
is every voice shift of every design that has one). The target must be a number or a
distribution: ``value`` replaces a number, ``scale`` multiplies a number or every
non-shape parameter of a distribution (``transit`` scaled by 2 takes twice as long). A scaled
whole-number field (agents, technicians) is rounded to the nearest whole number. The result
must be allowed for the field (the field's own range and its table's checks apply).

Windows lie inside ``[0, run.horizon]``. Overlapping events on the same key apply in file
order: each ``value`` replaces what the earlier ones made, each ``scale`` multiplies it. When a
window ends the parameter is back at the scenario's value: the model recovers from there.
Parameters a run fixes when it starts (a platform's technicians' first-time-fix rates, drawn
once per run) cannot be event targets; demand is drawn before a run starts (a surge of orders
is a ``demand.promotions`` entry; a surge of complaints is an event on
``policy.complaint_probability``).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from .distributions import _UNITLESS, KINDS, Dist
from .errors import Problem
from .fields import _suggest, duration, number, text
from .units import format_duration

Path = tuple[str, ...]
#: Top-level tables an event may change: what the model reads while it runs.
ROOTS = ("designs", "policy")


@dataclass(frozen=True, kw_only=True)
class Event:
    """A numeric parameter changed over a time window (an outage, an absence, a surge)."""

    name: str = text("", doc="Label of the event (tables, figures).")
    key: str = text(doc="Dotted key of the parameter, e.g. designs.third_party_logistics."
                        "logistics.pickup_capacity_per_day; * stands for every design, table "
                        "entry or list item at its level.")
    scale: float | None = number(None, min=0.0, doc="Factor on the parameter (a number or a "
                                                    "distribution) during the window.")
    value: float | None = number(None, doc="Value of the parameter during the window (the "
                                           "field's own range applies).")
    start: float = duration(doc="When the window opens, from the start of the run.")
    end: float | None = duration(None, doc="When it closes (or give length).")
    length: float | None = duration(None, positive=True, doc="How long it lasts (or give end).")

    def _check(self, key: str) -> list[Problem]:
        problems = []
        if (self.scale is None) == (self.value is None):
            problems.append(Problem(f"{key}.scale", self.scale,
                                    "either scale or value, not both and not neither"))
        if (self.end is None) == (self.length is None):
            problems.append(Problem(f"{key}.end", self.end,
                                    "either end or length, not both and not neither"))
        elif self.stop <= self.start:
            problems.append(Problem(f"{key}.end", format_duration(self.stop),
                                    f"after start ({format_duration(self.start)})"))
        return problems

    @property
    def stop(self) -> float:
        """When the window closes (h)."""
        return self.end if self.end is not None else self.start + self.length

    @property
    def window(self) -> tuple[float, float]:
        """``(start, end)`` in hours."""
        return (self.start, self.stop)

    @property
    def label(self) -> str:
        """The name, or the key when the event has none."""
        return self.name or self.key


# --- walking the resolved scenario ------------------------------------------------------------
def _children(node: Any, root: bool = False) -> dict[str, Any] | None:
    """The named parts of a node of the resolved scenario; None for a leaf."""
    from .schema import Design, Scenario

    if isinstance(node, Scenario):
        return {"designs": node.designs, "policy": node.policy}
    if isinstance(node, Design):
        out: dict[str, Any] = {s: a.params for s, a in node.stages.items()}
        if node.overlays:
            out["overlays"] = {n: o.params for n, o in node.overlays.items()}
        return out
    if isinstance(node, Dist) or node is None:
        return None
    if dataclasses.is_dataclass(node):
        return {f.name: getattr(node, f.name) for f in dataclasses.fields(node) if f.init}
    if isinstance(node, dict):
        return {str(k): v for k, v in node.items()}
    if isinstance(node, tuple | list):
        return {str(i): v for i, v in enumerate(node)}
    return None


def _replace(node: Any, name: str, child: Any) -> Any:
    """``node`` with its part ``name`` replaced by ``child`` (nodes are frozen)."""
    from .schema import Design, Scenario

    if isinstance(node, Scenario):
        return dataclasses.replace(node, **{name: child})
    if isinstance(node, Design):
        if name == "overlays":
            overlays = {n: dataclasses.replace(node.overlays[n], params=p)
                        for n, p in child.items()}
            return dataclasses.replace(node, overlays=overlays)
        stages = dict(node.stages)
        stages[name] = dataclasses.replace(stages[name], params=child)
        return dataclasses.replace(node, stages=stages)
    if isinstance(node, dict):
        keys = {str(k): k for k in node}
        return {**node, keys[name]: child}
    if isinstance(node, tuple | list):
        return type(node)(child if str(i) == name else v for i, v in enumerate(node))
    return dataclasses.replace(node, **{name: child})


def get(node: Any, path: Path) -> Any:
    """The part of ``node`` at ``path``."""
    for name in path:
        node = _children(node)[name]
    return node


def update(node: Any, path: Path, fn: Callable[[Any], Any]) -> Any:
    """``node`` with the part at ``path`` replaced by ``fn(part)``."""
    if not path:
        return fn(node)
    child = _children(node)[path[0]]
    return _replace(node, path[0], update(child, path[1:], fn))


class _NoMatchError(Exception):
    """A dotted key names nothing: ``key`` is as far as it got, ``allowed`` says what is."""

    def __init__(self, depth: int, allowed: str, part: str = ""):
        super().__init__(allowed)
        self.depth, self.allowed, self.part = depth, allowed, part


def expand(scenario: Any, key: str) -> list[Path]:
    """Every concrete path a (possibly wildcard) dotted key names, in scenario order.

    Raises
    ------
    _NoMatchError
        When it names nothing; the deepest failure says what would be allowed.
    """
    parts = tuple(key.split("."))
    if not parts or any(not p for p in parts):
        raise _NoMatchError(0, "a dotted key like designs.self_built.contact.groups.voice.agents")
    if parts[0] not in ROOTS:
        why = ("demand is drawn before a run starts: a surge of orders or cases is a "
               "demand.promotions entry; " if parts[0] == "demand" else "")
        raise _NoMatchError(0, why + "a key under " + " or ".join(ROOTS) + " (what a running "
                            "model reads)" + _suggest(parts[0], list(ROOTS)), parts[0])
    found: list[Path] = []
    deepest = [_NoMatchError(0, "")]

    def walk(node: Any, done: Path, rest: Path) -> None:
        if not rest:
            found.append(done)
            return
        children = _children(node)
        if children is None:
            fail(len(done), f"nothing: {'.'.join(done)} is a value, with no keys under it",
                 rest[0])
            return
        head = rest[0]
        names = list(children) if head == "*" else [head]
        if head != "*" and head not in children:
            fail(len(done), f"one of {', '.join(children) or '(none)'} under "
                            f"{'.'.join(done)}" + _suggest(head, list(children)), head)
            return
        for name in names:
            walk(children[name], (*done, name), rest[1:])

    def fail(depth: int, allowed: str, part: str) -> None:
        if depth >= deepest[0].depth:
            deepest[0] = _NoMatchError(depth, allowed, part)

    walk(scenario, (), parts)
    if not found:
        raise deepest[0]
    return found


# --- applying an event ------------------------------------------------------------------------
def scale_dist(d: Dist, factor: float) -> Dist:
    """``d`` scaled by ``factor``: every parameter but shapes (the variable times ``factor``)."""
    if d.kind == "empirical":
        return Dist(d.kind, tuple(v * factor for v in d.params))
    names = KINDS[d.kind]
    return Dist(d.kind, tuple(v if n in _UNITLESS else v * factor
                              for n, v in zip(names, d.params, strict=True)))


def changed(current: Any, event: Event) -> Any:
    """The parameter ``current`` while ``event`` is on (before range checks)."""
    if isinstance(current, Dist):
        if event.scale is None:
            raise ValueError("a distribution takes scale, not value")
        return scale_dist(current, event.scale)
    if isinstance(current, bool) or not isinstance(current, int | float):
        raise ValueError("not a number")
    if event.scale is not None:
        new = current * event.scale
        return int(math.floor(new + 0.5)) if isinstance(current, int) else float(new)
    if isinstance(current, int):
        if not float(event.value).is_integer():
            raise ValueError("a whole number (the parameter counts something)")
        return int(event.value)
    return float(event.value)


def apply(scenario: Any, events: list[tuple[Event, list[Path]]]) -> Any:
    """``scenario`` with ``events`` (each with its concrete paths) on, in order."""
    for event, paths in events:
        for path in paths:
            scenario = update(scenario, path, lambda v, e=event: changed(v, e))
    return scenario


def _iter_dataclasses(scenario: Any, path: Path) -> Iterator[tuple[Any, Path, Path]]:
    """Each dataclass on ``path`` (deepest first) with its own path and the rest below it."""
    nodes = [(scenario, ())]
    node = scenario
    for i, name in enumerate(path):
        node = _children(node)[name]
        nodes.append((node, path[: i + 1]))
    for node, at in reversed(nodes):
        if dataclasses.is_dataclass(node) and not isinstance(node, Dist):
            yield node, at, path[len(at):]


def designs_hit(scenario: Any) -> set[str]:
    """Designs some event of ``scenario`` changes (every design for a ``policy`` event)."""
    hit: set[str] = set()
    for event in getattr(scenario, "events", ()):
        for path in expand(scenario, event.key):
            hit |= {path[1]} if path[0] == "designs" else set(scenario.designs)
    return hit
