"""Publishing a built warehouse: the build lock, the building file's name, the atomic replace.

A build writes ``.<stem>.building.duckdb`` next to the published file while holding
``.<stem>.building.lock``; :func:`publish` then replaces the published file with ``os.replace``, so a
reader never sees a half-written warehouse. Before that, :func:`publish` rewrites the file in a storage
version older DuckDB clients read (``v1.1.0`` by default; :mod:`analysis.warehouse.storage`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from analysis.errors import AggloError
from analysis.warehouse.storage import LATEST, convert_storage, resolve_storage_version


def building_path(warehouse: Path) -> Path:
    """The new file a build writes, next to the published one: ``.<stem>.building.duckdb``.

    One name per published file (guarded by :func:`build_lock`) so that dbt's partial parsing, which
    is invalidated when the profile's path changes, can be reused from one build to the next.
    """
    return warehouse.with_name(f".{warehouse.stem}.building{warehouse.suffix}")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextmanager
def build_lock(warehouse: Path) -> Iterator[None]:
    """Hold ``.<stem>.building.lock`` next to ``warehouse`` for the duration of a build.

    Raises
    ------
    AggloError
        When another live process is building the same warehouse.
    """
    lock = warehouse.with_name(f".{warehouse.stem}.building.lock")
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    for _ in range(2):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            try:
                pid = int(lock.read_text().strip() or 0)
            except (OSError, ValueError):
                pid = 0
            if pid and _pid_alive(pid):
                raise AggloError(f"another build (process {pid}) is writing {warehouse}; wait for it or remove "
                               f"{lock} if that process is gone") from None
            lock.unlink(missing_ok=True)  # stale lock of a dead process
            continue
        with os.fdopen(fd, "w") as fh:
            fh.write(str(os.getpid()))
        break
    else:  # pragma: no cover - lost a race twice
        raise AggloError(f"could not take the build lock {lock}")
    try:
        yield
    finally:
        lock.unlink(missing_ok=True)


def remove_db(path: Path) -> None:
    """Delete a DuckDB file and its write-ahead log, if present."""
    for p in (path, path.with_name(path.name + ".wal")):
        p.unlink(missing_ok=True)


def publish(new: Path, warehouse: Path, *, storage_version: str | None = None,
            progress: Callable[[str], None] | None = None) -> Path:
    """Atomically replace ``warehouse`` with ``new`` (same directory, so ``os.replace`` is atomic).

    Unless the storage version (``storage_version``, else ``$AGGLO_STORAGE_VERSION``, else ``v1.1.0``;
    see :mod:`analysis.warehouse.storage`) is ``latest``, ``new`` is first copied into
    ``.<stem>.publishing.duckdb`` in that version, and the copy is published. ``new`` is removed in
    either case, also when the conversion fails (the published file is then unchanged).

    A reader holding the old ``warehouse`` open keeps reading the old file (its inode) until it
    disconnects; a new connection opens the new file.
    """
    version = resolve_storage_version(storage_version)
    if version != LATEST:
        converted = warehouse.with_name(f".{warehouse.stem}.publishing{warehouse.suffix}")
        remove_db(converted)
        if progress:
            progress(f"writing {new.name} in storage version {version} (readable by DuckDB >= "
                     f"{version.lstrip('v')}) -> {converted.name}")
        try:
            conv = convert_storage(new, converted, version)
        except BaseException:
            remove_db(new)
            raise
        if progress:
            progress(f"converted in {conv.seconds:.1f}s ({conv.tables} tables, {conv.views} views, "
                     f"{conv.comments} comments)")
        remove_db(new)
        new = converted
    stale_wal = warehouse.with_name(warehouse.name + ".wal")
    stale_wal.unlink(missing_ok=True)  # belonged to the file being replaced
    os.replace(new, warehouse)
    return warehouse
