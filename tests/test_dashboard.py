"""The dashboard, headless: levers from the schema, runs in the background, errors in the page.

The page is driven with Streamlit's own ``AppTest`` (no server, no browser); the model runs
for real on tiny comparisons (two designs, two replications, two simulated days).
"""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest

pytest.importorskip("streamlit", reason="the dashboard extra (streamlit) is not installed")

from streamlit.testing.v1 import AppTest  # noqa: E402

import sim  # noqa: E402
import sim.cli  # noqa: E402
from sim.dashboard import APP, page, serve  # noqa: E402
from sim.dashboard.levers import all_levers, changed  # noqa: E402
from sim.dashboard.runs import Busy, Runner  # noqa: E402
from sim.dashboard.source import build, read_bundled, read_upload  # noqa: E402

SID = "bundled:baseline"
TINY = {"run.horizon": 2.0, "run.warmup": 0.0, "demand.orders_per_day": 200.0}
DESIGNS = ["self_built", "third_party_logistics"]
FEE = "designs.third_party_logistics.logistics.cost_per_parcel"


def lever_input(at: AppTest, key: str):
    return at.number_input(key=f"lever|{SID}|{key}")


@pytest.fixture
def app(tmp_path, monkeypatch) -> AppTest:
    """The page on the baseline, set to a tiny run; results go to ``tmp_path``."""
    monkeypatch.setenv("AFTERSALES_DASHBOARD_OUT", str(tmp_path))
    monkeypatch.delenv("AFTERSALES_DASHBOARD_SCENARIO", raising=False)
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    at.multiselect(key=f"designs|{SID}").set_value(DESIGNS)
    at.number_input(key=f"reps|{SID}").set_value(2)
    for key, value in TINY.items():
        lever_input(at, key).set_value(value)
    return at.run()


def run_and_wait(at: AppTest, out: Path) -> AppTest:
    at.button(key="run").click().run()
    job = page.runner_for(str(out), 1).wait(timeout=120)
    assert job is not None and job.state == "done", (job and job.state, job and job.error)
    return at.run()


# --- levers: generated from the schema's metadata ---------------------------------------------
def test_levers_carry_schema_metadata():
    levers = {lv.key: lv for lv in all_levers(sim.load_scenario("baseline"))}
    agents = levers["designs.self_built.contact.groups.voice.shifts.1.agents"]
    assert (agents.kind, agents.low, agents.value) == ("integer", 0, 3)
    assert "People on duty" in agents.doc
    answer = levers["designs.community.contact.answer_probability"]
    assert (answer.low, answer.high, answer.unit) == (0.0, 1.0, "probability")
    assert "community_p_answered_48h" in answer.doc or "INS" in answer.doc  # its source note
    fee = levers[FEE]
    assert (fee.unit, fee.value, fee.default) == ("CNY", 8.0, 8.0)
    window = levers["policy.return_window"]
    assert (window.kind, window.unit, window.value) == ("duration", "days", 7.0)
    assert window.raw(14.0) == "14d" and "CPL Art. 25" in window.doc
    payer = levers["policy.return_freight_payer"]
    assert payer.options == ("consumer", "seller", "insured", "free_pickup")
    carrier_payer = levers["designs.third_party_logistics.logistics.freight_payer"]
    assert carrier_payer.kind == "choice" and "policy" in carrier_payer.options
    platform = {k for k in levers if k.startswith("designs.third_party_service.field_service.")}
    assert {"designs.third_party_service.field_service.ftf_mean",
            "designs.third_party_service.field_service.visit_fee"} <= platform
    promos = [lv for lv in all_levers(sim.load_scenario("double11")) if "promotions" in lv.key]
    assert [lv.value for lv in promos] == [1.4, 1.87]
    bots = [lv for lv in all_levers(sim.load_scenario("ai_chatbot"))
            if lv.key.endswith("containment")]
    assert bots and all(".overlays.chatbot." in lv.key for lv in bots)


def test_a_design_lever_changes_that_design_only():
    raw = read_bundled("baseline")
    levers = all_levers(build(raw, {}, "baseline"))
    key = "designs.self_built.contact.groups.voice.shifts.1.agents"
    overrides = changed(levers, {key: 7, FEE: 8.0})
    assert overrides == {key: 7}  # an unmoved lever is no override
    scenario = build(raw, overrides, "baseline")
    voice = {n: d.stages["contact"].params.groups["voice"].shifts[1].agents
             for n, d in scenario.designs.items() if d.stages["contact"].provider == "in_house"}
    assert voice == {"self_built": 7, "third_party_logistics": 3, "third_party_service": 3}


def test_bad_values_and_uploads_are_scenario_errors_naming_the_key():
    raw = read_bundled("baseline")
    key = "designs.third_party_service.field_service.ftf_mean"
    with pytest.raises(sim.ScenarioError, match=key.replace(".", r"\.")):
        build(raw, {key: 0.95}, "baseline")  # above ftf_max 0.88
    with pytest.raises(sim.ScenarioError, match=r"bad\.toml: policy\.return_window"):
        raw = read_upload("bad.toml", b'base = "baseline"\n[policy]\nreturn_window = "7 pc"\n')
        build(raw, {}, "bad.toml")
    with pytest.raises(sim.ScenarioError, match=r"\(file\)"):
        read_upload("broken.toml", b"name = = 1\n")


# --- the page ---------------------------------------------------------------------------------
def test_run_change_a_lever_run_again(app, tmp_path):
    at = run_and_wait(app, tmp_path)
    assert not at.exception and not at.error
    headline = at.table[0].value
    assert list(headline.columns) == ["unit", *DESIGNS]
    assert "cost_per_case" in headline.index
    assert {"pareto", "waits", "timeline", "scorecard"} <= {
        f.stem for f in page.runner_for(str(tmp_path), 1).current.folder.glob("figures/*.png")}
    assert any(h.value.startswith("Ranking") for h in at.subheader)
    assert len(at.table) >= 4  # headline, differences, ranking, Pareto set
    images = [img.value for img in at.image]
    assert len(images) == 6
    assert [b.label for b in at.get("download_button")] == [
        "Download the results folder (zip)", "Download the HTML report"]
    first_cost = headline.loc["cost_per_case", "third_party_logistics"]

    lever_input(at, FEE).set_value(40.0)  # the carrier's fee per parcel, 8 -> 40 CNY
    at.run()
    assert any(FEE in c.value for c in at.caption)  # "Changed: ..."
    at = run_and_wait(at, tmp_path)
    assert any(f"--set {FEE}=40.0" in c.value for c in at.caption)  # what this run moved
    again = at.table[0].value
    assert again.loc["cost_per_case", "self_built"] == headline.loc["cost_per_case",
                                                                    "self_built"]
    mean = float(again.loc["cost_per_case", "third_party_logistics"].split(" ± ")[0])
    assert mean > float(first_cost.split(" ± ")[0])  # same demand (CRN), dearer parcels
    assert [img.value for img in at.image] != images


def test_a_bad_lever_value_shows_the_key_and_blocks_the_run(app):
    app.multiselect(key=f"designs|{SID}").set_value(["self_built", "third_party_service"])
    app.run()
    key = "designs.third_party_service.field_service.ftf_mean"
    lever_input(app, key).set_value(0.95)
    app.run()
    assert any(key in e.value and "ftf_max" in e.value for e in app.error)
    assert app.button(key="run").disabled
    assert not app.exception


def test_an_invalid_upload_shows_the_key_naming_error(app):
    app.radio(key="source_mode").set_value("Upload a scenario file").run()
    bad = b'base = "baseline"\nname = "mine"\n[demand]\norders_per_day = -5\n'
    app.file_uploader(key="upload").set_value(("mine.toml", bad, "application/toml")).run()
    assert not app.exception
    message = " ".join(e.value for e in app.error)
    assert "mine.toml: demand.orders_per_day: -5" in message and ">= 0" in message
    assert not app.button  # nothing to run

    good = b'base = "baseline"\nname = "mine"\n[demand]\norders_per_day = 500\n'
    app.file_uploader(key="upload").set_value(("mine.toml", good, "application/toml")).run()
    assert not app.error
    assert any(n.value == 500.0 for n in app.number_input if "orders_per_day" in str(n.key))


def test_a_second_run_while_one_is_going_is_refused(app, tmp_path, monkeypatch):
    release, started = threading.Event(), threading.Event()

    def slow_compare(*args, **kwargs):
        started.set()
        release.wait(30)
        raise sim.ScenarioError.at("run", None, "stopped by the test")

    monkeypatch.setattr("sim.experiment.runner.compare", slow_compare)
    app.button(key="run").click().run()
    assert started.wait(10)
    app.button(key="run").click().run()
    assert any("already going" in w.value for w in app.warning)
    assert any(p.type == "progress" for p in _walk(app._tree))
    with pytest.raises(Busy):
        page.runner_for(str(tmp_path), 1).submit(sim.load_scenario("baseline"), DESIGNS, 2)
    release.set()
    job = page.runner_for(str(tmp_path), 1).wait(30)
    assert job.state == "failed" and "stopped by the test" in job.error
    app.run()
    assert any("stopped by the test" in e.value for e in app.error)


def _walk(node):
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _walk(child)


def test_runner_cancels_between_replications(tmp_path):
    scenario = sim.load_scenario("baseline", overrides={
        "run.horizon": "1d", "run.warmup": "0h", "demand.orders_per_day": 50})
    runner = Runner(out=tmp_path)
    job = runner.submit(scenario, ["self_built"], 20)
    runner.cancel()
    job = runner.wait(60)
    assert job.state == "cancelled" and job.done < job.total
    assert not any(tmp_path.rglob("COMPLETE"))


# --- the server's settings --------------------------------------------------------------------
def test_server_binds_loopback_and_sends_no_usage_statistics():
    args = sim.cli.parser().parse_args(["dashboard"])
    assert args.host == "127.0.0.1" and args.port is None and args.scenario is None
    opts = serve.options("127.0.0.1", 8765)
    assert opts["server.address"] == "127.0.0.1" and opts["server.port"] == 8765
    assert opts["browser.gatherUsageStats"] is False and opts["server.headless"] is True
    port = serve.free_port("127.0.0.1")
    assert 8501 <= port < 8601


def test_cli_refuses_an_unknown_scenario_or_a_taken_port_before_starting(capsys):
    assert sim.cli.main(["dashboard", "no_such_scenario"]) == 2
    err = capsys.readouterr().err
    assert "error: scenario: 'no_such_scenario'" in err and "Traceback" not in err
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert sim.cli.main(["dashboard", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert f"error: --port: {port} — a port free on 127.0.0.1" in err
    assert sim.cli.main(["dashboard", "--host", "192.0.2.1"]) == 2  # TEST-NET: not this machine
    assert "error: --host: '192.0.2.1' — an address of this machine" in capsys.readouterr().err
