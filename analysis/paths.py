"""Where things live: project root, default raw directory, warehouse file, reports."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(os.environ.get("AGGLO_PROJECT_ROOT", Path(__file__).resolve().parent.parent))
DEFAULT_RAW_DIR = PROJECT_ROOT / "data" / "demo"
DEFAULT_WAREHOUSE = PROJECT_ROOT / "warehouse" / "agglo.duckdb"
# Reports (tables, figures, HTML): AGGLO_REPORTS_DIR overrides (benchmarks write to a tmp dir).
REPORTS_DIR = Path(os.environ.get("AGGLO_REPORTS_DIR", PROJECT_ROOT / "reports"))
SPECS_DIR = PROJECT_ROOT / "analysis" / "studies" / "specs"
# Validation data shipped beside the repository (../shared/validation); tests skip when absent.
SHARED_DIR = Path(os.environ.get("AGGLO_SHARED_DIR", PROJECT_ROOT.parent / "shared"))
