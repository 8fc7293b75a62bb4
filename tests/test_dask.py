"""The Dask path: a distributed cluster's executor gives the same numbers as a serial run.

``distributed`` is an optional extra (``pip install aftersales-sim[dask]``); ``make test``
installs it, so this path stays covered. One in-process cluster (threads, no worker processes)
still serialises every task and result, which is what could differ.
"""

from __future__ import annotations

import pandas as pd
import pytest

from sim.config.loader import load_scenario
from sim.experiment.runner import compare
from sim.validation import contact_centre_table

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def dask_client():
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        yield client


def test_dask_executor_matches_serial(dask_client):
    table = contact_centre_table(15.0, 3, 10.0, horizon_h=60.0, warmup_h=10.0, seed=3)
    table["run"]["drain"] = "200h"
    table["designs"] = {"a": table["designs"]["textbook"],
                        "b": {"extends": "a", "contact": {"groups": {"agents": {"agents": 4}}}}}
    scenario = load_scenario(table)
    serial = compare(scenario, replications=3, progress=False)
    on_dask = compare(scenario, replications=3, progress=False,
                      executor=dask_client.get_executor(pure=False))
    pd.testing.assert_frame_equal(serial.runs, on_dask.runs)
    pd.testing.assert_frame_equal(serial.summary, on_dask.summary)
