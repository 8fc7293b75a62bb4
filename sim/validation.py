"""Textbook scenarios for validation: the real model reduced to queues theory can price.

:func:`contact_centre` builds an ordinary :class:`~sim.config.schema.Scenario` with one design
(``textbook``): Poisson arrivals of inquiries on one channel to one in-house agent group, no
shifts, no retrials, first-contact resolution 1, no complaints. The same model code that runs
every other scenario runs it through :func:`sim.run_once`, so agreement with Erlang C / A,
M/M/c/K and M/G/1 checks the model itself. ``scenarios/validation/mmc.toml`` is the same
scenario as a file.
"""

from __future__ import annotations

from typing import Any

from .config.loader import load_scenario
from .config.schema import Scenario
from .config.units import format_duration


def contact_centre(arrival_rate_per_h: float, agents: int, handle_mean_min: float,
                   handle_dist: str = "exponential", handle_sd_min: float | None = None,
                   patience_mean_min: float | None = None, queue_capacity: int | None = None,
                   horizon_h: float = 2000.0, warmup_h: float = 100.0,
                   channel: str = "phone", seed: int = 1) -> Scenario:
    """A one-queue contact centre that queueing theory can price.

    Parameters
    ----------
    arrival_rate_per_h : float
        Poisson arrival rate of contacts (lambda, per hour).
    agents : int
        Agents on duty around the clock (c).
    handle_mean_min : float
        Mean handle time in minutes (1 / mu).
    handle_dist : str
        ``"exponential"``, ``"deterministic"``, ``"lognormal"`` or ``"gamma"`` (the last two
        need ``handle_sd_min``).
    handle_sd_min : float, optional
        Standard deviation of the handle time (minutes).
    patience_mean_min : float, optional
        Mean of exponential patience (Erlang A); ``None`` for infinitely patient callers.
    queue_capacity : int, optional
        Most contacts waiting; an arrival finding it full is blocked (M/M/c/K with
        K = c + queue_capacity).
    horizon_h, warmup_h : float
        Arrivals over [0, horizon); those before the warm-up are left out of the KPIs.
    channel : str
        The one channel used.
    seed : int
        Master seed.

    Returns
    -------
    Scenario
    """
    return load_scenario(contact_centre_table(**locals()))


def contact_centre_table(arrival_rate_per_h: float, agents: int, handle_mean_min: float,
                         handle_dist: str = "exponential", handle_sd_min: float | None = None,
                         patience_mean_min: float | None = None,
                         queue_capacity: int | None = None, horizon_h: float = 2000.0,
                         warmup_h: float = 100.0, channel: str = "phone",
                         seed: int = 1) -> dict[str, Any]:
    """The raw table behind :func:`contact_centre` (same parameters)."""
    mean = f"{handle_mean_min}min"
    if handle_dist == "exponential":
        handle: dict[str, Any] = {"dist": "exponential", "mean": mean}
    elif handle_dist == "deterministic":
        handle = {"dist": "deterministic", "value": mean}
    else:
        handle = {"dist": handle_dist, "mean": mean, "sd": f"{handle_sd_min}min"}
    contact: dict[str, Any] = {
        "provider": "in_house",
        "groups": {"agents": {"agents": agents, "channels": [channel], "case_types": ["inquiry"],
                              "fcr": 1.0}},
        "handle_time": {channel: {"default": handle}},
        "patience": ({channel: {"dist": "exponential", "mean": f"{patience_mean_min}min"}}
                     if patience_mean_min is not None else {}),
        "retry_probability": 0.0,
        "max_attempts": 1,
    }
    if queue_capacity is not None:
        contact["queue_capacity"] = {channel: queue_capacity}
    return {
        "name": "textbook_contact_centre",
        "description": "M/M/c-type contact centre for validation against queueing theory.",
        "run": {"horizon": format_duration(horizon_h), "warmup": format_duration(warmup_h),
                "drain": "1000h", "kind": "steady_state", "replications": 10, "seed": seed},
        "demand": {"source": "poisson",
                   "poisson": {"rate_per_h": arrival_rate_per_h, "case_type": "inquiry",
                               "channel": channel},
                   "channel_mix": {channel: 1.0}},
        "policy": {"complaint_probability": 0.0},
        "designs": {"textbook": {"label": "Textbook queue", "contact": contact}},
    }
