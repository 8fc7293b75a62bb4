"""Full model: baseline cases per CPU-second, per design, against bare SimPy M/M/c customers.

Each design's replication 0 of the bundled baseline runs in a fresh process (all of
``run_once``: demand, the SimPy world, the case table and KPIs), interleaved with the bare
SimPy M/M/c of ``bench_engine.py``, so the ratio between them is measured under the same load.
A profile (cProfile) of one replication says where the time goes.

    python benchmarks/bench_full.py [--repeats 3] [--scenario baseline]
    python benchmarks/bench_full.py --before DIR [--repeats 3]   # A/B against another checkout

``--before DIR`` runs every design also with the ``sim`` package of the checkout ``DIR`` (for
instance ``git worktree add /tmp/before <commit>``), interleaved with this one, and prints
events per case and cases per CPU-second of both (a before/after of a change, under the same
load).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys

import bench_engine
import harness


def full(scenario: str = "baseline", design: str | None = None, replication: int = 0,
         source: str | None = None) -> dict:
    """One replication of one design: cases simulated, split of the CPU time. ``source``: a
    checkout whose ``sim`` package to run instead of this one."""
    if source:
        sys.path.insert(0, source)
    from sim import load_scenario

    loaded = load_scenario(scenario)
    return harness.timed_inner(lambda: _full_work(loaded, design, replication))


def _full_work(scenario, design, replication) -> dict:
    import time

    from sim.model import case_frame, simulate
    from sim.outcomes.kpis import compute_kpis

    t0 = time.process_time()
    world = simulate(scenario, design, replication)
    t1 = time.process_time()
    cases = case_frame(world)
    ledger = world.ledger.to_frame()
    compute_kpis(cases, ledger, world.scenario, world.summary())
    t2 = time.process_time()
    return {"cases": len(world.cases), "events": _events(world), "sim_cpu_s": t1 - t0,
            "tables_kpis_cpu_s": t2 - t1}


def _events(world) -> int:
    # SimPy numbers every event it schedules from one counter (a private detail; -1 if gone).
    counter = getattr(world.env, "_eid", None)
    return next(counter) if counter is not None else -1


def profile(scenario: str = "baseline", design: str | None = None, top: int = 25) -> dict:
    """cProfile of one replication: the ``top`` functions by own time, as text."""
    from sim import load_scenario, run_once

    loaded = load_scenario(scenario)
    design = design or next(iter(loaded.designs))
    prof = cProfile.Profile()
    prof.enable()
    result = run_once(loaded, design)
    prof.disable()
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out)
    stats.sort_stats("tottime").print_stats(top)
    text = out.getvalue()
    body = text[text.find("ncalls"):] if "ncalls" in text else text
    total = sum(v[2] for v in stats.stats.values())
    return {"cases": len(result.cases), "design": result.design, "profile": body.rstrip(),
            "profiled_s": total}


CASES = {"full": full, "bare": bench_engine.bare, "profile": profile}


def designs(scenario: str) -> list[str]:
    """Design names of ``scenario``."""
    from sim import load_scenario

    return list(load_scenario(scenario).designs)


def measure(repeats: int = 3, scenario: str = "baseline", log=print) -> dict:
    """Interleaved runs of every design and the bare M/M/c; then one profile."""
    cases: dict[str, dict] = {"bare M/M/c": {"case": "bare", "contacts": 150_000,
                                             "patience": False}}
    for name in designs(scenario):
        cases[name] = {"case": "full", "scenario": scenario, "design": name}
    runs = harness.interleaved(harness.HERE / "bench_full.py", cases, repeats, log)
    prof = harness.run_child(harness.HERE / "bench_full.py", "profile",
                             {"scenario": scenario, "design": designs(scenario)[0]})
    return {"runs": runs, "profile": prof, "scenario": scenario}


def markdown(measured: dict) -> str:
    """The full-model section of RESULTS.md."""
    runs = measured["runs"]
    bare_rate = harness.median([{"r": x["customers"] / x["inner_cpu_s"]}
                                for x in runs["bare M/M/c"]], "r")
    rows = [["bare SimPy M/M/c (10 agents, 90%)", f"{runs['bare M/M/c'][0]['customers']:,}",
             f"{bare_rate:,.0f}", "", "1.00x", "", "", ""]]
    for name, rs in runs.items():
        if name == "bare M/M/c":
            continue
        rate = harness.median([{"r": x["cases"] / x["inner_cpu_s"]} for x in rs], "r")
        wall = harness.median([{"r": x["cases"] / x["inner_wall_s"]} for x in rs], "r")
        sim_share = harness.median([{"r": x["sim_cpu_s"] / x["inner_cpu_s"]} for x in rs], "r")
        kpi_s = harness.median(rs, "tables_kpis_cpu_s")
        rows.append([f"{measured['scenario']} / {name}", f"{rs[0]['cases']:,}", f"{rate:,.0f}",
                     f"{wall:,.0f}", f"{rate / bare_rate:.2f}x", f"{sim_share:.0%}",
                     f"{rs[0]['events'] / rs[0]['cases']:.2f}", f"{kpi_s:.3f}"])
    prof = measured["profile"]
    return (harness.table(["case", "cases", "per CPU-s (median)", "per wall-s (median)",
                           "vs bare SimPy M/M/c (CPU)", "simulation share", "events per case",
                           "case table + KPIs CPU-s"], rows)
            + f"\n\nProfile of one replication ({prof['design']}, {prof['cases']:,} cases; "
              "cProfile, sorted by own time, top 25; cProfile's overhead inflates the times "
              "but not the order):\n\n```\n" + prof["profile"] + "\n```")


def before_after(before: str, repeats: int = 3, scenario: str = "baseline", log=print) -> str:
    """Every design with the checkout ``before`` and with this one, interleaved: a table of
    events per case and cases per CPU-second (medians), before -> after."""
    cases: dict[str, dict] = {}
    for name in designs(scenario):
        cases[f"{name} before"] = {"case": "full", "scenario": scenario, "design": name,
                                   "source": before}
        cases[f"{name} after"] = {"case": "full", "scenario": scenario, "design": name}
    runs = harness.interleaved(harness.HERE / "bench_full.py", cases, repeats, log)
    rows = []
    for name in designs(scenario):
        a, b = runs[f"{name} before"], runs[f"{name} after"]
        rate_a = harness.median([{"r": x["cases"] / x["inner_cpu_s"]} for x in a], "r")
        rate_b = harness.median([{"r": x["cases"] / x["inner_cpu_s"]} for x in b], "r")
        rows.append([name, f"{a[0]['events'] / a[0]['cases']:.2f} → "
                           f"{b[0]['events'] / b[0]['cases']:.2f}",
                     f"{harness.median(a, 'sim_cpu_s'):.2f} → {harness.median(b, 'sim_cpu_s'):.2f}",
                     f"{rate_a:,.0f} → {rate_b:,.0f}", f"{rate_b / rate_a:.2f}x"])
    return harness.table(["design", "events per case", "simulation CPU-s", "cases per CPU-s",
                          "after / before"], rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--scenario", default="baseline")
    parser.add_argument("--before", help="a checkout to compare with (its sim package)")
    args = parser.parse_args()
    if args.before:
        print(before_after(args.before, args.repeats, args.scenario))
        return
    print(markdown(measure(args.repeats, args.scenario)))


if __name__ == "__main__":
    if not harness.child_main(CASES, sys.argv[1:]):
        main()
