"""Service targets of the staffing optimiser: what ``--require`` accepts, and how each is judged.

Two forms:

* ``KPI<=VALUE`` / ``KPI>=VALUE`` for any KPI of ``aftersales kpis`` (``queued_share<=0.2``,
  ``statutory_compliance>=0.99``): met when the KPI's **mean over replications** meets it.
* ``service_level(CHANNEL,THRESHOLD)>=SHARE``: the share of contacts on ``CHANNEL`` whose
  first attempt was answered within ``THRESHOLD`` (a duration: ``45s``, ``2min``, ``1h``;
  abandoned and blocked attempts are not answered in time: :mod:`sim.outcomes.service_level`).
  Alone it is a run-mean target (the share over each run's measured window, mean over
  replications). With ``per hour`` appended it must hold **in every hour of the week**: the
  contacts are binned by hour of the week (168 bins, after the warm-up, pooled over the run's
  weeks and the replications) and every hour with at least ``min_contacts`` contacts must
  reach ``SHARE``; hours with fewer are not judged and are reported as such.

Each target turns the runs of one candidate into a :class:`Judgement`: its value, whether it
is met (on point estimates: what the optimiser decides on), its relative shortfall (which the
optimiser reduces), the replications meeting it, its **confidence** and, for a per-hour
target, the failing hours and the table of every hour.

Confidence, i.e. how sure the runs make us that the target truly holds:

* a run-mean target: the share of replications meeting it on their own;
* a per-hour target: the product over judged hours of ``P(hour meets)``, the Student-t
  probability from the hour's pooled share and its standard error between replications
  (:func:`sim.outcomes.service_level.hour_intervals`); the product treats the hours as
  independent (they are nearly so: separate hours of the week share only the queue carried
  over an hour boundary). One hour's own contacts in one replication are too few to say
  whether it meets a target, so the share of replications meeting it in every hour would
  measure small-sample noise, not how sure the answer is. With one replication there is no
  spread to measure: NaN, with the reason in ``confidence_note``.

:func:`answer_confidence` combines the targets of one candidate.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..config.errors import ScenarioError
from ..config.vocab import CHANNELS
from ..outcomes.service_level import HOURS_PER_WEEK, hour_intervals, judge_hours

_REQ = re.compile(r"^\s*([a-z0-9_]+)\s*(<=|>=)\s*([-+0-9.eE]+)\s*(per\s+hour)?\s*$")
_SL = re.compile(r"^\s*service_level\s*\(\s*([^,()]*?)\s*,\s*([^,()]*?)\s*\)\s*(<=|>=)\s*"
                 r"([-+0-9.eE]+)\s*(per\s+hour)?\s*$")
FORMS = ("KPI<=VALUE, KPI>=VALUE, or service_level(CHANNEL,THRESHOLD)>=SHARE [per hour], e.g. "
         "queued_share<=0.2 or \"service_level(chat,45s)>=0.8 per hour\"")
#: Hours with fewer pooled contacts are not judged by a per-hour target (assumption: a share
#: of 30 contacts is known to about +-0.07 at 80%).
MIN_CONTACTS = 30
ONE_REPLICATION = ("not available with one replication: an hour's uncertainty is measured by "
                   "the spread between replications (use --replications 2 or more; 10 or so "
                   "for a useful interval)")


@dataclass
class Judgement:
    """How one candidate's runs fare against one target."""

    value: float                 # mean over replications, or the worst judged hour's share
    met: bool
    shortfall: float             # relative; 0 when met
    per_replication: np.ndarray  # bool: the target met by each replication alone
    failing_hours: np.ndarray | None = None   # hours of the week short of it (per hour)
    hours: pd.DataFrame | None = None          # every hour, judged or not (per hour)
    confidence: float = math.nan               # module docstring
    confidence_note: str = ""                  # why the confidence is NaN, when it is


@dataclass(frozen=True)
class Requirement:
    """A KPI target: ``kpi <= value`` or ``kpi >= value``, on the mean over replications."""

    kpi: str
    op: str
    value: float

    hourly = None

    def met(self, x: np.ndarray | float) -> np.ndarray | bool:
        """Whether ``x`` meets the target (NaN never does)."""
        x = np.asarray(x, dtype=float)
        return (x <= self.value) if self.op == "<=" else (x >= self.value)

    def shortfall(self, x: float) -> float:
        """How far ``x`` misses, relative to the target (0 when met)."""
        gap = (x - self.value) if self.op == "<=" else (self.value - x)
        return max(gap, 0.0) / max(abs(self.value), 1e-9) if np.isfinite(x) else math.inf

    def judge(self, runs: list) -> Judgement:
        """Judge the runs (each with ``kpis``) of one candidate."""
        values = np.array([r.kpis[self.kpi] for r in runs], dtype=float)
        mean = float(values.mean())
        ok = np.asarray(self.met(values), dtype=bool)
        return Judgement(mean, bool(self.met(mean)), self.shortfall(mean), ok,
                         confidence=float(ok.mean()))

    def __str__(self) -> str:
        return f"{self.kpi}{self.op}{self.value:g}"


@dataclass(frozen=True)
class ServiceLevelTarget:
    """``service_level(channel, within)>=value``, on the run mean or in every hour."""

    channel: str
    within_h: float
    value: float
    per_hour: bool = False
    min_contacts: int = MIN_CONTACTS
    threshold: str = ""          # as written, for display

    op = ">="

    @property
    def kpi(self) -> str:
        """A column name for the target's value."""
        return f"service_level({self.channel},{self.threshold})"

    @property
    def hourly(self) -> tuple[str, float]:
        """What the runs must count per hour: (channel, threshold in h)."""
        return (self.channel, self.within_h)

    def judge(self, runs: list) -> Judgement:
        """Judge the runs (each with ``hourly[(channel, within_h)]`` counts) of one candidate."""
        counts = [r.hourly[self.hourly] for r in runs]      # (contacts, in_time) per run
        n = np.array([c[0] for c in counts], dtype=float)   # replications x 168
        k = np.array([c[1] for c in counts], dtype=float)
        if not self.per_hour:
            with np.errstate(invalid="ignore", divide="ignore"):
                shares = k.sum(axis=1) / n.sum(axis=1)
            # A replication without a contact on the channel has no share (and misses nothing).
            mean = float(np.mean(shares[~np.isnan(shares)])) if (~np.isnan(shares)).any() \
                else math.nan
            ok = np.where(np.isnan(shares), True, shares >= self.value)
            short = (max(self.value - mean, 0.0) / max(self.value, 1e-9)
                     if np.isfinite(mean) else math.inf)
            return Judgement(mean, bool(mean >= self.value), short, ok,
                             confidence=float(ok.mean()))
        pooled = pd.DataFrame({"hour_of_week": np.arange(HOURS_PER_WEEK),
                               "contacts": n.sum(axis=0).astype(int),
                               "in_time": k.sum(axis=0).astype(int)})
        hours = judge_hours(pooled, self.value, self.min_contacts)
        judged = hours["judged"].to_numpy()
        if not judged.any():
            return Judgement(math.nan, False, math.inf, np.zeros(len(runs), dtype=bool),
                             np.array([], dtype=int), hours)
        failing = hours.loc[judged & ~hours["met"].to_numpy(), "hour_of_week"].to_numpy()
        worst = float(hours.loc[judged, "share"].min())
        # A replication meets it when, in every hour judged above, its own contacts reach the
        # target (hours where it had none are skipped).
        with np.errstate(invalid="ignore", divide="ignore"):
            own = np.where(n > 0, k / np.where(n > 0, n, 1), np.inf)
        per_rep = (own[:, judged] >= self.value).all(axis=1)
        short = float(hours["shortfall"].sum()) / max(self.value, 1e-9)
        hours = pd.concat([hours, hour_intervals(n, k, self.value, judged)], axis=1)
        confidence, note = math.nan, ONE_REPLICATION
        if len(runs) >= 2:
            confidence, note = float(np.prod(hours.loc[judged, "p_meets"])), ""
        return Judgement(worst, failing.size == 0, short, per_rep, failing, hours,
                         confidence, note)

    def __str__(self) -> str:
        text = f"service_level({self.channel},{self.threshold})>={self.value:g}"
        return text + (" per hour" if self.per_hour else "")


def answer_confidence(requirements: list, verdicts: list[Judgement]) -> tuple[float, str]:
    """How sure the runs of one candidate make us that it meets every target.

    The share of replications meeting every run-mean target together (1 without one; it keeps
    their correlation), times each per-hour target's confidence (module docstring), treating
    the per-hour targets as independent of each other and of the rest. Returns the value and,
    when it is NaN, why.
    """
    pairs = list(zip(requirements, verdicts, strict=True))
    joint = [v.per_replication for q, v in pairs if not getattr(q, "per_hour", False)]
    value = float(np.mean(np.logical_and.reduce(joint))) if joint else 1.0
    for q, v in pairs:
        if getattr(q, "per_hour", False):
            if not np.isfinite(v.confidence):
                return math.nan, f"{q}: {v.confidence_note}"
            value *= v.confidence
    return value, ""


def parse_requirement(text: str, min_contacts: int = MIN_CONTACTS
                      ) -> Requirement | ServiceLevelTarget:
    """Parse one ``--require`` target (module docstring); errors name the argument."""
    from ..config.fields import _suggest
    from ..outcomes.kpis import REGISTRY

    text = str(text)
    if re.match(r"^\s*service_level\b", text):
        return _parse_service_level(text, min_contacts)
    match = _REQ.match(text)
    if not match:
        raise ScenarioError.at("--require", text, FORMS)
    kpi, op, value, per_hour = match.groups()
    if kpi not in REGISTRY:
        raise ScenarioError.at("--require", kpi, "a KPI name (aftersales kpis)"
                               + _suggest(kpi, list(REGISTRY)))
    if per_hour:
        raise ScenarioError.at("--require", text, f"'per hour' only on service_level(CHANNEL,"
                               f"THRESHOLD)>=SHARE; {kpi} has no hourly form (drop 'per hour')")
    return Requirement(kpi, op, float(value))


def _parse_service_level(text: str, min_contacts: int) -> ServiceLevelTarget:
    from ..config.units import parse_duration

    match = _SL.match(text)
    if not match:
        raise ScenarioError.at("--require", text, "service_level(CHANNEL,THRESHOLD)>=SHARE "
                               "[per hour], e.g. \"service_level(chat,45s)>=0.8 per hour\"")
    channel, threshold, op, value, per_hour = match.groups()
    if channel not in CHANNELS:
        raise ScenarioError.at("--require", channel, "a channel: " + ", ".join(CHANNELS))
    try:
        within = parse_duration(threshold)
    except ValueError:
        within = math.nan
    if not (math.isfinite(within) and within >= 0):
        raise ScenarioError.at("--require", threshold, "a threshold with a time unit, e.g. "
                               "45s, 2min or 1h")
    if op != ">=":
        raise ScenarioError.at("--require", text, "service_level(...)>=SHARE (a service level "
                               "is a floor)")
    share = float(value)
    if not 0.0 <= share <= 1.0:
        raise ScenarioError.at("--require", value, "a share in [0, 1], e.g. 0.8")
    if isinstance(min_contacts, bool) or int(min_contacts) != min_contacts or min_contacts < 1:
        raise ScenarioError.at("--min-hour-contacts", min_contacts, "a whole number >= 1")
    return ServiceLevelTarget(channel, within, share, bool(per_hour), int(min_contacts),
                              threshold.replace(" ", ""))
