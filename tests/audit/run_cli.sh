#!/usr/bin/env bash
# The audit commands through the CLI, as a hostile tester drives them: what plain verify claims,
# checkpoints on the export path (and unreadable checkpoint options), the audit export's access
# rule and its event, hostile files in an export, read-only media, and automatic checkpoints.
# Usage: run_cli.sh GRIDSTAT SOURCE_DIR
set -u
G=$(realpath "$1")
cd "$2" || exit 2
TMP=$(mktemp -d)
MNT=""
cleanup() { [ -n "$MNT" ] && umount "$MNT" 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT
export GRIDSTAT_NOW=2022-01-10T02:00:00Z
DB="$TMP/a.db"
DEFS=definitions/guangxi W=examples/workflow A=agri_report/2021/450123100
passed=0 failed=0

# expect NAME WANT_EXIT [PATTERN] -- CMD...: the exit code, and PATTERN (grep -E) in stdout+stderr.
expect() {
  local name=$1 want=$2 pattern="" got
  shift 2
  if [ "$1" != "--" ]; then pattern=$1; shift; fi
  shift
  timeout 60 "$@" >"$TMP/$name.out" 2>&1
  got=$?
  if [ "$got" != "$want" ]; then
    echo "FAIL $name: exit $got, expected $want"; sed 's/^/  | /' "$TMP/$name.out" | head -10; failed=$((failed+1)); return
  fi
  if [ -n "$pattern" ] && ! grep -Eq "$pattern" "$TMP/$name.out"; then
    echo "FAIL $name: no /$pattern/ in the output"; sed 's/^/  | /' "$TMP/$name.out" | head -10; failed=$((failed+1)); return
  fi
  passed=$((passed+1))
}

openssl genpkey -algorithm ed25519 -out "$TMP/key.pem" 2>/dev/null && openssl pkey -in "$TMP/key.pem" -pubout -out "$TMP/pub.pem" || exit 2
"$G" init --db "$DB" --defs $DEFS --org examples/org.yaml || exit 2
"$G" release --db "$DB" --as region-45 --survey agri_village --period 2021 --under 450123100000 >/dev/null || exit 2
"$G" submit --db "$DB" --as coord-450123100202 $W/agri-450123100202-fixed.json >/dev/null || exit 2

# Plain verify says that it proved internal consistency only.
expect verify_plain 0 "只证明了内部一致" -- "$G" audit verify --db "$DB"
expect verify_plain_en 0 "internal consistency only" -- "$G" audit verify --db "$DB" --lang en
expect verify_plain_json 0 '"proved":"internal_consistency"' -- "$G" audit verify --db "$DB" --format json

# audit export: a top-tier --as, recorded whether granted or refused; never over a folder that holds something.
expect export_no_as 2 -- "$G" audit export --db "$DB" --out "$TMP/ex0"
expect export_refused 1 "no_permission" -- "$G" audit export --db "$DB" --as county-450123 --out "$TMP/ex0"
[ ! -e "$TMP/ex0" ] && passed=$((passed+1)) || { echo "FAIL export_refused wrote $TMP/ex0"; failed=$((failed+1)); }
expect export_refusal_recorded 0 '"kind":"export"' -- sqlite3 "$DB" "SELECT body FROM events ORDER BY seq DESC LIMIT 1"
"$G" audit checkpoint --db "$DB" --key "$TMP/key.pem" --out "$TMP/cp.json"
expect export 0 -- "$G" audit export --db "$DB" --as region-45 --out "$TMP/ex"
expect export_holds_its_event 0 'what.*audit' -- tail -n 1 "$TMP/ex/events.jsonl"
expect export_verifies 0 "通过" -- "$G" audit verify --export "$TMP/ex"
expect export_again 2 -- "$G" audit export --db "$DB" --as region-45 --out "$TMP/ex"

# The export path checks checkpoints as the store path does.
expect export_checkpoint 0 "检查点: .*cp.json \(v2\) 签名覆盖事件 1-[0-9]+,头哈希 [0-9a-f]{64},签名时间 2022-01-10T02:00:00Z" -- \
  "$G" audit verify --export "$TMP/ex" --checkpoint "$TMP/cp.json" --pubkey "$TMP/pub.pem"
expect export_checkpoint_missing 2 -- "$G" audit verify --export "$TMP/ex" --checkpoint "$TMP/none.json" --pubkey "$TMP/pub.pem"
expect export_pubkey_missing 2 -- "$G" audit verify --export "$TMP/ex" --checkpoint "$TMP/cp.json" --pubkey "$TMP/none.pem"
expect export_checkpoint_no_pubkey 2 -- "$G" audit verify --export "$TMP/ex" --checkpoint "$TMP/cp.json"
expect store_checkpoint_missing 2 -- "$G" audit verify --db "$DB" --checkpoint "$TMP/none.json" --pubkey "$TMP/pub.pem"
# Truncated to the releases, the derived rows made to match: consistent, but not what was signed.
cp -r "$TMP/ex" "$TMP/trunc"
python3 - "$TMP/ex" "$TMP/trunc" <<'PY' || exit 2
import json, sys
src, dst = sys.argv[1], sys.argv[2]
events = open(src + "/events.jsonl", encoding="utf-8").read().splitlines()[:20]
open(dst + "/events.jsonl", "w", encoding="utf-8").write("".join(e + "\n" for e in events))
open(dst + "/submissions.jsonl", "w").write("")
out = []
for line in open(src + "/instances.jsonl", encoding="utf-8").read().splitlines():
    i = json.loads(line)
    i["state"], i["version"] = "released", 1
    out.append(json.dumps(i, ensure_ascii=False, separators=(",", ":"), sort_keys=True))
open(dst + "/instances.jsonl", "w", encoding="utf-8").write("".join(o + "\n" for o in out))
PY
expect truncated_export_alone 0 -- "$G" audit verify --export "$TMP/trunc"
expect truncated_export_checkpoint 1 "dropped" -- "$G" audit verify --export "$TMP/trunc" --checkpoint "$TMP/cp.json" --pubkey "$TMP/pub.pem"

# Only regular files of an export are read: a FIFO or a symlink fails, and never hangs.
for f in events.jsonl meta.json org.json; do
  cp -r "$TMP/ex" "$TMP/fifo"; rm "$TMP/fifo/$f"; mkfifo "$TMP/fifo/$f"
  expect "fifo_$f" 1 -- "$G" audit verify --export "$TMP/fifo"
  rm -rf "$TMP/fifo"
  cp -r "$TMP/ex" "$TMP/link"; mv "$TMP/link/$f" "$TMP/link/$f.real"; ln -s "$f.real" "$TMP/link/$f"
  expect "symlink_$f" 1 -- "$G" audit verify --export "$TMP/link"
  rm -rf "$TMP/link"
done

# Read-only media: verify and the read-only commands work; a write is refused (exit 2).
if mkdir -p "$TMP/ro" && mount -t tmpfs -o size=64m tmpfs "$TMP/ro" 2>/dev/null; then
  MNT="$TMP/ro"
  cp "$DB" "$TMP/ro/a.db"
  mount -o remount,ro "$TMP/ro"
  expect ro_verify 0 "通过" -- "$G" audit verify --db "$TMP/ro/a.db"
  expect ro_list 0 "$A" -- "$G" list --db "$TMP/ro/a.db"
  expect ro_show 0 -- "$G" show --db "$TMP/ro/a.db" ${A}202
  expect ro_history 0 -- "$G" audit history --db "$TMP/ro/a.db" ${A}202
  expect ro_write 2 -- "$G" act --db "$TMP/ro/a.db" --as town-450123100 ${A}202 approve
  umount "$TMP/ro"; MNT=""
  # A read-only bind mount of the directory
  mkdir -p "$TMP/rw" "$TMP/bind"; cp "$DB" "$TMP/rw/a.db"
  if mount --bind "$TMP/rw" "$TMP/bind" 2>/dev/null; then
    MNT="$TMP/bind"
    mount -o remount,bind,ro "$TMP/bind"
    expect bind_ro_verify 0 "通过" -- "$G" audit verify --db "$TMP/bind/a.db"
    expect bind_ro_list 0 "$A" -- "$G" list --db "$TMP/bind/a.db"
    umount "$TMP/bind"; MNT=""
  fi
else
  echo "SKIP read-only media (cannot mount here)"
fi

# Automatic checkpoints: configured by a top-tier user (recorded), written after commits, used by verify.
mkdir -p "$TMP/cps"
expect auto_refused 1 -- "$G" audit auto-checkpoint --db "$DB" --as county-450123 --dir "$TMP/cps" --key "$TMP/key.pem" --every-events 2
expect auto_bad_key 2 -- "$G" audit auto-checkpoint --db "$DB" --as region-45 --dir "$TMP/cps" --key "$TMP/pub.pem" --every-events 2
expect auto 0 -- "$G" audit auto-checkpoint --db "$DB" --as region-45 --dir "$TMP/cps" --key "$TMP/key.pem" --every-events 2
n=$(ls "$TMP/cps" | wc -l)
[ "$n" = 1 ] && passed=$((passed+1)) || { echo "FAIL auto: $n checkpoints after configuring, expected 1"; failed=$((failed+1)); }
"$G" act --db "$DB" --as town-450123100 ${A}202 return --comment 请核实 >/dev/null 2>&1
"$G" submit --db "$DB" --as coord-450123100202 $W/agri-450123100202-fixed.json >/dev/null 2>&1
n=$(ls "$TMP/cps" | wc -l)
[ "$n" = 2 ] && passed=$((passed+1)) || { echo "FAIL auto: $n checkpoints after two events, expected 2"; failed=$((failed+1)); }
expect auto_verify 0 "检查点: $TMP/cps/checkpoint-[0-9]{12}.json" -- "$G" audit verify --db "$DB"
expect auto_verify_dir 0 "已证明: 日志仍延续 2 个签名检查点" -- "$G" audit verify --db "$DB" --checkpoint-dir "$TMP/cps" --pubkey "$TMP/pub.pem"
mv "$TMP/cps" "$TMP/cps.away"
expect auto_unwritable 0 "未能写入自动检查点" -- "$G" act --db "$DB" --as town-450123100 ${A}202 approve
expect auto_verify_unreadable 0 "无法读取" -- "$G" audit verify --db "$DB"
mv "$TMP/cps.away" "$TMP/cps"
# A history rewritten before a checkpoint: events re-chained after an edit to event 3's time.
python3 - "$DB" <<'PY' || exit 2
import hashlib, json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
rows = db.execute("SELECT seq, body FROM events ORDER BY seq").fetchall()
prev = "0" * 64
for seq, body in rows:
    if seq == 3:
        b = json.loads(body); b["at"] = "2012-01-10T02:00:00Z"
        body = json.dumps(b, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    h = hashlib.sha256((prev + "\n" + body).encode()).hexdigest()
    db.execute("UPDATE events SET body = ?, prev_hash = ?, hash = ? WHERE seq = ?", (body, prev, h, seq))
    prev = h
db.commit()
PY
mv "$TMP/cps" "$TMP/cps.away"
expect rewritten_plain 0 "只证明了内部一致" -- "$G" audit verify --db "$DB"
mv "$TMP/cps.away" "$TMP/cps"
expect rewritten_auto 1 "rewritten" -- "$G" audit verify --db "$DB"
expect rewritten_checkpoint 1 "rewritten" -- "$G" audit verify --db "$DB" --checkpoint "$TMP/cp.json" --pubkey "$TMP/pub.pem"

echo "audit cli: $passed passed, $failed failed"
[ "$failed" = 0 ]
