"""The smart-diagnosis overlay: faster, more accurate repair diagnosis for field technicians.

Wraps whatever serves the field-service stage. For the job kinds it applies to (repairs by
default) it multiplies the wrapped provider's failure probability by ``failure_factor`` (a
right diagnosis brings the right part and skill, the main causes of repeat visits: parts 51%,
skills 25%, ABD in docs/sources.md §1.3) and the on-site time by ``on_site_factor``. It
reaches the provider's own technicians only, not the manufacturer network that serves cases
outside the provider's coverage. Each diagnosis costs ``cost_per_use`` (variable, per case); the
licence is a fixed cost per day, booked in :meth:`SmartDiagnosis.finish`.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass

from ...config.fields import money, number, strings
from ...config.vocab import FIELD_TYPES
from ..base import Overlay
from ..registry import register_overlay
from ..staffing import book_daily


@dataclass(frozen=True, kw_only=True)
class SmartDiagnosisParams:
    """Smart (AI / remote) diagnosis for field service (docs/sources.md §0, §1.3)."""

    applies_to: tuple = strings(["repair"], options=FIELD_TYPES,
                                doc="Job kinds the diagnosis helps (assumption: repairs).")
    failure_factor: float = number(
        0.6, min=0.0, max=1.0,
        doc="Multiplies P(visit fails): 0.6 turns FTF 0.75 into 0.85 (assumption; ABD: "
            "best-in-class 0.88 against average 0.75-0.80).")
    on_site_factor: float = number(
        0.85, min=0.0, open_min=True,
        doc="Multiplies on-site time (assumption, by analogy with AI assist -15% handle time, "
            "WANG26/BLR).")
    cost_per_use: float = money(1.0, doc="Cost per assisted visit (assumption).")
    licence_per_day: float = money(300.0, doc="Licence and upkeep per day (assumption).")


@register_overlay("smart_diagnosis", "field_service", SmartDiagnosisParams)
class SmartDiagnosis(Overlay):
    """Smart diagnosis: fewer repeat visits and shorter jobs for the wrapped field provider."""

    stage = "field_service"

    def visit(self, case: int, kind: str, fail_factor: float = 1.0,
              on_site_factor: float = 1.0) -> Generator:
        """One visit, diagnosed with the tool when ``kind`` is in ``applies_to``.

        Parameters
        ----------
        case : int
            Case index.
        kind : str
            ``repair``, ``installation`` or ``maintenance``.
        fail_factor, on_site_factor : float
            Factors from overlays further out, multiplied with this overlay's own.
        """
        p = self.params
        if kind in p.applies_to and self.inner.covered(case):
            fail_factor *= p.failure_factor
            on_site_factor *= p.on_site_factor
            self.world.ledger.charge(case=case, time=self.env.now, component="smart_diagnosis",
                                     kind="variable", amount=p.cost_per_use)
        return (yield from self.inner.visit(case, kind, fail_factor, on_site_factor))

    def finish(self) -> None:
        """Book the licence for the horizon, day by day (fixed, not tied to a case)."""
        book_daily(self.world, "smart_diagnosis_licence", self.params.licence_per_day)
