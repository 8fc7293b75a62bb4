"""Run every benchmark and write ``benchmarks/RESULTS.md`` (``make bench``).

    python benchmarks/run_all.py [--repeats 3] [--quick] [--only engine,full,scaling,main,sweep]

``--quick`` is a smoke run (fewer contacts, smaller factors, one repetition): its numbers are
not the ones the targets are stated for.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shlex
import statistics
import sys

import bench_engine
import bench_full
import bench_live
import bench_main
import bench_scaling
import bench_sweep
import harness

TARGETS = """\
| target | measured | met |
|---|---|---|
{rows}
"""


def _targets(engine, full, scaling, main, sweep=None) -> str:
    rows = []
    if engine:
        r = bench_engine.rates(engine)
        for queue in ("M/M/c", "M/M/c+M"):
            ratio = r[f"model {queue}"] / r[f"bare {queue}"]
            rows.append([f"engine {queue}: model >= 1.0x bare SimPy", f"{ratio:.2f}x",
                         _yes(ratio >= 1.0)])
    if full:
        runs = full["runs"]
        bare = harness.median([{"r": x["customers"] / x["inner_cpu_s"]}
                               for x in runs["bare M/M/c"]], "r")
        for name, rs in runs.items():
            if name != "bare M/M/c":
                rate = harness.median([{"r": x["cases"] / x["inner_cpu_s"]} for x in rs], "r")
                rows.append([f"full model {name}: >= 0.5x bare SimPy M/M/c", f"{rate / bare:.2f}x",
                             _yes(rate / bare >= 0.5)])
    if scaling:
        s = bench_scaling.summary(scaling)
        factors = sorted({int(k.split("x")[0]) for k in s})
        big = max(factors)
        ratio = s[f"{big}x table off"]["us_per_case"] / s["1x table off"]["us_per_case"]
        rows.append([f"time per case at {big}x within 1.15x of 1x (table off)", f"{ratio:.2f}x",
                     _yes(ratio <= 1.15)])
        peak = max(s[f"{big}x table {k}"]["peak_b_per_case"] for k in ("on", "off"))
        rows.append([f"peak memory <= 600 B/case ({big}x, table on)", f"{peak:,.0f} B",
                     _yes(peak <= 600)])
        kept = s[f"{big}x table off"]["retained_b_per_case"]
        rows.append([f"retained with table off <= 100 B/case ({big}x)", f"{kept:,.0f} B",
                     _yes(kept <= 100)])
    if main:
        wall = harness.median(main["aftersales run baseline"], "wall_s")
        rows.append(["`aftersales run baseline` <= 25 s wall (defaults)", f"{wall:.1f} s",
                     _yes(wall <= 25)])
    if sweep:
        runs = sweep["rounds"][0][sweep["kinds"][0]]["runs"]
        names = {"pool": "process pool", "dask": "Dask LocalCluster"}
        for kind, values in bench_sweep.speedups(sweep).items():
            ratio = statistics.median(values)
            rows.append([f"sweep of {runs} runs, {names[kind]}: 2 workers >= 1.8x 1 worker",
                         f"{ratio:.2f}x", _yes(ratio >= 1.8 and runs >= 64)])
    return TARGETS.format(rows="\n".join("| " + " | ".join(r) + " |" for r in rows))


def _yes(ok: bool) -> str:
    return "yes" if ok else "**no**"


HEADER = """\
# Benchmarks

Written by `make bench` ({command}). Do not edit by hand: rerun it.

- date: {date}
- commit: {commit}
- machine: {machine}
- versions: {versions}

**How to read these numbers.** The machine is shared (its two cores run several other jobs), so
absolute times move with the load, and wall time often exceeds CPU time. Every measurement is a
fresh Python process; the cases of one table run interleaved (A B C, A B C, ...) so that load
falls on all alike, and each figure is the median over repetitions. Throughput is per second of
**process CPU time** (`time.process_time`), which the load inflates far less than wall time;
the **ratios between cases of one run** are what the targets are stated for.
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", default="engine,full,scaling,main,sweep")
    parser.add_argument("--out", default=str(harness.HERE / "RESULTS.md"))
    args = parser.parse_args()
    only = set(args.only.split(","))
    reps = 1 if args.quick else args.repeats

    def log(msg: str) -> None:
        print(msg, flush=True)

    sections, engine, full, scaling, main_runs, sweep = [], None, None, None, None, None
    if "engine" in only:
        log("engine ...")
        engine = bench_engine.measure(reps, 20_000 if args.quick else 150_000, log)
        sections.append("## 1. Engine: M/M/10 at 90% load\n\nHandle time exponential, mean "
                        f"{bench_engine.HANDLE_MIN:g} min; M/M/c+M adds exponential patience, "
                        f"mean {bench_engine.PATIENCE_MIN:g} min. `model` is `run_once` with "
                        "the case table and KPIs, `model_sim` the simulation alone.\n\n"
                        + bench_engine.markdown(engine))
    if "full" in only:
        log("full model ...")
        full = bench_full.measure(reps, "baseline", log)
        sections.append("## 2. Full model: baseline, replication 0 of each design\n\n"
                        + bench_full.markdown(full))
    if "scaling" in only:
        log("scaling ...")
        factors = (1, 10) if args.quick else (1, 10, 100)
        scaling = bench_scaling.measure(reps, factors, log=log)
        live = bench_live.measure(reps, 100_000 if args.quick else 400_000, log)
        sections.append("## 3. Scaling\n\n" + bench_scaling.markdown(scaling)
                        + "\n\n**For comparison, bare SimPy** (`bench_live.py`): the same "
                        "events per customer, only the number of processes alive at once "
                        "grows.\n\n" + bench_live.markdown(live))
    if "main" in only:
        log("main job ...")
        main_runs = bench_main.measure(1, log)
        sections.append("## 4. The main job\n\n" + bench_main.markdown(main_runs))
    if "sweep" in only:
        log("sweep on 1 and 2 workers ...")
        # The bundled own-fleet Sobol sweep: 64 baseline runs, what a user's sweep looks like
        # (--quick: a short M/M/c one). No serial case: the target is 2 workers against 1.
        sweep = bench_sweep.measure(reps, ("pool1", "pool2", "dask1", "dask2"), hours=200.0,
                                    sweep=None if args.quick else "own_fleet", log=log)
        sections.append("## 5. A sweep on one and two workers\n\n" + bench_sweep.markdown(sweep))
    command = "python benchmarks/run_all.py " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    versions = ", ".join(f"{k} {v}" for k, v in harness.versions().items())
    text = HEADER.format(command=f"`{command.strip()}`",
                         date=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
                         commit=harness.git_commit(), machine=harness.machine(),
                         versions=versions)
    text += "\n## Targets\n\n" + _targets(engine, full, scaling, main_runs, sweep)
    text += "\n" + "\n\n".join(sections) + "\n"
    notes = harness.HERE / "NOTES.md"
    if notes.exists():
        text += "\n" + notes.read_text()
    with open(args.out, "w") as fh:
        fh.write(text)
    log(f"wrote {args.out}")


if __name__ == "__main__":
    main()
