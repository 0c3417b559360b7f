#!/usr/bin/env bash
# Concurrency: processes race on the same instances of one store. For every instance
# exactly one racer wins; the others get a conflict (exit 3); nothing reports
# "database is locked"; and audit verify passes afterwards.
# Usage: run.sh GRIDSTAT SOURCE_DIR
set -u
G=$(realpath "$1")
cd "$2" || exit 2
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
DB="$TMP/race.db"
W=examples/workflow
A=agri_report/2021/450123100
failed=0 passed=0
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }
"$G" init --db "$DB" --defs definitions/guangxi --org examples/org.yaml >/dev/null || exit 2
"$G" release --db "$DB" --as region-45 --survey agri_village --period 2021 --under 450123100000 >/dev/null || exit 2
villages="201 202 203 204 205 206"
for v in $villages; do
  f=$W/agri-450123100$v.json
  [ -f $W/agri-450123100$v-fixed.json ] && f=$W/agri-450123100$v-fixed.json
  [ -f $W/agri-450123100$v-explained.json ] && f=$W/agri-450123100$v-explained.json
  "$G" submit --db "$DB" --as coord-450123100$v "$f" >/dev/null || { fail "setup submit $v"; }
done
for v in $villages; do
  "$G" act --db "$DB" --as town-450123100 $A$v approve >/dev/null && "$G" act --db "$DB" --as county-450123 $A$v accept >/dev/null || fail "setup accept $v"
done
# Round 1: the county and the city both reopen every accepted report at once.
race() {  # USER ORDER... : one command per instance, exit codes to $TMP/USER
  local user=$1; shift
  for v in "$@"; do
    "$G" act --db "$DB" --as "$user" $A$v reopen --comment "复核" >/dev/null 2>>"$TMP/$user.err"
    echo "$v $?" >>"$TMP/$user.rc"
  done
}
race county-450123 $villages &
race city-4501 $(echo $villages | tr ' ' '\n' | sort -r) &
wait
for v in $villages; do
  a=$(awk -v v=$v '$1 == v {print $2}' "$TMP/county-450123.rc")
  b=$(awk -v v=$v '$1 == v {print $2}' "$TMP/city-4501.rc")
  if { [ "$a" = 0 ] && [ "$b" = 3 ]; } || { [ "$a" = 3 ] && [ "$b" = 0 ]; }; then
    passed=$((passed + 1))
  else
    fail "village $v: county exited $a, city exited $b (want one 0 and one 3)"
  fi
done
# Round 2: four processes repeat the same request ids: each id takes effect once.
for p in 1 2 3 4; do
  ( for v in $villages; do "$G" act --db "$DB" --as town-450123100 $A$v return --comment "请补充" --request-id "once-$v" >/dev/null 2>>"$TMP/p$p.err"; done ) &
done
wait
for v in $villages; do
  n=$(sqlite3 "$DB" "SELECT count(*) FROM events WHERE request_id = 'once-$v'")
  if [ "$n" = 1 ]; then passed=$((passed + 1)); else fail "request once-$v took effect $n times"; fi
done
# Round 3: three processes of the same coordinator submit every returned report at once: one
# submission per report takes effect (revision 2); the others are refused (exit 1, wrong_state:
# the report is already submitted) and nothing of theirs is stored.
for p in 1 2 3; do
  ( for v in $villages; do
      f=$W/agri-450123100$v.json
      [ -f $W/agri-450123100$v-fixed.json ] && f=$W/agri-450123100$v-fixed.json
      [ -f $W/agri-450123100$v-explained.json ] && f=$W/agri-450123100$v-explained.json
      "$G" submit --db "$DB" --as coord-450123100$v "$f" >/dev/null 2>>"$TMP/s$p.err"
      echo "$v $?" >>"$TMP/s$p.rc"
    done ) &
done
wait
for v in $villages; do
  codes=$(cat "$TMP"/s[123].rc | awk -v v=$v '$1 == v {print $2}' | sort | tr '\n' ' ')
  revs=$(sqlite3 "$DB" "SELECT count(*) FROM submissions WHERE instance = '$A$v'")
  state=$("$G" show --db "$DB" $A$v --format json | sed -n 's/.*"state":"\([a-z_]*\)".*/\1/p' | head -1)
  if [ "$codes" = "0 1 1 " ] && [ "$revs" = 2 ] && [ "$state" = submitted ]; then passed=$((passed + 1))
  else fail "village $v: submit exits '$codes', $revs revisions, state $state (want '0 1 1 ', 2, submitted)"; fi
done
n=$(cat "$TMP"/s[123].err | grep -c "wrong_state")
if [ "$n" = 12 ]; then passed=$((passed + 1)); else fail "$n of 12 losing submits said wrong_state"; fi
if cat "$TMP"/*.err 2>/dev/null | grep -qi "locked\|busy"; then fail "a 'database is locked' error reached the user"; else passed=$((passed + 1)); fi
if "$G" audit verify --db "$DB" >"$TMP/verify.txt"; then passed=$((passed + 1)); else fail "audit verify: $(cat "$TMP/verify.txt")"; fi
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
