"""The dashboard page (Streamlit): scenario, levers, designs and replications, run, results.

The script runs top to bottom on every interaction, as Streamlit scripts do. It never runs the
model itself: a run is handed to the server's one :class:`~sim.dashboard.runs.Runner`, and a
fragment that refreshes every second shows its progress until it ends. The scenario is rebuilt
from the levers on every interaction, so a value the schema refuses is shown at once, with the
project's own message naming the key, and the Run button stays off until it is fixed.

Settings come from the environment, set by ``aftersales dashboard``:
``AFTERSALES_DASHBOARD_SCENARIO`` (scenario selected first), ``AFTERSALES_DASHBOARD_OUT``
(results root, default ``results``) and ``AFTERSALES_DASHBOARD_JOBS`` (worker processes).
"""

from __future__ import annotations

import math
import os
import threading
from typing import Any

import streamlit as st

from ..config import ScenarioError
from ..config.schema import Scenario
from . import results, source
from .levers import Lever, all_levers, changed
from .runs import Busy, Runner

_RUNNERS: dict[tuple[str, int], Runner] = {}
_RUNNERS_LOCK = threading.Lock()


def runner_for(out: str, jobs: int) -> Runner:
    """The one runner of this server for results root ``out`` (shared by every session)."""
    with _RUNNERS_LOCK:
        key = (str(out), int(jobs))
        if key not in _RUNNERS:
            _RUNNERS[key] = Runner(out=out, jobs=jobs)
        return _RUNNERS[key]


def settings() -> tuple[str | None, str, int]:
    """(first scenario, results root, worker processes) from the environment."""
    jobs = os.environ.get("AFTERSALES_DASHBOARD_JOBS", "1")
    return (os.environ.get("AFTERSALES_DASHBOARD_SCENARIO") or None,
            os.environ.get("AFTERSALES_DASHBOARD_OUT", "results"),
            int(jobs) if jobs.isdigit() else 1)


def show_error(err: ScenarioError, what: str) -> None:
    """The project's error inside the page: one line per problem, each naming its key."""
    lines = "\n".join(f"- `{line}`" for line in str(err).splitlines())
    st.error(f"**{what}**\n\n{lines}")


def _scenario_label(name: str) -> str:
    """A bundled name as it is; a scenario file given on the command line by its file name."""
    return name if name in source.bundled() else f"{os.path.basename(name)} (file)"


def _choose_source(first: str | None) -> tuple[dict[str, Any], str, str] | None:
    """The sidebar: bundled scenario or upload. Returns (raw tables, id, name) or None."""
    st.sidebar.header("Scenario")
    names = source.bundled()
    if first and first not in names:
        names = [first, *names]  # a scenario file given to aftersales dashboard
    mode = st.sidebar.radio("Source", ["Bundled scenario", "Upload a scenario file"],
                            key="source_mode")
    try:
        if mode == "Bundled scenario":
            index = names.index(first) if first in names else 0
            name = st.sidebar.selectbox("Bundled scenario", names, index=index, key="bundled",
                                        format_func=_scenario_label)
            return source.read_bundled(name), f"bundled:{name}", name
        upload = st.sidebar.file_uploader("Scenario file (TOML)", type=["toml"], key="upload",
                                          help="The same format as the bundled scenarios; "
                                               "`base` may name a bundled scenario.")
        if upload is None:
            st.info("Upload a scenario file in the sidebar, or choose a bundled scenario.")
            return None
        return (source.read_upload(upload.name, upload.getvalue()),
                f"upload:{upload.file_id}", upload.name)
    except ScenarioError as err:
        show_error(err, "This scenario cannot be used:")
        return None


def _step(lever: Lever) -> float | int:
    if lever.kind == "integer":
        return 1
    if lever.unit == "probability":
        return 0.01
    if lever.kind == "duration":
        return 0.5
    value = abs(float(lever.value or 0.0))
    return 10.0 ** (math.floor(math.log10(value)) - 1) if value >= 1 else 0.01


def _control(lever: Lever, sid: str) -> Any:
    """One lever: its control on the left, what the schema says about it on the right."""
    key = f"lever|{sid}|{lever.key}"
    left, right = st.columns([2, 3])
    with left:
        if lever.kind == "choice":
            options = list(lever.options) or [lever.value]
            value = st.selectbox(lever.label, options, index=options.index(lever.value),
                                 key=key, help=lever.doc)
        elif lever.kind == "integer":
            value = st.number_input(
                lever.label, value=int(lever.value), step=1, key=key, help=lever.doc,
                min_value=None if lever.low is None else int(lever.low),
                max_value=None if lever.high is None else int(lever.high))
        else:
            value = st.number_input(
                lever.label, value=float(lever.value), step=float(_step(lever)), key=key,
                help=lever.doc, format="%.2f" if lever.unit == "probability" else "%g",
                min_value=None if lever.low is None else float(lever.low),
                max_value=None if lever.high is None else float(lever.high))
    right.caption(lever.note())
    return value


def _levers(base: Scenario, sid: str, designs: list[str]) -> tuple[list[Lever], dict]:
    levers = all_levers(base, designs)
    shown: dict[str, Any] = {}
    sections = list(dict.fromkeys(lever.section for lever in levers))
    st.subheader("Levers")
    st.caption("Each control is a scenario key; beside it, the unit, the values the schema "
               "allows, its default and its source. A design's levers change that design only.")
    for section in sections:
        title = (f"Design: {base.designs[section].label} ({section})"
                 if section in base.designs else section)
        with st.expander(title, expanded=section in ("Demand", "Policy")):
            for lever in levers:
                if lever.section == section:
                    shown[lever.key] = _control(lever, sid)
    return levers, shown


def _run_controls(base: Scenario, sid: str) -> tuple[list[str], int]:
    st.subheader("Designs and replications")
    names = list(base.designs)
    designs = st.multiselect("Designs to compare", names, default=names, key=f"designs|{sid}",
                             format_func=lambda n: f"{base.designs[n].label} ({n})")
    reps = st.number_input("Replications per design", min_value=1, max_value=200,
                           value=int(base.run.replications), step=1, key=f"reps|{sid}",
                           help="Each replication of every design uses the same random "
                                "numbers (common random numbers), so differences are paired.")
    return designs, int(reps)


@st.fragment(run_every=1.0)
def _progress(runner: Runner, job_id: int) -> None:
    """Progress of the running job, refreshed every second; the whole page when it ends."""
    job = runner.current
    if job is None or job.id != job_id:
        return
    if not job.running:
        st.rerun()
    text = (f"{job.label}: {job.done} of {job.total} replications"
            if job.done < job.total else f"{job.label}: writing tables, figures and report")
    st.progress(job.done / max(job.total, 1), text=text)
    if job.cancel_requested:
        st.caption("Cancelling: replications already started finish first.")
    elif st.button("Cancel the run", key="cancel"):
        runner.cancel()


def _submit(runner: Runner, scenario: Scenario, designs: list[str], reps: int,
            sid: str, overrides: dict) -> None:
    sets = " ".join(f"--set {k}={v}" for k, v in overrides.items()) or "no levers moved"
    command = f"aftersales dashboard ({sid}; designs {','.join(designs)}; {reps} reps; {sets})"
    try:
        st.session_state["job"] = runner.submit(scenario, designs, reps, command=command)
    except Busy as err:
        st.warning(str(err))
    except ScenarioError as err:
        show_error(err, "This run cannot start:")


def main() -> None:
    """Draw the page."""
    st.set_page_config(page_title="aftersales-sim dashboard", layout="wide")
    first, out, jobs = settings()
    runner = runner_for(out, jobs)
    st.title("After-sales service designs")
    st.caption("Pick a scenario, move the levers, run, and compare the designs on cost, "
               "waits and satisfaction. Everything runs on this machine.")
    chosen = _choose_source(first)
    if chosen is None:
        return
    raw, sid, name = chosen
    try:
        base = source.build(raw, {}, name)
    except ScenarioError as err:
        show_error(err, "This scenario cannot be used:")
        return
    st.markdown(f"**{base.name}**: {base.description}")
    designs, reps = _run_controls(base, sid)
    levers, shown = _levers(base, sid, designs)
    overrides = changed(levers, shown)
    scenario = None
    try:
        scenario = source.build(raw, overrides, name)
    except ScenarioError as err:
        show_error(err, "These lever values cannot be used:")
    if overrides:
        st.caption("Changed: " + ", ".join(f"`{k} = {v}`" for k, v in overrides.items()))
    job = st.session_state.get("job")
    if st.button("Run", type="primary", disabled=scenario is None or not designs, key="run"):
        _submit(runner, scenario, designs, reps, sid, overrides)
        job = st.session_state.get("job")
    if job is not None and job.running:
        _progress(runner, job.id)
    elif job is not None and job.state == "failed":
        st.error(f"The run failed: {job.error}")
    elif job is not None and job.state == "cancelled":
        st.info("The run was cancelled.")
    elif job is not None and job.state == "done":
        results.show(job)
