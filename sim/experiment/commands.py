"""Command-line subcommands for experiments: ``sweep`` (and the executor options of ``run``).

Each ``register_*`` adds one subcommand to the ``aftersales`` parser (one line each in
:mod:`sim.cli`); the work itself lives in the experiment modules.
"""

from __future__ import annotations

import argparse
import os
import shlex
from pathlib import Path

from ..config.errors import ScenarioError


def add_executor_args(p: argparse.ArgumentParser) -> None:
    """``--jobs``, ``--dask`` and ``--dashboard``: where the runs execute."""
    p.add_argument("--jobs", type=int, default=None,
                   help="worker processes (default: for `run`, every CPU core unless the run is "
                        "too small to pay for starting workers, else 1; with --dask local: the "
                        "CPU count)")
    p.add_argument("--dask", metavar="local|tcp://HOST:PORT",
                   help="run on Dask: 'local' starts a LocalCluster on 127.0.0.1; "
                        "tcp://HOST:PORT joins a running scheduler")
    p.add_argument("--dashboard", action="store_true",
                   help="with --dask local: serve the Dask dashboard on a loopback port")
    p.add_argument("--check", action="store_true",
                   help="verify every run's invariants (terminal states, non-negative and "
                        "monotone times, ledger reconciliation, busy <= on duty); about 1%% "
                        "slower")


#: Below this many cases simulated in all, ``run`` stays serial by default: starting a spawned
#: worker (importing numpy, pandas, scipy and the model) costs about as much CPU as simulating
#: 20,000 cases, so a small comparison finishes sooner in one process.
SERIAL_BELOW_CASES = 100_000


def cores() -> int:
    """CPU cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def default_jobs(cases: float) -> int:
    """Worker processes when the command line does not say: every core for a comparison of
    at least :data:`SERIAL_BELOW_CASES` simulated cases in all, else one (serial)."""
    return cores() if cases >= SERIAL_BELOW_CASES else 1


def executor_from_args(args: argparse.Namespace, cases: float | None = None):
    """The executor context manager the options ask for.

    ``cases`` (the expected cases simulated in all) lets a command without ``--jobs`` use
    :func:`default_jobs`; without it the default is serial.
    """
    from .cluster import executor

    if args.jobs is not None and args.jobs < 1:
        raise ScenarioError.at("--jobs", args.jobs, "a whole number >= 1")
    jobs = args.jobs
    if jobs is None and cases is not None and getattr(args, "dask", None) is None:
        jobs = default_jobs(cases)
    return executor(jobs, getattr(args, "dask", None), getattr(args, "dashboard", False))


def _overrides(pairs: list[str] | None) -> dict:
    from ..config.loader import parse_override

    return dict(parse_override(p) for p in pairs or [])


def command_line(args: argparse.Namespace) -> str:
    """The command as typed, for manifests."""
    return "aftersales " + " ".join(shlex.quote(a) for a in getattr(args, "argv", []))


def _spec(args: argparse.Namespace):
    from .sweepfile import read_sweep_file

    spec = read_sweep_file(args.sweep)
    extra = _overrides(args.set)
    clash = sorted(set(extra) & set(spec.keys))
    if clash:
        raise ScenarioError.at("--set", clash[0], "a key that is not one of the sweep's factors")
    designs = tuple(d.strip() for d in args.designs.split(",") if d.strip()) \
        if args.designs else None
    return spec.with_(replications=args.replications, seed=args.seed, designs=designs,
                      set={**spec.set, **extra} if extra else None)


def _sweep(args: argparse.Namespace) -> int:
    from .sweep import run_sweep
    from .sweep_report import print_summary, write_outputs

    spec = _spec(args)
    out = Path(args.out) if args.out else Path("results") / "sweeps" / spec.name
    with executor_from_args(args) as ex:
        result = run_sweep(spec, executor=ex, out_dir=out, block=args.block,
                           command=command_line(args))
    if not args.no_figures:
        write_outputs(result)
    print_summary(result)
    return 0


def register_sweep(sub: argparse._SubParsersAction) -> None:
    """``aftersales sweep SWEEP``: run a designed sweep, resumable."""
    p = sub.add_parser("sweep", help="run a sweep file (designed experiment; resumable)")
    p.add_argument("sweep", help="sweep TOML file, or the name of a bundled sweep")
    p.add_argument("--replications", type=int, help="replications per point and design")
    p.add_argument("--seed", type=int, help="seed (default: the sweep's, then the scenario's)")
    p.add_argument("--set", action="append", metavar="KEY=VALUE",
                   help="override a scenario key at every point (repeatable)")
    p.add_argument("--designs", help="comma-separated designs (default: the sweep's)")
    p.add_argument("--block", type=int, help="replications per chunk of work")
    add_executor_args(p)
    p.add_argument("--out", help="folder (default results/sweeps/<name>)")
    p.add_argument("--no-figures", action="store_true", help="skip figures and the report")
    p.set_defaults(func=_sweep)


def _csv(text: str | None) -> list[str] | None:
    return [t.strip() for t in text.split(",") if t.strip()] if text else None


def _sensitivity(args: argparse.Namespace) -> int:
    from .sensitivity_report import analyse

    spec = _spec(args)
    with executor_from_args(args) as ex:
        folder = analyse(spec, executor=ex, kpis=_csv(args.kpis), sweep_out=args.sweep_out,
                         root=args.out, with_tornado=not args.no_tornado,
                         command=command_line(args))
    print((folder / "report.md").read_text(encoding="utf-8").split("## Indices")[0].rstrip())
    print(f"\nResults: {folder} (indices.csv, noise.csv, tornado.csv, figures/, report.md)")
    return 0


def register_sensitivity(sub: argparse._SubParsersAction) -> None:
    """``aftersales sensitivity SWEEP``: Sobol or Morris indices, noise share, tornado."""
    p = sub.add_parser("sensitivity", help="sensitivity indices of a saltelli or morris sweep")
    p.add_argument("sweep", help="sweep TOML file (method saltelli or morris), or a bundled name")
    p.add_argument("--kpis", help="comma-separated KPIs (default: the sweep's outputs)")
    p.add_argument("--replications", type=int, help="replications per point and design")
    p.add_argument("--seed", type=int, help="seed (default: the sweep's, then the scenario's)")
    p.add_argument("--set", action="append", metavar="KEY=VALUE",
                   help="override a scenario key at every point (repeatable)")
    p.add_argument("--designs", help="comma-separated designs (default: the sweep's)")
    p.add_argument("--no-tornado", action="store_true",
                   help="skip the one-at-a-time runs of the tornado figure")
    add_executor_args(p)
    p.add_argument("--sweep-out", help="sweep folder (default results/sweeps/<name>)")
    p.add_argument("--out", default="results", help="results root (default results)")
    p.set_defaults(func=_sensitivity)


def _scenario_raw(args: argparse.Namespace) -> dict:
    from ..config.loader import apply_overrides, read_raw

    return apply_overrides(read_raw(args.scenario), _overrides(args.set))



def _add_run_args(p: argparse.ArgumentParser, per: str) -> None:
    """The arguments every decision command shares: replications, seed, overrides, where the
    runs execute and where the results go."""
    p.add_argument("--replications", type=int, help=f"replications per {per}")
    p.add_argument("--seed", type=int, help="seed")
    p.add_argument("--set", action="append", metavar="KEY=VALUE",
                   help="override a scenario key (repeatable)")
    add_executor_args(p)
    p.add_argument("--out", default="results", help="results root (default results)")

def _breakeven(args: argparse.Namespace) -> int:
    from .breakeven import breakeven
    from .decision_report import write_breakeven

    designs = _csv(args.designs) or []
    if len(designs) != 2:
        raise ScenarioError.at("--designs", args.designs, "two designs, e.g. A,B")
    with executor_from_args(args) as ex:
        result = breakeven(_scenario_raw(args), args.vary, args.between[0], args.between[1],
                           (designs[0], designs[1]), kpi=args.kpi, points=args.points,
                           refine=args.refine, replications=args.replications, seed=args.seed,
                           executor=ex)
    folder = write_breakeven(result, args.out, args.scenario, command_line(args))
    print(result.message)
    print(result.curve.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    print(f"\nResults: {folder} (curve.csv, figures/breakeven.png, report.md)")
    return 0


def register_breakeven(sub: argparse._SubParsersAction) -> None:
    """``aftersales breakeven SCENARIO --vary KEY --between LOW HIGH --designs A,B``."""
    p = sub.add_parser("breakeven", help="where two designs swap on a KPI as one key varies")
    p.add_argument("scenario", help="scenario file or bundled name")
    p.add_argument("--vary", required=True, metavar="KEY", help="dotted key to vary")
    p.add_argument("--between", required=True, nargs=2, metavar=("LOW", "HIGH"),
                   help="range in the key's unit, e.g. 50 200 or 2h 12h")
    p.add_argument("--designs", required=True, help="the two designs, A,B")
    p.add_argument("--kpi", default="cost_per_case", help="KPI (default cost_per_case)")
    p.add_argument("--points", type=int, default=7, help="grid points (default 7)")
    p.add_argument("--refine", type=int, default=4, help="refinement runs (default 4)")
    _add_run_args(p, per="value and design")
    p.set_defaults(func=_breakeven)


def _robust(args: argparse.Namespace) -> int:
    from .decision_report import write_robust
    from .robust import robust

    with executor_from_args(args) as ex:
        result = robust(_scenario_raw(args), kpi=args.kpi, worlds=args.worlds,
                        replications=args.replications, seed=args.seed,
                        designs=_csv(args.designs), delta=args.indifference, executor=ex)
    folder = write_robust(result, args.out, args.scenario, command_line(args))
    print((folder / "report.md").read_text(encoding="utf-8").split("## Figures")[0].rstrip())
    print(f"\nResults: {folder}")
    return 0


def register_robust(sub: argparse._SubParsersAction) -> None:
    """``aftersales robust SCENARIO``: rank the designs across worlds of [uncertainty]."""
    p = sub.add_parser("robust", help="how often each design is best across plausible worlds "
                                      "(the scenario's [uncertainty] table)")
    p.add_argument("scenario", help="scenario file or bundled name with an [uncertainty] table")
    p.add_argument("--kpi", default="cost_per_case", help="KPI to rank on (default "
                                                          "cost_per_case)")
    p.add_argument("--worlds", type=int, default=32, help="Latin-hypercube worlds (default 32)")
    p.add_argument("--indifference", type=float,
                   help="indifference zone in the KPI's unit (default run.indifference, else 0)")
    p.add_argument("--designs", help="comma-separated designs (default all)")
    _add_run_args(p, per="world and design")
    p.set_defaults(func=_robust)


def _optimise_staffing(args: argparse.Namespace) -> int:
    from ..config.loader import load_scenario
    from .staffing import optimise, parse_requirement
    from .staffing_report import write_staffing

    raw = _scenario_raw(args)
    requirements = [parse_requirement(t, args.min_hour_contacts) for t in args.require or []]
    designs = _csv(args.designs) or list(load_scenario(raw).designs)
    results = []
    with executor_from_args(args) as ex:
        for design in designs:
            results.append(optimise(raw, design, requirements, keys=args.vary,
                                    cost_kpi=args.cost_kpi, replications=args.replications,
                                    seed=args.seed, executor=ex,
                                    use_rough_cut=not args.no_rough_cut,
                                    check=args.check or None))
    folder = write_staffing(results, args.out, args.scenario, command_line(args))
    sections = (folder / "report.md").read_text(encoding="utf-8").split("\n## ")
    # The title, the comparison of the designs and (per-hour targets) their worst hours.
    shown = [sections[0]] + [s for s in sections[1:] if s.startswith(
        ("Designs at their optimal staffing", "Worst hours"))]
    print("\n## ".join(shown).rstrip() + "\n")
    print(f"Results: {folder}")
    return 0


def register_optimise_staffing(sub: argparse._SubParsersAction) -> None:
    """``aftersales optimise-staffing SCENARIO --require TARGET``: cheapest staffing."""
    from .staffing_targets import MIN_CONTACTS

    p = sub.add_parser("optimise-staffing",
                       help="cheapest head counts meeting service targets (Erlang rough cut, "
                            "refined by simulation)")
    p.add_argument("scenario", help="scenario file or bundled name")
    p.add_argument("--require", action="append", metavar="TARGET",
                   help="a service target (repeatable): KPI<=VALUE or KPI>=VALUE on the mean "
                        "over replications (queued_share<=0.2, statutory_compliance>=0.99), or "
                        "service_level(CHANNEL,THRESHOLD)>=SHARE, with ' per hour' to hold in "
                        "every hour of the week (\"service_level(chat,45s)>=0.8 per hour\")")
    p.add_argument("--min-hour-contacts", type=int, default=MIN_CONTACTS, metavar="N",
                   help="per-hour targets judge only hours with at least N contacts pooled over "
                        f"weeks and replications (default {MIN_CONTACTS}); the others are "
                        "reported as not judged")
    p.add_argument("--designs", help="comma-separated designs (default all)")
    p.add_argument("--vary", action="append", metavar="KEY",
                   help="integer head-count key to optimise (default: contact groups with "
                        "agents = N, else every shift block of the agent groups); repeatable")
    p.add_argument("--cost-kpi", default="total_cost", help="KPI to minimise (default "
                                                            "total_cost)")
    p.add_argument("--no-rough-cut", action="store_true",
                   help="start from the current head counts instead of Erlang C")
    _add_run_args(p, per="candidate")
    p.set_defaults(func=_optimise_staffing)


def _rough_cut(args: argparse.Namespace) -> int:
    from ..config.loader import load_scenario
    from ..config.units import parse_duration
    from .rough_cut import ServiceTarget, case_rates, rough_cut_roster, rough_cut_toml

    times = {}
    for name in ("answer_within", "ticket_within"):
        try:
            times[name] = parse_duration(getattr(args, name))
        except ValueError as err:
            raise ScenarioError.at(f"--{name.replace('_', '-')}", getattr(args, name),
                                   f"a duration such as 60s or 1h ({err})") from None
    if not 0 <= args.service_level < 1:
        raise ScenarioError.at("--service-level", args.service_level, "a share in [0, 1)")
    target = ServiceTarget(args.service_level, **times)
    scenario = load_scenario(_scenario_raw(args))
    rates = case_rates(scenario, 24, args.replications)
    for design in _csv(args.designs) or list(scenario.designs):
        print(rough_cut_toml(rough_cut_roster(scenario, design, target, rates=rates)) + "\n")
    return 0


def register_rough_cut(sub: argparse._SubParsersAction) -> None:
    """``aftersales rough-cut SCENARIO``: Erlang C rosters for one service target."""
    p = sub.add_parser("rough-cut", help="Erlang C rosters per hour of the day for every "
                                         "design, to one service target (TOML shifts)")
    p.add_argument("scenario", nargs="?", default="baseline",
                   help="scenario file or bundled name (default baseline)")
    p.add_argument("--designs", help="comma-separated designs (default all)")
    p.add_argument("--service-level", type=float, default=0.8,
                   help="share answered within the threshold (default 0.8)")
    p.add_argument("--answer-within", default="60s", help="live threshold (default 60s)")
    p.add_argument("--ticket-within", default="1h", help="back-office threshold (default 1h)")
    p.add_argument("--replications", type=int, default=4,
                   help="demand draws averaged for the load (default 4)")
    p.add_argument("--set", action="append", metavar="KEY=VALUE",
                   help="override a scenario key (repeatable)")
    p.set_defaults(func=_rough_cut)
