"""aftersales-sim: a discrete-event simulation of e-commerce after-sales service modes.

The public API is re-exported here; see ``DESIGN.md`` §4 for the contracts.
"""

from __future__ import annotations

__version__ = "0.1.0"
