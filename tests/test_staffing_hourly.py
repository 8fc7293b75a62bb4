"""Per-hour service-level targets of the staffing optimiser.

(a) The per-hour service level is exact on a hand-made case table; (b) on a pure contact
centre whose Poisson load differs by hour of the day, the per-hour target's staffing of each
shift block is the exact Erlang C head count for that hour's load; (c) a run-mean target
passes a roster that under-staffs the peak hour, which the per-hour target rejects.

The scenario of (b) and (c): inquiries raised by orders (one per order) whose hour of the day
comes from a contact profile, so arrivals are Poisson at 60/h in hours 0-5 and 240/h in hour
6 (the run is hours 0-7, hour 0 its warm-up); 30-s exponential handle times, callers never
abandon; two shift blocks (0-6 and 6-24). Target: 80% answered within 10 s. Erlang C
(``1 - C(c, a) exp(-(c mu - lambda) t)``): 60/h needs 2 agents (1 gives 0.54), 240/h needs 4
(3 gives 0.68, 4 gives 0.91). Over six seeds the simulated worst judged hour at (2, 4) was
0.87-0.92, at (2, 3) and (1, 4) at most 0.75, and the run-mean share at (3, 3) 0.84-0.89.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from sim.config.errors import ScenarioError
from sim.experiment.staffing import Evaluator, optimise, parse_requirement
from sim.experiment.store import toml_dumps
from sim.outcomes.service_level import hour_label, hourly_service_level, judge_hours
from sim.theory.erlang import mmc_wait_tail
from sim.theory.staffing import staffing_for_service_level
from sim.validation import contact_centre_table

LOW, PEAK, MU, WITHIN_S = 60.0, 240.0, 120.0, 10
KEYS = [f"designs.textbook.contact.groups.agents.shifts.{i}.agents" for i in (0, 1)]
PER_HOUR = f"service_level(phone,{WITHIN_S}s)>=0.8 per hour"
RUN_MEAN = f"service_level(phone,{WITHIN_S}s)>=0.8"


def peak_table(low_agents: int = 3, peak_agents: int = 3) -> dict:
    """The scenario of the module docstring (7 simulated hours, peak in hour 6)."""
    t = contact_centre_table(1.0, 1, 60 / MU, horizon_h=7.0, warmup_h=1.0, seed=3)
    t["run"]["drain"] = "10h"
    profile = [LOW] * 6 + [PEAK] + [LOW] * 17
    t["demand"] = {"source": "orders", "orders_per_day": sum(profile), "history": "8d",
                   "contact_profile": profile, "channel_mix": {"phone": 1.0},
                   "categories": {"all": {"share": 1.0, "rates": {"inquiry": 1.0}, "lags": {
                       "inquiry": {"dist": "deterministic", "value": "3d"}}}}}
    group = t["designs"]["textbook"]["contact"]["groups"]["agents"]
    del group["agents"]
    group["shifts"] = [{"start": 0, "end": 6, "agents": low_agents},
                       {"start": 6, "end": 24, "agents": peak_agents}]
    return t


# --- (a) the pure per-hour function ------------------------------------------------------------
def test_hourly_service_level_is_exact_on_a_hand_made_table():
    nan = np.nan
    rows = [  # created, channel, attempts, abandonments, blocked, first attempt wait, first wait
        (0.5, "chat", 1, 0, 0, 0.005, 0.005),     # hour 0: answered after 18 s -> in time
        (0.9, "chat", 1, 0, 0, 0.020, 0.020),     # hour 0: answered after 72 s -> late
        (1.2, "chat", 2, 1, 0, 0.001, 0.030),     # hour 1: abandoned first, answered on retry
        (1.5, "chat", 2, 1, 0, 0.004, 0.004),     # hour 1: answered at once, a later repeat
        (1.7, "chat", 1, 0, 1, nan, nan),         # hour 1: blocked -> not answered in time
        (169.2, "chat", 1, 0, 0, 0.0, 0.0),       # hour 1 of the second week
        (2.5, "phone", 1, 0, 0, 0.0, 0.0),        # another channel
        (2.6, "chat", 0, 0, 0, nan, 0.0),         # a bot settled it: no agent attempt
        (0.2, "chat", 1, 0, 0, 0.0, 0.0),         # before the warm-up
        (205.0, "chat", 1, 0, 0, 0.0, 0.0),       # after the horizon
    ]
    cases = pd.DataFrame(rows, columns=["created", "channel", "attempts", "abandonments",
                                        "blocked", "first_attempt_wait_h", "first_wait_h"])
    cases["channel"] = pd.Categorical(cases["channel"], ["phone", "chat", "ticket"])
    table = hourly_service_level(cases, "chat", 45 / 3600, warmup=0.3, horizon=200.0)
    assert len(table) == 168 and table["hour_of_week"].tolist() == list(range(168))
    assert table.loc[0, ["contacts", "in_time"]].tolist() == [2, 1]
    assert table.loc[1, ["contacts", "in_time"]].tolist() == [4, 2]
    assert table["contacts"].sum() == 6 and table["in_time"].sum() == 3
    judged = judge_hours(table, 0.6, min_contacts=3)
    assert not judged.loc[0, "judged"] and not judged.loc[0, "met"]   # 2 < 3 contacts
    assert judged.loc[1, "judged"] and judged.loc[1, "share"] == 0.5
    assert not judged.loc[1, "met"] and judged.loc[1, "shortfall"] == pytest.approx(0.1)
    assert judged["judged"].sum() == 1 and np.isnan(judged.loc[5, "share"])
    assert hour_label(1) == "Mon 01:00" and hour_label(167) == "Sun 23:00"
    with pytest.raises(ValueError):
        hourly_service_level(cases, "fax", 0.01)


def test_a_per_hour_target_judges_pooled_hours_and_each_replication_on_its_own():
    per_hour = parse_requirement("service_level(chat,45s)>=0.8 per hour", min_contacts=10)
    run_mean = parse_requirement("service_level(chat,45s)>=0.8")
    n0, k0, n1, k1 = (np.zeros(168, int) for _ in range(4))
    n0[[3, 4, 9]], k0[[3, 4, 9]] = [10, 20, 4], [10, 12, 4]   # rep 0: hour 4 at 0.6
    n1[[3, 4, 9]], k1[[3, 4, 9]] = [10, 20, 0], [7, 20, 0]    # rep 1: hour 3 at 0.7
    runs = [SimpleNamespace(hourly={per_hour.hourly: (n0, k0)}),
            SimpleNamespace(hourly={per_hour.hourly: (n1, k1)})]
    v = per_hour.judge(runs)
    hours = v.hours.set_index("hour_of_week")
    assert hours.loc[3, "share"] == pytest.approx(17 / 20) and hours.loc[4, "share"] == 0.8
    assert not hours.loc[9, "judged"]                 # 4 contacts pooled < 10: not judged
    assert v.met and v.value == pytest.approx(0.8) and v.shortfall == 0
    assert v.per_replication.tolist() == [False, False]   # each misses in one judged hour
    m = run_mean.judge(runs)                          # shares 26/34 and 27/30, mean of them
    assert m.value == pytest.approx((26 / 34 + 27 / 30) / 2) and m.met
    assert m.per_replication.tolist() == [False, True]


# --- (b) agreement with Erlang C per hour ------------------------------------------------------
def test_per_hour_staffing_of_each_block_is_the_erlang_c_count_of_its_hours():
    within = WITHIN_S / 3600
    exact = [staffing_for_service_level(lam, MU, 0.8, within) for lam in (LOW, PEAK)]
    assert exact == [2, 4]
    assert 1 - mmc_wait_tail(LOW, MU, 1, within) < 0.6                 # one fewer clearly fails
    assert 1 - mmc_wait_tail(PEAK, MU, 3, within) < 0.7

    from sim.config.loader import load_scenario
    from sim.experiment.shift_blocks import rough_cut_start

    req = [parse_requirement(PER_HOUR)]
    start = rough_cut_start(load_scenario(peak_table()), "textbook", KEYS, req)
    assert [start[k] for k in KEYS] == exact                          # the per-hour rough cut
    # From the scenario's (3, 3): only the peak fails, so only the block covering it grows.
    result = optimise(peak_table(3, 3), "textbook", req, replications=6, use_rough_cut=False,
                      progress=False)
    assert [result.best[k] for k in KEYS] == exact                    # simulation agrees
    tried = {tuple(r) for r in result.candidates[KEYS].to_numpy()}
    assert (4, 3) not in tried and (3, 4) in tried
    table = result.candidates.set_index(KEYS)
    assert not table.loc[(1, 4), "feasible"] and not table.loc[(2, 3), "feasible"]
    worst = result.worst_hours(3)
    assert len(worst) == 3 and (worst["share"] >= 0.8).all() and worst["met"].all()
    assert result.hours[PER_HOUR]["judged"].sum() == 6                # hours 1-6 of Monday
    assert 0 <= result.confidence <= 1


# --- (c) run mean against per hour -------------------------------------------------------------
def test_a_run_mean_target_passes_a_roster_that_under_staffs_the_peak_hour():
    req = [parse_requirement(RUN_MEAN), parse_requirement(PER_HOUR)]
    evaluator = Evaluator(peak_table(), "textbook", KEYS, req, replications=6, seed=3,
                          progress=False)
    row = evaluator.row(dict(zip(KEYS, (3, 3), strict=True)))
    assert row[RUN_MEAN] >= 0.82                                      # the night carries it
    assert row[PER_HOUR] < 0.78 and not row["feasible"]
    run_mean, per_hour = evaluator.verdicts[(3, 3)]
    assert run_mean.met and not per_hour.met
    assert per_hour.failing_hours.tolist() == [6]                     # Mon 06:00, the peak


# --- targets as written ------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "message"), [
    ("service_level(fax,45s)>=0.8 per hour", "a channel: phone, chat, ticket"),
    ("service_level(chat,45)>=0.8 per hour", "a threshold with a time unit"),
    ("service_level(chat,45 parsecs)>=0.8", "a threshold with a time unit"),
    ("service_level(chat,45s)>=1.2 per hour", r"a share in \[0, 1\]"),
    ("service_level(chat,45s)<=0.8", "is a floor"),
    ("service_level(chat)>=0.8", "service_level\\(CHANNEL,THRESHOLD\\)>=SHARE"),
    ("queued_share<=0.2 per hour", "queued_share has no hourly form"),
])
def test_bad_targets_are_refused_naming_the_argument_and_what_is_allowed(text, message):
    with pytest.raises(ScenarioError, match=message) as err:
        parse_requirement(text)
    assert "--require" in str(err.value)


def test_targets_read_back_as_written():
    req = parse_requirement(" service_level( chat , 45s ) >= 0.8  per  hour ")
    assert str(req) == "service_level(chat,45s)>=0.8 per hour" and req.per_hour
    assert req.within_h == pytest.approx(45 / 3600) and req.min_contacts == 30
    assert not parse_requirement("service_level(ticket,1h)>=0.9").per_hour
    with pytest.raises(ScenarioError, match="--min-hour-contacts"):
        parse_requirement("service_level(chat,45s)>=0.8 per hour", min_contacts=0)


def test_command_line_reports_the_worst_hours(tmp_path, capsys):
    from sim.cli import main

    path = tmp_path / "peak.toml"
    path.write_text(toml_dumps(peak_table()), encoding="utf-8")
    out = tmp_path / "out"
    assert main(["optimise-staffing", str(path), "--require", PER_HOUR, "--replications", "2",
                 "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "Worst hours at the chosen staffing" in text and "Mon 06:00" in text
    assert "6 hours judged (" in text and "0 hours not judged" in text
    assert "Confidence that textbook's staffing meets every target: 0." in text
    assert "how sure the runs make us" in text                       # what confidence means
    hours = pd.read_csv(next(out.rglob("hours_textbook.csv")))
    assert len(hours) == 168 and hours["judged"].sum() == 6
    judged = hours[hours["judged"]]
    assert (judged["low"] <= judged["share"]).all() and (judged["share"] <= judged["high"]).all()
    assert set(judged["status"]) <= {"met", "missed", "too close to call"}
    optimal = pd.read_csv(next(out.rglob("optimal.csv")))
    assert 0 < optimal.loc[0, "confidence"] < 1
    assert next(out.rglob("figures/hours_textbook.png")).stat().st_size > 0
    assert main(["optimise-staffing", str(path), "--require", PER_HOUR,
                 "--min-hour-contacts", "100000", "--replications", "1",
                 "--out", str(out)]) == 2                              # no hour can be judged
    assert "lower --min-hour-contacts" in capsys.readouterr().err


def test_a_service_level_on_a_channel_without_contacts_stops_with_a_clear_error():
    evaluator = Evaluator(peak_table(), "textbook", KEYS,
                          [parse_requirement("service_level(chat,10s)>=0.8")], replications=1,
                          progress=False)
    with pytest.raises(ScenarioError, match="none answered or queued on chat") as err:
        evaluator.row(dict(zip(KEYS, (2, 4), strict=True)))
    assert "--require" in str(err.value)


# --- how sure the answer is: per-hour intervals between replications --------------------------
def _runs(target, contacts, in_time):
    """Replications (SimpleNamespace) carrying the given replications x 168 counts."""
    return [SimpleNamespace(hourly={target.hourly: (n, k)})
            for n, k in zip(np.asarray(contacts), np.asarray(in_time), strict=True)]


def _counts(reps, cells):
    """replications x 168 arrays with ``cells = {hour: (contacts per rep, in time per rep)}``."""
    n, k = np.zeros((reps, 168), int), np.zeros((reps, 168), int)
    for hour, (cn, ck) in cells.items():
        n[:, hour], k[:, hour] = cn, ck
    return n, k


def test_each_judged_hour_gets_the_ratio_estimators_interval_and_p_meets():
    from scipy import stats

    target = parse_requirement("service_level(chat,45s)>=0.8 per hour", min_contacts=10)
    n, k = _counts(3, {3: ([10, 20, 30], [9, 15, 27]),      # p = 51/60 = 0.85
                       4: ([40, 40, 40], [38, 39, 37]),      # p = 0.95
                       9: ([10, 10, 10], [5, 6, 4]),         # p = 0.5
                       20: ([2, 0, 1], [2, 0, 1])})          # 3 contacts: not judged
    v = target.judge(_runs(target, n, k))
    hours = v.hours.set_index("hour_of_week")
    # By hand: residuals k_r - p n_r, se = sqrt(sum resid^2 / (R )) / mean n.
    se = {3: np.sqrt((0.5 ** 2 + 2 ** 2 + 1.5 ** 2) / 6) / 20,     # resid 0.5, -2, 1.5
          4: np.sqrt((0 + 1 + 1) / 6) / 40,                        # resid 0, 1, -1
          9: np.sqrt((0 + 1 + 1) / 6) / 10}
    share = {3: 0.85, 4: 0.95, 9: 0.5}
    t975 = stats.t.ppf(0.975, 2)
    for h in (3, 4, 9):
        assert hours.loc[h, "se"] == pytest.approx(se[h], rel=1e-12)
        assert hours.loc[h, "low"] == pytest.approx(share[h] - t975 * se[h], rel=1e-12)
        assert hours.loc[h, "high"] == pytest.approx(min(share[h] + t975 * se[h], 1.0))
        assert hours.loc[h, "p_meets"] == pytest.approx(
            stats.t.cdf((share[h] - 0.8) / se[h], 2), rel=1e-12)
    assert hours.loc[3, "se"] == pytest.approx(0.0520416, abs=1e-7)   # the numbers themselves
    assert hours.loc[3, "low"] == pytest.approx(0.62608, abs=1e-5)
    x = 0.05 / se[3]                     # Student t with 2 df: F(x) = 1/2 + x / (2 sqrt(2 + x^2))
    assert hours.loc[3, "p_meets"] == pytest.approx(0.5 + x / (2 * np.sqrt(2 + x * x)))
    assert hours.loc[3, "p_meets"] == pytest.approx(0.78098, abs=1e-5)
    assert hours.loc[3, "status"] == "too close to call"          # 0.8 inside [0.63, 1]
    assert hours.loc[4, "status"] == "met" and hours.loc[9, "status"] == "missed"
    assert hours.loc[20, "status"] == "not judged" and np.isnan(hours.loc[20, "se"])
    assert np.isnan(hours.loc[100, "p_meets"])                    # no contacts at all
    assert v.confidence == pytest.approx(np.prod([hours.loc[h, "p_meets"] for h in (3, 4, 9)]))
    assert v.confidence < 0.02 and v.confidence_note == ""        # hour 9 is clearly missed


def test_the_interval_sees_waits_that_go_together_in_an_hour():
    # Four replications of 50 contacts each: three answer all in time, one none (a busy spell
    # delays the whole hour). Binomially 200 contacts at 0.75 give se 0.031; the replications
    # say 0.25: se = sqrt((3 * 12.5^2 + 37.5^2) / 12) / 50.
    target = parse_requirement("service_level(chat,45s)>=0.7 per hour")
    n, k = _counts(4, {5: ([50] * 4, [50, 0, 50, 50])})
    hours = target.judge(_runs(target, n, k)).hours
    assert hours.loc[5, "se"] == pytest.approx(0.25)
    assert hours.loc[5, "se"] > 5 * np.sqrt(0.75 * 0.25 / 200)
    assert hours.loc[5, "status"] == "too close to call"
    # Every replication the same share: no spread, the point is all there is.
    n, k = _counts(3, {5: ([40] * 3, [40] * 3)})
    hours = target.judge(_runs(target, n, k)).hours
    assert hours.loc[5, "se"] == 0 and hours.loc[5, "p_meets"] == 1.0
    assert hours.loc[5, "status"] == "met"


def test_one_replication_has_no_interval_and_no_confidence_and_says_why():
    from sim.experiment.staffing_targets import answer_confidence

    target = parse_requirement("service_level(chat,45s)>=0.8 per hour", min_contacts=10)
    kpi = parse_requirement("queued_share<=0.5")
    n, k = _counts(1, {3: ([40], [38])})
    runs = _runs(target, n, k)
    for run in runs:
        run.kpis = {"queued_share": 0.1}
    v = target.judge(runs)
    assert v.met and np.isnan(v.confidence) and "one replication" in v.confidence_note
    row = v.hours.loc[3]
    assert np.isnan(row["low"]) and np.isnan(row["p_meets"])
    assert row["status"] == "no interval (1 replication)"
    value, note = answer_confidence([kpi, target], [kpi.judge(runs), v])
    assert np.isnan(value) and note.startswith(str(target)) and "--replications 2" in note
    assert answer_confidence([kpi], [kpi.judge(runs)]) == (1.0, "")   # a KPI target: a share
    evaluator = Evaluator(peak_table(), "textbook", KEYS, [parse_requirement(PER_HOUR)],
                          replications=1, seed=3, progress=False)
    assert np.isnan(evaluator.row(dict(zip(KEYS, (2, 4), strict=True)))["confidence"])
    assert "one replication" in evaluator.notes[(2, 4)]


def test_confidence_grows_with_replications_where_met_and_vanishes_where_missed():
    # (2, 4) is Erlang C's staffing (service levels about 0.91 against 0.8 in every hour);
    # (2, 3) misses the peak hour (0.68). Same seed: the replications are nested.
    req = [parse_requirement(PER_HOUR)]

    def confidence(config, reps):
        evaluator = Evaluator(peak_table(), "textbook", KEYS, req, replications=reps, seed=3,
                              progress=False)
        return evaluator.row(dict(zip(KEYS, config, strict=True)))["confidence"]

    met = [confidence((2, 4), reps) for reps in (2, 4, 12)]
    assert met[0] < met[1] < met[2] and met[2] > 0.99
    assert met[0] < 0.9                      # two replications cannot make us sure
    assert confidence((2, 3), 8) < 0.05
