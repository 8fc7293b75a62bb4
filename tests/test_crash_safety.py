"""Crash safety: a killed run never leaves a complete-looking results folder, the next run
cleans up after it and gives the same tables, no worker outlives a killed parent, and Ctrl-C
or SIGTERM prints one line and stops the workers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest

from sim.experiment import store

SMALL = ["run", "validation/mmc", "--replications", "2", "--no-figures",
         "--set", 'run.horizon="20h"', "--set", 'run.warmup="2h"']

# Runs the CLI with one store function replaced by a kill -9 of this very process at the
# chosen moment: what a power cut or the OOM killer does, with no cleanup code running.
KILLER = textwrap.dedent("""
    import os, signal, sys
    from sim.experiment import store
    moment = sys.argv[1]
    def die(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGKILL)
    def die_before_marker(module):
        real = module.write_text
        def write_text(path, text):
            if path.name == store.COMPLETE:
                die()
            real(path, text)
        module.write_text = write_text
    if moment == "tables":
        store.write_table = die
    elif moment == "before_marker":
        die_before_marker(store)
    elif moment == "before_rename":
        store._fsync_tree = die
    # Sweeps: "part:N" dies writing the N-th part (its temporary file written, not renamed),
    # "after:N" once the N-th part is stored, "sweep_tables" writing the first table,
    # "sweep_marker" just before COMPLETE.
    elif moment.startswith(("part:", "after:")):
        import types
        from sim.experiment import chunks, sweep
        n, count = int(moment.split(":")[1]), [0]
        if moment.startswith("part:"):
            def replace(src, dst):
                if "part-" in str(dst):
                    count[0] += 1
                    if count[0] == n:
                        die()
                os.replace(src, dst)
            chunks.os = types.SimpleNamespace(**{**vars(os), "replace": replace})
        else:
            real_store = sweep.store_part
            def store_part(*args):
                path = real_store(*args)
                count[0] += 1
                if count[0] == n:
                    die()
                return path
            sweep.store_part = store_part
    elif moment == "sweep_tables":
        from sim.experiment import sweep
        sweep.write_atomic = die
    elif moment == "sweep_marker":
        from sim.experiment import sweep
        die_before_marker(sweep)
    from sim.cli import main
    sys.exit(main(sys.argv[2:]))
""")


def run_cli(args, cwd, moment=None, timeout=300):
    cmd = ([sys.executable, "-c", KILLER, moment] if moment
           else [sys.executable, "-m", "sim.cli"]) + list(args)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)


def visible_folders(root: Path) -> list[Path]:
    return [p for p in root.glob("*/*") if not p.name.startswith(".")]


@pytest.mark.parametrize("moment", ["tables", "before_rename", "before_marker"])
def test_a_killed_run_leaves_nothing_complete_looking_and_the_rerun_cleans_up(moment,
                                                                               tmp_path):
    out = tmp_path / "out"
    killed = run_cli([*SMALL, "--out", str(out)], tmp_path, moment)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    assert visible_folders(out) == [], "a killed run left a folder that looks like a result"
    leftovers = list(out.glob("*/.*.tmp-*"))
    assert leftovers, "the kill happened while the temporary folder existed"
    again = run_cli([*SMALL, "--out", str(out)], tmp_path)
    assert again.returncode == 0, again.stderr[-2000:]
    (folder,) = visible_folders(out)
    assert store.is_complete(folder)
    assert not list(out.glob("*/.*.tmp-*")), "the stale temporary folder was not removed"
    import json
    manifest = json.loads((folder / "manifest.json").read_text())
    assert store.COMPLETE not in manifest["files"]
    assert manifest["removed_stale_folders"] == [p.name for p in leftovers]


def test_rerun_after_a_kill_gives_identical_tables(tmp_path):
    first = run_cli([*SMALL, "--out", str(tmp_path / "a")], tmp_path)
    assert first.returncode == 0
    run_cli([*SMALL, "--out", str(tmp_path / "b")], tmp_path, "before_marker")
    second = run_cli([*SMALL, "--out", str(tmp_path / "b")], tmp_path)
    assert second.returncode == 0
    (a,), (b,) = visible_folders(tmp_path / "a"), visible_folders(tmp_path / "b")
    assert (a / "runs.csv").read_bytes() == (b / "runs.csv").read_bytes()
    assert (a / "summary.csv").read_bytes() == (b / "summary.csv").read_bytes()


# How long orphaned workers may take to exit: a worker still importing numpy and pandas when
# its parent dies only finds out after its imports, which on a loaded machine took over 15 s.
ORPHAN_WAIT = 90


def _children_when_running(proc, count, timeout=120):
    deadline = time.monotonic() + timeout
    parent = psutil.Process(proc.pid)
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(proc.stderr.read()[-3000:])
        kids = [k for k in parent.children(recursive=True) if "spawn_main" in " ".join(k.cmdline())]
        if len(kids) >= count:
            return parent.children(recursive=True)
        time.sleep(0.2)
    raise AssertionError("the workers did not start")


def _alive(processes):
    out = []
    for p in processes:
        try:
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                out.append(p)
        except psutil.NoSuchProcess:
            pass
    return out


def _start(args, tmp_path, sigint_default=False):
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}

    def preexec():
        if sigint_default:  # a shell's background job ignores SIGINT; a terminal does not
            signal.signal(signal.SIGINT, signal.SIG_DFL)

    return subprocess.Popen([sys.executable, "-m", "sim.cli", *args], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, preexec_fn=preexec)


LONG = ["run", "baseline", "--replications", "8", "--jobs", "2", "--no-figures"]


def test_no_worker_outlives_a_killed_parent(tmp_path):
    proc = _start([*LONG, "--out", str(tmp_path / "out")], tmp_path)
    children = []
    try:
        children = _children_when_running(proc, 2)
        proc.kill()
        proc.wait(timeout=30)
        deadline = time.monotonic() + ORPHAN_WAIT
        while _alive(children) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _alive(children), f"outlived their parent: {_alive(children)}"
    finally:
        for child in _alive(children):  # never leave them running, even when the test fails
            child.kill()
        if proc.poll() is None:
            proc.kill()


@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_interrupt_prints_one_line_and_stops_the_workers(sig, code, tmp_path):
    out = tmp_path / "out"
    proc = _start([*LONG, "--out", str(out)], tmp_path, sigint_default=True)
    children = _children_when_running(proc, 2)
    os.killpg(proc.pid, sig)  # Ctrl-C reaches the whole foreground process group
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == code, stderr[-2000:]
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in stderr, stderr[-2000:]
    deadline = time.monotonic() + ORPHAN_WAIT
    while _alive(children) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _alive(children)
    assert visible_folders(out) == [] if out.exists() else True


# --- sweeps ----------------------------------------------------------------------------------
SWEEP = """scenario = "validation/mmc"
method = "full_factorial"
replications = 3
seed = 11
block = 1
outputs = ["first_response_mean_min", "cost_per_case", "cases"]
[set]
"run.horizon" = "20h"
"run.warmup" = "2h"
"run.drain" = "100h"
[factors]
"designs.textbook.contact.groups.agents.agents" = [3, 4]
"""
SWEEP_TABLES = ("factors.csv", "points.csv", "runs_long.csv", "runs.csv", "summary.csv")


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    from sim.experiment.sweep import run_sweep
    from sim.experiment.sweepfile import read_sweep_file

    folder = tmp_path_factory.mktemp("sweep")
    (folder / "tiny.toml").write_text(SWEEP, encoding="utf-8")
    run_sweep(read_sweep_file(folder / "tiny.toml"), out_dir=folder / "whole", progress=False)
    return folder / "whole"


@pytest.mark.parametrize("moment", ["after:2", "part:4", "sweep_tables", "sweep_marker"])
def test_a_killed_sweep_resumes_to_the_uninterrupted_tables(moment, uninterrupted, tmp_path):
    from sim.experiment.chunks import read_parts
    from sim.experiment.sweep import run_sweep
    from sim.experiment.sweepfile import read_sweep_file

    (tmp_path / "tiny.toml").write_text(SWEEP, encoding="utf-8")
    out = tmp_path / "cut"
    killed = run_cli(["sweep", "tiny.toml", "--no-figures", "--out", str(out)], tmp_path,
                     moment)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    assert not (out / store.COMPLETE).exists()
    manifest = (out / "manifest.json").read_text()
    assert '"status": "complete"' not in manifest
    stored = read_parts(out)["run_id"].nunique()
    assert stored == {"after:2": 2, "part:4": 3}.get(moment, 6)  # block 1: a run per chunk
    if moment == "part:4":
        assert list((out / "parts").glob(".part-*.tmp-*")), "the kill left a temporary part"
    resumed = run_sweep(read_sweep_file(tmp_path / "tiny.toml"), out_dir=out, progress=False)
    assert (out / store.COMPLETE).exists()
    assert not list((out / "parts").glob(".part-*.tmp-*"))
    assert len(list((out / "parts").glob("part-*"))) == 6   # nothing run twice or lost
    assert resumed.meta["runs"] == 6
    for name in SWEEP_TABLES:
        assert (out / name).read_bytes() == (uninterrupted / name).read_bytes(), name
