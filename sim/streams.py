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
blocks of recent cases of the columns it uses. Designs turn them into their own durations by
inverse transform, so the same case gets the same luck in every design.
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


#: Rows of a block of per-case draws: columns are generated, kept and dropped a block at a time.
#: Case ``c`` is row ``c & BLOCK_MASK`` of block ``c >> BLOCK_SHIFT``.
BLOCK_SHIFT = 12
_SHIFT = BLOCK_SHIFT
_ROWS = 1 << _SHIFT
_MASK = BLOCK_MASK = _ROWS - 1
_DOUBLE = 1.0 / 9007199254740992.0  # 2**-53: numpy's uniform double from a 64-bit output

#: How long (h) after its cases were created a block of draws is kept. A case draws most of
#: its luck within days of its creation (in the baseline 99% within 6-7 days, 90% within 3);
#: a later draw is computed on its own from the stream (a few microseconds, the same number).
WINDOW_H = 96.0


class CaseDraws:
    """Per-case uniforms by purpose, drawn lazily a block of cases at a time.

    Stream ``"case/<purpose>"`` defines an ``(n_cases, slots)`` matrix of uniforms; column k
    serves a case's k-th use of that purpose (its k-th contact, k-th visit, ...); uses beyond
    ``slots`` come from a spill stream, which is still per case and per purpose. A run never
    holds that matrix: a column is generated a block of ``4096`` cases at a time when a case of
    the block first needs it (the block's rows regenerated from the stream's seed, so the
    uniform of (case, purpose, use) is the one of the full matrix whatever else a design draws:
    common random numbers), and with ``created`` given, blocks of cases created more than
    ``window_h`` before the newest block are dropped. A draw for a case of a dropped block is
    computed on its own by advancing the stream to its position (PCG64 jumps ahead in
    logarithmic time). Distribution values (:meth:`value`) are kept the same way, so memory is
    bounded by the cases of the window, not the run (a column of a whole run was 8 bytes per
    case, and a baseline run uses about 110 columns and 60 value columns).

    Parameters
    ----------
    streams : Streams
        The replication's streams.
    n_cases : int
        Number of cases (rows).
    slots : int
        Uses per case and purpose served by the matrix (columns).
    created : numpy.ndarray, optional
        Creation times of the cases (sorted, as demand makes them); without them nothing
        is dropped.
    window_h : float
        Hours a block is kept after its last case was created, counted back from the first
        case of the newest block.
    """

    def __init__(self, streams: Streams, n_cases: int, slots: int = 6,
                 created: np.ndarray | None = None, window_h: float = WINDOW_H):
        self.streams = streams
        self.n_cases = n_cases
        self.slots = slots
        self._n_blocks = -(-n_cases // _ROWS)
        # purpose -> per column k: its blocks (None where not generated or dropped), or None
        # for a column never used.
        self._uniforms: dict[str, list[list[np.ndarray | None] | None]] = {}
        # Keyed by the distribution's id, not the distribution: hashing a frozen dataclass on
        # every draw was a measurable share of a run. The entry holds the distribution too, so
        # its id cannot be reused while the entry lives.
        self._values: dict[tuple[str, int, int], tuple[Dist, list[np.ndarray | None]]] = {}
        self._bitgens: dict[str, list] = {}  # purpose -> [PCG64, Generator, position]
        self._value_columns: dict[str, list[tuple[int, tuple]]] = {}  # purpose -> (k, entry)
        self._read: dict[str, set[int]] = {}  # purpose -> the columns read as uniforms
        self._held: dict[int, list[list]] = {}  # block -> the block lists that hold it
        self._oldest = 0  # blocks below this one are dropped
        self._front = -1  # newest block generated
        self.direct_draws = 0  # draws computed on their own (cases of dropped blocks)
        self._constants: dict[int, np.ndarray] = {}  # id(deterministic dist) -> its block
        self._buffer: np.ndarray | None = None  # rows of the matrix being cut into a block
        if created is not None and n_cases:
            created = np.asarray(created, dtype=float)
            self._starts = created[::_ROWS]
            self._ends = created[np.minimum(np.arange(1, self._n_blocks + 1) * _ROWS,
                                            n_cases) - 1]
            self._window = float(window_h)
        else:
            self._starts = self._ends = None
            self._window = np.inf

    # --- whole columns (vectorised users; not kept) -------------------------------------------
    def _generator(self, purpose: str) -> np.random.Generator:
        seq = self.streams.seed_sequence(f"case/{purpose}")
        return np.random.Generator(np.random.PCG64(seq))

    def column(self, purpose: str, k: int) -> np.ndarray:
        """Uniforms of every case's ``k``-th use of ``purpose`` (``k < slots``; built afresh)."""
        self._column_blocks(purpose, k)
        gen, col = self._generator(purpose), np.empty(self.n_cases)
        step = 1 << 16
        for first in range(0, self.n_cases, step):
            rows = min(step, self.n_cases - first)
            col[first:first + rows] = gen.random((rows, self.slots))[:, k]
        return col

    def uniforms(self, purpose: str) -> np.ndarray:
        """The whole ``(n_cases, slots)`` matrix of ``purpose`` (built afresh; not kept)."""
        self._uniforms.setdefault(purpose, [None] * self.slots)
        return self._generator(purpose).random((self.n_cases, self.slots))

    def values(self, purpose: str, dist: Dist, k: int = 0) -> np.ndarray:
        """``dist`` applied to column ``k`` of ``purpose`` (vectorised; built afresh)."""
        return np.asarray(dist.ppf(self.column(purpose, k)))

    # --- a column's blocks, for hot paths that read one column for many cases ---------------
    def uniform_blocks(self, purpose: str, k: int = 0) -> list[np.ndarray | None]:
        """The blocks of uniforms of column ``k`` of ``purpose`` (``k < slots``).

        ``blocks[case >> BLOCK_SHIFT]`` is the block holding ``case``, read with
        ``.item(case & BLOCK_MASK)``: the float :meth:`uniform` gives, with one lookup less.
        Where it is None (not generated yet, or dropped with the window) call :meth:`uniform`,
        which fills it. The list is the draws' own, filled and emptied in place, so a caller
        may keep it for the run: memory stays that of the window, not of a whole-run column.
        """
        if not 0 <= k < self.slots:
            raise ValueError(f"column {k} of {purpose!r} is not one of 0..{self.slots - 1}")
        return self._column_blocks(purpose, k)

    def value_blocks(self, purpose: str, dist: Dist, k: int = 0) -> list[np.ndarray | None]:
        """The blocks of ``dist``'s values for column ``k`` of ``purpose``, as
        :meth:`uniform_blocks` (where a block is None call :meth:`value`)."""
        if not 0 <= k < self.slots:
            raise ValueError(f"column {k} of {purpose!r} is not one of 0..{self.slots - 1}")
        return self._value_entry(purpose, dist, k)[1]

    def _value_entry(self, purpose: str, dist: Dist, k: int) -> tuple:
        key = (purpose, id(dist), k)
        entry = self._values.get(key)
        if entry is None:
            entry = self._values[key] = (dist, [None] * self._n_blocks)
            self._value_columns.setdefault(purpose, []).append((k, entry))
        return entry

    def release(self) -> None:
        """Drop every block now (the run is over). The block lists are emptied in place, so
        blocks that providers reach through :meth:`uniform_blocks` / :meth:`value_blocks` go
        too, however long the providers live; a later draw is computed on its own."""
        for b, held in self._held.items():
            for blocks in held:
                blocks[b] = None
        self._held.clear()
        self._oldest = self._n_blocks

    # --- one case's draw ----------------------------------------------------------------------
    def uniform(self, purpose: str, case: int, k: int = 0) -> float:
        """Uniform for ``case``'s ``k``-th use of ``purpose``."""
        if k < self.slots:
            columns = self._uniforms.get(purpose)
            if columns is not None:
                blocks = columns[k]
                if blocks is not None:
                    block = blocks[case >> _SHIFT]
                    if block is not None:
                        return block.item(case & _MASK)  # a Python float, no numpy scalar
            return self._uniform_miss(purpose, case, k)
        return float(self._spill(purpose, case, k))

    def value(self, purpose: str, dist: Dist, case: int, k: int = 0) -> float:
        """Draw of ``dist`` for ``case``'s ``k``-th use of ``purpose``."""
        if k < self.slots:
            entry = self._values.get((purpose, id(dist), k))
            if entry is not None:
                block = entry[1][case >> _SHIFT]
                if block is not None:
                    return block.item(case & _MASK)
            return self._value_miss(purpose, dist, case, k)
        return float(dist.ppf(self._spill(purpose, case, k)))

    def _uniform_miss(self, purpose: str, case: int, k: int) -> float:
        self._read.setdefault(purpose, set()).add(k)
        blocks, b = self._column_blocks(purpose, k), case >> _SHIFT
        if b < self._oldest:
            return self._direct(purpose, case, k)
        block = blocks[b] = self._block(purpose, k, b)
        self._hold(blocks, b)
        return block.item(case & _MASK)

    def _value_miss(self, purpose: str, dist: Dist, case: int, k: int) -> float:
        b = case >> _SHIFT
        entry = self._value_entry(purpose, dist, k)
        uniforms = self._column_blocks(purpose, k)[b]
        if dist.kind == "deterministic":  # the same value whatever the uniform: one block
            block = self._constants.get(id(dist))
            if block is None:
                block = np.asarray(dist.ppf(np.zeros(_ROWS)), dtype=float)
                self._constants[id(dist)] = block  # dist lives in entry: its id stays its own
            if b >= self._oldest:
                entry[1][b] = block
                self._hold(entry[1], b)
            return block.item(case & _MASK)
        if b < self._oldest:
            u = self._direct(purpose, case, k)
            return np.asarray(dist.ppf(np.array([u])), dtype=float).item()
        if uniforms is None:  # not kept: most value columns are never read as uniforms
            uniforms = self._block(purpose, k, b)
            if entry[1][b] is not None:  # filled with the purpose's other columns in use
                return entry[1][b].item(case & _MASK)
        block = entry[1][b] = np.asarray(dist.ppf(uniforms), dtype=float)
        self._hold(entry[1], b)
        return block.item(case & _MASK)

    # --- blocks, the window, the stream's position ------------------------------------------
    def _column_blocks(self, purpose: str, k: int) -> list:
        columns = self._uniforms.setdefault(purpose, [None] * self.slots)
        if columns[k] is None:
            columns[k] = [None] * self._n_blocks
        return columns[k]

    def _seek(self, purpose: str, position: int) -> list:
        state = self._bitgens.get(purpose)
        if state is None:
            bitgen = np.random.PCG64(self.streams.seed_sequence(f"case/{purpose}"))
            state = self._bitgens[purpose] = [bitgen, np.random.Generator(bitgen), 0]
        if position != state[2]:
            state[0].advance(position - state[2])  # backwards too: steps are modulo 2**128
        return state

    def _block(self, purpose: str, k: int, b: int) -> np.ndarray:
        """Column ``k`` of ``purpose`` for the cases of block ``b`` (rows of the matrix)."""
        first = b * _ROWS
        rows = min(_ROWS, self.n_cases - first)
        state = self._seek(purpose, first * self.slots)
        # Into one reused buffer: a fresh (rows, slots) temporary per block was an mmap and
        # ~50 page faults each time.
        if self._buffer is None:
            self._buffer = np.empty((_ROWS, self.slots))
        matrix = self._buffer[:rows]
        state[1].random(out=matrix)
        block = matrix[:, k].copy()
        state[2] = (first + rows) * self.slots
        self._fill(purpose, k, b, matrix)
        return block

    def _fill(self, purpose: str, k: int, b: int, matrix: np.ndarray) -> None:
        """Cut block ``b`` of the purpose's other columns in use out of the matrix just drawn.

        Each column of a purpose is its own column of the same matrix: without this, the
        first draw of each column in a block drew the whole matrix again (about half of the
        matrices a baseline run drew). Only columns that the previous block used get one (a
        column some blocks never use would be held for nothing); value columns get it
        through their distribution, as :meth:`_value_miss` does.
        """
        columns = self._uniforms[purpose]
        for j in self._read.get(purpose, ()):  # not the value columns' unread uniform lists
            blocks = columns[j]
            if j != k and blocks[b] is None and b and blocks[b - 1] is not None:
                blocks[b] = matrix[:, j].copy()
                self._hold(blocks, b)
        for j, (dist, blocks) in self._value_columns.get(purpose, ()):
            if blocks[b] is None and b and blocks[b - 1] is not None \
                    and dist.kind != "deterministic":
                blocks[b] = np.asarray(dist.ppf(matrix[:, j].copy()), dtype=float)
                self._hold(blocks, b)

    def _direct(self, purpose: str, case: int, k: int) -> float:
        """The matrix's uniform of (``case``, ``k``) from the stream itself."""
        position = case * self.slots + k
        state = self._seek(purpose, position)
        state[2] = position + 1
        self.direct_draws += 1
        return float((int(state[0].random_raw()) >> 11) * _DOUBLE)

    def _hold(self, blocks: list, b: int) -> None:
        """Keep block ``b`` of ``blocks``; when it is a new front, drop what left the window."""
        self._held.setdefault(b, []).append(blocks)
        if b <= self._front:
            return
        self._front = b
        if self._starts is None:
            return
        limit = self._starts[b] - self._window
        while self._oldest < b and self._ends[self._oldest] < limit:
            for held in self._held.pop(self._oldest, ()):
                held[self._oldest] = None
            self._oldest += 1

    def _spill(self, purpose: str, case: int, k: int) -> float:
        # Rare: a case that needs more uses than slots. Seeded per (purpose, case, k) so it
        # stays independent of event order.
        return float(self.streams.rng(f"case/{purpose}/{case}/{k}").random())
