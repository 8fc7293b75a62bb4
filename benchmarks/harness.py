"""Shared machinery of the benchmarks: fresh-process measurements, interleaving, medians.

Every measurement runs in a fresh Python process (``python <script> --child CASE ...``), so no
case inherits another's warm caches, heap or garbage. The child times only the work (not the
imports or the scenario loading) with process CPU time (:func:`time.process_time`) and wall
time, and reports its peak resident memory (``ru_maxrss``) and what the work returned, as one
JSON line. The parent runs the cases **interleaved** (A B C, A B C, ...) so that the load of
the shared machine falls on every case alike, and reports medians. Ratios between cases of one
run are what the benchmarks compare; absolute times move with the machine's load.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def rss_kib() -> int:
    """Current resident set size of this process (KiB), from /proc where it exists."""
    try:
        with open("/proc/self/statm") as fh:
            pages = int(fh.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") // 1024
    except (OSError, ValueError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def peak_rss_kib() -> int:
    """Peak resident set size of this process so far (KiB, Linux ``ru_maxrss``)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def timed(work: Callable[[], dict]) -> dict:
    """Run ``work`` once; its dict plus ``cpu_s``, ``wall_s`` and memory figures."""
    before = rss_kib()
    wall, cpu = time.perf_counter(), time.process_time()
    out = work()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return {**out, "cpu_s": cpu, "wall_s": wall, "rss_before_kib": before,
            "peak_rss_kib": peak_rss_kib()}


def timed_inner(work: Callable[[], dict]) -> dict:
    """Time only ``work`` (not the set-up around it): ``inner_cpu_s``, ``inner_wall_s``, and
    ``inner_rss_before_kib``, the resident memory just before it (imports and set-up done)."""
    before = rss_kib()
    wall, cpu = time.perf_counter(), time.process_time()
    out = work()
    return {**out, "inner_cpu_s": time.process_time() - cpu,
            "inner_wall_s": time.perf_counter() - wall, "inner_rss_before_kib": before}


def child_main(cases: dict[str, Callable[..., dict]], argv: Sequence[str]) -> bool:
    """If ``argv`` asks for a child run (``--child CASE [JSON-kwargs]``), do it and say so."""
    if len(argv) < 2 or argv[0] != "--child":
        return False
    kwargs = json.loads(argv[2]) if len(argv) > 2 else {}
    result = timed(lambda: cases[argv[1]](**kwargs))
    print("RESULT " + json.dumps(result))
    return True


def run_child(script: Path, case: str, kwargs: dict | None = None,
              timeout: float = 3600) -> dict:
    """One measurement of ``case`` of ``script`` in a fresh process."""
    cmd = [sys.executable, str(script), "--child", case, json.dumps(kwargs or {})]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    if proc.returncode != 0:
        raise RuntimeError(f"{case} failed:\n{proc.stderr[-3000:]}")
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")][-1]
    return json.loads(line[len("RESULT "):])


def interleaved(script: Path, cases: dict[str, dict], repeats: int,
                log: Callable[[str], None] = print) -> dict[str, list[dict]]:
    """Run every case ``repeats`` times, interleaved, each in a fresh process."""
    out: dict[str, list[dict]] = {name: [] for name in cases}
    for rep in range(repeats):
        for name, kwargs in cases.items():
            result = run_child(script, kwargs.get("case", name),
                               {k: v for k, v in kwargs.items() if k != "case"})
            out[name].append(result)
            log(f"  [{rep + 1}/{repeats}] {name}: {result['cpu_s']:.2f} CPU-s, "
                f"{result['wall_s']:.2f} s wall")
    return out


def median(runs: list[dict], key: str) -> float:
    """Median of ``key`` over repetitions."""
    return float(statistics.median(r[key] for r in runs))


def versions() -> dict[str, str]:
    """Python and the versions of the packages that matter here."""
    out = {"python": platform.python_version()}
    for name in ("aftersales-sim", "simpy", "numpy", "scipy", "pandas", "ciw", "pyinstrument"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def machine() -> str:
    """One line about the machine: CPU model, cores, memory, load when the run started."""
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
        load = ", load average {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())
    except (OSError, ValueError, AttributeError):
        mem, load = float("nan"), ""
    return f"{model}, {os.cpu_count()} cores, {mem:.0f} GiB, {platform.system()}{load}"


def git_commit() -> str:
    """The commit being measured (with ``+dirty`` when the tree has changes)."""
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True, cwd=ROOT, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, cwd=ROOT).stdout.strip()
        return rev + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)
