"""The ``aftersales`` command line.

::

    aftersales run [SCENARIO] [--replications N] [--seed S] [--jobs N] [--dask local|tcp://...]
                   [--set key=value ...]
                   [--designs a,b] [--out DIR] [--precision 0.05] [--keep-cases]
    aftersales sweep SWEEP [--replications N] [--seed S] [--set key=value ...] [--jobs N]
                     [--dask local|tcp://HOST:PORT] [--block N] [--out DIR]
    aftersales sensitivity SWEEP [--kpis a,b] [--jobs N] [--dask ...] [--out DIR]
    aftersales breakeven SCENARIO --vary KEY --between LOW HIGH --designs A,B [--kpi K]
    aftersales robust SCENARIO [--kpi K] [--worlds N] [--indifference D]
    aftersales optimise-staffing SCENARIO --require KPI<=VALUE [--designs a,b]
                   [--require "service_level(chat,45s)>=0.8 per hour"] [--min-hour-contacts 30]
    aftersales rough-cut [SCENARIO] [--service-level 0.8 --answer-within 60s]
    aftersales validate SCENARIO [--set key=value ...]
    aftersales scenarios
    aftersales verify [--quick]
    aftersales kpis
    aftersales docs
    aftersales dashboard [SCENARIO] [--port N] [--host H]

A scenario problem (bad file, bad override, unknown design, bad argument) prints one line
per problem and exits with status 2, without a traceback. Ctrl-C or SIGTERM stops the workers,
prints one line and exits with status 130 (143 for SIGTERM); a results folder is only ever
complete or absent. With ``--check`` (any command that runs simulations) every run's
invariants are verified (:mod:`sim.invariants`); a broken one prints one line naming the
invariant, design, replication and an example case, and exits with status 3.
"""

from __future__ import annotations

import argparse
import math
import os
import shlex
import signal
import sys
from collections.abc import Sequence

from .config.errors import ScenarioError
from .invariants import ENV, InvariantError

EXIT_SCENARIO = 2
EXIT_INVARIANT = 3
EXIT_INTERRUPTED = 130
#: Numeric arguments of every subcommand: (lowest, highest, integer, what is allowed).
ARGUMENT_RANGES = {
    "seed": (0, 2**63 - 1, True, "a whole number from 0 to 2**63-1"),
    "replications": (1, 100_000, True, "a whole number from 1 to 100000"),
    "jobs": (1, 1024, True, "a whole number of worker processes from 1 to 1024"),
    "precision": (0.0, 1.0, False, "a relative half-width between 0 and 1 (e.g. 0.05), "
                                   "exclusive"),
    "block": (1, 100_000, True, "a whole number from 1 to 100000"),
    "port": (1, 65535, True, "a port number from 1 to 65535"),
    "worlds": (1, 100_000, True, "a whole number from 1 to 100000"),
}


def _overrides(pairs: Sequence[str] | None) -> dict:
    from .config.loader import parse_override

    return dict(parse_override(p) for p in pairs or [])


def _load(args: argparse.Namespace):
    from .config.loader import load_scenario

    return load_scenario(args.scenario, _overrides(args.set),
                         base_dirs=tuple(getattr(args, "base_dir", None) or ()))


def check_arguments(args: argparse.Namespace) -> None:
    """Refuse out-of-range numeric arguments with the project's error (naming the option)."""
    from .config.errors import Problem

    problems = []
    for name, (low, high, integer, allowed) in ARGUMENT_RANGES.items():
        value = getattr(args, name, None)
        if value is None or isinstance(value, bool) or not isinstance(value, int | float):
            continue
        bad = (not math.isfinite(value) or (integer and value != int(value))
               or value < low or value > high or (not integer and value in (low, high)))
        if bad:
            problems.append(Problem("--" + name.replace("_", "-"), value, allowed))
    if problems:
        raise ScenarioError(problems)


def _run(args: argparse.Namespace) -> int:
    from .config.limits import check_budget, estimate
    from .experiment.commands import default_jobs, executor_from_args
    from .experiment.runner import compare
    from .report import text

    scenario = _load(args)
    keep_cases = args.keep_cases or scenario.run.keep_cases
    designs = [d.strip() for d in args.designs.split(",") if d.strip()] if args.designs else None
    reps = scenario.run.replications if args.replications is None else args.replications
    n_designs = len(designs) if designs else len(scenario.designs)
    work = estimate(scenario, reps).cases_per_replication * reps * n_designs
    jobs = args.jobs or (default_jobs(work) if args.dask is None else 1)
    check_budget(scenario, args.replications, jobs, keep_cases)
    with executor_from_args(args, cases=work) as executor:
        result = compare(scenario, replications=args.replications, seed=args.seed,
                         designs=designs, executor=executor, target_precision=args.precision,
                         keep_cases=keep_cases)
    command = "aftersales " + " ".join(shlex.quote(a) for a in args.argv)
    folder = result.write(root=args.out, command=command, figures=not args.no_figures)
    print(text(result, str(folder)))
    return 0


def _validate(args: argparse.Namespace) -> int:
    from .experiment.store import scenario_table, toml_dumps

    scenario = _load(args)
    print(toml_dumps(scenario_table(scenario)), end="")
    print(f"# OK: {len(scenario.designs)} design(s): {', '.join(scenario.designs)}",
          file=sys.stderr)
    return 0


def _scenarios(args: argparse.Namespace) -> int:
    from .config.loader import bundled_scenarios, read_raw

    bundled = bundled_scenarios()
    if not bundled:
        print("no bundled scenarios found")
        return 0
    width = max(len(n) for n in bundled)
    for name in bundled:
        try:
            description = str(read_raw(name).get("description", "")).strip().splitlines()
            description = description[0] if description else ""
        except ScenarioError as err:
            description = f"(cannot be read: {err.problems[0]})"
        print(f"{name:<{width}}  {description}")
    return 0


def _verify(args: argparse.Namespace) -> int:
    try:
        from .verification import verify
    except ImportError:
        print("verification suite not available (sim.verification missing)", file=sys.stderr)
        return 1
    table = verify(quick=args.quick)
    import pandas as pd

    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(table.to_string(index=False))
    inside = table["inside"].all()
    print(f"{int(table['inside'].sum())} of {len(table)} theory values inside the simulated "
          f"95% intervals")
    return 0 if inside else 1


def _kpis(args: argparse.Namespace) -> int:
    from .outcomes.kpis import REGISTRY

    width = max((len(k) for k in REGISTRY), default=0)
    for k in REGISTRY.values():
        print(f"{k.name:<{width}}  [{k.unit}]  {k.definition}"
              + (f" (NaN when {k.nan_when})" if k.nan_when else ""))
    return 0


def _docs(args: argparse.Namespace) -> int:
    from .docs import write_docs

    for path in write_docs(args.folder):
        print(f"wrote {path}")
    return 0


def parser() -> argparse.ArgumentParser:
    """The argument parser of ``aftersales``."""
    from .experiment import commands as experiments

    top = argparse.ArgumentParser(
        prog="aftersales",
        description="Compare e-commerce after-sales service designs by simulation.")
    sub = top.add_subparsers(dest="command", required=True)

    def overrides(p: argparse.ArgumentParser) -> None:
        p.add_argument("--set", action="append", metavar="KEY=VALUE",
                       help="override a scenario key, e.g. run.replications=20 (repeatable)")
        p.add_argument("--base-dir", action="append", metavar="DIR",
                       help="a folder a scenario's `base` may also name files in (repeatable; "
                            "by default only the scenario's folder and the bundled scenarios)")

    run = sub.add_parser("run", help="compare the designs of a scenario and write results")
    run.add_argument("scenario", nargs="?", default="baseline",
                     help="scenario file or bundled name (default: baseline)")
    run.add_argument("--replications", type=int, help="replications per design")
    run.add_argument("--seed", type=int, help="master seed")
    experiments.add_executor_args(run)
    overrides(run)
    run.add_argument("--designs", help="comma-separated designs to run (default: all)")
    run.add_argument("--out", default="results", help="results root folder (default results)")
    run.add_argument("--precision", type=float,
                     help="target relative half-width; replications are chosen automatically")
    run.add_argument("--keep-cases", action="store_true", help="write the per-case table")
    run.add_argument("--no-figures", action="store_true", help="skip figures (faster)")
    run.set_defaults(func=_run)

    experiments.register_sweep(sub)
    experiments.register_sensitivity(sub)
    experiments.register_breakeven(sub)
    experiments.register_robust(sub)
    experiments.register_optimise_staffing(sub)
    experiments.register_rough_cut(sub)

    val = sub.add_parser("validate", help="check a scenario and print it resolved")
    val.add_argument("scenario")
    overrides(val)
    val.set_defaults(func=_validate)

    sub.add_parser("scenarios", help="list bundled scenarios").set_defaults(func=_scenarios)
    ver = sub.add_parser("verify", help="check the model against queueing theory")
    ver.add_argument("--quick", action="store_true", help="fewer replications")
    ver.set_defaults(func=_verify)
    sub.add_parser("kpis", help="the KPI glossary").set_defaults(func=_kpis)
    docs = sub.add_parser("docs", help="regenerate docs/ from the code")
    docs.add_argument("--folder", default=None, help="where to write (default: docs/)")
    docs.set_defaults(func=_docs)
    from .dashboard.serve import add_parser as add_dashboard

    add_dashboard(sub)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``aftersales`` console script; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser().parse_args(argv)
    args.argv = argv
    previous = signal.getsignal(signal.SIGTERM)
    terminated = []

    def on_sigterm(signum, frame):
        terminated.append(signum)
        raise KeyboardInterrupt

    try:
        signal.signal(signal.SIGTERM, on_sigterm)  # finally-blocks stop the workers
    except ValueError:  # not the main thread (an embedding application): leave it alone
        previous = None
    checking = _checking(getattr(args, "check", False))
    try:
        check_arguments(args)
        return int(args.func(args) or 0)
    except ScenarioError as err:
        for line in str(err).splitlines():  # one line per problem, each naming its key
            print(f"error: {line}", file=sys.stderr)
        return EXIT_SCENARIO
    except InvariantError as err:
        print(f"error: {err} (a bug in the model: please report it with the scenario)",
              file=sys.stderr)
        return EXIT_INVARIANT
    except KeyboardInterrupt:
        what = "terminated" if terminated else "interrupted"
        print(f"aftersales: {what}; workers stopped, no incomplete results left behind "
              "(a sweep resumes from its finished runs)", file=sys.stderr)
        return 128 + signal.SIGTERM if terminated else EXIT_INTERRUPTED
    finally:
        checking.close()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _checking(on: bool):
    """``--check``: turn invariant checking on for this command (restored afterwards).

    The environment variable reaches every run of the command: the tasks, resolved here, carry
    it to any executor, and spawned workers inherit it.
    """
    import contextlib

    stack = contextlib.ExitStack()
    if on:
        old = os.environ.get(ENV)
        os.environ[ENV] = "1"
        stack.callback(lambda: os.environ.__setitem__(ENV, old) if old is not None
                       else os.environ.pop(ENV, None))
    return stack


if __name__ == "__main__":
    sys.exit(main())
