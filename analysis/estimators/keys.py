"""The spec keys each estimator accepts, declared once, and the check that rejects the others.

Every model of a spec is a mapping of keys. The keys every model may use (``id``, ``estimator``, ``y``,
``x``, ``effects``, ``cov``, ``sample``, ``weights``, ``column``) are :data:`COMMON_KEYS`; each estimator
declares its own in its ``@register(name, keys=...)`` call. :func:`check_model_keys` (run by the spec
reader on every model, after ``defaults:`` are merged) turns a key that no declaration names, such as
``lee_yuu: true``, into a :class:`~analysis.errors.SpecError` that names the model, the key and the
nearest accepted key, instead of silently ignoring it. A key whose value is a mapping (``cov:``,
``bootstrap:``) or a list of mappings (``gmm:``, ``iv:``) also declares the fields it accepts.

:func:`keys_markdown` renders the declarations as the tables of ``docs/specs.md`` (a test keeps the two
equal).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from analysis.errors import SpecError

__all__ = ["Key", "COMMON_KEYS", "accepted_keys", "check_model_keys", "keys_markdown"]


@dataclass(frozen=True)
class Key:
    """One accepted model key.

    Attributes
    ----------
    name : str
        The key as written in the YAML.
    doc : str
        One line for the documentation (Markdown).
    fields : tuple of str
        Accepted keys of the value when it is a mapping, or of each mapping when it is a list of
        mappings (empty: the value is not checked further).
    """

    name: str
    doc: str
    fields: tuple[str, ...] = ()


COMMON_KEYS: tuple[Key, ...] = (
    Key("id", "the model's name: a column of the table and the key of its results (unique in the spec)"),
    Key("estimator", "the registered estimator (this table's first column)"),
    Key("y", "dependent variable (a term: `ami`, `log(pat)`, `L.coagglo`, `W*coagglo`, ...)"),
    Key("x", "regressors: a term or a list of terms"),
    Key("effects", "fixed effects: `[entity]`, `[time]` or `[entity, time]`"),
    Key("cov", "covariance: `{type: classic | robust | clustered, by: entity | time}` (or just the type)",
        ("type", "by")),
    Key("sample", "SQL filter of this model's rows, applied after the spec's `sample:`"),
    Key("weights", "spatial weights for this model (overrides the spec's `weights:`): "
        "`{table: fct_spatial_weights, matrix: <name>}` or `{csv: path}`, optional `standardize: false`",
        ("table", "matrix", "csv", "standardize")),
    Key("column", "column header in the table (default: the id)"),
)


def _by_name(keys: Iterable[Key]) -> dict[str, Key]:
    out: dict[str, Key] = {}
    for k in keys:
        if k.name in out:
            raise RuntimeError(f"spec key {k.name!r} declared twice")
        out[k.name] = k
    return out


def accepted_keys(estimator: str) -> dict[str, Key] | None:
    """The keys ``estimator`` accepts (common and its own), or None for an unknown estimator."""
    from analysis.estimators import ESTIMATOR_KEYS, _load_all

    _load_all()
    own = ESTIMATOR_KEYS.get(estimator)
    if own is None:
        return None
    return _by_name([*COMMON_KEYS, *own])


def _suggest(key: str, valid: Sequence[str]) -> str:
    close = difflib.get_close_matches(key, list(valid), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def check_model_keys(model: Mapping[str, Any], *, where: str, from_defaults: Iterable[str] = ()) -> None:
    """Raise :class:`SpecError` if ``model`` has a key (or a field of a key) its estimator does not accept.

    Parameters
    ----------
    model : mapping
        The model after ``defaults:`` were merged; ``model["estimator"]`` names the estimator. An
        unknown estimator is not checked here (the runner reports it with the known names).
    where : str
        How to name the model in the message (``model 'fe1'``).
    from_defaults : iterable of str
        Keys that came from the spec's ``defaults:`` (the message says so).
    """
    est = str(model.get("estimator"))
    keys = accepted_keys(est)
    if keys is None:
        return
    inherited = set(from_defaults)
    for key in model:
        if key not in keys:
            origin = " (set in defaults:)" if key in inherited else ""
            raise SpecError(
                f"{where}: unknown key {key!r}{origin} for estimator {est}{_suggest(str(key), list(keys))}; "
                f"{est} accepts: {', '.join(sorted(keys))}"
            )
        fields = keys[key].fields
        if not fields:
            continue
        value = model[key]
        items = [value] if isinstance(value, Mapping) else (
            [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else [])
        for item in items:
            for field in item:
                if field not in fields:
                    raise SpecError(
                        f"{where}: unknown key {field!r} in {key}:{_suggest(str(field), fields)}; "
                        f"{key}: accepts {', '.join(fields)}"
                    )


def keys_markdown() -> str:
    """The accepted keys as Markdown: common keys, then each estimator's own (``docs/specs.md``)."""
    from analysis.estimators import ESTIMATOR_KEYS, _load_all

    _load_all()

    def row(k: Key) -> str:
        fields = f" Fields: {', '.join(f'`{f}`' for f in k.fields)}." if k.fields else ""
        doc = k.doc.replace("|", "\\|")  # a pipe inside a table cell
        return f"| `{k.name}` | {doc}.{fields} |"

    lines = ["Keys every model accepts:", "", "| key | meaning |", "|---|---|"]
    lines += [row(k) for k in COMMON_KEYS]
    # estimators with the same declaration share a table (diff_gmm and sys_gmm, ...)
    groups: dict[tuple[Key, ...], list[str]] = {}
    for name in sorted(ESTIMATOR_KEYS):
        groups.setdefault(tuple(ESTIMATOR_KEYS[name]), []).append(name)
    for own, names in sorted(groups.items(), key=lambda kv: kv[1][0]):
        lines += ["", f"{', '.join(f'`{n}`' for n in names)}: "
                  + ("no keys beyond the common ones." if not own else "the common keys and")]
        if own:
            lines += ["", "| key | meaning |", "|---|---|"]
            lines += [row(k) for k in own]
    return "\n".join(lines) + "\n"
