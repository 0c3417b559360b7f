#!/usr/bin/env bash
# Makes a compatibility fixture: a small store (as an SQL dump) and its audit export, written
# by the build given, with what that build's formats hold. Run it when a format changes and
# commit the result under tests/compat/store-DATE/; run.sh checks every fixture there.
# This build's fixture (store-2026-11-29) holds report format 2 (warnings with digests, an
# explanation kept over an unchanged resubmission) and a migration across a renamed state.
# Usage: make-fixture.sh GRIDSTAT SOURCE_DIR OUT_DIR
set -eu
G=$(realpath "$1")
cd "$2"
OUT=$3
[ ! -e "$OUT" ] || { echo "$OUT exists" >&2; exit 2; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
export GRIDSTAT_NOW=2026-11-29T02:00:00Z
DB=$TMP/s.db W=examples/workflow A=agri_report/2021/450123100
"$G" init --db "$DB" --defs definitions/guangxi --org examples/org.yaml >/dev/null
"$G" release --db "$DB" --as region-45 --survey agri_village --period 2021 --under 450123100000 >/dev/null
"$G" submit --db "$DB" --as coord-450123100201 $W/agri-450123100201.json >/dev/null
"$G" submit --db "$DB" --as coord-450123100202 $W/agri-450123100202-fixed.json >/dev/null
"$G" submit --db "$DB" --as coord-450123100203 $W/agri-450123100203-explained.json >/dev/null
"$G" act --db "$DB" --as town-450123100 ${A}203 return --comment "请再核实单产" >/dev/null
"$G" submit --db "$DB" --as coord-450123100203 $W/agri-450123100203-explained.json >/dev/null
"$G" act --db "$DB" --as town-450123100 ${A}201 ${A}202 approve --request-id fix-1 >/dev/null
"$G" act --db "$DB" --as county-450123 ${A}201 accept >/dev/null
# The township's approval renamed in agri_report, then 202 migrated across the rename.
cp -r definitions/guangxi "$TMP/defs"
python3 - "$TMP/defs/workflows.gs" <<'EOF'
import sys
p = sys.argv[1]
s = open(p, encoding="utf-8").read()
start = s.index("workflow agri_report")
end = s.index("\nworkflow ", start + 1)
s = s[:start] + s[start:end].replace("township_approved", "town_approved") + s[end:]
open(p, "w", encoding="utf-8").write(s)
EOF
"$G" publish --db "$DB" --as region-45 --defs "$TMP/defs" >/dev/null
"$G" migrate --db "$DB" --as region-45 --instance ${A}202 --map township_approved=town_approved >/dev/null
"$G" audit verify --db "$DB" >/dev/null
mkdir -p "$OUT"
"$G" audit export --db "$DB" --as region-45 --out "$OUT/export" >/dev/null
sqlite3 "$DB" .dump >"$OUT/store.sql"
echo "made $OUT"
