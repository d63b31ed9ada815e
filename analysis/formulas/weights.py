"""Spatial weights: the one Python reference for long weights, weight matrices and row standardisation.

Weights travel in two shapes:

- long, a frame with columns ``from, to, w`` (``from`` is row i, the unit whose spatial lag is formed;
  ``to`` is column j), as ``fct_spatial_weights`` and weights CSVs store them;
- a matrix in a stated order of unit codes, dense (``numpy``) or sparse (``scipy.sparse`` CSR).

:class:`SpatialWeights` holds the matrix with its unit codes and converts between the two
(:meth:`SpatialWeights.from_long`, :meth:`SpatialWeights.to_long`); the functions
:func:`weights_matrix`, :func:`weights_long`, :func:`standardize_weights` (long) and
:func:`row_standardise` (matrix) are the same operations for callers that hold a frame or an array.
The spec runner, the estimators (``W*x`` terms, spatial ML), the report's Moran scatter, the demo
generator and the tests all use these.

Examples
--------
>>> long = pd.DataFrame({"from": ["a", "a", "b"], "to": ["b", "c", "a"], "w": [1.0, 3.0, 2.0]})
>>> weights_matrix(long, ["a", "b", "c"])
array([[0., 1., 3.],
       [2., 0., 0.],
       [0., 0., 0.]])
>>> SpatialWeights.from_long(long, ["a", "b", "c"]).row_standardised().dense()[0].tolist()
[0.0, 0.25, 0.75]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from analysis.errors import SpecError

__all__ = ["SpatialWeights", "row_standardise", "standardize_weights", "weights_long", "weights_matrix"]

FloatArray = npt.NDArray[np.float64]


def standardize_weights(w: pd.DataFrame) -> pd.DataFrame:
    """Row-standardise long weights so every row with neighbours sums to 1 (rows summing to 0 stay 0)."""
    sums = w.groupby("from")["w"].transform("sum")
    out = w.copy()
    out["w"] = np.where(sums != 0, out["w"] / sums.where(sums != 0, 1.0), 0.0)
    return out


def row_standardise(w: npt.ArrayLike) -> FloatArray:
    """Zero the diagonal of a square matrix and divide every row by its sum (rows summing to 0 stay 0).

    Examples
    --------
    >>> row_standardise([[5.0, 1.0, 3.0], [2.0, 0.0, 2.0], [0.0, 0.0, 0.0]]).tolist()
    [[0.0, 0.25, 0.75], [0.5, 0.0, 0.5], [0.0, 0.0, 0.0]]
    """
    m = np.array(w, dtype=float)
    np.fill_diagonal(m, 0.0)
    sums = m.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(sums > 0, m / sums, 0.0)


def _codes(ids: Sequence[object]) -> pd.Index:
    idx = pd.Index([str(i) for i in ids])
    if idx.has_duplicates:
        raise SpecError("weights_matrix: duplicate entity ids")
    return idx


def _positions(weights: pd.DataFrame, idx: pd.Index) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row and column positions and values of the long weights whose two units are both in ``idx``."""
    f = weights["from"].astype(str)
    t = weights["to"].astype(str)
    keep = (f.isin(idx) & t.isin(idx)).to_numpy()
    return (idx.get_indexer(f[keep]), idx.get_indexer(t[keep]),
            weights["w"].to_numpy(dtype=float)[keep])


def weights_matrix(weights: pd.DataFrame, ids: Sequence[object], *,
                   sparse: bool = False) -> FloatArray | sp.csr_matrix:
    """``n x n`` matrix of long weights in the order ``ids`` (pairs with a unit not in ``ids`` dropped).

    Codes are compared as text. Rows are *not* re-standardised: pass weights already standardised (or
    not) as wanted. A (from, to) pair listed twice contributes the sum of its weights.

    Parameters
    ----------
    weights : pandas.DataFrame
        Long weights ``from, to, w``.
    ids : sequence
        Unit codes, the order of rows and columns.
    sparse : bool
        Return a ``scipy.sparse`` CSR matrix instead of a dense array (for thousands of units).
    """
    idx = _codes(ids)
    rows, cols, vals = _positions(weights, idx)
    n = len(idx)
    if sparse:
        return sp.csr_matrix((vals, (rows, cols)), shape=(n, n))
    mat = np.zeros((n, n))
    np.add.at(mat, (rows, cols), vals)
    return mat


def weights_long(matrix: npt.ArrayLike | sp.spmatrix, ids: Sequence[object], *,
                 drop_zeros: bool = False) -> pd.DataFrame:
    """Long weights ``from, to, w`` of a matrix in the order ``ids`` (row-major: every pair, or non-zeros).

    Examples
    --------
    >>> weights_long(np.array([[0.0, 1.0], [0.5, 0.0]]), ["a", "b"], drop_zeros=True)
      from to    w
    0    a  b  1.0
    1    b  a  0.5
    """
    codes = np.array([str(i) for i in ids], dtype=object)
    n = len(codes)
    if sp.issparse(matrix):
        coo = sp.coo_matrix(matrix)
        order = np.lexsort((coo.col, coo.row))
        r, c, v = coo.row[order], coo.col[order], coo.data[order].astype(float)
        if drop_zeros:
            nz = v != 0
            r, c, v = r[nz], c[nz], v[nz]
        return pd.DataFrame({"from": codes[r], "to": codes[c], "w": v})
    m = np.asarray(matrix, dtype=float)
    if m.shape != (n, n):
        raise ValueError(f"weights_long: matrix is {m.shape}, ids give {n} units")
    out = pd.DataFrame({"from": np.repeat(codes, n), "to": np.tile(codes, n), "w": m.ravel()})
    return out[out["w"] != 0].reset_index(drop=True) if drop_zeros else out


@dataclass(frozen=True)
class SpatialWeights:
    """A spatial weights matrix with the unit codes of its rows (and columns).

    Attributes
    ----------
    ids : tuple of str
        Unit codes, the order of rows and columns.
    matrix : numpy.ndarray or scipy.sparse matrix
        ``n x n`` weights, ``matrix[i, j]`` the weight of unit j in unit i's spatial lag.
    """

    ids: tuple[str, ...]
    matrix: FloatArray | sp.csr_matrix

    @classmethod
    def from_long(cls, weights: pd.DataFrame, ids: Sequence[object] | None = None, *,
                  sparse: bool = False) -> SpatialWeights:
        """From long weights; ``ids`` default to every code in ``from`` and ``to``, sorted."""
        if ids is None:
            ids = sorted(set(weights["from"].astype(str)) | set(weights["to"].astype(str)))
        codes = tuple(str(i) for i in ids)
        return cls(ids=codes, matrix=weights_matrix(weights, codes, sparse=sparse))

    @property
    def n(self) -> int:
        """Number of units."""
        return len(self.ids)

    def dense(self) -> FloatArray:
        """The matrix as a dense array."""
        return self.matrix.toarray() if sp.issparse(self.matrix) else np.asarray(self.matrix)

    def sparse(self) -> sp.csr_matrix:
        """The matrix as a CSR sparse matrix."""
        return sp.csr_matrix(self.matrix)

    def row_sums(self) -> FloatArray:
        """Sum of every row."""
        return np.asarray(self.matrix.sum(axis=1)).ravel()

    def row_standardised(self) -> SpatialWeights:
        """Rows scaled to sum to 1 (diagonal zeroed; rows without neighbours stay 0)."""
        if sp.issparse(self.matrix):
            m = sp.csr_matrix(self.matrix, copy=True)
            m.setdiag(0.0)
            m.eliminate_zeros()
            s = np.asarray(m.sum(axis=1)).ravel()
            inv = np.divide(1.0, s, out=np.zeros_like(s), where=s > 0)
            return SpatialWeights(self.ids, sp.csr_matrix(sp.diags(inv) @ m))
        return SpatialWeights(self.ids, row_standardise(self.matrix))

    def to_long(self, *, drop_zeros: bool = True) -> pd.DataFrame:
        """Long weights ``from, to, w`` (by default only the non-zero pairs)."""
        return weights_long(self.matrix, self.ids, drop_zeros=drop_zeros)
