"""The main job: wall time of ``aftersales run baseline`` as a user types it.

Runs the console command in a fresh process with its defaults (and, for comparison, serially
with ``--jobs 1``), writing into a temporary results root, and reports wall time and the CPU time
of the command and its worker processes.

    python benchmarks/bench_main.py [--repeats 1]
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import harness

#: The defaults (every core for a comparison this size), and serial for comparison.
VARIANTS = {"aftersales run baseline": [], "aftersales run baseline --jobs 1": ["--jobs", "1"]}


def run_command(extra: list[str]) -> dict:
    """One run of the command; wall time and children's CPU time."""
    exe = Path(sys.executable).with_name("aftersales")
    out = tempfile.mkdtemp(prefix="bench-main-")
    try:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        proc = subprocess.run([str(exe), "run", "baseline", "--out", out, *extra],
                              capture_output=True, text=True, cwd=harness.ROOT)
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    finally:
        shutil.rmtree(out, ignore_errors=True)
    if proc.returncode != 0:
        raise RuntimeError(f"aftersales run failed:\n{proc.stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall_s": wall, "cpu_s": cpu}


def measure(repeats: int = 1, log=print) -> dict[str, list[dict]]:
    """Interleaved runs of every variant."""
    out: dict[str, list[dict]] = {name: [] for name in VARIANTS}
    for rep in range(repeats):
        for name, extra in VARIANTS.items():
            result = run_command(extra)
            out[name].append(result)
            log(f"  [{rep + 1}/{repeats}] {name}: {result['wall_s']:.1f} s wall, "
                f"{result['cpu_s']:.1f} CPU-s")
    return out


def markdown(runs: dict[str, list[dict]]) -> str:
    """The main-job section of RESULTS.md."""
    rows = [[f"`{name}`", len(rs), f"{harness.median(rs, 'wall_s'):.1f}",
             f"{harness.median(rs, 'cpu_s'):.1f}"] for name, rs in runs.items()]
    return harness.table(["command", "runs", "wall s (median)", "CPU s incl. workers"], rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=1)
    print(markdown(measure(parser.parse_args().repeats)))


if __name__ == "__main__":
    main()
