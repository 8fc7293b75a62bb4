"""Categorical columns read on their integer codes: masks and per-category lookups.

The case table and the ledger hold their names (terminal state, case type, channel, cost kind)
as pandas categoricals. Comparing ``column.astype(str)`` with a name converts every row to a
string on each call, which was most of the KPI time of a run; these helpers look each
category up once and work on the codes. Plain (string) columns are accepted too.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def is_in(column: pd.Series, *values: str) -> np.ndarray:
    """Whether each entry of a categorical (or string) column is one of ``values``, as a mask.

    A categorical column is compared on its integer codes, looked up once per category: no
    column is converted to strings (``astype(str)`` of a whole column was most of the KPI
    time of a run).
    """
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes = column.cat.codes.to_numpy()
        wanted = [i for i, name in enumerate(column.cat.categories) if str(name) in values]
        if len(wanted) == 1:
            return codes == wanted[0]
        return np.isin(codes, wanted)
    return column.astype(str).isin(values).to_numpy()


def per_category(column: pd.Series, table: dict, fill: float) -> np.ndarray:
    """``table[name]`` (``fill`` where absent) for each entry of a categorical (or string)
    column, as floats; looked up once per category."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        lut = np.array([table.get(str(name), fill) for name in column.cat.categories] + [fill],
                       dtype=float)
        return lut[column.cat.codes.to_numpy()]  # code -1 (missing) takes the last: fill
    return np.array([table.get(str(name), fill) for name in column], dtype=float)


def as_str(column: pd.Series) -> np.ndarray:
    """The entries of a categorical (or any) column as an object array of strings, as
    ``column.astype(str)`` spells them, converting each category once."""
    if isinstance(column.dtype, pd.CategoricalDtype) and not column.isna().any():
        names = np.array([str(c) for c in column.cat.categories], dtype=object)
        return names[column.cat.codes.to_numpy()]
    return column.astype(str).to_numpy()
