"""A built wheel, installed outside the checkout, finds its bundled scenarios and runs.

The bundled scenarios are package data (``sim/scenarios``, found through
``importlib.resources``), not files found relative to the source tree. The test builds the
wheel without build isolation (offline), installs it with ``--no-deps`` into a fresh virtual
environment outside the checkout, and lends that environment the test environment's
third-party packages (numpy, SimPy, ...) through a path entry that does not load the editable
install of this project, so only the wheel's ``sim`` can be imported.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run(cmd: list[str], cwd: Path, env: dict | None = None, timeout: int = 600):
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)
    assert proc.returncode == 0, f"{cmd}\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"
    return proc


@pytest.mark.slow
def test_wheel_installed_outside_the_checkout_runs_baseline(tmp_path):
    pytest.importorskip("wheel")
    wheels = tmp_path / "wheels"
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--no-index", "-q", "-w", str(wheels), str(ROOT)], cwd=tmp_path)
    (wheel,) = wheels.glob("aftersales_sim-*.whl")
    env_dir = tmp_path / "env"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
         "--no-index", "-q", str(wheel)], cwd=tmp_path)
    purelib = run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                  cwd=tmp_path).stdout.strip()
    # A plain path line: the test environment's packages, without processing its .pth files
    # (which hold the editable finder that maps `sim` to this checkout).
    Path(purelib, "zz_test_dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "AFTERSALES_SCENARIOS"}}
    where = run([str(python), "-c", "import sim; print(sim.__file__)"], cwd=tmp_path,
                env=env).stdout.strip()
    assert Path(where).is_relative_to(env_dir) and not Path(where).is_relative_to(ROOT)
    out = tmp_path / "results"
    proc = run([str(env_dir / "bin" / "aftersales"), "run", "baseline", "--replications", "2",
                "--no-figures", "--out", str(out)], cwd=tmp_path, env=env)
    assert list(out.rglob("COMPLETE")), proc.stdout[-1000:]
