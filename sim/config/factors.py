"""Factors of a designed experiment: a dotted scenario key and the values it may take.

A factor is written in a sweep file's ``[factors]`` table (or a scenario's ``[uncertainty]``
table) in one of four ways, always in the unit of the key it varies::

    "policy.return_freight_payer" = ["consumer", "insured"]      # levels (any values)
    "designs.third_party_service.field_service.visit_fee" = "50..200"   # a range (CNY)
    "outcomes.satisfaction.forum_wait_tolerance" = "2h..12h"            # a range of durations
    "designs.community.contact.answer_probability" = { dist = "triangular", min = 0.4,
                                                       mode = 0.6, max = 0.8 }
    "designs.b.contact.groups.g.agents" = { range = "3..6", levels = 4 }

A range whose ends are whole numbers without a decimal point is sampled as whole numbers
(head counts, fees in whole yuan); write ``"0.0..1.0"`` or ``{ range = "50..200",
integer = false }`` for a continuous one. Distributions are the scenario's own
(:mod:`sim.config.distributions`), turned into values by their inverse CDF.

Every sampler of :mod:`sim.experiment.doe` works in the unit cube and maps each coordinate to
a value with :meth:`Factor.value_at`, so every method handles every kind of factor the same way.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from .distributions import Dist, parse_dist
from .errors import Problem, ScenarioError
from .units import format_duration, parse_duration

_RANGE = re.compile(r"^\s*(\S+?)\s*\.\.\s*(\S+)\s*$")
_WHOLE = re.compile(r"^[+-]?\d+$")
ALLOWED = ('a list of levels, a range "LOW..HIGH" in the key\'s unit ("50..200", "2h..12h"), '
           'a table { range = "LOW..HIGH", levels = N, integer = true|false }, or a '
           'distribution table { dist = "uniform" | "triangular" | ..., ... }')


@dataclass(frozen=True)
class Factor:
    """One varied scenario key.

    Parameters
    ----------
    key : str
        Dotted scenario key.
    kind : str
        ``"levels"``, ``"range"`` or ``"dist"``.
    levels : tuple
        The values, for ``kind == "levels"``.
    low, high : float
        Range ends (hours for durations).
    integer : bool
        Values are whole numbers.
    duration : bool
        Values are durations (written back with a unit).
    dist : Dist, optional
        The distribution, for ``kind == "dist"``.
    grid : int
        Points per range in a full-factorial design.
    """

    key: str
    kind: str
    levels: tuple = ()
    low: float = math.nan
    high: float = math.nan
    integer: bool = False
    duration: bool = False
    dist: Dist | None = None
    grid: int = 0

    @property
    def unit(self) -> str:
        """``"h"`` for durations, ``"level"`` for levels, else the key's own unit (``""``)."""
        return "h" if self.duration else ("level" if self.kind == "levels" else "")

    @property
    def numeric(self) -> bool:
        """Whether the factor's values are numbers (sensitivity needs that)."""
        return self.kind != "levels" or all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in self.levels)

    def value_at(self, u: float) -> Any:
        """The scenario value at unit coordinate ``u`` in [0, 1) (levels: equal shares)."""
        u = min(max(float(u), 0.0), math.nextafter(1.0, 0.0))
        if self.kind == "levels":
            return self.levels[min(int(u * len(self.levels)), len(self.levels) - 1)]
        if self.kind == "dist":
            x = float(np.asarray(self.dist.ppf(np.array([u])))[0])
        elif self.integer:
            x = float(math.floor(self.low + u * (self.high - self.low + 1)))
            x = min(x, self.high)
        else:
            x = self.low + u * (self.high - self.low)
        return self.scenario_value(x)

    def scenario_value(self, x: float) -> Any:
        """A number (hours for durations) written as the scenario key expects it."""
        if self.duration:
            return f"{x!r}h"
        return int(round(x)) if self.integer else float(x)

    def number(self, value: Any) -> Any:
        """The value as a table entry: hours for durations, else the value itself."""
        return parse_duration(value) if self.duration else value

    def full_factorial(self, default_levels: int) -> list[Any]:
        """The values of this factor in a full-factorial grid."""
        if self.kind == "levels":
            return list(self.levels)
        k = self.grid or default_levels
        if self.kind == "dist":
            return [self.value_at((i + 0.5) / k) for i in range(k)]
        xs = np.linspace(self.low, self.high, k)
        if self.integer:
            xs = np.unique(np.round(xs))
        return [self.scenario_value(float(x)) for x in xs]

    def describe(self) -> str:
        """The factor as written, for tables and reports."""
        if self.kind == "levels":
            return ", ".join(str(v) for v in self.levels)
        if self.kind == "dist":
            return f"{self.dist.kind}{self.dist.params}"
        show = format_duration if self.duration else (lambda x: f"{x:g}")
        return f"{show(self.low)}..{show(self.high)}"


def _end(text: str, key: str, raw: Any) -> tuple[float, bool, bool]:
    """(value, is a duration, is a whole number) of one range end."""
    try:
        return float(text), False, bool(_WHOLE.match(text))
    except ValueError:
        pass
    try:
        return parse_duration(text), True, False
    except ValueError:
        raise ScenarioError.at(key, raw, ALLOWED) from None


def parse_range(text: str, key: str, integer: bool | None = None, grid: int = 0) -> Factor:
    """Parse ``"LOW..HIGH"`` (numbers or durations with units) into a range factor."""
    match = _RANGE.match(text)
    if not match:
        raise ScenarioError.at(key, text, ALLOWED)
    (lo, lo_dur, lo_int), (hi, hi_dur, hi_int) = (_end(match.group(i), key, text) for i in (1, 2))
    if lo_dur != hi_dur:
        raise ScenarioError.at(key, text, "both ends with a unit, or neither")
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        raise ScenarioError.at(key, text, "a range LOW..HIGH with finite LOW < HIGH")
    whole = lo_int and hi_int if integer is None else integer
    if whole and not (float(lo).is_integer() and float(hi).is_integer()):
        raise ScenarioError.at(key, text, "whole-number ends for an integer range")
    return Factor(key, "range", low=lo, high=hi, integer=bool(whole), duration=lo_dur, grid=grid)


def _table(raw: dict, key: str) -> Factor:
    if "dist" in raw:
        params = [v for k, v in raw.items() if k != "dist"]
        if params and isinstance(params[0], list):  # {dist = "x"} alone: parse_dist says why
            params = params[0]
        duration = any(isinstance(v, str) for v in params)
        dist = parse_dist(raw, key, duration)
        return Factor(key, "dist", dist=dist, duration=duration)
    known = {"range", "levels", "integer"}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ScenarioError.at(f"{key}.{unknown[0]}", raw[unknown[0]],
                               "unknown key of a factor table; known: dist, " + ", ".join(known))
    grid = raw.get("levels", 0)
    if isinstance(grid, list):
        if "range" in raw:
            raise ScenarioError.at(f"{key}.levels", grid, "a count of grid points with a range")
        return parse_factor(key, grid)
    if isinstance(grid, bool) or not isinstance(grid, int) or (grid and grid < 2):
        raise ScenarioError.at(f"{key}.levels", grid, "a whole number of grid points >= 2")
    integer = raw.get("integer")
    if integer is not None and not isinstance(integer, bool):
        raise ScenarioError.at(f"{key}.integer", integer, "true or false")
    if not isinstance(raw.get("range"), str):
        raise ScenarioError.at(f"{key}.range", raw.get("range"), 'a range "LOW..HIGH"')
    return parse_range(raw["range"], key, integer, grid)


def parse_factor(key: str, raw: Any) -> Factor:
    """Parse one factor entry (see the module docstring for the forms)."""
    if not isinstance(key, str) or not key or any(not p for p in key.split(".")):
        raise ScenarioError.at(str(key), raw, "a dotted scenario key such as run.seed")
    if isinstance(raw, list):
        if not raw:
            raise ScenarioError.at(key, raw, "a non-empty list of levels")
        if len({repr(v) for v in raw}) != len(raw):
            raise ScenarioError.at(key, raw, "levels without repeats")
        return Factor(key, "levels", levels=tuple(raw))
    if isinstance(raw, str):
        return parse_range(raw, key)
    if isinstance(raw, dict):
        return _table(raw, key)
    raise ScenarioError.at(key, raw, ALLOWED)


def parse_factors(raw: Any, key: str) -> tuple[Factor, ...]:
    """Parse a ``[factors]`` table, collecting every problem."""
    if not isinstance(raw, dict) or not raw:
        raise ScenarioError.at(key, raw, "a table of dotted scenario keys, each " + ALLOWED)
    problems: list[Problem] = []
    out = []
    for name, value in raw.items():
        try:
            out.append(parse_factor(name, value))
        except ScenarioError as err:
            problems += [Problem(f"{key}.{p.key}" if not p.key.startswith(key) else p.key,
                                 p.value, p.allowed) for p in err.problems]
    if problems:
        raise ScenarioError(problems)
    return tuple(out)


def dump_factor(factor: Factor) -> Any:
    """A factor written back as it would appear in a file."""
    if factor.kind == "levels":
        return list(factor.levels)
    if factor.kind == "dist":
        from .distributions import describe

        return describe(factor.dist, factor.duration)
    show = format_duration if factor.duration else (
        (lambda x: str(int(x))) if factor.integer else (lambda x: repr(float(x))))
    text = f"{show(factor.low)}..{show(factor.high)}"
    if factor.grid or (not factor.integer and not factor.duration and
                       float(factor.low).is_integer() and float(factor.high).is_integer()):
        return {"range": text, **({"levels": factor.grid} if factor.grid else {}),
                "integer": factor.integer}
    return text


def uncertainty_field() -> Any:
    """The scenario's ``[uncertainty]`` table: plausible ranges of assumption-marked keys.

    Keys may use ``*`` for a design name (``designs.*.field_service.visit_fee``): the same
    sampled value then goes to every design where the key exists. ``aftersales robust`` samples
    worlds from it; a normal run ignores it.
    """
    from .fields import _field

    def parse(raw: Any, key: str) -> tuple[Factor, ...]:
        if isinstance(raw, dict) and not raw:
            return ()
        return parse_factors(raw, key)

    return _field(None, parse, "Plausible ranges or distributions of uncertain parameters "
                  "(dotted keys, `designs.*.` for every design), sampled by `aftersales robust`; "
                  "a normal run ignores them.", "table", "a table of dotted keys, each " + ALLOWED,
                  dump=lambda fs: {f.key: dump_factor(f) for f in fs})
