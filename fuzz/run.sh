#!/usr/bin/env bash
# The work of `make fuzz` after the build: fuzz/run.sh BUILD_DIR SECONDS [TARGET...]
#
# 1. every file in tests/fuzz/<target>/ (inputs that once failed) runs through its target;
# 2. unless SECONDS is 0, each target then fuzzes for SECONDS, one after the other, from
#    its persistent corpus BUILD_DIR/corpus/<target> and seeds made afresh from the
#    shipped files (fuzz/seeds.sh). Crash, leak, timeout and out-of-memory inputs land in
#    BUILD_DIR/artifacts/<target>/; the log of each run in BUILD_DIR/logs/.
#
# Executions and exec/s per target go to BUILD_DIR/fuzz-summary.txt. Exits 1 when any
# target failed on any input.
set -uo pipefail
B=$1 SECONDS_PER_TARGET=$2
shift 2
TARGETS=${*:-fuzz_dsl fuzz_submission fuzz_org fuzz_audit}
cd "$(dirname "$0")/.." || exit 2

# UBSan reports abort (the library is also built with -fno-sanitize-recover); leaks count.
# ASan's own RSS limit, a little below libFuzzer's -rss_limit_mb, stops a runaway input
# first: libFuzzer's out-of-memory report prints a heap profile whose cost grows with the
# square of the live allocations and can take hours on a big heap. ASan just dies, and
# libFuzzer still saves the input (as crash-*).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:hard_rss_limit_mb=1900}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

max_len() {
  case $1 in
    fuzz_org) echo 16384 ;;
    *) echo 65536 ;;
  esac
}
extra_flags() {
  case $1 in
    fuzz_dsl) echo "-dict=fuzz/gridstat.dict" ;;
    fuzz_submission) echo "-dict=fuzz/submission.dict" ;;
  esac
}

# The targets' scratch files, in memory when possible; a crashing target leaves its
# directory behind, so the whole of it goes when this run ends.
scratch=$(mktemp -d /dev/shm/gridstat-fuzz-run.XXXXXX 2>/dev/null || mktemp -d)
trap 'rm -rf "$scratch"' EXIT
export TMPDIR=$scratch

# A figure of libFuzzer's final stats (-print_final_stats=1) from a log.
final_stat() { sed -n "s/^stat::$2: *//p" "$1" | tail -n 1; }

mkdir -p "$B/logs"
summary=$B/fuzz-summary.txt
failed=()

# --- 1. regression inputs: one process each, so that every failing one is named --------
for t in $TARGETS; do
  [ -d "tests/fuzz/$t" ] || continue
  n=0 bad=0
  while IFS= read -r -d '' f; do
    n=$((n + 1))
    log=$B/logs/$t-regress-$(basename "$f").log
    # timeout: a hard bound besides libFuzzer's own limits.
    if ! timeout -k 30 600 "$B/bin/$t" -rss_limit_mb=2048 -timeout=10 "$f" > "$log" 2>&1; then
      bad=$((bad + 1))
      echo "$t: $f FAILS (whole report: $log):"
      grep -E 'ERROR|invariant|rss limit|terminate|SUMMARY|^ +#[0-9]+ ' "$log" | cut -c1-240 | head -n 24
    fi
  done < <(find "tests/fuzz/$t" -type f -print0 | sort -z)
  echo "$t: $((n - bad)) of $n regression input(s) pass"
  [ $bad -eq 0 ] || failed+=("$t (tests/fuzz/$t)")
done

# --- 2. campaigns ---------------------------------------------------------------
if [ "$SECONDS_PER_TARGET" != 0 ]; then
  bash fuzz/seeds.sh "$B/bin/gridstat" "$B/fuzz-defs" "$B/seeds" || exit 1
  {
    echo "gridstat fuzz run, $(date -u +%Y-%m-%dT%H:%M:%SZ), ${SECONDS_PER_TARGET}s per target"
    printf '%-18s %12s %8s %10s %8s  %s\n' target executions exec/s new_units corpus result
  } > "$summary"
  for t in $TARGETS; do
    mkdir -p "$B/corpus/$t" "$B/artifacts/$t"
    log=$B/logs/$t.log
    echo "$t: fuzzing for ${SECONDS_PER_TARGET}s (log: $log)"
    # timeout: a hard bound besides libFuzzer's own, should anything still hang.
    # shellcheck disable=SC2046
    timeout -k 30 $((SECONDS_PER_TARGET + 300)) "$B/bin/$t" -max_total_time="$SECONDS_PER_TARGET" \
      -rss_limit_mb=2048 -max_len="$(max_len "$t")" -timeout=10 -print_final_stats=1 \
      -artifact_prefix="$B/artifacts/$t/" $(extra_flags "$t") \
      "$B/corpus/$t" "$B/seeds/$t" > "$log" 2>&1
    rc=$?
    result=ok
    if [ $rc -ne 0 ]; then
      result="FAILED (exit $rc)"
      [ $rc -eq 124 ] || [ $rc -eq 137 ] && result="FAILED (killed after $((SECONDS_PER_TARGET + 300))s)"
      failed+=("$t")
      echo "$t: FAILED; artifacts in $B/artifacts/$t/; whole report: $log"
      grep -E 'ERROR|invariant|rss limit|terminate|SUMMARY|^ +#[0-9]+ |Test unit written' "$log" | cut -c1-240 | head -n 40
    fi
    printf '%-18s %12s %8s %10s %8s  %s\n' "$t" "$(final_stat "$log" number_of_executed_units)" \
      "$(final_stat "$log" average_exec_per_sec)" "$(final_stat "$log" new_units_added)" \
      "$(find "$B/corpus/$t" -type f | wc -l)" "$result" >> "$summary"
  done
  cat "$summary"
fi

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzzing failed: ${failed[*]}"
  exit 1
fi
