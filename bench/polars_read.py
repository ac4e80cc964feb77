#!/usr/bin/env python3
"""Lower bound for `load`: Polars reading the export's CSV files into typed frames, nothing else.

    BENCH_VENV/bin/python bench/polars_read.py DIR [--columns needed|all]

Reads each `<table>.csv` of the export (`;` separator, UTF-8, header row) with Polars'
lazy CSV reader and collects it: dates parsed (`dd-mm-jjjj`), scores and counts as
integers, the rest as strings. No checks, no aliases, no exclusions.

--columns needed (default): only the columns `pipeline` itself reads (the TableSpecs of
  pipeline/load/export.rs: e.g. contactmomenten only Casusnummer and Datum), so this is the
  like-for-like bound of our load stage.
--columns all: every column in the file, typed where the contract gives a type.

Prints one JSON line: {"seconds": in-process wall time, "rows": total rows, "tables": {...}}.
The process's own wall time and peak memory come from /usr/bin/time around it.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import polars as pl

D = "date"
I = "int"
F = "float"
S = "str"

# Every column of regas-export.md with its type; `needed` marks what pipeline/load/export.rs reads.
TABLES: dict[str, list[tuple[str, str, bool]]] = {
    "casussen": [
        ("Casusnummer", S, True), ("Clientnummer", S, True), ("Ondersteuningsvorm", S, True),
        ("Werksoort", S, True), ("Team", S, True), ("Woonplaats", S, True), ("Aanmelddatum", D, True),
        ("Startdatum", D, True), ("Einddatum", D, True), ("Verwijzer", S, True), ("Hoofddomeinen", S, True),
        ("Afsluitreden", S, True), ("Samenwerkingspartners", S, True),
    ],
    # Geboortedatum may hold only a year: read as text, then dd-mm-jjjj or `jjjj` -> 1 July.
    "clienten": [("Clientnummer", S, True), ("Geboortedatum", "birth", True), ("Geslacht", S, True)],
    "contactmomenten": [("Casusnummer", S, True), ("Datum", D, True), ("Soort", S, False), ("Duur", I, False)],
    "zrm_metingen": [("Casusnummer", S, True), ("Datum", D, True), ("Domein", S, True), ("Score", I, True),
                     ("Type", S, True)],
    "tevredenheid": [("Casusnummer", S, True), ("Datum", D, True), ("Vraag", S, False), ("Score", F, True)],
    "collectieve_trajecten": [
        ("Trajectnummer", S, True), ("Naam", S, False), ("Categorie", S, True), ("Doelgroep", S, True),
        ("Startdatum", D, True), ("Einddatum", D, True), ("Kracht start", I, True), ("Kracht eind", I, True),
    ],
    "bijeenkomsten": [("Trajectnummer", S, True), ("Datum", D, True), ("Deelnemers", I, True)],
    "mantelzorgers": [("Relatienummer", S, True), ("Registratiedatum", D, True), ("Uitschrijfdatum", D, True),
                      ("Jonge mantelzorger", S, True)],
    "vrijwilligers": [("Relatienummer", S, True), ("Startdatum", D, True), ("Einddatum", D, True),
                      ("Project", S, False)],
}


def typed(name: str, kind: str) -> pl.Expr:
    c = pl.col(name)
    if kind == D:
        return c.str.to_date("%d-%m-%Y", strict=False)
    if kind == "birth":
        full = c.str.to_date("%d-%m-%Y", strict=False)
        year = pl.when(c.str.len_chars() == 4).then((c + "-07-01").str.to_date("%Y-%m-%d", strict=False))
        return pl.coalesce(full, year).alias(name)
    if kind == I:
        return c.cast(pl.Int64, strict=False)
    if kind == F:
        return c.cast(pl.Float64, strict=False)
    return c


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dir", type=Path)
    ap.add_argument("--columns", choices=["needed", "all"], default="needed")
    args = ap.parse_args()
    t0 = time.perf_counter()
    frames: dict[str, pl.LazyFrame] = {}
    for table, cols in TABLES.items():
        path = args.dir / f"{table}.csv"
        if not path.is_file():
            continue
        header = path.open(encoding="utf-8-sig").readline().rstrip("\r\n").split(";")
        wanted = [(n, k) for n, k, needed in cols if n in header and (needed or args.columns == "all")]
        lf = pl.scan_csv(path, separator=";", infer_schema=False, encoding="utf8")
        frames[table] = lf.select([typed(n, k) for n, k in wanted])
    # Collect all tables together so Polars can use both cores across them, like a real load.
    collected = pl.collect_all(list(frames.values()))
    seconds = time.perf_counter() - t0
    tables = {t: f.height for t, f in zip(frames, collected)}
    print(json.dumps({"seconds": round(seconds, 4), "rows": sum(tables.values()), "columns": args.columns,
                      "polars": pl.__version__, "tables": tables}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
