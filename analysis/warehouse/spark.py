"""Build the dbt project on Apache Spark (dbt-spark, ``session`` method: pyspark in this machine).

The ``spark`` target of ``profiles.yml`` starts Spark inside the dbt process (``local[N]``) and
keeps everything it writes (Hive metastore, table files) under ``AGGLO_SPARK_DIR``. A build gets
a fresh work directory, so no state carries over between builds; its Parquet export is the product
(a Spark build publishes no DuckDB file). docs/spark.md tells how to point the same project at a
real cluster instead (thrift / Databricks / http).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

from analysis.errors import AggloError
from analysis.paths import PROJECT_ROOT
from analysis.warehouse.dbt_runner import DbtResult, run_dbt

SPARK_TARGET = "spark"
JAVA_CANDIDATES = ("/usr/lib/jvm/java-17-openjdk-amd64", "/usr/lib/jvm/java-21-openjdk-amd64",
                   "/usr/lib/jvm/default-java")


def java_home() -> str | None:
    """``JAVA_HOME`` for Spark: the environment's, else a Debian JDK 17/21, else the one of ``java``."""
    if os.environ.get("JAVA_HOME"):
        return os.environ["JAVA_HOME"]
    for cand in JAVA_CANDIDATES:
        if Path(cand, "bin", "java").exists():
            return cand
    java = shutil.which("java")
    return str(Path(java).resolve().parent.parent) if java else None


def require_spark() -> str:
    """Fail with what to install when dbt-spark, pyspark or Java is missing; return ``JAVA_HOME``."""
    missing = [m for m in ("pyspark", "dbt.adapters.spark") if _find(m) is None]
    if missing:
        raise AggloError(f"the Spark engine needs {' and '.join(missing)}: run `make setup-spark` "
                         "(installs requirements-spark.lock: dbt-spark[session], pyspark)")
    home = java_home()
    if home is None:
        raise AggloError("the Spark engine needs Java 17 or 21 (Debian: apt-get install openjdk-17-jre-headless) "
                         "or JAVA_HOME pointing at one")
    return home


def _find(module: str) -> object | None:
    try:
        return importlib.util.find_spec(module)
    except ModuleNotFoundError:
        return None


def spark_env(work_dir: Path, *, schema: str = "agglo") -> dict[str, str]:
    """Environment of a dbt process on the ``spark`` target writing under ``work_dir``."""
    return {
        "AGGLO_SPARK_DIR": str(work_dir),
        "AGGLO_SPARK_SCHEMA": schema,
        "JAVA_HOME": require_spark(),
        # a local Spark only talks to itself; quiets the "hostname resolves to a loopback" warning
        "SPARK_LOCAL_IP": os.environ.get("SPARK_LOCAL_IP", "127.0.0.1"),
        "PYSPARK_PYTHON": os.environ.get("PYSPARK_PYTHON", sys.executable),
    }


def build_spark(raw_dir: Path, export_dir: Path, *, work_dir: Path, log_dir: Path,
                on_line: Callable[[str], None] | None = None,
                select: str | None = None, exclude: str | None = None) -> DbtResult:
    """``dbt build --target spark`` on ``raw_dir``, exporting every mart as Parquet into ``export_dir``.

    Parameters
    ----------
    raw_dir : Path
        Absolute directory of the raw CSV files.
    export_dir : Path
        Absolute folder the on-run-end hook writes ``<mart>.parquet`` into (only when every node
        passed).
    work_dir : Path
        Fresh directory for Spark's metastore and table files (removed by the caller).
    log_dir : Path
        Receives dbt.log and dbt's target directory.
    on_line : callable, optional
        Called with every output line of dbt.
    select, exclude : str, optional
        dbt node selection (with cautious indirect selection of tests) and exclusion.

    Returns
    -------
    DbtResult
    """
    work_dir.mkdir(parents=True, exist_ok=True)
    dbt_vars = {"raw_dir": str(raw_dir), "has_firms": (raw_dir / "firms.csv").is_file(),
                "export_dir": str(export_dir)}
    args = ["build", "--target", SPARK_TARGET]
    if select:
        args += ["--select", select, "--indirect-selection", "cautious"]
    if exclude:
        args += ["--exclude", exclude]
    return run_dbt(args, env=spark_env(work_dir), dbt_vars=dbt_vars, log_dir=log_dir,
                   target_dir=log_dir / "target", on_line=on_line, project_dir=PROJECT_ROOT)
