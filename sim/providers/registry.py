"""Where provider archetypes and overlays make themselves known.

A provider module calls :func:`register_provider` (an overlay :func:`register_overlay`) at
import time. The scenario loader asks this registry which parameter dataclass to build for the
table a design gives a stage, so adding an archetype is one new file in ``sim/providers/``.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Entry:
    """A registered provider (for one stage) or overlay."""

    name: str
    stage: str
    params: type
    factory: Callable[..., Any]
    doc: str


PROVIDERS: dict[tuple[str, str], Entry] = {}
OVERLAYS: dict[str, Entry] = {}
_loaded = False


def register_provider(name: str, stage: str, params: type) -> Callable[[type], type]:
    """Class decorator: ``name`` can serve ``stage`` with parameters ``params``."""

    def decorate(cls: type) -> type:
        PROVIDERS[(name, stage)] = Entry(name, stage, params, cls, (cls.__doc__ or "").strip())
        return cls

    return decorate


def register_overlay(name: str, stage: str, params: type) -> Callable[[type], type]:
    """Class decorator: overlay ``name`` wraps the provider of ``stage``."""

    def decorate(cls: type) -> type:
        OVERLAYS[name] = Entry(name, stage, params, cls, (cls.__doc__ or "").strip())
        return cls

    return decorate


def load_all() -> None:
    """Import every module of ``sim.providers`` so that each registers itself."""
    global _loaded
    if _loaded:
        return
    package = importlib.import_module("sim.providers")
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        importlib.import_module(info.name)
    _loaded = True


def providers_for(stage: str) -> list[str]:
    """Names of the archetypes that can serve ``stage``."""
    load_all()
    return sorted(name for (name, s) in PROVIDERS if s == stage)


def stages_of(name: str) -> list[str]:
    """Stages the archetype ``name`` can serve."""
    load_all()
    return sorted(s for (n, s) in PROVIDERS if n == name)
