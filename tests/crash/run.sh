#!/usr/bin/env bash
# Crash consistency: a batch of workflow commands is killed with SIGKILL at a random
# moment, ITERATIONS times. After each kill: the store opens, `audit verify` passes,
# and every command that reported success before the kill is in the log.
# Usage: run.sh GRIDSTAT SOURCE_DIR [ITERATIONS]
set -u
G=$(realpath "$1")
cd "$2" || exit 2
N=${3:-100}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
DB="$TMP/crash.db"
"$G" init --db "$DB" --defs definitions/guangxi --org examples/org.yaml >/dev/null || exit 2
"$G" release --db "$DB" --as region-45 --survey agri_village --period 2021 --under 450123000000 >/dev/null || exit 2
mapfile -t villages < <("$G" list --db "$DB" --survey agri_village --format json | sed -n 's/.*"division":"\([0-9]*\)".*/\1/p' | head -60)
failed=0 passed=0
# The batch: for each village, a refused submit (wrong user), then an approve that is refused,
# then a return that is refused: each one a durable event. Every acknowledged request id is logged.
for ((i = 1; i <= N; i++)); do
  ack="$TMP/ack-$i.txt"
  : >"$ack"
  (
    for v in "${villages[@]}"; do
      for action in approve return archive; do
        rid="r$i-$v-$action"
        "$G" act --db "$DB" --as county-450123 "agri_report/2021/$v" "$action" --comment x --request-id "$rid" >/dev/null 2>&1
        rc=$?
        # 1 is a refusal that was recorded: acknowledged all the same.
        if [ $rc -eq 0 ] || [ $rc -eq 1 ]; then echo "$rid" >>"$ack"; fi
      done
    done
  ) &
  pid=$!
  sleep "0.$((RANDOM % 400 + 20))"
  pkill -9 -P "$pid" 2>/dev/null
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  if ! "$G" audit verify --db "$DB" >"$TMP/verify.txt" 2>&1; then
    echo "FAIL iteration $i: audit verify after SIGKILL: $(cat "$TMP/verify.txt")"
    failed=$((failed + 1))
    break
  fi
  missing=0
  while read -r rid; do
    if ! sqlite3 "$DB" "SELECT 1 FROM events WHERE request_id = '$rid' LIMIT 1" | grep -q 1; then missing=$((missing + 1)); fi
  done <"$ack"
  if [ $missing -gt 0 ]; then
    echo "FAIL iteration $i: $missing acknowledged requests are not in the log"
    failed=$((failed + 1))
  else
    passed=$((passed + 1))
  fi
done
events=$(sqlite3 "$DB" "SELECT count(*) FROM events")
echo "crash consistency: $N kills, $events events in the log"
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
