#!/usr/bin/env bash
# A sample of 20 cases of the authorisation matrix (tests/authz_test.cc) through the CLI, across the
# three shipped workflows: each checks the exit code (0 done, 1 refused), the instance's state (and
# division) afterwards, that the attempt added one event to the instance's history (a refused one
# naming the user), and that a refused case left state, version and division unchanged.
# Ends with `audit verify`.
# Usage: run_cli.sh GRIDSTAT SOURCE_DIR
set -u
G=$(realpath "$1")
cd "$2" || exit 2
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
export GRIDSTAT_NOW=2022-01-10T02:00:00Z
DB="$TMP/authz.db"
V=450123100201 T=450123100000
AGRI=agri_report/2021/$V
TASK=unit_task/2024-06/U-0001
HOUSE=household_survey/2023/${V}001-001
passed=0 failed=0

if ! "$G" init --db "$DB" --defs definitions/guangxi --org tests/data/org-authz.yaml >"$TMP/init.out" 2>&1; then
  echo "FAIL init"; cat "$TMP/init.out"; exit 1
fi

# The submissions: V's agricultural report, a unit found in V, a household of V.
AGRI_FILE=examples/workflow/agri-$V.json
cat >"$TMP/unit.json" <<EOF
{"id": "BU-U-0001", "survey": "basic_unit", "period": "2024-06", "division": "$V",
 "data": {"uscc": "91450102MA5L0001XM", "name": "南宁市兴宁区示例商贸有限公司", "legal_rep": "张三",
          "division_code": "$V", "address": "城厢镇四兴村", "phone": "0771-5551234", "unit_type": "10",
          "industry_code": "5211", "main_activity": "百货零售", "operating_status": "1", "opened": "2015-03",
          "employees": 12, "revenue": "3560.5", "latitude": "22.817000", "longitude": "108.366000"}}
EOF
cat >"$TMP/house.json" <<EOF
{"id": "PC-2023-${V}001-001", "survey": "pop_change", "period": "2023", "division": "$V",
 "data": {"district_code": "${V}001", "household_no": "001", "household_type": "1", "deaths_count": 0,
          "persons": [
            {"name": "韦建国", "relation": "0", "sex": "1", "birth": "1980-03", "ethnicity": "08", "id_number": "450102198003150011", "marital": "2"},
            {"name": "黄丽萍", "relation": "1", "sex": "2", "birth": "1982-06", "ethnicity": "08", "id_number": "450102198206200023", "marital": "2"},
            {"name": "韦小明", "relation": "2", "sex": "1", "birth": "2010-01", "ethnicity": "08", "id_number": "450102201001010036"}]}}
EOF
echo '{"id": "U-0001", "kind": "find", "division": "'$T'", "data": {"name": "隆安县示例种养专业合作社"}}' >"$TMP/tasks.jsonl"

# look ID: "state version division" of an instance, or "none" when it does not exist. The state
# comes from `show --format json`; version and division from the instance's line of `list`.
look() {
  local shown states line
  if ! shown=$("$G" show --db "$DB" "$1" --format json 2>/dev/null); then echo none; return; fi
  states=$(grep -o '"state":"[a-z_]*"' <<<"$shown" | sort -u)
  [ "$(wc -l <<<"$states")" = 1 ] || { echo "ambiguous"; return; }
  line=$("$G" list --db "$DB" --format json | grep -F "\"id\":\"$1\"")
  echo "$(sed 's/.*"state":"\([a-z_]*\)".*/\1/' <<<"$states")" \
       "$(sed -n 's/.*"version":\([0-9]*\).*/\1/p' <<<"$line")" \
       "$(sed -n 's/.*"division":"\([0-9]*\)".*/\1/p' <<<"$line")"
}

# events LOG_ID: the history of an instance (or of where attempts on it are recorded), one per line
events() { "$G" audit history --db "$DB" "$1" --format json 2>/dev/null; }

# run_case NAME USER WANT_EXIT ID LOG_ID WANT_STATE WANT_DIVISION -- CMD...
#   WANT_EXIT 0: allowed; the instance is then in WANT_STATE at WANT_DIVISION ("none" if it must not exist).
#   WANT_EXIT 1: refused; the instance is as it was, and the refusal by USER is in LOG_ID's history.
run_case() {
  local name=$1 user=$2 want=$3 id=$4 log=$5 want_state=$6 want_div=$7; shift 8
  local before after n_before n_after last got problems=""
  before=$(look "$id")
  n_before=$(events "$log" | wc -l)
  "$@" >"$TMP/$name.out" 2>&1
  got=$?
  after=$(look "$id")
  n_after=$(events "$log" | wc -l)
  last=$(events "$log" | tail -1)
  [ "$got" = "$want" ] || problems+=" exit $got, expected $want;"
  [ "$n_after" = $((n_before + 1)) ] || problems+=" $log has $n_after events, expected $((n_before + 1));"
  grep -qF "\"actor\":\"$user\"" <<<"$last" || problems+=" the last event of $log is not by $user;"
  if [ "$want" = 0 ]; then
    grep -qF '"refused":false' <<<"$last" || problems+=" the last event of $log is not an applied action;"
    if [ "$want_state" = none ]; then
      [ "$after" = none ] || problems+=" instance is '$after', expected none;"
    else
      read -r st _ dv <<<"$after"
      [ "$st $dv" = "$want_state $want_div" ] || problems+=" instance is '$after', expected state $want_state at $want_div;"
    fi
  else
    grep -qF '"refused":true' <<<"$last" || problems+=" the last event of $log is not a refusal;"
    [ "$after" = "$before" ] || problems+=" instance changed from '$before' to '$after';"
    if [ "$want_state" = none ]; then
      [ "$after" = none ] || problems+=" instance is '$after', expected none;"
    else
      read -r st _ dv <<<"$after"
      [ "$st $dv" = "$want_state $want_div" ] || problems+=" instance is '$after', expected state $want_state at $want_div;"
    fi
  fi
  if [ -n "$problems" ]; then
    echo "FAIL $name:$problems"; sed 's/^/  | /' "$TMP/$name.out" | head -10; failed=$((failed+1))
  else
    passed=$((passed+1))
  fi
}

A="--db $DB"
# --- agri_report: V's report of 2021, released under V's township ---
run_case agri_release_township_refused town_t 1 $AGRI agri_report/2021/$T none - -- \
  "$G" release $A --as town_t --survey agri_village --period 2021 --under $T
run_case agri_release_region region 0 $AGRI $AGRI released $V -- \
  "$G" release $A --as region --survey agri_village --period 2021 --under $T
run_case agri_submit_sibling_refused coord_sib 1 $AGRI $AGRI released $V -- \
  "$G" submit $A --as coord_sib --instance $AGRI $AGRI_FILE
run_case agri_save_grid_worker grid_v 0 $AGRI $AGRI released $V -- \
  "$G" submit $A --as grid_v --instance $AGRI --draft $AGRI_FILE
run_case agri_submit_coordinator coord_v 0 $AGRI $AGRI submitted $V -- \
  "$G" submit $A --as coord_v --instance $AGRI $AGRI_FILE
run_case agri_accept_wrong_state_refused county_c 1 $AGRI $AGRI submitted $V -- \
  "$G" act $A --as county_c $AGRI accept
run_case agri_approve_unrelated_refused town_other 1 $AGRI $AGRI submitted $V -- \
  "$G" act $A --as town_other $AGRI approve
run_case agri_approve_township town_t 0 $AGRI $AGRI township_approved $V -- \
  "$G" act $A --as town_t $AGRI approve

# --- unit_task: a task found at V's township, assigned down to V ---
run_case unit_import_county_refused county_c 1 $TASK $TASK none - -- \
  "$G" import $A --as county_c --workflow unit_task --period 2024-06 "$TMP/tasks.jsonl"
run_case unit_import_region region 0 $TASK $TASK pending $T -- \
  "$G" import $A --as region --workflow unit_task --period 2024-06 "$TMP/tasks.jsonl"
run_case unit_assign_not_holder_refused county_c 1 $TASK $TASK pending $T -- \
  "$G" act $A --as county_c $TASK assign --to $V
run_case unit_assign_holder town_t 0 $TASK $TASK pending $V -- \
  "$G" act $A --as town_t $TASK assign --to $V
run_case unit_move_out_sibling_refused town_other 1 $TASK $TASK pending $V -- \
  "$G" act $A --as town_other $TASK move_out --to 450123100202 --comment 单位在那可村
run_case unit_submit_coordinator coord_v 0 $TASK $TASK surveyed $V -- \
  "$G" submit $A --as coord_v --instance $TASK "$TMP/unit.json"
run_case unit_return_up_wrong_state_refused coord_v 1 $TASK $TASK surveyed $V -- \
  "$G" act $A --as coord_v $TASK return_up --comment 不在本村

# --- household_survey: a household of V, created by its first submission ---
run_case house_submit_sibling_refused coord_sib 1 $HOUSE $HOUSE none - -- \
  "$G" submit $A --as coord_sib "$TMP/house.json"
run_case house_submit_coordinator coord_v 0 $HOUSE $HOUSE submitted $V -- \
  "$G" submit $A --as coord_v "$TMP/house.json"
run_case house_recheck_grid_worker_refused grid_v 1 $HOUSE $HOUSE submitted $V -- \
  "$G" act $A --as grid_v $HOUSE recheck --comment 已入户复查
run_case house_approve_wrong_state_refused town_t 1 $HOUSE $HOUSE submitted $V -- \
  "$G" act $A --as town_t $HOUSE approve
run_case house_recheck_coordinator coord_v 0 $HOUSE $HOUSE rechecked $V -- \
  "$G" act $A --as coord_v $HOUSE recheck --comment 已入户复查

if "$G" audit verify $A >"$TMP/verify.out" 2>&1; then
  passed=$((passed+1))
else
  echo "FAIL audit verify"; cat "$TMP/verify.out"; failed=$((failed+1))
fi
echo "authz cli: $passed passed, $failed failed"
[ "$failed" = 0 ]
