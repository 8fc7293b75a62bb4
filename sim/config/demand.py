"""Scenario parameters for demand: orders, categories, profiles, promotions, channels."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .distributions import Dist
from .errors import Problem
from .fields import (
    choice,
    dist,
    duration,
    items,
    mapping,
    number,
    probability,
    profile,
    shares_sum_to_one,
    table,
    text,
)
from .vocab import CASE_TYPES, CHANNELS

FLAT_DAY = [1.0] * 24
FLAT_WEEK = [1.0] * 7


@dataclass(frozen=True, kw_only=True)
class Promotion:
    """A promotion event that multiplies the order rate for a while (e.g. Double 11)."""

    name: str = text(doc="Name shown in figures and reports.")
    start: float = duration(doc="When it starts, from the start of the run (whole hours).")
    length: float = duration(doc="How long it lasts (whole hours).", positive=True)
    multiplier: float = number(doc="Factor on the order rate while it lasts.", min=0.0,
                               open_min=True)
    rate_multipliers: dict = mapping(
        number(doc="", min=0.0), keys=CASE_TYPES, default={},
        doc="Factor on the cases of each type raised per order placed while it lasts (contact "
            "intensity by period: sources.md §3.9 puts contacts at 3-5x normal [L] while orders "
            "are 1.4x [SPB], so contacts per order rise too); a raised rate is capped at one "
            "case per order. Types left out: 1.")
    presale_lead_factor: float = number(
        1.0, min=0.0, open_min=True,
        doc="Factor on the lead time of the pre-sale consultations of orders placed while it "
            "lasts: consumers research big promotions earlier, so the pre-sale surge comes "
            "before the promotion (assumption).")

    def _check(self, key: str) -> list[Problem]:
        problems = []
        for name in ("start", "length"):
            value = getattr(self, name)
            if abs(value - round(value)) > 1e-9:
                problems.append(Problem(f"{key}.{name}", value,
                                        "a whole number of hours (the order rate is set by hour)"))
        return problems


@dataclass(frozen=True, kw_only=True)
class Category:
    """A product category: its share of orders, its case rates, lags and order values."""

    share: float = probability(doc="Share of orders in this category; shares sum to 1.")
    rates: dict = mapping(probability(doc=""), keys=CASE_TYPES, default={},
                          doc="Cases of each type raised per order (expected count, <= 1).")
    lags: dict = mapping(dist(doc=""), keys=CASE_TYPES, default={},
                         doc="Time after delivery until the case is raised, per case type "
                             "(for `presale`: time *before the order*); types left out use "
                             "`demand.default_lag` (`presale`: `demand.presale_lead`).")
    order_value: Dist = dist({"dist": "lognormal", "mean": 200, "sd": 250}, of_duration=False,
                             doc="Order value in the scenario currency (assumption).")


@dataclass(frozen=True, kw_only=True)
class PoissonStream:
    """A stationary Poisson stream of contacts, for textbook and validation scenarios."""

    rate_per_h: float = number(doc="Arrival rate of cases.", min=0.0, unit="1/h")
    case_type: str = choice("inquiry", options=CASE_TYPES, doc="Type of every case.")
    channel: str = choice("phone", options=CHANNELS, doc="Channel of every case.")


@dataclass(frozen=True, kw_only=True)
class Demand:
    """Where cases come from."""

    source: str = choice("orders", options=("orders", "poisson"),
                         doc="`orders`: orders over simulated days raise cases; `poisson`: a "
                             "stationary stream of contacts (textbook scenarios).")
    orders_per_day: float = number(0.0, min=0.0, unit="orders/day",
                                   doc="Mean orders per day before profiles and promotions.")
    hourly_profile: tuple = profile(FLAT_DAY, length=24,
                                    doc="Relative order intensity by hour of day (0-23).")
    weekly_profile: tuple = profile(FLAT_WEEK, length=7,
                                    doc="Relative order intensity by weekday (Mon-Sun).")
    contact_profile: tuple | None = profile(
        None, length=24,
        doc="Relative intensity of raising cases by hour of day; cases keep their day and get "
            "an hour from this profile (Z15: >50% of chats 10:00-15:00). Left out: the time "
            "that follows from order, delivery and lag.")
    history: float = duration("21d", doc="Orders placed this long before the start still raise "
                                         "cases inside the run, so cases arrive at their full "
                                         "rate from time 0; cases raised before 0 are not "
                                         "simulated (a warm-up fills that pipeline).")
    delivery_lag: Dist = dist({"dist": "triangular", "min": "1d", "mode": "2d", "max": "4d"},
                              doc="Order to delivery (docs/sources.md §3.9: sign-for 1-4 d).")
    default_lag: Dist = dist({"dist": "exponential", "mean": "2d"},
                             doc="Delivery to case, for types a category gives no lag.")
    presale_lead: Dist = dist({"dist": "exponential", "mean": "1d"},
                              doc="Pre-sale consultation to the order it leads to, for "
                                  "categories that give `presale` no lag (assumption: most "
                                  "pre-sale questions come within a day of buying).")
    promotions: tuple = items(Promotion, default=[], doc="Promotion events.")
    categories: dict = mapping(table(Category, doc=""), default={},
                               doc="Product categories, by name.")
    channel_mix: dict = mapping(probability(doc=""), keys=CHANNELS,
                                default={"phone": 0.3, "chat": 0.6, "ticket": 0.1},
                                doc="Share of cases that first contact on each channel "
                                    "(assumption).")
    poisson: PoissonStream | None = table(PoissonStream, default=None,
                                          doc="The stream used when source = 'poisson'.")

    def _check(self, key: str) -> list[Problem]:
        problems = shares_sum_to_one(self.channel_mix, f"{key}.channel_mix")
        if self.source == "poisson":
            if self.poisson is None:
                problems.append(Problem(f"{key}.poisson", None,
                                        "a [demand.poisson] table when source = 'poisson'"))
            return problems
        if not self.categories:
            problems.append(Problem(f"{key}.categories", {},
                                    "at least one category when source = 'orders'"))
        else:
            shares = {n: c.share for n, c in self.categories.items()}
            problems += shares_sum_to_one(shares, f"{key}.categories.*.share")
        return problems

    def rate_factor(self, case_type: str, ordered: np.ndarray) -> np.ndarray:
        """Factor on the ``case_type`` rate of orders placed at ``ordered`` (promotions)."""
        factor = np.ones(np.shape(ordered))
        for promo in self.promotions:
            m = promo.rate_multipliers.get(case_type, 1.0)
            if m != 1.0:
                inside = (ordered >= promo.start) & (ordered < promo.start + promo.length)
                factor = np.where(inside, factor * m, factor)
        return factor

    def lead_factor(self, ordered: np.ndarray) -> np.ndarray:
        """Factor on the pre-sale lead of orders placed at ``ordered`` (promotions)."""
        factor = np.ones(np.shape(ordered))
        for promo in self.promotions:
            if promo.presale_lead_factor != 1.0:
                inside = (ordered >= promo.start) & (ordered < promo.start + promo.length)
                factor = np.where(inside, factor * promo.presale_lead_factor, factor)
        return factor

    def case_types_raised(self) -> set[str]:
        """Case types with a positive rate somewhere in this demand."""
        if self.source == "poisson":
            return {self.poisson.case_type} if self.poisson else set()
        return {t for c in self.categories.values() for t, r in c.rates.items() if r > 0}

    def channels_used(self) -> set[str]:
        """Channels that cases can arrive on."""
        if self.source == "poisson":
            return {self.poisson.channel} if self.poisson else set()
        return {ch for ch, share in self.channel_mix.items() if share > 0}
