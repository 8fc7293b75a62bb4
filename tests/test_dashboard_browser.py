"""The dashboard end to end in a real browser: Playwright driving Debian's Chromium.

``aftersales dashboard`` is started on 127.0.0.1 on a free port with a tiny scenario file (two
designs, two replications, two simulated days); the browser loads the page, moves a lever,
runs, reads the headline table, uploads a bad file, and saves a screenshot; then Ctrl-C stops
the server with one line and no traceback. Playwright never downloads a browser here: it
launches ``/usr/bin/chromium`` (Debian's ``chromium`` package, installed by ``.ci/run``).
Set ``DASHBOARD_SCREENSHOT=docs/images/dashboard.png`` to refresh the README's picture.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip("Debian's Chromium is not installed (/usr/bin/chromium is absent): "
                "apt-get install chromium (.ci/run does) to run the browser test",
                allow_module_level=True)
pytest.importorskip("streamlit", reason="the dashboard extra (streamlit) is not installed")
sync_api = pytest.importorskip("playwright.sync_api",
                               reason="playwright (the dashboard-test extra) is not installed")

from sim.config.loader import read_raw  # noqa: E402
from sim.dashboard.serve import free_port  # noqa: E402
from sim.experiment.store import toml_dumps  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
#: The flags Debian's Chromium needs on a machine without a screen or outside network.
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--disable-dev-shm-usage"]


def tiny_scenario(folder: Path) -> Path:
    """The baseline cut to two designs, two replications and two simulated days."""
    raw = read_raw("baseline")
    raw["name"] = "browser_test"
    raw["run"].update(horizon="2d", warmup="0h", drain="10d", replications=2)
    raw["demand"]["orders_per_day"] = 300
    raw["designs"] = {k: raw["designs"][k] for k in ("self_built", "third_party_logistics")}
    path = folder / "browser_test.toml"
    path.write_text(toml_dumps(raw), encoding="utf-8")
    return path


@pytest.fixture
def server(tmp_path):
    """``aftersales dashboard`` on a free loopback port; yields (url, process)."""
    port = free_port("127.0.0.1", 8700)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim.cli", "dashboard", str(tiny_scenario(tmp_path)),
         "--port", str(port), "--out", str(tmp_path / "results")],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first = proc.stdout.readline()
    url = f"http://127.0.0.1:{port}"
    assert first.startswith(f"aftersales dashboard: {url}"), first
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                if answer.read().strip() == b"ok":
                    break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"the dashboard did not start: {proc.stderr.read()}")
            time.sleep(0.3)
    yield url, proc
    if proc.poll() is None:
        proc.kill()
        proc.wait(10)


def test_browser_loads_moves_a_lever_runs_and_reads_the_table(server, tmp_path):
    url, proc = server
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                    args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url)
        page.get_by_text("After-sales service designs").wait_for(timeout=60_000)
        orders = page.get_by_role("spinbutton", name="Orders per day")
        orders.fill("400")
        orders.press("Enter")
        page.get_by_text("Changed: demand.orders_per_day = 400").wait_for(timeout=30_000)
        page.get_by_role("button", name="Run", exact=True).click()
        page.get_by_text("Headline KPIs").wait_for(timeout=180_000)
        table = page.locator("table").first.inner_text()
        assert "cost_per_case" in table and "csat_mean" in table
        assert "self_built" in table and "third_party_logistics" in table
        assert re.search(r"\d ± \d", table)
        page.get_by_text("Results", exact=True).evaluate(
            "e => e.scrollIntoView({block: 'start'})")
        page.wait_for_timeout(500)  # let the figures below the table finish drawing
        shot = tmp_path / "dashboard.png"
        page.screenshot(path=str(shot))
        assert shot.stat().st_size > 10_000
        if os.environ.get("DASHBOARD_SCREENSHOT"):
            Path(os.environ["DASHBOARD_SCREENSHOT"]).write_bytes(shot.read_bytes())

        page.get_by_text("Upload a scenario file").click()
        bad = tmp_path / "bad.toml"
        bad.write_text('base = "baseline"\nname = "bad"\n[policy]\nreturn_window = "a week"\n')
        page.locator("input[type=file]").set_input_files(str(bad))
        page.get_by_text("bad.toml: policy.return_window").wait_for(timeout=30_000)
        browser.close()

    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "Traceback" not in out + err
    assert len((out + err).strip().splitlines()) <= 1, out + err
