"""Compile the index macros (warehouse/macros) in a throw-away dbt project and run them in DuckDB.

The harness writes one model per SQL snippet into a temporary project whose ``macros`` directory links
to the repository's ``warehouse/macros``, runs ``dbt compile`` once, and returns the compiled SQL, so a
test can execute it in an in-memory DuckDB connection holding its own input tables.
"""

from __future__ import annotations

import os
from pathlib import Path

from analysis.paths import PROJECT_ROOT

MACROS_DIR = PROJECT_ROOT / "warehouse" / "macros"


def compile_snippets(snippets: dict[str, str], workdir: Path) -> dict[str, str]:
    """Compile ``{name: jinja_sql}`` with the project's macros; return ``{name: compiled_sql}``."""
    from dbt.cli.main import dbtRunner

    project = workdir / "macro_project"
    (project / "models").mkdir(parents=True, exist_ok=True)
    link = project / "macros"
    if not link.exists():
        link.symlink_to(MACROS_DIR, target_is_directory=True)
    (project / "dbt_project.yml").write_text(
        "name: agglo\nversion: '0.1.0'\nconfig-version: 2\nprofile: agglo_macros\n"
        "model-paths: [models]\nmacro-paths: [macros]\ntarget-path: target\n"

    )
    (project / "profiles.yml").write_text(
        "agglo_macros:\n  target: mem\n  outputs:\n    mem:\n      type: duckdb\n"
        "      path: ':memory:'\n      threads: 1\n"
    )
    for name, sql in snippets.items():
        (project / "models" / f"{name}.sql").write_text(sql)
    cwd = os.getcwd()
    try:
        os.chdir(project)
        res = dbtRunner().invoke(
            ["compile", "--project-dir", str(project), "--profiles-dir", str(project), "--quiet"]
        )
    finally:
        os.chdir(cwd)
    if not res.success:
        raise RuntimeError(f"dbt compile of the macro snippets failed: {res.exception}")
    out = {}
    for name in snippets:
        out[name] = (project / "target" / "compiled" / "agglo" / "models" / f"{name}.sql").read_text()
    return out
