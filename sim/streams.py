"""Named random streams: the only source of randomness in the model.

Each stream is a :class:`numpy.random.Generator` seeded by ``SeedSequence(seed,
spawn_key=(replication, *words(name)))``, where ``words`` is a stable digest of the stream's
name (never Python's salted ``hash()``, never an order of creation). So:

- a stream's draws depend only on (seed, replication, name);
- a design that uses an extra stream leaves every other stream's draws unchanged;
- replication r of every design sees the same demand and the same per-case draws
  (common random numbers).

Per-case draws (:class:`CaseDraws`) are a matrix of uniforms per purpose (``"patience"``,
``"handle"``, ...), one row per case and one column per attempt, of which a run keeps only
the columns it uses. Designs turn them into their own durations by inverse
transform, so the same case gets the same luck in every design.
"""

from __future__ import annotations

import hashlib
from functools import cache

import numpy as np

from .config.distributions import Dist


@cache
def _name_words(name: str) -> tuple[int, ...]:
    digest = hashlib.blake2b(name.encode("utf-8"), digest_size=16).digest()
    return tuple(int.from_bytes(digest[i:i + 4], "little") for i in range(0, 16, 4))


class Streams:
    """The named streams of one replication.

    Parameters
    ----------
    seed : int
        The master seed.
    replication : int
        Replication number (0-based).
    """

    def __init__(self, seed: int, replication: int):
        if seed < 0 or replication < 0:
            raise ValueError("seed and replication must be >= 0")
        self.seed = int(seed)
        self.replication = int(replication)
        self._generators: dict[str, np.random.Generator] = {}

    def seed_sequence(self, name: str) -> np.random.SeedSequence:
        """The seed sequence behind stream ``name``."""
        return np.random.SeedSequence(self.seed, spawn_key=(self.replication, *_name_words(name)))

    def rng(self, name: str) -> np.random.Generator:
        """The generator of stream ``name`` (created on first use, then reused)."""
        gen = self._generators.get(name)
        if gen is None:
            gen = np.random.Generator(np.random.PCG64(self.seed_sequence(name)))
            self._generators[name] = gen
        return gen


class CaseDraws:
    """Per-case uniforms by purpose, drawn lazily one column at a time.

    Stream ``"case/<purpose>"`` defines an ``(n_cases, slots)`` matrix of uniforms; column k
    serves a case's k-th use of that purpose (its k-th contact, k-th visit, ...); uses beyond
    ``slots`` come from a spill stream, which is still per case and per purpose. Only the
    columns a run uses are kept (8 bytes per case each): most purposes serve few cases and
    only their first use, and the full matrix of every purpose was most of a run's memory.
    A column is cut out of the matrix regenerated block by block from the stream's seed, so
    the uniform of (case, purpose, use) is the same whatever else a design draws (common
    random numbers) and the same as in the full matrix.
    """

    _BLOCK = 1 << 16  # rows regenerated at a time when cutting out a column

    def __init__(self, streams: Streams, n_cases: int, slots: int = 6):
        self.streams = streams
        self.n_cases = n_cases
        self.slots = slots
        self._uniforms: dict[str, dict[int, np.ndarray]] = {}  # purpose -> column -> uniforms
        # Keyed by the distribution's id, not the distribution: hashing a frozen dataclass on
        # every draw was a measurable share of a run. The dict holds the distribution too, so
        # its id cannot be reused while the entry lives.
        self._values: dict[tuple[str, int, int], tuple[Dist, np.ndarray]] = {}

    def _generator(self, purpose: str) -> np.random.Generator:
        seq = self.streams.seed_sequence(f"case/{purpose}")
        return np.random.Generator(np.random.PCG64(seq))

    def column(self, purpose: str, k: int) -> np.ndarray:
        """Uniforms of every case's ``k``-th use of ``purpose`` (``k < slots``)."""
        columns = self._uniforms.setdefault(purpose, {})
        col = columns.get(k)
        if col is None:
            gen, col = self._generator(purpose), np.empty(self.n_cases)
            for first in range(0, self.n_cases, self._BLOCK):
                rows = min(self._BLOCK, self.n_cases - first)
                col[first:first + rows] = gen.random((rows, self.slots))[:, k]
            columns[k] = col
        return col

    def uniforms(self, purpose: str) -> np.ndarray:
        """The whole ``(n_cases, slots)`` matrix of ``purpose`` (built afresh; not kept)."""
        self._uniforms.setdefault(purpose, {})
        return self._generator(purpose).random((self.n_cases, self.slots))

    def uniform(self, purpose: str, case: int, k: int = 0) -> float:
        """Uniform for ``case``'s ``k``-th use of ``purpose``."""
        if k < self.slots:
            columns = self._uniforms.get(purpose)
            col = columns.get(k) if columns else None
            if col is None:
                col = self.column(purpose, k)
            return col.item(case)  # a Python float, without a numpy scalar in between
        return float(self._spill(purpose, case, k))

    def values(self, purpose: str, dist: Dist, k: int = 0) -> np.ndarray:
        """``dist`` applied to column ``k`` of ``purpose`` (vectorised, cached)."""
        key = (purpose, id(dist), k)
        entry = self._values.get(key)
        if entry is None:
            entry = self._values[key] = (dist, np.asarray(dist.ppf(self.column(purpose, k))))
        return entry[1]

    def value(self, purpose: str, dist: Dist, case: int, k: int = 0) -> float:
        """Draw of ``dist`` for ``case``'s ``k``-th use of ``purpose``."""
        if k < self.slots:
            entry = self._values.get((purpose, id(dist), k))
            vals = entry[1] if entry is not None else self.values(purpose, dist, k)
            return float(vals.item(case))
        return float(dist.ppf(self._spill(purpose, case, k)))

    def _spill(self, purpose: str, case: int, k: int) -> float:
        # Rare: a case that needs more uses than slots. Seeded per (purpose, case, k) so it
        # stays independent of event order.
        return float(self.streams.rng(f"case/{purpose}/{case}/{k}").random())
