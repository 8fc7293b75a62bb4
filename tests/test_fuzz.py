"""Fuzzing every bundled scenario and sweep file: a broken file gives the project's error.

Hypothesis mutates the bundled scenario files (see ``tests/fuzz_mutations.py``) and requires
one of two outcomes: the file is refused with a :class:`sim.ScenarioError` whose every line
names a key, or it loads and then runs a short horizon of one of its designs without error
and within a time limit. Any other exception, or a hang, fails the test. The bundled sweep
files (``scenarios/sweeps/``) get the same mutations (their references and paths instead of a
base): a mutant is refused with the project's error naming a key, or it is a valid sweep whose
every point loads and whose last point runs a short horizon.

The fast profile (part of ``make test``) tries a few dozen files; the long profile runs with
``AFTERSALES_FUZZ=long`` (``AFTERSALES_FUZZ_EXAMPLES`` sets the count of each test, default
5000)::

    AFTERSALES_FUZZ=long .venv/bin/python -m pytest tests/test_fuzz.py -q -p no:randomly
"""

from __future__ import annotations

import contextlib
import os
import signal
import tempfile
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

import sim
from sim.config.loader import SCENARIO_DIR, bundled_scenarios
from sim.experiment.sweepfile import bundled_sweeps
from tests.fuzz_mutations import mutate, mutate_sweep

LONG = os.environ.get("AFTERSALES_FUZZ") == "long"
EXAMPLES = int(os.environ.get("AFTERSALES_FUZZ_EXAMPLES", "5000")) if LONG else 40
#: Fast profile of the sweep fuzz: fewer, since a valid sweep loads every point.
SWEEP_EXAMPLES = EXAMPLES if LONG else 15
SCENARIOS = sorted(bundled_scenarios().items())
RAW = {name: tomllib.loads(path.read_text(encoding="utf-8")) for name, path in SCENARIOS}
SWEEPS = sorted(bundled_sweeps().items())
RAW_SWEEPS = {name: tomllib.loads(path.read_text(encoding="utf-8")) for name, path in SWEEPS}
#: A run of a valid mutant: short, and with a capped volume (volumes are the budget check's).
SHORT = {"run.horizon": "2d", "run.warmup": "0h", "run.drain": "3d", "demand.history": "3d"}
MAX_ORDERS_PER_DAY = 300.0
RUN_SECONDS = 60


class HangError(Exception):
    """A load or a run that took longer than the limit."""


@contextlib.contextmanager
def time_limit(seconds: int):
    def on_alarm(signum, frame):
        raise HangError(f"took longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def check_refusal(err: sim.ScenarioError) -> None:
    """The project's error: one line per problem, each naming a key, nothing leaked."""
    assert err.problems, "a ScenarioError without problems"
    message = str(err)
    for problem in err.problems:
        assert isinstance(problem.key, str) and problem.key.strip(), problem
        assert len(str(problem)) < 2000, "an error line must stay readable"
    assert "s3cret-token" not in message, "a value of a file outside the folder was echoed"


def run_short(path) -> None:
    """Load the valid mutant (a path or a raw table) again with a short horizon and run one of
    its designs."""
    try:
        scenario = sim.load_scenario(path, SHORT)
    except sim.ScenarioError as err:  # e.g. the mutant's warm-up is longer than "2d"
        check_refusal(err)
        return
    demand = scenario.demand
    caps = dict(SHORT)
    if demand.orders_per_day > MAX_ORDERS_PER_DAY:
        caps["demand.orders_per_day"] = MAX_ORDERS_PER_DAY
    if demand.poisson is not None and demand.poisson.rate_per_h > MAX_ORDERS_PER_DAY / 24:
        caps["demand.poisson.rate_per_h"] = MAX_ORDERS_PER_DAY / 24
    scenario = sim.load_scenario(path, caps)
    design = list(scenario.designs)[-1]
    result = sim.run_once(scenario, design, replication=0)
    assert result.kpis, "a run without KPIs"


@settings(max_examples=EXAMPLES, deadline=None, database=None, print_blob=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_mutated_scenario_is_refused_with_a_key_or_runs(data):
    name = data.draw(st.sampled_from([n for n, _ in SCENARIOS]), label="scenario")
    text, side = mutate(RAW[name], data)
    with tempfile.TemporaryDirectory() as tmp:
        path = _write_case(tmp, text, side)
        with time_limit(RUN_SECONDS):
            try:
                sim.load_scenario(path)
            except sim.ScenarioError as err:
                check_refusal(err)
                event("refused with the project's error")
                return
            event("valid: ran a short horizon")
            run_short(path)


def _write_case(tmp: str, text: bytes, side: dict[str, bytes]) -> Path:
    folder = Path(tmp) / "scenarios"
    folder.mkdir()
    path = folder / "scenario.toml"
    path.write_bytes(text)
    for rel, content in side.items():
        target = (folder / rel).resolve()
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    return path


def _event(text: str) -> None:
    with contextlib.suppress(InvalidArgument):  # outside a Hypothesis test: nothing to count
        event(text)


def check_sweep(path: Path, must_be_valid: bool = False) -> None:
    """A sweep file is refused with the project's error, or is valid: every point loads and
    the last one runs a short horizon."""
    from sim.config.loader import load_scenario
    from sim.experiment.sweep import build_points
    from sim.experiment.sweepfile import read_sweep_file

    try:
        spec = read_sweep_file(path)
        raw = spec.raw_scenario()
        first = load_scenario(raw)
        seed = first.run.seed if spec.seed is None else spec.seed
        points, _ = build_points(spec, raw, seed)
    except sim.ScenarioError as err:
        if must_be_valid:
            raise
        check_refusal(err)
        _event("sweep refused with the project's error")
        return
    _event("valid sweep: its last point ran a short horizon")
    from sim.config.loader import apply_overrides

    run_short(apply_overrides(raw, points.overrides[-1]))


@settings(max_examples=SWEEP_EXAMPLES, deadline=None, database=None, print_blob=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_mutated_sweep_is_refused_with_a_key_or_is_valid(data):
    name = data.draw(st.sampled_from([n for n, _ in SWEEPS]), label="sweep")
    text, side = mutate_sweep(RAW_SWEEPS[name], data)
    with tempfile.TemporaryDirectory() as tmp, time_limit(RUN_SECONDS):
        check_sweep(_write_case(tmp, text, side))


@pytest.mark.parametrize("name", [n for n, _ in SWEEPS])
def test_unmutated_bundled_sweep_is_valid(name, tmp_path):
    from sim.experiment.store import toml_dumps

    path = tmp_path / "scenarios" / "scenario.toml"
    path.parent.mkdir()
    path.write_text(toml_dumps(RAW_SWEEPS[name]), encoding="utf-8")
    with time_limit(RUN_SECONDS):
        check_sweep(path, must_be_valid=True)


def test_every_bundled_scenario_is_fuzzed():
    assert SCENARIOS and all(p.is_relative_to(SCENARIO_DIR) for _, p in SCENARIOS)
    assert len(SWEEPS) >= 7 and all(p.is_relative_to(SCENARIO_DIR) for _, p in SWEEPS)


@pytest.mark.parametrize("name", [n for n, _ in SCENARIOS])
def test_unmutated_bundled_scenario_runs_short(name, tmp_path):
    path = tmp_path / "scenario.toml"
    path.write_bytes(mutate_none(name))
    with time_limit(RUN_SECONDS):
        run_short(path)


def mutate_none(name: str) -> bytes:
    """The bundled file as the fuzz test writes it (through the project's TOML writer)."""
    from sim.experiment.store import toml_dumps

    return toml_dumps(RAW[name]).encode("utf-8")
