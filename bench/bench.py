#!/usr/bin/env python3
"""The benchmark driver behind bench/run.sh (standard library only; see bench/README.md).

    python3 bench/bench.py --binary target/release/pipeline --peer-venv V --bench-venv B \
        --data-root ~/.cache/pipeline-bench --scales xs,s,m,l --repeat 3

Per scale, on the peer's generated inputs (<data-root>/<scale>):
1. whole runs, alternately, --repeat times each: our `pipeline run --quarter Q --config C`
   (folder source, fresh state and output folders per run) and the peer's
   `baseline.py --quarter Q --input DIR --out OUT`, each under `/usr/bin/time -v`
   (wall time, peak RSS); our per-stage times from the JSON log ("stage finished");
2. lower bounds: Polars reading the same CSV files into typed frames (bench/polars_read.py,
   the columns we read and all columns) and Typst compiling the two layouts
   (bench/typst_compile.py), --repeat times each;
3. the differential check of both figures.csv files (bench/diff_figures.py).
Prints Markdown tables, the targets of issue 22 met or not, and writes everything as JSON.
"""
from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
import diff_figures  # noqa: E402

# Disagreements where the contract shows the peer wrong (bench/README.md, "Differential check:
# who is right"), by indicator and the field it gets wrong: the peer writes `n` for
# col_thuiskamer_bezoek_week, figures.md says it is empty. A value of it that disagreed would count.
KNOWN_PEER_ERRORS = {"col_thuiskamer_bezoek_week": {"n"}}

STAGES = ["pull", "load", "monitor", "disclose", "render", "publish"]
TABLES = ["casussen", "clienten", "contactmomenten", "zrm_metingen", "tevredenheid", "collectieve_trajecten",
          "bijeenkomsten", "mantelzorgers", "vrijwilligers"]
MB = 1024 * 1024


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- measuring


def timed(cmd: list[str], cwd: Path, env: dict | None = None, stdout=None) -> dict:
    """Runs cmd under /usr/bin/time -v; returns wall seconds, peak RSS bytes, exit code, stderr."""
    with tempfile.NamedTemporaryFile("r", suffix=".time", delete=False) as tf:
        tpath = tf.name
    try:
        t0 = time.perf_counter()
        p = subprocess.run(["/usr/bin/time", "-v", "-o", tpath, *cmd], cwd=cwd, env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        wall_own = time.perf_counter() - t0
        report = Path(tpath).read_text()
    finally:
        os.unlink(tpath)
    m = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", report)
    wall = (int(m.group(1) or 0) * 3600 + int(m.group(2)) * 60 + float(m.group(3))) if m else wall_own
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", report)
    return {"wall": wall, "wall_perf": wall_own, "rss": int(rss.group(1)) * 1024 if rss else None,
            "rc": p.returncode, "stdout": p.stdout, "stderr": p.stderr}


def count_rows(data: Path, cache: Path) -> dict:
    """Data rows per CSV table (lines minus the header), cached beside the data folder."""
    if cache.is_file():
        return json.loads(cache.read_text())
    rows = {}
    for t in TABLES:
        f = data / f"{t}.csv"
        if not f.is_file():
            continue
        n = 0
        last = b"\n"
        with open(f, "rb") as fh:
            while chunk := fh.read(1 << 24):
                n += chunk.count(b"\n")
                last = chunk[-1:]
        rows[t] = n - 1 + (0 if last == b"\n" else 1)
    cache.write_text(json.dumps(rows))
    return rows


# --------------------------------------------------------------------------- ours


def our_config(work: Path, data: Path, extra_top: str, extra_tenant: str) -> Path:
    layouts = REPO / "layouts"
    text = f'''# Written by bench/bench.py: the peer's generated export and budget, fresh state and output.
state_dir = "{work / 'state'}"
output_dir = "{work / 'output'}"
layouts_dir = "{layouts}"
commentary_dir = "{work / 'commentary'}"
{extra_top}
[[tenant]]
id = "bench"
organisation = "Welzijn Noorderkwartier"
municipality = "Gemeente Noorderkwartier"
export = {{ kind = "dir", path = "{data}" }}
{extra_tenant}
[tenant.budget]
file = "begroting-{{year}}.xlsx"
source = {{ kind = "dir", path = "{data}" }}

[tenant.brands.gemeente]
name = "Gemeente Noorderkwartier"
logo = "{layouts / 'brand/noorderkwartier.svg'}"
primary = "#00626f"
accent = "#e8862a"

[tenant.documents.kwartaalrapportage]
brand = "gemeente"
public = false

[tenant.documents.raadsmemo]
brand = "gemeente"
public = true
aan = "Gemeenteraad"
van = "College van B&W"
portefeuillehouder = "A. de Vries"
signatures = [{{ name = "J. Jansen", function = "burgemeester" }}, {{ name = "P. Pietersen", function = "secretaris" }}]
'''
    path = work / "pipeline.toml"
    path.write_text(text)
    return path


def run_ours(args, data: Path, work: Path) -> dict:
    load_before = os.getloadavg()[0]
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    cfg = our_config(work, data, os.environ.get("BENCH_CONFIG_EXTRA", ""),
                     os.environ.get("BENCH_TENANT_EXTRA", ""))
    env = {k: v for k, v in os.environ.items() if k not in ("INVOCATION_ID",)}
    env["JOURNAL_STREAM"] = env.get("JOURNAL_STREAM", "1")  # JSON logs also on CLIs without --log-format
    env.setdefault("RUST_LOG", "info")
    cmd = [str(args.binary)]
    if args.log_flag:
        cmd += ["--log-format", "json"]
    cmd += ["run", "--quarter", args.quarter, "--config", str(cfg)]
    if not os.environ.get("BENCH_MAIL"):
        cmd.append("--no-mail")
    r = timed(cmd, cwd=work, env=env)
    stages: dict[str, float] = {}
    for line in r["stderr"].splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError:
            continue
        fields = rec.get("fields", rec)  # tracing-subscriber flattens or nests the fields
        if fields.get("message") == "stage finished" and "stage" in fields:
            stages[fields["stage"]] = float(fields.get("seconds", 0.0))
    r["stages"] = stages
    r["loadavg"] = load_before
    # Every figure, unsuppressed, is in the internal edition (`v<n>/intern/figures.csv`); a
    # public edition never has one.
    figures = sorted(work.glob("output/*/*/v*/intern/figures.csv"))
    r["figures"] = figures[0] if figures else None
    return r


def keep_figures(run: dict, who: str, dest: Path) -> None:
    # Without both files there is no differential check; a benchmark that skipped it silently
    # would report speed for figures nobody compared.
    if not run["figures"]:
        raise SystemExit(f"{who} wrote no figures.csv (ours: v<n>/intern/figures.csv)")
    shutil.copy(run["figures"], dest)


def run_peer(args, data: Path, out: Path) -> dict:
    load_before = os.getloadavg()[0]
    shutil.rmtree(out, ignore_errors=True)
    cmd = [str(args.peer_venv / "bin/python"), str(args.shared / "peer/baseline.py"), "--quarter", args.quarter,
           "--input", str(data), "--out", str(out)]
    r = timed(cmd, cwd=out.parent)
    stages = {}
    for line in (r["stdout"] + "\n" + r["stderr"]).splitlines():
        m = re.match(r"\s*(load|compute|render|total)\s+([\d.]+) s\b", line)
        if m:
            stages[m.group(1)] = float(m.group(2))
    r["stages"] = stages
    r["loadavg"] = load_before
    f = out / "figures.csv"
    r["figures"] = f if f.is_file() else None
    return r


# --------------------------------------------------------------------------- lower bounds


def polars_bound(args, data: Path, columns: str) -> dict:
    r = timed([str(args.bench_venv / "bin/python"), str(HERE / "polars_read.py"), str(data), "--columns", columns],
              cwd=REPO)
    if r["rc"] != 0:
        raise SystemExit(f"polars_read.py failed:\n{r['stderr']}")
    info = json.loads(r["stdout"].strip().splitlines()[-1])
    return {"wall": r["wall"], "rss": r["rss"], "inproc": info["seconds"], "rows": info["rows"],
            "polars": info["polars"]}


def typst_bound(args) -> dict:
    cmd = [str(args.peer_venv / "bin/python"), str(HERE / "typst_compile.py"), str(REPO / "layouts")]
    if args.typst_data:
        cmd += ["--data-dir", str(args.typst_data)]
    r = timed(cmd, cwd=REPO)
    if r["rc"] != 0:
        raise SystemExit(f"typst_compile.py failed:\n{r['stderr']}")
    info = json.loads(r["stdout"].strip().splitlines()[-1])
    return {"ms": info["ms"], "docs": {d: v["ms"] for d, v in info["docs"].items()},
            "data": {d: v["data"] for d, v in info["docs"].items()}, "rss": r["rss"], "typst_py": info["typst_py"]}


# --------------------------------------------------------------------------- reporting


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def fmt_s(x):
    return "–" if x is None else (f"{x:.2f} s" if x < 10 else f"{x:.1f} s")


def fmt_mb(b):
    return "–" if b is None else f"{b / MB:,.0f} MB"


def fmt_ms(s):
    return "–" if s is None else f"{s * 1000:,.0f} ms"


def versions(args) -> dict:
    def out(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True, cwd=REPO).stdout.strip()
        except OSError:
            return "?"
    mem = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    cpu = "?"
    try:
        cpu = next(l.split(":", 1)[1].strip() for l in Path("/proc/cpuinfo").read_text().splitlines()
                   if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    peer = out([str(args.peer_venv / "bin/python"), "-c",
                "import sys,pandas,typst;print(f'python {sys.version.split()[0]}, pandas {pandas.__version__}, "
                "typst-py {typst.__version__}')"])
    return {
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "nproc": os.cpu_count(), "cpu": cpu, "ram": mem, "kernel": platform.release(),
        "pipeline": out([str(args.binary), "--version"]),
        "git": out(["git", "rev-parse", "--short", "HEAD"]) + (" (dirty)" if out(["git", "status", "--porcelain",
                                                                                   "--untracked-files=no"]) else ""),
        "rustc": out(["rustc", "--version"]),
        "peer": peer,
        "bench_polars": out([str(args.bench_venv / "bin/python"), "-c", "import polars;print(polars.__version__)"]),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--binary", type=Path, required=True)
    ap.add_argument("--peer-venv", type=Path, required=True)
    ap.add_argument("--bench-venv", type=Path, required=True)
    ap.add_argument("--shared", type=Path, required=True)
    ap.add_argument("--data-root", type=Path, required=True)
    ap.add_argument("--scales", default="xs,s,m,l")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--repeat-l", type=int, help="repeats at scale l (default: --repeat)")
    ap.add_argument("--quarter", default="2024Q4")
    ap.add_argument("--work", type=Path, help="scratch folder for the runs (default: a temporary one)")
    ap.add_argument("--typst-data", type=Path, help="folder with kwartaalrapportage.json / raadsmemo.json")
    ap.add_argument("--results", type=Path, help="write all measurements here as JSON")
    args = ap.parse_args()
    scales = [s.strip().lower() for s in args.scales.split(",") if s.strip()]
    help_text = subprocess.run([str(args.binary), "run", "--help"], capture_output=True, text=True).stdout
    args.log_flag = "--log-format" in help_text

    work = args.work or Path(tempfile.mkdtemp(prefix="pipeline-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    # Others may rebuild target/release/pipeline during a long invocation: every run of this
    # invocation uses the same copy of the binary.
    frozen = work / "pipeline-bin"
    shutil.copy2(args.binary, frozen)
    args.binary = frozen
    info = versions(args)
    results: dict = {"machine": info, "quarter": args.quarter, "scales": {}}
    for scale in scales:
        data = args.data_root / scale
        n = args.repeat_l if (scale == "l" and args.repeat_l) else args.repeat
        rows = count_rows(data, args.data_root / f"{scale}.rows.json")
        total_rows = sum(rows.values())
        log(f"== {scale.upper()}: {total_rows:,} input rows, {n} run(s) each")
        ours, peer = [], []
        keep = work / "figures" / scale
        keep.mkdir(parents=True, exist_ok=True)
        for i in range(n):
            r = run_ours(args, data, work / "ours")
            if r["rc"] != 0:
                log(r["stderr"][-4000:])
                raise SystemExit(f"our run failed at scale {scale} (exit {r['rc']})")
            if i == 0:
                keep_figures(r, f"our run at scale {scale}", keep / "ours.csv")
            log(f"   ours #{i + 1}: {r['wall']:.2f} s, {r['rss'] / MB:,.0f} MB  "
                + " ".join(f"{k} {v:.2f}" for k, v in r["stages"].items()))
            ours.append(r)
            shutil.rmtree(work / "ours", ignore_errors=True)  # the snapshot holds a copy of the input
            p = run_peer(args, data, work / "peer")
            if p["rc"] != 0:
                log(p["stderr"][-4000:])
                raise SystemExit(f"the peer's run failed at scale {scale} (exit {p['rc']})")
            if i == 0:
                keep_figures(p, f"the peer's run at scale {scale}", keep / "peer.csv")
            log(f"   peer #{i + 1}: {p['wall']:.2f} s, {p['rss'] / MB:,.0f} MB  "
                + " ".join(f"{k} {v:.2f}" for k, v in p["stages"].items()))
            peer.append(p)
            shutil.rmtree(work / "peer", ignore_errors=True)
        bounds_needed = [polars_bound(args, data, "needed") for _ in range(n)]
        bounds_all = [polars_bound(args, data, "all") for _ in range(n)]
        typst = [typst_bound(args) for _ in range(n)]
        log(f"   polars read (our columns) {med([b['inproc'] for b in bounds_needed]):.2f} s, "
            f"(all columns) {med([b['inproc'] for b in bounds_all]):.2f} s; typst {med([t['ms'] for t in typst]):.0f} ms")
        res = {
            "rows": total_rows, "rows_per_table": rows, "repeat": n,
            "loadavg": [r["loadavg"] for r in ours + peer],
            "ours": {"wall": [r["wall"] for r in ours], "rss": [r["rss"] for r in ours],
                     "stages": [r["stages"] for r in ours]},
            "peer": {"wall": [r["wall"] for r in peer], "rss": [r["rss"] for r in peer],
                     "stages": [r["stages"] for r in peer]},
            "polars_needed": bounds_needed, "polars_all": bounds_all, "typst": typst,
        }
        o, p_ = diff_figures.read(keep / "ours.csv"), diff_figures.read(keep / "peer.csv")
        buf = io.StringIO()
        res["diff"] = diff_figures.compare(o, p_, 20, out=buf)
        res["diff_text"] = buf.getvalue()
        results["scales"][scale] = res

    print_report(results)
    if args.results:
        args.results.parent.mkdir(parents=True, exist_ok=True)
        args.results.write_text(json.dumps(results, indent=1, default=str))
        log(f"measurements written to {args.results}")
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def print_report(results: dict) -> None:
    m = results["machine"]
    S = results["scales"]
    p = print
    p(f"## Benchmark {m['date']} — quarter {results['quarter']}")
    p("")
    p(f"Machine: {m['nproc']} cores ({m['cpu']}), {m['ram']} RAM, Linux {m['kernel']}. "
      f"Ours: {m['pipeline']} at {m['git']}, {m['rustc']}. Peer: {m['peer']}. "
      f"Bound: Python polars {m['bench_polars']}.")
    p("")
    p("### Whole runs (median wall time, peak RSS; `/usr/bin/time -v`)")
    p("")
    p("| scale | input rows | runs | ours wall | ours peak | peer wall | peer peak | peer ÷ ours (time) | peer ÷ ours (memory) |")
    p("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for sc, r in S.items():
        ow, op, pw, pp = med(r["ours"]["wall"]), med(r["ours"]["rss"]), med(r["peer"]["wall"]), med(r["peer"]["rss"])
        p(f"| {sc.upper()} | {r['rows']:,} | {r['repeat']} | {fmt_s(ow)} | {fmt_mb(op)} | {fmt_s(pw)} | {fmt_mb(pp)} | "
          f"{pw / ow:.1f}× | {pp / op:.1f}× |")
    p("")
    busy = {sc: max(r["loadavg"]) for sc, r in S.items()}
    if any(v > 1.5 for v in busy.values()):
        p("**Note:** other work was running on this machine during some runs (1-minute load average before a run "
          "up to " + ", ".join(f"{sc.upper()} {v:.1f}" for sc, v in busy.items()) + " on "
          f"{m['nproc']} cores); times are then pessimistic for both sides.")
        p("")
    p("### Ours per stage (median of the runs, from the JSON log's \"stage finished\")")
    p("")
    p("| scale | " + " | ".join(STAGES) + " | sum of stages | process wall |")
    p("|---|" + "---:|" * (len(STAGES) + 2))
    for sc, r in S.items():
        st = {s: med([x.get(s) for x in r["ours"]["stages"]]) for s in STAGES}
        total = sum(v for v in st.values() if v is not None)
        p(f"| {sc.upper()} | " + " | ".join(fmt_s(st[s]) for s in STAGES) + f" | {fmt_s(total)} | "
          f"{fmt_s(med(r['ours']['wall']))} |")
    p("")
    p("Peer per stage (its own printout, medians): "
      + "; ".join(f"{sc.upper()} " + " / ".join(f"{k} {fmt_s(med([x.get(k) for x in r['peer']['stages']]))}"
                                               for k in ("load", "compute", "render"))
                  for sc, r in S.items()))
    p("")
    p("### Lower bounds (same invocation, medians)")
    p("")
    p("| scale | Polars read, our columns: in-process / process / peak | Polars read, all columns: in-process / process / peak "
      "| our load + monitor | ÷ bound (in-process, our columns) | Typst, both layouts (sample JSON) | our render |")
    p("|---|---:|---:|---:|---:|---:|---:|")
    for sc, r in S.items():
        bn, ba = r["polars_needed"], r["polars_all"]
        st = {s: med([x.get(s) for x in r["ours"]["stages"]]) for s in STAGES}
        lm = (st["load"] or 0) + (st["monitor"] or 0)
        bound = med([b["inproc"] for b in bn])
        ty = med([t["ms"] for t in r["typst"]])
        p(f"| {sc.upper()} | {fmt_s(bound)} / {fmt_s(med([b['wall'] for b in bn]))} / {fmt_mb(med([b['rss'] for b in bn]))} "
          f"| {fmt_s(med([b['inproc'] for b in ba]))} / {fmt_s(med([b['wall'] for b in ba]))} / "
          f"{fmt_mb(med([b['rss'] for b in ba]))} | {fmt_s(lm)} | {lm / bound:.1f}× | {ty:,.0f} ms | "
          f"{fmt_ms(st['render'])} |")
    p("")
    p("### Time per input row (whole run, median)")
    p("")
    p("| scale | ours µs/row | peer µs/row |")
    p("|---|---:|---:|")
    for sc, r in S.items():
        p(f"| {sc.upper()} | {med(r['ours']['wall']) / r['rows'] * 1e6:.2f} | {med(r['peer']['wall']) / r['rows'] * 1e6:.2f} |")
    per_row = {sc: med(r["ours"]["wall"]) / r["rows"] for sc, r in S.items()}
    if "l" in per_row and "m" in per_row:
        p("")
        p(f"Ours at L vs M: {per_row['l'] / per_row['m']:.2f}× the time per input row (target ≤ 1.1×).")
    p("")
    p("### Targets of issue 22")
    p("")
    checks = []

    def chk(name, ok, detail):
        checks.append((name, ok, detail))

    def w(sc):
        return med(S[sc]["ours"]["wall"])

    def rss(sc):
        return med(S[sc]["ours"]["rss"])

    if "s" in S:
        chk("S whole run ≤ 0.4 s", w("s") <= 0.4, fmt_s(w("s")))
    if "m" in S:
        chk("M whole run ≤ 2.5 s", w("m") <= 2.5, fmt_s(w("m")))
    if "l" in S:
        chk("L whole run ≤ 12 s", w("l") <= 12, fmt_s(w("l")))
        chk("L peak ≤ 2.5 GB", rss("l") <= 2.5 * 1024 * MB, fmt_mb(rss("l")))
    for sc in ("xs", "s", "m", "l"):
        if sc in S:
            ratio = med(S[sc]["peer"]["wall"]) / w(sc)
            chk(f"{sc.upper()} ≥ 7× faster than the peer", ratio >= 7, f"{ratio:.1f}×")
    if "l" in per_row and "m" in per_row:
        x = per_row["l"] / per_row["m"]
        chk("time per row at L ≤ 1.1× M", x <= 1.1, f"{x:.2f}×")
    for sc in ("m", "l"):
        if sc in S:
            st = {s: med([x.get(s) for x in S[sc]["ours"]["stages"]]) for s in STAGES}
            lm = (st["load"] or 0) + (st["monitor"] or 0)
            bound = med([b["inproc"] for b in S[sc]["polars_needed"]])
            chk(f"{sc.upper()} load + monitor ≤ 1.5× Polars read bound", lm <= 1.5 * bound, f"{lm / bound:.1f}×")
    for sc in S:
        st = med([x.get("render") for x in S[sc]["ours"]["stages"]])
        if st is not None:
            chk(f"{sc.upper()} both documents rendered ≤ 300 ms", st <= 0.3, fmt_ms(st))
    for sc in S:
        # The disclose stage: every view decided (primary, secondary, versions) and audited,
        # with the documents probed for the cells they show (issue 19: at most 100 ms).
        st = med([x.get("disclose") for x in S[sc]["ours"]["stages"]])
        if st is not None:
            chk(f"{sc.upper()} disclose + audit ≤ 100 ms", st <= 0.1, fmt_ms(st))
    for sc in S:
        # Every figure both compute agrees, bar the peer's one known error (bench/README.md,
        # "Differential check: who is right"), and every figure the peer computes is ours too.
        # Figures only ours has (totals and budget differences the peer does not compute) are
        # listed below the table, not counted against us.
        d = S[sc]["diff"]
        known = sum(set(fields) <= KNOWN_PEER_ERRORS.get(ind, set())
                    for ind, rows in d["disagree_fields"].items() for fields in rows)
        bad = d["disagree"] - known
        ok = bad == 0 and d["only_peer"] == 0
        detail = (f"{d['both']:,} in both, {bad} disagree"
                  + (f" (+{known} the peer's known error)" if known else "")
                  + f"; peer only {d['only_peer']}, ours only {d['only_ours']}")
        chk(f"{sc.upper()} every figure agrees with the peer", ok, detail)
    p("| target | measured | met |")
    p("|---|---:|---|")
    for name, ok, detail in checks:
        p(f"| {name} | {detail} | {'yes' if ok else '**no**'} |")
    p("")
    p("### Differential check (figures.csv, ours vs the peer)")
    for sc, r in S.items():
        text = r["diff_text"]
        p("")
        p(f"#### {sc.upper()}")
        p("")
        p("```")
        # The per-indicator table is long; the summary line and the lists are what matter here.
        lines = text.splitlines()
        keep = [l for l in lines if not l.startswith("|")]
        text = "\n".join(keep).strip()
        p(re.sub(r"\n{3,}", "\n\n", text))
        p("```")


if __name__ == "__main__":
    sys.exit(main())
