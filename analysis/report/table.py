"""The one table model of every study table, and its renderers (Markdown, LaTeX, CSV, HTML).

A :class:`Table` is a stub header, column headers, body :class:`Row` s of :class:`Cell` s and notes; it
holds no layout logic of its own, like pyfixest's ``etable(type=...)``: the builders
(:mod:`analysis.report.layouts` and :mod:`analysis.report.exports` for ``reports/tables/``, :mod:`analysis.report.sections` for the
HTML/Markdown report) decide the rows, and :func:`to_markdown`, :func:`to_latex`, :func:`to_csv` and
:func:`to_html` only draw them. Every number of every table goes through :func:`format_number` and every
significance mark through :func:`stars`, so a value prints the same wherever it appears.

Number format (:func:`format_number`): ``digits`` decimals (3 unless a layout asks for fewer, such as
z statistics or Stock-Yogo critical values with 2); a non-zero value whose magnitude is below
``10**-digits`` in scientific notation with 3 significant digits, so a small coefficient is never
shown as ``0.000`` (``-0.00012`` -> ``-1.20e-04``); a negative value that rounds to zero loses its
sign; counts as integers; missing and non-finite values as an empty cell.

Stars (:data:`STAR_LEVELS`): ``***`` p < 0.01, ``**`` p < 0.05, ``*`` p < 0.1.

Examples
--------
>>> format_number(0.12345), format_number(-0.00012), format_number(1234.5), format_number(589.0, integer=True)
('0.123', '-1.20e-04', '1234.500', '589')
>>> stars(0.0099), stars(0.01), stars(0.05), stars(0.1)
('***', '**', '*', '')
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from markupsafe import Markup, escape

__all__ = [
    "DECIMALS",
    "STAR_LEVELS",
    "STARS_NOTE",
    "Cell",
    "Row",
    "Table",
    "stars",
    "format_number",
    "number",
    "text",
    "to_markdown",
    "to_latex",
    "to_csv",
    "to_html",
]

DECIMALS = 3
#: (threshold, mark), strictest first: a p-value below the threshold earns the mark.
STAR_LEVELS: tuple[tuple[float, str], ...] = ((0.01, "***"), (0.05, "**"), (0.1, "*"))
STARS_NOTE = "*** p < 0.01, ** p < 0.05, * p < 0.1"


def stars(p: float | None) -> str:
    """Significance stars of a p-value by :data:`STAR_LEVELS` (``""`` for None, NaN or p >= 0.1)."""
    if p is None:
        return ""
    try:
        pf = float(p)
    except (TypeError, ValueError):
        return ""
    if not math.isfinite(pf):
        return ""
    return next((mark for level, mark in STAR_LEVELS if pf < level), "")


def _missing(x: Any) -> bool:
    if x is None:
        return True
    try:
        return not math.isfinite(float(x))
    except (TypeError, ValueError):
        return True


def format_number(x: float | None, *, digits: int = DECIMALS, integer: bool = False) -> str:
    """Format a number by the one rule of every table (module docstring).

    Examples
    --------
    >>> format_number(-0.0), format_number(float("nan")), format_number(0.004, digits=2)
    ('0.000', '', '4.00e-03')
    """
    if _missing(x):
        return ""
    xf = float(x)  # type: ignore[arg-type]
    if integer:
        return f"{int(round(xf)):d}"
    if xf != 0.0 and abs(xf) < 10 ** (-digits):
        return f"{xf:.2e}"
    out = f"{xf:.{digits}f}"
    return out[1:] if out.startswith("-") and float(out) == 0.0 else out


@dataclass(frozen=True)
class Cell:
    """One table cell.

    Attributes
    ----------
    text : str
        What is shown (for numbers: :func:`format_number`, stars, brackets).
    value : float or None
        The unrounded number, for number cells.
    key : mapping or None
        Provenance of a number read from the warehouse: ``{"table": "results.estimates",
        "where": {column: value, ...}, "column": "estimate"}``; re-querying it gives ``value``.
    p_value : float or None
        The p-value the stars were drawn from.
    """

    text: str = ""
    value: float | None = None
    key: Mapping[str, Any] | None = None
    p_value: float | None = None

    @property
    def key_json(self) -> str:
        """The provenance as compact JSON (the HTML ``data-key`` attribute)."""
        return json.dumps(self.key, ensure_ascii=False, sort_keys=True, separators=(",", ":"))

    @property
    def value_repr(self) -> str:
        """The unrounded value as a round-trippable string (the HTML ``data-value`` attribute)."""
        return repr(float(self.value)) if self.value is not None else ""


BLANK = Cell()


def text(s: Any) -> Cell:
    """A text cell."""
    return Cell("" if s is None else str(s))


def number(value: Any, *, digits: int = DECIMALS, integer: bool = False, p: float | None = None,
           star_sep: str = "", wrap: str = "", key: Mapping[str, Any] | None = None) -> Cell:
    """A number cell: ``value`` by :func:`format_number`, then stars of ``p`` and brackets.

    Parameters
    ----------
    value : float or None
        Missing or non-finite values give an empty cell (no stars, no brackets, no provenance).
    digits, integer : see :func:`format_number`.
    p : float, optional
        The p-value whose :func:`stars` follow the number (after ``star_sep``).
    star_sep : str
        Between the number and its stars (``""`` or ``" "``, as the layout has it).
    wrap : str
        ``"()"``, ``"[]"`` or ``"{}"`` around the number (standard errors, p-values, critical values).
    key : mapping, optional
        Provenance (see :class:`Cell`).
    """
    if _missing(value):
        return BLANK
    v = float(value)
    s = format_number(v, digits=digits, integer=integer)
    mark = stars(p)
    if mark:
        s = f"{s}{star_sep}{mark}"
    if wrap:
        s = f"{wrap[0]}{s}{wrap[1]}"
    return Cell(s, v, key, None if _missing(p) else float(p))  # type: ignore[arg-type]


@dataclass(frozen=True)
class Row:
    """A body row: a stub label and one cell per column; ``kind`` names its role (coef, se, stat, fe...)."""

    label: str
    cells: tuple[Cell, ...]
    kind: str = "value"

    @property
    def texts(self) -> list[str]:
        """The shown text of every cell."""
        return [c.text for c in self.cells]


@dataclass(frozen=True)
class Table:
    """A table: stub header and column headers, body rows, notes; every renderer draws this."""

    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    stub_header: str = ""
    title: str = ""
    notes: tuple[str, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        """The shown texts as a DataFrame (index: row labels named by the stub header; columns as shown)."""
        return pd.DataFrame([r.texts for r in self.rows],
                            index=pd.Index([r.label for r in self.rows], name=self.stub_header or None),
                            columns=list(self.columns))


# ------------------------------------------------------------------------------------- Markdown
def md_cell(s: Any) -> str:
    """A Markdown table cell: pipes escaped, no line breaks."""
    return str(s).replace("|", "\\|").replace("\n", " ")


def to_markdown(table: Table, *, title: bool = True, notes: bool = True, align: str = "center") -> str:
    """A GitHub-flavoured pipe table, with the title in bold above and the notes below.

    ``align``: ``"center"`` (``|:---|:---:|``, the exported tables) or ``"right"`` (``|---|---:|``, the
    report's Markdown twin).
    """
    lines: list[str] = []
    if title and table.title:
        lines += [f"**{table.title}**", ""]
    lines.append("| " + " | ".join(md_cell(h) for h in (table.stub_header, *table.columns)) + " |")
    first, other = (":---", ":---:") if align == "center" else ("---", "---:")
    lines.append("|" + "|".join([first] + [other] * len(table.columns)) + "|")
    for row in table.rows:
        lines.append("| " + " | ".join(md_cell(x) for x in (row.label, *row.texts)) + " |")
    if notes and table.notes:
        lines += ["", " ".join(table.notes)]
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------------- LaTeX
_TEX = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
        "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\^{}"}


def tex_escape(s: Any) -> str:
    """Escape LaTeX's special characters."""
    return "".join(_TEX.get(ch, ch) for ch in str(s))


def to_latex(table: Table, *, label: str = "") -> str:
    r"""A ``table`` environment with booktabs rules (needs ``\usepackage{booktabs}``)."""
    lines = [r"\begin{table}[htbp]", r"\centering"]
    if table.title:
        lines.append(rf"\caption{{{tex_escape(table.title)}}}")
    if label:
        lines.append(rf"\label{{{label}}}")
    lines.append(r"\begin{tabular}{l" + "c" * len(table.columns) + "}")
    lines.append(r"\toprule")
    lines.append(" & ".join(tex_escape(h) for h in (table.stub_header, *table.columns)) + r" \\")
    lines.append(r"\midrule")
    for row in table.rows:
        lines.append(" & ".join(tex_escape(x) for x in (row.label, *row.texts)).replace("R\\^{}2", "$R^2$") + r" \\")
    lines.append(r"\bottomrule")
    lines.append(r"\end{tabular}")
    if table.notes:
        lines.append(r"\par\smallskip\footnotesize " + tex_escape(" ".join(table.notes)))
    lines.append(r"\end{table}")
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------------- CSV
def to_csv(table: Table, *, comment: str | None = None) -> str:
    """CSV of the shown texts (a header line of stub header and columns; ``# comment`` first if given)."""
    body = table.to_frame().to_csv()
    return f"# {comment}\n{body}" if comment else body


# ------------------------------------------------------------------------------------- HTML
def to_html(table: Table, *, attrs: Mapping[str, str | None] | None = None, caption: str | Markup = "") -> Markup:
    """An HTML ``<table>``: number cells carry ``data-key`` (provenance) and ``data-value`` (unrounded).

    ``attrs`` are the table's attributes in order (None values left out); ``caption`` is inserted as
    given when it is :class:`markupsafe.Markup`, escaped otherwise. The first ``stat`` row is marked
    ``first-stat`` (a rule above the statistics).
    """
    at = "".join(f' {k}="{escape(v)}"' for k, v in (attrs or {}).items() if v is not None)
    out = [f"<table{at}>"]
    if caption:
        out.append(f"<caption>{escape(caption)}</caption>")
    head = "".join(f"<th>{escape(c)}</th>" for c in table.columns)
    out.append(f"<thead><tr><th>{escape(table.stub_header)}</th>{head}</tr></thead>")
    out.append("<tbody>")
    seen_stat = False
    for row in table.rows:
        cls = row.kind
        if row.kind == "stat" and not seen_stat:
            cls += " first-stat"
            seen_stat = True
        cells = []
        for c in row.cells:
            if c.key:
                cells.append(f'<td class="num" data-key="{escape(c.key_json)}" data-value="{escape(c.value_repr)}" '
                             f'title="{escape(c.value_repr)}">{escape(c.text)}</td>')
            else:
                cells.append(f"<td>{escape(c.text)}</td>")
        out.append(f'<tr class="{escape(cls)}"><th scope="row">{escape(row.label)}</th>{"".join(cells)}</tr>')
    out.append("</tbody>")
    out.append("</table>")
    return Markup("\n".join(out))


def indicate_rows(terms: Sequence[str], indicate: Mapping[str, str]) -> tuple[list[str], dict[str, list[str]]]:
    """Split ``terms`` into the shown ones and, per indicator label, the terms its pattern matches.

    ``indicate`` maps a label (``"Industry FE"``) to an ``fnmatch`` pattern (``"industry_code_*"``), as
    esttab's ``indicate()``; the first matching pattern wins.
    """
    from fnmatch import fnmatchcase

    shown: list[str] = []
    hidden: dict[str, list[str]] = {label: [] for label in indicate}
    for t in terms:
        label = next((lab for lab, pat in indicate.items() if fnmatchcase(str(t), pat)), None)
        if label is None:
            shown.append(t)
        else:
            hidden[label].append(t)
    return shown, hidden
