"""Case-level satisfaction (CSAT) and repurchase: a pure, vectorised function of the case table.

The functional form is ``docs/sources.md`` §2.3; every coefficient is a field of
:class:`~sim.config.outcomes.SatisfactionParams`. For a closed case::

    p_top = base_top_box[channel]
            * per_extra_contact ** max(contacts - 1, 0)      # SQM: -15% per extra contact
            * per_revisit ** max(visits - 1, 0)              # field rework (assumption)
            * per_transfer ** transfers                      # SQM: -12% per cold transfer
            * per_discourteous ** discourteous               # assumption: as a transfer
            * h_wait(first response wait, channel)           # tolerance zones (Z15, C100)
            * (bot_resolved if a bot resolved it)            # WANG26
            * (consumer_paid_fee if the consumer paid)       # assumption, BM12 direction
            * csat_factor (a provider's own effect, e.g. the community's trust effect)
            * (unresolved | abandoned by outcome)            # assumption, TARP direction
            * h_late(days beyond the expected remedy delay)  # refunds, replacements, repairs
    p_top = min(1, p_top + recovery_bonus)   if recovered within recovery_sla (dM07)

``h_wait`` is 1 up to the channel's tolerance, ``wait_step`` up to its sharp drop,
``wait_drop`` just after it, then loses ``wait_decline_per_tolerance`` per further
sharp-drop-length of wait, floored at ``wait_floor``: never increasing in the wait. The wait
is the first answered contact's (``first_wait_h``); a case never answered is judged on the
wait it gave up after (``first_attempt_wait_h``); a case with no contact attempt has no wait
penalty. ``h_late = max(wait_floor, 1 - per_day_late * days_late)``, where ``days_late`` is
the time from the request to the refund (or, failing that, the replacement) beyond
``refund_expected``, and for field cases (repair, installation, maintenance) the time from the
request to the completed service beyond ``repair_expected``.

Outcome categories (column ``outcome``):

============== ===================================================================
resolved        terminal ``resolved`` with one contact at most and one visit at most
rework          terminal ``resolved`` after more than one contact or visit
unresolved      terminal ``unresolved``
abandoned       terminal ``abandoned``, ``blocked`` or ``withdrawn``: the consumer left
                without a remedy (sources.md §2.3 counts them as unresolved; their own
                multiplier ``abandoned`` defaults to the same 0.40)
(excluded)      ``censored`` or ``open``: the case's history is incomplete, so it gets no
                score (NaN everywhere); ``censored_share`` flags designs where this matters
============== ===================================================================

CSAT on the 1-5 scale is the expected rating when a top-box answer rates ``rating_top`` (5)
and any other ``rating_rest`` (1): ``csat = rating_rest + (rating_top - rating_rest) * p_top``
(Zendesk's good/bad ratings mapped to the scale ends).

Repurchase follows the TARP table: resolved (or reworked) *quickly* when closed within
the case type's service target ``policy.sla`` of the request, *slowly* otherwise, or
*unresolved* (unresolved and abandoned); the *major* row applies from
``major_order_value``. The recovery bonus never touches repurchase (de Matos et al. 2007).
The paid-return spending effect (BM12) is not a repurchase probability: it scales the value
kept, see :func:`sim.outcomes.ledger.lost_revenue`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..config.outcomes import SatisfactionParams
from ..config.units import DAY
from ..config.vocab import FIELD_TYPES
from .codes import is_in, per_category

#: Outcome categories of scored cases, in order.
OUTCOMES = ("resolved", "rework", "unresolved", "abandoned")
_LEFT = ("abandoned", "blocked", "withdrawn")


def outcome_category(cases: pd.DataFrame) -> pd.Series:
    """Outcome category of each case (see the module docstring); NaN when censored or open."""
    return pd.Series(pd.Categorical.from_codes(_outcome_codes(cases), OUTCOMES),
                     index=cases.index, name="outcome")


def _outcome_codes(cases: pd.DataFrame) -> np.ndarray:
    """Index into :data:`OUTCOMES` of each case's outcome; -1 when censored or open."""
    terminal = cases["terminal"]
    resolved = is_in(terminal, "resolved")
    rework = (np.asarray(cases["contacts"]) > 1) | (np.asarray(cases["visits"]) > 1)
    codes = np.full(len(cases), -1, dtype=np.int8)
    codes[resolved] = OUTCOMES.index("resolved")
    codes[resolved & rework] = OUTCOMES.index("rework")
    codes[is_in(terminal, "unresolved")] = OUTCOMES.index("unresolved")
    codes[is_in(terminal, *_LEFT)] = OUTCOMES.index("abandoned")
    return codes


def wait_multiplier(wait_h: np.ndarray, tolerance_h: np.ndarray, sharp_h: np.ndarray,
                    params: SatisfactionParams) -> np.ndarray:
    """Tolerance-zone multiplier ``h_wait`` of waits (hours); NaN waits get 1 (no penalty).

    Parameters
    ----------
    wait_h : array
        Waits in hours.
    tolerance_h, sharp_h : array
        The channel's tolerance and sharp-drop waits, one per wait.
    params : SatisfactionParams
        ``wait_step``, ``wait_drop``, ``wait_decline_per_tolerance``, ``wait_floor``.
    """
    wait = np.nan_to_num(np.asarray(wait_h, dtype=float), nan=0.0)
    beyond = (wait - sharp_h) / np.where(sharp_h > 0, sharp_h, 1.0)
    decline = params.wait_drop - params.wait_decline_per_tolerance * np.maximum(beyond, 0.0)
    # Capped at wait_drop so a floor set above it cannot lift long waits over shorter ones.
    tail = np.minimum(params.wait_drop, np.maximum(params.wait_floor, decline))
    return np.where(wait <= tolerance_h, 1.0, np.where(wait <= sharp_h, params.wait_step, tail))


def lateness_days(cases: pd.DataFrame, params: SatisfactionParams) -> np.ndarray:
    """Days by which each case's remedy came later than expected (0 when on time or none)."""
    created = np.asarray(cases["created"], dtype=float)
    remedy = np.asarray(cases["refund_at"], dtype=float)
    remedy = np.where(np.isnan(remedy), np.asarray(cases["replacement_at"], dtype=float), remedy)
    late = np.nan_to_num(remedy - created - params.refund_expected, nan=0.0)
    field = is_in(cases["case_type"], *FIELD_TYPES)
    done = np.asarray(cases["service_done_at"], dtype=float)
    late_field = np.nan_to_num(done - created - params.repair_expected, nan=0.0)
    late = np.where(field & ~np.isnan(done), late_field, late)
    return np.maximum(late, 0.0) / DAY


def score_cases(cases: pd.DataFrame, params: SatisfactionParams, policy) -> pd.DataFrame:
    """Score every case: P(top box), CSAT (1-5) and repurchase probability.

    Parameters
    ----------
    cases : pandas.DataFrame
        The per-case table (:func:`sim.model.case_frame` columns).
    params : SatisfactionParams
        Coefficients (scenario ``[satisfaction]``).
    policy : Policy
        Scenario policy; ``sla`` (per case type) separates quick from slow resolutions.

    Returns
    -------
    pandas.DataFrame
        Same index as ``cases``; columns ``outcome``, ``p_top_box``, ``csat``,
        ``repurchase`` (NaN for censored and open cases) and ``major``.
    """
    codes = _outcome_codes(cases)
    outcome = pd.Series(pd.Categorical.from_codes(codes, OUTCOMES), index=cases.index,
                        name="outcome")
    scored = codes >= 0
    channel = cases["channel"]

    def per_channel(table: dict, fill: float) -> np.ndarray:
        return per_category(channel, table, fill)

    p = per_channel(params.base_top_box, np.nan)
    contacts = np.asarray(cases["contacts"], dtype=float)
    visits = np.asarray(cases["visits"], dtype=float)
    p = p * params.per_extra_contact ** np.maximum(contacts - 1, 0)
    p = p * params.per_revisit ** np.maximum(visits - 1, 0)
    p = p * params.per_transfer ** np.asarray(cases["transfers"], dtype=float)
    if "discourteous" in cases:
        p = p * params.per_discourteous ** np.asarray(cases["discourteous"], dtype=float)
    # The wait a consumer lives through runs from the request to the first answer, across any
    # abandoned attempts and retries; the wait of the answered attempt alone would forgive them.
    wait = np.asarray(cases["first_wait_h"], dtype=float)
    if "first_response_at" in cases:
        lived = (np.asarray(cases["first_response_at"], dtype=float)
                 - np.asarray(cases["created"], dtype=float))
        wait = np.where(np.isnan(lived), wait, np.maximum(lived, np.nan_to_num(wait)))
    wait = np.where(np.isnan(wait), np.asarray(cases["first_attempt_wait_h"], dtype=float), wait)
    tolerance = per_channel(params.wait_tolerance, np.inf)
    sharp_drop = per_channel(params.wait_sharp_drop, np.inf)
    if "community_posted" in cases:
        # A forum post is judged against what people expect of a forum, not of a live chat.
        posted = np.asarray(cases["community_posted"], dtype=bool)
        tolerance = np.where(posted, params.forum_wait_tolerance, tolerance)
        sharp_drop = np.where(posted, params.forum_wait_sharp_drop, sharp_drop)
    p = p * wait_multiplier(wait, tolerance, sharp_drop, params)
    p = p * np.where(np.asarray(cases["bot_resolved"], dtype=bool), params.bot_resolved, 1.0)
    p = p * np.where(np.asarray(cases["consumer_paid_fee"], dtype=bool),
                     params.consumer_paid_fee, 1.0)
    if "csat_factor" in cases:  # a provider's own effect on the case (e.g. community trust)
        p = p * np.asarray(cases["csat_factor"], dtype=float)
    p = p * np.where(codes == OUTCOMES.index("unresolved"), params.unresolved, 1.0)
    p = p * np.where(codes == OUTCOMES.index("abandoned"), params.abandoned, 1.0)
    p = p * np.maximum(params.wait_floor, 1.0 - params.per_day_late * lateness_days(cases, params))
    elapsed = np.asarray(cases["closed_at"], dtype=float) - np.asarray(cases["created"], float)
    bonus = np.asarray(cases["recovered"], dtype=bool) & (elapsed <= params.recovery_sla)
    p = np.clip(p + np.where(bonus, params.recovery_bonus, 0.0), 0.0, 1.0)
    p = np.where(scored, p, np.nan)
    csat = params.rating_rest + (params.rating_top - params.rating_rest) * p

    major = np.asarray(cases["order_value"], dtype=float) >= params.major_order_value
    quick = elapsed <= per_category(cases["case_type"], policy.sla, np.inf)
    resolved = (codes == OUTCOMES.index("resolved")) | (codes == OUTCOMES.index("rework"))
    minor_row = np.where(resolved, np.where(quick, params.repurchase_quick,
                                            params.repurchase_slow),
                         params.repurchase_unresolved)
    major_row = np.where(resolved, np.where(quick, params.repurchase_quick_major,
                                            params.repurchase_slow_major),
                         params.repurchase_unresolved_major)
    repurchase = np.where(scored, np.where(major, major_row, minor_row), np.nan)
    return pd.DataFrame({"outcome": outcome, "p_top_box": p, "csat": csat,
                         "repurchase": repurchase, "major": major}, index=cases.index)
