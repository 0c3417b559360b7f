#!/usr/bin/env bash
# `validate --previous`: two different records for the same survey, key and period (in one
# file or across files) make the run ambiguous; it is refused with exit 2, naming both
# places and the key. An identical repeat (the same file given twice) is accepted.
# Usage: previous_duplicates.sh GRIDSTAT SOURCE_DIR
set -euo pipefail
bin=$1 src=$2
defs=$src/definitions/guangxi
ex=$src/examples/submissions
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
expect() {  # expect NAME WANTED_EXIT COMMAND...
  local name=$1 want=$2; shift 2
  set +e
  "$@" >"$work/out" 2>"$work/err"
  local got=$?
  set -e
  if [ "$got" != "$want" ]; then
    echo "FAIL $name: exit $got, expected $want"; sed 's/^/  /' "$work/err" | head -5; fail=1
  fi
}
has() {  # has NAME TEXT: stderr holds TEXT
  if ! grep -qF -- "$2" "$work/err"; then echo "FAIL $1: stderr lacks '$2'"; sed 's/^/  /' "$work/err" | head -5; fail=1; fi
}

prev=$ex/agri_2020_accepted.jsonl
# The same record with another grain_output: last year's figure is no longer one number.
sed 's/"grain_output": "1000.00"/"grain_output": "10.00"/' "$prev" >"$work/changed.jsonl"
grep -q '"grain_output": "10.00"' "$work/changed.jsonl"
cat "$prev" "$work/changed.jsonl" >"$work/both.jsonl"

expect same_file_twice 1 "$bin" validate --defs "$defs" --previous "$prev" --previous "$prev" "$ex/agri_2021.jsonl"
if grep -q "歧义" "$work/err"; then echo "FAIL same_file_twice: refused"; fail=1; fi
expect across_files 2 "$bin" validate --defs "$defs" --lang en --previous "$prev" --previous "$work/changed.jsonl" "$ex/agri_2021.jsonl"
has across_files "two different records for agri_village 2020 450123100206: $prev:1 and $work/changed.jsonl:1"
has across_files "nothing was validated"
[ -s "$work/out" ] && { echo "FAIL across_files: reports were printed"; fail=1; }
expect one_file 2 "$bin" validate --defs "$defs" --previous "$work/both.jsonl" "$ex/agri_2021.jsonl"
has one_file "上期数据有歧义: agri_village 2020 450123100206 有两份不同的记录: $work/both.jsonl:1 与 $work/both.jsonl:2"
# Another id for the same key is a different record too.
sed 's/"id": "AG-2020-450123100206"/"id": "AG-2020-other"/' "$prev" >"$work/other_id.jsonl"
expect other_id 2 "$bin" validate --defs "$defs" --previous "$prev" --previous "$work/other_id.jsonl" "$ex/agri_2021.jsonl"
# A different period is no conflict.
sed 's/"period": "2020"/"period": "2019"/' "$work/changed.jsonl" >"$work/2019.jsonl"
expect other_period 1 "$bin" validate --defs "$defs" --previous "$prev" --previous "$work/2019.jsonl" "$ex/agri_2021.jsonl"

[ $fail = 0 ] && echo "previous_duplicates: ok"
exit $fail
