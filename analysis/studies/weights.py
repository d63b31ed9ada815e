"""Spatial weights of a spec: ``{table: fct_spatial_weights, matrix: ...}`` or ``{csv: path}`` to long form.

:func:`load_weights` reads them, checks them and row-standardises them with the shared reference
(:func:`analysis.formulas.weights.standardize_weights`) unless ``standardize: false``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from analysis.errors import SpecError
from analysis.formulas.weights import standardize_weights
from analysis.studies.readers import read_csv_panel, read_table

__all__ = ["load_weights"]

_FROM_NAMES = ("from", "i", "from_code", "origin", "row")
_TO_NAMES = ("to", "j", "to_code", "destination", "col")
_W_NAMES = ("w", "weight", "value")
_MATRIX_NAMES = ("matrix", "matrix_name", "name")


def _pick(df: pd.DataFrame, names: Sequence[str], what: str, source: str) -> str:
    for n in names:
        if n in df.columns:
            return n
    raise SpecError(f"weights {source}: no {what} column (expected one of {list(names)})")


def load_weights(spec_weights: Mapping[str, Any] | None = None, *, csv: str | Path | None = None,
                 base_dir: Path | None = None, warehouse: str | Path | None = None,
                 where: str = "weights") -> pd.DataFrame:
    """Read spatial weights into long form ``from, to, w`` (codes as text).

    Parameters
    ----------
    spec_weights : mapping, optional
        ``{table: fct_spatial_weights, matrix: <name>}`` or ``{csv: <path>}``, plus optional
        ``standardize: false`` (default true: rows are scaled to sum to 1).
    csv : str or Path, optional
        A CSV overriding ``spec_weights`` (``agglo estimate --weights``); columns ``from, to, w``.
    base_dir : Path, optional
        Folder a relative ``csv:`` path resolves against (the spec's folder).
    warehouse : str or Path, optional
        DuckDB file for ``table:``.
    where : str
        Prefix for error messages (for example the model id).

    Returns
    -------
    pandas.DataFrame
        Columns ``from``, ``to``, ``w``; the diagonal (i == j) removed.
    """
    spec_weights = dict(spec_weights or {})
    standardize = bool(spec_weights.get("standardize", True))
    if csv is not None:
        raw = read_csv_panel(csv, string_columns=[*_FROM_NAMES, *_TO_NAMES])
        source = str(csv)
    elif "csv" in spec_weights:
        p = Path(str(spec_weights["csv"]))
        if not p.is_absolute() and base_dir is not None:
            p = base_dir / p
        raw = read_csv_panel(p, string_columns=[*_FROM_NAMES, *_TO_NAMES])
        source = str(p)
    elif "table" in spec_weights:
        if warehouse is None:
            from analysis.paths import DEFAULT_WAREHOUSE

            warehouse = DEFAULT_WAREHOUSE
        raw = read_table(warehouse, str(spec_weights["table"]))
        source = f"table {spec_weights['table']}"
        matrix = spec_weights.get("matrix")
        if matrix is not None:
            mcol = _pick(raw, _MATRIX_NAMES, "matrix", source)
            raw = raw[raw[mcol].astype(str) == str(matrix)]
            if raw.empty:
                raise SpecError(f"{where}: no weights for matrix {matrix!r} in {source}")
    else:
        raise SpecError(f"{where}: weights must be {{table: ..., matrix: ...}} or {{csv: path}}")
    f = _pick(raw, _FROM_NAMES, "from", source)
    t = _pick(raw, _TO_NAMES, "to", source)
    wc = _pick(raw, _W_NAMES, "w", source)
    out = pd.DataFrame({"from": raw[f].astype(str).to_numpy(), "to": raw[t].astype(str).to_numpy(),
                        "w": pd.to_numeric(raw[wc], errors="coerce").to_numpy(dtype=float)})
    if out["w"].isna().any():
        raise SpecError(f"{where}: non-numeric or missing weights in {source}")
    if out.duplicated(["from", "to"]).any():
        raise SpecError(f"{where}: duplicate (from, to) pairs in {source}")
    out = out[out["from"] != out["to"]].reset_index(drop=True)
    return standardize_weights(out) if standardize else out
