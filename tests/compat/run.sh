#!/usr/bin/env bash
# Stores outlive upgrades: a store and its audit export made by the release of 2026-11-27
# (store-2026-11-27/: the store as an SQL dump, the export as written) must still open,
# verify, take new commands and verify again with this build.
# Usage: run.sh GRIDSTAT SOURCE_DIR
set -u
G=$(realpath "$1")
cd "$2" || exit 2
F=tests/compat/store-2026-11-27
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
passed=0 failed=0
check() {  # check NAME EXPECTED-EXIT COMMAND...
  local name=$1 want=$2; shift 2
  "$@" >"$TMP/out" 2>&1
  local rc=$?
  if [ $rc -eq "$want" ]; then passed=$((passed + 1)); else
    failed=$((failed + 1)); echo "FAIL $name: exit $rc, wanted $want"; head -5 "$TMP/out"
  fi
}
sqlite3 "$TMP/s.db" <"$F/store.sql" || exit 2
check "verify the old store" 0 "$G" audit verify --db "$TMP/s.db"
grep -q '31 events, 21 instances, 3 submissions' "$TMP/out" && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL counts: $(head -1 "$TMP/out")"; }
check "verify the old export" 0 "$G" audit verify --export "$F/export"
check "list the old store read-only" 0 "$G" list --db "$TMP/s.db" --survey agri_village --period 2021
# A request id of the old store repeats harmlessly; new commands go on from there.
check "repeat an old request" 0 "$G" act --db "$TMP/s.db" --as town-450123100 agri_report/2021/450123100202 approve --request-id r2
grep -q 'r2' "$TMP/out" && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL repeat: $(cat "$TMP/out")"; }
check "reuse an old request id for another request" 1 "$G" act --db "$TMP/s.db" --as county-450123 agri_report/2021/450123100202 reopen --comment "复核" --request-id r2
check "a new action" 0 "$G" act --db "$TMP/s.db" --as county-450123 agri_report/2021/450123100202 reopen --comment "复核"
check "approve an explained report" 0 "$G" act --db "$TMP/s.db" --as town-450123100 agri_report/2021/450123100203 approve
check "an audit export of the upgraded store" 0 "$G" audit export --db "$TMP/s.db" --as region-45 --out "$TMP/export"
check "verify the upgraded store" 0 "$G" audit verify --db "$TMP/s.db"
check "verify the upgraded store's export" 0 "$G" audit verify --export "$TMP/export"
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
