"""Spatial panel models with fixed effects by maximum likelihood: SAR, SEM and SDM.

Two layers, as elsewhere in :mod:`analysis.estimators`:

- array cores on a balanced panel stored as ``(T, N)`` arrays with an ``N x N`` weights matrix
  (dense or sparse): :mod:`.ml` (fixed-effects ML, :func:`fit_spatial_panel`), :mod:`.random_effects`
  (:func:`fit_spatial_panel_re`, :func:`spatial_hausman`), :mod:`.impacts`
  (:func:`lesage_pace_effects`) and :mod:`.lm` (:func:`lm_tests`, :func:`sdm_restriction_tests`);
- the spec layer :mod:`.registry` (``sar``, ``sem`` and ``sdm``) that evaluates the spec's terms, builds
  W from the spec's weights and returns a :class:`~analysis.estimators.results.ModelResult`.

Method (Elhorst 2014, *Spatial Econometrics*, ch. 3; the same estimator as R splm's
``spml(model = "within", lag = TRUE | spatial.error = "b")``):

- Fixed effects are removed by demeaning: entity (``y_it - ybar_i``), time (``y_it - ybar_t``) or both
  (``y_it - ybar_i - ybar_t + ybar``). As in splm, the spatial lag of the dependent variable is the
  lag of the demeaned y (option ``wy``); regressors, including the ``W*x`` of an SDM, are formed
  first and then demeaned.
- SAR/SDM: the log-likelihood concentrated in ``rho`` is
  ``-NT/2 ln(e(rho)'e(rho)) + T ln|I - rho W|`` with ``e(rho) = e0 - rho e1`` (residuals of ``y`` and
  ``Wy`` on X); it is maximised over ``(1/w_min, 1/w_max)``. SEM is concentrated in ``lambda`` with
  GLS for beta at each lambda.
- ``ln|I - rho W|``: from the eigenvalues of W (``logdet="eigen"``, the default for N <= 1000), or a
  sparse LU factorisation (``logdet="lu"``) for large N.
- Standard errors from the analytic information matrix of (beta, rho, sigma^2) (Elhorst 2014,
  eq. 3.12 for SAR/SDM; the analogue for SEM), ``sigma^2 = e'e / NT``.
- Random effects (SAR/SDM; :func:`fit_spatial_panel_re`, Elhorst's ``sar_panel_RE``) and the spatial
  Hausman test of FE against RE (:func:`spatial_hausman`; ``hausman: true`` in a spec model).
- LeSage-Pace effects of each x: ``S_k = (I - rho W)^-1 (beta_k I + theta_k W)``; direct = mean
  diagonal, total = mean row sum, indirect = total - direct; standard errors from seeded draws of
  (beta, theta, rho) from their estimated asymptotic normal distribution.
"""

from __future__ import annotations

from analysis.estimators.spatial.impacts import lesage_pace_effects
from analysis.estimators.spatial.lm import lm_tests, sdm_restriction_tests
from analysis.estimators.spatial.ml import (
    Effects,
    LogDet,
    LogDeterminant,
    SpatialFit,
    demean,
    fit_spatial_panel,
    spatial_lag_panel,
)
from analysis.estimators.spatial.random_effects import (
    RandomEffectsFit,
    _re_loglik,
    fit_spatial_panel_re,
    spatial_hausman,
)
from analysis.estimators.spatial.registry import spatial_panel_arrays

__all__ = [
    "Effects",
    "LogDet",
    "LogDeterminant",
    "RandomEffectsFit",
    "SpatialFit",
    "_re_loglik",
    "demean",
    "fit_spatial_panel",
    "fit_spatial_panel_re",
    "lesage_pace_effects",
    "lm_tests",
    "sdm_restriction_tests",
    "spatial_hausman",
    "spatial_lag_panel",
    "spatial_panel_arrays",
]
