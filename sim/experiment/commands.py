"""Command-line subcommands for experiments: ``sweep`` (and the executor options of ``run``).

Each ``register_*`` adds one subcommand to the ``aftersales`` parser (one line each in
:mod:`sim.cli`); the work itself lives in the experiment modules.
"""

from __future__ import annotations

import argparse
import shlex
from pathlib import Path

from ..config.errors import ScenarioError


def add_executor_args(p: argparse.ArgumentParser) -> None:
    """``--jobs``, ``--dask`` and ``--dashboard``: where the runs execute."""
    p.add_argument("--jobs", type=int, default=None,
                   help="worker processes (default 1; with --dask local: the CPU count)")
    p.add_argument("--dask", metavar="local|tcp://HOST:PORT",
                   help="run on Dask: 'local' starts a LocalCluster on 127.0.0.1; "
                        "tcp://HOST:PORT joins a running scheduler")
    p.add_argument("--dashboard", action="store_true",
                   help="with --dask local: serve the Dask dashboard on a loopback port")


def executor_from_args(args: argparse.Namespace):
    """The executor context manager the options ask for."""
    from .cluster import executor

    if args.jobs is not None and args.jobs < 1:
        raise ScenarioError.at("--jobs", args.jobs, "a whole number >= 1")
    return executor(args.jobs, getattr(args, "dask", None), getattr(args, "dashboard", False))


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
