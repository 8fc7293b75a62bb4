"""The SimPy world of one run: environment, cases, draws, records, ledger, providers.

Built by :mod:`sim.model` for one (design, replication); journeys and providers reach
everything they need through it. Nothing here touches files or global state.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .config.schema import Design, Scenario
from .config.vocab import STAGES
from .demand import CaseTable
from .engine import Environment, slot_width
from .events import Schedule
from .providers.registry import OVERLAYS, PROVIDERS, load_all
from .records import CaseRecords, Ledger, RunSummary
from .streams import CaseDraws, Streams

#: Events a baseline case schedules, roughly (4.1-4.5 measured): sizes the engine's slots.
_EVENTS_PER_CASE = 4.0


@dataclass
class Monitor:
    """Hourly samples of queues, busy servers and open cases (for backlog figures)."""

    times: list[float] = field(default_factory=list)
    open_cases: list[int] = field(default_factory=list)
    queues: dict[str, list[int]] = field(default_factory=dict)
    busy: dict[str, list[float]] = field(default_factory=dict)
    on_duty: dict[str, list[float]] = field(default_factory=dict)


class World:
    """Everything one run of one design shares.

    Parameters
    ----------
    scenario : Scenario
        The checked scenario.
    design : Design
        The design being run.
    streams : Streams
        Named streams of this replication.
    cases : CaseTable
        The replication's cases (same for every design).
    """

    def __init__(self, scenario: Scenario, design: Design, streams: Streams, cases: CaseTable):
        load_all()
        #: The scenario in force now: scenario events swap it (and ``design``) as they start
        #: and end (:mod:`sim.events`); outcomes use the scenario as written.
        self.scenario = scenario
        self.design = design
        self.streams = streams
        self.cases = cases
        # Slots sized to the volume keep the event heap small at any scale (about four events
        # per case over the horizon); the width changes no event's order, only the heap's size.
        rate = _EVENTS_PER_CASE * len(cases) / max(scenario.run.horizon, 1.0)
        self.env = Environment(slot=slot_width(rate))
        #: When the run stops: the horizon plus the drain (h); events at or after it never run.
        self.end = scenario.run.horizon + scenario.run.drain
        self.draws = CaseDraws(streams, len(cases), created=cases.created)
        self.records = CaseRecords(len(cases))
        #: Each case's type and first channel codes as Python ints, for providers that route
        #: per case (a list cell reads faster than a numpy scalar).
        self.case_type_codes: list[int] = cases.case_type.tolist()
        self.channel_codes: list[int] = cases.channel.tolist()
        self.ledger = Ledger()
        self.monitor = Monitor()
        self.open_cases = 0
        self.providers: dict[str, Any] = {}
        self._all: list[Any] = []
        #: Where each provider's parameters live in a design: ("stage"|"overlay", name).
        self._layer: dict[int, tuple[str, str]] = {}
        self.events = Schedule(scenario)
        for stage in STAGES:
            if not design.has(stage):
                continue
            assignment = design.stages[stage]
            entry = PROVIDERS[(assignment.provider, stage)]
            provider = entry.factory(self, assignment.params, assignment.provider)
            self.providers[stage] = provider
            self._all.append(provider)
            self._layer[id(provider)] = ("stage", stage)
        for name, overlay in design.overlays.items():
            entry = OVERLAYS[name]
            wrapped = entry.factory(self, overlay.params, name, self.providers[entry.stage])
            self.providers[entry.stage] = wrapped
            self._all.append(wrapped)
            self._layer[id(wrapped)] = ("overlay", name)

    def stage(self, name: str) -> Any:
        """The provider (with its overlays) serving stage ``name``."""
        return self.providers[name]

    def start(self) -> None:
        """Start providers' processes and the hourly monitor."""
        if self.events:
            self._switch(self.events.scenario_at(0.0))  # an event may start at time 0
        for provider in self._all:
            provider.start()
        self.env.process(self._sample())
        if self.events:
            self.env.process(self._follow_events())

    # --- scenario events ------------------------------------------------------------------------
    def params_at(self, provider: Any, time: float) -> Any:
        """The parameters ``provider`` has at ``time`` (scenario events applied)."""
        if not self.events.times:  # no scenario events: the parameters never change
            return provider.params
        layer = self._layer.get(id(provider))
        if layer is None:
            return provider.params
        return self._params(self.events.scenario_at(time).designs[self.design.name], layer)

    def steady(self, start: float, stop: float) -> bool:
        """Whether no scenario event changes parameters in ``[start, stop]`` (ends included:
        at the same moment, the change may come before or after what happens then)."""
        times = self.events.times
        return not times or bisect.bisect_left(times, start) == bisect.bisect_right(times, stop)

    @staticmethod
    def _params(design: Design, layer: tuple[str, str]) -> Any:
        kind, name = layer
        return design.stages[name].params if kind == "stage" else design.overlays[name].params

    def _follow_events(self):
        # At each moment an event starts or ends, hand changed parameters to their providers.
        for t in self.events.times:
            yield self.env.timeout(t - self.env.now)
            self._switch(self.events.scenario_at(t))

    def _switch(self, scenario: Scenario) -> None:
        design = scenario.designs[self.design.name]
        for provider in self._all:
            params = self._params(design, self._layer[id(provider)])
            if params is not provider.params:
                provider.apply_params(params)
        self.scenario, self.design = scenario, design

    def finish(self) -> None:
        """Let providers book their staffed-time costs."""
        for provider in self._all:
            provider.finish()

    def close(self, case: int, state: str) -> None:
        """Put ``case`` in its terminal ``state`` now."""
        self.records.close(case, state, self.env.now)
        self.open_cases -= 1

    def _sample(self):
        horizon = self.scenario.run.horizon
        mon = self.monitor
        while self.env.now <= horizon:
            mon.times.append(self.env.now)
            mon.open_cases.append(self.open_cases)
            for provider in self._all:
                for name, length in provider.queue_lengths().items():
                    mon.queues.setdefault(name, []).append(length)
                for name, (busy, duty) in provider.busy().items():
                    mon.busy.setdefault(name, []).append(busy)
                    mon.on_duty.setdefault(name, []).append(duty)
            yield self.env.timeout(1.0)

    def summary(self) -> RunSummary:
        """What the outcomes need of this run besides its cases and ledger."""
        mon = self.monitor
        rates: dict[str, float] = {}
        for provider in self._all:
            rates.update(provider.staff_rates())
        return RunSummary(
            design=self.design.name, channels_reachable=tuple(sorted(self._channels())),
            staff_rates=rates, monitor_times=np.asarray(mon.times, dtype=float),
            busy={k: np.asarray(v, dtype=float) for k, v in mon.busy.items()},
            on_duty={k: np.asarray(v, dtype=float) for k, v in mon.on_duty.items()})

    def _channels(self) -> set[str]:
        """Channels the contact stage answers, through every overlay down to the provider."""
        channels: set[str] = set()
        layer = self.providers.get("contact")
        while layer is not None:
            params = layer.params
            for source in (params, getattr(params, "staff", None)):  # a forum's staff centre
                for group in (getattr(source, "groups", None) or {}).values():
                    channels |= set(getattr(group, "channels", ()))
            if layer.name == "community":
                channels.add("forum")  # peer Q&A is a channel of its own (REPORT §4.2)
            layer = layer.__dict__.get("inner")
        return channels

    def monitor_frame(self):
        """The hourly samples as a pandas table (one column per queue / pool)."""
        import pandas as pd

        mon = self.monitor
        data: dict[str, Any] = {"time_h": np.asarray(mon.times), "open_cases": mon.open_cases}
        for name, values in mon.queues.items():
            data[f"queue:{name}"] = values
        for name, values in mon.busy.items():
            data[f"busy:{name}"] = values
            data[f"on_duty:{name}"] = mon.on_duty[name]
        return pd.DataFrame(data)
