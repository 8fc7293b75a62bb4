"""The dashboard's levers: which scenario keys a strategist moves, described from the schema.

A :class:`Lever` is one dotted scenario key (the same key ``--set`` takes) with what the
schema's field metadata says about it (:mod:`sim.config.fields`): its documentation and
source note, its unit, what values are allowed, its schema default. Nothing here knows the
model: the value a lever starts from is read off the loaded :class:`~sim.config.Scenario`,
and a value moved by the user goes back through :func:`sim.load_scenario` as an override, so
the schema checks it and a bad value is a :class:`~sim.config.ScenarioError` naming the key.

Levers are found per scenario: demand and promotion peaks; who pays return freight, the return
window and the refund deadline; and per design the agents of each staffed shift, the carrier's
fee per parcel, the platform's first-time-fix rate and visit fee, the community's answer rate
and the chatbot's containment, wherever the design has that provider or overlay.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ..config.schema import Scenario
from ..config.units import DAY
from ..docs import _nested
from ..providers import registry

#: Scenario-level levers: (section, dotted key, label).
SCENARIO_LEVERS = (
    ("Demand", "demand.orders_per_day", "Orders per day"),
    ("Policy", "policy.return_freight_payer", "Who pays return freight"),
    ("Policy", "policy.return_window", "Return window"),
    ("Policy", "policy.refund_deadline", "Refund deadline"),
    ("Run", "run.horizon", "Horizon (cases created until)"),
    ("Run", "run.warmup", "Warm-up (left out of KPIs)"),
)

#: Design-level levers by (stage, provider): (parameter path, label).
PROVIDER_LEVERS = {
    ("logistics", "third_party_logistics"): (
        ("cost_per_parcel", "Carrier fee per parcel"),
        ("freight_payer", "Who pays return freight with this carrier")),
    ("logistics", "in_house"): (("freight_payer", "Who pays return freight (own fleet)"),),
    ("field_service", "third_party_platform"): (
        ("ftf_mean", "Platform first-time-fix rate"), ("visit_fee", "Platform visit fee")),
    ("contact", "community"): (("answer_probability", "Community answer rate"),),
}
#: Overlay levers: overlay -> (parameter, label).
OVERLAY_LEVERS = {"chatbot": (("containment", "Chatbot containment"),)}


@dataclass(frozen=True)
class Lever:
    """One scenario key as a dashboard control.

    Attributes
    ----------
    key : str
        Dotted scenario key, as for ``load_scenario(..., overrides={key: value})``.
    label : str
        Short name shown on the control.
    section : str
        ``"Demand"``, ``"Policy"``, ``"Run"`` or the design's name.
    kind : str
        The schema's kind: ``number``, ``integer``, ``duration``, ``choice``.
    value : object
        The scenario's value, in display units (durations in days).
    default : object
        The schema's default in display units, or None when the key is required.
    low, high : float or None
        Bounds from the schema (None: unbounded).
    options : tuple of str
        The choices of a ``choice`` key.
    unit : str
        Display unit (``"days"``, the currency, ``"probability"``, ...).
    doc : str
        The field's documentation, with its source note.
    allowed : str
        What the schema accepts, in its own words.
    """

    key: str
    label: str
    section: str
    kind: str
    value: Any
    default: Any
    low: float | None
    high: float | None
    options: tuple[str, ...]
    unit: str
    doc: str
    allowed: str

    def raw(self, shown: Any) -> Any:
        """The value to put in the scenario for ``shown`` (durations as ``"<days>d"``)."""
        if self.kind == "duration":
            return f"{float(shown):g}d"
        if self.kind == "integer":
            return int(shown)
        if self.kind == "number":
            return float(shown)
        return shown

    def note(self) -> str:
        """What is shown beside the control: unit, allowed values, default, meaning."""
        parts = [f"**{self.unit}**" if self.unit else "",
                 f"allowed: {self.allowed}",
                 "default: required" if self.default is None else f"default: {self.default}"]
        head = " · ".join(p for p in parts if p)
        return f"{head}  \n{self.doc}  \n`{self.key}`"


def _bounds(meta: Mapping[str, Any]) -> tuple[float | None, float | None]:
    """Lower and upper bound of a number field.

    Read from the metadata when it records them, else from the parser's closure (where
    :func:`sim.config.fields.number` keeps ``min`` and ``max``); probabilities are [0, 1].
    """
    if "min" in meta or "max" in meta:
        return meta.get("min"), meta.get("max")
    parse = meta.get("parse")
    names = getattr(getattr(parse, "__code__", None), "co_freevars", ())
    cells = getattr(parse, "__closure__", None) or ()
    found = {n: c.cell_contents for n, c in zip(names, cells, strict=False)}
    low, high = found.get("min"), found.get("max")
    if meta.get("unit") == "probability":
        low, high = 0.0 if low is None else low, 1.0 if high is None else high
    return (low if isinstance(low, int | float) else None,
            high if isinstance(high, int | float) else None)


def field_at(cls: type, parts: list[str]) -> dataclasses.Field:
    """The dataclass field a dotted path (below ``cls``) names; names and indexes are skipped."""
    fields = {f.name: f for f in dataclasses.fields(cls)}
    head, rest = parts[0], parts[1:]
    f = fields[head]
    if not rest:
        return f
    nested, suffix = _nested(f.metadata)
    if nested is None:
        raise KeyError(".".join(parts))
    skip = suffix.count(".<name>") + suffix.count("[i]")
    return field_at(nested, rest[skip:])


def value_at(obj: Any, parts: list[str]) -> Any:
    """The value at a dotted path of a loaded scenario object (attributes, names, indexes)."""
    for part in parts:
        if isinstance(obj, Mapping):
            obj = obj[part]
        elif isinstance(obj, tuple | list):
            obj = obj[int(part)]
        else:
            obj = getattr(obj, part)
    return obj


def _shown(value: Any, kind: str) -> Any:
    if kind == "duration" and isinstance(value, int | float):
        return round(value / DAY, 6)
    if kind == "integer" and isinstance(value, int | float):
        return int(value)
    return value


def _default(f: dataclasses.Field, kind: str) -> Any:
    if f.default is not dataclasses.MISSING:
        value = f.default
    elif f.default_factory is not dataclasses.MISSING:
        value = f.default_factory()
    else:
        return None
    return _shown(value, kind)


def make_lever(key: str, label: str, section: str, f: dataclasses.Field, value: Any,
               currency: str) -> Lever:
    """A :class:`Lever` for field ``f`` at ``key`` holding ``value`` (model units)."""
    meta = f.metadata
    kind = meta.get("kind", "")
    unit = meta.get("unit", "")
    if kind == "duration":
        unit = "days"
    elif unit == "currency":
        unit = currency
    low, high = _bounds(meta) if kind in ("number", "integer") else (None, None)
    options: tuple[str, ...] = ()
    if kind == "choice":
        cells = getattr(meta.get("parse"), "__closure__", None) or ()
        names = meta["parse"].__code__.co_freevars
        options = tuple(dict(zip(names, (c.cell_contents for c in cells),
                                 strict=False)).get("options", ()))
    return Lever(key=key, label=label, section=section, kind=kind, value=_shown(value, kind),
                 default=_default(f, kind), low=low, high=high, options=options, unit=unit,
                 doc=meta.get("doc", ""), allowed=meta.get("allowed", ""))


def _staffing(params: Any, cls: type, key: str, section: str, currency: str,
              what: str, rel: list[str]) -> Iterator[Lever]:
    """Agents of every shift (or the fixed head count) of a staffed provider."""
    groups = getattr(params, "groups", None)
    if isinstance(groups, Mapping):
        for gname, group in groups.items():
            yield from _shifts(group, cls, f"{key}.groups.{gname}", section, currency,
                               f"{what} {gname}", [*rel, "groups", gname])
        return
    yield from _shifts(params, cls, key, section, currency, what, rel)


def _shifts(obj: Any, cls: type, key: str, section: str, currency: str, what: str,
            rel: list[str]) -> Iterator[Lever]:
    shifts = getattr(obj, "shifts", ()) or ()
    for i, shift in enumerate(shifts):
        parts = [*rel, "shifts", str(i), "agents"]
        yield make_lever(f"{key}.shifts.{i}.agents",
                         f"{what}: agents {shift.start:02d}-{shift.end:02d}h", section,
                         field_at(cls, parts), shift.agents, currency)
    head = next((n for n in ("agents", "technicians", "specialists")
                 if isinstance(getattr(obj, n, None), int)), None)
    if not shifts and head is not None:
        yield make_lever(f"{key}.{head}", f"{what}: {head}", section,
                         field_at(cls, [*rel, head]), getattr(obj, head), currency)


def design_levers(scenario: Scenario, name: str) -> list[Lever]:
    """The levers of design ``name``: staffing, carrier fee, platform, community, chatbot."""
    registry.load_all()
    design = scenario.designs[name]
    currency = scenario.currency
    out: list[Lever] = []
    for stage, assignment in design.stages.items():
        cls = registry.PROVIDERS[(assignment.provider, stage)].params
        key = f"designs.{name}.{stage}"
        if stage in ("contact", "field_service") and assignment.provider == "in_house":
            what = "contact" if stage == "contact" else "technicians"
            out += _staffing(assignment.params, cls, key, name, currency, what, [])
        if assignment.provider == "community" and getattr(assignment.params, "staff", None):
            out += _staffing(assignment.params.staff, cls, f"{key}.staff", name, currency,
                             "staff", ["staff"])
        for param, label in PROVIDER_LEVERS.get((stage, assignment.provider), ()):
            out.append(make_lever(f"{key}.{param}", label, name, field_at(cls, [param]),
                                  getattr(assignment.params, param), currency))
    for oname, overlay in design.overlays.items():
        cls = registry.OVERLAYS[oname].params
        for param, label in OVERLAY_LEVERS.get(oname, ()):
            out.append(make_lever(f"designs.{name}.overlays.{oname}.{param}", label, name,
                                  field_at(cls, [param]), getattr(overlay.params, param),
                                  currency))
    return out


def scenario_levers(scenario: Scenario) -> list[Lever]:
    """Demand, promotion peaks, policy and run levers of ``scenario``."""
    out: list[Lever] = []
    for section, key, label in SCENARIO_LEVERS:
        parts = key.split(".")
        if key == "demand.orders_per_day" and scenario.demand.source != "orders":
            continue
        out.append(make_lever(key, label, section, field_at(Scenario, parts),
                              value_at(scenario, parts), scenario.currency))
    for i, promo in enumerate(scenario.demand.promotions):
        parts = ["demand", "promotions", str(i), "multiplier"]
        out.append(make_lever(".".join(parts), f"Promotion peak: {promo.name}", "Demand",
                              field_at(Scenario, parts), promo.multiplier, scenario.currency))
    return out


def all_levers(scenario: Scenario, designs: list[str] | None = None) -> list[Lever]:
    """Scenario levers, then each design's (all designs when ``designs`` is None)."""
    out = scenario_levers(scenario)
    for name in designs if designs is not None else scenario.designs:
        out += design_levers(scenario, name)
    return out


def changed(levers: list[Lever], shown: Mapping[str, Any]) -> dict[str, Any]:
    """Overrides for the levers whose shown value differs from the scenario's."""
    out = {}
    for lever in levers:
        if lever.key not in shown:
            continue
        value = shown[lever.key]
        same = (value == lever.value if not isinstance(value, float)
                else math.isclose(value, float(lever.value), rel_tol=1e-12, abs_tol=1e-12))
        if not same:
            out[lever.key] = lever.raw(value)
    return out
