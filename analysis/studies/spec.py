"""Study specs: load and validate YAML specs, read their data, samples and spatial weights.

A spec (DESIGN.md section 6) is one study table; each entry of ``models:`` is one column. This module
is the thin layer between the YAML and the estimators:

- :func:`load_spec` / :func:`parse_spec` validate the YAML into a :class:`Spec`;
- :func:`load_data` reads ``data: {table: ...}`` from a DuckDB warehouse or ``data: {csv: ...}``
  (relative to the spec file), or a CSV given on the command line;
- :func:`apply_sample` evaluates a ``sample:`` filter (an SQL boolean expression) with DuckDB on the
  data frame, in an in-memory connection without file or network access;
- :func:`load_weights` (:mod:`analysis.studies.weights`) reads spatial weights
  ``{table: fct_spatial_weights, matrix: ...}`` or ``{csv: path}`` (columns ``from, to, w``) and
  row-standardises them unless ``standardize: false``; (:mod:`analysis.formulas.weights` turns long
  weights into a dense or sparse matrix.) The file readers are in :mod:`analysis.studies.readers`.

Three spec kinds exist: ``models`` (the default; a list of models), ``descriptives`` (a list of
``variables`` summarised as Obs, Mean, Sd, Min, Max) and ``moran`` (global Moran's I of each of
``variables`` in every period under ``weights``, with normal and ``permutations`` inference seeded
by ``seed``)::

    kind: moran
    variables: [coagglo, ami]
    weights: {table: fct_spatial_weights, matrix: economic_geographic}
    permutations: 999
    seed: 1
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd
import yaml

from analysis.estimators import SpecError
from analysis.estimators.keys import check_model_keys
from analysis.estimators.terms import parse_term, required_columns
from analysis.studies.readers import read_csv_panel, read_parquet_panel, read_table
from analysis.studies.weights import load_weights

__all__ = [
    "Spec",
    "load_spec",
    "parse_spec",
    "load_data",
    "read_csv_panel",
    "read_table",
    "apply_sample",
    "model_data",
    "load_weights",
    "model_terms",
    "check_columns",
]

_FORBIDDEN_SQL = re.compile(
    r";|--|/\*|\b(select|attach|detach|copy|install|load|pragma|create|drop|insert|update|delete|"
    r"alter|export|import|call|set|read_\w+|glob)\b",
    re.IGNORECASE,
)
_TERM_KEYS = ("x", "endog", "instruments", "exog_instruments")
_SINGLE_TERM_KEYS = ("y", "treatment", "mediator", "moderator")
# Spec-level keys (docs/specs.md, "Spec-level keys"); anything else is a typo and fails the spec.
SPEC_KEYS = frozenset({
    "title", "kind", "data", "panel", "sample", "defaults", "weights", "options", "models", "variables",
    "permutations", "seed", "term_order", "labels", "fe_labels", "show_const", "notes", "name",
})
_COV_TYPES = {"classic", "robust", "clustered", "unadjusted", "homoskedastic", "heteroskedastic"}


@dataclass(frozen=True)
class Spec:
    """A validated study spec.

    Attributes
    ----------
    name : str
        The spec's file stem (``p001_table4``); used as the key in results.
    title : str
        The table title.
    kind : str
        ``"models"``, ``"descriptives"`` or ``"moran"``.
    data : mapping
        ``{"table": name}`` or ``{"csv": path}``.
    entity, time : str
        Panel identifier columns.
    models : tuple of mapping
        The models (columns of the table), each with at least ``id`` and ``estimator``.
    variables : tuple of str
        For descriptives and moran specs: the variables (terms) summarised, in row order.
    weights : mapping or None
        For moran specs: the spatial weights (``{table: ..., matrix: ...}`` or ``{csv: ...}``).
    permutations, seed : int
        For moran specs: random permutations of the pseudo p-value (0: none) and their seed.
    labels : mapping
        Optional display labels for terms (``{term: label}``).
    sample : str or None
        A spec-level ``sample:`` filter applied before every model's own filter.
    path : Path or None
        The spec file.
    raw : mapping
        The YAML as read.
    """

    name: str
    title: str
    kind: str
    data: Mapping[str, Any]
    entity: str
    time: str
    models: tuple[Mapping[str, Any], ...] = ()
    variables: tuple[str, ...] = ()
    weights: Mapping[str, Any] | None = None
    permutations: int = 0
    seed: int = 1
    labels: Mapping[str, str] = field(default_factory=dict)
    sample: str | None = None
    path: Path | None = None
    raw: Mapping[str, Any] = field(default_factory=dict)

    @property
    def base_dir(self) -> Path:
        """Folder relative paths in the spec resolve against."""
        return self.path.parent if self.path is not None else Path.cwd()

    def model(self, model_id: str) -> Mapping[str, Any]:
        """The model called ``model_id``."""
        for m in self.models:
            if m["id"] == model_id:
                return m
        raise KeyError(model_id)


# ---------------------------------------------------------------------------------- loading
def load_spec(path: str | Path) -> Spec:
    """Read and validate a YAML spec file.

    Parameters
    ----------
    path : str or Path
        The spec file.

    Returns
    -------
    Spec

    Raises
    ------
    SpecError
        The file is missing, is not valid YAML, or fails validation (the message names the file,
        the model and the problem).
    """
    p = Path(path)
    if not p.is_file():
        raise SpecError(f"spec file {str(p)!r} not found")
    try:
        raw = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise SpecError(f"spec {str(p)!r}: invalid YAML: {exc}") from None
    try:
        return parse_spec(raw, path=p)
    except SpecError as exc:
        raise SpecError(f"spec {p.name}: {exc}") from None


def _as_list(value: Any, what: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, Sequence) and all(isinstance(v, (str, int, float)) for v in value):
        return [str(v) for v in value]
    raise SpecError(f"{what} must be a term or a list of terms, got {value!r}")


def model_terms(model: Mapping[str, Any]) -> list[str]:
    """Every term a model reads (y, x, endog, instruments, treatment, mediator, ...)."""
    out: list[str] = []
    for key in _SINGLE_TERM_KEYS:
        if model.get(key) is not None:
            out.append(str(model[key]))
    for key in _TERM_KEYS:
        out.extend(_as_list(model.get(key), key))
    return out


def _validate_model(m: Any, i: int, defaults: Mapping[str, Any]) -> dict[str, Any]:
    if not isinstance(m, Mapping):
        raise SpecError(f"models[{i}] must be a mapping, got {type(m).__name__}")
    model = {**defaults, **dict(m)}
    mid = model.get("id")
    if mid is None or not str(mid).strip():
        raise SpecError(f"models[{i}] has no id")
    model["id"] = mid = str(mid)
    where = f"model {mid!r}"
    est = model.get("estimator")
    if not isinstance(est, str) or not est:
        raise SpecError(f"{where}: no estimator given")
    check_model_keys(model, where=where, from_defaults=set(defaults) - set(m))
    if est != "mediation" and model.get("y") is None:
        raise SpecError(f"{where}: no dependent variable (y:) given")
    for key in _TERM_KEYS:
        if key in model:
            model[key] = _as_list(model[key], f"{where}: {key}")
    for term in model_terms(model):
        try:
            parse_term(term)
        except SpecError as exc:
            raise SpecError(f"{where}: {exc}") from None
    effects = model.get("effects", [])
    effects = _as_list(effects, f"{where}: effects") if effects else []
    bad = [e for e in effects if e not in ("entity", "time")]
    if bad:
        raise SpecError(f"{where}: effects must be entity and/or time, got {bad}")
    model["effects"] = effects
    cov = model.get("cov", {"type": "classic"})
    if isinstance(cov, str):
        cov = {"type": cov}
    if not isinstance(cov, Mapping) or str(cov.get("type", "classic")) not in _COV_TYPES:
        raise SpecError(f"{where}: cov must be {{type: classic | robust | clustered, by: ...}}, got {cov!r}")
    cov = dict(cov)
    cov.setdefault("type", "classic")
    if cov["type"] == "clustered":
        cov.setdefault("by", "entity")
    model["cov"] = cov
    if model.get("sample") is not None and not isinstance(model["sample"], str):
        raise SpecError(f"{where}: sample must be a filter string")
    return model


def parse_spec(raw: Any, *, path: Path | None = None) -> Spec:
    """Validate a spec mapping (as read from YAML) into a :class:`Spec`.

    Parameters
    ----------
    raw : mapping
        The YAML document.
    path : Path, optional
        Where it came from (names the spec and anchors relative CSV paths).

    Returns
    -------
    Spec
    """
    if not isinstance(raw, Mapping):
        raise SpecError("a spec must be a YAML mapping with title, data, panel and models")
    unknown = sorted(str(k) for k in raw if k not in SPEC_KEYS)
    if unknown:
        import difflib

        hints = [f"{k!r} (did you mean {close[0]!r}?)" if (close := difflib.get_close_matches(k, sorted(SPEC_KEYS), n=1,
                 cutoff=0.6)) else repr(k) for k in unknown]
        raise SpecError(f"unknown spec-level key(s) {', '.join(hints)}; allowed: {', '.join(sorted(SPEC_KEYS))} "
                        "(docs/specs.md)")
    name = path.stem if path is not None else str(raw.get("name", "spec"))
    data = raw.get("data")
    if not isinstance(data, Mapping) or not ({"table", "csv", "parquet"} & set(data)):
        raise SpecError("data: must be {table: <mart>}, {csv: <path>} or {parquet: <path>}")
    panel = raw.get("panel") or {}
    entity, time = panel.get("entity"), panel.get("time")
    if not entity or not time:
        raise SpecError("panel: must give entity and time columns, e.g. {entity: province_code, time: year}")
    kind = str(raw.get("kind", "models"))
    sample = raw.get("sample")
    if sample is not None and not isinstance(sample, str):
        raise SpecError("sample: must be a filter string")
    labels = raw.get("labels") or {}
    if kind == "descriptives":
        variables = _as_list(raw.get("variables"), "variables")
        if not variables:
            raise SpecError("a descriptives spec needs variables:")
        for v in variables:
            parse_term(v)
        return Spec(name=name, title=str(raw.get("title", name)), kind=kind, data=dict(data),
                    entity=str(entity), time=str(time), variables=tuple(variables),
                    labels=MappingProxyType(dict(labels)), sample=sample, path=path, raw=raw)
    if kind == "moran":
        return _parse_moran(raw, name=name, data=data, entity=str(entity), time=str(time),
                            labels=labels, sample=sample, path=path)
    if kind != "models":
        raise SpecError(f"kind: must be models, descriptives or moran, got {kind!r}")
    models_raw = raw.get("models")
    if not isinstance(models_raw, list) or not models_raw:
        raise SpecError("models: must be a non-empty list")
    defaults = raw.get("defaults") or {}
    if not isinstance(defaults, Mapping):
        raise SpecError("defaults: must be a mapping of model keys")
    models = [_validate_model(m, i, defaults) for i, m in enumerate(models_raw)]
    ids = [m["id"] for m in models]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise SpecError(f"duplicate model ids {dup}")
    return Spec(name=name, title=str(raw.get("title", name)), kind=kind, data=dict(data),
                entity=str(entity), time=str(time),
                models=tuple(MappingProxyType(m) for m in models),
                labels=MappingProxyType(dict(labels)), sample=sample, path=path, raw=raw)


def _non_negative_int(raw: Mapping[str, Any], key: str, default: int) -> int:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise SpecError(f"{key}: must be a non-negative integer, got {value!r}")
    return int(value)


def _parse_moran(raw: Mapping[str, Any], *, name: str, data: Mapping[str, Any], entity: str, time: str,
                 labels: Mapping[str, str], sample: str | None, path: Path | None) -> Spec:
    """A ``kind: moran`` spec: variables, weights, permutations (default 999), seed (default 1)."""
    variables = _as_list(raw.get("variables"), "variables")
    if not variables:
        raise SpecError("a moran spec needs variables:")
    for v in variables:
        parse_term(v)
    weights = raw.get("weights")
    if not isinstance(weights, Mapping) or not ({"table", "csv"} & set(weights)):
        raise SpecError("a moran spec needs weights: {table: fct_spatial_weights, matrix: <name>} or {csv: <path>}")
    return Spec(name=name, title=str(raw.get("title", name)), kind="moran", data=dict(data),
                entity=entity, time=time, variables=tuple(variables), weights=MappingProxyType(dict(weights)),
                permutations=_non_negative_int(raw, "permutations", 999), seed=_non_negative_int(raw, "seed", 1),
                labels=MappingProxyType(dict(labels)), sample=sample, path=path, raw=raw)


# ---------------------------------------------------------------------------------- data


def load_data(spec: Spec, *, data: str | Path | None = None,
              warehouse: str | Path | None = None) -> pd.DataFrame:
    """The spec's panel: ``data`` (a CSV path) if given, else the spec's ``data:``.

    Parameters
    ----------
    spec : Spec
    data : str or Path, optional
        A CSV that overrides the spec's ``data:`` (``agglo estimate --data``).
    warehouse : str or Path, optional
        The DuckDB file for ``data: {table: ...}``, or a Parquet export directory.

    Returns
    -------
    pandas.DataFrame
        With the entity column as text and the spec-level ``sample:`` applied.
    """
    if data is not None:
        df = read_csv_panel(data, string_columns=[spec.entity])
    elif "csv" in spec.data:
        p = Path(str(spec.data["csv"]))
        df = read_csv_panel(p if p.is_absolute() else spec.base_dir / p, string_columns=[spec.entity])
    elif "parquet" in spec.data:
        p = Path(str(spec.data["parquet"]))
        df = read_parquet_panel(p if p.is_absolute() else spec.base_dir / p)
    else:
        if warehouse is None:
            from analysis.paths import DEFAULT_WAREHOUSE

            warehouse = DEFAULT_WAREHOUSE
        df = read_table(warehouse, str(spec.data["table"]))
    for col in (spec.entity, spec.time):
        if col not in df.columns:
            raise SpecError(f"spec {spec.name}: panel column {col!r} is not in the data")
    df[spec.entity] = df[spec.entity].astype(str)
    if spec.sample:
        df = apply_sample(df, spec.sample, where=f"spec {spec.name}")
    return df


def apply_sample(data: pd.DataFrame, expr: str, *, where: str = "sample") -> pd.DataFrame:
    """Rows of ``data`` for which the SQL boolean expression ``expr`` is true.

    The expression is evaluated by DuckDB on the data frame (registered as ``panel``) in an in-memory
    connection with external access disabled; only an expression is accepted (no statements,
    sub-queries or table functions).

    Examples
    --------
    >>> df = pd.DataFrame({"year": [2015, 2016], "region": ["East", "West"]})
    >>> apply_sample(df, "year >= 2016 and region in ('West')")["year"].tolist()
    [2016]
    """
    import duckdb

    if not isinstance(expr, str) or not expr.strip():
        raise SpecError(f"{where}: sample filter must be a non-empty string")
    if _FORBIDDEN_SQL.search(expr):
        raise SpecError(f"{where}: sample filter {expr!r} must be a plain boolean expression")
    con = duckdb.connect(":memory:", config={"enable_external_access": False})
    try:
        frame = data.reset_index(drop=True).assign(__row__=np.arange(len(data)))
        con.register("panel", frame)
        rows = con.execute(f"select __row__ from panel where ({expr})").fetchnumpy()["__row__"]
    except duckdb.Error as exc:
        msg = str(exc).splitlines()[0]
        raise SpecError(f"{where}: sample filter {expr!r} failed: {msg}") from None
    finally:
        con.close()
    out = data.iloc[np.sort(np.asarray(rows, dtype=int))]
    if out.empty:
        raise SpecError(f"{where}: sample filter {expr!r} selects no rows")
    return out


def model_data(spec: Spec, model: Mapping[str, Any], data: pd.DataFrame) -> pd.DataFrame:
    """The data a model sees: ``data`` after the model's own ``sample:`` (if any)."""
    expr = model.get("sample")
    if not expr:
        return data
    return apply_sample(data, str(expr), where=f"model {model['id']!r}")


def check_columns(spec: Spec, model: Mapping[str, Any], data: pd.DataFrame) -> None:
    """Fail with a message naming the model if a term reads a column that is not in the data."""
    import difflib

    for col in sorted(required_columns(model_terms(model))):
        if col not in data.columns:
            close = difflib.get_close_matches(col, [str(c) for c in data.columns], n=3)
            hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
            raise SpecError(f"spec {spec.name}, model {model['id']!r}: variable {col!r} is not in the data{hint}")
