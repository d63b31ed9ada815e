"""Index tables read straight from their marts (no model behind them).

- :func:`ami_weights_table`: paper 001 table 2, the entropy weights of the advanced-manufacturing
  indicators (``fct_ami_weights``);
- :func:`sichuan_regions_table`: paper 000 table 2, the manufacturing LQ of Sichuan's five regions
  (``fct_sichuan_region_agglomeration``).

:data:`MART_TABLES` maps the mart a paper manifest names (``mart:``) to its builder. Numbers carry
their provenance (the mart row and column) like the study tables.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import duckdb
import pandas as pd

from analysis.report.data import need, query
from analysis.report.sections import ReportTable, key
from analysis.report.table import BLANK, Row, number, text

GINI_MART = "fct_industry_concentration"
SICHUAN_MART = "fct_sichuan_region_agglomeration"
SICHUAN_REGIONS = ("chengdu_plain", "south", "northeast", "panxi", "northwest")
SICHUAN_SUMMARY_ROWS = ("county_mean", "county_sd")


def sichuan_regions(con: duckdb.DuckDBPyConnection, tables: Mapping[str, list[str]]) -> pd.DataFrame:
    """The rows of fct_sichuan_region_agglomeration: row code and label, year, mfg_lq."""
    need(tables, SICHUAN_MART, ["row_code", "row_label_en", "year", "mfg_lq"])
    return query(con, f"select row_code, row_label_en, year, mfg_lq from main.{SICHUAN_MART} order by row_code, year")


AMI_DIMENSIONS = {"amt": "Technology (amt)", "amm": "Management (amm)", "amw": "Workforce (amw)",
                  "gam": "Green (gam)", "ame": "Efficiency (ame)"}
AMI_DIMENSIONS_SHORT = {"amt": "Technology", "amm": "Management", "amw": "Workforce", "gam": "Green",
                        "ame": "Efficiency"}


def ami_weights_latest(con: duckdb.DuckDBPyConnection, tables: Mapping[str, list[str]]) -> pd.DataFrame:
    """The pooled weights (weight_year null) or, with per-year normalisation, the latest year's."""
    need(tables, "fct_ami_weights", ["weight_year", "indicator_code", "dimension", "direction",
                                      "overall_weight", "within_dimension_weight"])
    d = query(con, """select * from main.fct_ami_weights
                    where weight_year is not distinct from (
                        select case when count(*) filter (where weight_year is null) > 0 then null
                                    else max(weight_year) end from main.fct_ami_weights)""")
    rank = {k: i for i, k in enumerate(AMI_DIMENSIONS)}
    return d.assign(_r=d["dimension"].map(rank).fillna(len(rank))).sort_values(
        ["_r", "indicator_code"], kind="mergesort").drop(columns="_r").reset_index(drop=True)


def ami_weights_table(con: duckdb.DuckDBPyConnection, tables: Mapping[str, list[str]]) -> ReportTable:
    """Paper 001 table 2: entropy weights of the advanced-manufacturing indicators (fct_ami_weights)."""
    d = ami_weights_latest(con, tables)
    name = "indicator_name_en" if "indicator_name_en" in d.columns else None
    rows = []
    for r in d.to_dict("records"):
        where = {"weight_year": r["weight_year"], "indicator_code": r["indicator_code"]}
        label = f"{r[name]} ({r['indicator_code']})" if name else str(r["indicator_code"])
        sign = {1: "+", -1: "−"}.get(int(r["direction"]), str(r["direction"])) if not pd.isna(r["direction"]) else ""
        cells = (
            text(AMI_DIMENSIONS.get(str(r["dimension"]), str(r["dimension"]))),
            text(sign),
            number(r["overall_weight"], key=key("main.fct_ami_weights", where, "overall_weight")),
            number(r["within_dimension_weight"], key=key("main.fct_ami_weights", where, "within_dimension_weight")),
        )
        rows.append(Row(label, cells, "value"))
    wy = d["weight_year"].dropna()
    basis = "pooled over all years" if wy.empty else f"normalised within {int(wy.iloc[0])}"
    return ReportTable(
        id="p001_table2", paper="001", title="Evaluation indicator system for advanced manufacturing: entropy weights",
        columns=("Dimension", "Direction", "Overall weight", "Within-dimension weight"), rows=tuple(rows),
        source="mart fct_ami_weights", stub_header="Indicator",
        notes=(f"Entropy weights (paper 001 eq. 11-17), {basis}: overall weights sum to 1 over all indicators, "
               "within-dimension weights sum to 1 within each dimension.",),
    )


def sichuan_regions_table(con: duckdb.DuckDBPyConnection, tables: Mapping[str, list[str]]) -> ReportTable:
    """Paper 000 table 2: manufacturing LQ of Sichuan's five regions by year, with county mean and SD."""
    d = sichuan_regions(con, tables)
    years = sorted(int(y) for y in d["year"].unique())
    codes = list(dict.fromkeys(d["row_code"]))
    order = [c for c in (*SICHUAN_REGIONS, *SICHUAN_SUMMARY_ROWS) if c in codes]
    order += [c for c in codes if c not in order]
    by = {(r["row_code"], int(r["year"])): r for r in d.to_dict("records")}
    labels = d.drop_duplicates("row_code").set_index("row_code")["row_label_en"]
    rows = []
    for code in order:
        cells = tuple(
            number(by[(code, y)]["mfg_lq"], key=key(f"main.{SICHUAN_MART}", {"row_code": code, "year": y}, "mfg_lq"))
            if (code, y) in by else BLANK
            for y in years
        )
        rows.append(Row(str(labels[code]), cells, "stat" if code in SICHUAN_SUMMARY_ROWS else "value"))
    return ReportTable(
        id="p000_table2", paper="000",
        title="Agglomeration degree of the manufacturing industry in Sichuan's five major regions",
        columns=tuple(str(y) for y in years), rows=tuple(rows), source=f"mart {SICHUAN_MART}",
        stub_header="Region",
        notes=("Manufacturing location quotient (mfg_lq) of each region; mean and standard deviation of the "
               "county LQs.",),
    )


#: The mart a manifest's ``mart:`` names -> the builder of its table.
MART_TABLES: dict[str, Callable[[duckdb.DuckDBPyConnection, Mapping[str, list[str]]], ReportTable]] = {
    "fct_ami_weights": ami_weights_table,
    SICHUAN_MART: sichuan_regions_table,
}
