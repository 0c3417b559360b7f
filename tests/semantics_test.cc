// The semantics of doc/language.md: missing values, three-valued logic, exact
// decimals, faults, skip logic, rosters, messages and input formats.
#include <catch2/catch.hpp>

#include <atomic>
#include <set>
#include <thread>

#include "gridstat/engine.h"
#include "gridstat/validate.h"

using namespace gridstat;

namespace {

const char* kDefs = R"(
codes kind "类别" { "1" "甲" "2" "乙" }
survey t "测试表" {
  period year
  key division
  field a "甲数" decimal(1)
  field b "乙数" decimal(2)
  field n "人数" integer min 0
  field k "类别" code(kind)
  field s "文本" text length 2..4
  field id "证件号" text length 18 masked
  field note "说明" text when k = "2"
  field when_ym "年月" yearmonth
  field flag "标志" boolean
  roster rows "明细" {
    field q "数量" integer
    field c "类别" code(kind)
  }
}
rules for t {
  error T-SUM "合计{a + b}": a + b <= 10
  error T-DIV "商{a / b}": a / b < 100
  warning T-KLEENE "任一为负": a >= 0 and b >= 0
  warning T-MISSING "说明缺失" when k = "2": present(note)
  error T-COUNT "甲类{count(rows where c = \"1\")}行": count(rows where c = "1") <= 1
  error T-SUM-ROWS "数量合计{sum(rows, q)}": sum(rows, q) < 100
  error T-EACH "第{row}行数量{q}" for each rows: q != 13
  error T-THE "唯一乙类数量{the(rows where c = \"2\", q)}": the(rows where c = "2", q) != 7
  warning T-ID "证件号{id}": len(id) != 18 or substr(id, 1, 2) = "45"
  error T-ALL "全部为正": all(rows, q > 0)
  error T-ANY "存在大于50": not any(rows, q > 50)
  error T-ONE "恰好一个" when any(rows, q >= 40): exactly_one(rows, q = 42)
  error T-YM "年月{when_ym}": when_ym >= "2000-01"
  error T-FLAG "标志": flag or missing(flag)
}
)";

std::shared_ptr<const Program> Defs() {
  static auto r = CompileSources({{"t.gs", kDefs}}, ".");
  if (!r.program)
    for (auto& d : r.diagnostics) FAIL(RenderDiagnosticText(d, Lang::kEn));
  return r.program;
}

Report Run(const std::string& data_json, const std::string& extra = "") {
  std::string env = R"({"id":"x","survey":"t","period":"2021","division":"450102001003","data":)" + data_json + extra + "}";
  auto doc = ParseJsonDocument(env);
  REQUIRE(doc.ok());
  Envelope e;
  REQUIRE(EnvelopeFromDoc(*doc, &e).ok());
  return Validator(Defs()).Validate(e);
}

std::set<std::string> Codes(const Report& r) {
  std::set<std::string> s;
  for (auto& f : r.findings) s.insert(f.rule);
  return s;
}

const Finding* Get(const Report& r, const std::string& code) {
  for (auto& f : r.findings) if (f.rule == code) return &f;
  return nullptr;
}

}  // namespace

TEST_CASE("semantics: absent, null and empty string all mean missing", "[semantics]") {
  for (const char* data : {R"({})", R"({"a":null,"b":null})", R"({"a":"","b":""})"}) {
    INFO(data);
    auto r = Run(data);
    CHECK(Codes(r).empty());
    CHECK(r.status == Report::Status::kPass);
  }
}

TEST_CASE("semantics: a rule whose outcome depends on a missing input is not evaluated", "[semantics]") {
  CHECK(Codes(Run(R"({"a":"20.0"})")).count("T-SUM") == 0);           // b missing
  CHECK(Codes(Run(R"({"a":"20.0","b":"1"})")).count("T-SUM") == 1);
  // Three-valued logic: false and unknown is false, so the rule is decided.
  CHECK(Codes(Run(R"({"a":"-1.0"})")).count("T-KLEENE") == 1);
  CHECK(Codes(Run(R"({"a":"1.0"})")).count("T-KLEENE") == 0);
}

TEST_CASE("semantics: a value with a field-level error feeds no rule", "[semantics]") {
  auto r = Run(R"({"a":"20.05","b":"1"})");
  CHECK(Codes(r) == std::set<std::string>{"scale"});
  CHECK(Get(r, "scale")->fields == std::vector<std::string>{"a"});
}

TEST_CASE("semantics: decimals are exact and places are checked by value", "[semantics]") {
  CHECK(Codes(Run(R"({"a":"0.1","b":"0.2"})")).empty());
  CHECK(Codes(Run(R"({"a":"9.9","b":"0.1"})")).empty());         // 10 is inside the limit
  CHECK(Codes(Run(R"({"a":"9.9","b":"0.11"})")).count("T-SUM"));
  CHECK(Codes(Run(R"({"a":"1.50","b":"4.5"})")).empty());        // 1.50 is a 1-place value
  CHECK(Codes(Run(R"({"a":1.5,"b":4.5})")).empty());             // JSON numbers too
  CHECK(Codes(Run(R"({"b":"4.567"})")) == std::set<std::string>{"scale"});
  CHECK(Codes(Run(R"({"n":"12.0"})")).empty());
  CHECK(Codes(Run(R"({"n":"12.5"})")) == std::set<std::string>{"type"});
  CHECK(Codes(Run(R"({"n":"+12"})")) == std::set<std::string>{"type"});
  CHECK(Codes(Run(R"({"n":"1e3"})")) == std::set<std::string>{"type"});
  CHECK(Codes(Run(R"({"n":1e3})")).empty());
  CHECK(Codes(Run(R"({"n":-1})")) == std::set<std::string>{"range"});
  CHECK(Codes(Run(R"({"n":true})")) == std::set<std::string>{"type"});
  CHECK(Codes(Run(R"({"n":123456789012345678901234567890})")) == std::set<std::string>{"range"});
}

TEST_CASE("semantics: a run-time fault is an error finding under the rule's code", "[semantics]") {
  auto r = Run(R"({"a":"5.0","b":"0"})");
  const Finding* f = Get(r, "T-DIV");
  REQUIRE(f);
  CHECK(f->fault == "division_by_zero");
  CHECK(f->is_error);
  CHECK(r.status == Report::Status::kError);
  CHECK(ReportToJson(r).find(R"("fault":"division_by_zero")") != std::string::npos);
}

TEST_CASE("semantics: messages show field scales, quotients at 2 places half-up", "[semantics]") {
  auto r = Run(R"({"a":"10.0","b":"0.08"})");
  REQUIRE(Get(r, "T-SUM"));
  CHECK(Get(r, "T-SUM")->message == "合计10.08");
  REQUIRE(Get(r, "T-DIV"));
  CHECK(Get(r, "T-DIV")->message == "商125.00");
  r = Run(R"({"a":"100.1","b":"0.3"})");  // 333.666... -> 333.67
  CHECK(Get(r, "T-DIV")->message == "商333.67");
  CHECK(Get(r, "T-SUM")->fields == std::vector<std::string>{"a", "b"});
}

TEST_CASE("semantics: ID numbers are masked in messages", "[semantics]") {
  auto r = Run(R"({"id":"110105194912310021"})");
  REQUIRE(Get(r, "T-ID"));
  CHECK(Get(r, "T-ID")->message == "证件号110105********0021");
  r = Run(R"({"id":"123"})");
  CHECK(Get(r, "length")->message.find("123") == std::string::npos);
}

TEST_CASE("semantics: skip logic ignores a field that is not asked", "[semantics]") {
  CHECK(Codes(Run(R"({"k":"1","note":"x"})")).empty());
  CHECK(Codes(Run(R"({"k":"2"})")) == std::set<std::string>{"T-MISSING"});
  CHECK(Codes(Run(R"({"k":"2","note":"有说明"})")).empty());
}

TEST_CASE("semantics: codes are strings from their list", "[semantics]") {
  CHECK(Codes(Run(R"({"k":1})")) == std::set<std::string>{"type"});
  CHECK(Codes(Run(R"({"k":"3"})")) == std::set<std::string>{"codelist"});
}

TEST_CASE("semantics: unknown and duplicate keys", "[semantics]") {
  auto r = Run(R"({"zz":1})");
  CHECK(Codes(r) == std::set<std::string>{"unknown_field"});
  CHECK(Get(r, "unknown_field")->fields == std::vector<std::string>{"zz"});
  r = Run(R"({"rows":[{"q":1,"zz":2}]})");
  CHECK(Get(r, "unknown_field")->fields == std::vector<std::string>{"rows[1].zz"});
  CHECK(Codes(Run(R"({"a":"1.0","a":"2.0"})")) == std::set<std::string>{"duplicate_key"});
}

TEST_CASE("semantics: rosters, filters and aggregates", "[semantics]") {
  // An unknown comparison in a filter counts as false: the row without c is not counted.
  CHECK(Codes(Run(R"({"rows":[{"q":1,"c":"1"},{"q":2}]})")).empty());
  CHECK(Codes(Run(R"({"rows":[{"q":1,"c":"1"},{"q":2,"c":"1"}]})")) == std::set<std::string>{"T-COUNT"});
  // A row whose c has a field-level error makes the count unknown instead.
  CHECK(Codes(Run(R"({"rows":[{"q":1,"c":"1"},{"q":2,"c":"1"},{"q":3,"c":"9"}]})")) == std::set<std::string>{"codelist"});
  // sum is unknown if any summed value is missing.
  CHECK(Codes(Run(R"({"rows":[{"q":60},{"q":60}]})")).count("T-SUM-ROWS"));
  CHECK(Codes(Run(R"({"rows":[{"q":60},{"q":60},{}]})")).count("T-SUM-ROWS") == 0);
  auto r = Run(R"({"rows":[{"q":1},{"q":13},{"q":2},{"q":13}]})");
  const Finding* f = Get(r, "T-EACH");
  REQUIRE(f);
  CHECK(f->message == "第2行数量13");
  CHECK(f->fields == std::vector<std::string>{"rows[2].q", "rows[4].q"});
  CHECK(Codes(Run(R"({"rows":[{"q":7,"c":"2"}]})")).count("T-THE"));
  CHECK(Codes(Run(R"({"rows":[{"q":7,"c":"2"},{"q":7,"c":"2"}]})")).count("T-THE") == 0);  // not exactly one
  CHECK(Codes(Run(R"({"rows":[{"q":0}]})")).count("T-ALL"));
  CHECK(Codes(Run(R"({"rows":[{"q":51}]})")).count("T-ANY"));
  CHECK(Codes(Run(R"({"rows":[{"q":42},{"q":42}]})")).count("T-ONE"));
  CHECK(Codes(Run(R"({"rows":[{"q":42},{"q":41}]})")).count("T-ONE") == 0);
  CHECK(Codes(Run(R"({"rows":"x"})")) == std::set<std::string>{"type"});
  CHECK(Codes(Run(R"({"rows":[1]})")) == std::set<std::string>{"type"});
}

TEST_CASE("semantics: typed comparisons of year-months and booleans", "[semantics]") {
  CHECK(Codes(Run(R"({"when_ym":"1999-12"})")) == std::set<std::string>{"T-YM"});
  CHECK(Codes(Run(R"({"when_ym":"2000-01"})")).empty());
  CHECK(Codes(Run(R"({"when_ym":"2000-1"})")) == std::set<std::string>{"format"});
  CHECK(Codes(Run(R"({"flag":false})")) == std::set<std::string>{"T-FLAG"});
  CHECK(Codes(Run(R"({"flag":"true"})")) == std::set<std::string>{"type"});
}

TEST_CASE("semantics: status and explanations", "[semantics]") {
  auto r = Run(R"({"a":"-1.0"})");
  CHECK(r.status == Report::Status::kWarning);
  r = Run(R"({"a":"-1.0"})", R"(,"explanations":{"T-KLEENE":"核实无误"})");
  CHECK(r.status == Report::Status::kPass);
  CHECK(Get(r, "T-KLEENE")->explained);
  r = Run(R"({"a":"-1.0"})", R"(,"explanations":{"T-KLEENE":""})");
  CHECK(r.status == Report::Status::kWarning);
  r = Run(R"({"a":"20.0","b":"1"})", R"(,"explanations":{"T-SUM":"解释不了错误"})");
  CHECK(r.status == Report::Status::kError);
  CHECK_FALSE(Get(r, "T-SUM")->explained);
}

TEST_CASE("semantics: evaluation is deterministic and thread-safe", "[semantics]") {
  std::string data = R"({"a":"10.0","b":"0.08","rows":[{"q":13,"c":"1"},{"q":42,"c":"2"}],"id":"110105194912310021"})";
  std::string expected = ReportToJson(Run(data));
  std::string env = R"({"id":"x","survey":"t","period":"2021","division":"450102001003","data":)" + data + "}";
  Envelope e;
  REQUIRE(EnvelopeFromDoc(*ParseJsonDocument(env), &e).ok());
  Validator v(Defs());
  std::vector<std::thread> threads;
  std::atomic<int> mismatches{0};
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 300; ++i)
        if (ReportToJson(v.Validate(e)) != expected) ++mismatches;
    });
  for (auto& t : threads) t.join();
  CHECK(mismatches == 0);
}

TEST_CASE("semantics: the program hash covers every file, data included", "[semantics]") {
  std::string dir = std::string(GRIDSTAT_SOURCE_DIR) + "/definitions/guangxi";
  auto a = CompileDirectory(dir), b = CompileDirectory(dir);
  REQUIRE(a.program);
  CHECK(ProgramHash(*a.program) == ProgramHash(*b.program));
  CHECK(ProgramHash(*a.program).size() == 64);
  auto c = CompileSources({{"t.gs", kDefs}}, ".");
  auto d = CompileSources({{"t.gs", std::string(kDefs) + "\n# changed\n"}}, ".");
  CHECK(ProgramHash(*c.program) != ProgramHash(*d.program));
}

TEST_CASE("input: JSON object, array, JSON Lines, YAML and broken records", "[input]") {
  std::vector<std::string> ids;
  std::vector<Report> bad;
  auto read = [&](const std::string& text, bool yaml = false) {
    ids.clear();
    bad.clear();
    REQUIRE(ReadSubmissionText("f", text, yaml, [&](Envelope e) { ids.push_back(*e.id + "@" + std::to_string(e.line)); },
                               [&](Report r) { bad.push_back(r); }).ok());
  };
  const std::string rec1 = R"({"id":"r1","survey":"t","period":"2021","division":"450102001003","data":{}})";
  const std::string rec2 = R"({"id":"r2","survey":"t","period":"2021","division":"450102001003","data":{}})";
  read(rec1);
  CHECK(ids == std::vector<std::string>{"r1@1"});
  read("[\n" + rec1 + ",\n  " + rec2 + "\n]");
  CHECK(ids == std::vector<std::string>{"r1@2", "r2@3"});
  read("\xEF\xBB\xBF" + rec1 + "\r\n\r\n" + rec2 + "\r\n");
  CHECK(ids == std::vector<std::string>{"r1@1", "r2@3"});
  read("{\n  \"id\": \"p\", \"survey\": \"t\", \"period\": \"2021\",\n  \"division\": \"450102001003\", \"data\": {}\n}\n");
  CHECK(ids == std::vector<std::string>{"p@1"});
  read(rec1 + "\n{\"id\":\"broken\",\n" + rec2 + "\n");
  CHECK(ids == std::vector<std::string>{"r1@1", "r2@3"});
  REQUIRE(bad.size() == 1);
  CHECK(bad[0].line == 2);
  CHECK(*bad[0].id == "broken");
  CHECK(bad[0].findings[0].rule == "envelope");
  read(rec1 + " trailing\n" + rec2 + " }\n" + rec1 + "   \n\xff" + rec2 + "\n");
  CHECK(ids == std::vector<std::string>{"r1@3"});
  REQUIRE(bad.size() == 3);
  CHECK(bad[0].findings[0].message == "JSON 值后面还有多余内容");
  CHECK(bad[1].findings[0].message == "JSON 值后面还有多余内容");
  CHECK(bad[2].findings[0].message == "含有无效的 UTF-8 字节(第 1 字节)");
  CHECK(*bad[2].id == "r2");
  read(R"({"survey":"t","period":"2021","division":"450102001003","data":{}})");
  REQUIRE(bad.size() == 1);
  CHECK_FALSE(bad[0].id);
  CHECK(bad[0].findings[0].message == "缺少信封成员「id」");
  read(R"({"id":"q","survey":"t","period":2021,"division":"450102001003","data":{}})");
  CHECK(bad[0].findings[0].message == "信封成员「period」应为非空字符串");
  read("- id: y1\n  survey: t\n  period: \"2021\"\n  division: \"450102001003\"\n  data: {a: 1.5, k: \"1\"}\n"
       "- id: y2\n  survey: t\n  period: \"2021\"\n  division: \"450102001003\"\n  data: {}\n", true);
  CHECK(ids == std::vector<std::string>{"y1@1", "y2@6"});
  read("- id: [unclosed\n", true);
  REQUIRE(bad.size() == 1);
  CHECK(bad[0].findings[0].rule == "envelope");
}

TEST_CASE("input: YAML quoting decides between codes and numbers", "[input]") {
  std::vector<Report> reports;
  Validator v(Defs());
  ReadSubmissionText("f.yaml",
                     "id: y\nsurvey: t\nperiod: \"2021\"\ndivision: \"450102001003\"\ndata: {k: 1, a: \"1.5\"}\n", true,
                     [&](Envelope e) { reports.push_back(v.Validate(e)); }, [&](Report r) { reports.push_back(r); });
  REQUIRE(reports.size() == 1);
  CHECK(Codes(reports[0]) == std::set<std::string>{"type"});
}

TEST_CASE("input: hostile layouts never loop, never lose records unseen", "[input]") {
  std::vector<std::string> ids;
  std::vector<Report> bad;
  auto read = [&](const std::string& text) {
    ids.clear();
    bad.clear();
    REQUIRE(ReadSubmissionText("f", text, false, [&](Envelope e) { ids.push_back(*e.id); },
                               [&](Report r) { bad.push_back(r); }).ok());
  };
  const std::string rec = R"({"id":"a","survey":"t","period":"2021","division":"450102001003","data":{}})";
  // Pretty-printed objects separated by a comma: the comma is reported, and reading goes
  // on with the next object (no endless loop).
  read("{\n  \"id\":\"a\",\"survey\":\"t\",\"period\":\"2021\",\"division\":\"450102001003\",\"data\":{}\n},\n{ \"id\":\"b\" }\n");
  CHECK(ids == std::vector<std::string>{"a"});
  REQUIRE(bad.size() == 2);
  CHECK(bad[0].line == 3);
  CHECK(bad[1].line == 4);
  CHECK(bad[1].id == std::optional<std::string>("b"));
  // Content after an array is reported, not dropped.
  read("[" + rec + "]\n[" + rec + "]\n");
  CHECK(ids.size() == 1);
  REQUIRE(bad.size() == 1);
  CHECK(bad[0].findings[0].message == "JSON 格式错误: 数组结束后还有内容(未读取)");
  read("[" + rec + ", } ]");
  CHECK(ids.size() == 1);
  CHECK(bad.size() == 1);
  // One object over several lines, whatever its first line holds.
  read("{\"id\": \"m\", \"survey\": \"t\",\n  \"period\": \"2021\", \"division\": \"450102001003\",\n  \"data\": {}}\n");
  CHECK(ids == std::vector<std::string>{"m"});
  CHECK(bad.empty());
  // A first line that never ends does not swallow the lines after it.
  read("{\"id\":\"x\",\n" + rec + "\n");
  CHECK(ids == std::vector<std::string>{"a"});
  CHECK(bad.size() == 1);
  // Many envelope members stay fast (no quadratic duplicate check).
  std::string wide = "{\"id\":\"w\",\"survey\":\"t\",\"period\":\"2021\",\"division\":\"450102001003\",\"data\":{}";
  for (int i = 0; i < 50000; ++i) wide += ",\"m" + std::to_string(i) + "\":1";
  read(wide + "}\n");
  CHECK(ids == std::vector<std::string>{"w"});
}

TEST_CASE("input: YAML envelopes may leave period and division unquoted", "[input]") {
  std::vector<Envelope> envs;
  ReadSubmissionText("f.yaml", "id: y\nsurvey: t\nperiod: 2021\ndivision: 450102001003\ndata: {}\n", true,
                     [&](Envelope e) { envs.push_back(e); }, [](Report r) { FAIL(r.findings[0].message); });
  REQUIRE(envs.size() == 1);
  CHECK(envs[0].period == "2021");
  CHECK(envs[0].division == "450102001003");
}

TEST_CASE("semantics: one record cannot make findings without bound", "[semantics]") {
  std::string rows = "[";
  for (int i = 0; i < 10001; ++i) rows += std::string(i ? "," : "") + "{}";
  auto r = Run(R"({"rows":)" + rows + "]}");
  CHECK(Codes(r) == std::set<std::string>{"rows"});
  rows = "[";
  for (int i = 0; i < 3000; ++i) rows += std::string(i ? "," : "") + "{\"q\":\"x\"}";
  r = Run(R"({"rows":)" + rows + "]}");
  CHECK(r.findings.size() == 1001);
  CHECK(r.findings.back().rule == "too_many_findings");
}

TEST_CASE("diagnostics: definitions that would blow up are refused", "[diagnostics]") {
  std::string survey = "survey s { period year key division field a \"甲\" decimal(1)\n roster r \"行\" { field q \"数\" integer } }\n";
  // lets doubling forty times
  std::string lets = "rules for s {\n  let a0 = a\n";
  for (int i = 1; i < 40; ++i) lets += "  let a" + std::to_string(i) + " = a" + std::to_string(i - 1) + " + a" + std::to_string(i - 1) + "\n";
  lets += "  error S-E01 \"x\": a39 > 0\n}\n";
  auto r = CompileSources({{"s.gs", survey}, {"t.gs", lets}}, ".");
  REQUIRE_FALSE(r.diagnostics.empty());
  CHECK(r.diagnostics[0].code == "too-large");
  // aggregates nested beyond the row cursors the evaluator keeps
  std::string nested = "q > 0";
  for (int i = 0; i < 17; ++i) nested = "count(r where " + nested + ") > 0";
  r = CompileSources({{"s.gs", survey}, {"t.gs", "rules for s {\n  error S-E01 \"x\": " + nested + "\n}\n"}}, ".");
  REQUIRE_FALSE(r.diagnostics.empty());
  CHECK(r.diagnostics[0].code == "too-deep");
  // a chain of 50,000 terms: refused before any tree is built
  std::string chain = "rules for s {\n  error S-E01 \"x\": 0";
  for (int i = 0; i < 50000; ++i) chain += " + a";
  r = CompileSources({{"s.gs", survey}, {"t.gs", chain + " > 0\n}\n"}}, ".");
  REQUIRE_FALSE(r.diagnostics.empty());
  CHECK(r.diagnostics[0].code == "too-deep");
}

TEST_CASE("semantics: a finding names the fields that decided it", "[semantics]") {
  // In an `and` that failed, only the failing parts; elsewhere every field read.
  auto r = Run(R"({"a":"-1.0","b":"2.00"})");
  REQUIRE(Get(r, "T-KLEENE"));
  CHECK(Get(r, "T-KLEENE")->fields == std::vector<std::string>{"a"});
  r = Run(R"({"a":"-1.0","b":"-2.00"})");
  CHECK(Get(r, "T-KLEENE")->fields == std::vector<std::string>{"a", "b"});
  r = Run(R"({"a":"20.0","b":"1"})");
  CHECK(Get(r, "T-SUM")->fields == std::vector<std::string>{"a", "b"});
  // A fault names every field the rule reads.
  r = Run(R"({"a":"5.0","b":"0"})");
  CHECK(Get(r, "T-DIV")->fields == std::vector<std::string>{"a", "b"});
}
