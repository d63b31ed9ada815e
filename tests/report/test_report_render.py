"""The report of the demo warehouse rendered in headless Chromium (Debian package ``chromium``).

- every required study table and figure is present (by id) in the DOM Chromium renders;
- no request leaves the machine: the HTML has no off-machine URL in src/href/url(), Chromium runs with
  all host names mapped to NOTFOUND, and its NetLog shows no request initiated by the page other than
  file: and data: URLs (a positive control proves the NetLog check catches a remote image);
- every number shown in the rendered tables equals the value in the warehouse's results schema
  (re-queried; tests/report/report_support.py), and every estimate of the run is shown;
- a screenshot is saved as screenshot.png beside the rendered page (a temporary reports folder: the
  tests never overwrite the user's reports/).

Chromium is installed by ``.ci/run`` (``apt-get install -y chromium``); where it is absent these tests
are skipped with that reason.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from bs4 import BeautifulSoup
from report_support import assert_no_external_references, check_table_numbers

from analysis.paths import SPECS_DIR
from analysis.report import writer as R
from analysis.studies.manifest import load_studies

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
HAVE_CHROMIUM = Path(CHROMIUM).exists()
needs_chromium = pytest.mark.skipif(
    not HAVE_CHROMIUM,
    reason="headless Chromium not installed (Debian: apt-get install -y chromium; .ci/run does this)",
)
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND",
)


@dataclass
class Rendered:
    """What Chromium made of a page."""

    dom: str
    page_requests: list[str]
    screenshot: Path | None


def page_requests(netlog: Path) -> list[str]:
    """URLs of network requests initiated by a file:// page, from a Chromium NetLog.

    Chromium's own background requests (update checks and the like, blocked by the resolver rule) have
    no file:// network isolation key and are ignored; file: and data: loads are not network requests.
    """
    log = json.loads(netlog.read_text(encoding="utf-8"))
    types = {v: k for k, v in log["constants"]["logEventTypes"].items()}
    urls = []
    for ev in log["events"]:
        if types.get(ev["type"]) != "URL_REQUEST_START_JOB":
            continue
        p = ev.get("params", {})
        url = p.get("url", "")
        if "file://" in p.get("network_isolation_key", "") and not url.startswith(("file:", "data:")):
            urls.append(url)
    return urls


def render(page: Path, tmp: Path, *, screenshot: Path | None = None, window: str = "1280,2400") -> Rendered:
    """Load ``page`` in headless Chromium: the DOM after rendering, page-initiated requests, screenshot."""
    profile, netlog = tmp / "profile", tmp / "netlog.json"
    cmd = [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", f"--log-net-log={netlog}", f"--window-size={window}",
           "--virtual-time-budget=10000", "--dump-dom"]
    if screenshot is not None:
        cmd.append(f"--screenshot={screenshot}")
    cmd.append(page.resolve().as_uri())
    env = {**os.environ, "HOME": str(tmp)}
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=180, env=env)
    assert proc.returncode == 0, f"chromium failed ({proc.returncode}): {proc.stderr[-2000:]}"
    return Rendered(proc.stdout, page_requests(netlog), screenshot)


# ------------------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def demo_report(demo_warehouse, tmp_path_factory):
    """The demo warehouse analysed (every spec) and its report written, as ``agglo run`` does.

    The session's demo warehouse is copied first: the analysis writes the results schema.
    """
    from analysis.pipeline import analyze

    tmp = tmp_path_factory.mktemp("report_warehouse")
    wh = tmp / "agglo.duckdb"
    shutil.copyfile(demo_warehouse, wh)
    analyze(warehouse=wh, tables_dir=tmp / "tables", quiet=True)
    html = R.write_report(wh, tmp / "reports")
    return wh, html


@pytest.fixture(scope="module")
def rendered(demo_report, tmp_path_factory):
    _, html = demo_report
    shot = html.parent / "screenshot.png"
    return render(html, tmp_path_factory.mktemp("chromium"), screenshot=shot)


# ------------------------------------------------------------------------------------- tests
@needs_chromium
def test_netlog_check_catches_a_remote_request(tmp_path):
    # positive control: the detector must see a request the page makes to another machine
    page = tmp_path / "leak.html"
    page.write_text('<html><body><p id="x">x</p><img src="http://example.invalid/pixel.png"></body></html>')
    out = render(page, tmp_path)
    assert out.page_requests == ["http://example.invalid/pixel.png"]
    assert 'id="x"' in out.dom


@needs_chromium
@pytest.mark.warehouse
def test_report_renders_every_table_and_figure_offline(demo_report, rendered):
    _, html_path = demo_report
    assert_no_external_references(html_path.read_text(encoding="utf-8"))
    assert rendered.page_requests == []
    soup = BeautifulSoup(rendered.dom, "html.parser")
    missing = soup.find(id="missing")
    assert missing is None, f"report lists missing items: {missing.get_text(' ', strip=True)}"
    ids = {t["id"] for t in soup.select("table.study-table")}
    for study in load_studies(SPECS_DIR):  # every table of every paper manifest
        for entry in study.tables:
            assert f"tab-{entry.id}" in ids, entry.id
    for t in soup.select("table.study-table"):
        assert t.select("tbody td"), f"{t['id']} has no cells"
        assert "Spec: analysis/studies/specs/" in t.caption.get_text() or "Read from mart" in t.caption.get_text()
    for fid in R.REQUIRED_FIGURES:
        fig = soup.find(id=fid)
        assert fig is not None and fig.name == "figure", fid
        assert fig.img["src"].startswith("data:image/svg+xml;base64,"), fid
        for a in fig.select("figcaption a"):
            assert (demo_report[1].parent / a["href"]).is_file(), a["href"]
    banner = soup.find(id="synthetic-banner")
    assert banner is not None and "not findings about China" in banner.get_text()


@needs_chromium
@pytest.mark.warehouse
def test_screenshot_saved_and_not_blank(rendered):
    from PIL import Image

    assert rendered.screenshot is not None and rendered.screenshot.is_file()
    with Image.open(rendered.screenshot) as im:
        assert im.size == (1280, 2400)
        lo, hi = im.convert("L").getextrema()
        assert hi - lo > 100  # text and the banner, not an empty page


@needs_chromium
@pytest.mark.warehouse
def test_every_rendered_number_equals_the_results_schema(demo_report, rendered):
    wh, _ = demo_report
    con = duckdb.connect(str(wh), read_only=True)
    try:
        res = check_table_numbers(rendered.dom, con)
        assert res.problems == [], "\n".join(res.problems[:30])
        run_id = con.execute("select run_id from results.runs order by started_at desc nulls last, run_id desc "
                             "limit 1").fetchone()[0]
        # dummy sets listed under indicate: in a paper manifest are shown as one Yes/No row, not per term
        dummy = [(e.id, pat) for s in load_studies(SPECS_DIR) for e in s.tables for pat in e.indicate.values()]
        assert all(pat.endswith("*") and "*" not in pat[:-1] and "?" not in pat for _, pat in dummy)
        is_dummy = " or ".join(["(spec = ? and starts_with(term, ?))"] * len(dummy)) or "false"
        params = [v for spec, pat in dummy for v in (spec, pat[:-1])]
        n_est = con.execute("select count(*) filter (where isfinite(estimate)), "
                            "count(*) filter (where isfinite(std_error)) from results.estimates where run_id = ? "
                            f"and not ({is_dummy})", [run_id, *params]).fetchone()
        n_dummy = con.execute(f"select count(*) from results.estimates where run_id = ? and ({is_dummy})",
                              [run_id, *params]).fetchone()[0]
        n_stats = con.execute("select count(*) filter (where isfinite(value)) from results.stats where run_id = ?",
                              [run_id]).fetchone()[0]
    finally:
        con.close()
    soup = BeautifulSoup(rendered.dom, "html.parser")
    shown: dict[tuple[str, str], set[str]] = {}
    for td in soup.select("table.study-table td[data-key]"):
        key = json.loads(td["data-key"])
        shown.setdefault((key["table"], key["column"]), set()).add(td["data-key"])
    # every estimate, standard error and statistic of the run is shown exactly once, except the dummy sets:
    # they are in the results schema (the paper 000 GMM models have year and division dummies) but no
    # cell shows them, and their tables carry one "Yes" row per set instead
    assert n_dummy > 0
    shown_terms = {json.loads(k)["where"]["term"] for k in shown.get(("results.estimates", "estimate"), ())}
    assert not any(t.startswith(("year_", "industry_code_")) for t in shown_terms)
    t4 = soup.find(id="tab-p000_table4")
    fe = {tr.th.get_text(): [td.get_text() for td in tr.select("td")] for tr in t4.select("tr.fe")}
    assert fe["Year fixed effects"] == ["Yes"] * 5 and fe["Division (CIC) dummies"] == ["Yes"] * 5
    assert len(shown.get(("results.estimates", "estimate"), ())) == n_est[0]
    assert len(shown.get(("results.estimates", "std_error"), ())) == n_est[1]
    assert len(shown.get(("results.stats", "value"), ())) == n_stats
    assert res.n_cells >= n_est[0] + n_est[1] + n_stats
