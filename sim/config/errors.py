"""The one error type a scenario problem raises.

A scenario can be wrong in many places at once; a :class:`ScenarioError` collects every
problem found, each naming the dotted key, the value seen and what is allowed, so a user fixes
a file in one pass instead of one error per run.
"""

from __future__ import annotations

import reprlib
from dataclasses import dataclass

#: Longest key and value shown in a message: a file may hold huge or deeply nested values.
_SHOW_CHARS = 80
_repr = reprlib.Repr()  # keyword arguments only from Python 3.12
_repr.maxlevel, _repr.maxlist, _repr.maxtuple, _repr.maxset = 2, 6, 6, 6
_repr.maxstring, _repr.maxother, _repr.maxlong = 60, 60, 40


def show_value(value: object) -> str:
    """A short, one-line, safe rendering of a value found in a file.

    Tables are shown by their keys only (``a table with keys a, b``), never their values, so
    an error about a mistyped table does not dump (and leak) a whole file; strings and
    numbers are shown, shortened to a line.
    """
    if value is _MISSING:
        return "missing"
    if value is _UNSHOWN:
        return "(value not shown)"
    if isinstance(value, dict):
        names = [str(k) for k in list(value)[:6]]
        more = ", ..." if len(value) > 6 else ""
        text = (f"a table with keys {', '.join(names)}{more}" if names else "an empty table")
    elif isinstance(value, list | tuple) and any(isinstance(v, dict | list) for v in value):
        text = f"a list of {len(value)} item(s)"
    else:
        try:
            text = _repr.repr(value)
        except (RecursionError, ValueError):  # ValueError: a huge int's digits
            text = f"a {type(value).__name__}"
    return _short(text)


def _printable(text: str) -> str:
    """``text`` on one line: control characters (a line or record separator from a file's
    names) escaped as Python would show them."""
    return text if text.isprintable() else repr(text)[1:-1]


def _short(text: str, limit: int = _SHOW_CHARS) -> str:
    text = _printable(text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


@dataclass(frozen=True)
class Problem:
    """One problem in a scenario.

    Parameters
    ----------
    key : str
        Dotted key of the offending entry, e.g. ``designs.self_built.contact.groups.g1.agents``.
    value : object
        The value that was found (``None`` when the key is missing).
    allowed : str
        What would be accepted, in plain words.
    """

    key: str
    value: object
    allowed: str

    def __str__(self) -> str:
        # A key from a file may hold control characters or be very long: one short line. What
        # is allowed may list names from the file (designs, groups): escaped, never cut.
        return f"{_short(self.key, 240)}: {show_value(self.value)} — {_printable(self.allowed)}"


class _Missing:
    def __repr__(self) -> str:
        return "missing"


_MISSING = _Missing()
MISSING = _MISSING
#: The value of an unknown key: never echoed (it may come from a file the user did not
#: mean to share, e.g. a credentials file named as a base); the key is enough to fix it.
_UNSHOWN = _Missing()
UNSHOWN = _UNSHOWN


class ScenarioError(ValueError):
    """A scenario file, override or argument that cannot be used.

    ``str(error)`` gives one line per problem, each naming the dotted key.
    """

    def __init__(self, problems: list[Problem] | Problem, source: str | None = None):
        if isinstance(problems, Problem):
            problems = [problems]
        self.problems = list(problems)
        self.source = source
        head = f"{source}: " if source else ""
        lines = [f"{head}{p}" for p in self.problems]
        super().__init__("\n".join(lines))

    @classmethod
    def at(cls, key: str, value: object, allowed: str) -> ScenarioError:
        """Build an error with a single problem."""
        return cls([Problem(key, value, allowed)])
