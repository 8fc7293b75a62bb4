"""The Dask path: a distributed cluster's executor gives the same numbers as a serial run.

``distributed`` is an optional extra (``pip install aftersales-sim[dask]``); ``make test``
installs it, so this path stays covered. One in-process cluster (threads, no worker processes)
still serialises every task and result, which is what could differ.

The cluster binds loopback only (TCP on 127.0.0.1, random ports, no dashboard): a test must
never open a port to the network, and ``test_cluster_listens_on_loopback_only`` checks the
sockets this process listens on while the cluster runs.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os

import pandas as pd
import psutil
import pytest

from sim.config.loader import load_scenario
from sim.experiment.runner import compare
from sim.validation import contact_centre_table

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def dask_client():
    # dashboard_address=None alone still starts the scheduler's HTTP server on 0.0.0.0:8787
    # (and the in-process transport ignores ``host``): force TCP on 127.0.0.1, turn the
    # dashboard off and put the remaining health endpoint on a random loopback port.
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  protocol="tcp", host="127.0.0.1",
                                  dashboard_address="127.0.0.1:0",
                                  scheduler_kwargs={"dashboard": False}) as cluster, \
            distributed.Client(cluster) as client:
        yield client


def listening_addresses() -> set[tuple[str, int]]:
    """(ip, port) of every TCP socket this process is listening on."""
    return {(c.laddr.ip, c.laddr.port)
            for c in psutil.Process().net_connections(kind="inet")
            if c.status == psutil.CONN_LISTEN}


def test_cluster_listens_on_loopback_only(dask_client):
    assert dask_client.submit(sum, [1, 2]).result() == 3      # the cluster is up and serving
    listeners = listening_addresses()
    assert listeners, "a running cluster listens somewhere; psutil saw no socket"
    exposed = sorted((ip, port) for ip, port in listeners
                     if not ipaddress.ip_address(ip).is_loopback)
    assert not exposed, f"listening beyond loopback: {exposed}"


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


def test_the_projects_local_dask_cluster_listens_on_loopback_only():
    """``--dask local`` (sim.experiment.cluster): scheduler and worker processes alike."""
    from sim.experiment.cluster import executor

    with executor(jobs=1, dask="local") as pool:
        assert pool.submit(sum, [1, 2]).result() == 3
        me = psutil.Process()
        listeners = set()
        for process in [me, *me.children(recursive=True)]:
            with contextlib.suppress(psutil.Error):
                listeners |= {(c.laddr.ip, c.laddr.port)
                              for c in process.net_connections(kind="inet")
                              if c.status == psutil.CONN_LISTEN}
    assert listeners
    exposed = sorted(a for a in listeners if not ipaddress.ip_address(a[0]).is_loopback)
    assert not exposed, f"listening beyond loopback: {exposed}"


def _worker_settings() -> dict:
    import os

    import dask

    settings = {key: dask.config.get(key) for key in
                ("distributed.worker.profile.enabled", "distributed.admin.tick.interval")}
    return settings | {"MALLOC_TRIM_THRESHOLD_": os.environ.get("MALLOC_TRIM_THRESHOLD_")}


def test_the_projects_local_cluster_workers_run_without_the_profiler():
    """The workers of ``--dask local`` take its settings for long CPU-bound tasks (the
    statistical profiler off, slow housekeeping ticks, glibc's adaptive mmap threshold kept:
    no ``MALLOC_TRIM_THRESHOLD_`` unless the user set one); the client's own config is left
    as it was."""
    import dask

    from sim.experiment.cluster import LOCAL_CLUSTER_CONFIG, executor

    before = dask.config.get("distributed.worker.profile.enabled")
    users_trim = os.environ.get("MALLOC_TRIM_THRESHOLD_")
    with executor(jobs=1, dask="local") as pool:
        settings = pool._client.run(_worker_settings)
    assert settings
    for worker in settings.values():
        assert worker["distributed.worker.profile.enabled"] is False
        assert worker["distributed.admin.tick.interval"] == \
            LOCAL_CLUSTER_CONFIG["distributed.admin.tick.interval"]
        assert worker["MALLOC_TRIM_THRESHOLD_"] == users_trim
    assert dask.config.get("distributed.worker.profile.enabled") == before


def test_the_bundled_worker_config_matches_the_local_clusters():
    """docs/dask/workers.yaml gives workers of one's own what ``--dask local`` gives its."""
    from pathlib import Path

    import yaml

    from sim.experiment.cluster import LOCAL_CLUSTER_CONFIG

    path = Path(__file__).resolve().parent.parent / "docs" / "dask" / "workers.yaml"
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    for key in ("distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_",
                "distributed.worker.profile.enabled"):
        node = config
        for part in key.split("."):
            node = node[part]
        assert node == LOCAL_CLUSTER_CONFIG[key], key
