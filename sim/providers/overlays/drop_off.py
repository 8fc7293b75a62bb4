"""The drop-off overlay: parcel lockers and partner shops where consumers hand returns over.

A share ``share`` of consumers with a return to send drops it off instead of waiting for a
pickup: the hand-over happens ``delay`` after the return is approved (when the consumer gets
round to it), and it takes no pickup slot, so drop-offs bypass a congested pickup capacity.
Each drop-off pays the point network ``fee_per_parcel`` (variable, on the case); the carrier's
parcel cost is booked by the wrapped provider as usual.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass

from ...config.distributions import Dist
from ...config.fields import dist, money, probability
from ..base import Overlay
from ..registry import register_overlay


@dataclass(frozen=True, kw_only=True)
class DropOffParams:
    """Drop-off points for returns (Amazon-style label-free drop-off, docs/sources.md §4.3)."""

    share: float = probability(0.4, doc="Share of consumers who use a drop-off point "
                                        "(assumption).")
    delay: Dist = dist({"dist": "uniform", "min": "1h", "max": "1d"},
                       doc="From approval to the drop-off (assumption: same or next day).")
    fee_per_parcel: float = money(0.5, doc="Fee per parcel to the drop-off network "
                                           "(assumption).")


@register_overlay("drop_off", "logistics", DropOffParams)
class DropOff(Overlay):
    """Drop-off points: a share of consumers hand returns over there instead of a pickup."""

    stage = "logistics"

    def __init__(self, world, params: DropOffParams, name: str, inner):
        super().__init__(world, params, name, inner)
        self._flag = world.records.add("dropped_off", "?", False,
                                       "the return parcel was left at a drop-off point")

    def collect_return(self, case: int, **kwargs) -> Generator:
        """The wrapped collection, with a drop-off instead of a pickup for the share using it."""
        draws = self.world.draws
        if draws.uniform("logistics/drop_off", case) < self.params.share:
            self._flag[case] = True
            kwargs["drop_off_delay"] = draws.value("logistics/drop_off_delay", self.params.delay,
                                                   case)
            self.world.ledger.charge(case=case, time=self.env.now, component="drop_off",
                                     kind="variable", amount=self.params.fee_per_parcel)
        return (yield from self.inner.collect_return(case, **kwargs))
