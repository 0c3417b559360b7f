// Hostile input: each limit and each odd byte gets a defined, tested answer
// (doc/reliability.md lists them). Nothing here may crash, hang or lose a good record.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "gridstat/engine.h"
#include "gridstat/validate.h"

using namespace gridstat;

namespace {

const char* kDefs = R"(
survey t "测试表" {
  period year
  key division
  field a "甲数" decimal(1)
  field n "人数" integer
  field s "文本" text length 1..20
  roster rows "明细" {
    field q "数量" integer
  }
}
rules for t {
  error T-N "人数{n}": n < 1000
}
)";

std::shared_ptr<const Program> Defs() {
  static auto r = CompileSources({{"t.gs", kDefs}}, ".");
  REQUIRE(r.program);
  return r.program;
}

std::string Env(const std::string& id, const std::string& data) {
  return R"({"id":")" + id + R"(","survey":"t","period":"2021","division":"450102001003","data":)" + data + "}";
}

// Every record of `text` as "id: status codes" or "line N malformed: message", in order.
std::vector<std::string> Read(const std::string& text, bool yaml = false) {
  std::vector<std::string> out;
  Validator v(Defs(), Lang::kEn);
  auto codes = [](const Report& r) {
    std::string s;
    for (auto& f : r.findings) s += " " + f.rule;
    return s;
  };
  Status st = ReadSubmissionText(
      "in.jsonl", text, yaml, [&](Envelope e) {
        Report r = v.Validate(e);
        out.push_back(*e.id + ": " + StatusName(r.status) + codes(r));
      },
      [&](Report r) { out.push_back("line " + std::to_string(r.line) + " malformed: " + r.findings[0].message); }, Lang::kEn);
  REQUIRE(st.ok());
  return out;
}

using V = std::vector<std::string>;

}  // namespace

TEST_CASE("reliability: odd bytes in submissions", "[reliability]") {
  const std::string good = Env("g", R"({"n":1})");
  SECTION("a BOM and CRLF line ends are read as usual") {
    CHECK(Read("\xEF\xBB\xBF" + Env("a", "{}") + "\r\n" + good + "\r\n") == V{"a: pass", "g: pass"});
  }
  SECTION("a raw NUL byte makes its record malformed; the next one is read") {
    CHECK(Read(Env("a", std::string("{\"s\":\"x") + '\0' + "y\"}") + "\n" + good + "\n") ==
          V{"line 1 malformed: malformed JSON: Within strings, some characters must be escaped, we found unescaped characters",
            "g: pass"});
  }
  SECTION("an escaped NUL is a character of the text") {
    CHECK(Read(Env("a", R"({"s":"x\u0000y"})") + "\n") == V{"a: pass"});
  }
  SECTION("invalid UTF-8 in a value or a key: malformed, with the byte") {
    CHECK(Read(Env("a", "{\"s\":\"\xC3\x28\"}") + "\n" + Env("b", "{\"\xFF\":1}") + "\n" + good + "\n") ==
          V{"line 1 malformed: invalid UTF-8 at byte 79", "line 2 malformed: invalid UTF-8 at byte 75", "g: pass"});
  }
  SECTION("duplicate keys: in the envelope malformed, in data a finding") {
    CHECK(Read(R"({"id":"a","id":"b","survey":"t","period":"2021","division":"450102001003","data":{}})" "\n" +
               Env("c", R"({"n":1,"n":2})") + "\n") ==
          V{"line 1 malformed: envelope member 'id' appears twice", "c: error duplicate_key"});
  }
  SECTION("numbers too large for their type, and decimals with more places than declared") {
    CHECK(Read(Env("a", R"({"n":10000000000000000000})") + "\n" + Env("b", R"({"n":1e400})") + "\n" +
               Env("c", R"({"a":"1.25"})") + "\n" + Env("d", R"({"a":1.20})") + "\n" + Env("e", R"({"n":"12345678901234567890123"})") + "\n") ==
          V{"a: error range", "b: error range", "c: error scale", "d: pass", "e: error range"});
  }
}

TEST_CASE("reliability: YAML aliases cannot make a small file expand without bound", "[reliability]") {
  // Each record expands to 100,000 nodes through aliases; 40 of them from 2 KB of text.
  std::string yaml = "- {id: r0, survey: t, period: '2021', division: '450102001003', data: {x: &a [1,1,1,1,1,1,1,1,1,1], "
                     "y: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a], z: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b], w: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]}}\n";
  for (int i = 1; i < 40; ++i)
    yaml += "- {id: r" + std::to_string(i) + ", survey: t, period: '2021', division: '450102001003', data: {w: [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]}}\n";
  // Aliases are charged to the record that uses them (250,000 nodes each) and, so that
  // time stays bounded, to the file (1,000,000 + 4 per byte): later alias-heavy records
  // are refused, never the plain records after them.
  yaml += "- {id: plain, survey: t, period: '2021', division: '450102001003', data: {}}\n";
  auto r = Read(yaml, true);
  REQUIRE(r.size() == 41);
  CHECK(r[0] == "r0: error unknown_field unknown_field unknown_field unknown_field");
  CHECK(r[8] == "r8: error unknown_field");
  CHECK(r[39] == "line 40 malformed: YAML aliases in this file expand to more nodes than its size allows (1,000,000 + 4 per byte)");
  CHECK(r[40] == "plain: pass");
  // One record over 250,000 nodes: that record alone is refused.
  std::string big = "- {id: big, survey: t, period: '2021', division: '450102001003', data: {x: &a [1,1,1,1,1,1,1,1,1,1], "
                    "y: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a], z: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b], w: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c], "
                    "v: [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]}}\n";
  CHECK(Read(big + "- {id: after, survey: t, period: '2021', division: '450102001003', data: {}}\n", true) ==
        V{"line 1 malformed: YAML aliases expand to over 250,000 nodes in one record", "after: pass"});
}

TEST_CASE("reliability: YAML that would make the YAML library loop for ever is refused", "[reliability]") {
  const std::string rest = " (the rest of this document was not read; reading goes on at the next ---)";
  for (const char* text : {"\"\",\n", "{a: 1},\n", "[1] ,\n"}) {
    INFO(text);
    auto r = Read(text, true);
    REQUIRE(r.size() == 2);  // the value itself, then the comma
    CHECK(r[1] == "line 1 malformed: malformed YAML: a stray ',' after a value at the top level" + rest);
  }
  CHECK(Read("---\n---\n" + Env("a", "{}") + "\n", true) == V{"a: pass"});  // empty documents are fine
  // yaml-cpp garbles a NUL byte and the character after it: refused with its line.
  CHECK(Read(std::string("- {id: a}\n- {id: b") + '\0' + "_}\n", true) ==
        V{"line 1 malformed: missing envelope member 'survey'", "line 2 malformed: a NUL byte, which YAML does not allow" + rest});
}

TEST_CASE("reliability: limits on submissions", "[reliability]") {
  const std::string good = Env("g", R"({"n":1})");
  SECTION("nesting over 64 levels") {
    std::string deep = std::string(70, '[') + std::string(70, ']');
    CHECK(Read(Env("a", R"({"s":)" + deep + "}") + "\n" + good + "\n") == V{"line 1 malformed: nested deeper than 64 levels", "g: pass"});
  }
  SECTION("a record over 4 MiB; the records around it are read") {
    std::string big = Env("a", R"({"s":")" + std::string(5u << 20, 'x') + "\"}");
    CHECK(Read(good + "\n" + big + "\n" + good + "\n") == V{"g: pass", "line 2 malformed: record too large (over 4 MiB)", "g: pass"});
  }
  SECTION("a long string within the limit is only a length finding") {
    CHECK(Read(Env("a", R"({"s":")" + std::string(1u << 20, 'x') + "\"}") + "\n") == V{"a: error length"});
  }
  SECTION("over 10,000 roster rows") {
    std::string rows = "[";
    for (int i = 0; i < 10001; ++i) rows += std::string(i ? "," : "") + R"({"q":1})";
    CHECK(Read(Env("a", R"({"rows":)" + rows + "]}") + "\n") == V{"a: error rows"});
  }
  SECTION("over 1,000 findings in one record") {
    std::string rows = "[";
    for (int i = 0; i < 1500; ++i) rows += std::string(i ? "," : "") + R"({"q":"x"})";
    auto r = Read(Env("a", R"({"rows":)" + rows + "]}") + "\n");
    REQUIRE(r.size() == 1);
    CHECK(r[0].size() == std::string("a: error").size() + 1000 * std::string(" type").size() + std::string(" too_many_findings").size());
  }
}

TEST_CASE("reliability: what users typed cannot drive a terminal", "[reliability][injection]") {
  const std::string hostile = "\\u001b[31m\\u0007\\r\\u009b2J";
  std::string text = Env("x" + hostile, R"({"s":")" + hostile + R"(","n":"1)" + hostile + R"("})") + "\n";
  Validator v(Defs(), Lang::kEn);
  std::vector<Report> reports;
  REQUIRE(ReadSubmissionText("in.jsonl", text, false, [&](Envelope e) { reports.push_back(v.Validate(e)); },
                             [&](Report r) { reports.push_back(r); }).ok());
  REQUIRE(reports.size() == 1);
  REQUIRE(reports[0].id == "x\x1b[31m\a\r\xc2\x9b" "2J");  // stored exactly
  for (const std::string& out : {ReportToText(reports[0], Lang::kEn), ReportToText(reports[0], Lang::kZh), ReportToJson(reports[0])}) {
    INFO(out);
    for (unsigned char c : out) CHECK(((c >= 0x20 || c == '\n') && c != 0x7f));
    CHECK(out.find("\xc2\x9b") == std::string::npos);  // nor the one-byte CSI of C1
  }
}

TEST_CASE("reliability: limits on definitions", "[reliability]") {
  auto first = [](const std::string& src) {
    auto r = CompileSources({{"big.gs", src}}, ".");
    REQUIRE_FALSE(r.program);
    REQUIRE_FALSE(r.diagnostics.empty());
    return r.diagnostics[0].code + " " + std::to_string(r.diagnostics[0].line) + ":" + std::to_string(r.diagnostics[0].col) + " " + r.diagnostics[0].message_en;
  };
  std::string head = "survey t \"t\" {\n  period year\n  key division\n  field n \"n\" integer\n}\nrules for t {\n  error T-E1 \"m\": ";
  CHECK(first(std::string(9u << 20, ' ')) == "file-too-large 0:0 definition file too large (9437184 bytes, limit 8388608)");
  CHECK(first(head + std::string(70, '(') + "n" + std::string(70, ')') + " > 0\n}\n") == "too-deep 7:82 nesting too deep (over 64 levels)");
  std::string chain = "n";
  for (int i = 0; i < 300; ++i) chain += " + n";
  CHECK(first(head + chain + " > 0\n}\n") == "too-deep 7:19 expression too long (a chain of over 200 terms)");
  CHECK(first(head + "n > 0\n}\n\xFF\n") == "invalid-utf8 9:1 the file is not valid UTF-8");
  CHECK(first(std::string("survey t \"t\" {\n  period year\n  key division\n  field s \"s\" text pattern \"\\\\pL{1000}\"\n}\n")) == "bad-pattern 4:28 invalid pattern: pattern too large - compile failed");
  CHECK(first("survey t \"t\" {\n  period year\n  key division\n  roster r \"r\" rows 5..2 {\n    field q \"q\" integer\n  }\n}\n") ==
        "bad-attribute 4:10 the rows' upper bound of 'r' is below its lower bound");
  // A NUL byte: the message keeps the character, every rendering escapes it.
  CHECK(first(head + "n > 0\n}\n" + std::string(1, '\0')) == "bad-character 9:1 unexpected character '" + std::string(1, '\0') + "'");
  auto r = CompileSources({{"big.gs", head + "n > 0\n}\n\x1b[2J"}}, ".");
  REQUIRE_FALSE(r.diagnostics.empty());
  for (Lang l : {Lang::kEn, Lang::kZh}) {
    std::string shown = RenderDiagnosticText(r.diagnostics[0], l) + RenderDiagnosticJson(r.diagnostics[0], l);
    CHECK(shown.find('\x1b') == std::string::npos);
    CHECK(shown.find("\\u001b") != std::string::npos);
  }
}
