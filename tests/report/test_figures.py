"""Figure helpers and figure functions of analysis/report/figures.py, on small hand-made frames."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import matplotlib.colors as mcolors
import numpy as np
import pandas as pd
import pytest
from PIL import Image

from analysis.report import figures as F

# ------------------------------------------------------------------------------------ OLS line


def test_ols_line_hand_worked():
    # x = 0..3, y = 1, 2, 2, 4: xbar = 1.5, ybar = 2.25
    # Sxy = (-1.5)(-1.25) + (-0.5)(-0.25) + (0.5)(-0.25) + (1.5)(1.75) = 4.5; Sxx = 5
    # slope = 0.9, intercept = 2.25 - 0.9 * 1.5 = 0.9
    # residuals 0.1, 0.2, -0.7, 0.4 -> SSR = 0.7; SST = 4.75 -> R^2 = 1 - 0.7 / 4.75
    line = F.ols_line([0, 1, 2, 3], [1, 2, 2, 4])
    assert line.slope == pytest.approx(0.9, abs=1e-12)
    assert line.intercept == pytest.approx(0.9, abs=1e-12)
    assert line.r2 == pytest.approx(1 - 0.7 / 4.75, abs=1e-12)
    assert line.n == 4


def test_ols_line_drops_missing_and_rejects_constant_x():
    line = F.ols_line([0, 1, np.nan, 2], [1, 3, 100, 5])
    assert (line.slope, line.intercept, line.n) == pytest.approx((2.0, 1.0, 3))
    with pytest.raises(F.FigureDataError, match="distinct x"):
        F.ols_line([1, 1, 1], [1, 2, 3])


# ------------------------------------------------------------------------------------ Moran


def _line_weights() -> pd.DataFrame:
    # A - B - C on a line, contiguity: A:{B}, B:{A, C}, C:{B} (unstandardised 1s)
    return pd.DataFrame(
        {"from": ["A", "B", "B", "C"], "to": ["B", "A", "C", "B"], "w": [1.0, 1.0, 1.0, 1.0]}
    )


def test_moran_i_hand_worked():
    # x = 1, 2, 6 -> deviations d = -2, -1, 3 (I does not depend on the scale of z)
    # row-standardised W d: A = d_B = -1; B = (d_A + d_C)/2 = 0.5; C = d_B = -1
    # d'Wd = (-2)(-1) + (-1)(0.5) + (3)(-1) = -1.5; d'd = 14 -> I = -1.5/14
    x = pd.Series({"A": 1.0, "B": 2.0, "C": 6.0})
    assert F.moran_i(x, _line_weights()) == pytest.approx(-1.5 / 14, abs=1e-12)
    sc = F.moran_scatter_data(x, _line_weights())
    sd = np.std([1.0, 2.0, 6.0])
    assert sc.loc["B", "wz"] == pytest.approx(0.5 / sd, abs=1e-12)


def test_moran_i_matches_esda_on_random_weights():
    esda = pytest.importorskip("esda")
    libpysal = pytest.importorskip("libpysal")
    rng = np.random.default_rng(7)
    n = 12
    codes = [f"u{i:02d}" for i in range(n)]
    dense = rng.uniform(0.1, 1.0, size=(n, n)) * (rng.uniform(size=(n, n)) < 0.5)
    np.fill_diagonal(dense, 0.0)
    for i in range(n):  # every unit gets a neighbour
        dense[i, (i + 1) % n] = max(dense[i, (i + 1) % n], 0.3)
    long = pd.DataFrame(
        [(codes[i], codes[j], dense[i, j]) for i in range(n) for j in range(n) if dense[i, j] > 0],
        columns=["from", "to", "w"],
    )
    x = pd.Series(rng.normal(size=n), index=codes)
    neighbors = {codes[i]: [codes[j] for j in range(n) if dense[i, j] > 0] for i in range(n)}
    weights = {codes[i]: [dense[i, j] for j in range(n) if dense[i, j] > 0] for i in range(n)}
    w = libpysal.weights.W(neighbors, weights, id_order=codes)
    w.transform = "r"
    ref = esda.Moran(x.loc[codes].to_numpy(), w, permutations=0).I
    assert F.moran_i(x, long) == pytest.approx(ref, abs=1e-12)


def test_moran_scatter_rejects_isolated_unit():
    x = pd.Series({"A": 1.0, "B": 2.0, "C": 6.0, "D": 3.0})
    with pytest.raises(F.FigureDataError, match="without neighbours.*D"):
        F.moran_scatter_data(x, _line_weights())


# ------------------------------------------------------------------------------------ ranking


def test_top_n_latest_ranks_latest_year_with_ties_by_code():
    df = pd.DataFrame(
        {
            "code": ["a", "b", "c", "a", "b", "c"],
            "year": [2020, 2020, 2020, 2021, 2021, 2021],
            "v": [9.0, 1.0, 5.0, 2.0, 7.0, 7.0],
        }
    )
    # 2021: b = 7, c = 7 (tie -> code order b, c), a = 2
    assert F.top_n_latest(df, entity="code", time="year", value="v", n=2) == ["b", "c"]
    assert F.top_n_latest(df, entity="code", time="year", value="v", n=10) == ["b", "c", "a"]


# ------------------------------------------------------------------------------------ tile grid


def test_tile_grid_layout_hand_worked_collision():
    # cell = 1 degree. lat_max = 2, lon_min = 0; fy = 2 - lat, fx = lon.
    # A (0, 0): (fy, fx) = (2, 0) -> cell (2, 0)
    # B (0.2, 0.1): (1.9, 0.2) -> rounds to (2, 0), taken; free neighbours by distance to (1.9, 0.2):
    #   (2, 1): hypot(0.1, 0.8) = 0.806; (1, 0): hypot(0.9, 0.2) = 0.922; others > 1.1 -> (2, 1)
    # C (2, 2): (0, 2) -> cell (0, 2)
    df = pd.DataFrame({"code": ["C", "A", "B"], "lon": [2.0, 0.0, 0.2], "lat": [2.0, 0.0, 0.1]})
    lay = F.tile_grid_layout(df, code="code", lon="lon", lat="lat", cell_deg=1.0).set_index("code")
    assert lay.loc["A", ["row", "col"]].tolist() == [2, 0]
    assert lay.loc["B", ["row", "col"]].tolist() == [2, 1]
    assert lay.loc["C", ["row", "col"]].tolist() == [0, 2]
    assert lay["moved"].to_dict() == {"A": False, "B": True, "C": False}


def _sichuan_reference() -> pd.DataFrame:
    from analysis.paths import SHARED_DIR

    path = SHARED_DIR / "reference" / "sichuan_counties_merged.csv"
    if not path.exists():
        pytest.skip(f"reference file {path} not available")
    return pd.read_csv(path, dtype={"county_code": str})


def test_tile_grid_layout_unique_cells_and_order_independent():
    ref = _sichuan_reference()
    ref = ref.dropna(subset=["centroid_lon_wgs84", "centroid_lat_wgs84"])
    kw = {"code": "county_code", "lon": "centroid_lon_wgs84", "lat": "centroid_lat_wgs84"}
    lay = F.tile_grid_layout(ref, **kw)
    assert len(lay) == len(ref)
    assert not lay.duplicated(["row", "col"]).any()
    shuffled = F.tile_grid_layout(ref.sample(frac=1.0, random_state=3), **kw)
    pd.testing.assert_frame_equal(lay, shuffled)
    # units that kept their own cell sit exactly at their quantised coordinates
    cell = np.sqrt(np.ptp(ref[kw["lon"]]) * np.ptp(ref[kw["lat"]]) / (2.0 * len(ref)))
    m = ref.set_index("county_code").loc[lay["code"]]
    qr = np.round((m[kw["lat"]].max() - m[kw["lat"]]) / cell).to_numpy()
    qc = np.round((m[kw["lon"]] - m[kw["lon"]].min()) / cell).to_numpy()
    keep = ~lay["moved"].to_numpy()
    assert keep.sum() > 0
    # layout rows/cols are shifted so the minimum is 0; the shift is common to all units
    assert len(set(qr[keep] - lay["row"].to_numpy()[keep])) == 1
    assert len(set(qc[keep] - lay["col"].to_numpy()[keep])) == 1


def test_tile_grid_layout_rejects_duplicates():
    df = pd.DataFrame({"code": ["A", "A"], "lon": [0.0, 1.0], "lat": [0.0, 1.0]})
    with pytest.raises(F.FigureDataError, match="duplicate codes"):
        F.tile_grid_layout(df, code="code", lon="lon", lat="lat")


# ------------------------------------------------------------------------------------ figures


def _panel() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    rows = []
    for k in range(12):
        for year in range(2015, 2022):
            rows.append({"code": f"{k:02d}", "name": f"P{k:02d}", "year": year,
                         "v": 10 + k + 0.1 * (year - 2015) + rng.normal(0, 0.05), "x": rng.normal()})
    return pd.DataFrame(rows)


def _is_palette_colour(c: object) -> bool:
    return mcolors.to_hex(c).upper() in {h.upper() for h in F.OKABE_ITO}


def test_fig_top_trends_legend_in_latest_ranking_and_palette():
    df = _panel()
    fig = F.fig_top_trends(df, entity="code", label="name", value="v", ylabel="Index (0-100)")
    ax = fig.axes[0]
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    # v grows with k, so the ranking in 2021 is P11, P10, ..., P02
    assert labels == [f"{i + 1}. P{11 - i:02d}" for i in range(10)]
    assert ax.get_xlabel() == "Year" and ax.get_ylabel() == "Index (0-100)"
    assert all(_is_palette_colour(line.get_color()) for line in ax.get_lines())
    styles = {(mcolors.to_hex(ln.get_color()), ln.get_linestyle()) for ln in ax.get_lines()}
    assert len(styles) == 10  # no two series look the same


def test_fig_scatter_fit_draws_ols_line_and_n():
    df = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0], "y": [1.0, 2.0, 2.0, 4.0]})
    fig = F.fig_scatter_fit(df, x="x", y="y", xlabel="x (index)", ylabel="y (index)")
    ax = fig.axes[0]
    (fit,) = ax.get_lines()
    xs, ys = fit.get_data()
    assert np.allclose(ys, 0.9 + 0.9 * np.asarray(xs))  # the hand-worked line above
    assert "n = 4" in [t.get_text() for t in ax.texts]


def test_fig_group_lines_order_and_reference():
    df = pd.DataFrame({"g": ["b", "a", "b", "a"], "year": [1, 1, 2, 2], "v": [1.0, 2.0, 3.0, 4.0]})
    fig = F.fig_group_lines(df, group="g", value="v", ylabel="LQ (ratio)", order=["b", "a"],
                            reference=1.0, reference_label="LQ = 1")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["b", "a", "LQ = 1"]
    assert ax.get_lines()[0].get_ydata().tolist() == [1.0, 3.0]


def test_fig_moran_scatter_slope_is_moran_i():
    x = pd.Series({"A": 1.0, "B": 2.0, "C": 6.0})
    sc = F.moran_scatter_data(x, _line_weights())
    fig = F.fig_moran_scatter(sc, variable="ami")
    ax = fig.axes[0]
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels == [f"least-squares line, slope = Moran's I = {-1.5 / 14:.3f}"]
    # the line is the OLS fit of Wz on z (hand-worked slope -1.5/14 above)
    line = F.ols_line(sc["z"], sc["wz"])
    assert line.slope == pytest.approx(-1.5 / 14, abs=1e-12)
    (fit,) = [ln for ln in ax.get_lines() if ln.get_label().startswith("least-squares")]
    xs, ys = fit.get_data()
    assert np.allclose(ys, line.intercept + line.slope * np.asarray(xs))


def test_fig_tile_map_colours_follow_values_and_missing_is_grey():
    lay = pd.DataFrame({"code": ["a", "b", "c"], "row": [0, 0, 1], "col": [0, 1, 0]})
    fig = F.fig_tile_map(lay, pd.Series({"a": 0.0, "b": 10.0}), colorbar_label="v (units)")
    patches = fig.axes[0].patches
    cmap = __import__("matplotlib").colormaps[F.SEQUENTIAL_CMAP]
    assert np.allclose(patches[0].get_facecolor(), cmap(0.0))
    assert np.allclose(patches[1].get_facecolor(), cmap(1.0))
    assert mcolors.to_hex(patches[2].get_facecolor()) == "#dddddd"


def test_save_figure_png_200dpi_and_valid_svg(tmp_path):
    df = pd.DataFrame({"x": [0.0, 1.0, 2.0], "y": [1.0, 3.0, 5.0]})
    saved = F.save_figure(F.fig_scatter_fit(df, x="x", y="y", xlabel="x", ylabel="y"), tmp_path, "s")
    with Image.open(saved.png) as im:
        assert im.info["dpi"] == pytest.approx((200, 200), abs=0.5)
        # single-column width: 3.5 in at 200 dpi = 700 px before the tight bounding box trims
        assert 500 <= im.size[0] <= 760
    root = ET.parse(saved.svg).getroot()
    assert root.tag.endswith("svg")
    assert "http://" not in saved.svg.read_text().replace("http://www.w3.org", "").replace(
        "http://purl.org", "").replace("http://creativecommons.org", "")


def test_figure_functions_name_the_missing_column():
    with pytest.raises(F.FigureDataError, match=r"fig_scatter_fit: missing column\(s\) \['y'\]"):
        F.fig_scatter_fit(pd.DataFrame({"x": [1.0]}), x="x", y="y", xlabel="x", ylabel="y")


# ------------------------------------------------------------------------------------ print layout


def assert_nothing_clipped(fig) -> None:
    """Everything drawn lies inside the canvas: the tight bounding box of all drawn artists (what
    ``bbox_inches="tight"`` would crop to) does not reach beyond the figure (no label cut off)."""
    fig.draw_without_rendering()  # runs the constrained layout, as savefig does
    tight = fig.get_tightbbox()  # inches
    w, h = fig.get_size_inches()
    eps = 0.01
    assert tight.x0 >= -eps and tight.y0 >= -eps and tight.x1 <= w + eps and tight.y1 <= h + eps, (
        f"drawn content {tight} extends beyond the {w:.2f} x {h:.2f} in figure")


def _all_figures():
    panel = _panel()
    long_names = panel.assign(name=panel["name"] + " Autonomous Region")
    groups = pd.DataFrame([{"g": g, "year": y, "v": 1 + 0.1 * k + 0.01 * y}
                           for k, g in enumerate(["Chengdu Plain", "South Sichuan", "Northeast Sichuan",
                                                  "Panxi (Panzhihua-Xichang)", "Northwest Sichuan"])
                           for y in range(2011, 2023)])
    weights = pd.DataFrame({"label": [f"indicator_with_a_long_code_{i:02d}_pct" for i in range(21)],
                            "group": [["Technology", "Management", "Workforce", "Green", "Efficiency"][i % 5]
                                      for i in range(21)],
                            "w": np.linspace(0.01, 0.09, 21)})
    x = pd.Series({"A": 1.0, "B": 2.0, "C": 6.0})
    lay = F.tile_grid_layout(pd.DataFrame({"code": list("abcdef"), "lon": [87, 100, 110, 116, 121, 126],
                                           "lat": [43, 30, 35, 40, 31, 46]}), code="code", lon="lon", lat="lat")
    return {
        "top": F.fig_top_trends(long_names, entity="code", label="name", value="v",
                                ylabel="Advanced mfg. index ami (0–100)"),
        "scatter": F.fig_scatter_fit(panel, x="x", y="v", xlabel="Industrial synergy agglomeration coagglo (index)",
                                     ylabel="Advanced mfg. index ami (0–100)"),
        "groups": F.fig_group_lines(groups, group="g", value="v", reference=1.0, reference_label="LQ = 1 (Sichuan share)",
                                    ylabel="Mfg. location quotient (ratio)"),
        "groups3": F.fig_group_lines(groups[groups["g"].isin(["Panxi (Panzhihua-Xichang)", "South Sichuan"])],
                                     group="g", value="v", reference=1.0, reference_label="LQ = 1 (national share)",
                                     ylabel="Mfg. LQ, mean of provinces"),
        "band": F.fig_band(groups.assign(lo=groups["v"] - 0.1, hi=groups["v"] + 0.1), line="v", line_label="C",
                           low="lo", high="hi", band_label="Interquartile range over the 19 sections",
                           ylabel="Locational Gini coefficient (0–1)"),
        "moran": F.fig_moran_scatter(F.moran_scatter_data(x, _line_weights()), variable="ami 2021", year=2021,
                                     matrix="economic-geographic"),
        "weights": F.fig_weights_bar(weights, label="label", group="group", weight="w"),
        "tiles": F.fig_tile_map(lay, pd.Series(dict(zip("abcdef", range(6), strict=True))), labels=pd.Series(
            dict(zip("abcdef", ["XJ", "SC", "SN", "BJ", "SH", "HL"], strict=True))),
            colorbar_label="Advanced manufacturing index ami, 2021 (0–100)"),
    }


@pytest.mark.parametrize("name", ["top", "scatter", "groups", "groups3", "band", "moran", "weights", "tiles"])
def test_figures_fit_a_single_column_without_clipping(name):
    fig = _all_figures()[name]
    assert fig.get_figwidth() == pytest.approx(F.SINGLE_COLUMN_IN)
    assert_nothing_clipped(fig)
    # labelled axes (the tile map has only its colour bar's label)
    axes = [ax for ax in fig.axes if ax.get_xlabel() or ax.get_ylabel()]
    assert axes, "no axis label"


def test_mark_synthetic_stamps_a_visible_unclipped_label():
    fig = F.mark_synthetic(_all_figures()["top"])
    assert fig.get_suptitle() == "SYNTHETIC DEMO DATA — not findings about China"
    assert_nothing_clipped(fig)
    # the stamp sits above the axes, not on them
    fig.draw_without_rendering()
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(fig).get_renderer()
    stamp = fig._suptitle.get_window_extent(renderer)
    axes = fig.axes[0].get_tightbbox(renderer)
    assert stamp.y0 >= axes.y1 - 1
