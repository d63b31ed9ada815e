"""Declared spec keys: a misspelt key in any estimator family is an error naming model, key and suggestion.

The declarations live with the estimators (``@register(name, keys=...)``) and in
``analysis/estimators/keys.py`` (the common keys); ``docs/specs.md`` shows them, generated, and the
last tests here keep the docs and every study spec in step with them.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from analysis.estimators import ESTIMATOR_KEYS, SpecError, _load_all
from analysis.estimators.keys import COMMON_KEYS, accepted_keys, keys_markdown
from analysis.paths import PROJECT_ROOT, SPECS_DIR
from analysis.studies.manifest import spec_files
from analysis.studies.spec import load_spec, parse_spec

DOCS = PROJECT_ROOT / "docs" / "specs.md"


def _spec(model: dict[str, Any], defaults: dict[str, Any] | None = None) -> dict[str, Any]:
    raw: dict[str, Any] = {"title": "t", "data": {"csv": "panel.csv"},
                           "panel": {"entity": "province_code", "time": "year"}, "models": [model]}
    if defaults:
        raw["defaults"] = defaults
    return raw


# one model per estimator family, valid as written; each case adds a misspelt key
BASE: dict[str, dict[str, Any]] = {
    "ols": {"y": "y", "x": ["a"]},
    "fe": {"y": "y", "x": ["a"], "effects": ["entity"]},
    "re": {"y": "y", "x": ["a"], "effects": ["entity"]},
    "fe_iv": {"y": "y", "x": ["a"], "endog": ["b"], "instruments": ["z"], "first_stage": True},
    "mediation": {"treatment": "a", "mediator": "m", "y": "y", "bootstrap": {"reps": 10}},
    "sys_gmm": {"y": "y", "x": ["L.y"], "gmm": [{"vars": ["y"], "lags": [2, 3]}], "steps": 2},
    "diff_gmm": {"y": "y", "x": ["L.y"], "gmm": [{"vars": ["y"], "lags": [2, None]}]},
    "sar": {"y": "y", "x": ["a"], "effects": ["entity", "time"], "impacts": {"draws": 10}},
    "sem": {"y": "y", "x": ["a"], "effects": ["entity"], "lee_yu": True},
    "sdm": {"y": "y", "x": ["a"], "effects": ["entity", "time"], "durbin": "all", "lee_yu": True},
}

# (estimator, misspelt key, value, the key suggested)
TYPOS = [
    ("ols", "covv", {"type": "robust"}, "cov"),
    ("fe", "efects", ["entity"], "effects"),
    ("re", "sampel", "year > 2005", "sample"),
    ("fe_iv", "instrument", ["z"], "instruments"),
    ("fe_iv", "first_stage_di", "fs", "first_stage_id"),
    ("mediation", "mediater", "m", "mediator"),
    ("sys_gmm", "transformaton", "fod", "transformation"),
    ("diff_gmm", "time_effect", True, "time_effects"),
    ("sar", "impact", {"draws": 10}, "impacts"),
    ("sem", "test", False, "tests"),
    ("sdm", "lee_yuu", True, "lee_yu"),
    ("sdm", "durban", "all", "durbin"),
]


@pytest.mark.parametrize(("estimator", "typo", "value", "suggestion"), TYPOS,
                         ids=[f"{e}-{t}" for e, t, _, _ in TYPOS])
def test_misspelt_key_is_an_error_with_the_nearest_key(estimator: str, typo: str, value: Any,
                                                       suggestion: str) -> None:
    model = {"id": f"m_{estimator}", "estimator": estimator, **BASE[estimator]}
    parse_spec(_spec(model))  # valid as written
    with pytest.raises(SpecError) as exc:
        parse_spec(_spec({**model, typo: value}))
    msg = str(exc.value)
    assert f"model 'm_{estimator}'" in msg
    assert f"unknown key {typo!r}" in msg
    assert f"did you mean {suggestion!r}?" in msg


@pytest.mark.parametrize(("estimator", "key", "value", "field", "suggestion"), [
    ("sys_gmm", "gmm", [{"vars": ["y"], "lag": [2, 3]}], "lag", "lags"),
    ("diff_gmm", "iv", [{"vars": ["a"], "equaton": "diff"}], "equaton", "equation"),
    ("mediation", "bootstrap", {"rep": 100}, "rep", "reps"),
    ("sdm", "impacts", {"draw": 100}, "draw", "draws"),
    ("fe", "cov", {"type": "clustered", "bye": "time"}, "bye", "by"),
    ("fe", "weights", {"csv": "w.csv", "standardise": False}, "standardise", "standardize"),
])
def test_misspelt_field_of_a_mapping_key(estimator: str, key: str, value: Any, field: str,
                                         suggestion: str) -> None:
    model = {"id": "m1", "estimator": estimator, **BASE[estimator], key: value}
    with pytest.raises(SpecError, match=rf"model 'm1': unknown key '{field}' in {key}: "
                                        rf"\(did you mean '{suggestion}'\?\)"):
        parse_spec(_spec(model))


def test_key_of_another_estimator_is_rejected() -> None:
    """``durbin`` belongs to sdm: on a sar model it would be silently ignored, so it is an error."""
    model = {"id": "lag", "estimator": "sar", **BASE["sar"], "durbin": "all"}
    with pytest.raises(SpecError, match=r"unknown key 'durbin' for estimator sar; sar accepts: "):
        parse_spec(_spec(model))


def test_typo_in_defaults_says_so_and_load_spec_names_the_file(tmp_path: Path) -> None:
    import yaml

    p = tmp_path / "my_table.yml"
    p.write_text(yaml.safe_dump(_spec({"id": "a", "estimator": "sdm", **BASE["sdm"]},
                                      defaults={"lee_yuu": True})), encoding="utf-8")
    with pytest.raises(SpecError) as exc:
        load_spec(p)
    assert str(exc.value).startswith("spec my_table.yml: model 'a': unknown key 'lee_yuu' (set in defaults:)")
    assert "did you mean 'lee_yu'?" in str(exc.value)


def test_every_declared_key_is_accepted() -> None:
    _load_all()
    assert set(ESTIMATOR_KEYS) >= set(BASE) | {"first_stage"}
    for est in ESTIMATOR_KEYS:
        keys = accepted_keys(est)
        assert keys is not None
        model: dict[str, Any] = {name: "v" for name in keys}
        model.update({"id": "all", "estimator": est, "effects": ["entity"], "cov": {"type": "classic"},
                      "weights": {"csv": "w.csv"}})
        parse_spec(_spec(model))


def test_unknown_estimator_is_left_to_the_runner() -> None:
    """Keys of an unknown estimator are not checked at parse time; the runner names the known ones."""
    spec = parse_spec(_spec({"id": "m", "estimator": "fee", "y": "y", "anything": 1}))
    assert spec.models[0]["estimator"] == "fee"


def test_common_keys_are_declared_once() -> None:
    names = [k.name for k in COMMON_KEYS]
    assert len(names) == len(set(names))
    for est, own in ESTIMATOR_KEYS.items():
        assert not {k.name for k in own} & set(names), est


def test_docs_show_the_declared_keys() -> None:
    text = DOCS.read_text(encoding="utf-8")
    m = re.search(r"<!-- BEGIN generated model keys -->\n(.*)<!-- END generated model keys -->", text, re.S)
    assert m, "docs/specs.md lost its generated block"
    assert m.group(1) == keys_markdown(), (
        "docs/specs.md is out of date with the key declarations; regenerate the block with "
        "keys_markdown() from analysis.estimators.keys")


@pytest.mark.parametrize("path", spec_files(SPECS_DIR), ids=lambda p: p.stem)
def test_every_study_spec_uses_declared_keys_only(path: Path) -> None:
    load_spec(path)


def test_every_key_the_code_reads_is_declared() -> None:
    """Each ``model.get("k")`` / ``model["k"]`` (and the fields read from ``cov``, ``gmm``, ``iv``,
    ``impacts``, ``bootstrap`` entries) in the estimators and the runner names a declared key, so a
    valid spec can never be rejected for a key the code reads."""
    import ast

    receivers = {"model": "key", "m": "key", "cov": "field", "g": "field", "imp": "field", "boot": "field"}
    _load_all()
    declared = {k.name for k in COMMON_KEYS} | {k.name for own in ESTIMATOR_KEYS.values() for k in own}
    fields = {f for k in COMMON_KEYS for f in k.fields} | {
        f for own in ESTIMATOR_KEYS.values() for k in own for f in k.fields}
    files = [*sorted((PROJECT_ROOT / "analysis" / "estimators").rglob("*.py")),
             PROJECT_ROOT / "analysis" / "studies" / "runner.py"]
    read: dict[str, set[str]] = {"key": set(), "field": set()}
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            target = key = None
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get"
                    and isinstance(node.func.value, ast.Name) and node.args):
                target, key = node.func.value.id, node.args[0]
            elif isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
                target, key = node.value.id, node.slice
            if target in receivers and isinstance(key, ast.Constant) and isinstance(key.value, str):
                read[receivers[target]].add(key.value)
    assert {"lee_yu", "durbin", "gmm", "bootstrap", "first_stage_id"} <= read["key"]  # the scan sees them
    assert {"vars", "lags", "draws", "reps", "type"} <= read["field"]
    assert read["key"] - declared == set()
    assert read["field"] - fields == set()


@pytest.mark.parametrize("key, hint", [("titel", "did you mean 'title'?"), ("pannel", "did you mean 'panel'?"),
                                       ("tables", None)])
def test_a_misspelt_spec_level_key_is_an_error_naming_it(key, hint):
    raw = _spec({"id": "m", "estimator": "ols", "y": "y", "x": ["a"]})
    raw[key] = raw.get(key.replace("titel", "title").replace("pannel", "panel"), "x")
    with pytest.raises(SpecError) as exc:
        parse_spec(raw)
    assert f"unknown spec-level key(s) {key!r}" in str(exc.value)
    if hint:
        assert hint in str(exc.value)


def test_spec_level_keys_documented_and_used_by_every_spec_are_allowed():
    from analysis.studies.spec import SPEC_KEYS

    text = DOCS.read_text(encoding="utf-8")
    section = text[text.index("## Spec-level keys"):text.index("## Paper manifests")]
    documented = set(re.findall(r"^\| (.+?) \|", section, flags=re.M)) - {"key", "---"}
    documented = {k.strip("` ") for cell in documented for k in cell.split(",")}
    assert documented == set(SPEC_KEYS)
    for path in spec_files(SPECS_DIR):
        load_spec(path)  # every shipped spec uses only allowed keys
