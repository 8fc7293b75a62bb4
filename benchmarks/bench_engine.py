"""Engine: the model against a bare SimPy model and Ciw on the same M/M/c and M/M/c+M queue.

All simulate one contact-centre queue: Poisson arrivals, c agents, exponential handle times,
and (M/M/c+M) exponential patience. The **bare SimPy** model is the textbook program written
here: one ``Resource``, a process per customer, ``request | timeout(patience)``, Python's
``random``. The **model** is ``sim.run_once`` on ``sim.validation.contact_centre`` — the same
code that runs every scenario — timed with (``model``) and without (``model_sim``) the case
table and KPIs. **Ciw** is the same queue in Ciw, where it installs. The measure is customers
per CPU-second.

    python benchmarks/bench_engine.py [--repeats 3] [--contacts 150000] [--before DIR]

``--before DIR`` also runs the model with the ``sim`` package of the checkout ``DIR`` (for
instance ``git archive <commit> sim scenarios | tar -x -C DIR``), interleaved with the rest
(``model_before`` and ``model_sim_before`` rows): a before/after of a change and both against
the same bare SimPy runs.
"""

from __future__ import annotations

import argparse
import random
import sys

import harness

AGENTS = 10
HANDLE_MIN = 5.0
LOAD = 0.9
PATIENCE_MIN = 10.0
RATE = LOAD * AGENTS * 60 / HANDLE_MIN  # arrivals per hour


def _horizon(contacts: int) -> float:
    return contacts / RATE


def bare(contacts: int, patience: bool, seed: int = 1) -> dict:
    """The bare SimPy model: customers simulated, mean wait, share abandoned."""
    import simpy

    return harness.timed_inner(lambda: _bare_run(simpy, contacts, patience, seed))


def _bare_run(simpy, contacts: int, patience: bool, seed: int) -> dict:
    rng = random.Random(seed)
    env = simpy.Environment()
    desk = simpy.Resource(env, capacity=AGENTS)
    horizon = _horizon(contacts)
    mu, lam, theta = 60 / HANDLE_MIN, RATE, 60 / PATIENCE_MIN
    served = abandoned = 0
    wait = 0.0

    def customer():
        nonlocal served, abandoned, wait
        arrived = env.now
        with desk.request() as request:
            if patience:
                got = yield request | env.timeout(rng.expovariate(theta))
                if request not in got:
                    abandoned += 1
                    return
            else:
                yield request
            served += 1
            wait += env.now - arrived
            yield env.timeout(rng.expovariate(mu))

    def arrivals():
        while True:
            yield env.timeout(rng.expovariate(lam))
            if env.now >= horizon:
                return
            env.process(customer())

    env.process(arrivals())
    env.run()
    n = served + abandoned
    return {"customers": n, "mean_wait_min": 60 * wait / max(served, 1),
            "abandon_rate": abandoned / max(n, 1)}


def model(contacts: int, patience: bool, kpis: bool = True, source: str | None = None) -> dict:
    """The model on the same queue; ``kpis=False`` times the simulation alone. ``source``: a
    checkout whose ``sim`` package to run instead of this one."""
    if source:
        sys.path.insert(0, source)
    from sim import run_once
    from sim.model import simulate
    from sim.validation import contact_centre

    scenario = contact_centre(RATE, AGENTS, HANDLE_MIN, horizon_h=_horizon(contacts),
                              warmup_h=0.0, patience_mean_min=PATIENCE_MIN if patience else None)
    return harness.timed_inner(lambda: _model_work(scenario, kpis, run_once, simulate))


def _model_work(scenario, kpis, run_once, simulate) -> dict:
    if kpis:
        result = run_once(scenario, keep_cases=False)
        return {"customers": int(result.kpis["cases"]),
                "mean_wait_min": result.kpis.get("first_response_mean_min", float("nan")),
                "abandon_rate": result.kpis.get("abandonment_rate", float("nan"))}
    world = simulate(scenario)
    return {"customers": len(world.cases)}


def ciw_model(contacts: int, patience: bool, seed: int = 1) -> dict:
    """The same queue in Ciw."""
    import ciw

    horizon = _horizon(contacts)
    extra = ({"reneging_time_distributions": [ciw.dists.Exponential(60 / PATIENCE_MIN)]}
             if patience else {})
    network = ciw.create_network(arrival_distributions=[ciw.dists.Exponential(RATE)],
                                 service_distributions=[ciw.dists.Exponential(60 / HANDLE_MIN)],
                                 number_of_servers=[AGENTS], **extra)
    return harness.timed_inner(lambda: _ciw_work(ciw, network, horizon, seed))


def _ciw_work(ciw, network, horizon, seed) -> dict:
    ciw.seed(seed)
    q = ciw.Simulation(network)
    q.simulate_until_max_time(horizon)
    recs = q.get_all_records()
    served = [r for r in recs if r.record_type == "service"]
    n = len(recs)
    return {"customers": n,
            "mean_wait_min": 60 * sum(r.waiting_time for r in served) / max(len(served), 1),
            "abandon_rate": (n - len(served)) / max(n, 1)}


CASES = {"bare": bare, "model": model, "ciw": ciw_model}


def _has_ciw() -> bool:
    try:
        import ciw  # noqa: F401
    except ImportError:
        return False
    return True


def measure(repeats: int = 3, contacts: int = 150_000, log=print,
            before: str | None = None) -> dict:
    """Interleaved fresh-process runs of every engine case; per case its runs."""
    cases: dict[str, dict] = {}
    for queue, patience in (("M/M/c", False), ("M/M/c+M", True)):
        cases[f"bare {queue}"] = {"case": "bare", "contacts": contacts, "patience": patience}
        for tag, source in (("", None), ("_before", before)) if before else (("", None),):
            extra = {"source": source} if source else {}
            cases[f"model{tag} {queue}"] = {"case": "model", "contacts": contacts,
                                            "patience": patience, **extra}
            cases[f"model_sim{tag} {queue}"] = {"case": "model", "contacts": contacts,
                                                "patience": patience, "kpis": False, **extra}
        if _has_ciw():
            cases[f"ciw {queue}"] = {"case": "ciw", "contacts": contacts, "patience": patience}
    return harness.interleaved(harness.HERE / "bench_engine.py", cases, repeats, log)


def rates(runs: dict) -> dict[str, float]:
    """Median customers per CPU-second of every case."""
    return {name: harness.median([{"r": x["customers"] / x["inner_cpu_s"]} for x in rs], "r")
            for name, rs in runs.items()}


def markdown(runs: dict) -> str:
    """The engine section of RESULTS.md."""
    per_cpu = rates(runs)
    rows = []
    for name, rs in runs.items():
        queue = name.split(" ", 1)[1]
        bare_rate = per_cpu[f"bare {queue}"]
        wall = harness.median([{"r": x["customers"] / x["inner_wall_s"]} for x in rs], "r")
        rows.append([name, f"{int(rs[0]['customers']):,}", f"{per_cpu[name]:,.0f}",
                     f"{wall:,.0f}", f"{per_cpu[name] / bare_rate:.2f}x",
                     f"{rs[0].get('mean_wait_min', float('nan')):.3f}",
                     f"{rs[0].get('abandon_rate', float('nan')):.3f}"])
    return harness.table(["case", "customers", "per CPU-s (median)", "per wall-s (median)",
                          "vs bare SimPy (CPU)", "mean wait (min)", "abandoned"], rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--contacts", type=int, default=150_000)
    parser.add_argument("--before", help="a checkout to compare with (its sim package)")
    args = parser.parse_args()
    print(markdown(measure(args.repeats, args.contacts, before=args.before)))


if __name__ == "__main__":
    if not harness.child_main(CASES, sys.argv[1:]):
        main()
