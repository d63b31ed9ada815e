"""The GE checkpoint alongside ``agglo run``'s study specs: the mart suites in a forked child process.

The checkpoint (mostly pure-Python Great Expectations work on pandas frames) and the specs (NumPy)
both only need the new warehouse's data; on two cores they can run at the same time. The parent
reads every frame the suites check and closes the warehouse (:func:`prepare_checkpoint`), runs the
raw-file suites itself (a large raw file's expectations are evaluated in DuckDB, which is not used
across a fork), then forks: the child runs the remaining suites on the frames it inherited, writes
Data Docs and ``summary.json`` and sends back the report or the checkpoint's error message. The
child never opens the warehouse, so the parent can write the results schema meanwhile::

    pending = CheckpointAlongside.start(new_db, raw_dir)
    ... fit the specs on new_db ...
    report = pending.finish()   # raises AggloError with the checkpoint's message when a suite failed

Where ``fork`` is not the platform's way of starting processes (macOS, Windows), ``start`` runs the
whole checkpoint at once (raising its failure there) and ``finish`` returns its report: the same
outcome, in sequence.
"""

from __future__ import annotations

import multiprocessing
import sys
import traceback
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from analysis.checks.checkpoint import (
    CheckReport,
    PreparedCheckpoint,
    SuiteOutcome,
    finish_checkpoint,
    prepare_checkpoint,
    run_suites,
)
from analysis.checks.suites import CHECKPOINT_FILE, Validation
from analysis.errors import AggloError


def fork_available() -> bool:
    """Whether the checkpoint can run in a forked child (Linux; elsewhere it runs in sequence)."""
    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()


def _in_order(prepared: PreparedCheckpoint, outcomes: list[SuiteOutcome]) -> list[SuiteOutcome]:
    rank = {v.suite: i for i, v in enumerate(prepared.validations)}
    return sorted(outcomes, key=lambda o: rank[o.suite])


def _child(prepared: PreparedCheckpoint, validations: list[Validation], done: list[SuiteOutcome],
           conn: Connection) -> None:
    """In the forked child: run ``validations``, finish the checkpoint, send ``(status, payload)``."""
    try:
        outcomes = _in_order(prepared, [*done, *run_suites(prepared, validations)])
        conn.send(("ok", finish_checkpoint(prepared, outcomes)))
    except AggloError as exc:
        conn.send(("error", str(exc)))
    except BaseException as exc:  # noqa: BLE001 - anything else is reported to the parent, not lost
        conn.send(("crash", f"{type(exc).__name__}: {exc}\n{traceback.format_exc()[-4000:]}"))
    finally:
        conn.close()


@dataclass
class CheckpointAlongside:
    """A GE checkpoint started by :meth:`start`; :meth:`finish` waits for it and returns its report."""

    db_path: Path
    process: Any = None
    conn: Connection | None = None
    report: CheckReport | None = None
    error: str | None = None

    @classmethod
    def start(cls, db_path: Path, raw_dir: Path, *, docs_dir: Path | None = None,
              checkpoint_file: Path = CHECKPOINT_FILE) -> CheckpointAlongside:
        """Read the data, run the raw suites, and run the others in a forked child.

        Arguments as :func:`analysis.checks.checkpoint.run_checkpoint`.

        Raises
        ------
        AggloError
            When the warehouse or a frame cannot be read (before anything runs in the background),
            or, without fork, when the checkpoint fails.
        """
        prepared = prepare_checkpoint(db_path, raw_dir, docs_dir=docs_dir, checkpoint_file=checkpoint_file)
        raw = [v for v in prepared.validations if v.kind == "raw"]
        rest = [v for v in prepared.validations if v.kind != "raw"]
        done = run_suites(prepared, raw)
        if not fork_available():  # in sequence: a failure is raised here, before the next step runs
            report = finish_checkpoint(prepared, _in_order(prepared, [*done, *run_suites(prepared, rest)]))
            return cls(prepared.db_path, report=report)
        ctx = multiprocessing.get_context("fork")
        receive, send = ctx.Pipe(duplex=False)
        process = ctx.Process(target=_child, args=(prepared, rest, done, send), name="agglo-ge-checkpoint",
                              daemon=True)
        process.start()
        send.close()  # the child holds the only sending end: EOF when it dies without a word
        return cls(prepared.db_path, process=process, conn=receive)

    def finish(self) -> CheckReport:
        """Wait for the checkpoint; raise :class:`AggloError` with its message when a suite failed."""
        if self.process is not None and self.conn is not None:
            try:
                status, payload = self.conn.recv()
            except EOFError:  # the child died without a word: its exit code says how
                self.process.join()
                status, payload = "crash", f"the child process ended with exit code {self.process.exitcode}"
            self.conn.close()
            self.process.join()
            self.process, self.conn = None, None
            if status == "ok":
                self.report = payload
            elif status == "error":
                self.error = payload
            else:
                self.error = f"the GE checkpoint on {self.db_path} crashed: {payload}"
        if self.error is not None:
            raise AggloError(self.error)
        assert self.report is not None
        return self.report

    def kill(self) -> None:
        """Stop the child (the build is being abandoned)."""
        if self.process is not None:
            self.process.kill()
            self.process.join()
            self.process = None
        if self.conn is not None:
            self.conn.close()
            self.conn = None
