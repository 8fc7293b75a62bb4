"""The function behind notebook 02's sliders: levers in, a small comparison out.

:func:`tradeoffs` takes the values of the levers (:data:`LEVERS`: extra agents per design, the
carrier's fee and who pays it, the platform's first-time fix and visit fee, the community's
answer rate, the chatbot's containment and a promotion peak), turns them into dotted-key
overrides of the ``ai_chatbot`` scenario (the four pure designs and a chatbot design, every
design's ``extends`` resolved so a lever reaches only the design it names), runs
:func:`sim.compare` on a small comparison (:data:`HORIZON`, three replications by default) and
returns the headline table, the ranking sentences and the figures.
The keys are the dashboard's (:mod:`sim.dashboard.levers`); every value goes through the
scenario loader, so a bad one is a :class:`~sim.config.ScenarioError` naming its key.
"""

from __future__ import annotations

import concurrent.futures as cf
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from . import load, read
from . import replications as _replications

#: The scenario the levers move and the designs compared.
SCENARIO = "ai_chatbot"
DESIGNS = ("self_built", "third_party_logistics", "third_party_service", "community",
           "chatbot_warm")
#: The small comparison's horizon: one measured week after the scenario's week of warm-up.
HORIZON = "14d"


@dataclass(frozen=True)
class Lever:
    """One control: a name, what it moves, its range and its starting value.

    ``key`` is a dotted scenario key (``None`` for the computed levers: ``extra_agents:*`` and
    ``promotion_peak``); ``low``/``high``/``step`` bound a slider, ``options`` a toggle.
    """

    name: str
    label: str
    key: str | None
    value: Any
    low: float | None = None
    high: float | None = None
    step: float | None = None
    options: tuple[str, ...] = ()


_CARRIER = "designs.third_party_logistics.logistics"
_PLATFORM = "designs.third_party_service.field_service"
#: The levers, in the order the panel shows them. Ranges: the sourced ranges of the bundled
#: sweeps (fee 4..12 CNY around JAVY's 8, visit fee 50..200 CNY around MFR's 80, first-time fix
#: 0.62..0.86, answer rate 0.3..0.9), widened a little for exploring.
LEVERS = (
    *(Lever(f"extra_agents:{d}", f"extra agents per shift: {d}", None, 0, -1, 3, 1)
      for d in DESIGNS),
    Lever("carrier_fee", "carrier fee per parcel", f"{_CARRIER}.cost_per_parcel", 8.0,
          2.0, 16.0, 1.0),
    Lever("freight_payer", "who pays return freight (carrier design)",
          f"{_CARRIER}.freight_payer", "consumer",
          options=("consumer", "seller", "insured", "free_pickup")),
    Lever("platform_ftf", "platform first-time-fix rate", f"{_PLATFORM}.ftf_mean", 0.75,
          0.62, 0.86, 0.02),
    Lever("visit_fee", "platform visit fee", f"{_PLATFORM}.visit_fee", 80.0, 40.0, 200.0,
          10.0),
    Lever("answer_rate", "community answer rate",
          "designs.community.contact.answer_probability", 0.6, 0.2, 0.95, 0.05),
    Lever("containment", "chatbot containment",
          "designs.chatbot_warm.overlays.chatbot.containment", 0.6, 0.2, 0.9, 0.05),
    Lever("promotion_peak", "promotion peak (order multiplier, 1 = none)", None, 1.0, 1.0,
          2.5, 0.1),
)
DEFAULTS: dict[str, Any] = {lever.name: lever.value for lever in LEVERS}


def _agent_keys(raw: Mapping[str, Any], design: str) -> list[tuple[str, int]]:
    """Dotted keys and head counts of every contact shift of ``design`` (staff of a forum)."""
    contact = raw["designs"][design].get("contact", {})
    prefix = f"designs.{design}.contact"
    if contact.get("provider") == "community":
        contact, prefix = contact.get("staff", {}), f"{prefix}.staff"
    out = []
    for gname, group in (contact.get("groups") or {}).items():
        for i, shift in enumerate(group.get("shifts") or ()):
            out.append((f"{prefix}.groups.{gname}.shifts.{i}.agents", int(shift["agents"])))
    return out


def overrides(values: Mapping[str, Any], raw: Mapping[str, Any] | None = None,
              warmup: str = "7d") -> dict[str, Any]:
    """The dotted-key overrides for lever ``values`` (names of :data:`LEVERS`).

    ``extra_agents:<design>`` adds (or removes) that many agents on every contact shift of the
    design, keeping at least one agent per shift; ``promotion_peak`` above 1 adds a one-day
    promotion at the start of the measured window (``warmup``) with that order multiplier.
    Unknown lever names are an error naming them.
    """
    from ..config import ScenarioError

    unknown = sorted(set(values) - set(DEFAULTS))
    if unknown:
        raise ScenarioError.at("levers", unknown, "lever names: " + ", ".join(DEFAULTS))
    raw = read(SCENARIO) if raw is None else raw
    out: dict[str, Any] = {}
    for lever in LEVERS:
        value = values.get(lever.name, lever.value)
        if lever.name.startswith("extra_agents:"):
            design = lever.name.split(":", 1)[1]
            if int(value) != 0 and design in raw["designs"]:
                out.update({k: max(1, n + int(value)) for k, n in _agent_keys(raw, design)})
        elif lever.name == "promotion_peak":
            if float(value) > 1.0:
                out["demand.promotions"] = [{"name": "peak", "start": warmup, "length": "1d",
                                             "multiplier": float(value)}]
        elif value != lever.value:
            out[lever.key] = value
    return out


@dataclass
class Tradeoff:
    """What :func:`tradeoffs` returns: the comparison and what the notebook shows of it."""

    values: dict[str, Any]
    overrides: dict[str, Any]
    comparison: Any
    table: pd.DataFrame
    sentences: list[str] = field(default_factory=list)

    def figure(self, kind: str = "pareto"):
        """A figure of the comparison (``"pareto"``, ``"kpis"``, ...)."""
        return self.comparison.plot(kind)


class ProgressExecutor(cf.Executor):
    """A serial executor that calls ``on_done(finished)`` after every task.

    Tasks run in the caller's thread at ``submit`` (results identical to a serial run); the
    callback drives a progress bar.
    """

    _max_workers = 1

    def __init__(self, on_done: Callable[[int], None]) -> None:
        self.on_done, self.finished = on_done, 0

    def submit(self, fn, /, *args, **kwargs) -> cf.Future:
        future: cf.Future = cf.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as err:  # handed to the caller through the future
            future.set_exception(err)
        self.finished += 1
        self.on_done(self.finished)
        return future


def tradeoffs(values: Mapping[str, Any] | None = None, designs: Sequence[str] = DESIGNS,
              replications: int = 3, seed: int | None = None,
              executor: cf.Executor | None = None, horizon: str | None = HORIZON) -> Tradeoff:
    """Run the small comparison for lever ``values`` (missing levers keep :data:`DEFAULTS`).

    Parameters
    ----------
    values : mapping, optional
        Lever name -> value.
    designs : sequence of str
        Designs to compare.
    replications : int
        Replications per design (capped in fast mode).
    seed : int, optional
        Master seed (default the scenario's): the same seed gives the same table.
    executor : concurrent.futures.Executor, optional
        Where the runs go (:class:`ProgressExecutor` for a progress bar).
    horizon : str, optional
        ``run.horizon`` of the small comparison (default :data:`HORIZON`; None: the
        scenario's own). Fast mode shortens it further.

    Returns
    -------
    Tradeoff
    """
    from ..experiment.runner import compare
    from ..report_tables import headline, ranking_sentences

    values = {**DEFAULTS, **dict(values or {})}
    raw = read(SCENARIO)
    run = {"run.horizon": horizon} if horizon is not None else {}
    base = load(raw, run)
    changes = overrides(values, raw, warmup=f"{base.run.warmup:g}h")
    scenario = load(raw, {**run, **changes})
    cmp = compare(scenario, replications=_replications(replications), seed=seed,
                  designs=list(designs), executor=executor, progress=False)
    kpis = ["cost_per_case", "first_response_mean_min", "resolution_time_mean_h",
            "csat_mean", "abandonment_rate", "share_withdrawn", "score_total"]
    have = set(cmp.summary.loc[cmp.summary["n"] > 0, "kpi"])
    table = headline(cmp, [k for k in kpis if k in have])
    return Tradeoff(values, changes, cmp, table, ranking_sentences(cmp))


def runs_needed(designs: Sequence[str] = DESIGNS, replications: int = 3) -> int:
    """How many simulation runs one :func:`tradeoffs` call makes (for a progress bar)."""
    return len(designs) * _replications(replications)
