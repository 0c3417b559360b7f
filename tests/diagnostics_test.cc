// Exact diagnostics: code, position, message and hint, for every kind an author meets.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "gridstat/engine.h"

using namespace gridstat;

namespace {

const char* kSurvey =
    "survey s \"测试\" {\n"
    "  period year\n"
    "  key division\n"
    "  field rice_area \"稻谷面积\" decimal(1) required\n"
    "  field kind \"类别\" code(kinds)\n"
    "  roster people \"人员\" { field age \"年龄\" integer }\n"
    "}\n"
    "codes kinds \"类别\" { \"1\" \"甲\" \"2\" \"乙\" }\n";

std::string ReplaceAll(std::string s, const std::string& from, const std::string& to) {
  for (size_t i = s.find(from); i != std::string::npos; i = s.find(from, i + to.size())) s.replace(i, from.size(), to);
  return s;
}

std::vector<Diagnostic> Check(const std::string& rules, const std::string& survey = kSurvey) {
  auto r = CompileSources({{"s.gs", survey}, {"t.gs", rules}}, std::string(GRIDSTAT_SOURCE_DIR) + "/definitions/guangxi");
  return r.diagnostics;
}

// "FILE:LINE:COL: error[CODE]: message | hint" of the first diagnostic.
std::string First(const std::vector<Diagnostic>& d, Lang lang = Lang::kZh) {
  if (d.empty()) return "(none)";
  std::string s = d[0].file + ":" + std::to_string(d[0].line) + ":" + std::to_string(d[0].col) + ": " +
                  (d[0].severity == Diagnostic::Severity::kError ? "error[" : "warning[") + d[0].code + "]: " +
                  d[0].message(lang);
  if (!d[0].hint(lang).empty()) s += " | " + d[0].hint(lang);
  return s;
}

}  // namespace

TEST_CASE("diagnostics: one exact message per kind", "[diagnostics]") {
  struct Case { const char* rules; const char* expected; };
  const Case cases[] = {
      {"rules for s {\n  error S-E01 \"x\": rice_aera > 0\n}",
       "t.gs:2:20: error[unknown-name]: 未知的名称「rice_aera」 | 是不是「rice_area」?"},
      {"rules for s {\n  error S-E01 \"x\" rice_area > 0\n}",
       "t.gs:2:19: error[syntax]: 语法错误:此处不应出现「rice_area」 | 此处应为: 'when', 'for', ':'"},
      {"rules for s {\n  error S-E01 \"x\": rice_area = \"1\"\n}",
       "t.gs:2:30: error[type]: 不能比较数值和文本 | 代码要写成带引号的文本,例如 unit_type = \"10\""},
      {"rules for s {\n  error S-E01 \"x\": rice_area + 1\n}",
       "t.gs:2:20: error[type]: 条件必须是真/假判断,这里是数值 | 例如写成 x > 0 或 present(x)"},
      {"rules for s {\n  error S-E01 \"x\": kind + 1 > 0\n}",
       "t.gs:2:20: error[type]: 这里需要数值,而这是文本"},
      {"rules for s {\n  error S-E01 \"x\": rice_area > 0\n  error S-E01 \"y\": rice_area > 1\n}",
       "t.gs:3:9: error[duplicate-rule]: 规则代码「S-E01」重复 | 第一次在第 2 行"},
      {"rules for s {\n  error S-E01 \"x\": sqr(rice_area) > 0\n}",
       "t.gs:2:20: error[unknown-function]: 未知的函数「sqr」 | 是不是「sum」?"},
      {"rules for s {\n  error S-E01 \"x\": substr(kind, 1) = \"1\"\n}",
       "t.gs:2:20: error[argument-count]: substr 需要 3 个参数,这里有 2 个"},
      {"rules for x {\n}", "t.gs:1:11: error[unknown-survey]: 没有名为「x」的调查表 | 是不是「s」?"},
      {"rules for s {\n  error S-E01 \"{rice_area\": rice_area > 0\n}",
       "t.gs:2:16: error[template]: 消息中的「{」没有对应的「}」 | 要写大括号本身,请写成 {{ 或 }}"},
      {"rules for s {\n  error S-E01 \"面积{rice_aera}\": rice_area > 0\n}",
       "t.gs:2:19: error[unknown-name]: 未知的名称「rice_aera」 | 是不是「rice_area」?"},
      {"rules for s {\n  error S-E01 \"x\": kind = \"3\"\n}",
       "t.gs:2:25: warning[unknown-code]: 「3」不在代码表「kinds」中"},
      {"rules for s {\n  error S-E01 \"x\": kind matches \"(\"\n}",
       "t.gs:2:33: error[bad-pattern]: 正则表达式无效: missing ): ("},
      {"rules for s {\n  let a = b\n  let b = a\n  error S-E01 \"x\": a > 0\n}",
       "t.gs:3:11: error[let-cycle]: let「a」引用了自身"},
      {"rules for s {\n  let unused = rice_aera * 2\n  error S-E01 \"x\": rice_area > 0\n}",
       "t.gs:2:16: error[unknown-name]: 未知的名称「rice_aera」 | 是不是「rice_area」?"},
      {"rules for s {\n  error S-E01 \"x\": count(rice_area) > 0\n}",
       "t.gs:2:26: error[bad-argument]: count 的第一个参数必须是重复组 | 本表的重复组: people"},
      {"rules for s {\n  error S-E01 \"x\": age > 0\n}",
       "t.gs:2:20: error[unknown-name]: 未知的名称「age」"},
      {"rules for s {\n  error S-E01 \"x\" for each persons: age > 0\n}",
       "t.gs:2:28: error[unknown-roster]: 没有名为「persons」的重复组"},
      {"rules for s {\n  error S-E01 \"x\": people > 0\n}",
       "t.gs:2:20: error[type]: 重复组「people」只能用在汇总函数里 | 例如 count(people) 或 sum(people, 字段)"},
      {"rules for s {\n  error S-E01 \"x\": period >= \"2021-13\"\n}",
       "(none)"},  // period of a yearly survey is a number: compared below
      {"rules for s {\n  error S-E01 \"x\": \"名\" > 0 and 年 > 0\n}",
       "t.gs:2:32: error[bad-character]: 此处不能出现字符「年」 | 标识符只能用 ASCII 字母、数字和下划线;中文请写在双引号里"},
      {"rules for s {\n  error S-E01 \"x: rice_area > 0\n}",
       "t.gs:2:15: error[unterminated-string]: 字符串缺少结尾的双引号 | 在这一行末尾补上 \""},
      {"reference r \"参照\" { file \"data/none.csv\" }",
       "t.gs:1:25: error[bad-data-file]: 无法读取参照数据文件「data/none.csv」"},
      {"reference r \"参照\" { file \"data/guangxi_divisions.csv\" code \"id\" }",
       "t.gs:1:59: error[bad-data-file]: 文件「data/guangxi_divisions.csv」没有列「id」 | 现有的列: code, name, level, parent_code, urban_rural_code"},
      {"reference r \"参照\" { file \"data/guangxi_divisions.csv\" fille \"x\" }",
       "t.gs:1:54: error[unknown-setting]: 参照表设置「fille」无效 | 是不是「file」?"},
  };
  for (const auto& c : cases) {
    INFO(c.rules);
    auto d = Check(c.rules);
    std::string got = First(d);
    // The bad-data-file hint names an absolute path: compare up to it.
    if (std::string(c.expected).find("无法读取") != std::string::npos) got = got.substr(0, got.find(" | "));
    if (std::string(c.expected) == "(none)") {
      CHECK(First(d).find("type") != std::string::npos);  // number vs text
      continue;
    }
    CHECK(got == c.expected);
  }
}

TEST_CASE("diagnostics: survey-level problems", "[diagnostics]") {
  auto d = Check("", "survey s {\n  key nope\n  field a \"甲\" txt\n  field b \"乙\" decimal\n  field a \"丙\" integer\n}\n");
  REQUIRE(d.size() == 5);
  CHECK(First({d[0]}) == "s.gs:1:8: error[missing-period]: 调查表「s」缺少 period(year、month 或 quarter)");
  CHECK(First({d[1]}) == "s.gs:2:7: error[unknown-name]: 未知的名称「nope」");
  CHECK(First({d[2]}) == "s.gs:3:15: error[unknown-type]: 字段类型「txt」无效 | 是不是「text」?");
  CHECK(First({d[3]}) == "s.gs:4:15: error[bad-type]: decimal 需要小数位数 0 到 12,例如 decimal(2)");
  CHECK(First({d[4]}) == "s.gs:5:9: error[duplicate]: 字段「a」重复定义");
}

TEST_CASE("diagnostics: English with --lang en", "[diagnostics]") {
  auto d = Check("rules for s {\n  error S-E01 \"x\": rice_aera > 0\n}");
  CHECK(First(d, Lang::kEn) == "t.gs:2:20: error[unknown-name]: unknown name 'rice_aera' | did you mean 'rice_area'?");
}

TEST_CASE("diagnostics: text rendering puts the caret under wide characters", "[diagnostics]") {
  auto d = Check("rules for s {\n  error S-E01 \"面积\": rice_aera > 0\n}");
  REQUIRE(!d.empty());
  CHECK(RenderDiagnosticText(d[0], Lang::kZh) ==
        "t.gs:2:21: error[unknown-name]: 未知的名称「rice_aera」\n"
        "2 |   error S-E01 \"面积\": rice_aera > 0\n"
        "  |                       ^\n"
        "  提示: 是不是「rice_area」?\n");
}

TEST_CASE("diagnostics: JSON form", "[diagnostics]") {
  auto d = Check("rules for s {\n  error S-E01 \"x\": rice_aera > 0\n}");
  REQUIRE(!d.empty());
  CHECK(RenderDiagnosticJson(d[0], Lang::kEn) ==
        R"({"code":"unknown-name","severity":"error","file":"t.gs","line":2,"col":20,"message":"unknown name 'rice_aera'","hint":"did you mean 'rice_area'?"})");
}

TEST_CASE("diagnostics: all reported, sorted by position, capped", "[diagnostics]") {
  std::string rules = "rules for s {\n";
  for (int i = 150; i > 0; --i) rules += "  error S-E" + std::to_string(i) + " \"x\": nope" + std::to_string(i) + " > 0\n";
  rules += "}\n";
  auto d = Check(rules);
  REQUIRE(d.size() == 101);
  CHECK(d[0].line == 2);
  for (size_t i = 1; i < 100; ++i) CHECK(d[i - 1].line < d[i].line);
  CHECK(d[100].code == "too-many-errors");
  CHECK(d[100].message_zh == "问题过多,另有 50 条未列出");
}

TEST_CASE("diagnostics: hostile sources give a clear error, never a crash", "[diagnostics]") {
  std::string deep = "rules for s {\n  error S-E01 \"x\": " + std::string(100000, '(') + "1" + std::string(100000, ')') + " > 0\n}";
  auto d = Check(deep);
  REQUIRE(!d.empty());
  CHECK(d[0].code == "too-deep");
  CHECK(d[0].line == 2);

  std::string nots = "rules for s {\n  error S-E01 \"x\": ";
  for (int i = 0; i < 50000; ++i) nots += "not ";
  nots += "true\n}";
  d = Check(nots);
  REQUIRE(!d.empty());
  CHECK(d[0].code == "too-deep");

  std::string chain = "rules for s {\n  error S-E01 \"x\": 0";
  for (int i = 0; i < 5000; ++i) chain += " + rice_area";
  chain += " > 0\n}";
  d = Check(chain);
  REQUIRE(!d.empty());
  CHECK(d[0].code == "too-deep");

  d = Check(std::string("rules for s {\n  error S-E01 \"\xff\xfe\": true\n}"));
  REQUIRE(!d.empty());
  CHECK(First(d) == "t.gs:2:16: error[invalid-utf8]: 文件不是有效的 UTF-8 编码 | 请以 UTF-8 编码保存文件");

  d = Check(std::string(9 << 20, ' '));
  REQUIRE(!d.empty());
  CHECK(d[0].code == "file-too-large");

  std::string garbage;
  for (int i = 0; i < 2000; ++i) garbage += "} ) ] { ( \" \n";
  d = Check(garbage);
  REQUIRE(!d.empty());
  CHECK(d.size() <= 101);
}

TEST_CASE("diagnostics: workflows are checked like rules", "[diagnostics]") {
  const std::string org = "tier village \"村\" level 5\ntier township \"乡镇\" level 4\n"
                          "role coordinator \"协管员\" at village\nrole township_statistician \"乡镇统计员\" at township\n";
  auto wf = [&](const std::string& body) {
    return Check(org + "workflow w \"流程\" for s {\n" + body + "}\n");
  };
  const std::string base =
      "  state open \"待填\" initial\n"
      "  state done \"完成\" final accepted\n"
      "  action submit \"上报\" {\n    by coordinator\n    from none\n    to open\n    needs submission\n  }\n";
  CHECK(wf(base + "  action approve \"通过\" {\n    by township_statistician\n    from open\n    to done\n  }\n").empty());
  struct Case { std::string body; std::string expected; };
  const Case cases[] = {
      {base + "  action approve \"通过\" {\n    by township_statistican\n    from open\n    to done\n  }\n",
       "t.gs:15:8: error[unknown-role]: 没有名为「township_statistican」的角色 | 是不是「township_statistician」?"},
      {base + "  state lost \"丢失\"\n  action approve \"通过\" {\n    by township_statistician\n    from open\n    to done\n  }\n",
       "t.gs:14:9: error[unreachable-state]: 状态「lost」无法到达:没有动作通向它"},
      {base + "  action approve \"通过\" {\n    by township_statistician\n    from open\n    to done\n    guard rice_aera > 0 \"x\"\n  }\n",
       "t.gs:18:11: error[unknown-name]: 未知的名称「rice_aera」 | 是不是「rice_area」?"},
      {base + "  action approve \"通过\" {\n    by township_statistician\n    from opn\n    to done\n  }\n",
       "t.gs:16:10: error[unknown-state]: 流程「w」没有状态「opn」 | 是不是「open」?"},
      {base + "  action approve \"通过\" {\n    by township_statistician\n    form open\n    to done\n  }\n",
       "t.gs:14:10: error[bad-action]: 动作「approve」缺少 from(起始状态,新建用 none)"},
      {base + "  action approve \"通过\" {\n    by township_statistician\n    from open\n    to done\n    needs signature\n  }\n",
       "t.gs:18:11: error[bad-clause]: needs 后面不能写「signature」(可用: comment、target、submission)"},
      {base + "  action approve \"通过\" {\n    by township_statistician\n    from open\n    to done\n    guard errors() \"x\"\n  }\n",
       "t.gs:18:11: error[type]: 条件必须是真/假判断,这里是数值 | 例如写成 x > 0 或 present(x)"},
  };
  for (const auto& c : cases) {
    INFO(c.body);
    CHECK(First(wf(c.body)) == c.expected);
  }
  // What the data means is declared: a workflow without accepted states, or without a final one.
  const std::string approve = "  action approve \"通过\" {\n    by township_statistician\n    from open\n    to done\n  }\n";
  std::string undeclared = ReplaceAll(base, " final accepted\n", " final\n") + approve;
  CHECK(First(wf(undeclared)) == "t.gs:5:10: warning[no-accepted-state]: 流程「w」没有声明哪些状态的数据算已验收(在状态后写 accepted)");
  CHECK(First(wf(undeclared), Lang::kEn) == "t.gs:5:10: warning[no-accepted-state]: workflow 'w' declares no accepted state (add the flag `accepted` to a state)");
  std::string endless = ReplaceAll(base, " final accepted\n", " accepted\n") + approve;
  CHECK(First(wf(endless)) == "t.gs:5:10: warning[no-final-state]: 流程「w」没有终态(在状态后写 final)");
  CHECK(First(wf(endless), Lang::kEn) == "t.gs:5:10: warning[no-final-state]: workflow 'w' has no final state (add the flag `final` to a state)");
  // prev() with no accepted state to read: an error at the prev(); the old names count, with a warning.
  const std::string prev_rule = "rules for s {\n  warning S-W01 \"x\": rice_area <= prev(rice_area) * 2\n}\n";
  auto d = Check(org + "workflow w \"流程\" for s {\n" + undeclared + "}\n" + prev_rule);
  std::vector<Diagnostic> errors;
  for (auto& x : d) if (x.severity == Diagnostic::Severity::kError) errors.push_back(x);
  REQUIRE(errors.size() == 1);
  CHECK(First(errors) == "t.gs:21:35: error[prev-without-accepted]: 规则用了 prev(),但调查表「s」的流程没有声明 accepted 状态,"
                         "上期数据永远读不到 | 在流程的验收状态后写 accepted,例如 state accepted \"县级已验收\" accepted");
  CHECK(First(errors, Lang::kEn) == "t.gs:21:35: error[prev-without-accepted]: rules use prev(), but no workflow for survey 's' "
                                    "declares an accepted state, so there is never a previous period | flag the workflow's "
                                    "accepted states, e.g. state accepted \"county accepted\" accepted");
  d = Check(org + "workflow w \"流程\" for s {\n" + ReplaceAll(undeclared, "done", "accepted") + "}\n" + prev_rule);
  REQUIRE(d.size() == 1);
  CHECK(d[0].code == "no-accepted-state");
  CHECK(First(Check(org + "workflow w \"流程\" for nope {\n}\n")) == "t.gs:5:21: error[unknown-survey]: 没有名为「nope」的调查表");
  CHECK(First(Check("rules for s {\n  error S-E01 \"x\": errors() = 0\n}")) == "t.gs:2:20: error[guard-only]: errors() 只能用在流程的 guard 里");
}

TEST_CASE("diagnostics: English words in English messages, Chinese counted once", "[diagnostics]") {
  auto d = Check("rules for s {\n  error S-E01 \"x\": max(rice_area) > 0\n}");
  CHECK(First(d).find("需要 2 个或更多参数,这里有 1 个") != std::string::npos);
  CHECK(First(d, Lang::kEn).find("max takes 2 or more arguments, not 1") != std::string::npos);

  d = Check("rules for s {\n  error S-E01 \"x\": rice_area > 0\n");
  bool eof = false;
  for (const auto& x : d) eof = eof || x.message(Lang::kEn) == "syntax error: unexpected end of file";
  CHECK(eof);

  // A clause value not among those allowed: the list is joined in the message's language.
  std::string dir = std::string(GRIDSTAT_SOURCE_DIR) + "/definitions/guangxi";
  std::vector<SourceText> sources;
  for (const auto& f : std::filesystem::directory_iterator(dir)) {
    if (f.path().extension() != ".gs") continue;
    std::ifstream in(f.path());
    std::stringstream ss;
    ss << in.rdbuf();
    sources.push_back({f.path().filename().string(), ReplaceAll(ss.str(), "needs comment", "needs commnet")});
  }
  auto r = CompileSources(sources, dir);
  const Diagnostic* bad = nullptr;
  for (const auto& x : r.diagnostics)
    if (x.code == "bad-clause") bad = &x;
  REQUIRE(bad != nullptr);
  CHECK(bad->message(Lang::kEn).find("comment, target, submission") != std::string::npos);
  CHECK(bad->message(Lang::kZh).find("comment、target、submission") != std::string::npos);
}
