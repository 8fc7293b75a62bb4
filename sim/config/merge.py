"""Merging scenario tables: ``base`` deep merges, dotted overrides, designs' ``extends``.

Steps 2-4 of :mod:`sim.config.loader`'s order of resolution, on plain tables: a file deep-merged
over its base, single values set by dotted keys (``--set``), and each design deep-merged over the
design it extends (a stage whose ``provider`` differs replaces the parent's stage whole).
"""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Mapping
from typing import Any

from .errors import ScenarioError
from .fields import _suggest


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
        parts = dotted.split(".") if isinstance(dotted, str) else []
        if not parts or any(not p for p in parts):
            raise ScenarioError.at(str(dotted) or "(override)", value,
                                   "a dotted key like run.seed")
        designs = raw.get("designs")
        if (parts[0] == "designs" and len(parts) > 2 and isinstance(designs, dict)
                and parts[1] not in designs):
            names = list(designs)
            raise ScenarioError.at("--set " + ".".join(parts[:2]), parts[1],
                                   "a design of this scenario: one of " + ", ".join(names)
                                   + _suggest(parts[1], names))
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
            overlays = (key == "overlays" and isinstance(value, Mapping)
                        and isinstance(merged.get(key, {}), Mapping))
            if overlays or same_provider:
                merged[key] = deep_merge(merged.get(key, {}), value)
            else:
                merged[key] = copy.deepcopy(value)
        resolved[name] = merged
        return merged

    for name in raw_designs:
        resolve(name, ())
    return resolved


def ancestors(name: str, raw_designs: Mapping[str, Any]) -> list[str]:
    chain: list[str] = []
    table = raw_designs.get(name)
    while isinstance(table, dict) and isinstance(table.get("extends"), str):
        parent = table["extends"]
        if parent in chain or parent == name or parent not in raw_designs:
            break
        chain.append(parent)
        table = raw_designs[parent]
    return chain
