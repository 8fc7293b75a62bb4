"""Where the dashboard's scenario comes from: a bundled name or an uploaded file.

The raw tables are read with the loader (``base`` chains merged), and each design's ``extends``
is resolved once here, so every design is a complete table of its own: a lever moved on one
design (its agents, its carrier's fee) changes that design only, and an override can address
any shift of any design by index. The scenario is then built by :func:`sim.load_scenario`
from those tables plus the levers' overrides; every check is the loader's.
"""

from __future__ import annotations

import copy
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..config import ScenarioError, load_scenario
from ..config.loader import bundled_scenarios, read_raw, resolve_designs
from ..config.schema import Scenario

#: Largest scenario file accepted from the page (bytes); scenario files are a few kB.
MAX_UPLOAD = 1_000_000


def bundled() -> list[str]:
    """Bundled scenario names, ``baseline`` first, validation scenarios last."""
    names = list(bundled_scenarios())
    return sorted(names, key=lambda n: (n != "baseline", n.startswith("validation/"), n))


def _resolved(raw: dict[str, Any], source: str) -> dict[str, Any]:
    raw = dict(raw)
    try:
        if "designs" in raw:
            # One deep copy per design: resolved designs share their parents' tables, and a
            # deep copy of the whole would keep that sharing (an override would reach both).
            raw["designs"] = {name: copy.deepcopy(table)
                              for name, table in resolve_designs(raw["designs"]).items()}
    except ScenarioError as err:
        raise ScenarioError(err.problems, source=source) from None
    return raw


def read_bundled(name: str) -> dict[str, Any]:
    """Raw tables of a bundled scenario (or a scenario file path), designs resolved."""
    return _resolved(read_raw(name), name)


def read_upload(filename: str, data: bytes) -> dict[str, Any]:
    """Raw tables of an uploaded scenario file, designs resolved.

    The bytes are read by the loader from a private temporary file, so an upload is checked
    exactly like a file given to ``aftersales run``. A ``base`` may name a bundled scenario.

    Raises
    ------
    ScenarioError
        Naming ``(file)`` for an empty, oversized or unreadable file, else the loader's keys.
    """
    shown = Path(filename).name or "upload.toml"
    if not data.strip():
        raise ScenarioError.at("(file)", shown, "a scenario file in TOML (this one is empty)")
    if len(data) > MAX_UPLOAD:
        raise ScenarioError.at("(file)", shown, f"a scenario file under {MAX_UPLOAD:,} bytes")
    folder = tempfile.mkdtemp(prefix="aftersales-upload-")
    path = Path(folder) / "scenario.toml"
    try:
        path.write_bytes(data)
        try:
            raw = read_raw(path)
        except ScenarioError as err:
            raise ScenarioError(err.problems, source=shown) from None
    finally:
        path.unlink(missing_ok=True)
        os.rmdir(folder)
    return _resolved(raw, shown)


def build(raw: Mapping[str, Any], overrides: Mapping[str, Any] | None, source: str) -> Scenario:
    """The checked scenario: ``raw`` with ``overrides`` applied, through ``load_scenario``."""
    try:
        return load_scenario(raw, overrides=dict(overrides or {}))
    except ScenarioError as err:
        raise ScenarioError(err.problems, source=source) from None
