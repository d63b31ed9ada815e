"""The error types a user sees.

:class:`AggloError` is the one error type that carries an exit code: ``agglo`` prints its message
without a traceback and exits with :attr:`AggloError.exit_code`. Every layer raises it (or a subclass)
for problems the user can act on; nothing below :mod:`analysis.cli` imports the CLI.
"""

from __future__ import annotations


class AggloError(Exception):
    """An error the user can act on: printed without a traceback, exit code 2."""

    exit_code: int = 2


class SpecError(AggloError, ValueError):
    """A problem with a spec or its data that the user can fix (message names model and problem)."""
