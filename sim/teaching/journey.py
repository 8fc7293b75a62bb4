"""One case's journey through each design, step by step, from the per-case tables.

Replication r of every design sees the same cases (common random numbers): case ``i`` of
``run_once(scenario, design=a).cases`` is the same consumer, order and request as case ``i``
of design ``b``. So one case can be followed through every design and the tables compared row
by row: who answered, when the parcel was picked up, when the refund came, how many visits a
repair took, and how the consumer rated it.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

#: Time stamps of a case (per-case table column -> step), in journey order.
STEPS = (
    ("created", "request raised"),
    ("first_response_at", "first answer"),
    ("booked_at", "visit booked"),
    ("picked_up_at", "goods handed to logistics"),
    ("goods_received_at", "goods received back"),
    ("refund_at", "refund paid"),
    ("refund_due_at", "statutory refund deadline"),
    ("replacement_shipped_at", "replacement shipped"),
    ("replacement_at", "replacement delivered"),
    ("service_done_at", "field service done"),
    ("complaint_at", "complaint raised"),
    ("complaint_closed_at", "complaint closed"),
    ("closed_at", "case closed"),
)
#: Counts and flags of a case shown under the time stamps (column -> label).
FACTS = (
    ("terminal", "how it ended"),
    ("contacts", "contacts with the platform"),
    ("transfers", "transfers between agents"),
    ("community_answered", "answered by the community"),
    ("bot_handled", "handled by a chatbot"),
    ("consumer_paid_fee", "consumer paid return freight"),
    ("return_sent", "goods sent back"),
    ("visits", "field visits"),
    ("statutory_met", "statutory deadline met"),
)
#: The column that shows a case type's journey reached its end (picking a telling case).
REACHED = {"return_refund": "refund_at", "exchange": "replacement_at",
           "repair": "service_done_at", "installation": "service_done_at",
           "maintenance": "service_done_at", "complaint": "complaint_closed_at"}


def pick_case(cases: Mapping[str, pd.DataFrame], case_type: str, after: float = 0.0,
              channels: tuple[str, ...] | None = None) -> int | None:
    """A case of ``case_type`` whose journey reached its end in every design.

    Parameters
    ----------
    cases : mapping of design to per-case table
        ``run_once(...).cases`` of the same replication for each design.
    case_type : str
        ``"return_refund"``, ``"repair"``, ``"inquiry"``, ...
    after : float
        Earliest creation time (h): pass ``run.warmup`` to pick a measured case.
    channels : tuple of str, optional
        Channels allowed for the first contact (e.g. ``("chat", "ticket")``).

    Returns
    -------
    int or None
        The first such case number, or None when the run has none.
    """
    frames = list(cases.values())
    if not frames:
        return None
    n = min(len(f) for f in frames)
    first = frames[0].iloc[:n]
    ok = (first["case_type"].astype(str) == case_type).to_numpy() & (
        first["created"].to_numpy() >= after)
    if channels is not None:
        ok &= first["channel"].astype(str).isin(channels).to_numpy()
    column = REACHED.get(case_type, "closed_at")
    for frame in frames:
        part = frame.iloc[:n]
        ok &= part[column].notna().to_numpy() & (part["terminal"].astype(str) == "resolved"
                                                 ).to_numpy()
    hits = np.flatnonzero(ok)
    return int(first["case"].iloc[hits[0]]) if hits.size else None


def _hours(x: float) -> str:
    return "" if pd.isna(x) else f"{x:.1f} h"


def journey(cases: Mapping[str, pd.DataFrame], case: int,
            csat: Mapping[str, pd.Series] | None = None) -> pd.DataFrame:
    """The journey of case ``case`` in every design: one column per design.

    Rows are the steps the case went through in at least one design (hours after the request
    was raised; blank where that design's journey has no such step), then the facts of
    :data:`FACTS` and, when ``csat`` is given, the consumer's rating.

    Parameters
    ----------
    cases : mapping of design to per-case table
    case : int
        The case number (the ``case`` column).
    csat : mapping of design to pandas.Series, optional
        Per-case CSAT (1-5) of each design (``score_cases(...)["csat"]``).
    """
    rows: dict[str, dict[str, str]] = {}
    for design, frame in cases.items():
        row = frame.loc[frame["case"] == case]
        if row.empty:
            raise KeyError(f"case {case} is not in the cases of design {design!r}")
        r = row.iloc[0]
        created = float(r["created"])
        for column, label in STEPS:
            value = r.get(column, np.nan)
            if column == "created":
                rows.setdefault(label, {})[design] = f"day {created / 24:.2f} (t = 0)"
            elif pd.notna(value):
                rows.setdefault(label, {})[design] = _hours(float(value) - created)
        for column, label in FACTS:
            if column in r.index:
                value = r[column]
                if column == "statutory_met" and not bool(r.get("statutory_applicable", True)):
                    value = "not applicable"
                rows.setdefault(label, {})[design] = str(value)
        if csat is not None and design in csat:
            score = float(csat[design].loc[row.index[0]])
            rows.setdefault("CSAT (1-5)", {})[design] = f"{score:.2f}"
    order = [label for _, label in STEPS] + [label for _, label in FACTS] + ["CSAT (1-5)"]
    table = pd.DataFrame.from_dict({k: rows[k] for k in order if k in rows}, orient="index")
    table = table.reindex(columns=list(cases)).fillna("")
    first = next(iter(cases.values()))
    row = first.loc[first["case"] == case].iloc[0]
    table.index.name = f"case {case} ({row['case_type']}, {row['channel']})"
    return table


def case_csat(cases: pd.DataFrame, scenario) -> pd.Series:
    """Per-case CSAT (1-5) by the scenario's satisfaction model (NaN for open cases)."""
    from ..outcomes.satisfaction import score_cases

    return score_cases(cases, scenario.satisfaction, scenario.policy)["csat"]
