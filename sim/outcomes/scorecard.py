"""The report's three-layer evaluation system as a scorecard of simulated KPIs.

The source report (``docs/sources.md`` §R, "How service quality is evaluated", §4.2-4.3) evaluates
after-sales service in three layers. Each indicator reads one KPI and is scored 0-100 by
linear interpolation between the scenario's ``worst`` (0) and ``target`` (100) values,
clipped to [0, 100]; the direction follows from which of the two is larger. Defaults
(``scorecard.indicators`` in a scenario; :data:`sim.config.outcomes.DEFAULT_INDICATORS`):

========= ======================= =========================== ======= ======= ====================
layer     indicator (report)      KPI                         target  worst   source of target
========= ======================= =========================== ======= ======= ====================
presale   response speed          first_response_mean_min     0.5     5       ASA 28 s (§5, IFC)
presale   accuracy of answers     fcr_rate                    0.80    0.50    SQM world class
presale   attitude                csat_mean_inquiry           4.5     3.0     Z15 88% top box
insale    delivery speed          refund_time_mean_h          120     360     §2.3; M7 Art. 31
insale    logistics transparency  parcel_loss_rate            0       0.05    assumption
insale    return/exchange guar.   statutory_compliance        1.0     0.80    §4; assumption
aftersale complaint handling speed complaint_time_mean_h      120     720     JDR timeline; CPLR
aftersale complaint resolution    complaint_resolution_rate   0.72    0.40    CCA 2024
aftersale complaint satisfaction  csat_mean_complained        4.0     2.0     assumption
aftersale channel diversity       channels_offered            3       1       REPORT (chat, phone,
                                                                                      email)
========= ======================= =========================== ======= ======= ====================

Notes on the mapping: *accuracy* is first-contact resolution (a right answer needs no repeat
contact); *attitude* is the satisfaction of inquiries, the purest contact-only cases;
*delivery speed* after a sale is the time to the refund, the remedy the consumer waits for;
*logistics transparency* has no direct counterpart in the model, so it is the share of
returned parcels that never arrive (a lost parcel is the opaque outcome); *return/exchange
guarantee* is compliance with the statutory deadlines.

Within a layer the weights are normalised to sum to 1 over the indicators whose KPI is a
number; an indicator whose KPI is NaN (nothing to measure, e.g. no complaints in the run) is
left out and the others' weights renormalised. A layer with no measurable indicator is NaN,
and ``score_total`` renormalises the layer weights in the same way.
"""

from __future__ import annotations

import math

import pandas as pd

from ..config.errors import ScenarioError
from ..config.outcomes import LAYERS, ScorecardParams
from .kpis import REGISTRY, Context, kpi


def indicator_score(value: float, target: float, worst: float) -> float:
    """Score 0-100 of a KPI value: 0 at ``worst``, 100 at ``target``, linear, clipped."""
    if value is None or math.isnan(value):
        return float("nan")
    return 100.0 * min(1.0, max(0.0, (value - worst) / (target - worst)))


def check_indicators(params: ScorecardParams) -> None:
    """Raise :class:`ScenarioError` naming ``scorecard.indicators.<name>.kpi`` for unknown KPIs."""
    for name, ind in params.indicators.items():
        if ind.kpi not in REGISTRY or ind.kpi.startswith("score_"):
            raise ScenarioError.at(f"scorecard.indicators.{name}.kpi", ind.kpi,
                                   "the name of a KPI other than score_* (see sim.kpis())")


def scorecard(kpis: dict[str, float], params: ScorecardParams) -> pd.DataFrame:
    """Score every indicator from KPI values.

    Parameters
    ----------
    kpis : dict of str to float
        KPI values of one run (at least those the indicators read).
    params : ScorecardParams
        Indicators, targets and weights.

    Returns
    -------
    pandas.DataFrame
        One row per indicator: ``layer``, ``indicator``, ``kpi``, ``value``, ``score``
        (0-100 or NaN) and ``weight`` (normalised within the layer over measurable
        indicators; 0 when not measurable).
    """
    rows = []
    for name, ind in params.indicators.items():
        value = float(kpis.get(ind.kpi, float("nan")))
        rows.append({"layer": ind.layer, "indicator": name, "kpi": ind.kpi, "value": value,
                     "score": indicator_score(value, ind.target, ind.worst),
                     "raw_weight": ind.weight})
    table = pd.DataFrame(rows, columns=["layer", "indicator", "kpi", "value", "score",
                                        "raw_weight"])
    usable = table["raw_weight"].where(table["score"].notna(), 0.0)
    totals = usable.groupby(table["layer"]).transform("sum")
    table["weight"] = (usable / totals.where(totals > 0)).fillna(0.0)
    return table.drop(columns="raw_weight")


def layer_scores(table: pd.DataFrame, params: ScorecardParams) -> dict[str, float]:
    """Scores of the three layers and the total from a :func:`scorecard` table."""
    out: dict[str, float] = {}
    for layer in LAYERS:
        rows = table[(table["layer"] == layer) & (table["weight"] > 0)]
        out[layer] = float((rows["score"] * rows["weight"]).sum()) if len(rows) else math.nan
    weights = {k: w for k, w in params.layer_weights.items()
               if not math.isnan(out.get(k, math.nan)) and w > 0}
    total = sum(weights.values())
    out["total"] = (sum(out[k] * w for k, w in weights.items()) / total if total > 0
                    else math.nan)
    return out


def _scores(ctx: Context) -> dict[str, float]:
    cached = ctx._values.get("_scorecard")
    if cached is None:
        params = ctx.scenario.scorecard
        check_indicators(params)
        values = {ind.kpi: ctx.value(ind.kpi) for ind in params.indicators.values()}
        cached = layer_scores(scorecard(values, params), params)
        ctx._values["_scorecard"] = cached
    return cached


def _layer_kpi(layer: str):
    def score(ctx: Context) -> float:
        return _scores(ctx)[layer]

    return score


_WHAT = {"presale": "pre-sale consultation (response speed, accuracy, attitude)",
         "insale": "in-sale tracking (delivery speed, logistics transparency, "
                   "return/exchange guarantee)",
         "aftersale": "after-sale rights protection (complaint speed, complaint resolution "
                      "and satisfaction, channel diversity)",
         "total": "the three layers weighted by scorecard.layer_weights"}

for _layer in (*LAYERS, "total"):
    kpi(f"score_{_layer}", "0-100", f"Scorecard of {_WHAT[_layer]}; weights renormalised over "
        "indicators with a KPI value (sim.outcomes.scorecard).",
        "no indicator of the layer could be measured", better="max")(_layer_kpi(_layer))
