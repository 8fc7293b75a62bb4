"""Why time per case grows with volume: a bare SimPy model whose only change is how many
processes are alive at once.

Customers arrive at a fixed rate, and each one's process waits ``STEPS`` exponential delays of
mean ``delay`` hours, then ends: the same events per customer and the same Python work per event
at every ``delay``, but ``rate * STEPS * delay`` processes (generator frames, pending timeouts)
alive at any time. Each setting runs in a fresh process; CPU time per event is reported.

    python benchmarks/bench_live.py [--repeats 3] [--customers 200000]
"""

from __future__ import annotations

import argparse
import statistics
import sys

import harness

STEPS = 4
RATE = 2000.0  # customers per hour

#: Mean delay (h) per setting, by the processes alive (``RATE * STEPS * delay``; with 400,000
#: customers arriving over 200 h, the longest delay has them all alive at the end).
DELAYS = {"~80": 0.01, "~8,000": 1.0, "~80,000": 10.0, "~400,000": 100.0}


def live(delay: float, customers: int, gc_off: bool = False) -> dict:
    """One run: ``customers`` customers of ``STEPS`` delays of mean ``delay`` hours
    (``gc_off``: cyclic garbage collection switched off for the run, as the model keeps it out
    of its event loop)."""
    import gc

    import numpy as np
    import simpy

    rng = np.random.default_rng(1)
    gaps = rng.exponential(1.0 / RATE, customers).tolist()
    waits = rng.exponential(delay, (customers, STEPS)).tolist()
    env = simpy.Environment()

    def customer(own: list):
        for wait in own:
            yield env.timeout(wait)

    def arrivals():
        for gap, own in zip(gaps, waits, strict=True):
            yield env.timeout(gap)
            env.process(customer(own))

    env.process(arrivals())
    if gc_off:
        gc.disable()
    return harness.timed_inner(lambda: _run(env, customers))


def _run(env, customers: int) -> dict:
    env.run()
    # per customer: its arrival timeout, Initialize, STEPS timeouts, its end
    return {"customers": customers, "events": customers * (STEPS + 3)}


CASES = {"live": live}


def measure(repeats: int = 3, customers: int = 400_000, log=print) -> dict[str, list[dict]]:
    """Interleaved fresh-process runs of every setting, collection on and off."""
    cases = {f"{name}{', gc off' if off else ''}": {"case": "live", "delay": d,
                                                     "customers": customers, "gc_off": off}
             for off in (False, True) for name, d in DELAYS.items()}
    runs = harness.interleaved(harness.HERE / "bench_live.py", cases, repeats, log)
    return {name: [{**r, "gc_off": cases[name]["gc_off"]} for r in rs]
            for name, rs in runs.items()}


def markdown(runs: dict[str, list[dict]]) -> str:
    """The table: CPU ns per event by processes alive, against the fewest alive."""
    lines = ["| processes alive | ns per event (CPU, median) | vs fewest alive | peak RSS MiB |",
             "|---|---|---|---|"]
    first: dict[bool, float] = {}
    for name, rs in runs.items():
        ns = statistics.median(r["inner_cpu_s"] / r["events"] * 1e9 for r in rs)
        ns0 = first.setdefault(rs[0]["gc_off"], ns)
        peak = statistics.median(r["peak_rss_kib"] for r in rs) / 1024
        lines.append(f"| {name} | {ns:.0f} | {ns / ns0:.2f}x | {peak:.0f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--customers", type=int, default=400_000)
    args = parser.parse_args()
    print(markdown(measure(args.repeats, args.customers)))


if __name__ == "__main__":
    if not harness.child_main(CASES, sys.argv[1:]):
        main()
