"""Difference and system GMM for dynamic panels (Arellano-Bond / Blundell-Bond), xtabond2 conventions.

Two layers:

- an array core, :func:`dpd_gmm` in :mod:`.core`, that takes the panel as rectangular ``(N, T)`` arrays
  (entities x the full grid of periods, NaN where missing) and returns a :class:`GmmFit`;
- the spec layer, :mod:`.registry`, registering ``diff_gmm`` and ``sys_gmm``, which builds those arrays
  from a spec model (keys follow xtabond2's meaning, DESIGN.md section 6) and returns a
  :class:`~analysis.estimators.results.ModelResult`.

Conventions (Roodman 2009, "How to do xtabond2", Stata Journal 9(1)):

- Rows: for every entity the transformed ("difference") equation for each period and, in system GMM,
  the levels equation for each period. A first-differenced row ``t`` needs complete data at ``t`` and
  ``t-1``. A forward-orthogonal-deviation row built from period ``t`` (and the later periods) is stored
  in period ``t+1``, so that lag limits mean the same thing as with first differences.
- GMM-style instruments ``gmm(z, lag(a b))``: in the difference equation ``z_{t-a} ... z_{t-b}``, one
  column per period and lag (or one per lag with ``collapse``); missing values become 0. In the levels
  equation the single lag ``D.z_{t-a+1}``. Columns that are zero for every row are dropped.
- IV-style instruments ``iv(x, eq(...))``: one column per variable holding the transformed values
  (the levels with ``passthru``) in the difference rows and the levels in the levels rows, as the
  equation option asks; a row with a missing IV-style instrument leaves the sample. Collinear
  IV-style columns are dropped.
- System GMM adds a constant (1 in levels rows, 0 in difference rows), also used as an instrument in
  the levels equation.
- One-step weighting ``(sum_i Z_i' H Z_i)^-1`` with xtabond2's default ``h(3)``: ``H = [[K K', K],
  [K', I]]`` where ``K`` is the differencing operator (``I`` for orthogonal deviations).
- Robust one-step and two-step variance; the two-step variance with Windmeijer's (2005) correction.
- Hansen J from the two-step criterion; Sargan from the one-step (homoskedastic) criterion; Arellano-
  Bond AR(j) tests on the first-differenced residuals.
"""

from analysis.estimators.gmm.core import (
    Equation,
    GmmFit,
    GmmStyle,
    IvStyle,
    Transformation,
    _fd,
    _fod,
    dpd_gmm,
)
from analysis.estimators.gmm.registry import TIME_DUMMIES

__all__ = ["TIME_DUMMIES", "Equation", "GmmFit", "GmmStyle", "IvStyle", "Transformation", "_fd", "_fod",
           "dpd_gmm"]
