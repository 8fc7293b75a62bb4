"""The results folder: tables, figures, report and manifest, written atomically.

Layout of ``results/<scenario>/<timestamp>/``::

    scenario.toml      the resolved scenario (every default filled in), loadable again
    manifest.json      versions, seed, replications, command, git commit, wall time, platform
    runs.csv           one row per design × replication (and .parquet when pyarrow imports)
    summary.csv        per design × KPI: mean, interval, n, flag
    differences.csv    paired differences against the reference design
    pareto.csv, ranking.csv, costs.csv
    periods.csv, period_summary.csv   case KPIs per promotion / disruption period (when any)
    cases.csv          per-case table (only with keep_cases)
    figures/*.png      the figures of :mod:`sim.plots`
    report.md, report.html
    COMPLETE           written last: a folder without it is not a finished result

Everything is written into a hidden temporary sibling folder, ``COMPLETE`` last, flushed to
disk, and moved into place with one :func:`os.replace`. A run killed at any point leaves at
most a ``.<name>.tmp-<pid>`` folder, never a complete-looking one; the next run in the same
place removes such folders of dead processes and lists them in its manifest. The manifest
does not list ``COMPLETE`` among its files: only the marker itself says a folder is finished.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import importlib.metadata
import json
import math
import os
import platform
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from ..config.fields import dump
from ..config.schema import Scenario, dump_design

COMPLETE = "COMPLETE"
PACKAGES = ("aftersales-sim", "simpy", "numpy", "scipy", "pandas", "matplotlib", "tqdm",
            "pyarrow")
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


# --- TOML ------------------------------------------------------------------------------------
def _toml_key(key: str) -> str:
    return key if _BARE_KEY.match(key) else json.dumps(key, ensure_ascii=False)


def toml_value(value: Any) -> str:
    """One value in TOML syntax (inline tables for nested tables inside arrays)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, Mapping):
        inner = ", ".join(f"{_toml_key(str(k))} = {toml_value(v)}"
                          for k, v in value.items() if v is not None)
        return "{ " + inner + " }" if inner else "{}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def toml_dumps(table: Mapping[str, Any]) -> str:
    """A nested table as a TOML document (scalars first, then ``[sub.tables]``)."""
    lines: list[str] = []

    def emit(node: Mapping[str, Any], path: list[str]) -> None:
        scalars = {k: v for k, v in node.items()
                   if v is not None and not isinstance(v, Mapping)}
        tables = {k: v for k, v in node.items() if isinstance(v, Mapping)}
        if path and (scalars or not tables):
            lines.append("")
            lines.append("[" + ".".join(_toml_key(p) for p in path) + "]")
        for k, v in scalars.items():
            lines.append(f"{_toml_key(str(k))} = {toml_value(v)}")
        for k, v in tables.items():
            emit(v, [*path, str(k)])

    emit(table, [])
    return "\n".join(lines).lstrip("\n") + "\n"


def scenario_table(scenario: Scenario) -> dict[str, Any]:
    """The resolved scenario as a raw table (every default written out)."""
    raw = dump(scenario)
    raw["designs"] = {name: dump_design(d) for name, d in scenario.designs.items()}
    return raw


# --- manifest --------------------------------------------------------------------------------
def _git(*args: str) -> str | None:
    try:
        out = subprocess.run(["git", *args], capture_output=True, text=True, timeout=5,
                             cwd=Path(__file__).resolve().parent)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def manifest(meta: Mapping[str, Any], command: str | None = None) -> dict[str, Any]:
    """What is needed to reproduce a run: versions, seed, replications, command, git, platform."""
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    commit = _git("rev-parse", "HEAD")
    dirty = _git("status", "--porcelain") if commit else None
    return {
        "schema_version": 1,
        "created_utc": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "command": command if command is not None else " ".join(sys.argv),
        "git_commit": commit,
        "git_dirty": bool(dirty) if commit else None,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "bit_generator": "PCG64",
        "versions": versions,
        **{k: v for k, v in meta.items()},
    }


# --- files -----------------------------------------------------------------------------------
def _fsync_tree(folder: Path) -> None:
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            with path.open("rb") as handle:
                os.fsync(handle.fileno())
    with contextlib.suppress(OSError):  # directories cannot be fsynced on every platform
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # exists but not ours, or cannot tell: leave its folder alone
    return True


_TMP = re.compile(r"^\..+\.tmp-(\d+)$")


def remove_stale(parent: str | Path) -> list[Path]:
    """Remove ``.<name>.tmp-<pid>`` folders in ``parent`` whose process no longer runs.

    A run killed before its folder was moved into place leaves such a folder behind; the next
    run in the same place removes it (and says so in its manifest). Folders of processes
    that still run (another run writing right now) are left alone.
    """
    parent = Path(parent)
    removed = []
    if not parent.is_dir():
        return removed
    for path in sorted(parent.iterdir()):
        match = _TMP.match(path.name)
        if match and path.is_dir() and not _pid_alive(int(match.group(1))):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


@contextlib.contextmanager
def atomic_folder(final: str | Path) -> Iterator[Path]:
    """Yield a temporary sibling of ``final`` to fill; on success move it into place.

    On success the ``COMPLETE`` marker is written last inside the temporary folder, the
    folder is fsynced and renamed to ``final`` with :func:`os.replace`: ``final`` never
    exists without its marker, and a process killed at any moment leaves at most a hidden
    ``.<name>.tmp-<pid>`` folder (removed by the next run, see :func:`remove_stale`). On an
    exception the temporary folder is removed.
    """
    final = Path(final)
    if final.exists():
        raise FileExistsError(f"{final} already exists")
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.parent / f".{final.name}.tmp-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    try:
        yield tmp
        write_text(tmp / COMPLETE, _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds") + "\n")
        _fsync_tree(tmp)
        os.replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    with contextlib.suppress(OSError):  # make the rename itself durable
        fd = os.open(final.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_text(path: Path, text: str) -> None:
    """Write a file atomically (temporary file, fsync, rename)."""
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def parquet_available() -> bool:
    """Whether pyarrow imports (Parquet copies of the tables are then written)."""
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return False
    return True


def write_table(frame: pd.DataFrame, folder: Path, name: str) -> list[str]:
    """Write ``name.csv`` (always) and ``name.parquet`` (when pyarrow imports); list the files."""
    frame.to_csv(folder / f"{name}.csv", index=False)
    files = [f"{name}.csv"]
    if parquet_available():
        frame.to_parquet(folder / f"{name}.parquet", index=False)
        files.append(f"{name}.parquet")
    return files


def is_complete(folder: str | Path) -> bool:
    """Whether ``folder`` is a finished results folder (has the ``COMPLETE`` marker)."""
    return (Path(folder) / COMPLETE).is_file()


def slug(name: str, limit: int = 64) -> str:
    """A folder name made from a scenario name: letters, digits, ``_``, ``-`` and inner dots.

    Never ``.``, ``..``, hidden, absolute or longer than ``limit``: whatever a scenario calls
    itself, its results stay inside the ``--out`` root.
    """
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", str(name)).strip("._")
    safe = re.sub(r"\.{2,}", ".", safe)[:limit].strip("._")
    return safe or "scenario"


def new_folder(root: str | Path, scenario_name: str) -> Path:
    """``root/<scenario>/<UTC timestamp>``, made unique with a suffix when needed."""
    safe = slug(scenario_name)
    stamp = _dt.datetime.now(_dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    base = Path(root) / safe / stamp
    folder, i = base, 1
    while folder.exists() or folder.with_name(f".{folder.name}.tmp-{os.getpid()}").exists():
        folder, i = base.with_name(f"{stamp}-{i}"), i + 1
    return folder


def write(comparison: Any, folder: str | Path | None = None, root: str | Path = "results",
          command: str | None = None, figures: bool = True) -> Path:
    """Write a :class:`~sim.experiment.runner.Comparison` to a new results folder.

    Parameters
    ----------
    comparison : Comparison
    folder : path, optional
        Exact folder to create (must not exist); default ``root/<scenario>/<timestamp>``.
    root : path
        Where results go when ``folder`` is not given.
    command : str, optional
        Command line recorded in the manifest (default ``sys.argv``).
    figures : bool
        Draw the figures (PNG) and embed them in the report.

    Returns
    -------
    pathlib.Path
        The complete folder.
    """
    from .. import report

    final = Path(folder) if folder is not None else new_folder(root, comparison.meta["scenario"])
    stale = remove_stale(final.parent)
    with atomic_folder(final) as tmp:
        files = ["scenario.toml"]
        write_text(tmp / "scenario.toml", toml_dumps(scenario_table(comparison.scenario)))
        for name in ("runs", "summary", "differences", "pareto", "ranking", "costs"):
            files += write_table(getattr(comparison, name), tmp, name)
        for name in ("periods", "period_summary"):  # only scenarios with promotion or
            if len(getattr(comparison, name, ())):   # disruption windows have them
                files += write_table(getattr(comparison, name), tmp, name)
        if comparison.cases:
            cases = pd.concat([c.assign(design=d) for d, c in comparison.cases.items()],
                              ignore_index=True)
            files += write_table(cases, tmp, "cases")
        images: dict[str, bytes] = {}
        if figures:
            from .. import plots

            (tmp / "figures").mkdir()
            images = plots.render_all(comparison)
            for name, png in images.items():
                (tmp / "figures" / f"{name}.png").write_bytes(png)
                files.append(f"figures/{name}.png")
        write_text(tmp / "report.md", report.markdown(comparison, list(images)))
        write_text(tmp / "report.html", report.html(comparison, images))
        files += ["report.md", "report.html", "manifest.json"]
        meta = {**comparison.meta, "flags": comparison.flags, "notes": comparison.notes,
                "files": files, "complete_marker": f"{COMPLETE} (written last; a folder "
                "without it is unfinished)",
                "removed_stale_folders": [p.name for p in stale]}
        write_text(tmp / "manifest.json",
                   json.dumps(manifest(meta, command), indent=2, default=str) + "\n")
    return final
