#!/usr/bin/env bash
# Fuzzes every parser of outside input. Usage: fuzz/run.sh [SECONDS-PER-TARGET] [TARGET...]
#   fuzz/run.sh            every target for 10 minutes (issue 9's long run)
#   fuzz/run.sh 20         every target for 20 s (what CI does)
#   fuzz/run.sh 600 csv_table
# A crash leaves its input in fuzz/artifacts/<target>/ and fails the script; make it a
# regression test beside the code it broke. Works on the stable toolchain (no sanitizer:
# the code is safe Rust; coverage guidance is what finds the inputs).
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-600}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(dates_amounts csv_table xlsx_budget config commentary)

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/pipeline-target}"
# One core per fuzzer: libFuzzer runs one input at a time, so Polars' and Typst's pools
# would only add noise.
export POLARS_MAX_THREADS="${POLARS_MAX_THREADS:-1}" RAYON_NUM_THREADS="${RAYON_NUM_THREADS:-1}"
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked --version 0.13.2
# 16 codegen units: one unit over all of Polars and Typst takes far too long to build.
build=(-O -a -s none --codegen-units 16)
cargo fuzz build "${build[@]}"

# Seeds: real inputs of each kind, made fresh (nothing large is committed).
corpus="${FUZZ_CORPUS:-$HOME/.cache/pipeline-fuzz-corpus}"
seeds="$(mktemp -d)"
trap 'rm -rf "$seeds"' EXIT
mkdir -p "$corpus"/{dates_amounts,csv_table,xlsx_budget,config,commentary}
cargo run --quiet --release --manifest-path ../Cargo.toml -- demo-data --scale xs --out "$seeds" >/dev/null
i=0
for f in "$seeds"/*.csv; do
    # The first byte picks the table; a seed is a table's first lines.
    { printf "\\x$(printf %02x $i)"; head -c 4000 "$f"; } >"$corpus/csv_table/seed-$(basename "$f")"
    i=$((i + 1))
done
cp "$seeds"/*.xlsx "$corpus/xlsx_budget/"
cp ../config/*.toml "$corpus/config/"
find ../config/commentary -name '*.md' -exec cp {} "$corpus/commentary/" \;
for s in "1-2-2024" "29-02-2024" "2024-02-29" "1987" "€ 3.668.000" "-/- 1.234,56" "(123)" "2024Q4" "Q3 2024"; do
    printf '%s' "$s" >"$corpus/dates_amounts/seed-$(printf '%s' "$s" | sha256sum | cut -c1-12)"
done

host="$(rustc -vV | sed -n 's/^host: //p')"
status=0
for t in "${targets[@]}"; do
    echo "== $t: ${seconds}s"
    bin="$CARGO_TARGET_DIR/$host/release/$t"
    mkdir -p "artifacts/$t"
    if ! "$bin" "$corpus/$t" -max_total_time="$seconds" -timeout=30 -rss_limit_mb=4096 \
        -artifact_prefix="artifacts/$t/" -print_final_stats=1 >"$seeds/$t.log" 2>&1; then
        status=1
        grep -v '^ ' "$seeds/$t.log" | tail -25
    fi
    grep -E "^Done|stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb" "$seeds/$t.log" | sed "s/^/   /" || true
done
exit $status
