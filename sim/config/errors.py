"""The one error type a scenario problem raises.

A scenario can be wrong in many places at once; a :class:`ScenarioError` collects every
problem found, each naming the dotted key, the value seen and what is allowed, so a user fixes
a file in one pass instead of one error per run.
"""

from __future__ import annotations

from dataclasses import dataclass


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
        shown = "missing" if self.value is _MISSING else repr(self.value)
        # A key from a file may hold control characters; escape them to keep one line.
        key = self.key if self.key.isprintable() else repr(self.key)[1:-1]
        return f"{key}: {shown} — {self.allowed}"


class _Missing:
    def __repr__(self) -> str:
        return "missing"


_MISSING = _Missing()
MISSING = _MISSING


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
