#!/usr/bin/env bash
# Seed inputs for the fuzz targets, made from the shipped files on every run (nothing
# generated is committed): fuzz/seeds.sh GRIDSTAT_CLI FUZZ_DEFS OUT_DIR
# The audit seed is the export of a short workflow run on a store created from
# FUZZ_DEFS, the definitions fuzz_audit itself puts in its export directory.
set -euo pipefail
G=$1 DEFS=$2 OUT=$3
cd "$(dirname "$0")/.."
rm -rf "$OUT"
mkdir -p "$OUT"/{fuzz_dsl,fuzz_submission,fuzz_org,fuzz_audit}

# fuzz_dsl: each shipped file alone and with the others (see fuzz/fuzz_dsl.cc), all in
# one file, and a file with errors.
for f in definitions/guangxi/*.gs; do
  n=$(basename "$f" .gs)
  cp "$f" "$OUT/fuzz_dsl/$n.gs"
  { echo "#with-guangxi"; cat "$f"; } > "$OUT/fuzz_dsl/with-guangxi-$n.gs"
done
cat definitions/guangxi/*.gs > "$OUT/fuzz_dsl/guangxi-all.gs"
cp tests/cli/broken/survey.gs "$OUT/fuzz_dsl/broken.gs"

# fuzz_submission: the sample submissions in every form, and a few conformance cases.
cp examples/submissions/* examples/workflow/* "$OUT/fuzz_submission/"
for f in tests/conformance/*.jsonl; do
  head -n 20 "$f" > "$OUT/fuzz_submission/conformance-$(basename "$f")"
done

# fuzz_org
cp examples/org.yaml "$OUT/fuzz_org/examples-org.yaml"
cp tests/data/org.yaml "$OUT/fuzz_org/tests-org.yaml"

# fuzz_audit: a workflow of the demo (release, submit, refusal, fix, return, approve,
# accept, import, move) on a scratch store, exported and packed a section per file.
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
export GRIDSTAT_NOW=2022-01-10T02:00:00Z
DB=$TMP/grid.db W=examples/workflow A=agri_report/2021/450123100
{
  "$G" init --db "$DB" --defs "$DEFS" --org examples/org.yaml
  "$G" release --db "$DB" --as region-45 --survey agri_village --period 2021 --under 450123100000
  "$G" submit --db "$DB" --as coord-450123100201 $W/agri-450123100201.json
  "$G" submit --db "$DB" --as coord-450123100202 $W/agri-450123100202.json || true
  "$G" submit --db "$DB" --as coord-450123100202 $W/agri-450123100202-fixed.json
  "$G" submit --db "$DB" --as coord-450123100204 $W/agri-450123100204.json
  "$G" act --db "$DB" --as town-450123100 ${A}204 return --comment "请再核实"
  "$G" act --db "$DB" --as town-450123100 ${A}201 ${A}202 approve
  "$G" act --db "$DB" --as county-450123 ${A}201 accept
  "$G" act --db "$DB" --as town-450123101 ${A}202 approve || true
  "$G" import --db "$DB" --as region-45 --workflow unit_task --period 2024-06 $W/tasks-2024-06.jsonl
  "$G" act --db "$DB" --as town-450123100 unit_task/2024-06/T-0001 move_out --to 450123101000 --comment "单位在南圩镇"
  "$G" audit verify --db "$DB"
  "$G" audit export --db "$DB" --as region-45 --out "$TMP/export"
} > "$TMP/log" 2>&1 || { cat "$TMP/log" >&2; echo "seeds.sh: the audit seed workflow failed" >&2; exit 1; }
pack() {
  for f in events.jsonl submissions.jsonl instances.jsonl units.jsonl org.json meta.json; do
    echo "#file $f"
    cat "$TMP/export/$f"
  done
}
pack > "$OUT/fuzz_audit/demo-export"
{ echo "#raw"; pack; } > "$OUT/fuzz_audit/demo-export-raw"
