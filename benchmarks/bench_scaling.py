"""Scaling: the baseline with volume and staff scaled together, 1x / 10x / 100x.

Orders per day, every agent count, specialist count and daily capacity (and the fleet's daily
cost) of every design are multiplied by the factor, so load per server stays the same and the
time per case should too. Each factor runs in a fresh process; the child reports CPU time per
case, peak resident memory per case (peak RSS minus the RSS just before the run, imports and
scenario loaded, over the cases; at 1x the interpreter's own peak can hide the run's) and
the bytes the returned result retains per case, with the per-case table kept and not kept
(pandas' deep memory usage of every table the result holds, plus its KPI dict).

The run is shortened (``--horizon``, default 14 days after a 7-day warm-up) so 100x stays near
a million cases per replication on a shared machine.

    python benchmarks/bench_scaling.py [--repeats 3] [--factors 1,10,100] [--design self_built]
"""

from __future__ import annotations

import argparse
import sys

import harness

SCALED_KEYS = ("orders_per_day", "agents", "specialists", "fleet_cost_per_day")


def scaled_raw(factor: int, horizon: str = "14d", warmup: str = "7d") -> dict:
    """The baseline's raw table with volume and staff multiplied by ``factor``."""
    from sim.config.loader import read_raw

    raw = read_raw("baseline")
    raw["run"] = {**raw["run"], "horizon": horizon, "warmup": warmup}
    _scale(raw, factor)
    return raw


def _scale(node, factor: int) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            scalable = key in SCALED_KEYS or key.endswith("capacity_per_day")
            if scalable and isinstance(value, int | float) and not isinstance(value, bool):
                node[key] = value * factor
            else:
                _scale(value, factor)
    elif isinstance(node, list):
        for item in node:
            _scale(item, factor)


def deep_bytes(result) -> int:
    """Bytes held by a :class:`~sim.model.RunResult`'s tables and KPIs."""
    total = sys.getsizeof(result.kpis) + sum(sys.getsizeof(k) + sys.getsizeof(v)
                                             for k, v in result.kpis.items())
    for frame in (result.cases, result.ledger, result.timeline):
        if frame is not None:
            total += int(frame.memory_usage(deep=True, index=True).sum())
    return total


def scaled(factor: int, design: str = "self_built", keep_cases: bool = False,
           horizon: str = "14d") -> dict:
    """One replication at ``factor``: cases, bytes retained, memory before the run."""
    from sim import load_scenario

    scenario = load_scenario(scaled_raw(factor, horizon))
    return harness.timed_inner(lambda: _scaled_work(scenario, design, keep_cases))


def _scaled_work(scenario, design, keep_cases) -> dict:
    from sim import run_once

    result = run_once(scenario, design, keep_cases=keep_cases)
    return {"cases": result.n_cases, "retained_bytes": deep_bytes(result), "keep_cases": keep_cases}


CASES = {"scaled": scaled}


def measure(repeats: int = 3, factors=(1, 10, 100), design: str = "self_built",
            horizon: str = "14d", big_repeats: int = 1, log=print) -> dict:
    """Interleaved runs per factor with the case table on and off."""
    out: dict[str, list[dict]] = {}
    for rep in range(repeats):
        cases = {}
        for factor in factors:
            if factor >= 100 and rep >= big_repeats:
                continue
            for keep in (False, True):
                cases[f"{factor}x table {'on' if keep else 'off'}"] = {
                    "case": "scaled", "factor": factor, "design": design,
                    "keep_cases": keep, "horizon": horizon}
        got = harness.interleaved(harness.HERE / "bench_scaling.py", cases, 1, log)
        for name, runs in got.items():
            out.setdefault(name, []).extend(runs)
    return {"runs": out, "design": design, "horizon": horizon}


def summary(measured: dict) -> dict[str, dict]:
    """Per case: median µs per case, peak and retained bytes per case."""
    rows = {}
    for name, rs in measured["runs"].items():
        rows[name] = {
            "cases": rs[0]["cases"], "n": len(rs),
            "us_per_case": harness.median([{"v": 1e6 * r["inner_cpu_s"] / r["cases"]}
                                           for r in rs], "v"),
            "wall_us_per_case": harness.median([{"v": 1e6 * r["inner_wall_s"] / r["cases"]}
                                                for r in rs], "v"),
            "peak_b_per_case": harness.median(
                [{"v": 1024 * (r["peak_rss_kib"] - r["inner_rss_before_kib"]) / r["cases"]}
                 for r in rs], "v"),
            "retained_b_per_case": harness.median(
                [{"v": r["retained_bytes"] / r["cases"]} for r in rs], "v"),
        }
    return rows


def markdown(measured: dict) -> str:
    """The scaling section of RESULTS.md."""
    rows_by = summary(measured)
    base = {keep: rows_by.get(f"1x table {keep}") for keep in ("on", "off")}
    rows = []
    for name, s in rows_by.items():
        ref = base[name.rsplit(" ", 1)[1]]
        ratio = s["us_per_case"] / ref["us_per_case"] if ref else float("nan")
        rows.append([name, f"{s['cases']:,}", s["n"], f"{s['us_per_case']:.1f}",
                     f"{s['wall_us_per_case']:.1f}", f"{ratio:.2f}x",
                     f"{s['peak_b_per_case']:,.0f}", f"{s['retained_b_per_case']:,.0f}"])
    return (f"Design `{measured['design']}`, horizon {measured['horizon']} after a 7-day "
            "warm-up, volume and staff scaled together.\n\n"
            + harness.table(["case", "cases", "runs", "CPU µs/case (median)",
                             "wall µs/case", "vs 1x (CPU)", "peak RSS B/case",
                             "retained B/case"], rows))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--big-repeats", type=int, default=1,
                        help="repetitions of factors >= 100 (each ~1e6 cases)")
    parser.add_argument("--factors", default="1,10,100")
    parser.add_argument("--design", default="self_built")
    parser.add_argument("--horizon", default="14d")
    args = parser.parse_args()
    factors = tuple(int(f) for f in args.factors.split(","))
    print(markdown(measure(args.repeats, factors, args.design, args.horizon,
                           args.big_repeats)))


if __name__ == "__main__":
    if not harness.child_main(CASES, sys.argv[1:]):
        main()
