"""Providers: one module per archetype (in-house is a small package), plus overlays.

Each module registers its classes with :mod:`sim.providers.registry` when imported; the registry
imports every module here, so a new archetype is one new file.
"""
