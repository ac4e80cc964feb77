#!/usr/bin/env bash
# Benchmark of `pipeline run` against the pandas peer (issue 8). See bench/README.md.
#
#   bench/run.sh [--scales xs,s,m,l] [--repeat N] [--repeat-l N] [--quarter 2024Q4]
#
# Environment:
#   SKIP_BUILD=1          do not run `cargo build --release` (use the binary as it is)
#   CARGO_TARGET_DIR      where cargo puts the binary (default: <repo>/target)
#   CARGO_LOCK            lock file held around cargo (default /tmp/cargo.lock; shared build machines)
#   PEER_VENV             the peer's virtualenv (default ~/.cache/peer-venv; made once)
#   BENCH_VENV            the virtualenv with Python polars for the lower bound (default ~/.cache/bench-venv)
#   BENCH_DATA            the generated inputs, one folder per scale (default ~/.cache/pipeline-bench)
#   BENCH_RESULTS         JSON file for every measurement (default $BENCH_DATA/results/<date>.json)
#   BENCH_KEEP=DIR        keep the scratch folder (figures.csv of both sides per scale) in DIR
#   BENCH_MAIL=1          do not pass --no-mail (once mail goes to a file outbox, configure it with
#                         BENCH_CONFIG_EXTRA / BENCH_TENANT_EXTRA: TOML appended at top level / to the tenant)
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
shared="$(cd "$repo/../shared" && pwd)"
scales="xs,s,m,l"
repeat=3
repeat_l=""
quarter="2024Q4"
while [ $# -gt 0 ]; do
    case "$1" in
        --scales) scales="$2"; shift 2 ;;
        --scales=*) scales="${1#*=}"; shift ;;
        --repeat) repeat="$2"; shift 2 ;;
        --repeat=*) repeat="${1#*=}"; shift ;;
        --repeat-l) repeat_l="$2"; shift 2 ;;
        --repeat-l=*) repeat_l="${1#*=}"; shift ;;
        --quarter) quarter="$2"; shift 2 ;;
        --quarter=*) quarter="${1#*=}"; shift ;;
        -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "bench/run.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
done
scales="$(echo "$scales" | tr 'A-Z' 'a-z')"
for s in ${scales//,/ }; do
    case "$s" in xs|s|m|l) ;; *) echo "bench/run.sh: unknown scale $s (xs, s, m, l)" >&2; exit 2 ;; esac
done

command -v /usr/bin/time >/dev/null || { echo "bench/run.sh: /usr/bin/time is missing (apt-get install -y time)" >&2; exit 1; }

# 1. The release binary.
target="${CARGO_TARGET_DIR:-$repo/target}"
binary="$target/release/pipeline"
if [ "${SKIP_BUILD:-}" != "1" ]; then
    echo "building the release binary (cargo build --release) …" >&2
    if command -v flock >/dev/null; then
        (cd "$repo" && flock "${CARGO_LOCK:-/tmp/cargo.lock}" cargo build --release --quiet)
    else
        (cd "$repo" && cargo build --release --quiet)
    fi
fi
[ -x "$binary" ] || { echo "bench/run.sh: no binary at $binary (build it, or set CARGO_TARGET_DIR)" >&2; exit 1; }

# 2. The peer's virtualenv and the one for the Polars lower bound, each made once.
export PEER_VENV="${PEER_VENV:-$HOME/.cache/peer-venv}"
if ! "$PEER_VENV/bin/python" -c 'import pandas, openpyxl, matplotlib, typst' 2>/dev/null; then
    echo "making the peer's virtualenv in $PEER_VENV …" >&2
    bash "$shared/peer/setup.sh" >&2
fi
bench_venv="${BENCH_VENV:-$HOME/.cache/bench-venv}"
if ! "$bench_venv/bin/python" -c 'import polars' 2>/dev/null; then
    echo "making the Polars virtualenv in $bench_venv …" >&2
    python3 -m venv "$bench_venv"
    "$bench_venv/bin/pip" install --quiet --upgrade pip >&2
    "$bench_venv/bin/pip" install --quiet polars >&2
fi

# 3. The peer's inputs per scale, generated once (a marker file says a folder is complete).
data="${BENCH_DATA:-$HOME/.cache/pipeline-bench}"
mkdir -p "$data"
for s in ${scales//,/ }; do
    if [ ! -f "$data/$s.done" ] || [ ! -f "$data/$s/casussen.csv" ]; then
        echo "generating the peer's inputs at scale $s into $data/$s …" >&2
        rm -rf "$data/$s" "$data/$s.rows.json"
        "$PEER_VENV/bin/python" "$shared/peer/gen_scale.py" --scale "$(echo "$s" | tr 'a-z' 'A-Z')" --out "$data/$s" >&2
        touch "$data/$s.done"
    fi
done

# 4. Measure, compare and print.
results="${BENCH_RESULTS:-$data/results/$(date +%Y%m%d-%H%M%S).json}"
extra=()
[ -n "$repeat_l" ] && extra+=(--repeat-l "$repeat_l")
[ -n "${BENCH_KEEP:-}" ] && extra+=(--work "$BENCH_KEEP")
exec python3 "$repo/bench/bench.py" \
    --binary "$binary" --peer-venv "$PEER_VENV" --bench-venv "$bench_venv" --shared "$shared" \
    --data-root "$data" --scales "$scales" --repeat "$repeat" --quarter "$quarter" \
    --results "$results" "${extra[@]}"
