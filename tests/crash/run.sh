#!/usr/bin/env bash
# Crash consistency: a batch of workflow commands is killed with SIGKILL at a random
# moment, ITERATIONS times. After each kill: the store opens, `audit verify` passes,
# and every command that reported success before the kill is in the log.
# Usage: run.sh GRIDSTAT SOURCE_DIR [ITERATIONS]
set -u
G=$(realpath "$1")
cd "$2" || exit 2
N=${3:-100}
set -m  # each background batch in a process group of its own
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
DB="$TMP/crash.db"
"$G" init --db "$DB" --defs definitions/guangxi --org examples/org.yaml >/dev/null || exit 2
"$G" release --db "$DB" --as region-45 --survey agri_village --period 2021 --under 450123000000 >/dev/null || exit 2
# Six villages of 城厢镇, each with its own coordinator and a report that passes.
villages=(450123100201 450123100202 450123100203 450123100204 450123100205 450123100206)
report() {
  case $1 in
    450123100202) echo examples/workflow/agri-450123100202-fixed.json ;;
    450123100203) echo examples/workflow/agri-450123100203-explained.json ;;
    *) echo "examples/workflow/agri-$1.json" ;;
  esac
}
failed=0 passed=0
# The batch walks every village round the whole cycle, one durable command at a time:
# submit, approve, accept, reopen (back to returned), and again. Commands that the state
# does not allow are refused and recorded. Every acknowledged request id is logged.
for ((i = 1; i <= N; i++)); do
  ack="$TMP/ack-$i.txt"
  : >"$ack"
  (
    for round in 1 2 3 4 5 6; do
      for v in "${villages[@]}"; do
        inst="agri_report/2021/$v"
        run() {  # run REQUEST-ID COMMAND...
          local rid=$1; shift
          "$G" "$@" --db "$DB" --request-id "$rid" >/dev/null 2>&1
          local rc=$?
          # 1 is a refusal that was recorded: acknowledged all the same.
          if [ $rc -eq 0 ] || [ $rc -eq 1 ]; then echo "$rid" >>"$ack"; fi
        }
        run "s$i-$round-$v" submit --as "coord-$v" "$(report "$v")"
        run "a$i-$round-$v" act --as town-450123100 "$inst" approve
        run "c$i-$round-$v" act --as county-450123 "$inst" accept
        run "o$i-$round-$v" act --as county-450123 "$inst" reopen --comment "复核"
      done
    done
  ) &
  pid=$!
  sleep "0.$((RANDOM % 400 + 20))"
  # The whole process group at once (job control gives the batch its own): killing the
  # subshell and its child one after the other would let the subshell start one more
  # command, which would then run on, orphaned, while the checks below read the store.
  kill -9 -- -"$pid" 2>/dev/null
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
steps=$(sqlite3 "$DB" "SELECT count(*) FROM events WHERE body LIKE '%\"refused\":false%'")
echo "crash consistency: $N kills, $events events in the log, $steps of them state changes"
# The kills must have interrupted real work: state changes, not only refusals.
if [ "$steps" -lt "$N" ]; then echo "FAIL: only $steps state changes in $N iterations"; failed=$((failed + 1)); fi
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
