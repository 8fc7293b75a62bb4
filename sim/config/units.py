"""Durations with units.

The simulation clock runs in **hours**. Scenario files write durations with a unit
(``"45s"``, ``"6min"``, ``"90m"``, ``"2h"``, ``"3 days"``, ``"1w"``); this module turns them
into hours and back into readable text. A bare number is refused for a duration, because "is
30 seconds or minutes?" is exactly the silent guess the scenario rules forbid. ``m`` means
minutes (never months: a month has no fixed length). Durations are at most
:data:`MAX_DURATION_H` (ten years): longer ones are typing mistakes that would make a run
allocate or loop without end.
"""

from __future__ import annotations

import math
import re

#: Hours per unit; the clock unit is the hour.
_SPELLINGS: dict[float, tuple[str, ...]] = {
    1 / 3600: ("s", "sec", "secs", "second", "seconds"),
    1 / 60: ("m", "min", "mins", "minute", "minutes"),
    1.0: ("h", "hr", "hrs", "hour", "hours"),
    24.0: ("d", "day", "days"),
    168.0: ("w", "wk", "week", "weeks"),
}
UNITS_IN_HOURS: dict[str, float] = {u: size for size, names in _SPELLINGS.items()
                                    for u in names}
#: The longest finite duration a scenario may write, in hours (ten years).
MAX_DURATION_H = 3650 * 24.0
SECOND = UNITS_IN_HOURS["s"]
MINUTE = UNITS_IN_HOURS["min"]
HOUR = 1.0
DAY = 24.0
WEEK = 168.0

_DURATION = re.compile(r"^\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*([a-z]+)\s*$")
ALLOWED_DURATION = ('a duration with a unit, e.g. "45s", "6min", "90m", "2h", "3 days", "1w" '
                    '(units: s, min or m, h, d, w, or spelled out: seconds, minutes, hours, '
                    'days, weeks), at most 10 years')


def parse_duration(text: object) -> float:
    """Convert a duration string to hours.

    Parameters
    ----------
    text : str
        A number followed by a unit of :data:`UNITS_IN_HOURS` (``s``, ``min`` or ``m``, ``h``,
        ``d``, ``w`` and their spelled-out forms), optionally with a space between;
        ``"inf"`` for an unbounded duration.

    Returns
    -------
    float
        The duration in hours.

    Raises
    ------
    ValueError
        If the text is not a number with a known unit, or longer than
        :data:`MAX_DURATION_H`.
    """
    if not isinstance(text, str):
        raise ValueError(ALLOWED_DURATION)
    if text.strip().lower() in {"inf", "infinite", "never"}:
        return math.inf
    match = _DURATION.match(text.lower())
    if not match or match.group(2) not in UNITS_IN_HOURS:
        raise ValueError(ALLOWED_DURATION)
    value = float(match.group(1)) * UNITS_IN_HOURS[match.group(2)]
    if not math.isfinite(value) or abs(value) > MAX_DURATION_H:
        raise ValueError(ALLOWED_DURATION)
    return value


def format_duration(hours: float) -> str:
    """Write a duration in hours back in the largest unit that keeps it readable."""
    if math.isinf(hours):
        return "inf"
    for unit, size in (("w", WEEK), ("d", DAY), ("h", HOUR), ("min", MINUTE)):
        count = hours / size
        if abs(count) >= 1 and abs(count - round(count)) < 1e-9:
            return f"{round(count)}{unit}"
    if abs(hours) >= 1:
        return f"{hours:g}h"
    if abs(hours) >= MINUTE:
        return f"{hours / MINUTE:g}min"
    return f"{hours / SECOND:g}s"
