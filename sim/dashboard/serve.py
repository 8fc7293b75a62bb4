"""Starting the dashboard server: loopback by default, no telemetry, one line on Ctrl-C.

Streamlit is started in this process with every option that would reach beyond the machine
switched off: usage statistics (``browser.gatherUsageStats``), the browser launch and e-mail
prompt (``server.headless``), and development mode. It binds ``127.0.0.1`` unless the user
passes another host, on the first free port from 8501 unless one is given.
"""

from __future__ import annotations

import argparse
import errno
import os
import socket
import sys

from ..config import ScenarioError

#: Streamlit options that keep the server local and quiet.
STREAMLIT_OPTIONS = {
    "browser.gatherUsageStats": False,
    "server.headless": True,
    "server.showEmailPrompt": False,
    "global.developmentMode": False,
    "server.fileWatcherType": "none",
    "server.runOnSave": False,
    "client.toolbarMode": "minimal",
    "client.showErrorDetails": "type",
    "logger.hideWelcomeMessage": True,
    "logger.level": "warning",
    "server.maxUploadSize": 2,
}


_HOST_ALLOWED = "an address of this machine, e.g. 127.0.0.1 (default) or 0.0.0.0 (every interface)"


def can_bind(host: str, port: int) -> bool:
    """Whether ``host:port`` is free to listen on."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        # As the server will: a port left in TIME_WAIT by a server just stopped is free,
        # one with a listener is not.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except socket.gaierror:
            raise ScenarioError.at("--host", host, _HOST_ALLOWED) from None
        except OSError as err:
            if err.errno == errno.EADDRNOTAVAIL:
                raise ScenarioError.at("--host", host, _HOST_ALLOWED) from None
            return False
        return True


def free_port(host: str, start: int = 8501, tries: int = 100) -> int:
    """The first port from ``start`` that ``host`` can bind."""
    for port in range(start, start + tries):
        if can_bind(host, port):
            return port
    raise ScenarioError.at("--port", start, f"a free port ({start}-{start + tries - 1} are "
                                            "all taken): give one with --port")


def options(host: str, port: int) -> dict:
    """Streamlit's config options for a server on ``host:port``."""
    return {**STREAMLIT_OPTIONS, "server.address": host, "server.port": port,
            "browser.serverAddress": host, "browser.serverPort": port}


def serve(scenario: str | None = None, port: int | None = None, host: str = "127.0.0.1",
          out: str = "results", jobs: int = 1) -> int:
    """Run the dashboard until Ctrl-C; returns the exit status.

    Parameters
    ----------
    scenario : str, optional
        Bundled name or file selected when the page opens (checked before starting).
    port : int, optional
        Port (default: the first free one from 8501).
    host : str
        Address to bind (default loopback only).
    out : str
        Root of the results folders the runs write.
    jobs : int
        Worker processes per run.
    """
    try:
        from streamlit.web import bootstrap
    except ImportError:
        print("error: the dashboard needs Streamlit: pip install 'aftersales-sim[dashboard]' "
              "(or make dashboard)", file=sys.stderr)
        return 1
    from . import APP
    from .source import read_bundled

    if scenario is not None:
        read_bundled(scenario)  # a wrong name fails here, as for aftersales run
        os.environ["AFTERSALES_DASHBOARD_SCENARIO"] = scenario
    if port is not None and not 0 < port < 65536:
        raise ScenarioError.at("--port", port, "a port number from 1 to 65535")
    if port is not None and not can_bind(host, port):
        raise ScenarioError.at("--port", port, f"a port free on {host} (this one is in use "
                                               "or not allowed); leave --port out to take the "
                                               "first free one")
    port = port if port is not None else free_port(host)
    os.environ["AFTERSALES_DASHBOARD_OUT"] = str(out)
    os.environ["AFTERSALES_DASHBOARD_JOBS"] = str(max(1, int(jobs)))
    shown = f"[{host}]" if ":" in host else host
    print(f"aftersales dashboard: http://{shown}:{port}  (Ctrl-C stops it)", flush=True)
    try:
        bootstrap.load_config_options(options(host, port))
        bootstrap.run(str(APP), False, [], options(host, port))
    except KeyboardInterrupt:  # a second Ctrl-C while Streamlit stops
        print("stopped", file=sys.stderr)
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register ``aftersales dashboard`` on the CLI's subcommands."""
    p = sub.add_parser("dashboard", help="start the local web dashboard (needs the "
                                         "'dashboard' extra)")
    p.add_argument("scenario", nargs="?", default=None,
                   help="scenario selected when the page opens (default: baseline)")
    p.add_argument("--port", type=int, help="port (default: first free from 8501)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--out", default="results", help="results root folder (default results)")
    p.add_argument("--jobs", type=int, default=1, help="worker processes per run (default 1)")
    p.set_defaults(func=lambda args: serve(args.scenario, args.port, args.host, args.out,
                                           args.jobs))
