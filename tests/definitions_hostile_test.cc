// Hostile definitions (issue 15, item 14): control characters inside strings and comments,
// and cycles among the parents of a reference table.
#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <vector>

#include "gridstat/engine.h"

using namespace gridstat;

namespace {

// The diagnostics as "code file:line:col message", in order.
std::vector<std::string> Diags(const std::map<std::string, std::string>& files) {
  auto r = CompileFiles(files);
  std::vector<std::string> out;
  for (const auto& d : r.diagnostics)
    out.push_back(d.code + " " + d.file + ":" + std::to_string(d.line) + ":" + std::to_string(d.col) + " " + d.message_en);
  if (r.program) out.push_back("compiled");
  return out;
}

const std::string kSurvey = "survey t \"t\" {\n  period year\n  key division\n  field n \"n\" integer\n}\n";

std::string Rule(const std::string& message) { return "rules for t {\n  error T-E1 \"" + message + "\": n > 0\n}\n"; }

}  // namespace

TEST_CASE("definitions: a control character is refused even inside a string", "[reliability]") {
  using V = std::vector<std::string>;
  const std::string nul(1, '\0');
  // A raw NUL in a label, a message, a code and a comment: each with its line and column.
  CHECK(Diags({{"a.gs", "survey t \"a" + nul + "b\" {\n  period year\n  key division\n}\n"}}) ==
        V{"bad-character a.gs:1:12 unexpected character '" + nul + "'"});
  CHECK(Diags({{"a.gs", kSurvey + Rule("人数" + nul + "有误")}}) ==
        V{"bad-character a.gs:7:17 unexpected character '" + nul + "'"});
  CHECK(Diags({{"a.gs", "codes c \"c\" {\n  \"1" + nul + "\" \"x\"\n}\n"}}) ==
        V{"bad-character a.gs:2:5 unexpected character '" + nul + "'"});
  CHECK(Diags({{"a.gs", kSurvey + "# 注释" + nul + "\n"}}) == V{"bad-character a.gs:6:5 unexpected character '" + nul + "'"});
  // Other control characters likewise; a tab in a string stays allowed.
  CHECK(Diags({{"a.gs", kSurvey + Rule("a\x01z\x1b")}}) ==
        V{"bad-character a.gs:7:16 unexpected character '\x01'", "bad-character a.gs:7:18 unexpected character '\x1b'"});
  CHECK(Diags({{"a.gs", kSurvey + Rule("a\tb")}}) == V{"compiled"});
  // There is no escape that yields a NUL: `\0` is the digit.
  auto r = CompileFiles({{"a.gs", kSurvey + Rule("a\\0b")}});
  CHECK(r.program);
}

TEST_CASE("definitions: parent cycles in a reference table are refused", "[reliability]") {
  using V = std::vector<std::string>;
  auto ref = [](const std::string& csv, bool divisions) {
    return std::map<std::string, std::string>{
        {"r.gs", std::string("reference r \"r\" {\n  file \"r.csv\"\n") + (divisions ? "  divisions\n" : "") + "}\n"},
        {"r.csv", "code,name,level,parent\n" + csv}};
  };
  // Two codes that are each other's parent, in the division tree and in a plain table.
  for (bool divisions : {true, false}) {
    CHECK(Diags(ref("1,root,1,\n2,a,2,3\n3,b,2,2\n", divisions)) ==
          V{"parent-cycle r.gs:2:8 'r.csv' line 3: the parents form a cycle (2 → 3 → 2)"});
  }
  // A self-parent; a longer cycle hanging under a good root; two separate cycles.
  CHECK(Diags(ref("1,root,1,\n2,a,2,2\n", true)) == V{"parent-cycle r.gs:2:8 'r.csv' line 3: the parents form a cycle (2 → 2)"});
  CHECK(Diags(ref("1,root,1,\n5,e,4,2\n2,a,2,3\n3,b,3,4\n4,c,4,2\n6,f,5,5\n", false)) ==
        V{"parent-cycle r.gs:2:8 'r.csv' line 4: the parents form a cycle (2 → 3 → 4 → 2)"});
  CHECK(Diags(ref("a,a,1,b\nb,b,1,a\nc,c,1,d\nd,d,1,c\n", false)) ==
        V{"parent-cycle r.gs:2:8 'r.csv' line 2: the parents form a cycle (a → b → a)",
          "parent-cycle r.gs:2:8 'r.csv' line 4: the parents form a cycle (c → d → c)"});
  // A long cycle is shown in part; a long chain without a cycle is fine.
  std::string ring, chain;
  for (int i = 0; i < 20; ++i) ring += std::to_string(100 + i) + ",x,1," + std::to_string(100 + (i + 1) % 20) + "\n";
  for (int i = 0; i < 5000; ++i) chain += std::to_string(100 + i) + ",x,1," + (i ? std::to_string(99 + i) : "") + "\n";
  CHECK(Diags(ref(ring, false)) ==
        V{"parent-cycle r.gs:2:8 'r.csv' line 2: the parents form a cycle (100 → 101 → 102 → 103 → 104 → 105 → 106 → 107 → …)"});
  CHECK(Diags(ref(chain, true)) == V{"compiled"});
  // A NUL byte in the data file is refused with its line.
  CHECK(Diags(ref("1,ro" + std::string(1, '\0') + "ot,1,\n", false)) == V{"bad-data-file r.gs:2:8 'r.csv' line 2 holds a NUL byte"});
}

// A long chain of lets built on lets used to overflow the native stack while the compiler
// expanded them (5,000 lets: a segfault in `gridstat check`).
TEST_CASE("definitions: lets built on lets stop with a diagnostic, never a stack overflow", "[reliability]") {
  auto chain = [](int n, int nesting) {
    std::string s = "rules for t {\n  let l0 = n + 1\n";
    for (int i = 1; i < n; ++i) {
      s += "  let l" + std::to_string(i) + " = ";
      for (int k = 0; k < nesting; ++k) s += "1 + (";
      s += "l" + std::to_string(i - 1);
      s += std::string(static_cast<size_t>(nesting), ')') + "\n";
    }
    return s + "  error T-E1 \"x\": l" + std::to_string(n - 1) + " > 0\n}\n";
  };
  // 5,000 plain lets: more than 64 levels of lets on lets.
  auto r = CompileFiles({{"a.gs", kSurvey + chain(5000, 0)}});
  CHECK_FALSE(r.program);
  REQUIRE_FALSE(r.diagnostics.empty());
  CHECK(r.diagnostics[0].code == "too-deep");
  CHECK(r.diagnostics[0].message_en.find("lets built on lets nest too deep (over 64 levels)") != std::string::npos);
  // Fewer lets, each nested deep: the expanded expression is bounded as a whole.
  r = CompileFiles({{"a.gs", kSurvey + chain(64, 60)}});
  CHECK_FALSE(r.program);
  REQUIRE_FALSE(r.diagnostics.empty());
  CHECK(r.diagnostics[0].code == "too-deep");
  CHECK(r.diagnostics[0].message_en.find("once lets are expanded (over 512 levels)") != std::string::npos);
  // Within the bounds, lets on lets compile.
  r = CompileFiles({{"a.gs", kSurvey + chain(60, 5)}});
  CHECK(r.program);
}
