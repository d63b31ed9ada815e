"""Publication figures of the report (matplotlib, Agg backend, print style).

Every ``fig_*`` function takes plain DataFrames (read from the marts by :mod:`analysis.report.writer`) and
returns a :class:`matplotlib.figure.Figure`; :func:`save_figure` writes it as PNG (200 dpi) and SVG.
The functions do no database work, so they can be tested on small hand-made frames.

Style: sized for a single journal column (3.5 in wide), 8 pt text, axes labelled with units, the
Okabe-Ito colour-blind-safe palette for categories (combined with line styles and markers when a
figure has more series than colours) and ``cividis`` (perceptually uniform, colour-blind safe) for
maps.

The tile-grid maps (:func:`tile_grid_layout`, :func:`fig_tile_map`) stand in for choropleths: no
administrative boundary data with a clear licence is available offline, so each province or county is
one square placed by quantising its capital (seat, centroid) coordinates onto a grid.
"""

from __future__ import annotations

import functools
import io
import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import ParamSpec, TypeVar

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib import cm, colors, patches, ticker  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from analysis.estimators.moran import moran_i as _moran_i  # noqa: E402
from analysis.formulas.weights import row_standardise, weights_matrix  # noqa: E402

P = ParamSpec("P")
R = TypeVar("R")

#: Okabe & Ito (2008) colour-blind-safe palette (black last; yellow kept for fills only).
OKABE_ITO: tuple[str, ...] = (
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#009E73",  # bluish green
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#000000",  # black
    "#F0E442",  # yellow
)
#: Line colours: the palette without yellow (too light for thin lines on white).
LINE_COLOURS: tuple[str, ...] = OKABE_ITO[:7]
LINE_STYLES: tuple[str, ...] = ("-", "--", "-.", ":")
MARKERS: tuple[str, ...] = ("o", "s", "^", "D", "v", "P", "X")
SEQUENTIAL_CMAP = "cividis"

SINGLE_COLUMN_IN = 3.5
LEGEND_ROW_IN = 0.16  # height of one legend row at the legend font size
PNG_DPI = 200

#: ISO 3166-2:CN subdivision letters, keyed by the first two digits of the GB/T 2260 code. Used
#: only as short tile labels on the province tile map (the marts carry the full names).
ISO_3166_2_CN: dict[str, str] = {
    "11": "BJ", "12": "TJ", "13": "HE", "14": "SX", "15": "NM", "21": "LN", "22": "JL", "23": "HL",
    "31": "SH", "32": "JS", "33": "ZJ", "34": "AH", "35": "FJ", "36": "JX", "37": "SD", "41": "HA",
    "42": "HB", "43": "HN", "44": "GD", "45": "GX", "46": "HI", "50": "CQ", "51": "SC", "52": "GZ",
    "53": "YN", "54": "XZ", "61": "SN", "62": "GS", "63": "QH", "64": "NX", "65": "XJ",
}

PRINT_STYLE: dict[str, object] = {
    "font.size": 8,
    "axes.titlesize": 8,
    "axes.labelsize": 8,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "legend.fontsize": 6.5,
    "legend.frameon": False,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.linewidth": 0.6,
    "lines.linewidth": 1.2,
    "lines.markersize": 3,
    "xtick.major.width": 0.6,
    "ytick.major.width": 0.6,
    "axes.prop_cycle": matplotlib.cycler(color=list(LINE_COLOURS)),
    "figure.dpi": 100,
    "savefig.dpi": PNG_DPI,
    "savefig.bbox": None,  # constrained layout already fits labels and legends; "tight" costs a second draw
    "savefig.pad_inches": 0.03,
    "svg.fonttype": "path",
    "svg.hashsalt": "agglo",  # deterministic ids in the SVG files
    "font.family": "DejaVu Sans",
}


class FigureDataError(ValueError):
    """The data handed to a figure function cannot make that figure (message says why)."""


@contextmanager
def print_style() -> Iterator[None]:
    """Context in which figures are created with the print style (:data:`PRINT_STYLE`)."""
    with matplotlib.rc_context(PRINT_STYLE):
        yield


def styled(func: Callable[P, R]) -> Callable[P, R]:
    """Decorator: run a figure function inside :func:`print_style`.

    rc values are read when each artist is created, so the whole function body runs in the context.
    """

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with print_style():
            return func(*args, **kwargs)

    return wrapper


def _require(df: pd.DataFrame, columns: Sequence[str], what: str) -> pd.DataFrame:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise FigureDataError(f"{what}: missing column(s) {missing}; have {list(df.columns)}")
    out = df.dropna(subset=list(columns))
    if out.empty:
        raise FigureDataError(f"{what}: no rows with non-missing {list(columns)}")
    return out


def _new_figure(height_in: float, width_in: float = SINGLE_COLUMN_IN) -> tuple[Figure, Axes]:
    with print_style():
        fig = Figure(figsize=(width_in, height_in), layout="constrained")
        ax = fig.add_subplot()
    return fig, ax


def series_style(i: int) -> dict[str, object]:
    """Colour, line style and marker of the ``i``-th series (distinct for the first 28 series).

    Colours cycle fastest; the line style changes every 7 series, so two series never share both.
    """
    return {
        "color": LINE_COLOURS[i % len(LINE_COLOURS)],
        "linestyle": LINE_STYLES[(i // len(LINE_COLOURS)) % len(LINE_STYLES)],
        "marker": MARKERS[i % len(MARKERS)],
    }


def _legend_columns(labels: Sequence[str], *, max_cols: int = 2, width_chars: int = 44) -> int:
    """Legend columns that fit a single-column figure.

    As many as ``max_cols`` while columns x (longest label + marker) stay within about
    ``width_chars`` characters.
    """
    longest = max((len(str(t)) for t in labels), default=1) + 6
    return max(1, min(max_cols, width_chars // longest))


SYNTHETIC_LABEL = "SYNTHETIC DEMO DATA — not findings about China"


def mark_synthetic(fig: Figure) -> Figure:
    """Stamp the figure as made from synthetic demo data (a figure-level title the layout keeps clear).

    Every figure drawn from the demo data carries this line, so a PNG or SVG taken out of the report
    still says what it is.
    """
    with print_style():
        fig.suptitle(SYNTHETIC_LABEL, fontsize=6.5, fontweight="bold", color=OKABE_ITO[4])
    return fig


# ---------------------------------------------------------------------------------------- saving
@dataclass(frozen=True)
class SavedFigure:
    """Where a figure was written."""

    name: str
    png: Path
    svg: Path


def save_figure(fig: Figure, out_dir: Path, name: str) -> SavedFigure:
    """Write ``fig`` to ``out_dir/name.png`` (200 dpi) and ``out_dir/name.svg``.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure.
    out_dir : Path
        Directory (created if needed), normally ``reports/figures``.
    name : str
        File stem.

    Returns
    -------
    SavedFigure
        The two paths.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    png, svg = out_dir / f"{name}.png", out_dir / f"{name}.svg"
    with print_style():
        fig.savefig(png, dpi=PNG_DPI, metadata={"Software": None})
        fig.savefig(svg, metadata={"Date": None, "Creator": None})
    return SavedFigure(name=name, png=png, svg=svg)


def figure_svg_bytes(fig: Figure) -> bytes:
    """The figure as SVG bytes (for embedding without touching the disk)."""
    buf = io.BytesIO()
    with print_style():
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    return buf.getvalue()


# ---------------------------------------------------------------------------------------- helpers
def top_n_latest(
    df: pd.DataFrame, *, entity: str, time: str, value: str, n: int = 10
) -> list[str]:
    """Entities ranked by ``value`` in the latest ``time`` with data (ties: entity ascending).

    Parameters
    ----------
    df : pandas.DataFrame
        Long panel with columns ``entity``, ``time``, ``value``.
    entity, time, value : str
        Column names.
    n : int
        How many to return.

    Returns
    -------
    list of str
        The top ``n`` entities, best first.
    """
    d = _require(df, [entity, time, value], "top_n_latest")
    latest = d[d[time] == d[time].max()]
    ranked = latest.sort_values([value, entity], ascending=[False, True], kind="mergesort")
    return [str(e) for e in ranked[entity].head(n)]


@dataclass(frozen=True)
class OLSLine:
    """Intercept, slope, R^2 and n of a simple least-squares line y = a + b x."""

    intercept: float
    slope: float
    r2: float
    n: int


def ols_line(x: Sequence[float] | np.ndarray, y: Sequence[float] | np.ndarray) -> OLSLine:
    """Least-squares line of ``y`` on ``x`` (pairs with a missing value dropped).

    Examples
    --------
    >>> ols_line([0, 1, 2], [1, 3, 5]).slope
    2.0
    """
    xa, ya = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    ok = np.isfinite(xa) & np.isfinite(ya)
    xa, ya = xa[ok], ya[ok]
    if xa.size < 2 or np.ptp(xa) == 0:
        raise FigureDataError(f"ols_line: need two or more distinct x values, got {xa.size} points")
    xc, yc = xa - xa.mean(), ya - ya.mean()
    slope = float(xc @ yc / (xc @ xc))
    intercept = float(ya.mean() - slope * xa.mean())
    ss_tot = float(yc @ yc)
    resid = ya - intercept - slope * xa
    r2 = 1.0 - float(resid @ resid) / ss_tot if ss_tot > 0 else float("nan")
    return OLSLine(intercept=intercept, slope=slope, r2=r2, n=int(xa.size))


def _unit_weights(values: pd.Series, weights: pd.DataFrame, *,
                  standardize_rows: bool) -> tuple[pd.Index, np.ndarray, np.ndarray]:
    """Units with a value (sorted), their values and W among them (self-pairs dropped)."""
    w = _require(weights, ["from", "to", "w"], "moran_scatter_data weights")
    v = values.dropna().astype(float)
    units = pd.Index(sorted(v.index.astype(str)))
    v.index = v.index.astype(str)
    w = w.assign(**{"from": w["from"].astype(str), "to": w["to"].astype(str)})
    mat = weights_matrix(w[w["from"] != w["to"]], units)
    if standardize_rows:
        rs = mat.sum(axis=1, keepdims=True)
        if np.any(rs == 0):
            bad = list(units[(rs == 0).ravel()])
            raise FigureDataError(f"moran_scatter_data: units without neighbours in W: {bad}")
        mat = row_standardise(mat)
    x = v.reindex(units).to_numpy()
    if x.std() == 0:
        raise FigureDataError("moran_scatter_data: the variable is constant across units")
    return units, x, mat


def moran_scatter_data(
    values: pd.Series, weights: pd.DataFrame, *, standardize_rows: bool = True
) -> pd.DataFrame:
    """Standardised values z and their spatial lag Wz for a Moran scatter plot.

    Parameters
    ----------
    values : pandas.Series
        One value per unit, indexed by the unit code.
    weights : pandas.DataFrame
        Long weights with columns ``from`` (row i), ``to`` (column j) and ``w``; units absent from
        ``values`` are dropped, rows are re-standardised to sum to one when ``standardize_rows``.
    standardize_rows : bool
        Row-standardise W (the default, as the marts store it).

    Returns
    -------
    pandas.DataFrame
        Index: unit; columns ``z`` = (x - mean)/sd (population sd) and ``wz`` = sum_j w_ij z_j.
        With row-standardised W, the slope of ``wz`` on ``z`` is Moran's I = z'Wz / z'z.
    """
    units, x, mat = _unit_weights(values, weights, standardize_rows=standardize_rows)
    z = (x - x.mean()) / x.std()
    return pd.DataFrame({"z": z, "wz": mat @ z}, index=units)


def moran_i(values: pd.Series, weights: pd.DataFrame) -> float:
    """Global Moran's I with row-standardised W (:func:`analysis.estimators.moran.moran_i`, ``n/S0`` = 1)."""
    _, x, mat = _unit_weights(values, weights, standardize_rows=True)
    return _moran_i(x, mat).I


# ---------------------------------------------------------------------------------------- figures
@styled
def fig_top_trends(
    df: pd.DataFrame,
    *,
    entity: str,
    label: str,
    time: str = "year",
    value: str,
    ylabel: str,
    n: int = 10,
    title: str | None = None,
) -> Figure:
    """Trend lines of the top ``n`` entities (ranked in the latest year), paper 001 fig. 2.

    The legend lists the entities in the order of their latest-year ranking.
    """
    d = _require(df, [entity, label, time, value], "fig_top_trends")
    top = top_n_latest(d, entity=entity, time=time, value=value, n=n)
    names = d.drop_duplicates(entity).set_index(d.drop_duplicates(entity)[entity].astype(str))[label]
    labels = [f"{i + 1}. {names[code]}" for i, code in enumerate(top)]
    ncols = _legend_columns(labels)
    fig, ax = _new_figure(2.9 + LEGEND_ROW_IN * math.ceil(len(labels) / ncols))
    for i, (code, lab) in enumerate(zip(top, labels, strict=True)):
        s = d[d[entity].astype(str) == code].sort_values(time)
        ax.plot(s[time], s[value], label=lab, markevery=2, **series_style(i))
    ax.set_xlabel("Year")
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    fig.legend(ncols=ncols, loc="outside lower center", title=f"Ranking in {int(d[time].max())}")
    ax.xaxis.get_major_locator().set_params(integer=True)
    return fig


@styled
def fig_scatter_fit(
    df: pd.DataFrame, *, x: str, y: str, xlabel: str, ylabel: str, title: str | None = None
) -> Figure:
    """Scatter of ``y`` on ``x`` with the least-squares line and n (paper 001 fig. 3)."""
    d = _require(df, [x, y], "fig_scatter_fit")
    line = ols_line(d[x], d[y])
    fig, ax = _new_figure(2.6)
    ax.scatter(d[x], d[y], s=6, alpha=0.55, color=OKABE_ITO[3], edgecolors="none", label="province-year")
    xs = np.linspace(float(d[x].min()), float(d[x].max()), 50)
    ax.plot(xs, line.intercept + line.slope * xs, color=OKABE_ITO[4], lw=1.4,
            label=f"OLS fit: y = {line.intercept:.2f} {'-' if line.slope < 0 else '+'} {abs(line.slope):.2f} x")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.text(0.99, 0.02, f"n = {line.n}", transform=ax.transAxes, ha="right", va="bottom")
    if title:
        ax.set_title(title)
    ax.legend(loc="upper left")
    return fig


@styled
def fig_group_lines(
    df: pd.DataFrame,
    *,
    group: str,
    time: str = "year",
    value: str,
    ylabel: str,
    order: Sequence[str] | None = None,
    reference: float | None = None,
    reference_label: str | None = None,
    title: str | None = None,
) -> Figure:
    """One line per group over time (LQ by region, Sichuan regions, Gini by year...).

    Parameters
    ----------
    df : pandas.DataFrame
        Long frame with ``group``, ``time``, ``value``.
    group, time, value : str
        Column names.
    ylabel : str
        Y-axis label, with units.
    order : sequence of str, optional
        Legend order of the groups (default: sorted).
    reference : float, optional
        A horizontal reference line (e.g. LQ = 1).
    reference_label : str, optional
        Its legend label.
    title : str, optional
        Axes title.
    """
    d = _require(df, [group, time, value], "fig_group_lines")
    groups = list(order) if order is not None else sorted(d[group].astype(str).unique())
    fig, ax = _new_figure(3.0 if len(groups) + (reference is not None) > 3 else 2.6)
    for i, g in enumerate(groups):
        s = d[d[group].astype(str) == g].sort_values(time)
        if s.empty:
            continue
        ax.plot(s[time], s[value], label=g, **series_style(i))
    if reference is not None:
        ax.axhline(reference, color="#777777", lw=0.7, ls=":", label=reference_label)
    ax.set_xlabel("Year")
    ax.set_ylabel(ylabel)
    ax.xaxis.get_major_locator().set_params(integer=True)
    if title:
        ax.set_title(title)
    if len(groups) + (reference is not None) > 3:
        labels = [h.get_label() for h in ax.get_lines()]
        fig.legend(ncols=_legend_columns(labels), loc="outside lower center")
    else:
        ax.legend(loc="best")
    return fig


@styled
def fig_band(
    df: pd.DataFrame,
    *,
    time: str = "year",
    line: str,
    line_label: str,
    low: str | None = None,
    high: str | None = None,
    band_label: str | None = None,
    ylabel: str,
    title: str | None = None,
) -> Figure:
    """A line over time with an optional shaded band (paper 003 fig. 2: Gini by year)."""
    cols = [time, line] + [c for c in (low, high) if c]
    d = _require(df, cols, "fig_band").sort_values(time)
    fig, ax = _new_figure(2.4)
    if low and high:
        ax.fill_between(d[time], d[low], d[high], color=OKABE_ITO[1], alpha=0.35, lw=0, label=band_label)
    ax.plot(d[time], d[line], color=OKABE_ITO[3], marker="o", label=line_label)
    ax.set_xlabel("Year")
    ax.set_ylabel(ylabel)
    ax.xaxis.get_major_locator().set_params(integer=True)
    if title:
        ax.set_title(title)
    ax.legend(loc="best")
    return fig


@styled
def fig_moran_scatter(
    scatter: pd.DataFrame, *, variable: str, year: int | None = None, matrix: str = ""
) -> Figure:
    """Moran scatter plot: z against its spatial lag Wz with the slope (= Moran's I).

    ``scatter`` is the output of :func:`moran_scatter_data`.
    """
    d = _require(scatter, ["z", "wz"], "fig_moran_scatter")
    i_val = float(d["z"] @ d["wz"] / (d["z"] @ d["z"]))
    fig, ax = _new_figure(3.0)
    ax.axhline(0, color="#999999", lw=0.5)
    ax.axvline(0, color="#999999", lw=0.5)
    ax.scatter(d["z"], d["wz"], s=10, color=OKABE_ITO[3], edgecolors="none")
    xs = np.linspace(float(d["z"].min()), float(d["z"].max()), 20)
    # least-squares line of Wz on z: z has mean 0, so its slope is z'Wz / z'z = Moran's I
    ax.plot(xs, float(d["wz"].mean()) + i_val * xs, color=OKABE_ITO[4], lw=1.2,
            label=f"least-squares line, slope = Moran's I = {i_val:.3f}")
    ax.set_xlabel(f"{variable}, standardised (z, sd units)")
    ax.set_ylabel("Spatial lag W·z (sd units)")
    title = f"n = {len(d)}" + (f", {year}" if year is not None else "") + (f"; W = {matrix}" if matrix else "")
    fig.legend(loc="outside lower center", title=title)
    for lab, xq, yq in (("HH", 0.98, 0.98), ("LH", 0.02, 0.98), ("LL", 0.02, 0.02), ("HL", 0.98, 0.02)):
        ax.text(xq, yq, lab, transform=ax.transAxes, ha="right" if xq > 0.5 else "left",
                va="top" if yq > 0.5 else "bottom", color="#666666", fontsize=6.5)
    return fig


@styled
def fig_weights_bar(
    df: pd.DataFrame, *, label: str, group: str, weight: str, xlabel: str = "Entropy weight (share, sums to 1)"
) -> Figure:
    """Horizontal bars of indicator weights, coloured by dimension (paper 001 table 2)."""
    d = _require(df, [label, group, weight], "fig_weights_bar")
    groups = list(dict.fromkeys(d[group].astype(str)))
    colours = {g: OKABE_ITO[i % len(OKABE_ITO)] for i, g in enumerate(groups)}
    fig, ax = _new_figure(0.6 + 0.14 * len(d))
    ys = np.arange(len(d))[::-1]
    ax.barh(ys, d[weight], color=[colours[str(g)] for g in d[group]], height=0.75)
    ax.set_yticks(ys, [str(v) for v in d[label]], fontsize=6)
    ax.set_xlabel(xlabel)
    handles = [patches.Patch(color=colours[g], label=g) for g in groups]
    fig.legend(handles=handles, loc="outside lower center", ncols=_legend_columns(groups, max_cols=3),
               title="Dimension")
    return fig


# ---------------------------------------------------------------------------------------- tile maps
def tile_grid_layout(
    df: pd.DataFrame,
    *,
    code: str,
    lon: str,
    lat: str,
    cell_deg: float | None = None,
    fill: float = 2.0,
) -> pd.DataFrame:
    """Place each unit on one square of a grid by quantising its coordinates.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per unit with a code and coordinates (degrees).
    code, lon, lat : str
        Column names.
    cell_deg : float, optional
        Side of a grid cell in degrees. Default: chosen so the bounding box holds about ``fill``
        cells per unit, ``sqrt(width * height / (fill * n))``.
    fill : float
        Cells per unit for the default cell size.

    Returns
    -------
    pandas.DataFrame
        Columns ``code`` (str), ``row`` (0 = north), ``col`` (0 = west), ``moved`` (True when the
        unit did not get its own quantised cell), in code order.

    Notes
    -----
    Units are placed in ascending code order. Each takes the cell ``(round((lat_max - lat)/cell),
    round((lon - lon_min)/cell))``; if another unit already holds it, it takes the free cell whose
    centre is nearest (Euclidean, in cell units) to its exact position, ties broken by row then
    column. The result depends only on the set of units, never on the input row order.
    """
    d = _require(df, [code, lon, lat], "tile_grid_layout")
    d = d.assign(_code=d[code].astype(str)).sort_values("_code", kind="mergesort")
    if d["_code"].duplicated().any():
        raise FigureDataError(f"tile_grid_layout: duplicate codes {sorted(d.loc[d['_code'].duplicated(), '_code'])}")
    x = d[lon].to_numpy(float)
    y = d[lat].to_numpy(float)
    if cell_deg is None:
        area = max(np.ptp(x), 1e-9) * max(np.ptp(y), 1e-9)
        cell_deg = math.sqrt(area / (fill * len(d)))
    if not cell_deg > 0:
        raise FigureDataError(f"tile_grid_layout: cell size must be positive, got {cell_deg}")
    fx = (x - x.min()) / cell_deg
    fy = (y.max() - y) / cell_deg
    taken: set[tuple[int, int]] = set()
    rows, cols, moved = [], [], []
    for px, py in zip(fx, fy, strict=True):
        cell = (int(round(py)), int(round(px)))
        was_moved = cell in taken
        if was_moved:
            cell = _nearest_free(py, px, taken)
        taken.add(cell)
        rows.append(cell[0])
        cols.append(cell[1])
        moved.append(was_moved)
    out = pd.DataFrame({"code": d["_code"].to_numpy(), "row": rows, "col": cols, "moved": moved})
    out["row"] -= out["row"].min()
    out["col"] -= out["col"].min()
    return out.reset_index(drop=True)


def _nearest_free(py: float, px: float, taken: set[tuple[int, int]]) -> tuple[int, int]:
    """The free cell nearest to (py, px): Euclidean distance, then row, then column."""
    r0, c0 = int(round(py)), int(round(px))
    radius = 1
    while True:
        cands = [
            (math.hypot(r - py, c - px), r, c)
            for r in range(r0 - radius, r0 + radius + 1)
            for c in range(c0 - radius, c0 + radius + 1)
            if (r, c) not in taken
        ]
        if cands:
            best = min(cands)
            # A cell outside this ring could still be nearer than a corner cell: accept only when
            # the best distance is within the radius, which every outer cell exceeds.
            if best[0] <= radius:
                return best[1], best[2]
        radius += 1


@styled
def fig_tile_map(
    layout: pd.DataFrame,
    values: pd.Series,
    *,
    labels: pd.Series | None = None,
    colorbar_label: str,
    title: str | None = None,
    width_in: float = SINGLE_COLUMN_IN,
) -> Figure:
    """Tile-grid map: one square per unit at its layout cell, coloured by ``values``.

    Parameters
    ----------
    layout : pandas.DataFrame
        Output of :func:`tile_grid_layout` (``code``, ``row``, ``col``).
    values : pandas.Series
        Value per unit code; units without a value are drawn hatched grey.
    labels : pandas.Series, optional
        Short text per unit code drawn on its tile.
    colorbar_label : str
        Label of the colour bar, with units.
    title : str, optional
        Axes title.
    width_in : float
        Figure width in inches.
    """
    lay = _require(layout, ["code", "row", "col"], "fig_tile_map")
    vals = values.copy()
    vals.index = vals.index.astype(str)
    v = lay["code"].map(vals).astype(float)
    finite = v[np.isfinite(v)]
    if finite.empty:
        raise FigureDataError("fig_tile_map: no unit of the layout has a value")
    nrow, ncol = int(lay["row"].max()) + 1, int(lay["col"].max()) + 1
    fig, ax = _new_figure(width_in * nrow / ncol + 0.5, width_in)
    norm = colors.Normalize(vmin=float(finite.min()), vmax=float(finite.max()))
    cmap = matplotlib.colormaps[SEQUENTIAL_CMAP]
    for (_, t), val in zip(lay.iterrows(), v, strict=True):
        ok = bool(np.isfinite(val))
        colour = cmap(norm(val)) if ok else "#dddddd"
        ax.add_patch(patches.Rectangle(
            (t["col"], -t["row"]), 0.94, 0.94, facecolor=colour, edgecolor="white", lw=0.3,
            hatch=None if ok else "///"))
        if labels is not None and t["code"] in labels.index:
            lum = 0.0 if not ok else float(np.dot(colors.to_rgb(colour), [0.299, 0.587, 0.114]))
            ax.text(t["col"] + 0.47, -t["row"] + 0.47, str(labels[t["code"]]), ha="center", va="center",
                    fontsize=5.5, color="white" if lum < 0.5 else "black")
    ax.set_xlim(-0.1, ncol + 0.05)
    ax.set_ylim(-nrow + 0.9, 1.0)
    ax.set_aspect("equal")
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    sm = cm.ScalarMappable(norm=norm, cmap=cmap)
    cb = fig.colorbar(sm, ax=ax, orientation="horizontal", fraction=0.05, pad=0.02, label=colorbar_label)
    cb.ax.xaxis.set_major_locator(ticker.MaxNLocator(nbins=5))
    return fig
