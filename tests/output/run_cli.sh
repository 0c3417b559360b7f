#!/usr/bin/env bash
# What the CLI writes for a reader, against hostile input: no raw control character on stdout
# or stderr of any command (ESC, OSC, C1 as UTF-8 and as raw bytes, bidi overrides, a lone CR,
# invalid UTF-8), no forged line from a line feed in an echoed name, no CSV cell that opens as a
# formula, and ID numbers in an export masked to the region code.
# Usage: run_cli.sh GRIDSTAT SOURCE_DIR
set -u
G=$(realpath "$1")
cd "$2" || exit 2
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
export GRIDSTAT_NOW=2024-01-10T02:00:00Z
DEFS=definitions/guangxi
DB="$TMP/out.db"
V=450123100202
passed=0 failed=0
ok() { passed=$((passed+1)); }
fail() { echo "FAIL $1"; failed=$((failed+1)); }

# Raw control characters (C0 but LF, TAB and the CR of CR LF; DEL; C1 as UTF-8; line and
# paragraph separators; bidi controls) or invalid UTF-8 in a file: exit 1.
raw_controls() {
  perl -0777 -ne '
    $bad = 1 if /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|\r(?!\n)|\xc2[\x80-\x9f]|\xd8\x9c|\xe2\x80[\x8e\x8f\xa8-\xae]|\xe2\x81[\xa6-\xa9]/;
    $bad = 1 unless utf8::decode(my $copy = $_);
    END { exit($bad ? 1 : 0) }' "$1"
}

# clean NAME CMD... : runs CMD; stdout and stderr must hold no raw control character, no
# line forged by an echoed line feed, and the run must end with an exit code (no crash).
clean() {
  local name=$1; shift
  "$@" >"$TMP/$name.out" 2>"$TMP/$name.err"
  local code=$?
  if [ "$code" -gt 3 ]; then fail "$name: exit $code"; return; fi
  for f in "$TMP/$name.out" "$TMP/$name.err"; do
    if ! raw_controls "$f"; then fail "$name: raw control characters in ${f##*.}"; LC_ALL=C cat -v "$f" | head -5; return; fi
    if grep -q '^FORGED' "$f"; then fail "$name: a line feed from input started a line of its own (${f##*.})"; return; fi
  done
  ok
}

# The hostile text: OSC title, CSI, a raw C1 CSI byte, a UTF-8 C1 CSI, a bidi override,
# a lone CR, a BEL, invalid UTF-8, and a line feed that would forge a line.
H=$'\e]0;pwned\a\e[2J\x9b31m\xc2\x9b1m\xe2\x80\xaetxt\rX\a\xff\nFORGED: 通过'

"$G" init --db "$DB" --defs $DEFS --org examples/org.yaml || { echo "FAIL init"; exit 1; }

# --- stderr and stdout echo file names, ids and users escaped ---
clean validate_missing "$G" validate --defs $DEFS "$TMP/missing$H.json"
clean validate_previous "$G" validate --defs $DEFS --previous "$TMP/missing$H.jsonl" examples/submissions/agri_2021.jsonl
printf '{broken\n' >"$TMP/bad$H.jsonl"
clean validate_bad_file "$G" validate --defs $DEFS "$TMP/bad$H.jsonl"
clean validate_bad_file_en "$G" validate --defs $DEFS --lang en "$TMP/bad$H.jsonl"
clean check_missing "$G" check "$TMP/defs$H"
clean check_missing_json "$G" check --format json "$TMP/defs$H"
mkdir -p "$TMP/broken" && cp -r $DEFS/. "$TMP/broken/" && printf 'survey x {\n  field y "\e[31m" text\n  ???\n' >"$TMP/broken/bad$H.gs"
clean check_broken_file "$G" check "$TMP/broken"
clean test_missing "$G" test "$TMP/defs$H"
mkdir -p "$TMP/rt" && cp -r $DEFS/. "$TMP/rt/" && rm -f "$TMP/rt/tests/"*.yaml
printf 'base: {survey: agri_village, period: "2021", division: "450102001003", data: {}}\ncases:\n  - name: "\\e]0;x\\a\\x9b\\nFORGED"\n    expect: [AG-E01]\n' >"$TMP/rt/tests/w$H.test.yaml"
clean test_hostile_case "$G" test "$TMP/rt"
clean init_missing_org "$G" init --db "$TMP/new$H.db" --defs $DEFS --org "$TMP/org$H.yaml"
clean init_missing_defs "$G" init --db "$TMP/new2.db" --defs "$TMP/defs$H" --org examples/org.yaml
clean open_missing_db "$G" list --db "$TMP/none$H.db"
clean show_missing "$G" show --db "$DB" "id$H"
clean show_missing_as "$G" show --db "$DB" "id" --as "user$H"
clean history_missing "$G" audit history --db "$DB" "id$H"
clean act_missing "$G" act --db "$DB" --as town-450123100 "id$H" approve
clean act_hostile_action "$G" act --db "$DB" --as town-450123100 "id" "approve$H"
clean act_hostile_user "$G" act --db "$DB" --as "user$H" "id" approve --to "$H" --comment "$H" --request-id "$H"
clean inbox_user "$G" inbox --db "$DB" --as "user$H"
clean list_as "$G" list --db "$DB" --as "user$H"
clean progress_as "$G" progress --db "$DB" --survey "s$H" --period 2023 --as "user$H" --as-of "$H"
clean export_as "$G" export --db "$DB" --survey "s$H" --period "$H" --as "user$H"
clean export_unmasked_as "$G" export --db "$DB" --survey pop_change --period 2023 --as "user$H" --unmasked
clean release_hostile "$G" release --db "$DB" --as "user$H" --survey "s$H" --period "$H" --under "$H"
clean release_hostile2 "$G" release --db "$DB" --as region-45 --survey "s$H" --period 2023 --under 450123100000
clean submit_missing "$G" submit --db "$DB" --as coord-$V "$TMP/missing$H.json"
clean submit_bad_file "$G" submit --db "$DB" --as coord-$V "$TMP/bad$H.jsonl"
clean submit_instance "$G" submit --db "$DB" --as coord-$V --instance "i$H" examples/workflow/agri-$V.json
clean import_missing "$G" import --db "$DB" --as region-45 --workflow unit_task --period 2024-06 "$TMP/missing$H.jsonl"
printf '{"id": "T\\u001b]0;x\\u0007\\u009b\\nFORGED", "kind": "find", "division": "%s", "data": {"name": "\\u001b[2J"}}\nnot json\x9b\n' $V >"$TMP/tasks$H.jsonl"
clean import_hostile "$G" import --db "$DB" --as region-45 --workflow "w$H" --period 2024-06 "$TMP/tasks$H.jsonl"
clean import_hostile2 "$G" import --db "$DB" --as region-45 --workflow unit_task --period 2024-06 "$TMP/tasks$H.jsonl"
clean list_after_import "$G" list --db "$DB" --survey basic_unit
clean inbox_after_import "$G" inbox --db "$DB" --as coord-$V
clean units_under "$G" units --db "$DB" --under "$H" --uscc "$H"
clean verify_export_missing "$G" audit verify --export "$TMP/export$H"
clean verify_checkpoint_missing "$G" audit verify --db "$DB" --checkpoint "$TMP/cp$H" --pubkey "$TMP/pub$H"
clean checkpoint_missing_key "$G" audit checkpoint --db "$DB" --key "$TMP/key$H" --out "$TMP/cp.out"
clean audit_export_bad_dir "$G" audit export --db "$DB" --out "$TMP/no/such$H/dir"
clean backup_bad_dir "$G" backup --db "$DB" --out "$TMP/no/such$H/b.db"
clean publish_missing "$G" publish --db "$DB" --as region-45 --defs "$TMP/defs$H"
clean replay_missing "$G" replay --db "$DB" --defs "$TMP/defs$H"
clean migrate_hostile "$G" migrate --db "$DB" --as "user$H" --instance "i$H"
clean org_missing "$G" org update --db "$DB" --as region-45 --org "$TMP/org$H.yaml"
clean usage_subcommand "$G" "frob$H"
clean usage_option "$G" list --db "$DB" --lang "$H"
clean usage_extra "$G" list --db "$DB" "extra$H"
clean usage_number "$G" act --db "$DB" --as x i approve --if-version "$H"

# --- an export of hostile names: no formula, no control character, IDs masked ---
{
  n=0
  for name in '=HYPERLINK(\"http://evil\",\"点我\")' "-1+cmd|' /C calc'!A0" '@SUM(1+1)*cmd|\" /C calc\"!A0' '+1' '\t=1+1' \
              '\r=1+1' ' =1+1' '\u001b]0;pwned\u0007名' '\u001b[2J\u009b31m\u202e清屏\nFORGED' 'a,\"=1\"' '＝1+1' '-2'; do
    n=$((n+1))
    printf '{"id": "PC-%s", "survey": "pop_change", "period": "2023", "division": "%s", "data": {"district_code": "%s001", "household_no": "%03d", "household_type": "1", "deaths_count": 0, "persons": [{"name": "%s", "relation": "0", "sex": "1", "birth": "1980-03", "ethnicity": "08", "id_number": "450102198003150011", "marital": "1"}]}}\n' \
      "$n" $V $V $n "$name"
  done
} >"$TMP/households.jsonl"
"$G" submit --db "$DB" --as coord-$V "$TMP/households.jsonl" >"$TMP/ids" 2>"$TMP/submit.err" || { echo "FAIL submit households"; head "$TMP/submit.err"; }
mapfile -t IDS <"$TMP/ids"
[ "${#IDS[@]}" = 12 ] && ok || fail "households: ${#IDS[@]} instances, expected 12"
"$G" act --db "$DB" --as coord-$V "${IDS[@]}" recheck --comment "已复查$H" >/dev/null 2>&1
"$G" act --db "$DB" --as town-450123100 "${IDS[@]}" approve >/dev/null 2>&1
"$G" act --db "$DB" --as county-450123 "${IDS[@]}" accept >/dev/null 2>&1
clean export_hostile "$G" export --db "$DB" --survey pop_change --period 2023
CSV="$TMP/export_hostile.out"
[ "$(grep -c 450102 "$CSV")" = 12 ] && ok || fail "export: $(grep -c 450102 "$CSV") rows with an ID number, expected 12"
if grep -q '450102198003150011' "$CSV"; then fail "export: a whole ID number"; else ok; fi
if grep -q '450102\*\*\*\*\*\*\*\*0011' "$CSV"; then fail "export: the 6+4 mask, reversible with the birth month"; else ok; fi
if grep -q '450102\*\*\*\*\*\*\*\*\*\*\*\*' "$CSV"; then ok; else fail "export: IDs not masked to the region code"; fi
# No cell starts a formula: parse the CSV (RFC 4180) and look at each cell's first characters.
if perl -CSD -0777 -ne '
    s/^\x{feff}//;
    my $bad = 0;
    for my $line (split /\r\n/) {
      my @cells;
      while ($line =~ /\G(?:"((?:[^"]|"")*)"|([^,"]*))(,|$)/g) {
        my $c = defined $1 ? $1 =~ s/""/"/gr : $2;
        push @cells, $c;
        last if $3 eq "";
      }
      for my $c (@cells) {
        next if $c =~ /^-?\d+(\.\d+)?$/;
        if ($c =~ /^[\s\x{3000}]*[=+\-@\x{ff1d}\x{ff0b}\x{ff0d}\x{ff20}]/ || $c =~ /^[\t\r\n]/) { print STDERR "formula cell: $c\n"; $bad = 1 }
      }
    }
    exit $bad;' "$CSV"; then ok; else fail "export: a cell opens as a formula"; fi
for want in "\"'=HYPERLINK(\"\"http://evil\"\",\"\"点我\"\")\"" "\"'-1+cmd|' /C calc'!A0\"" "\"'+1\"" ",-2," '\u001b]0;pwned\u0007名'; do
  if grep -qF -- "$want" "$CSV"; then ok; else fail "export: no cell $want"; fi
done
# The unmasked export goes through the same cells.
clean export_unmasked "$G" export --db "$DB" --survey pop_change --period 2023 --as region-45 --unmasked
if grep -qF "\"'=HYPERLINK(" "$TMP/export_unmasked.out"; then ok; else fail "export --unmasked: formula not neutralised"; fi

# --- views of the hostile data ---
for id in "${IDS[@]}"; do
  clean show_hostile "$G" show --db "$DB" "$id"
  clean show_hostile_json "$G" show --db "$DB" "$id" --format json
  clean history_hostile "$G" audit history --db "$DB" "$id"
done
clean list_hostile "$G" list --db "$DB" --survey pop_change
clean list_hostile_json "$G" list --db "$DB" --survey pop_change --format json
clean progress_hostile "$G" progress --db "$DB" --survey pop_change --period 2023 --as-of 2024-03-01
clean validate_hostile "$G" validate --defs $DEFS "$TMP/households.jsonl"
clean validate_hostile_json "$G" validate --defs $DEFS --format json "$TMP/households.jsonl"
clean verify "$G" audit verify --db "$DB"

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
