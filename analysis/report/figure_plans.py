"""The report's figures: which marts each reads, how it is drawn, where it is saved.

:func:`figure_plans` lists the figures in page order (:class:`FigurePlan`: id, file name, title, source
and a builder reading the marts); :func:`build_figures` draws them with :mod:`analysis.report.figures`
(plain DataFrames in, matplotlib figures out) and saves PNG and SVG; a figure whose data are missing is
reported as :class:`Missing`, not fatal.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from analysis.report.data import ReportError, need, query
from analysis.report.marts import (
    AMI_DIMENSIONS_SHORT,
    GINI_MART,
    SICHUAN_REGIONS,
    ami_weights_latest,
    sichuan_regions,
)

#: Every figure the report must show (figure ids).
REQUIRED_FIGURES: tuple[str, ...] = (
    "fig-p001-fig2-top10-ami",
    "fig-p001-fig3-coagglo-ami",
    "fig-p003-fig2-spatial-gini",
    "fig-p004-fig1-mfg-lq-regions",
    "fig-p000-table2-sichuan-regions",
    "fig-moran-ami",
    "fig-p001-table2-entropy-weights",
    "fig-map-provinces-ami",
    "fig-map-sichuan-counties",
)


@dataclass(frozen=True)
class ReportFigure:
    """A figure: files written, caption, and the embedded SVG (base64)."""

    id: str
    title: str
    caption: str
    png: Path
    svg: Path
    svg_b64: str


@dataclass(frozen=True)
class Missing:
    """A table or figure that could not be produced, and why (shown in the report)."""

    id: str
    reason: str


@dataclass(frozen=True)
class FigurePlan:
    """How to make one figure: its id, title, the marts it reads and a builder."""

    id: str
    name: str
    title: str
    source: str
    build: Callable[[duckdb.DuckDBPyConnection, Mapping[str, list[str]]], tuple[Any, str]]


def _embed(fig_path: Path) -> str:
    return base64.b64encode(fig_path.read_bytes()).decode("ascii")


def build_figures(
    con: duckdb.DuckDBPyConnection, tables: Mapping[str, list[str]], fig_dir: Path, plans: Sequence[FigurePlan],
    *, synthetic: bool = False,
) -> tuple[list[ReportFigure], list[Missing], dict[str, float]]:
    """Make every planned figure; a figure whose data are missing is reported, not fatal.

    With ``synthetic`` every figure is stamped "SYNTHETIC DEMO DATA" (:func:`analysis.report.figures.mark_synthetic`).
    """
    from analysis.report.figures import FigureDataError, mark_synthetic, save_figure

    figures: list[ReportFigure] = []
    missing: list[Missing] = []
    timings: dict[str, float] = {}
    for plan in plans:
        t0 = time.perf_counter()
        try:
            fig, note = plan.build(con, tables)
        except (ReportError, FigureDataError, duckdb.Error) as exc:
            missing.append(Missing(plan.id, f"{plan.title}: {exc}"))
            continue
        if synthetic:
            mark_synthetic(fig)
        saved = save_figure(fig, fig_dir, plan.name)
        caption = f"Source: {plan.source}." + (f" {note}" if note else "")
        figures.append(ReportFigure(plan.id, plan.title, caption, saved.png, saved.svg, _embed(saved.svg)))
        timings[plan.id] = time.perf_counter() - t0
    return figures, missing, timings


def _province_panel(con: duckdb.DuckDBPyConnection, tables: Mapping[str, list[str]], cols: Sequence[str]) -> pd.DataFrame:
    need(tables, "fct_province_years", ["province_code", "year", *cols])
    sel = ", ".join(["province_code", "year", *(f'"{c}"' for c in cols)])
    return query(con, f"select {sel} from main.fct_province_years order by province_code, year")


def _fig_top10(con: duckdb.DuckDBPyConnection, tables: Mapping[str, list[str]]) -> tuple[Any, str]:
    from analysis.report.figures import fig_top_trends

    d = _province_panel(con, tables, ["name_en", "ami"])
    fig = fig_top_trends(d, entity="province_code", label="name_en", value="ami",
                         ylabel="Advanced mfg. index ami (0–100)")
    return fig, "Provinces ranked by ami in the latest year; the legend lists them in that order."


def _fig_scatter(con: duckdb.DuckDBPyConnection, tables: Mapping[str, list[str]]) -> tuple[Any, str]:
    from analysis.report.figures import fig_scatter_fit, ols_line

    d = _province_panel(con, tables, ["coagglo", "ami"]).dropna(subset=["coagglo", "ami"])
    fig = fig_scatter_fit(d, x="coagglo", y="ami", xlabel="Industrial synergy agglomeration coagglo (index)",
                          ylabel="Advanced mfg. index ami (0–100)")
    line = ols_line(d["coagglo"], d["ami"])
    return fig, (f"Pooled province-years, n = {line.n}; OLS line ami = {line.intercept:.3f} + "
                 f"{line.slope:.3f} × coagglo (R² = {line.r2:.3f}).")


def _fig_gini(con: duckdb.DuckDBPyConnection, tables: Mapping[str, list[str]]) -> tuple[Any, str]:
    from analysis.report.figures import fig_band

    need(tables, GINI_MART, ["level", "industry_code", "year", "locational_gini"])
    d = query(con, f"""
        select year,
               max(locational_gini) filter (where industry_code = 'C') as mfg,
               quantile_cont(locational_gini, 0.25) as q25, quantile_cont(locational_gini, 0.75) as q75,
               count(locational_gini) as n
        from main.{GINI_MART} where level = 'province' group by year order by year""")
    if d.empty or d["mfg"].isna().all():
        raise ReportError(f"mart {GINI_MART} has no province-level locational_gini for sector C")
    fig = fig_band(d, line="mfg", line_label="Manufacturing (section C)", low="q25", high="q75",
                   band_label="Interquartile range over the 19 sections", ylabel="Locational Gini coefficient (0–1)")
    return fig, (f"Mart {GINI_MART}, column locational_gini (Krugman 1991), level = province: the spatial "
                 f"Gini of each GB/T 4754 section's employment across provinces, by year.")


def _fig_lq_regions(con: duckdb.DuckDBPyConnection, tables: Mapping[str, list[str]]) -> tuple[Any, str]:
    from analysis.report.figures import fig_group_lines

    need(tables, "fct_province_years", ["region_p004", "magglo"])
    d = query(con, """
        select region_p004 as region, year, avg(magglo) as lq, count(*) as n
        from main.fct_province_years where region_p004 is not null and magglo is not null
        group by 1, 2 order by 1, 2""")
    order = [r for r in ("East", "Central", "West") if r in set(d["region"])]
    fig = fig_group_lines(d, group="region", value="lq", order=order or None, reference=1.0,
                          reference_label="LQ = 1 (national share)",
                          ylabel="Mfg. LQ, mean of provinces")
    return fig, "Unweighted mean of magglo over the provinces of each region of paper 004 (Tibet excluded)."


def _fig_sichuan(con: duckdb.DuckDBPyConnection, tables: Mapping[str, list[str]]) -> tuple[Any, str]:
    from analysis.report.figures import fig_group_lines

    d = sichuan_regions(con, tables)
    d = d[d["row_code"].isin(SICHUAN_REGIONS)]
    labels = d.drop_duplicates("row_code").set_index("row_code")["row_label_en"]
    order = [str(labels[c]) for c in SICHUAN_REGIONS if c in labels.index]
    fig = fig_group_lines(d, group="row_label_en", value="mfg_lq", order=order, reference=1.0,
                          reference_label="LQ = 1 (Sichuan share)", ylabel="Mfg. location quotient (ratio)")
    return fig, "Column mfg_lq of the five economic regions (paper 000 table 2)."


def _weights(con: duckdb.DuckDBPyConnection, tables: Mapping[str, list[str]], matrix: str, level: str) -> pd.DataFrame:
    """Long weights ``from, to, w`` of one matrix and level of fct_spatial_weights (i = row, j = column)."""
    need(tables, "fct_spatial_weights", ["matrix_name", "level", "i", "j", "w"])
    w = query(con, 'select i as "from", j as "to", w from main.fct_spatial_weights where matrix_name = ? and level = ?',
            [matrix, level])
    if w.empty:
        raise ReportError(f"fct_spatial_weights has no rows for matrix {matrix!r} at level {level!r}")
    return w


def _fig_moran(con: duckdb.DuckDBPyConnection, tables: Mapping[str, list[str]]) -> tuple[Any, str]:
    from analysis.report.figures import fig_moran_scatter, moran_scatter_data

    d = _province_panel(con, tables, ["ami"]).dropna(subset=["ami"])
    year = int(d["year"].max())
    v = d[d["year"] == year].set_index("province_code")["ami"]
    sc = moran_scatter_data(v, _weights(con, tables, "economic_geographic", "province"))
    i_val = float(sc["z"] @ sc["wz"] / (sc["z"] @ sc["z"]))
    fig = fig_moran_scatter(sc, variable=f"ami {year}", year=year, matrix="economic-geographic")
    return fig, (f"ami in {year} across {len(sc)} provinces; W = economic_geographic (province level) of "
                 f"fct_spatial_weights, row-standardised; Moran's I = {i_val:.3f} (slope of the line).")


def _fig_weights(con: duckdb.DuckDBPyConnection, tables: Mapping[str, list[str]]) -> tuple[Any, str]:
    from analysis.report.figures import fig_weights_bar

    d = ami_weights_latest(con, tables)
    d = d.assign(dim_label=d["dimension"].map(AMI_DIMENSIONS_SHORT).fillna(d["dimension"]))
    fig = fig_weights_bar(d, label="indicator_code", group="dim_label", weight="overall_weight")
    return fig, "Overall entropy weights (overall_weight) of the 21 indicators of ami, coloured by dimension."


def _fig_map_provinces(con: duckdb.DuckDBPyConnection, tables: Mapping[str, list[str]]) -> tuple[Any, str]:
    from analysis.report.figures import ISO_3166_2_CN, fig_tile_map, tile_grid_layout

    need(tables, "dim_provinces", ["province_code", "capital_lat", "capital_lon"])
    dim = query(con, "select province_code, capital_lat, capital_lon from main.dim_provinces")
    d = _province_panel(con, tables, ["ami"]).dropna(subset=["ami"])
    year = int(d["year"].max())
    v = d[d["year"] == year].set_index("province_code")["ami"]
    lay = tile_grid_layout(dim, code="province_code", lon="capital_lon", lat="capital_lat")
    labels = pd.Series({c: ISO_3166_2_CN.get(str(c)[:2], str(c)[:2]) for c in dim["province_code"]})
    fig = fig_tile_map(lay, v, labels=labels, colorbar_label=f"Advanced manufacturing index ami, {year} (0–100)")
    return fig, (f"One tile per province, placed by quantising its capital's coordinates (dim_provinces) "
                 f"to a grid; {int(lay['moved'].sum())} tiles moved to the nearest free cell. Labels: ISO 3166-2:CN.")


def _county_values(con: duckdb.DuckDBPyConnection, tables: Mapping[str, list[str]], col: str) -> tuple[pd.DataFrame, str]:
    """``county_code, year, col`` from fct_county_years (contract) or, before the join, fct_gem_in_scores."""
    for table in ("fct_county_years", "fct_gem_in_scores"):
        if col in tables.get(f"main.{table}", []):
            return query(con, f'select county_code, year, "{col}" from main.{table} where "{col}" is not null'), table
    raise ReportError(f"no county mart has a column {col} (fct_county_years, fct_gem_in_scores)")


def _fig_map_counties(con: duckdb.DuckDBPyConnection, tables: Mapping[str, list[str]]) -> tuple[Any, str]:
    from analysis.report.figures import fig_tile_map, tile_grid_layout

    need(tables, "dim_counties", ["county_code", "centroid_lat", "centroid_lon", "seat_lat", "seat_lon"])
    dim = query(con, """select county_code, coalesce(centroid_lat, seat_lat) as lat,
                             coalesce(centroid_lon, seat_lon) as lon from main.dim_counties""")
    d, table = _county_values(con, tables, "gem_in")
    year = int(d["year"].max())
    v = d[d["year"] == year].set_index("county_code")["gem_in"]
    dim = dim[dim["county_code"].isin(set(d["county_code"]))]  # the seed lists every province's counties
    lay = tile_grid_layout(dim.dropna(subset=["lat", "lon"]), code="county_code", lon="lon", lat="lat")
    fig = fig_tile_map(lay, v, colorbar_label=f"GEM-IN cluster score, {year} (10–1000)")
    return fig, (f"gem_in from {table}. One tile per Sichuan county-level unit ({len(lay)}), placed by its "
                 f"centroid (seat where no centroid) quantised to a grid; {int(lay['moved'].sum())} moved to the "
                 f"nearest free cell.")


def figure_plans() -> list[FigurePlan]:
    """The report's figures, in page order."""
    return [
        FigurePlan("fig-p001-fig2-top10-ami", "p001_fig2_top10_ami",
                   "Paper 001, fig. 2: advanced manufacturing index of the top-10 provinces",
                   "mart fct_province_years (ami)", _fig_top10),
        FigurePlan("fig-p001-fig3-coagglo-ami", "p001_fig3_coagglo_ami",
                   "Paper 001, fig. 3: coagglomeration and advanced manufacturing",
                   "mart fct_province_years (coagglo, ami)", _fig_scatter),
        FigurePlan("fig-p003-fig2-spatial-gini", "p003_fig2_spatial_gini",
                   "Paper 003, fig. 2: spatial Gini coefficient of industry by year",
                   f"mart {GINI_MART} (locational_gini, province level)", _fig_gini),
        FigurePlan("fig-p004-fig1-mfg-lq-regions", "p004_fig1_mfg_lq_regions",
                   "Paper 004, fig. 1: manufacturing location quotient by region",
                   "mart fct_province_years (magglo, region_p004)", _fig_lq_regions),
        FigurePlan("fig-p000-table2-sichuan-regions", "p000_table2_sichuan_regions",
                   "Paper 000, table 2 as a chart: manufacturing agglomeration of Sichuan's five regions",
                   "mart fct_sichuan_region_agglomeration", _fig_sichuan),
        FigurePlan("fig-moran-ami", "moran_ami", "Moran scatter of ami (the SDM variable of paper 001 table 11)",
                   "marts fct_province_years (ami) and fct_spatial_weights (economic_geographic)", _fig_moran),
        FigurePlan("fig-p001-table2-entropy-weights", "p001_table2_entropy_weights",
                   "Paper 001, table 2 as a chart: entropy weights of the ami indicators",
                   "mart fct_ami_weights", _fig_weights),
        FigurePlan("fig-map-provinces-ami", "map_provinces_ami", "Tile-grid map of provinces: ami in the latest year",
                   "marts dim_provinces (capital coordinates) and fct_province_years (ami)", _fig_map_provinces),
        FigurePlan("fig-map-sichuan-counties", "map_sichuan_counties_gem_in",
                   "Tile-grid map of Sichuan counties: GEM-IN cluster score in the latest year",
                   "marts dim_counties (coordinates) and fct_county_years (gem_in)", _fig_map_counties),
    ]


