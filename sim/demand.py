"""Demand: orders over simulated days, and the after-sales cases they raise (vectorised).

Orders follow a non-homogeneous Poisson process whose intensity is constant within each hour:
``orders_per_day / 24`` times the hour-of-day and weekday profiles (each normalised to mean 1)
times the multiplier of any promotion running in that hour. With a piecewise-constant intensity,
drawing a Poisson count per hour and placing the orders uniformly inside it is exact (no
thinning needed). Each order belongs to a category, is delivered after a lag, and raises a case
of each type with the category's rate, some time after delivery; returns and exchanges are
raised inside the return window. A pre-sale consultation (``presale``) is raised *before* its
order, a lead time earlier; orders are therefore drawn up to a look-ahead past the horizon, so
consultations near the end of the run are not missing. Promotions scale orders
(``multiplier``) and, for the orders placed while they last, the cases each order raises
(``rate_multipliers``, contact intensity by period) and the pre-sale lead
(``presale_lead_factor``): the pre-sale surge comes before a promotion, the return wave after
it. Time zero is a Monday, 00:00.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .config.schema import Scenario
from .config.units import DAY
from .config.vocab import CASE_TYPES, CHANNELS, PRESALE_TYPES, RETURN_TYPES
from .streams import Streams


@dataclass(frozen=True)
class CaseTable:
    """The cases of one replication, sorted by creation time (columnar)."""

    created: np.ndarray       # h
    case_type: np.ndarray     # index into CASE_TYPES
    channel: np.ndarray       # index into CHANNELS
    category: np.ndarray      # index into `categories`, -1 for Poisson streams
    order_value: np.ndarray   # currency
    ordered_at: np.ndarray    # h (NaN for Poisson streams)
    delivered_at: np.ndarray  # h (NaN for Poisson streams)
    categories: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.created)

    def type_name(self, case: int) -> str:
        """Case type of ``case`` as its name."""
        return CASE_TYPES[self.case_type[case]]

    def channel_name(self, case: int) -> str:
        """First-contact channel of ``case`` as its name."""
        return CHANNELS[self.channel[case]]


def order_intensity(scenario: Scenario, hours: np.ndarray) -> np.ndarray:
    """Expected orders in each whole hour ``hours`` (may be negative: before the start)."""
    demand = scenario.demand
    hours = np.asarray(hours)
    hourly = np.asarray(demand.hourly_profile) / np.mean(demand.hourly_profile)
    weekly = np.asarray(demand.weekly_profile) / np.mean(demand.weekly_profile)
    rate = demand.orders_per_day / 24 * hourly[hours % 24] * weekly[(hours // 24) % 7]
    for promo in demand.promotions:
        inside = (hours >= round(promo.start)) & (hours < round(promo.start + promo.length))
        rate = np.where(inside, rate * promo.multiplier, rate)
    return rate


def generate(scenario: Scenario, streams: Streams) -> CaseTable:
    """Draw the cases of one replication.

    Parameters
    ----------
    scenario : Scenario
        The scenario (demand, policy, run horizon).
    streams : Streams
        The replication's named streams; demand uses streams named ``demand/...``.

    Returns
    -------
    CaseTable
        Cases created in ``[0, horizon)``, sorted by creation time.
    """
    if scenario.demand.source == "poisson":
        return _poisson_cases(scenario, streams)
    return _order_cases(scenario, streams)


def _profile_ppf(weights: tuple[float, ...], u: np.ndarray) -> np.ndarray:
    """Hour of day in [0, 24) for uniforms ``u`` under a piecewise-constant profile."""
    w = np.asarray(weights) / np.sum(weights)
    cum = np.concatenate([[0.0], np.cumsum(w)])
    hour = np.minimum(np.searchsorted(cum, u, side="right") - 1, 23)
    within = (u - cum[hour]) / np.where(w[hour] > 0, w[hour], 1.0)
    return hour + np.clip(within, 0.0, 1.0 - 1e-12)


def _poisson_cases(scenario: Scenario, streams: Streams) -> CaseTable:
    spec = scenario.demand.poisson
    horizon = scenario.run.horizon
    rng = streams.rng("demand/arrivals")
    n = rng.poisson(spec.rate_per_h * horizon)
    created = np.sort(rng.uniform(0.0, horizon, n))
    nan = np.full(n, np.nan)
    return CaseTable(
        created=created,
        case_type=np.full(n, CASE_TYPES.index(spec.case_type), dtype=np.int8),
        channel=np.full(n, CHANNELS.index(spec.channel), dtype=np.int8),
        category=np.full(n, -1, dtype=np.int16),
        order_value=nan, ordered_at=nan.copy(), delivered_at=nan.copy(), categories=(),
    )


#: Quantile of the pre-sale lead that sets the look-ahead past the horizon.
LOOKAHEAD_QUANTILE = 0.9999


def presale_lookahead(scenario: Scenario) -> float:
    """How far past the horizon orders are drawn so that their pre-sale consultations, raised
    a lead earlier, are inside the run (h; 0 when no category raises them).

    The ``LOOKAHEAD_QUANTILE`` of the longest lead (times the largest promotion lead factor):
    consultations of later orders (at most 1e-4 of them) are left out.
    """
    demand = scenario.demand
    leads = [cat.lags.get(t, demand.presale_lead) for cat in demand.categories.values()
             for t in PRESALE_TYPES if cat.rates.get(t, 0.0) > 0]
    if not leads:
        return 0.0
    factor = max([1.0, *(p.presale_lead_factor for p in demand.promotions)])
    return float(max(lag.ppf(LOOKAHEAD_QUANTILE) for lag in leads)) * factor


def order_times(scenario: Scenario, streams: Streams) -> np.ndarray:
    """Order times (h) from ``-history`` to the horizon plus the pre-sale look-ahead, sorted."""
    demand, run = scenario.demand, scenario.run
    first = -int(np.ceil(demand.history))
    hours = np.arange(first, int(np.ceil(run.horizon + presale_lookahead(scenario))))
    rng = streams.rng("demand/orders")
    counts = rng.poisson(order_intensity(scenario, hours))
    starts = np.repeat(hours, counts).astype(float)
    return np.sort(starts + rng.random(starts.size))


def _order_cases(scenario: Scenario, streams: Streams) -> CaseTable:
    demand, policy = scenario.demand, scenario.policy
    ordered = order_times(scenario, streams)
    n_orders = ordered.size
    names = tuple(demand.categories)
    shares = np.array([demand.categories[c].share for c in names])
    category = np.minimum(np.searchsorted(np.cumsum(shares), streams.rng("demand/category")
                                          .random(n_orders), side="right"), len(names) - 1)
    delivered = ordered + demand.delivery_lag.ppf(streams.rng("demand/delivery").random(n_orders))
    value = np.empty(n_orders)
    u_value = streams.rng("demand/order_value").random(n_orders)
    for i, name in enumerate(names):
        mask = category == i
        value[mask] = demand.categories[name].order_value.ppf(u_value[mask])

    # Return deadline: the window counts from the day after signing (CN) or from possession.
    if policy.window_start == "day_after_signing":
        window_end = (np.floor(delivered / DAY) + 1) * DAY + policy.return_window
    else:
        window_end = delivered + policy.return_window
    uplift = 1 + policy.insured_return_uplift if policy.return_freight_payer == "insured" else 1

    parts: list[tuple[np.ndarray, np.ndarray, int]] = []
    for t, case_type in enumerate(CASE_TYPES):
        u_raise = streams.rng(f"demand/raise/{case_type}").random(n_orders)
        u_lag = streams.rng(f"demand/lag/{case_type}").random(n_orders)
        for i, name in enumerate(names):
            cat = demand.categories[name]
            rate = cat.rates.get(case_type, 0.0)
            if case_type in RETURN_TYPES:
                rate = min(1.0, rate * uplift)
            if rate <= 0:
                continue
            in_cat = np.flatnonzero(category == i)
            rates = np.minimum(1.0, rate * demand.rate_factor(case_type, ordered[in_cat]))
            orders = in_cat[u_raise[in_cat] < rates]
            if case_type in PRESALE_TYPES:
                lag = cat.lags.get(case_type, demand.presale_lead)
                lead = lag.ppf(u_lag[orders]) * demand.lead_factor(ordered[orders])
                parts.append((orders, ordered[orders] - lead, t))
                continue
            lag = cat.lags.get(case_type, demand.default_lag)
            if case_type in RETURN_TYPES:
                room = np.maximum(window_end[orders] - delivered[orders], 0.0)
                lags = lag.ppf(u_lag[orders] * lag.cdf(room))
            else:
                lags = lag.ppf(u_lag[orders])
            parts.append((orders, delivered[orders] + lags, t))
    if parts:
        order_idx = np.concatenate([p[0] for p in parts])
        created = np.concatenate([p[1] for p in parts])
        types = np.concatenate([np.full(p[0].size, p[2], dtype=np.int8) for p in parts])
    else:
        order_idx, created = np.empty(0, int), np.empty(0)
        types = np.empty(0, np.int8)
    if demand.contact_profile is not None:
        # Cases keep their day but take their hour of day from the contact profile: consumers
        # raise cases when they are awake, whatever the lag after delivery says.
        u_hour = streams.rng("demand/contact_hour").random(created.size)
        created = np.floor(created / DAY) * DAY + _profile_ppf(demand.contact_profile, u_hour)
        limit = window_end[order_idx] if order_idx.size else created
        is_return = np.isin(types, [CASE_TYPES.index(t) for t in RETURN_TYPES])
        created = np.where(is_return, np.minimum(created, limit), created)
        presale = np.isin(types, [CASE_TYPES.index(t) for t in PRESALE_TYPES])
        after_sale = np.maximum(created, delivered[order_idx])  # never before delivery
        created = np.where(presale, np.minimum(created, ordered[order_idx]), after_sale)
    keep = (created >= 0) & (created < scenario.run.horizon)
    order_idx, created, types = order_idx[keep], created[keep], types[keep]
    # Stable order: by time, ties by type then order, so the table does not depend on dict order.
    sort = np.lexsort((order_idx, types, created))
    order_idx, created, types = order_idx[sort], created[sort], types[sort]

    mix = np.array([demand.channel_mix.get(ch, 0.0) for ch in CHANNELS])
    # Channel drawn per order so every case type of an order uses the same u (CRN-friendly).
    u_channel = streams.rng("demand/channel").random(n_orders)[order_idx]
    channel = np.minimum(np.searchsorted(np.cumsum(mix), u_channel, side="right"),
                         len(CHANNELS) - 1).astype(np.int8)
    return CaseTable(
        created=created, case_type=types, channel=channel,
        category=category[order_idx].astype(np.int16), order_value=value[order_idx],
        ordered_at=ordered[order_idx], delivered_at=delivered[order_idx], categories=names,
    )
