"""The study report: one static HTML page (and a Markdown twin) with every table and figure.

:func:`write_report` (``agglo report``; the last step of ``agglo run``) reads a built warehouse and
writes

- ``reports/index.html``: self-contained (inline CSS, figures embedded as ``data:`` URIs); it fetches
  nothing, so it works offline and from a mail attachment;
- ``reports/report.md``: the same content in Markdown, images linked from ``reports/figures/``;
- ``reports/figures/<name>.png`` (200 dpi) and ``.svg``: the figures (:mod:`analysis.report.figures`).

Where the numbers come from
---------------------------
The tables follow the paper manifests (``analysis/studies/specs/<paper>/study.yml``,
:mod:`analysis.studies.manifest`) in order: study tables from the ``results`` schema of the warehouse
(:mod:`analysis.report.sections`, newest run only), the index tables of paper 000 (table 2) and paper
001 (table 2) straight from their marts (:mod:`analysis.report.marts`); a spec with results that no
manifest lists follows at the end. Every number cell of the HTML carries its provenance (``data-key``:
table, key columns and column) and the unrounded value (``data-value``), so a test can re-query each one.

Numbers and stars: :mod:`analysis.report.table` (the one number format and star definition of every
table, also those of ``reports/tables/``). Effects carry no stars (the results schema stores no
p-value for them).

Modules: :mod:`~analysis.report.data` (warehouse, header facts), :mod:`~analysis.report.sections`
(study tables), :mod:`~analysis.report.marts` (index tables), :mod:`~analysis.report.figure_plans`
(figures), this module (walk, page rendering).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import duckdb
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from analysis.paths import DEFAULT_WAREHOUSE, PROJECT_ROOT, REPORTS_DIR, SPECS_DIR
from analysis.report.data import Header, ReportError, catalog, collect_header, connect
from analysis.report.figure_plans import (
    REQUIRED_FIGURES,
    Missing,
    ReportFigure,
    build_figures,
    figure_plans,
)
from analysis.report.layouts import indicate_for
from analysis.report.marts import MART_TABLES
from analysis.report.sections import ReportTable, SpecSource, spec_file_label, spec_tables
from analysis.report.table import (
    DECIMALS,
    STARS_NOTE,
    format_number,
    md_cell,
    stars,
    to_html,
    to_markdown,
)
from analysis.studies.manifest import TableEntry, find_spec, studies_for
from analysis.studies.store import result_specs

__all__ = ["write_report", "study_tables", "render", "Report", "ReportError", "REQUIRED_FIGURES", "format_number",
           "stars", "OTHER_SPECS"]

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
#: The group of specs with results that no paper manifest lists.
OTHER_SPECS = ("", "Other specs (not listed in a paper manifest)")


@dataclass
class Report:
    """Everything the templates render."""

    header: Header
    tables: list[ReportTable] = field(default_factory=list)
    figures: list[ReportFigure] = field(default_factory=list)
    missing: list[Missing] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    papers: dict[str, str] = field(default_factory=dict)


# ------------------------------------------------------------------------------------- walking the manifests
def _spec_source(name: str, specs_dir: Path, entry: TableEntry | None) -> SpecSource:
    """The spec ``name`` read from ``specs_dir`` (None when absent or invalid) with its dummy sets."""
    from analysis.estimators import SpecError
    from analysis.studies.spec import load_spec

    path = find_spec(name, specs_dir)
    spec = None
    if path is not None:
        try:
            spec = load_spec(path)
        except SpecError:
            spec = None
    indicate = indicate_for(spec.models if spec is not None else (), entry.indicate if entry else None)
    return SpecSource(name=name, spec=spec, spec_file=spec_file_label(path, PROJECT_ROOT), indicate=indicate,
                      paper=entry.paper if entry else OTHER_SPECS[0], number=entry.number if entry else None)


def study_tables(
    con: duckdb.DuckDBPyConnection, tables: Mapping[str, list[str]], run: Mapping[str, Any] | None,
    specs_dir: Path = SPECS_DIR,
) -> tuple[list[ReportTable], list[Missing]]:
    """Every table of every paper manifest in order, then any other spec with results.

    A required table without results (or a mart table whose mart is missing) is listed as missing.
    """
    run_id = run.get("run_id") if run else None
    have = result_specs(con, run_id)
    out: list[ReportTable] = []
    missing: list[Missing] = []
    used: set[str] = set()
    for study in studies_for(specs_dir):
        for entry in study.tables:
            if entry.mart is not None:
                build = MART_TABLES.get(entry.mart)
                if build is None:
                    missing.append(Missing(entry.id, f"paper {entry.paper}: no table layout for mart {entry.mart}"))
                    continue
                try:
                    t = build(con, tables)
                except (ReportError, duckdb.Error) as exc:
                    missing.append(Missing(entry.id, f"paper {entry.paper}: {exc}"))
                    continue
                out.append(replace(t, id=entry.id, paper=entry.paper, number=entry.number))
                continue
            if entry.id not in have:
                if entry.required:
                    where = f"run {run_id}" if run_id is not None else "the warehouse (no results.runs row)"
                    missing.append(Missing(entry.id, f"paper {entry.paper}: no results for spec {entry.id} in "
                                                     f"{where}; run 'agglo analyze'"))
                continue
            out += spec_tables(con, run_id=run_id, src=_spec_source(entry.id, specs_dir, entry))
            used.add(entry.id)
    for name in have:
        if name not in used:
            out += spec_tables(con, run_id=run_id, src=_spec_source(name, specs_dir, None))
    return out, missing


# ------------------------------------------------------------------------------------- rendering
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=select_autoescape(["html", "j2"], default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md_cell"] = md_cell
    return env


def caption(t: ReportTable) -> str:
    """``Paper 001, table 2. <title>`` (the title alone when it already names the paper)."""
    if not t.paper or t.title.lower().startswith(f"paper {t.paper}"):
        return t.title
    head = f"Paper {t.paper}, table {t.number}" if t.number else f"Paper {t.paper}"
    return f"{head}. {t.title}"


def provenance(t: ReportTable, run: Mapping[str, Any] | None) -> str:
    """Where a table's numbers come from (spec file, data, run; or the mart)."""
    parts = []
    if t.spec_file:
        parts.append(f"Spec: {t.spec_file}")
        parts.append(f"data: {t.source}")
        if run:
            parts.append(f"results schema, run {run.get('run_id')}")
    else:
        parts.append(f"Read from {t.source}")
    return "; ".join(parts) + "."


def table_html(t: ReportTable, run: Mapping[str, Any] | None) -> Markup:
    """The ``<table>`` of a report table: caption with provenance, number cells with their provenance."""
    cap = Markup("{}<span class=\"prov\">{}</span>").format(caption(t), provenance(t, run))
    return to_html(t, attrs={"class": "study-table", "id": f"tab-{t.id}", "data-source": t.source,
                             "data-spec": t.spec_file}, caption=cap)


def _with_exports(t: ReportTable, out_dir: Path) -> ReportTable:
    """Attach the Markdown/LaTeX/CSV files ``agglo analyze`` wrote for this table (reports/tables/)."""
    found = tuple(f"tables/{t.id}.{ext}" for ext in ("md", "tex", "csv") if (out_dir / "tables" / f"{t.id}.{ext}").is_file())
    return replace(t, exports=found)


def render(report: Report, *, template: str) -> str:
    """Render the report with ``analysis/report/templates/<template>``."""
    env = _environment()
    if template.endswith(".md.j2"):
        env.autoescape = False
    tables_by_paper: dict[str, list[ReportTable]] = {}
    for t in report.tables:
        tables_by_paper.setdefault(t.paper, []).append(t)
    return env.get_template(template).render(
        r=report, h=report.header, papers=report.papers, tables_by_paper=tables_by_paper,
        caption=caption, provenance=provenance, decimals=DECIMALS, stars_note=STARS_NOTE,
        table_html=lambda t: table_html(t, report.header.run),
        table_md=lambda t: to_markdown(t, title=False, notes=False, align="right")[:-1],
    )


def write_report(warehouse: Path = DEFAULT_WAREHOUSE, out_dir: Path = REPORTS_DIR, *,
                 specs_dir: Path = SPECS_DIR) -> Path:
    """Write ``out_dir/index.html``, ``out_dir/report.md`` and ``out_dir/figures/`` from a warehouse.

    Parameters
    ----------
    warehouse : Path
        The built DuckDB warehouse (opened read-only).
    out_dir : Path
        Report directory (default ``reports/``; ``AGGLO_REPORTS_DIR`` overrides the default).
    specs_dir : Path
        Where the study specs and paper manifests live (for titles, model order, the mart each spec
        reads and the order of the tables).

    Returns
    -------
    Path
        The HTML file.

    Raises
    ------
    ReportError
        When the warehouse is missing or cannot be opened. Missing marts or results do not raise:
        the page lists what is missing and why.
    """
    t0 = time.perf_counter()
    warehouse, out_dir = Path(warehouse), Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    con = connect(warehouse)
    try:
        tables = catalog(con)
        header = collect_header(con, warehouse, out_dir, tables)
        study, missing = study_tables(con, tables, header.run, specs_dir)
        t1 = time.perf_counter()
        figures, fig_missing, timings = build_figures(con, tables, out_dir / "figures", figure_plans(),
                                                      synthetic=header.is_synthetic)
    finally:
        con.close()
    study = [_with_exports(t, out_dir) for t in study]
    papers = {s.paper: s.title for s in studies_for(specs_dir)}
    report = Report(header=header, tables=study, figures=figures, missing=missing + fig_missing,
                    papers={**papers, OTHER_SPECS[0]: OTHER_SPECS[1]})
    report.timings = {"tables_s": t1 - t0, "figures_s": sum(timings.values())}
    html_path = out_dir / "index.html"
    html_path.write_text(render(report, template="report.html.j2"), encoding="utf-8")
    (out_dir / "report.md").write_text(render(report, template="report.md.j2"), encoding="utf-8")
    for m in report.missing:
        print(f"agglo report: warning: {m.id}: {m.reason}")
    print(f"agglo report: wrote {html_path} ({len(study)} tables, {len(figures)} figures, "
          f"{len(report.missing)} missing) in {time.perf_counter() - t0:.1f} s")
    return html_path
