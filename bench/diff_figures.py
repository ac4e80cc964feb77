#!/usr/bin/env python3
"""Differential check of two figures.csv files (contract: shared/contracts/figures.md).

    python3 bench/diff_figures.py OURS.csv PEER.csv [--limit 20] [--quiet]

Compares every (indicator, dimension, category, period) that both files hold:
- value: counts must be equal exactly; means, percentages and amounts (any value with a
  decimal point in either file) within 0.01; `<5` and empty must match literally;
- n: equal (both empty, or the same integer).
Prints the keys found in only one of the files (counted per indicator) and every
disagreement (the first --limit per indicator). Exit status 0 when everything both hold
agrees, 1 when something disagrees, 2 on a usage or format error.
Standard library only.
"""
from __future__ import annotations

import argparse
import csv
import sys
from collections import Counter, defaultdict
from pathlib import Path

HEADER = ["indicator", "dimension", "category", "period", "value", "n"]
TOLERANCE = 0.01


def read(path: Path) -> dict[tuple[str, str, str, str], tuple[str, str]]:
    rows: dict[tuple[str, str, str, str], tuple[str, str]] = {}
    with open(path, encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        if header is None or [h.strip() for h in header] != HEADER:
            sys.exit(f"{path}: expected header {','.join(HEADER)}, found {header!r}")
        for lineno, row in enumerate(reader, 2):
            if not row:
                continue
            if len(row) != 6:
                sys.exit(f"{path}:{lineno}: expected 6 fields, found {len(row)}")
            key = (row[0], row[1], row[2], row[3])
            if key in rows:
                print(f"warning: {path}:{lineno}: duplicate key {key}", file=sys.stderr)
            rows[key] = (row[4].strip(), row[5].strip())
    return rows


def num(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def same_value(a: str, b: str) -> bool:
    if a == b:
        return True
    x, y = num(a), num(b)
    if x is None or y is None:
        return False  # "<5" / "" against a number, or two different non-numbers
    if "." in a or "." in b or "e" in a.lower() or "e" in b.lower():
        return abs(x - y) <= TOLERANCE + 1e-9
    return x == y  # counts: exactly


def same_n(a: str, b: str) -> bool:
    if a == b:
        return True
    x, y = num(a), num(b)
    return x is not None and y is not None and x == y and x == int(x)


def fmt_key(k: tuple[str, str, str, str]) -> str:
    ind, dim, cat, per = k
    where = f"{dim}={cat}" if dim or cat else "(total)"
    return f"{ind} {where} {per}"


def compare(ours: dict, peer: dict, limit: int, out=sys.stdout, quiet: bool = False) -> dict:
    only_ours = sorted(set(ours) - set(peer))
    only_peer = sorted(set(peer) - set(ours))
    both = sorted(set(ours) & set(peer))
    bad: dict[str, list] = defaultdict(list)
    for k in both:
        (va, na), (vb, nb) = ours[k], peer[k]
        problems = []
        if not same_value(va, vb):
            problems.append("value")
        if not same_n(na, nb):
            problems.append("n")
        if problems:
            bad[k[0]].append((k, ours[k], peer[k], problems))

    indicators = sorted({k[0] for k in ours} | {k[0] for k in peer})
    co, cp, cb = Counter(k[0] for k in only_ours), Counter(k[0] for k in only_peer), Counter(k[0] for k in both)
    p = lambda *a: print(*a, file=out)  # noqa: E731
    n_bad = sum(len(v) for v in bad.values())
    p(f"figures: ours {len(ours)}, peer {len(peer)}, in both {len(both)}, "
      f"only ours {len(only_ours)}, only peer {len(only_peer)}, disagreeing {n_bad}")
    if not quiet:
        p("")
        p("| indicator | both | agree | disagree | only ours | only peer |")
        p("|---|---:|---:|---:|---:|---:|")
        for ind in indicators:
            d = len(bad.get(ind, []))
            p(f"| {ind} | {cb[ind]} | {cb[ind] - d} | {d} | {co[ind]} | {cp[ind]} |")
        for title, keys, src in (("only in ours", only_ours, ours), ("only in the peer", only_peer, peer)):
            if not keys:
                continue
            p("")
            p(f"{title} (first {limit} per indicator):")
            shown: Counter = Counter()
            for k in keys:
                if shown[k[0]] < limit:
                    v, n = src[k]
                    p(f"  {fmt_key(k)}: value={v!r} n={n!r}")
                shown[k[0]] += 1
            for ind, c in sorted(shown.items()):
                if c > limit:
                    p(f"  … {ind}: {c - limit} more")
        if bad:
            p("")
            p(f"disagreements (first {limit} per indicator):")
            for ind in sorted(bad):
                rows = bad[ind]
                p(f"  {ind}: {len(rows)} disagreeing")
                for k, (va, na), (vb, nb), problems in rows[:limit]:
                    p(f"    {fmt_key(k)}: ours value={va} n={na or '-'} | peer value={vb} n={nb or '-'}"
                      f"  [{'+'.join(problems)}]")
    return {"only_ours": len(only_ours), "only_peer": len(only_peer), "both": len(both), "disagree": n_bad,
            "disagree_by_indicator": {k: len(v) for k, v in bad.items()},
            # per indicator, what each disagreeing figure disagrees on ("value", "n" or both)
            "disagree_fields": {k: [problems for *_, problems in v] for k, v in bad.items()}}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("ours", type=Path)
    ap.add_argument("peer", type=Path)
    ap.add_argument("--limit", type=int, default=20, help="disagreements shown per indicator (default 20)")
    ap.add_argument("--quiet", action="store_true", help="only the one-line summary")
    args = ap.parse_args()
    for p in (args.ours, args.peer):
        if not p.is_file():
            print(f"error: {p} does not exist", file=sys.stderr)
            return 2
    result = compare(read(args.ours), read(args.peer), args.limit, quiet=args.quiet)
    return 1 if result["disagree"] else 0


if __name__ == "__main__":
    sys.exit(main())
