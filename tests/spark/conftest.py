"""Spark tests run only when asked for: ``pytest -m spark`` (``make test-spark``, a separate CI step).

Without a ``-m`` expression that names ``spark``, every test marked ``spark`` is deselected here, so
``make test`` (and ``pytest -m 'not slow'`` etc.) never start a Spark build.
"""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if "spark" in (config.getoption("-m") or ""):
        return
    keep = [it for it in items if it.get_closest_marker("spark") is None]
    dropped = [it for it in items if it.get_closest_marker("spark") is not None]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep
