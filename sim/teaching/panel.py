"""Notebook 02's panel: ipywidgets sliders and toggles around :func:`~.tradeoffs.tradeoffs`.

Nothing runs when a control moves (a comparison takes seconds); the **Run** button calls
:meth:`TradeoffPanel.run`, which reads the controls, runs the comparison with a progress bar
and redraws the table, the ranking sentences and the figures. :meth:`~TradeoffPanel.run` is
an ordinary method, so tests call it headless after setting the controls' values. Needs the
``widgets`` extra (ipywidgets); :func:`widgets_available` says whether it is there.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from typing import Any

from .tradeoffs import DESIGNS, LEVERS, Lever, ProgressExecutor, Tradeoff, runs_needed, tradeoffs


def widgets_available() -> bool:
    """Whether ipywidgets can be imported (the panel needs it; the static run does not)."""
    return importlib.util.find_spec("ipywidgets") is not None


def _control(lever: Lever):
    import ipywidgets as w

    style = {"description_width": "initial"}
    layout = w.Layout(width="460px")
    if lever.options:
        return w.ToggleButtons(options=list(lever.options), value=lever.value,
                               description=lever.label, style=style)
    if isinstance(lever.value, int) and not isinstance(lever.value, bool):
        return w.IntSlider(value=lever.value, min=int(lever.low), max=int(lever.high),
                           step=int(lever.step), description=lever.label, style=style,
                           layout=layout)
    return w.FloatSlider(value=float(lever.value), min=lever.low, max=lever.high,
                         step=lever.step, description=lever.label, style=style,
                         layout=layout, readout_format=".2f")


class TradeoffPanel:
    """Controls for every lever of :data:`~.tradeoffs.LEVERS`, a Run button and an output.

    Parameters
    ----------
    designs : sequence of str
        Designs compared on every run.
    replications : int
        Replications per design (capped in fast mode).
    seed : int, optional
        Master seed; the same controls give the same table.

    Attributes
    ----------
    controls : dict of str to widget
        Lever name -> its slider or toggle.
    widget : ipywidgets.VBox
        What the notebook displays.
    last : Tradeoff or None
        The result of the latest run.
    """

    def __init__(self, designs: Sequence[str] = DESIGNS, replications: int = 3,
                 seed: int | None = None) -> None:
        import ipywidgets as w

        self.designs, self.replications, self.seed = list(designs), replications, seed
        self.controls = {lever.name: _control(lever) for lever in LEVERS
                         if not lever.name.startswith("extra_agents:")
                         or lever.name.split(":", 1)[1] in self.designs}
        self.button = w.Button(description="Run", button_style="primary")
        self.progress = w.IntProgress(value=0, min=0, max=runs_needed(designs, replications),
                                      description="runs")
        self.status = w.Label("move the levers, then Run")
        self.output = w.Output()
        self.button.on_click(self.run)
        self.widget = w.VBox([*self.controls.values(),
                              w.HBox([self.button, self.progress, self.status]), self.output])
        self.last: Tradeoff | None = None

    def values(self) -> dict[str, Any]:
        """The controls' current values, by lever name."""
        return {name: c.value for name, c in self.controls.items()}

    def _step(self, finished: int) -> None:
        self.progress.value = finished
        self.status.value = f"{finished} of {self.progress.max} runs"

    def run(self, *_: Any) -> Tradeoff | None:
        """Run the comparison for the current values and redraw the output.

        A value the scenario refuses shows its message (naming the key) instead of a table.
        """
        from IPython.display import display

        from ..config import ScenarioError

        self.progress.value, self.button.disabled = 0, True
        self.output.clear_output(wait=True)
        try:
            result = tradeoffs(self.values(), self.designs, self.replications, self.seed,
                               executor=ProgressExecutor(self._step))
        except ScenarioError as err:
            self.status.value = "refused: see below"
            with self.output:
                print(err)
            return None
        finally:
            self.button.disabled = False
        self.last = result
        self.status.value = f"done: {self.progress.value} runs"
        with self.output:
            display(result.table)
            for line in result.sentences[:4]:
                print("-", line)
            display(result.figure("pareto"))
            display(result.figure("kpis"))
        return result


def tradeoff_panel(designs: Sequence[str] = DESIGNS, replications: int = 3,
                   seed: int | None = None) -> TradeoffPanel:
    """A :class:`TradeoffPanel` (display its ``widget``)."""
    return TradeoffPanel(designs, replications, seed)
