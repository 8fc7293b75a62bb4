"""Progress of long experiments: a bar on a terminal, a line every ~10 s in a log.

On a terminal the bar (tqdm) shows counts, rate and time left. When output goes to a file or a
pipe (a cluster job's log), a bar would write thousands of carriage returns; instead one line
every ``every`` seconds says how far the work is, how fast it goes and how long is left.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """Count finished work and report it.

    Parameters
    ----------
    total : int
        Units of work to do.
    desc : str
        Label.
    unit : str
        Name of one unit (``"run"``).
    enabled : bool, optional
        Force on or off; None: on (a bar on a terminal, log lines otherwise).
    every : float
        Seconds between log lines.
    stream : file, optional
        Where to write (default ``sys.stderr``).
    """

    def __init__(self, total: int, desc: str = "sweep", unit: str = "run",
                 enabled: bool | None = None, every: float = 10.0,
                 stream: TextIO | None = None):
        self.total, self.desc, self.unit, self.every = int(total), desc, unit, every
        self.stream = stream or sys.stderr
        self.done = 0
        self.started = self.last = time.monotonic()
        self.bar = None
        self.enabled = enabled is not False and total > 0
        terminal = bool(getattr(self.stream, "isatty", lambda: False)())
        if self.enabled and terminal:
            from tqdm import tqdm

            self.bar = tqdm(total=total, desc=desc, unit=unit, file=self.stream, delay=1.0,
                            leave=False, dynamic_ncols=True)

    def update(self, n: int = 1) -> None:
        """Record ``n`` more finished units."""
        self.done += n
        if self.bar is not None:
            self.bar.update(n)
            return
        now = time.monotonic()
        # A final line only for work long enough to have been worth reporting at all.
        final = self.done == self.total and now - self.started >= self.every
        if self.enabled and (now - self.last >= self.every or final):
            self.last = now
            print(self.line(now), file=self.stream, flush=True)

    def line(self, now: float | None = None) -> str:
        """``desc: done/total units (pct), rate, time left``."""
        elapsed = (now or time.monotonic()) - self.started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        left = (self.total - self.done) / rate if rate > 0 else float("nan")
        pct = 100.0 * self.done / self.total if self.total else 100.0
        return (f"{self.desc}: {self.done}/{self.total} {self.unit}s ({pct:.0f}%), "
                f"{rate:.2f} {self.unit}s/s, elapsed {_clock(elapsed)}, left ~{_clock(left)}")

    def close(self) -> None:
        """Close the bar."""
        if self.bar is not None:
            self.bar.close()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _clock(seconds: float) -> str:
    if seconds != seconds:  # NaN: no rate yet
        return "?"
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}h{m:02d}m{s:02d}s" if h else f"{m}m{s:02d}s"
