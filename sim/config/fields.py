"""Declaring scenario parameters and building frozen dataclasses from TOML tables.

Every scenario dataclass declares its fields with the helpers below (:func:`number`,
:func:`duration`, :func:`dist`, :func:`table`, ...). Each helper records, in the field's
metadata, how to parse and check a raw value, how to write it back, and a line of
documentation. :func:`build` walks a dataclass and a raw table together, so:

- unknown keys are errors, with a close-match suggestion;
- every error names the dotted key, the value and what is allowed;
- the scenario reference in the docs is generated from the same metadata (see ``sim.docs``).

Nothing here evaluates code: raw values are only ever compared, converted and checked.
"""

from __future__ import annotations

import copy
import dataclasses
import difflib
import math
from collections.abc import Callable, Mapping
from typing import Any

from .distributions import Dist, describe, parse_dist
from .errors import MISSING, UNSHOWN, Problem, ScenarioError
from .units import ALLOWED_DURATION, format_duration, parse_duration

Parser = Callable[[Any, str], Any]
Dumper = Callable[[Any], Any]


def _identity(value: Any) -> Any:
    return value


def _field(default: Any, parse: Parser, doc: str, kind: str, allowed: str,
           dump: Dumper = _identity, unit: str = "") -> Any:
    meta = {"parse": parse, "dump": dump, "doc": doc, "kind": kind, "allowed": allowed,
            "unit": unit}
    if default is MISSING:
        return dataclasses.field(metadata=meta)
    if isinstance(default, dict | list | tuple) or dataclasses.is_dataclass(default):
        frozen = default

        def factory() -> Any:
            # A fresh copy per scenario: frozen dataclasses may still hold dicts, and a
            # shared default would let mutating one loaded scenario change the next.
            return copy.deepcopy(frozen)

        return dataclasses.field(default_factory=factory, metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


REQUIRED = MISSING

#: Largest whole number a count field accepts unless it declares its own ``max``: beyond it a
#: run cannot fit in memory or finish (agents, technicians, attempts, queue places ...).
MAX_COUNT = 10_000
#: Largest finite value a real-valued field accepts unless it declares its own ``max``.
MAX_NUMBER = 1e12


# --- scalar helpers ---------------------------------------------------------------------------
def number(default: Any = REQUIRED, *, doc: str, min: float | None = None,
           max: float | None = None, integer: bool = False, unit: str = "",
           open_min: bool = False) -> Any:
    """A number, optionally an integer, within ``[min, max]`` (``(min, max]`` with open_min).

    A whole-number field takes TOML integers only (``3``, not ``3.0`` or ``1e308``); without
    an explicit ``max`` it is capped at :data:`MAX_COUNT`, a real number at
    :data:`MAX_NUMBER`; NaN and infinities are refused.
    """
    allow_inf = False  # inf in a real field overflowed at run time (fuzz: presale_lead_factor)
    if max is None:
        max = MAX_COUNT if integer else MAX_NUMBER
    lo = "" if min is None else (f"> {min:g}" if open_min else f">= {min:g}")
    hi = "" if max is None else f"<= {max:g}"
    bounds = " and ".join(b for b in (lo, hi) if b)
    what = "a whole number" if integer else "a number"
    allowed = f"{what} {bounds}".strip() + (', or inf' if allow_inf else "")

    def parse(raw: Any, key: str) -> Any:
        ok_type = isinstance(raw, int) if integer else isinstance(raw, int | float)
        if isinstance(raw, bool) or not ok_type:
            raise ScenarioError.at(key, raw, allowed)
        value = int(raw) if integer else float(raw)
        if value == math.inf and allow_inf:
            return value
        if not integer and not math.isfinite(value):
            raise ScenarioError.at(key, raw, allowed)
        too_low = min is not None and (value <= min if open_min else value < min)
        if too_low or (max is not None and value > max):
            raise ScenarioError.at(key, raw, allowed)
        return value

    return _field(default, parse, doc, "integer" if integer else "number", allowed, unit=unit)


def probability(default: Any = REQUIRED, *, doc: str) -> Any:
    """A probability or share in [0, 1]."""
    return number(default, doc=doc, min=0.0, max=1.0, unit="probability")


def money(default: Any = REQUIRED, *, doc: str) -> Any:
    """An amount of money in the scenario's currency, >= 0."""
    return number(default, doc=doc, min=0.0, unit="currency")


def flag(default: Any = REQUIRED, *, doc: str) -> Any:
    """A boolean."""

    def parse(raw: Any, key: str) -> bool:
        if not isinstance(raw, bool):
            raise ScenarioError.at(key, raw, "true or false")
        return raw

    return _field(default, parse, doc, "boolean", "true or false")


def text(default: Any = REQUIRED, *, doc: str) -> Any:
    """Free text."""

    def parse(raw: Any, key: str) -> str:
        if not isinstance(raw, str):
            raise ScenarioError.at(key, raw, "a string")
        return raw

    return _field(default, parse, doc, "string", "a string")


def choice(default: Any = REQUIRED, *, options: tuple[str, ...], doc: str) -> Any:
    """One of a fixed set of strings."""
    allowed = "one of " + ", ".join(repr(o) for o in options)

    def parse(raw: Any, key: str) -> str:
        if raw not in options:
            raise ScenarioError.at(key, raw, allowed + _suggest(raw, options))
        return raw

    return _field(default, parse, doc, "choice", allowed)


def duration(default: Any = REQUIRED, *, doc: str, positive: bool = False,
             allow_inf: bool = False) -> Any:
    """A duration with a unit, stored in hours."""
    allowed = ALLOWED_DURATION + (" greater than 0" if positive else " (>= 0)")
    if allow_inf:
        allowed += ', or "inf"'

    def parse(raw: Any, key: str) -> float:
        try:
            value = parse_duration(raw)
        except ValueError:
            raise ScenarioError.at(key, raw, allowed) from None
        if value < 0 or (positive and value == 0) or (math.isinf(value) and not allow_inf):
            raise ScenarioError.at(key, raw, allowed)
        return value

    if default is not REQUIRED and isinstance(default, str):
        default = parse_duration(default)
    return _field(default, parse, doc, "duration", allowed, dump=format_duration, unit="duration")


def dist(default: Any = REQUIRED, *, doc: str, of_duration: bool = True) -> Any:
    """A distribution spec (see :mod:`sim.config.distributions`)."""
    allowed = ('a table { dist = "exponential" | "lognormal" | "gamma" | "weibull" | '
               '"triangular" | "uniform" | "deterministic" | "empirical", ... } or a fixed value')

    def parse(raw: Any, key: str) -> Dist:
        return parse_dist(raw, key, of_duration)

    if default is not REQUIRED and not isinstance(default, Dist):
        default = parse_dist(default, "default", of_duration)
    return _field(default, parse, doc, "distribution", allowed,
                  dump=lambda d: describe(d, of_duration),
                  unit="duration" if of_duration else "")


def profile(default: Any = REQUIRED, *, length: int, doc: str) -> Any:
    """A list of ``length`` non-negative relative weights (not all zero)."""
    allowed = f"a list of {length} numbers >= 0, not all zero"

    def parse(raw: Any, key: str) -> tuple[float, ...]:
        if (not isinstance(raw, list) or len(raw) != length
                or any(isinstance(v, bool) or not isinstance(v, int | float) for v in raw)
                or any(not (v >= 0) or math.isinf(v) for v in raw) or sum(raw) <= 0):
            raise ScenarioError.at(key, raw, allowed)
        return tuple(float(v) for v in raw)

    if isinstance(default, list):
        default = tuple(default)
    return _field(default, parse, doc, "profile", allowed, dump=list)


def strings(default: Any = REQUIRED, *, options: tuple[str, ...] | None = None,
            doc: str) -> Any:
    """A list of strings, optionally each from a fixed set."""
    allowed = "a list of strings" + (
        " from " + ", ".join(repr(o) for o in options) if options else "")

    def parse(raw: Any, key: str) -> tuple[str, ...]:
        if not isinstance(raw, list) or any(not isinstance(v, str) for v in raw):
            raise ScenarioError.at(key, raw, allowed)
        if options:
            for i, v in enumerate(raw):
                if v not in options:
                    raise ScenarioError.at(f"{key}[{i}]", v, allowed + _suggest(v, options))
        return tuple(raw)

    if isinstance(default, list):
        default = tuple(default)
    return _field(default, parse, doc, "list", allowed, dump=list)


# --- nested helpers ---------------------------------------------------------------------------
def table(cls: type, default: Any = REQUIRED, *, doc: str) -> Any:
    """A nested table built as dataclass ``cls``; an absent table takes every field's default."""
    if default is REQUIRED:
        default = MISSING
    elif default == {}:
        default = build(cls, {}, "")

    def parse(raw: Any, key: str) -> Any:
        return build(cls, raw, key)

    return _field(default, parse, doc, "table", f"a table ({cls.__name__})", dump=dump)


def mapping(value_field: Any, default: Any = REQUIRED, *, doc: str,
            keys: tuple[str, ...] | None = None, min_items: int = 0) -> Any:
    """A table of named entries, each parsed by ``value_field``'s parser (e.g. ``number(...)``).

    ``keys`` restricts the names; the mapping is stored as a plain dict (read-only by convention).
    """
    inner = value_field.metadata if hasattr(value_field, "metadata") else value_field
    allowed = f"a table of named entries, each {inner['allowed']}"
    if keys:
        allowed += "; names from " + ", ".join(keys)

    def parse(raw: Any, key: str) -> dict[str, Any]:
        if not isinstance(raw, dict):
            raise ScenarioError.at(key, raw, allowed)
        problems: list[Problem] = []
        out: dict[str, Any] = {}
        for name, value in raw.items():
            sub = f"{key}.{name}"
            if keys and name not in keys:
                problems.append(Problem(sub, UNSHOWN, "unknown name; expected one of "
                                        + ", ".join(keys) + _suggest(name, keys)))
                continue
            try:
                out[name] = inner["parse"](value, sub)
            except ScenarioError as err:
                problems.extend(err.problems)
        if len(out) < min_items and not problems:
            problems.append(Problem(key, raw, f"at least {min_items} entr"
                                    + ("y" if min_items == 1 else "ies")))
        if problems:
            raise ScenarioError(problems)
        return out

    def dump_map(value: dict[str, Any]) -> dict[str, Any]:
        return {k: inner["dump"](v) for k, v in value.items()}

    if isinstance(default, dict):
        default = parse(default, "(default)")  # defaults are written like file values

    return _field(default, parse, doc, "mapping", allowed, dump=dump_map, unit=inner["unit"])


def items(cls: type, default: Any = REQUIRED, *, doc: str) -> Any:
    """A list of tables (TOML ``[[...]]``), each built as dataclass ``cls``."""
    allowed = f"a list of tables ({cls.__name__})"

    def parse(raw: Any, key: str) -> tuple[Any, ...]:
        if not isinstance(raw, list):
            raise ScenarioError.at(key, raw, allowed)
        problems: list[Problem] = []
        out = []
        for i, entry in enumerate(raw):
            try:
                out.append(build(cls, entry, f"{key}[{i}]"))
            except ScenarioError as err:
                problems.extend(err.problems)
        if problems:
            raise ScenarioError(problems)
        return tuple(out)

    if isinstance(default, list):
        default = parse(default, "(default)")
    return _field(default, parse, doc, "list of tables", allowed,
                  dump=lambda v: [dump(x) for x in v])


# --- building and dumping ---------------------------------------------------------------------
def build(cls: type, raw: Any, key: str = "") -> Any:
    """Build dataclass ``cls`` from a raw TOML table, collecting every problem.

    After the fields parse, an optional ``cls._check(self, key) -> list[Problem]`` checks the
    relations between fields (shares that must sum to 1, references between tables).
    """
    prefix = f"{key}." if key else ""
    if not isinstance(raw, Mapping):
        raise ScenarioError.at(key or "(top level)", raw, f"a table ({cls.__name__})")
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    problems: list[Problem] = []
    for name in raw:
        if name not in fields:
            problems.append(Problem(prefix + name, UNSHOWN,
                                    f"unknown key in {cls.__name__}"
                                    + _suggest(name, tuple(fields))
                                    + "; known keys: " + ", ".join(fields)))
    values: dict[str, Any] = {}
    for name, f in fields.items():
        sub = prefix + name
        if name in raw:
            try:
                values[name] = f.metadata["parse"](raw[name], sub)
            except ScenarioError as err:
                problems.extend(err.problems)
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            problems.append(Problem(sub, MISSING, "required: " + f.metadata["allowed"]))
    if problems:
        raise ScenarioError(problems)
    obj = cls(**values)
    check = getattr(obj, "_check", None)
    if check is not None:
        problems = check(key)
        if problems:
            raise ScenarioError(problems)
    return obj


def dump(obj: Any) -> dict[str, Any]:
    """Write a built dataclass back as a raw table (durations with units, distributions)."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(obj):
        if not f.metadata.get("dump"):
            continue
        value = getattr(obj, f.name)
        if value is None:
            continue
        out[f.name] = f.metadata["dump"](value)
    return out


def _suggest(name: object, options: tuple[str, ...] | list[str]) -> str:
    if not isinstance(name, str):
        return ""
    close = difflib.get_close_matches(name, list(options), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def shares_sum_to_one(shares: Mapping[str, float], key: str, tol: float = 1e-6) -> list[Problem]:
    """A problem if ``shares`` do not sum to 1 (within ``tol``)."""
    total = sum(shares.values())
    if abs(total - 1.0) > tol:
        return [Problem(key, dict(shares), f"shares that sum to 1 (they sum to {total:g})")]
    return []
