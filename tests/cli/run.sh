#!/usr/bin/env bash
# CLI end-to-end tests: exit codes and golden outputs.
# Usage: run.sh GRIDSTAT SOURCE_DIR   (UPDATE_GOLDEN=1 rewrites the golden files)
set -u
G=$(realpath "$1")
cd "$2" || exit 2
DEFS=definitions/guangxi
EX=examples/submissions
GOLDEN=tests/cli/golden
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
passed=0 failed=0

# check NAME EXPECTED_EXIT CMD... : runs CMD, compares exit code and stdout+stderr with golden/NAME
check() {
  local name=$1 want=$2; shift 2
  local out="$TMP/$name.out" got
  "$@" >"$out" 2>&1
  got=$?
  if [ "${UPDATE_GOLDEN:-}" = 1 ]; then cp "$out" "$GOLDEN/$name.out"; fi
  if [ "$got" != "$want" ]; then
    echo "FAIL $name: exit $got, expected $want"; sed 's/^/  | /' "$out" | head -20; failed=$((failed+1)); return
  fi
  if ! diff -u "$GOLDEN/$name.out" "$out" >"$TMP/diff"; then
    echo "FAIL $name: output differs from $GOLDEN/$name.out"; head -40 "$TMP/diff"; failed=$((failed+1)); return
  fi
  passed=$((passed+1))
}

# expect_exit NAME EXPECTED_EXIT CMD... : exit code only
expect_exit() {
  local name=$1 want=$2; shift 2
  "$@" >"$TMP/$name.out" 2>&1
  local got=$?
  if [ "$got" != "$want" ]; then
    echo "FAIL $name: exit $got, expected $want"; head -20 "$TMP/$name.out"; failed=$((failed+1))
  else
    passed=$((passed+1))
  fi
}

# --- check ---
check check_ok 0 "$G" check $DEFS
check check_broken 1 "$G" check tests/cli/broken
check check_broken_json_en 1 "$G" check --format json --lang en tests/cli/broken
check check_missing_dir 2 "$G" check tests/cli/no-such-dir

# --- validate ---
check validate_text 1 "$G" validate --defs $DEFS --previous $EX/agri_2020_accepted.jsonl $EX/agri_2021.jsonl
check validate_json 1 "$G" validate --defs $DEFS --format json --previous $EX/agri_2020_accepted.jsonl $EX/agri_2021.jsonl $EX/basic_unit_2024-06.json $EX/pop_change_2023.yaml
check validate_en 1 "$G" validate --defs $DEFS --lang en $EX/basic_unit_2024-06.json
head -1 $EX/agri_2021.jsonl >"$TMP/clean.jsonl"
expect_exit validate_clean_exit0 0 "$G" validate --defs $DEFS "$TMP/clean.jsonl"
check validate_unreadable 2 "$G" validate --defs $DEFS --format json tests/cli/no-such-file.json "$TMP/clean.jsonl"
expect_exit validate_broken_defs 2 "$G" validate --defs tests/cli/broken "$TMP/clean.jsonl"
expect_exit validate_no_files 2 "$G" validate --defs $DEFS
expect_exit bad_usage 2 "$G" frobnicate

# Control characters taken from input are escaped in text output.
printf '{"id":"evil\\u001b[31m","survey":"agri_village","period":"2021","division":"450102001003","data":{"x\\u0007":1}}\n' >"$TMP/evil.jsonl"
"$G" validate --defs $DEFS "$TMP/evil.jsonl" >"$TMP/evil.out" 2>&1
if grep -q $'\x1b' "$TMP/evil.out" || grep -q $'\x07' "$TMP/evil.out"; then
  echo "FAIL escape: raw control characters reached the terminal output"; failed=$((failed+1))
else passed=$((passed+1)); fi

# Every record of a batch is reported, in input order, even around broken ones.
"$G" validate --defs $DEFS --format json $EX/agri_2021.jsonl >"$TMP/order.out" 2>/dev/null
ids=$(sed -n 's/^{"id":\("[^"]*"\|null\).*/\1/p' "$TMP/order.out" | tr '\n' ' ')
if [ "$ids" = '"AG-2021-450123100201" "AG-2021-450123100202" "AG-2021-450123100203" "AG-2021-450123100204" "AG-2021-450123100205" "AG-2021-450123100206" "AG-2021-450123100207" ' ]; then
  passed=$((passed+1))
else
  echo "FAIL order: $ids"; failed=$((failed+1))
fi

# --- test ---
check test_shipped 0 "$G" test $DEFS
mkdir -p "$TMP/defs" && cp -r $DEFS/*.gs $DEFS/data "$TMP/defs/"
cat >"$TMP/defs/wrong.test.yaml" <<'YAML'
base: {survey: agri_village, period: "2021", division: "450102001003", data: {}}
cases:
  - name: 期望错误的用例
    expect: [AG-E01]
YAML
expect_exit test_failing 1 "$G" test "$TMP/defs"

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
