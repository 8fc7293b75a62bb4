"""The report's three-layer evaluation system as a scorecard of simulated KPIs.

The source report (REPORT §4.2-4.3, ``docs/sources.md`` §R) evaluates after-sales service in
three layers. Each indicator reads the simulated quantity it is named after and is scored
0-100 **linearly** between the scenario's ``worst`` (0) and ``target`` (100) values; values
beyond either anchor are held at 0 or 100. The targets are the ideal (an immediate answer,
every scan on time, a rating of 5) or a best practice, and the worst values are set so that
the bundled designs fall between the anchors, so the scores discriminate instead of sitting
at a clip. Defaults (``scorecard.indicators``; :data:`sim.config.outcomes.DEFAULT_INDICATORS`):

========= ===================== ========================================= ====== ====== =====
layer     indicator (report)    KPI (simulated quantity)                  target worst  src
========= ===================== ========================================= ====== ====== =====
presale   response speed        pre-sale wait to the first answer, by     0      2 min  Z15
                                channel: phone, chat (min), tickets and   0      2.5min C100
                                forum (h), combined by volume             0      24 h   ASM
presale   accuracy of answers   presale_answer_accuracy                   1      0.5    SQM
presale   attitude              presale_courtesy_rate                     1      0.8    ASM
insale    delivery speed        parcel_transit_mean_h                     24 h   96 h   §3.5
insale    logistics information tracking_on_time_rate                     1      0.7    ASM
insale    return/exchange guar. guarantee_kept_rate                       1      0.5    §4.1
aftersale complaint speed       complaint_handling_mean_h                 0      120 h  JDR
aftersale complaint resolution  complaint_resolution_rate                 1      0.5    CCA
aftersale complaint satisfact.  csat_mean_complained                      5      1      scale
aftersale channel diversity     channels_used (effective number)          4      1      REPORT
========= ===================== ========================================= ====== ====== =====

What moves each indicator, by mode (``docs/model.md`` has the full table): response speed
and accuracy move with the contact stage's capacity, the agents' first-contact resolution,
the chatbot's containment and a community's answer rate, delay and correctness; attitude with
who answers (agents, bot, peers); delivery speed and logistics information with the logistics
provider's transit and tracking scans (own fleet or carrier); the guarantee with refunds,
replacements and repairs kept within their targets (logistics and field service); complaint
speed and resolution with the complaint stage; channel diversity with the channels a design
answers and where it routes consumers.

Within a layer the weights are normalised to sum to 1 over the indicators whose KPI is a
number; an indicator whose KPI is NaN (nothing to measure, e.g. no complaints in the run) is
left out and the others' weights renormalised. A layer with no measurable indicator is NaN,
and ``score_total`` renormalises the layer weights in the same way: a run that measured
nothing scores NaN, never 100.
"""

from __future__ import annotations

import math

import pandas as pd

from ..config.errors import ScenarioError
from ..config.fields import _suggest
from ..config.outcomes import LAYERS, ScorecardParams
from .kpis import REGISTRY, Context, kpi


def indicator_score(value: float, target: float, worst: float) -> float:
    """Score 0-100 of a KPI value: 0 at ``worst``, 100 at ``target``, linear, clipped."""
    if value is None or math.isnan(value):
        return float("nan")
    return 100.0 * min(1.0, max(0.0, (value - worst) / (target - worst)))


def _check_kpi(key: str, name: str) -> None:
    if name not in REGISTRY or name.startswith("score_"):
        known = [k for k in REGISTRY if not k.startswith("score_")]
        raise ScenarioError.at(key, name, "the name of a KPI other than score_* (see "
                               "sim.kpis())" + _suggest(name, known))


def check_indicators(params: ScorecardParams) -> None:
    """Raise :class:`ScenarioError` naming ``scorecard.indicators.<name>...`` for unknown KPIs."""
    for name, ind in params.indicators.items():
        key = f"scorecard.indicators.{name}"
        if not ind.parts:
            _check_kpi(f"{key}.kpi", ind.kpi)
        for part_name, part in ind.parts.items():
            _check_kpi(f"{key}.parts.{part_name}.kpi", part.kpi)
            _check_kpi(f"{key}.parts.{part_name}.volume", part.volume)


def kpis_read(params: ScorecardParams) -> list[str]:
    """Every KPI the scorecard reads (indicator, part and volume KPIs)."""
    names = []
    for ind in params.indicators.values():
        names += [ind.kpi] if not ind.parts else [
            k for part in ind.parts.values() for k in (part.kpi, part.volume)]
    return list(dict.fromkeys(names))


def _combined(kpis: dict[str, float], parts: dict) -> float:
    """Volume-weighted score of an indicator's parts (parts with no volume left out)."""
    total = weighted = 0.0
    for part in parts.values():
        score = indicator_score(float(kpis.get(part.kpi, math.nan)), part.target, part.worst)
        volume = float(kpis.get(part.volume, math.nan))
        if math.isnan(score) or not volume > 0:
            continue
        total += volume
        weighted += volume * score
    return weighted / total if total > 0 else math.nan


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
        if ind.parts:
            value, score = math.nan, _combined(kpis, ind.parts)
            kpi_name = "by volume: " + ", ".join(p.kpi for p in ind.parts.values())
        else:
            value = float(kpis.get(ind.kpi, float("nan")))
            score, kpi_name = indicator_score(value, ind.target, ind.worst), ind.kpi
        rows.append({"layer": ind.layer, "indicator": name, "kpi": kpi_name, "value": value,
                     "score": score, "raw_weight": ind.weight})
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
        values = {name: ctx.value(name) for name in kpis_read(params)}
        cached = layer_scores(scorecard(values, params), params)
        ctx._values["_scorecard"] = cached
    return cached


def _layer_kpi(layer: str):
    def score(ctx: Context) -> float:
        return _scores(ctx)[layer]

    return score


_WHAT = {"presale": "pre-sale consultation (response speed by channel, accuracy, attitude)",
         "insale": "in-sale tracking (delivery speed, logistics information, "
                   "return/exchange guarantee)",
         "aftersale": "after-sale rights protection (complaint speed, complaint resolution "
                      "and satisfaction, channel diversity)",
         "total": "the three layers weighted by scorecard.layer_weights"}

for _layer in (*LAYERS, "total"):
    kpi(f"score_{_layer}", "0-100", f"Scorecard of {_WHAT[_layer]}; weights renormalised over "
        "indicators with a KPI value (sim.outcomes.scorecard).",
        "no indicator of the layer could be measured", better="max")(_layer_kpi(_layer))
