"""``agglo demo``: a deterministic generator of SYNTHETIC raw input data.

Everything written here is invented. The files follow the raw-input contract of
``docs/data_contract.md`` (file names, column order, ``source`` and ``unit`` columns, the catalog's
units) and are shaped like the real yearbooks (31 provinces x 2003-2021, every prefecture, Sichuan's
183 counties x 2011-2022, realistic magnitudes), with known relationships planted so that the
studies' signs are recoverable. ``data/demo/README.md`` documents every planted parameter; the
numbers below (``PLANTED``) are the single source of those values.

The generator reads the reference seeds in ``warehouse/seeds/`` (provinces, prefectures, counties,
code changes, CIC divisions, indicator catalog) so that codes and units always match the warehouse.

Determinism: one :class:`numpy.random.Generator` seeded once, draws in a fixed order, values rounded
to a fixed number of decimals per unit *before* anything is derived from them, rows sorted by key,
Unix line endings. Two runs with the same seed give byte-identical files.

The generator is a package with one module per generated file family: ``common`` (constants, planted
parameters, helpers, seed readers), ``provinces``, ``prefectures``, ``counties``, ``county_industry``,
``rows`` (long rows, gaps, names, CSV writing), and ``national`` / ``firms`` for
``agglo demo --scale national``.

Examples
--------
>>> from pathlib import Path
>>> from analysis.demo.generate import write_demo
>>> write_demo(Path("/tmp/agglo-demo"), seed=20240601)  # doctest: +SKIP
"""


from __future__ import annotations

from pathlib import Path

import numpy as np

from analysis.demo.common import (
    COUNTY_YEARS,
    DEFAULT_SEED,
    PLANTED,
    PROVINCE_YEARS,
    SEEDS_DIR,
    SOURCE,
    UNIT_DECIMALS,
    Reference,
    load_reference,
)
from analysis.demo.counties import (
    _county_panel,
)
from analysis.demo.prefectures import (
    _prefecture_employment,
)
from analysis.demo.provinces import (
    _province_panel,
)
from analysis.demo.rows import (
    HEADERS,
    _county_tables,
    _province_tables,
    _write_csv,
)

# the package's public names, importable from here as before the split into modules
__all__ = ["COUNTY_YEARS", "DEFAULT_SEED", "HEADERS", "PLANTED", "PROVINCE_YEARS", "SEEDS_DIR", "SOURCE",
           "UNIT_DECIMALS", "Reference", "generate", "load_reference", "write_demo"]


def generate(seed: int = DEFAULT_SEED, ref: Reference | None = None) -> dict[str, list[list[str]]]:
    """Generate every demo table as rows of strings (header excluded), keyed by file stem."""
    ref = ref or load_reference()
    rng = np.random.default_rng(seed)
    # the Sichuan counties draw from their own stream, so that a change to the province generator
    # (e.g. a planted parameter that alters how many Poisson draws the innovation centres consume)
    # never reshuffles the county data
    county_rng = np.random.default_rng([seed, 1])
    prov = _province_panel(rng, ref)
    pref_rows = _prefecture_employment(rng, ref, prov.codes, prov.employment)
    county = _county_panel(county_rng, ref)
    emp_rows, prov_ind = _province_tables(rng, ref, prov)
    county_ind, county_industry = _county_tables(county_rng, ref, county)
    return {
        "province_sector_employment": emp_rows,
        "prefecture_sector_employment": [list(r) for r in pref_rows],
        "province_indicators": prov_ind,
        "county_indicators": county_ind,
        "county_industry": county_industry,
    }


def write_demo(out_dir: Path, *, seed: int = DEFAULT_SEED) -> None:
    """Write the synthetic demo raw files to ``out_dir`` (data/demo/README.md documents them).

    Parameters
    ----------
    out_dir
        Directory to write ``<table>.csv`` files into (created if missing).
    seed
        Seed of the one :class:`numpy.random.Generator`; the same seed gives byte-identical files.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    tables = generate(seed)
    for stem, rows in tables.items():
        _write_csv(out_dir / f"{stem}.csv", HEADERS[stem], rows, seed)
    print(f"agglo demo: wrote SYNTHETIC demo data (seed={seed}) to {out_dir}")
