"""Spec terms: parse and evaluate regressors written as transforms.

A term in a spec is a plain column name or a small expression:

========================  ============================================================
``x``                     the column ``x``
``log(x)`` / ``ln(x)``    natural logarithm (error if any used value is <= 0)
``exp(x)``, ``sq(x)``     exponential, square
``lag(x, k)``             ``x`` of the same entity ``k`` periods earlier (``k`` >= 1)
``lead(x, k)``            ``x`` of the same entity ``k`` periods later
``diff(x, k)``            ``x - lag(x, k)`` (``k`` defaults to 1)
``x*m``                   product (an interaction; main effects are listed separately)
``W*x``                   spatial lag of ``x`` (needs spatial weights; see :func:`spatial_lag`)
========================  ============================================================

Transforms nest (``lag(log(x), 1)``, ``log(x)*m``). Lags are taken within each entity, by time
value when the time column is an integer (a missing year gives a missing lag, as Stata's ``L.``
operator does), otherwise by position after sorting on time. The evaluated columns are named
exactly as the term is written in the spec.

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame({"id": [1, 1, 1], "t": [2001, 2002, 2003], "x": [1.0, 2.0, 4.0]})
>>> evaluate_terms(df, ["lag(x, 1)", "log(x)"], entity="id", time="t")["lag(x, 1)"].tolist()
[nan, 1.0, 2.0]
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.estimators import SpecError
from analysis.formulas.weights import weights_matrix

__all__ = [
    "Term",
    "parse_term",
    "term_columns",
    "required_columns",
    "evaluate_terms",
    "spatial_lag",
    "is_spatial",
    "SPATIAL_PREFIX",
]

SPATIAL_PREFIX = "W*"
_FUNCS_1 = {"log", "ln", "exp", "sq"}
_FUNCS_K = {"lag", "lead", "diff"}
_TOKEN = re.compile(r"\s*(?:(?P<num>-?\d+)|(?P<name>[A-Za-z_][A-Za-z0-9_.]*)|(?P<op>[()*,]))")


@dataclass(frozen=True)
class Term:
    """A parsed term.

    Attributes
    ----------
    kind : str
        ``"var"``, a function name (``"log"``, ``"lag"``, ...), ``"mul"`` (a product) or
        ``"W"`` (spatial lag).
    name : str
        Column name for ``"var"``; otherwise empty.
    args : tuple of Term
        Operands (one for functions and ``W``, two or more for products).
    k : int
        Lag/lead/difference order for ``lag``, ``lead`` and ``diff``.
    text : str
        The term exactly as written (used to name the evaluated column).
    """

    kind: str
    name: str = ""
    args: tuple[Term, ...] = ()
    k: int = 0
    text: str = ""


class _Parser:
    """Recursive-descent parser for the term grammar.

    ``expr := factor ('*' factor)*``; ``factor := name | func '(' expr [',' int] ')' | '(' expr ')'``.
    A leading factor ``W`` followed by ``*`` makes the rest a spatial lag.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.toks: list[tuple[str, str]] = []
        pos = 0
        s = text.strip()
        while pos < len(s):
            m = _TOKEN.match(s, pos)
            if not m or m.end() == pos:
                raise SpecError(f"term {text!r}: cannot parse near {s[pos:]!r}")
            kind = m.lastgroup or ""
            self.toks.append((kind, m.group(kind).strip()))
            pos = m.end()
            while pos < len(s) and s[pos].isspace():
                pos += 1
        self.i = 0

    def peek(self) -> tuple[str, str] | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self, value: str | None = None) -> tuple[str, str]:
        tok = self.peek()
        if tok is None or (value is not None and tok[1] != value):
            want = f"{value!r}" if value else "more input"
            raise SpecError(f"term {self.text!r}: expected {want}")
        self.i += 1
        return tok

    def parse(self) -> Term:
        # spatial lag prefix: W*<expr>
        if len(self.toks) >= 2 and self.toks[0] == ("name", "W") and self.toks[1] == ("op", "*"):
            self.i = 2
            inner = self.expr()
            self._end()
            return Term("W", args=(inner,), text=self.text.strip())
        out = self.expr()
        self._end()
        return out

    def _end(self) -> None:
        if self.peek() is not None:
            raise SpecError(f"term {self.text!r}: unexpected {self.peek()[1]!r}")  # type: ignore[index]

    def expr(self) -> Term:
        factors = [self.factor()]
        while self.peek() == ("op", "*"):
            self.take("*")
            factors.append(self.factor())
        if len(factors) == 1:
            return factors[0]
        return Term("mul", args=tuple(factors))

    def factor(self) -> Term:
        kind, val = self.take()
        if kind == "op" and val == "(":
            inner = self.expr()
            self.take(")")
            return inner
        if kind != "name":
            raise SpecError(f"term {self.text!r}: unexpected {val!r}")
        if self.peek() == ("op", "("):
            fn = val.lower()
            if fn not in _FUNCS_1 | _FUNCS_K:
                known = ", ".join(sorted(_FUNCS_1 | _FUNCS_K))
                raise SpecError(f"term {self.text!r}: unknown function {val!r} (known: {known})")
            self.take("(")
            arg = self.expr()
            k = 1
            if self.peek() == ("op", ","):
                self.take(",")
                kk, kv = self.take()
                if kk != "num" or fn not in _FUNCS_K:
                    raise SpecError(f"term {self.text!r}: {fn}() takes an integer order after ','")
                k = int(kv)
                if k < 0:
                    raise SpecError(f"term {self.text!r}: order must be >= 0")
            self.take(")")
            return Term("log" if fn == "ln" else fn, args=(arg,), k=k if fn in _FUNCS_K else 0)
        return Term("var", name=val)


def parse_term(text: str) -> Term:
    """Parse a term string into a :class:`Term` tree.

    Parameters
    ----------
    text : str
        The term as written in a spec, e.g. ``"lag(coagglo, 1)"`` or ``"coagglo*mi"``.

    Returns
    -------
    Term
        The root, with ``text`` set to ``text`` stripped of outer whitespace.

    Raises
    ------
    SpecError
        If the term does not parse.
    """
    if not isinstance(text, str) or not text.strip():
        raise SpecError(f"term {text!r}: a term must be a non-empty string")
    root = _Parser(text).parse()
    return Term(root.kind, root.name, root.args, root.k, text.strip())


def is_spatial(text: str) -> bool:
    """True if the term is a spatial lag ``W*<term>``."""
    return parse_term(text).kind == "W"


def term_columns(term: Term | str) -> set[str]:
    """Data columns a term reads."""
    t = parse_term(term) if isinstance(term, str) else term
    if t.kind == "var":
        return {t.name}
    out: set[str] = set()
    for a in t.args:
        out |= term_columns(a)
    return out


def required_columns(terms: Iterable[str]) -> set[str]:
    """Union of the data columns read by ``terms``."""
    out: set[str] = set()
    for t in terms:
        out |= term_columns(t)
    return out


def _check_columns(data: pd.DataFrame, terms: Sequence[str], model_id: str | None) -> None:
    where = f"model {model_id!r}: " if model_id else ""
    for term in terms:
        for col in sorted(term_columns(term)):
            if col not in data.columns:
                close = difflib.get_close_matches(col, [str(c) for c in data.columns], n=3)
                hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
                raise SpecError(f"{where}variable {col!r} in term {term!r} is not in the data{hint}")


def _shift(values: pd.Series, data: pd.DataFrame, entity: str, time: str, k: int) -> pd.Series:
    """Value of ``values`` for the same entity ``k`` periods earlier (negative k: later)."""
    tcol = data[time]
    if pd.api.types.is_integer_dtype(tcol) or (
        pd.api.types.is_float_dtype(tcol) and bool(np.all(np.mod(tcol.dropna(), 1) == 0))
    ):
        key = pd.DataFrame({"e": data[entity].to_numpy(), "t": tcol.to_numpy(), "v": values.to_numpy()})
        if key.duplicated(["e", "t"]).any():
            raise SpecError(f"panel has duplicate ({entity}, {time}) rows; lags are undefined")
        src = key.assign(t=key["t"] + k)
        merged = key[["e", "t"]].merge(src, on=["e", "t"], how="left")
        return pd.Series(merged["v"].to_numpy(), index=data.index)
    order = data.sort_values([entity, time]).index
    shifted = values.loc[order].groupby(data.loc[order, entity]).shift(k)
    return shifted.reindex(data.index)


def _eval(t: Term, data: pd.DataFrame, entity: str | None, time: str | None, full: str,
          weights: pd.DataFrame | None) -> pd.Series:
    if t.kind == "var":
        return pd.to_numeric(data[t.name], errors="coerce").astype(float)
    if t.kind == "mul":
        out = _eval(t.args[0], data, entity, time, full, weights)
        for a in t.args[1:]:
            out = out * _eval(a, data, entity, time, full, weights)
        return out
    x = _eval(t.args[0], data, entity, time, full, weights)
    if t.kind == "log":
        bad = x.notna() & (x <= 0)
        if bad.any():
            raise SpecError(f"term {full!r}: log of {int(bad.sum())} non-positive value(s)")
        return np.log(x)
    if t.kind == "exp":
        return np.exp(x)
    if t.kind == "sq":
        return x * x
    if t.kind in _FUNCS_K:
        if entity is None or time is None:
            raise SpecError(f"term {full!r}: {t.kind}() needs a panel (entity and time)")
        if t.kind == "lag":
            return _shift(x, data, entity, time, t.k)
        if t.kind == "lead":
            return _shift(x, data, entity, time, -t.k)
        return x - _shift(x, data, entity, time, t.k)
    if t.kind == "W":
        if weights is None:
            raise SpecError(f"term {full!r}: a spatial lag needs weights (weights: in the spec)")
        if entity is None or time is None:
            raise SpecError(f"term {full!r}: a spatial lag needs a panel (entity and time)")
        return spatial_lag(x, data, weights, entity=entity, time=time)
    raise SpecError(f"term {full!r}: unsupported operation {t.kind!r}")  # pragma: no cover


def spatial_lag(values: pd.Series, data: pd.DataFrame, weights: pd.DataFrame, *, entity: str,
                time: str) -> pd.Series:
    """Spatial lag ``sum_j w_ij x_jt`` of ``values`` within each period.

    Parameters
    ----------
    values : pandas.Series
        Aligned with ``data``.
    data : pandas.DataFrame
        Panel with ``entity`` and ``time`` columns.
    weights : pandas.DataFrame
        Long weights with columns ``from`` (row i), ``to`` (column j), ``w``.
    entity, time : str
        Panel identifier columns.

    Returns
    -------
    pandas.Series
        Aligned with ``data``; missing where any neighbour's value is missing in that period.
    """
    ent = data[entity].astype(str)
    ids = pd.Index(sorted(set(ent) | set(weights["from"].astype(str)) | set(weights["to"].astype(str))))
    wide = pd.DataFrame({"e": ent.to_numpy(), "t": data[time].to_numpy(), "v": values.to_numpy()})
    if wide.duplicated(["e", "t"]).any():
        raise SpecError(f"panel has duplicate ({entity}, {time}) rows; spatial lags are undefined")
    table = wide.pivot(index="e", columns="t", values="v").reindex(ids)  # NaN where absent
    wmat = weights_matrix(weights, ids)
    vals = table.to_numpy(dtype=float)
    # W x with NaN wherever a neighbour with non-zero weight is missing in that period
    filled = np.nan_to_num(vals, nan=0.0)
    lag = wmat @ filled
    missing = (wmat != 0).astype(float) @ np.isnan(vals).astype(float) > 0
    lag[missing] = np.nan
    lagged = pd.DataFrame(lag, index=ids, columns=table.columns)
    rows = lagged.index.get_indexer(ent.to_numpy())
    cols = lagged.columns.get_indexer(data[time].to_numpy())
    return pd.Series(lag[rows, cols], index=data.index, dtype=float)


def evaluate_terms(data: pd.DataFrame, terms: Sequence[str], *, entity: str | None = None,
                   time: str | None = None, weights: pd.DataFrame | None = None,
                   model_id: str | None = None) -> pd.DataFrame:
    """Evaluate spec terms on a panel.

    Parameters
    ----------
    data : pandas.DataFrame
        The panel (one row per entity-period).
    terms : sequence of str
        Terms as written in the spec.
    entity, time : str, optional
        Panel identifier columns (needed by ``lag``/``lead``/``diff`` and ``W*``).
    weights : pandas.DataFrame, optional
        Long spatial weights ``from, to, w`` for ``W*`` terms.
    model_id : str, optional
        Used in error messages.

    Returns
    -------
    pandas.DataFrame
        One column per term, named exactly as written (duplicates kept once), index of ``data``.

    Raises
    ------
    SpecError
        A variable that is not in the data (with close matches suggested), a log of a non-positive
        value, a malformed term.
    """
    terms = [str(t).strip() for t in terms]
    _check_columns(data, terms, model_id)
    cols: dict[str, pd.Series] = {}
    for term in terms:
        if term in cols:
            continue
        try:
            cols[term] = _eval(parse_term(term), data, entity, time, term, weights)
        except SpecError as exc:
            if model_id and not str(exc).startswith("model "):
                raise SpecError(f"model {model_id!r}: {exc}") from None
            raise
    return pd.DataFrame(cols, index=data.index)
