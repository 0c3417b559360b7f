// Table-driven parser tests against a compact dump of the AST.
#include <catch2/catch.hpp>

#include <algorithm>
#include <functional>

#include "dsl/parser.h"

using namespace gridstat;

namespace {
std::string DumpExpr(const std::string& src) {
  dsl::Module m;
  m.files.push_back({"<expr>", src, {0}});
  std::vector<Diagnostic> diags;
  auto e = dsl::ParseExpression(&m, 0, src, 1, 1, &diags);
  if (!e) return "ERROR " + (diags.empty() ? std::string("?") : diags[0].code);
  return dsl::Dump(*e);
}
}  // namespace

TEST_CASE("parser: expression precedence and shapes", "[parser]") {
  struct Case { const char* src; const char* dump; };
  const Case cases[] = {
      {"a + b * c", "(+ a (* b c))"},
      {"a - b - c", "(- (- a b) c)"},
      {"(a - b) / 2", "(/ (- a b) 2)"},
      {"-x", "(neg x)"},
      {"-5", "-5"},
      {"a = b + c", "(= a (+ b c))"},
      {"a > 0 and b < 1 or c != 2", "(or (and (> a 0) (< b 1)) (!= c 2))"},
      {"a and b and c", "(and a b c)"},
      {"not a and b", "(and (not a) b)"},
      {"not not a", "(not (not a))"},
      {"x between 250 and 750", "(between x 250 750)"},
      {"x not between 1 and 2 and y", "(and (not-between x 1 2) y)"},
      {"x * 1000 / y between 250 and 750", "(between (/ (* x 1000) y) 250 750)"},
      {"u in (\"10\", \"55\")", "(in u \"10\" \"55\" list)"},
      {"u not in (\"56\")", "(not-in u \"56\" list)"},
      {"code in industry", "(in code industry)"},
      {"phone matches \"[0-9-]+\"", "(matches \"[0-9-]+\" phone)"},
      {"count(persons where relation = \"0\")", "(count persons where (= relation \"0\"))"},
      {"sum(persons, income)", "(sum persons income)"},
      {"the(persons where relation = \"0\", sex)", "(the persons where (= relation \"0\") sex)"},
      {"present(x) = present(y)", "(= (present x) (present y))"},
      {"prev(grain_output) > 0", "(> (prev grain_output) 0)"},
      {"substr(uscc, 3, 2) = \"45\"", "(= (substr uscc 3 2) \"45\")"},
      {"true or false", "(or true false)"},
      {"min(a, b) <= max(a, b)", "(<= (min a b) (max a b))"},
      {"period", "period"},
      {"a +", "ERROR syntax"},
      {"(a", "ERROR syntax"},
      {"a = = b", "ERROR syntax"},
      {"面积 > 0", "ERROR bad-character"},
      {"f(a, b where c)", "ERROR where-position"},
  };
  for (const auto& c : cases) {
    INFO(c.src);
    CHECK(DumpExpr(c.src) == c.dump);
  }
}

TEST_CASE("parser: declarations", "[parser]") {
  dsl::Module m;
  std::vector<Diagnostic> diags;
  std::string src = R"(
# comment
codes yes_no "是否" { "1" "是" "2" "否" }
reference industry "行业" { file "data/industry.csv" code "code" divisions }
survey s "测试表" {
  period quarter
  key division, unit
  field unit "单位" text length 2..10 pattern "[a-z]+" required
  field amount "金额" decimal(2) unit "元" range -10 .. 100.5
  field n "人数" integer min 0 max 10
  field flag "标志" code(yes_no) when amount > 0 masked
  roster items "明细" required rows 1..5 {
    field qty "数量" integer required
  }
}
rules for s {
  let total = amount * 2
  error S-E01 "金额{amount}元" when n > 0: amount > 0
  warning S-W01 "第{row}行" for each items: qty < 10
}
)";
  REQUIRE(dsl::ParseSource(&m, "t.gs", src, &diags));
  REQUIRE(diags.empty());
  REQUIRE(m.surveys.size() == 1);
  const auto& s = m.surveys[0];
  CHECK(s.period->name == "quarter");
  REQUIRE(s.keys.size() == 2);
  CHECK(s.keys[1].name == "unit");
  REQUIRE(s.fields.size() == 4);
  CHECK(s.fields[0].min_len == 2);
  CHECK(s.fields[0].max_len == 10);
  CHECK(*s.fields[0].pattern == "[a-z]+");
  CHECK(s.fields[0].required);
  CHECK(s.fields[1].type.arg == "2");
  CHECK(*s.fields[1].min == "-10");
  CHECK(*s.fields[1].max == "100.5");
  CHECK(s.fields[1].unit == "元");
  CHECK(s.fields[3].type.arg == "yes_no");
  CHECK(dsl::Dump(*s.fields[3].when) == "(> amount 0)");
  CHECK(s.fields[3].masked);
  REQUIRE(s.rosters.size() == 1);
  CHECK(s.rosters[0].required);
  CHECK(s.rosters[0].min_rows == 1);
  CHECK(s.rosters[0].max_rows == 5);
  REQUIRE(m.codes.size() == 1);
  CHECK(m.codes[0].entries.size() == 2);
  CHECK(m.codes[0].entries[1].label == "否");
  REQUIRE(m.references.size() == 1);
  CHECK(m.references[0].items.size() == 3);
  REQUIRE(m.rules.size() == 1);
  const auto& r = m.rules[0];
  REQUIRE(r.rules.size() == 2);
  CHECK(r.rules[0].code.name == "S-E01");
  CHECK(r.rules[0].is_error);
  CHECK(dsl::Dump(*r.rules[0].when) == "(> n 0)");
  CHECK(r.rules[0].message.parts.size() == 3);
  CHECK(r.rules[0].message.parts[0].literal == "金额");
  CHECK(dsl::Dump(*r.rules[0].message.parts[1].expr) == "amount");
  CHECK(r.rules[1].for_each->name == "items");
  CHECK_FALSE(r.rules[1].is_error);
  REQUIRE(r.lets.size() == 1);
  // Positions: line and column of the rule code, columns in code points.
  CHECK(r.rules[0].code.pos.line == 18);
  CHECK(r.rules[0].code.pos.col == 9);
}

TEST_CASE("parser: every node has a distinct id", "[parser]") {
  dsl::Module m;
  std::vector<Diagnostic> diags;
  REQUIRE(dsl::ParseSource(&m, "t.gs", "survey s { period year key division field a \"甲\" integer }\n"
                                  "rules for s { error X-1 \"{a}\": a + 1 > a * 2 }", &diags));
  std::vector<int> ids;
  std::function<void(const dsl::Expr&)> walk = [&](const dsl::Expr& e) {
    ids.push_back(e.id);
    for (auto& a : e.args) walk(*a);
  };
  walk(*m.rules[0].rules[0].check);
  std::sort(ids.begin(), ids.end());
  CHECK(std::adjacent_find(ids.begin(), ids.end()) == ids.end());
  CHECK(ids.size() == 7);
}
