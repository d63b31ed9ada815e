"""The GE checkpoint in a child process, so that ``agglo run`` fits the study specs meanwhile.

The checkpoint (mostly pure-Python Great Expectations work on pandas frames) and the specs both
only read the new warehouse file; on two cores they overlap. The child reads every table it needs
and closes the file *before* the parent starts the specs (which write the results schema at the
end), so the two processes never hold the file with different access modes at the same time::

    proc = CheckpointProcess.start(new_db, raw_dir)
    proc.wait_data_loaded()     # raises AggloError when the checkpoint failed before that
    ... fit the specs on new_db ...
    proc.finish()               # raises AggloError with the checkpoint's message when it failed

Run as ``python -m analysis.checks.background DB RAW_DIR``: prints ``data-loaded`` on stdout once
the data is read, exits 2 with the checkpoint's error message on stderr when a suite fails.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from analysis.errors import AggloError

DATA_LOADED = "data-loaded"


@dataclass
class CheckpointProcess:
    """A running ``python -m analysis.checks.background`` child."""

    proc: subprocess.Popen[str]
    db_path: Path

    @classmethod
    def start(cls, db_path: Path, raw_dir: Path) -> CheckpointProcess:
        """Start the checkpoint on ``db_path`` (the raw files of ``raw_dir`` are checked again in the child)."""
        proc = subprocess.Popen(
            [sys.executable, "-m", "analysis.checks.background", str(db_path), str(raw_dir)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8", errors="replace",
        )
        return cls(proc, Path(db_path))

    def wait_data_loaded(self) -> None:
        """Block until the child has read the warehouse and closed it (or has ended)."""
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.strip() == DATA_LOADED:
                return
        self.finish()  # the child ended before reading the data: raise its error
        raise AggloError(f"the GE checkpoint on {self.db_path} ended before reading the warehouse")

    def finish(self) -> None:
        """Wait for the child; raise :class:`AggloError` with its message when the checkpoint failed."""
        _, err = self.proc.communicate()
        if self.proc.returncode == 0:
            if err.strip():
                sys.stderr.write(err)
            return
        if self.proc.returncode == 2:  # AggloError: the checkpoint's own message
            raise AggloError(err.strip())
        raise AggloError(f"the GE checkpoint on {self.db_path} crashed (exit {self.proc.returncode}):\n"
                         + err.strip()[-4000:])

    def kill(self) -> None:
        """Stop the child (the build is being abandoned)."""
        if self.proc.returncode is None:
            self.proc.kill()
            self.proc.wait()


def _main(argv: list[str]) -> int:
    from analysis.checks.checkpoint import run_checkpoint

    db_path, raw_dir = Path(argv[0]), Path(argv[1])
    try:
        run_checkpoint(db_path, raw_dir, on_data_loaded=lambda: print(DATA_LOADED, flush=True))
    except AggloError as exc:
        sys.stderr.write(str(exc) + "\n")
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv[1:]))
