"""Per-case records and the cost ledger, both columnar.

A run keeps one numpy array per field, one row per case (not a Python object per event), and
the ledger keeps parallel typed arrays of entries. Both become pandas tables at the end of a run.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .config.vocab import TERMINAL_CODE, TERMINAL_STATES

NAN = np.nan

#: Core per-case fields: name -> (dtype, fill, meaning). Providers may add their own with
#: :meth:`CaseRecords.add`.
FIELDS: dict[str, tuple[str, object, str]] = {
    "first_response_at": ("f8", NAN, "time of the first answer by a person, bot or peer (h)"),
    "first_wait_h": ("f8", NAN, "wait of the first answered contact (h)"),
    "queued": ("?", False, "the first contact attempt had to wait for an agent"),
    "first_attempt_wait_h": ("f8", NAN, "time in queue of the first attempt, answered or not (h)"),
    "closed_at": ("f8", NAN, "time the case reached its terminal state (h)"),
    "terminal": ("i1", 0, "terminal state code (see TERMINAL_STATES)"),
    "contacts": ("i2", 0, "contacts answered by staff or bot"),
    "answers": ("i2", 0, "answers received from an agent, a bot or a peer (forum threads too)"),
    "wrong_answers": ("i2", 0, "answers that were wrong or did not settle the question: an "
                               "agent contact without resolution, a bot that escalated, a "
                               "wrong peer answer"),
    "wismo_contacts": ("i2", 0, "'where is my parcel / refund' contacts: the parcel or refund "
                                "passed its expected time without news"),
    "attempts": ("i2", 0, "attempts to reach an agent (answered, abandoned or blocked)"),
    "abandonments": ("i2", 0, "times the consumer left a queue"),
    "blocked": ("i2", 0, "times the consumer found the queue full"),
    "transfers": ("i2", 0, "cold transfers between agents"),
    "staff_time_h": ("f8", 0.0, "agent time spent on the case (h)"),
    "bot_handled": ("?", False, "a chatbot handled a contact"),
    "bot_resolved": ("?", False, "a chatbot resolved the case"),
    "community_answered": ("?", False, "a peer answered in the community"),
    "consumer_paid_fee": ("?", False, "the consumer paid a fee (e.g. return freight)"),
    "return_sent": ("?", False, "goods were sent back"),
    "picked_up_at": ("f8", NAN, "return parcel handed to logistics: picked up or dropped off (h)"),
    "scans_expected": ("i2", 0, "tracking scans the case's parcels should have produced"),
    "scans_missing": ("i2", 0, "expected tracking scans that never reached the platform"),
    "scans_late": ("i2", 0, "tracking scans that arrived after the provider's promised lag"),
    "goods_received_at": ("f8", NAN, "returned goods received by the seller (h)"),
    "refund_at": ("f8", NAN, "refund posted to the consumer (h)"),
    "refund_due_at": ("f8", NAN, "statutory refund deadline (h)"),
    "replacement_shipped_at": ("f8", NAN, "replacement handed to logistics (h)"),
    "replacement_at": ("f8", NAN, "replacement delivered (h)"),
    "booked_at": ("f8", NAN, "field visit booked (h)"),
    "visits": ("i2", 0, "field visits"),
    "service_done_at": ("f8", NAN, "field service completed (h)"),
    "complaint": ("?", False, "a complaint was raised on this case"),
    "complaint_at": ("f8", NAN, "complaint lodged (h)"),
    "discourteous": ("i2", 0, "answers the consumer found discourteous"),
    "complaint_closed_at": ("f8", NAN, "complaint closed (h)"),
    "authority": ("?", False, "the complaint reached the authorities"),
    "recovered": ("?", False, "a failure on the case was put right"),
    "csat_factor": ("f8", 1.0, "factor on the case's satisfaction from its providers and "
                               "policies (community trust effect, partial refund)"),
    "statutory_applicable": ("?", False, "a statutory deadline applied to the case"),
    "statutory_met": ("?", True, "every statutory deadline that applied was met"),
}


#: Columns kept as Python lists (float columns: typed arrays) while a run goes, because the
#: contact path reads and writes them for almost every case: indexing a list costs a fraction
#: of a numpy scalar read or write (100-400 ns each, a dozen per contact).
#: :meth:`CaseRecords.freeze` turns them into arrays when the run ends (about 0.1 µs per case
#: and column). Columns only written once per case gain too little to pay for that.
LIVE: frozenset[str] = frozenset({"attempts", "contacts", "answers", "terminal",
                                  "staff_time_h"})


class CaseRecords(dict):
    """Columnar records of every case of one run: column name -> column.

    A ``dict`` of columns, so that ``records[name]`` is a plain dict lookup (the journeys make
    several per case). While the run goes, ``records[name][case]`` reads and writes a cell
    (``+=`` too) of any column; most columns are numpy arrays, the hottest few (:data:`LIVE`,
    and those added with ``live=True``) Python lists. After :meth:`freeze` (the model calls
    it when the run ends; :meth:`to_frame` too) every column is a numpy array, so
    whole-column arithmetic works.

    Parameters
    ----------
    n : int
        Number of cases.
    """

    def __init__(self, n: int):
        super().__init__()
        self.n = n
        self.meanings: dict[str, str] = {}
        self._live: dict[str, str] = {}  # list columns not yet frozen -> their dtype
        #: Writers of single cells of the numpy columns: ``views[name][case] = value`` writes
        #: the array's cell through a :class:`memoryview` (~60 ns against ~300 for a numpy
        #: scalar write), for the contact path's first-contact fields and the case's close.
        self.views: dict[str, memoryview] = {}
        self.frozen = False
        for name, (dtype, fill, meaning) in FIELDS.items():
            self.add(name, dtype, fill, meaning, live=name in LIVE)

    def add(self, name: str, dtype: str, fill: object, meaning: str,
            live: bool = False) -> np.ndarray | list:
        """Add a column (idempotent) and return it.

        ``live=True`` keeps it a Python list until :meth:`freeze` (for integer or flag columns
        written on the hot path of most cases); readers index it like an array.
        """
        if name not in self.columns:
            if live and not self.frozen:
                value = np.array(fill, dtype=dtype).item()
                # Floats in a typed array: in a list, every case's own float is an object
                # (24 B); integers and flags stay lists (small ints are shared objects).
                self.columns[name] = array("d", [value]) * self.n if isinstance(value, float) \
                    else [value] * self.n
                self._live[name] = dtype
            else:
                self.columns[name] = np.full(self.n, fill, dtype=dtype)
                self.views[name] = memoryview(self.columns[name])
            self.meanings[name] = meaning
        return self.columns[name]

    @property
    def columns(self) -> dict[str, np.ndarray | list]:
        """The columns by name (the records themselves)."""
        return self

    def freeze(self) -> None:
        """Turn the list columns into numpy arrays (the run is over; idempotent)."""
        for name, dtype in self._live.items():
            column = self.columns[name]
            self.columns[name] = np.frombuffer(column, dtype=dtype) if isinstance(column, array) \
                else np.array(column, dtype=dtype)  # a typed array's buffer is taken, not copied
        self._live.clear()
        self.frozen = True

    def close(self, case: int, state: str, at: float) -> None:
        """Put ``case`` in terminal ``state`` at time ``at`` (exactly once)."""
        terminal = self.columns["terminal"]
        if terminal[case] != 0:
            raise RuntimeError(f"case {case} closed twice "
                               f"({TERMINAL_STATES[terminal[case]]}, {state})")
        terminal[case] = TERMINAL_CODE[state]
        self.views["closed_at"][case] = at

    def to_frame(self, copy: bool = True) -> pd.DataFrame:
        """The records as a table; ``terminal`` as its state name.

        With ``copy=False`` the table's columns are the records' own arrays (writing to one
        writes to the other): for the end of a run, when the records are let go (a copy was
        ~150 B per case at the peak of a large run).
        """
        self.freeze()
        frame = pd.DataFrame(self.columns, copy=copy)
        frame["terminal"] = pd.Categorical.from_codes(frame["terminal"], TERMINAL_STATES)
        return frame


COST_KINDS = ("fixed", "variable", "penalty")
_KIND_CODE = {kind: code for code, kind in enumerate(COST_KINDS)}


class Ledger:
    """Every cost of a run, one entry per charge.

    An entry belongs either to a case (``case >= 0``) or to staffed time (``case == -1`` with
    ``hours`` > 0), so the totals reconcile with the cases and the rosters.

    Entries are kept in typed arrays (8 bytes per number, a small code per component and
    kind), not as boxed Python objects in lists: a run books about 1.6 entries per case, and
    six lists of boxed numbers cost about 150 bytes per entry against about 35 here.
    """

    def __init__(self) -> None:
        self._empty()

    def _empty(self) -> None:
        self._case = array("q")
        self._time = array("d")
        self._component = array("H")  # index into self._components
        self._kind = array("B")  # index into COST_KINDS
        self._amount = array("d")
        self._hours = array("d")
        self._components: list[str] = []
        self._component_code: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self._amount)

    def charge(self, *, case: int, time: float, component: str, kind: str, amount: float,
               hours: float = 0.0) -> None:
        """Add an entry. ``kind`` is one of ``fixed``, ``variable``, ``penalty``."""
        kind_code = _KIND_CODE.get(kind)
        if kind_code is None:
            raise ValueError(f"cost kind {kind!r} is not one of {COST_KINDS}")
        if amount == 0:
            return
        code = self._component_code.get(component)
        if code is None:
            code = self._component_code[component] = len(self._components)
            self._components.append(component)
        self._case.append(case)
        self._time.append(time)
        self._component.append(code)
        self._kind.append(kind_code)
        self._amount.append(amount)
        self._hours.append(hours)

    def booker(self, component: str, kind: str) -> Callable[[int, float, float], None]:
        """A function ``book(case, time, amount)`` that adds entries as :meth:`charge` does
        (the same rows in the same order) for one ``component`` and ``kind``, with ``hours``
        0: for a caller that books many of them (the contact centre, once per answered
        contact), the kind, the component's code and the arrays are looked up once (again
        after the ledger was emptied by ``to_frame(release=True)``)."""
        kind_code = _KIND_CODE.get(kind)
        if kind_code is None:
            raise ValueError(f"cost kind {kind!r} is not one of {COST_KINDS}")
        amounts = appends = code = None  # the component is coded at its first entry

        def book(case: int, time: float, amount: float) -> None:
            nonlocal amounts, appends, code
            if amount == 0:
                return
            if self._amount is not amounts:  # first entry, or the ledger was emptied
                amounts = self._amount
                appends = (self._case.append, self._time.append, self._component.append,
                           self._kind.append, amounts.append, self._hours.append)
                code = self._component_code.get(component)
                if code is None:
                    code = self._component_code[component] = len(self._components)
                    self._components.append(component)
            add_case, add_time, add_component, add_kind, add_amount, add_hours = appends
            add_case(case)
            add_time(time)
            add_component(code)
            add_kind(kind_code)
            add_amount(amount)
            add_hours(0.0)

        return book

    def to_frame(self, release: bool = False) -> pd.DataFrame:
        """The entries as a table (``component`` categories sorted, as pandas infers them).

        With ``release``, the table takes over the ledger's number arrays without a copy and
        the ledger is left empty (for the end of a run: a copy was ~60 B per case at its
        peak).
        """
        names = self._components
        order = sorted(range(len(names)), key=names.__getitem__)
        recode = np.empty(len(names), dtype=np.int16)
        recode[order] = np.arange(len(names), dtype=np.int16)
        codes = recode[np.frombuffer(self._component, dtype=np.uint16)] if len(self) else \
            np.zeros(0, dtype=np.int16)
        numbers = {"case": (self._case, np.int64), "time": (self._time, np.float64),
                   "amount": (self._amount, np.float64), "hours": (self._hours, np.float64)}
        if release:  # views of the arrays' buffers (which they keep alive), then start afresh
            numbers = {name: np.frombuffer(values, dtype=dtype) if len(values) else
                       np.zeros(0, dtype=dtype) for name, (values, dtype) in numbers.items()}
        else:
            numbers = {name: np.array(values, dtype=dtype)
                       for name, (values, dtype) in numbers.items()}
        frame = pd.DataFrame({
            "case": numbers["case"],
            "time": numbers["time"],
            "component": pd.Categorical.from_codes(codes, [names[i] for i in order]),
            "kind": pd.Categorical.from_codes(np.frombuffer(self._kind, dtype=np.uint8)
                                              .astype(np.int8), COST_KINDS),
            "amount": numbers["amount"],
            "hours": numbers["hours"],
        }, copy=False)
        if release:
            self._empty()
        return frame


@dataclass(frozen=True)
class RunSummary:
    """What a finished run hands to the outcomes besides its cases and ledger.

    KPIs are a pure function of the case table, the ledger, the scenario and this summary:
    they never see the live SimPy world.

    Attributes
    ----------
    design : str
        Name of the design that ran.
    channels_reachable : tuple of str
        Contact channels a consumer could reach in this design: the channels of its agent
        groups (and of a forum's staff centre), ``"forum"`` for a community front line.
    staff_rates : dict of str to float
        Cost per staffed hour by ledger component, as each provider reported it.
    monitor_times : numpy.ndarray
        Times of the hourly monitor samples (h).
    busy, on_duty : dict of str to numpy.ndarray
        Busy and on-duty servers per pool at each sample.
    """

    design: str
    channels_reachable: tuple[str, ...] = ()
    staff_rates: dict = field(default_factory=dict)
    monitor_times: np.ndarray = field(default_factory=lambda: np.zeros(0))
    busy: dict = field(default_factory=dict)
    on_duty: dict = field(default_factory=dict)
