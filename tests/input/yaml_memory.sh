#!/usr/bin/env bash
# Peak memory of `gridstat validate` on YAML files: it must stay under 256 MiB whatever the
# file holds. Five ~4-6 MB files: plain records (a sequence, and documents), records whose
# aliases expand each up to the per-record bound (spread out, and all at once), and flow records.
# Usage: yaml_memory.sh GRIDSTAT SOURCE_DIR
# Skipped (exit 77) without GNU time, and under a sanitizer, whose shadow memory makes
# the figure meaningless.
set -euo pipefail
bin=$1 src=$2
limit_kib=$((256 * 1024))
[ -x /usr/bin/time ] || { echo "SKIP: /usr/bin/time (package time) is missing"; exit 77; }
if nm -C "$bin" 2>/dev/null | grep -q '__asan_init\|__tsan_init'; then echo "SKIP: sanitizer build"; exit 77; fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 - "$work" <<'PY'
import sys
w = sys.argv[1]
rec = ('- id: "H-{i}"\n  survey: agri_village\n  period: "2021"\n  division: "450102001003"\n'
       '  data: {{rice_area: 120.5, rice_output: "54.20"}}\n')
with open(w + '/plain.yaml', 'w') as f:
    i = 0
    while f.tell() < 6_000_000:
        f.write(rec.format(i=i)); i += 1
with open(w + '/documents.yaml', 'w') as f:
    i = 0
    while f.tell() < 6_000_000:
        f.write('---\n' + rec.format(i=i)[2:].replace('\n  ', '\n')); i += 1
# Every record expands through aliases to just under the per-record bound of 250,000
# nodes (a few go over it), reusing the anchors of the first record, until the file's
# allowance for aliases (1,000,000 + 4 per byte) is spent; plain records follow.
with open(w + '/aliases.yaml', 'w') as f:
    f.write('- {id: a0, survey: agri_village, period: "2021", division: "450102001003", data: {x: &a [1,1,1,1,1,1,1,1,1,1], '
            'y: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a], z: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b], w: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c], '
            'v: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]}}\n')
    i = 1
    while f.tell() < 6_000_000:
        more = ',*e' if i % 50 == 0 else ''
        f.write('- {id: a%d, survey: agri_village, period: "2021", division: "450102001003", data: {w: [*e,*e%s]}}\n' % (i, more))
        i += 1
    f.write(rec.format(i='after'))
# The file's allowance for aliases grows with its size: 6 MB of comments first, then
# alias-heavy records that spend it all at once (decoded records are large: the reader
# of `validate` must not hold many of them), then a 1 KB alias bomb.
with open(w + '/frontloaded.yaml', 'w') as f:
    while f.tell() < 6_000_000:
        f.write('# ' + 'x' * 97 + '\n')
    f.write('- {id: a0, survey: agri_village, period: "2021", division: "450102001003", data: {x: &a [1,1,1,1,1,1,1,1,1,1], '
            'y: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a], z: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b], w: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c], '
            'v: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]}}\n')
    for i in range(1, 150):
        f.write('- {id: a%d, survey: agri_village, period: "2021", division: "450102001003", data: {w: [*e,*e]}}\n' % i)
    f.write('---\n- &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n')
    for k in 'bcdefghi':
        f.write('- &%s [%s]\n' % (k, ','.join(['*' + chr(ord(k) - 1)] * 10)))
    f.write(rec.format(i='after'))
# Flow records: one of 750,000 entries on one line (refused: yaml-cpp would hold every
# token of the line), then one of 100,000 rows over as many lines (read).
with open(w + '/flow.yaml', 'w') as f:
    f.write('- {id: f1, survey: agri_village, period: "2021", division: "450102001003", data: {rows: [%s]}}\n'
            % ','.join(['[1]'] * 750_000))
    f.write('---\n- {id: f2, survey: agri_village, period: "2021", division: "450102001003", data: {rows: [%s]}}\n'
            % ',\n  '.join(['[1]'] * 100_000))
    f.write(rec.format(i='after'))
PY

fail=0
for f in plain documents aliases frontloaded flow; do
  size=$(stat -c %s "$work/$f.yaml")
  set +e
  /usr/bin/time -v -o "$work/$f.time" "$bin" validate --defs "$src/definitions/guangxi" --format json "$work/$f.yaml" > "$work/$f.out" 2> "$work/$f.err"
  rc=$?
  set -e
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/$f.time")
  lines=$(wc -l < "$work/$f.out")
  echo "$f.yaml: $size bytes, exit $rc, $lines report lines, peak RSS $((rss / 1024)) MiB"
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ]; then echo "FAIL: $f.yaml: exit $rc"; cat "$work/$f.err"; fail=1; fi
  if [ "$rss" -ge "$limit_kib" ]; then echo "FAIL: $f.yaml: peak RSS $((rss / 1024)) MiB, over 256 MiB"; fail=1; fi
  if [ "$lines" -lt 2 ]; then echo "FAIL: $f.yaml: too few report lines"; fail=1; fi
done
exit $fail
