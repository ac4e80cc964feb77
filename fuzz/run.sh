#!/usr/bin/env bash
# Live fuzzing of every parser of outside input (not part of CI: the instrumented build of
# Polars and Typst takes long, and random search makes no reproducible verdict).
#
#   fuzz/run.sh                  every target for 10 minutes
#   fuzz/run.sh 60 csv_table     one target for a minute
#
# Each target starts from its committed corpus, fuzz/corpus/<target>/ (which `cargo test`
# replays without instrumentation, tests/it/fuzz_corpus.rs). Afterwards the corpus is
# minimised back into that folder (libFuzzer's -merge: the smallest set of inputs with the
# same coverage), keeping every crash-* file; commit it when it changed. A crash leaves its
# input in fuzz/artifacts/<target>/ and fails the script: fix it, then copy the input to
# fuzz/corpus/<target>/crash-<what>. Each run is appended to fuzz/runs.log
# (RELIABILITY.md lists the last 10-minute run of each target). Works on the stable
# toolchain (no sanitizer: the code is safe Rust; coverage guidance finds the inputs).
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-600}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(dates_amounts csv_table xlsx_budget config commentary)

# Its own build folder: the instrumented artefacts never mix with the test build's.
export CARGO_TARGET_DIR="${FUZZ_TARGET_DIR:-$HOME/.cache/pipeline-fuzz-target}"
# One core per fuzzer: libFuzzer runs one input at a time, so Polars' and Typst's pools
# would only add noise.
export POLARS_MAX_THREADS="${POLARS_MAX_THREADS:-1}" RAYON_NUM_THREADS="${RAYON_NUM_THREADS:-1}"
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked --version 0.13.2
# 16 codegen units: one unit over all of Polars and Typst takes far too long to build.
build=(-O -a -s none --codegen-units 16)
cargo fuzz build "${build[@]}"

host="$(rustc -vV | sed -n 's/^host: //p')"
status=0
for t in "${targets[@]}"; do
    echo "== $t: ${seconds}s"
    bin="$CARGO_TARGET_DIR/$host/release/$t"
    work="corpus-work/$t"
    mkdir -p "$work" "artifacts/$t"
    cp -n corpus/"$t"/* "$work/" 2>/dev/null || true
    log="$(mktemp)"
    result=ok
    if ! "$bin" "$work" -max_total_time="$seconds" -timeout=30 -rss_limit_mb=4096 \
        -artifact_prefix="artifacts/$t/" -print_final_stats=1 >"$log" 2>&1; then
        status=1
        result="FAILED: $(ls -t "artifacts/$t" | head -1)"
        grep -v '^ ' "$log" | tail -25
    fi
    runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")"
    grep -E "^Done|stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb" "$log" | sed "s/^/   /" || true
    # The minimised corpus replaces the committed one; crashes stay.
    merged="$(mktemp -d)"
    "$bin" -merge=1 "$merged" "$work" >>"$log" 2>&1 || true
    find "corpus/$t" -type f ! -name 'crash-*' -delete
    cp "$merged"/* "corpus/$t/" 2>/dev/null || true
    rm -rf "$merged" "$log"
    printf '%s %-14s %5ss %12s inputs  corpus %3s files  %s\n' "$(date -u +%FT%TZ)" "$t" "$seconds" \
        "${runs:-?}" "$(ls "corpus/$t" | wc -l)" "$result" >>runs.log
done
du -sh corpus
exit $status
