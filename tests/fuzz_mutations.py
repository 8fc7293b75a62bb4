"""Mutations of scenario and sweep files for the fuzz test (``tests/test_fuzz.py``).

Each mutation takes a raw scenario table (the file as read, ``base`` kept) and a Hypothesis
``data`` object, and returns the bytes of a new file plus, where the mutation needs them,
side files to write next to it (a base that loops, a base outside the folder). Mutations are
the mistakes a user makes: keys missing, unknown or retyped; NaN, inf, zero, negative and
huge numbers; wrong units; bad encodings; deep nesting; overlong names; dangling references;
base loops and escapes.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from sim.experiment.store import toml_dumps

NUMBERS = [math.nan, math.inf, -math.inf, 0, 0.0, -1, -1e-9, 1e308, 1e15, 2**63, -(2**63),
           2**64 + 1, 0.5, 1.5, 1e-300, 10**30]
STRINGS = ["", " ", "5", "5 parsecs", "1e300h", "-3d", "nan h", "inf", "90m", "3 days",
           "0.5 w", "0s", "1e-300s", "x" * 5000, "\x00", "é中文", "{}", "designs"]
ODD_VALUES: list[Any] = [True, [], [1, "a"], {}, {"dist": "lognormal", "mean": "1h",
                                                  "sd": "1e300h"},
                         {"dist": "nope"}, [{"a": 1}], {"provider": "nope"}]


def leaf_paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    """Paths (tuples of keys and list indices) to every value of a raw table, tables too."""
    out = []
    items = node.items() if isinstance(node, dict) else (
        enumerate(node) if isinstance(node, list) else ())
    for key, value in items:
        path = (*prefix, key)
        out.append(path)
        out += leaf_paths(value, path)
    return out


def _parent(raw: Any, path: tuple) -> Any:
    node = raw
    for key in path[:-1]:
        node = node[key]
    return node


def _nested(depth: int) -> dict:
    node: dict = {"x": 1}
    for _ in range(depth):
        node = {"a": node}
    return node


def mutate(raw: dict, data: st.DataObject) -> tuple[bytes, dict[str, bytes]]:
    """One random mutation of ``raw``; returns (file bytes, {side file name: bytes})."""
    raw = copy.deepcopy(raw)
    kind = data.draw(st.sampled_from(sorted(MUTATIONS)), label="mutation")
    return MUTATIONS[kind](raw, data)


def _pick(raw: dict, data: st.DataObject) -> tuple:
    paths = leaf_paths(raw)
    return data.draw(st.sampled_from(paths), label="path")


def _text(raw: dict) -> bytes:
    return toml_dumps(raw).encode("utf-8")


def _delete(raw, data):
    path = _pick(raw, data)
    parent = _parent(raw, path)
    if isinstance(parent, list):
        parent.pop(path[-1])
    else:
        del parent[path[-1]]
    return _text(raw), {}


def _replace(values: list) -> Callable:
    def apply(raw, data):
        path = _pick(raw, data)
        _parent(raw, path)[path[-1]] = copy.deepcopy(data.draw(st.sampled_from(values),
                                                               label="value"))
        return _text(raw), {}
    return apply


def _unknown_key(raw, data):
    path = _pick(raw, data)
    parent = _parent(raw, path)
    target = parent[path[-1]] if isinstance(parent[path[-1]], dict) else raw
    name = data.draw(st.sampled_from(["agnets", "horizn", "x" * 3000, "provider ", "é",
                                      "base", "extends"]), label="unknown")
    target[name] = 1
    return _text(raw), {}


def _deep(raw, data):
    path = _pick(raw, data)
    depth = data.draw(st.sampled_from([30, 200, 2000]), label="depth")
    if depth > 200:  # the project's TOML writer recurses too: write this one by hand
        text = toml_dumps(raw).encode() + b"\n[deep]\nv = " + b"{a = " * depth + b"1" \
            + b"}" * depth + b"\n"
        return text, {}
    _parent(raw, path)[path[-1]] = _nested(depth)
    return _text(raw), {}


def _dangling(raw, data):
    designs = raw.get("designs") or {}
    choice = data.draw(st.sampled_from(["reference", "extends", "provider", "loop"]),
                       label="dangling")
    names = list(designs)
    if choice == "reference" or not names:
        raw.setdefault("run", {})["reference_design"] = "no_such_design"
    elif choice == "extends":
        designs[names[0]]["extends"] = "no_such_design"
    elif choice == "provider":
        for table in designs[names[-1]].values():
            if isinstance(table, dict) and "provider" in table:
                table["provider"] = "no_such_provider"
                break
    else:
        designs[names[0]]["extends"] = names[-1]
        designs[names[-1]]["extends"] = names[0]
    return _text(raw), {}


def _encoding(raw, data):
    text = toml_dumps(raw) + '\n# 退货退款 (return and refund)\n'
    enc = data.draw(st.sampled_from(["utf-8-sig", "gb18030", "utf-16", "latin-1", "binary"]),
                    label="encoding")
    if enc == "binary":
        return bytes(range(256)) * 4, {}
    return text.encode(enc, errors="replace"), {}


#: Paths a file may name that must be refused or handled: itself, a file outside its folder
#: (whose content must never be echoed), an absolute system file, a binary file.
PATH_CHOICES = ("self", "escape", "absolute", "binary")


def _path_choice(choice: str, side: dict[str, bytes]) -> str:
    """The path for ``choice`` (one of :data:`PATH_CHOICES`); files it needs go into ``side``."""
    if choice == "escape":
        side["../outside/secret.toml"] = b'token = "s3cret-token"\n'
        return "../outside/secret.toml"
    if choice == "binary":
        side["blob.toml"] = bytes(range(256))
        return "blob.toml"
    return {"self": "scenario.toml", "absolute": "/etc/hostname"}[choice]


def _base(raw, data):
    choice = data.draw(st.sampled_from(["self", "loop", "missing", "escape", "absolute",
                                        "binary", "retyped"]), label="base")
    side: dict[str, bytes] = {}
    raw.pop("base", None)
    if choice == "loop":
        raw["base"] = "other.toml"
        side["other.toml"] = b'base = "scenario.toml"\n'
    elif choice == "missing":
        raw["base"] = "no_such_file.toml"
    elif choice in PATH_CHOICES:
        raw["base"] = _path_choice(choice, side)
    else:
        raw["base"] = 5
    return _text(raw), side


def _broken_toml(raw, data):
    text = _text(raw)
    cut = data.draw(st.integers(min_value=1, max_value=max(len(text) - 1, 1)), label="cut")
    return text[:cut] + b" = = [\n", {}


def _sweep_dangling(raw, data):
    """A sweep naming what does not exist: scenario, designs, factor and [set] keys."""
    choice = data.draw(st.sampled_from(["scenario", "scenario_file", "design", "factor",
                                        "set"]), label="dangling")
    if choice == "scenario":
        raw["scenario"] = "no_such_scenario"
    elif choice == "scenario_file":
        raw["scenario"] = "no_such_file.toml"
    elif choice == "design":
        raw["designs"] = ["no_such_design"]
    elif choice == "factor":
        factors = raw.setdefault("factors", {})
        factors["designs.no_such_design.contact.groups.g.agents"] = [1, 2]
    else:
        raw.setdefault("set", {})["run.horizn"] = "1d"
    return _text(raw), {}


def _sweep_scenario_path(raw, data):
    """The sweep's scenario path: itself, outside the folder, absolute, binary, retyped."""
    choice = data.draw(st.sampled_from(["self", "escape", "absolute", "binary", "retyped",
                                        "empty"]), label="scenario_path")
    side: dict[str, bytes] = {}
    if choice in PATH_CHOICES:
        raw["scenario"] = _path_choice(choice, side)
    elif choice == "retyped":
        raw["scenario"] = 5
    else:
        raw["scenario"] = ""
    return _text(raw), side


MUTATIONS: dict[str, Callable] = {
    "delete": _delete,
    "number": _replace(NUMBERS),
    "string": _replace(STRINGS),
    "retype": _replace(ODD_VALUES),
    "unknown_key": _unknown_key,
    "deep": _deep,
    "dangling": _dangling,
    "encoding": _encoding,
    "base": _base,
    "broken_toml": _broken_toml,
}

#: Sweep files get the same mistakes, with references and paths of their own.
SWEEP_MUTATIONS: dict[str, Callable] = {
    **{k: v for k, v in MUTATIONS.items() if k not in ("dangling", "base")},
    "dangling": _sweep_dangling,
    "scenario_path": _sweep_scenario_path,
}


def mutate_sweep(raw: dict, data: st.DataObject) -> tuple[bytes, dict[str, bytes]]:
    """One random mutation of a sweep file's ``raw`` table (see :data:`SWEEP_MUTATIONS`)."""
    raw = copy.deepcopy(raw)
    kind = data.draw(st.sampled_from(sorted(SWEEP_MUTATIONS)), label="mutation")
    return SWEEP_MUTATIONS[kind](raw, data)
