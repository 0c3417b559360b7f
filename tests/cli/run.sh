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
  "$@" >"$out.raw" 2>&1
  got=$?
  # Hashes of definitions and data change with every edit of a definition: compared as <hash>.
  sed -E 's/[0-9a-f]{64}/<hash>/g' "$out.raw" >"$out"
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


# --- workflows on a store ---
export GRIDSTAT_NOW=2022-01-10T02:00:00Z
DB="$TMP/wf.db"
W=examples/workflow
A=agri_report/2021/450123100
expect_exit init 0 "$G" init --db "$DB" --defs $DEFS --org examples/org.yaml
expect_exit init_again 2 "$G" init --db "$DB" --defs $DEFS --org examples/org.yaml
expect_exit init_bad_org 2 "$G" init --db "$TMP/x.db" --defs $DEFS --org tests/cli/golden/check_ok.out
check wf_release 0 "$G" release --db "$DB" --as region-45 --survey agri_village --period 2021 --under 450123100000 --request-id rel-1
check wf_release_again 0 "$G" release --db "$DB" --as region-45 --survey agri_village --period 2021 --under 450123100000
check wf_release_refused 1 "$G" release --db "$DB" --as town-450123100 --survey agri_village --period 2021 --under 450123100000
expect_exit wf_release_bad_period 2 "$G" release --db "$DB" --as region-45 --survey agri_village --period 2021-01 --under 450123100000
check wf_submit_refused 1 "$G" submit --db "$DB" --as coord-450123100202 $W/agri-450123100202.json
check wf_submit 0 "$G" submit --db "$DB" --as coord-450123100202 $W/agri-450123100202-fixed.json
expect_exit wf_submit_unreadable 2 "$G" submit --db "$DB" --as coord-450123100202 $W/no-such-file.json
check wf_act_refused 1 "$G" act --db "$DB" --as coord-450123100202 ${A}202 approve
check wf_act_no_comment 1 "$G" act --db "$DB" --as town-450123100 ${A}202 return
expect_exit wf_act_stale 3 "$G" act --db "$DB" --as town-450123100 ${A}202 approve --if-version 1
expect_exit wf_act 0 "$G" act --db "$DB" --as town-450123100 ${A}202 approve --request-id a-1
expect_exit wf_act_repeat 0 "$G" act --db "$DB" --as town-450123100 ${A}202 approve --request-id a-1
check wf_act_bulk 1 "$G" act --db "$DB" --as county-450123 ${A}202 ${A}201 accept
# After the county accepts, the region confirms (附件3 四): the accepted report is in its inbox.
check wf_inbox 0 "$G" inbox --db "$DB" --as region-45
check wf_show_json 0 "$G" show --db "$DB" ${A}202 --format json
check wf_show_as_other 1 "$G" show --db "$DB" ${A}202 --as coord-450123100201
check wf_list 0 "$G" list --db "$DB" --state accepted --format json
check wf_progress 0 "$G" progress --db "$DB" --survey agri_village --period 2021 --under 450123100000 --as-of 2022-03-01 --format json
check wf_history 0 "$G" audit history --db "$DB" ${A}202
check wf_show_text 0 "$G" show --db "$DB" ${A}202
# What a reviewer reads (in a store of its own, so that the counts above stay): figures with units,
# a roster as a table with code labels and masked ID numbers, a warning with its explanation.
HH="$TMP/read.db"
expect_exit read_init 0 "$G" init --db "$HH" --defs $DEFS --org examples/org.yaml
# The file's second household has errors (exit 1); the first is stored.
expect_exit read_submit_household 1 "$G" submit --db "$HH" --as coord-450102001003 $EX/pop_change_2023.yaml
check wf_show_household 0 "$G" show --db "$HH" household_survey/2023/450102001003001-001
expect_exit read_release 0 "$G" release --db "$HH" --as region-45 --survey agri_village --period 2021 --under 450123100000
expect_exit read_submit_explained 0 "$G" submit --db "$HH" --as coord-450123100203 $W/agri-450123100203-explained.json
check wf_show_explained 0 "$G" show --db "$HH" ${A}203
# Figures and explanations typed into a draft reach a reader's terminal escaped.
sed -e 's/"3000.0"/"3\\u001b[2J\\u0007"/' -e 's/今年遭受洪涝/\\u001b]0;x\\u0007/' $W/agri-450123100203-explained.json \
  | sed -e 's/450123100203/450123100204/g' >"$TMP/hostile-draft.json"
expect_exit read_save_hostile 0 "$G" submit --db "$HH" --as coord-450123100204 --draft "$TMP/hostile-draft.json"
if "$G" show --db "$HH" ${A}204 2>&1 | LC_ALL=C grep -q "$(printf '[\001-\010\013-\037\177]')"; then
  echo "FAIL escape: raw control characters in: gridstat show of a hostile draft"; failed=$((failed+1))
elif ! "$G" show --db "$HH" ${A}204 2>&1 | grep -q '耕地面积: 3\\u001b'; then
  echo "FAIL escape: the hostile figure is not shown escaped"; failed=$((failed+1))
else passed=$((passed+1)); fi
check wf_export_csv 0 "$G" export --db "$DB" --survey agri_village --period 2021 --format csv
check wf_import 0 "$G" import --db "$DB" --as region-45 --workflow unit_task --period 2024-06 $W/tasks-2024-06.jsonl
check wf_move_out 0 "$G" act --db "$DB" --as town-450123100 unit_task/2024-06/T-0001 move_out --to 450123101000 --comment "不在本镇"
# What a user typed never reaches another user's terminal raw: control characters are escaped.
expect_exit wf_hostile_comment 0 "$G" act --db "$DB" --as town-450123101 unit_task/2024-06/T-0001 move_out --to 450123100000 --comment "$(printf 'x\033[2J\a\r')" --request-id "$(printf "r' OR 1=1 --\033[31m")"
for cmd in "show --db $DB unit_task/2024-06/T-0001" "audit history --db $DB unit_task/2024-06/T-0001" "list --db $DB --survey basic_unit"; do
  # shellcheck disable=SC2086
  if "$G" $cmd 2>&1 | LC_ALL=C grep -q "$(printf '[\001-\010\013-\037\177]')"; then
    echo "FAIL escape: raw control characters in: gridstat $cmd"; failed=$((failed+1))
  else passed=$((passed+1)); fi
done
# Export with ID numbers in full: a top-tier user only; refusals exit 1 and both are recorded.
expect_exit wf_export_unmasked_refused 1 "$G" export --db "$DB" --survey agri_village --period 2021 --as county-450123 --unmasked
expect_exit wf_export_unmasked 0 "$G" export --db "$DB" --survey agri_village --period 2021 --as region-45 --unmasked
check wf_verify 0 "$G" audit verify --db "$DB"
"$G" audit export --db "$DB" --as region-45 --out "$TMP/export" >/dev/null 2>&1
check wf_verify_export 0 "$G" audit verify --export "$TMP/export"
check wf_replay 0 "$G" replay --db "$DB" --defs $DEFS
expect_exit wf_no_db 2 "$G" list --db "$TMP/none.db"
# Tampering with the store makes verify fail, naming the event.
cp "$DB" "$TMP/tampered.db"
sqlite3 "$TMP/tampered.db" "UPDATE events SET body = replace(body, '不在本镇', '在本镇') WHERE body LIKE '%不在本镇%'" 2>/dev/null || \
  "$G" audit verify --db "$TMP/tampered.db" >/dev/null
check wf_verify_tampered 1 "$G" audit verify --db "$TMP/tampered.db"
# A renamed state: migrate refuses it without a mapping and moves it with one.
MG="$TMP/migrate.db"
expect_exit mig_init 0 "$G" init --db "$MG" --defs $DEFS --org examples/org.yaml
expect_exit mig_release 0 "$G" release --db "$MG" --as region-45 --survey agri_village --period 2021 --under 450123100000
expect_exit mig_submit 0 "$G" submit --db "$MG" --as coord-450123100202 $W/agri-450123100202-fixed.json
expect_exit mig_approve 0 "$G" act --db "$MG" --as town-450123100 ${A}202 approve
expect_exit mig_accept 0 "$G" act --db "$MG" --as county-450123 ${A}202 accept
cp -r $DEFS "$TMP/renamed"
sed -i -e '0,/state accepted /s//state county_accepted /' -e '0,/to accepted$/s//to county_accepted/' \
  -e '0,/from accepted$/s//from county_accepted/' -e '0,/from accepted, /s//from county_accepted, /' "$TMP/renamed/workflows.gs"
expect_exit mig_publish 0 "$G" publish --db "$MG" --as region-45 --defs "$TMP/renamed"
check wf_migrate_refused 1 "$G" migrate --db "$MG" --as region-45 --instance ${A}202
check wf_migrate_bad_map 1 "$G" migrate --db "$MG" --as region-45 --instance ${A}202 --map accepted=no_such_state
expect_exit wf_migrate_map_usage 2 "$G" migrate --db "$MG" --as region-45 --instance ${A}202 --map accepted
check wf_migrate_map 0 "$G" migrate --db "$MG" --as region-45 --instance ${A}202 --instance ${A}201 --map agri_report.accepted=county_accepted
expect_exit wf_migrate_confirm 0 "$G" act --db "$MG" --as region-45 ${A}202 confirm
expect_exit wf_migrate_verify 0 "$G" audit verify --db "$MG"
unset GRIDSTAT_NOW

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

# --- JSON results of workflow commands, and --format a command does not give ---
J="$TMP/json.db"
expect_exit json_init 0 "$G" init --db "$J" --defs $DEFS --org examples/org.yaml
check json_release 0 "$G" release --db "$J" --as region-45 --survey agri_village --period 2021 --under 450123100203 --format json
check json_submit_refused 1 "$G" submit --db "$J" --as coord-450123100203 $W/agri-450123100203.json --format json
check json_submit 0 "$G" submit --db "$J" --as coord-450123100203 $W/agri-450123100203-explained.json --format json --lang en
check json_act_refused 1 "$G" act --db "$J" --as coord-450123100203 ${A}203 approve --format json
check json_act 0 "$G" act --db "$J" --as town-450123100 ${A}203 approve --format json
check json_publish 0 "$G" publish --db "$J" --as region-45 --defs $DEFS --format json
check format_json_export 2 "$G" export --db "$J" --survey agri_village --period 2021 --format json
check format_csv_list 2 "$G" list --db "$J" --format csv --lang en
check format_json_backup 2 "$G" backup --db "$J" --out "$TMP/json-copy.db" --format json
[ ! -e "$TMP/json-copy.db" ] && passed=$((passed+1)) || { echo "FAIL format_json_backup wrote a copy"; failed=$((failed+1)); }

# --- help follows --lang; every option is described and every command has an example ---
for cmd in check validate test init release import submit act inbox show list progress export units replay publish migrate backup \
           "audit verify" "audit history" "audit export" "audit auto-checkpoint" "audit checkpoint" "org update"; do
  for lang in zh en; do
    # shellcheck disable=SC2086
    "$G" $cmd --help --lang $lang >"$TMP/help.out" 2>&1
    want=$([ $lang = zh ] && echo "例: gridstat" || echo "Example: gridstat")
    # An option line whose description is missing: nothing after the option, and no
    # continuation line (a long option puts its description on the next line).
    undescribed=$(awk '/^  -/ { if (pending) print prev; n = split($0, f, "  +"); pending = (n < 3); prev = $0; next }
                       { if (pending && $0 !~ /^      /) print prev; pending = 0 } END { if (pending) print prev }' "$TMP/help.out")
    if grep -q "$want" "$TMP/help.out" && [ -z "$undescribed" ]; then passed=$((passed+1)); else
      echo "FAIL help of $cmd ($lang): example or descriptions missing: $undescribed"; failed=$((failed+1)); fi
  done
done
"$G" act --help >"$TMP/help.out" 2>&1
grep -q "对一个或多个实例执行动作" "$TMP/help.out" && passed=$((passed+1)) || { echo "FAIL act --help is not Chinese by default"; failed=$((failed+1)); }

# --- a file argument "-" reads standard input (JSON) ---
check validate_stdin 1 "$G" validate --defs $DEFS --format json - <$EX/agri_2021.jsonl
expect_exit stdin_import 0 "$G" import --db "$J" --as region-45 --workflow unit_task --period 2024-06 - <$W/tasks-2024-06.jsonl
expect_exit stdin_release 0 "$G" release --db "$J" --as region-45 --survey agri_village --period 2021 --under 450123100201
check stdin_submit 0 "$G" submit --db "$J" --as coord-450123100201 --format json - <$W/agri-450123100201.json

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
