"""Moved to :mod:`sim.providers.registry` (the registry lives beside the providers, so that
``sim.config`` stays data); this name is kept so that existing imports keep working."""

from ..providers.registry import (  # noqa: F401
    OVERLAYS,
    PROVIDERS,
    Entry,
    load_all,
    providers_for,
    register_overlay,
    register_provider,
    stages_of,
)
