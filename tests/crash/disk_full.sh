#!/usr/bin/env bash
# A full disk under the CLI: the store lives on a small tmpfs that is filled until only
# FREE kilobytes are left, then large write commands run there (a bulk act over 1,856
# instances, a submit of 3,000 households, an import of 1,500 tasks, a release). Each
# must report success and have done everything, or report a storage error (exit 2) and
# have done nothing; afterwards `audit verify` passes. Needs root (mount); otherwise it
# says so and skips.
# Usage: disk_full.sh GRIDSTAT SOURCE_DIR
set -u
G=$(realpath "$1")
cd "$2" || exit 2
TMP=$(mktemp -d)
MNT="$TMP/mnt"
mkdir -p "$MNT"
cleanup() { umount "$MNT" 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT
if ! mount -t tmpfs -o size=48m tmpfs "$MNT" 2>/dev/null; then
  echo "SKIP: cannot mount a tmpfs here (not root?)"
  exit 0
fi
export GRIDSTAT_NOW=2022-01-10T02:00:00Z
BASE="$TMP/base.db"
"$G" init --db "$BASE" --defs definitions/guangxi --org tests/data/org.yaml >/dev/null || exit 2
"$G" release --db "$BASE" --as region --survey agri_village --period 2021 --under 450100000000 >/dev/null || exit 2
# 3,000 households of 四兴村 and 1,500 tasks.
v=450123100201
awk -v v=$v 'BEGIN {
  for (i = 0; i < 3000; i++) {
    area = sprintf("%03d", 1 + int(i / 999)); no = sprintf("%03d", 1 + i % 999);
    printf "{\"id\":\"PC-%s%s-%s\",\"survey\":\"pop_change\",\"period\":\"2023\",\"division\":\"%s\",\"data\":{\"district_code\":\"%s%s\",\"household_no\":\"%s\",\"household_type\":\"1\",\"deaths_count\":0,\"persons\":[{\"name\":\"韦建国\",\"relation\":\"0\",\"sex\":\"1\",\"birth\":\"1980-03\",\"ethnicity\":\"08\",\"marital\":\"2\"}]}}\n", v, area, no, v, v, area, no
  }
}' >"$TMP/households.jsonl"
awk -v v=$v 'BEGIN { for (i = 0; i < 1500; i++) printf "{\"id\":\"T-%d\",\"kind\":\"find\",\"division\":\"%s\",\"data\":{\"name\":\"单位%d\"}}\n", i, v, i }' >"$TMP/ledger.jsonl"
sqlite3 "$BASE" "SELECT id FROM instances ORDER BY id" >"$TMP/instances.txt"

fingerprint() {
  sqlite3 "$1" "SELECT count(*), coalesce(max(seq), 0) FROM events; SELECT group_concat(id || state || version, ',') FROM instances;
                SELECT count(*) FROM submissions;" | sha256sum
}
before=$(fingerprint "$BASE")
failed=0 trials=0 refused_whole=0 done_whole=0
run_cmd() {  # run_cmd NAME DB
  case $1 in
    act) mapfile -t ids <"$TMP/instances.txt"; "$G" act --db "$2" --as county_c "${ids[@]}" accept ;;
    submit) "$G" submit --db "$2" --as coord_v "$TMP/households.jsonl" ;;
    import) "$G" import --db "$2" --as region --workflow unit_task --period 2024-06 "$TMP/ledger.jsonl" ;;
    release) "$G" release --db "$2" --as region --survey agri_village --period 2022 --under 450100000000 ;;
  esac
}
for cmd in act submit import release; do
  # What the command does on a roomy disk.
  cp "$BASE" "$TMP/clean.db"
  run_cmd $cmd "$TMP/clean.db" >/dev/null 2>&1
  rc=$?
  if [ $rc -ne 0 ] && [ $rc -ne 1 ]; then echo "FAIL $cmd: exit $rc on a roomy disk"; failed=$((failed + 1)); continue; fi
  after=$(fingerprint "$TMP/clean.db")
  for free in 64 200 400 800 1600 3200; do
    trials=$((trials + 1))
    rm -f "$MNT"/*
    cp "$BASE" "$MNT/store.db"
    # Fill the disk until FREE kilobytes are left.
    avail=$(df -k --output=avail "$MNT" | tail -1)
    fill=$((avail - free))
    [ $fill -gt 0 ] && dd if=/dev/zero of="$MNT/filler" bs=1k count=$fill status=none 2>/dev/null
    run_cmd $cmd "$MNT/store.db" >"$TMP/out.txt" 2>&1
    rc=$?
    rm -f "$MNT/filler"
    if ! "$G" audit verify --db "$MNT/store.db" >"$TMP/verify.txt" 2>&1; then
      echo "FAIL $cmd with ${free} KB free (exit $rc): audit verify: $(head -3 "$TMP/verify.txt")"
      failed=$((failed + 1))
      continue
    fi
    now=$(fingerprint "$MNT/store.db")
    if [ $rc -eq 2 ]; then
      refused_whole=$((refused_whole + 1))
      if [ "$now" != "$before" ]; then echo "FAIL $cmd with ${free} KB free: exit 2, yet the store changed"; failed=$((failed + 1)); fi
    elif [ $rc -eq 0 ] || [ $rc -eq 1 ]; then
      done_whole=$((done_whole + 1))
      if [ "$now" != "$after" ]; then echo "FAIL $cmd with ${free} KB free: exit $rc, yet not all of it is there"; failed=$((failed + 1)); fi
    else
      echo "FAIL $cmd with ${free} KB free: exit $rc: $(head -2 "$TMP/out.txt")"
      failed=$((failed + 1))
    fi
  done
done
echo "disk full: $trials runs, $refused_whole refused whole (exit 2), $done_whole done whole"
# The disk must really have been too small for most runs.
if [ $refused_whole -lt $((trials / 2)) ]; then echo "FAIL: only $refused_whole of $trials runs met a full disk"; failed=$((failed + 1)); fi
echo "$((trials - failed)) passed, $failed failed"
[ $failed -eq 0 ]
