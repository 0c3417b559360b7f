#!/usr/bin/env bash
# Stores outlive upgrades: stores and their audit exports made by earlier builds (each
# store-DATE/: the store as an SQL dump, the export as written; make-fixture.sh makes them)
# must still open, verify, take new commands and verify again with this build.
#   store-2026-11-27: report format 1, events of format 1
#   store-2026-11-29: report format 2 (digests, a kept explanation), a migration across a renamed state
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
grep -q '31 个事件, 21 个实例, 3 份报表' "$TMP/out" && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL counts: $(head -1 "$TMP/out")"; }
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

F=tests/compat/store-2026-11-29 A=agri_report/2021/450123100
sqlite3 "$TMP/t.db" <"$F/store.sql" || exit 2
check "verify the 11-29 store" 0 "$G" audit verify --db "$TMP/t.db"
grep -q '31 个事件, 18 个实例, 4 份报表' "$TMP/out" && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL counts: $(head -1 "$TMP/out")"; }
check "verify the 11-29 export" 0 "$G" audit verify --export "$F/export"
check "the migrated instance goes on from its renamed state" 0 "$G" act --db "$TMP/t.db" --as county-450123 ${A}202 accept
# The explanation of 203's warning counted for the values stored with its digest: changed
# values cannot carry it over word for word.
check "return 203" 0 "$G" act --db "$TMP/t.db" --as town-450123100 ${A}203 return --comment "复核"
sed 's/"rice_output": "250.00"/"rice_output": "120.00"/; s/"grain_output": "615.25"/"grain_output": "485.25"/' \
  examples/workflow/agri-450123100203-explained.json >"$TMP/changed.json"
check "a carried-over explanation for changed values is refused" 1 "$G" submit --db "$TMP/t.db" --as coord-450123100203 "$TMP/changed.json"
grep -q 'AG-W01' "$TMP/out" && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL names the warning: $(cat "$TMP/out")"; }
check "verify the upgraded 11-29 store" 0 "$G" audit verify --db "$TMP/t.db"
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
