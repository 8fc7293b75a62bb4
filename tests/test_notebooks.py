"""The teaching notebooks as files: the five exist, open with what they teach, carry no
outputs, never redefine the model, and type no figure into a markdown cell.

Running them is ``make test``'s job (``pytest --nbmake notebooks`` in fast mode,
``AFTERSALES_FAST=1``); these checks only read the files, so they take milliseconds.

**The rule for digits in markdown.** Every number a student reads must come from a code cell's
output, so that it cannot go stale when the model or a default changes. A markdown cell may
contain a digit only inside one of these patterns (:data:`ALLOWED`), which name things rather
than state results:

- the notebook's own number at the start of its title (``# 01 · ...``) and notebook file
  names (``02_tradeoffs_interactive``);
- step numbers: an ordered-list marker at the start of a line (``1. ``) or ``Step 3``;
- names that contain digits: ``MSER-5``, ``Double 11``, the ``7-day``/``14-day`` rules
  (any ``N-day``), and the fast-mode switch ``AFTERSALES_FAST=1``;
- an inline code span holding one identifier that starts with a letter (a scenario, KPI,
  key or index name such as `` `double11` ``, `` `first_response_p90_min` ``, `` `S1` ``):
  a name, not a value. A code span with a space or starting with a digit
  (`` `run.replications = 10` ``, `` `40.7` ``) is checked like any text.

Everything else with a digit (``40.7 CNY``, ``95%``, ``10 replications``, ``3x``) fails, with
the notebook, the cell and the text around the digit in the message.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
EXPECTED = ("01_tour_of_the_modes", "02_tradeoffs_interactive", "03_peaks_and_policies",
            "04_sweeps_and_sensitivity", "05_is_the_model_right")
ALLOWED = (
    re.compile(r"\A#\s+0\d(?=\s)"),              # the title's notebook number
    re.compile(r"\b0\d_[a-z][a-z_]*"),           # notebook file names
    re.compile(r"^\s*\d+\.\s", re.MULTILINE),    # ordered-list step numbers
    re.compile(r"\b[Ss]tep \d+\b"),
    re.compile(r"\bMSER-5\b"),
    re.compile(r"\bDouble 11\b"),
    re.compile(r"\b\d+-day\b"),
    re.compile(r"\bAFTERSALES_FAST=1\b"),
    re.compile(r"`[A-Za-z_][A-Za-z0-9_.\-/*]*`"),  # a name in a code span
)


def _notebooks() -> list[Path]:
    return sorted(NOTEBOOKS.glob("*.ipynb"))


def figures_in(text: str) -> list[str]:
    """Digits left in ``text`` once the allowed patterns are removed (with context)."""
    for pattern in ALLOWED:
        text = pattern.sub(" ", text)
    return [text[max(0, m.start() - 25):m.end() + 25].replace("\n", " ")
            for m in re.finditer(r"\d", text)]


def test_the_five_notebooks_and_nothing_else():
    assert [p.stem for p in _notebooks()] == list(EXPECTED)


@pytest.mark.parametrize("path", _notebooks(), ids=lambda p: p.stem)
def test_committed_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, (
                f"{path.name} cell {i} has outputs: clear them "
                "(jupyter nbconvert --clear-output --inplace notebooks/*.ipynb)")


@pytest.mark.parametrize("path", _notebooks(), ids=lambda p: p.stem)
def test_opens_with_what_it_teaches(path):
    first = nbformat.read(path, as_version=4).cells[0]
    assert first.cell_type == "markdown"
    for heading in ("What you will learn", "What to try", "How long it runs"):
        assert heading in first.source, f"{path.name}: the first cell lacks {heading!r}"


@pytest.mark.parametrize("path", _notebooks(), ids=lambda p: p.stem)
def test_a_client_of_sim(path):
    code = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells
                     if c.cell_type == "code")
    assert re.search(r"^\s*(import sim\b|from sim\b)", code, re.MULTILINE)
    assert not re.search(r"^\s*(import|from) simpy\b", code, re.MULTILINE), "uses SimPy"
    assert not re.search(r"^\s*class\s", code, re.MULTILINE), "defines a class"
    assert "AFTERSALES_FAST" not in code, "sets fast mode itself (make test does)"


@pytest.mark.parametrize("path", _notebooks(), ids=lambda p: p.stem)
def test_no_figure_typed_in_markdown(path):
    nb = nbformat.read(path, as_version=4)
    found = [(i, f) for i, c in enumerate(nb.cells) if c.cell_type == "markdown"
             for f in figures_in(c.source)]
    assert not found, f"{path.name}: numbers typed in markdown (cell, context): {found}"


def test_the_rule_catches_figures_and_spares_names():
    assert figures_in("# 01 · A tour\nSee 02_tradeoffs_interactive.\n1. first step") == []
    assert figures_in("MSER-5, Double 11, the 7-day and 14-day rules, AFTERSALES_FAST=1") == []
    assert figures_in("the `double11` scenario, `S1` and `first_response_p90_min`") == []
    for text in ("costs 40.7 CNY", "a 95% interval", "with 10 replications", "3x the orders",
                 "# Tour 2", "Double 12", "`run.replications = 10`", "`40.7`"):
        assert figures_in(text), text


def test_make_test_runs_the_notebooks_in_fast_mode_with_widgets_installed():
    makefile = (NOTEBOOKS.parent / "Makefile").read_text()
    test_recipe = makefile.split("\ntest:", 1)[1].split("\n\n", 1)[0]
    assert "AFTERSALES_FAST=1" in test_recipe and "--nbmake" in test_recipe
    assert "notebooks" in test_recipe
    stamp = makefile.split("$(STAMP): pyproject.toml", 1)[1].split("\n\n", 1)[0]
    assert "widgets" in stamp                       # ipywidgets, for notebook 02
    assert "--ip=127.0.0.1" in makefile.split("\nnotebooks:", 1)[1].split("\n\n", 1)[0]
