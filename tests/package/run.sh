#!/usr/bin/env bash
# gridstat as an embedder gets it: `cmake --install` of the build tree into a temporary
# prefix, then, against that tree alone,
#   - the layout: what is installed, public headers only, each compiling on its own;
#   - libgridstat.so.0: its SONAME, and that it exports the public API and nothing else;
#   - a C program built through pkg-config (shared, and static with --static);
#   - a C++ project built through find_package(gridstat), shared and static;
#   - Python's ctypes on the shared library: compile, validate, and a store made by the
#     installed `gridstat init`.
# Usage: run.sh BUILD_DIR SOURCE_DIR VERSION
set -euo pipefail
BUILD=$(cd "$1" && pwd)
SRC=$(cd "$2" && pwd)
VERSION=$3
MAJOR=${VERSION%%.*}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
P=$T/prefix
fail() { echo "FAIL: $*" >&2; exit 1; }

cmake --install "$BUILD" --prefix "$P" >/dev/null

# ---- layout ---------------------------------------------------------------------------
for f in bin/gridstat lib/libgridstat.so lib/libgridstat.so.$MAJOR lib/libgridstat.so.$VERSION lib/libgridstat.a \
         lib/libgridstat_antlr.a include/gridstat/c_api.h include/gridstat/version.h lib/pkgconfig/gridstat.pc \
         lib/cmake/gridstat/gridstat-config.cmake lib/cmake/gridstat/gridstat-config-version.cmake \
         share/gridstat/definitions/guangxi/workflows.gs share/gridstat/definitions/guangxi/data/guangxi_divisions.csv \
         share/gridstat/definitions/guangxi/tests/agri_village.test.yaml share/doc/gridstat/README.md \
         share/doc/gridstat/doc/store.md; do
  [ -e "$P/$f" ] || fail "not installed: $f"
done
expected=$( (cd "$SRC/include/gridstat" && ls *.h; echo version.h) | sort | tr '\n' ' ')
installed=$( (cd "$P/include/gridstat" && ls) | sort | tr '\n' ' ')
[ "$expected" = "$installed" ] || fail "installed headers: $installed; expected: $expected"
[ -z "$(ls "$P/include" | grep -vx gridstat)" ] || fail "more than include/gridstat installed: $(ls "$P/include")"
out=$("$P/bin/gridstat" --version) || fail "gridstat --version exits $?"
[ "$out" = "gridstat $VERSION" ] || fail "gridstat --version prints: $out"
"$P/bin/gridstat" check "$P/share/gridstat/definitions/guangxi" || fail "the installed definitions do not check"

# Public headers stand alone: each compiles with the installed include/ and nothing else
# (c_api.h and version.h as C too).
for h in "$P"/include/gridstat/*.h; do
  echo "#include <gridstat/$(basename "$h")>" | c++ -std=c++17 -Wall -Werror -fsyntax-only -I"$P/include" -x c++ - ||
    fail "include/gridstat/$(basename "$h") does not compile on its own"
done
for h in c_api.h version.h; do
  printf "#include <gridstat/%s>\nint header_check;\n" "$h" | cc -std=c99 -Wall -Werror -pedantic -fsyntax-only -I"$P/include" -x c - ||
    fail "include/gridstat/$h does not compile as C"
done

# ---- the shared library's symbols ----------------------------------------------------------
SO=$P/lib/libgridstat.so.$VERSION
dynamic=$(readelf -d "$SO")
grep -q "SONAME.*\[libgridstat.so.$MAJOR\]" <<<"$dynamic" || fail "SONAME is not libgridstat.so.$MAJOR"
! grep -q 'RPATH\|RUNPATH' <<<"$dynamic" || fail "the installed library has an RPATH"
nm -D --defined-only -C "$SO" | awk '$2 ~ /^[TtWwVvBbDdRrUuiG]$/ { $1 = ""; $2 = ""; sub(/^  /, ""); print }' > "$T/exported"
grep -q '^gs_version$' "$T/exported" || fail "gs_version is not exported"
grep -q '^gs_store_verify$' "$T/exported" || fail "gs_store_verify is not exported"
grep -q '^gridstat::CompileDirectory(' "$T/exported" || fail "gridstat::CompileDirectory is not exported"
grep -q '^gridstat::Store::Open(' "$T/exported" || fail "gridstat::Store::Open is not exported"
# Everything exported is a gs_ function or of the public C++ API (gridstat::X with X a
# public class or function); nothing of gridstat's internals, the parser, yaml-cpp,
# simdjson, RE2 or the standard library's templates.
leaks=$(grep -v -E '^gs_[a-z0-9_]+$' "$T/exported" |
        grep -v -E '^(typeinfo for |typeinfo name for |vtable for )?gridstat::(Store|Validator|PreviousSet|PreviousSource)(::|$)' |
        grep -v -E '^gridstat::(SortAndCap|RenderDiagnosticText|RenderDiagnosticJson|HasErrors|CompileDirectory|CompileSources|CompileFiles|ProgramHash|SurveyNames|RuleCount|RunRuleTests|ReadSubmissions|SplitSubmissions|SplitSubmissionTexts|DecodeRecordText|DecodeRawRecord|ReadSubmissionText|ParseJsonDocument|EnvelopeFromDoc|ReportToJson|ReportToText|StatusName|ValidateFiles|VerifyExport|OutcomeName|GravestOutcome|ActionResultJson|VerifyJson)(\[abi:cxx11\])?\(' || true)
[ -z "$leaks" ] || fail "exported beyond the public API:
$(echo "$leaks" | head -20)"
for internal in 'gridstat::store::' 'gridstat::compile::' 'gridstat::eval::' 'gridstat::dsl::' 'gridstat::input::' 'gridstat::validate::' 'gridstat::workflow::' 'gridstat::json::' 'antlr4::' 'YAML::' 'simdjson::' 're2::' 'std::'; do
  ! grep -q "^$internal\|^[a-z ]*for $internal" "$T/exported" || fail "exports $internal symbols"
done
echo "exports: $(wc -l < "$T/exported") symbols, the public API only"

# ---- (a) C through pkg-config ------------------------------------------------------------
export PKG_CONFIG_PATH=$P/lib/pkgconfig
[ "$(pkg-config --modversion gridstat)" = "$VERSION" ] || fail "pkg-config --modversion: $(pkg-config --modversion gridstat)"
# shellcheck disable=SC2046
cc -std=c99 -Wall -Werror -o "$T/consumer_c" "$SRC/tests/package/consumer.c" $(pkg-config --cflags --libs gridstat) -Wl,-rpath,"$P/lib"
grep -q "libgridstat.so.$MAJOR => $P/lib/" <<<"$(ldd "$T/consumer_c")" || fail "the C consumer does not load the installed libgridstat.so.$MAJOR"
"$T/consumer_c" "$VERSION" "$P/share/gridstat/definitions/guangxi" "$SRC/examples/submissions/agri_2021.jsonl"
# Statically: the same libraries, libgridstat.a named outright (the shared one would win).
static_libs=$(pkg-config --static --libs gridstat | sed 's/-lgridstat\b/-l:libgridstat.a/')
# shellcheck disable=SC2086
cc -std=c99 -Wall -Werror -o "$T/consumer_c_static" "$SRC/tests/package/consumer.c" $(pkg-config --cflags gridstat) $static_libs
! grep -q libgridstat <<<"$(ldd "$T/consumer_c_static")" || fail "the static C consumer loads libgridstat.so"
"$T/consumer_c_static" "$VERSION" "$P/share/gridstat/definitions/guangxi" "$SRC/examples/submissions/agri_2021.jsonl"

# ---- (b) C++ through find_package ----------------------------------------------------------
cmake -S "$SRC/tests/package/consumer" -B "$T/cxx" -DCMAKE_PREFIX_PATH="$P" -DCMAKE_BUILD_TYPE=Release >"$T/cxx.log" 2>&1 ||
  { cat "$T/cxx.log" >&2; fail "the find_package project does not configure"; }
grep -q "^gridstat_DIR:PATH=$P/lib/cmake/gridstat$" "$T/cxx/CMakeCache.txt" || fail "find_package found another gridstat: $(grep gridstat_DIR "$T/cxx/CMakeCache.txt")"
cmake --build "$T/cxx" -j 1 >"$T/cxx-build.log" 2>&1 || { cat "$T/cxx-build.log" >&2; fail "the find_package project does not build"; }
grep -q "libgridstat.so.$MAJOR => $P/lib/" <<<"$(ldd "$T/cxx/consumer")" || fail "the C++ consumer does not load the installed libgridstat.so.$MAJOR"
! grep -q libgridstat <<<"$(ldd "$T/cxx/consumer_static")" || fail "the static C++ consumer loads libgridstat.so"
mkdir "$T/work" "$T/work-static"
"$T/cxx/consumer" "$P/share/gridstat/definitions/guangxi" "$SRC/examples" "$T/work"
"$T/cxx/consumer_static" "$P/share/gridstat/definitions/guangxi" "$SRC/examples" "$T/work-static"

# ---- (c) Python's ctypes ------------------------------------------------------------------
PYTHON=/usr/bin/python3
[ -x "$PYTHON" ] || PYTHON=python3
"$P/bin/gridstat" init --db "$T/grid.db" --defs "$P/share/gridstat/definitions/guangxi" --org "$SRC/examples/org.yaml"
"$PYTHON" "$SRC/tests/package/ctypes_test.py" "$P/lib/libgridstat.so.$MAJOR" "$VERSION" "$P" "$SRC" "$T/grid.db"
"$P/bin/gridstat" audit verify --db "$T/grid.db" >/dev/null || fail "the store written through the C API does not verify"
echo "package: ok"
