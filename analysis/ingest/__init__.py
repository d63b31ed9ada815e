"""Real NBS data-portal exports and yearbook tables -> the raw contract CSVs (``agglo ingest``, issue 10).

Modules, from bytes to contract rows: :mod:`cells` (containers: CSV, XLS with CNKI decryption, XLSX,
HTML), :mod:`detect` (format from content), :mod:`nbs` and :mod:`cnki` (layouts), :mod:`names`
(region labels), :mod:`indicators` (seed ``indicator_aliases``), :mod:`merge` (no silent overwrite,
all-or-nothing write), :mod:`report` (ingest report), :mod:`run` (orchestration). See docs/ingest.md.
"""

from analysis.ingest.run import ingest

__all__ = ["ingest"]
