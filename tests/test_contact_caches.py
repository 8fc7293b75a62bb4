"""The contact centre's run-time caches follow scenario events, and the records' live columns.

- the memoised route (patience, cap, priority, overflow) and the cached first-attempt handle
  times are rebuilt when an event changes the contact parameters: an event shortening
  patience makes consumers abandon inside its window only, one doubling handle times doubles
  the handle time of exactly the contacts answered inside it (same uniforms: common random
  numbers);
- the records' list columns index like arrays during a run and are arrays of their declared
  dtype afterwards.
"""

from __future__ import annotations

import numpy as np

from sim.config.loader import load_scenario
from sim.config.units import DAY
from sim.model import simulate
from sim.records import FIELDS, LIVE, CaseRecords
from sim.validation import contact_centre_table


def _centre(events: list[dict]):
    table = contact_centre_table(8.0, 3, 15.0, patience_mean_min=60.0, horizon_h=120.0,
                                 warmup_h=0.0, seed=5)
    table["run"]["drain"] = "2d"
    table["events"] = events
    return load_scenario(table)


def _window(event: dict) -> dict:
    return {"name": event["name"], "key": event["key"], "scale": event["scale"],
            "start": "2d", "end": "3d"}


def test_patience_event_applies_inside_its_window_only():
    short = _window({"name": "impatient", "key": "designs.textbook.contact.patience.phone",
                     "scale": 0.02})
    event, plain = simulate(_centre([short])), simulate(_centre([]))
    created = event.cases.created
    before, inside = created < 2 * DAY - 4.0, (created >= 2 * DAY) & (created < 3 * DAY - 1.0)
    left_e = event.records["abandonments"] > 0
    left_p = plain.records["abandonments"] > 0
    np.testing.assert_array_equal(left_e[before], left_p[before])
    assert left_e[inside].mean() > 2 * left_p[inside].mean() + 0.05


def test_handle_time_event_doubles_contacts_answered_inside_its_window():
    slow = _window({"name": "slow system",
                    "key": "designs.textbook.contact.handle_time.phone.default", "scale": 2.0})
    event, plain = simulate(_centre([slow])), simulate(_centre([]))
    answered = event.records["first_response_at"]
    staff_e, staff_p = event.records["staff_time_h"], plain.records["staff_time_h"]
    inside = (answered >= 2 * DAY) & (answered < 3 * DAY)
    outside = (answered < 2 * DAY) | (answered >= 3 * DAY)
    assert inside.sum() > 100
    np.testing.assert_allclose(staff_e[inside], 2 * staff_p[inside], rtol=1e-12)
    np.testing.assert_array_equal(staff_e[outside], staff_p[outside])


def test_live_columns_index_like_arrays_and_freeze_to_their_dtype():
    rec = CaseRecords(4)
    rec.add("own_counter", "i2", 0, "a provider's counter", live=True)
    rec["attempts"][1] += 2
    rec["own_counter"][3] += 1
    rec["staff_time_h"][2] += 0.25
    rec.close(1, "resolved", 5.0)
    assert isinstance(rec["attempts"], list) and rec["terminal"][1] != 0
    frame = rec.to_frame()
    for name in LIVE - {"terminal"}:
        assert rec[name].dtype == np.dtype(FIELDS[name][0]), name
    assert rec["own_counter"].tolist() == [0, 0, 0, 1]
    assert frame["attempts"].tolist() == [0, 2, 0, 0]
    assert frame["terminal"].astype(str).tolist()[1] == "resolved"
    assert frame["closed_at"].tolist()[1] == 5.0 and frame["staff_time_h"][2] == 0.25
    added_late = rec.add("after_run", "i2", 0, "added after the freeze", live=True)
    assert isinstance(added_late, np.ndarray)  # no list once the run is over
