// Issue 15, items 12 and 14 (input side): previous-period records that contradict each
// other, and broken records in a multi-line JSON document.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <unistd.h>

#include "gridstat/engine.h"
#include "gridstat/rule_tests.h"
#include "gridstat/validate.h"

using namespace gridstat;

namespace {

const char* kDefs = R"(
survey t "测试表" {
  period year
  key division
  field n "人数" integer
}
rules for t {
  warning T-W1 "比上年多": n <= prev(n) + 10
}
)";

std::shared_ptr<const Program> Defs() {
  static auto r = CompileSources({{"t.gs", kDefs}}, ".");
  REQUIRE(r.program);
  return r.program;
}

std::vector<Envelope> Envelopes(const std::string& json) {
  std::vector<Envelope> out;
  REQUIRE(ReadSubmissionText("p.jsonl", json, false, [&](Envelope e) { out.push_back(std::move(e)); }, [](Report) {}).ok());
  return out;
}

}  // namespace

TEST_CASE("previous: two different records for one key are refused, identical ones are one", "[reliability]") {
  PreviousSet set(Defs());
  auto es = Envelopes(
      "{\"id\":\"a\",\"survey\":\"t\",\"period\":\"2020\",\"division\":\"450102001003\",\"data\":{\"n\":1}}\n"
      "{\"id\":\"a\",\"survey\":\"t\",\"period\":\"2020\",\"division\":\"450102001003\",\"data\":{\"n\":1}}\n"
      "{\"id\":\"a\",\"survey\":\"t\",\"period\":\"2020\",\"division\":\"450102001003\",\"data\":{\"n\":2}}\n"
      "{\"id\":\"b\",\"survey\":\"t\",\"period\":\"2020\",\"division\":\"450102001003\",\"data\":{\"n\":1}}\n"
      "{\"id\":\"a\",\"survey\":\"t\",\"period\":\"2019\",\"division\":\"450102001003\",\"data\":{\"n\":2}}\n");
  REQUIRE(es.size() == 5);
  CHECK(set.Add(es[0]) == nullptr);
  CHECK(set.Add(es[1]) == nullptr);  // the same record again
  const Envelope* held = set.Add(es[2]);  // another value for n
  REQUIRE(held != nullptr);
  CHECK(held->line == 1);
  CHECK(set.Add(es[3]) != nullptr);  // another id
  CHECK(set.Add(es[4]) == nullptr);  // another period
  // The first one stays; the contradicting ones were not taken.
  CHECK(set.Find("t", "450102001003", "2020")->data.Find("n")->text == "1");
}

TEST_CASE("previous: a rule test whose previous records contradict each other is a malformed case", "[reliability]") {
  char tmpl[] = "/tmp/gs_prevdup_XXXXXX";
  REQUIRE(mkdtemp(tmpl));
  std::string dir = tmpl;
  std::ofstream(dir + "/t.test.yaml") << R"(- name: 冲突
  submission: {id: x, survey: t, period: "2021", division: "450102001003", data: {n: 30}}
  previous:
    - {id: p, survey: t, period: "2020", division: "450102001003", data: {n: 1}}
    - {id: p, survey: t, period: "2020", division: "450102001003", data: {n: 25}}
  expect: [T-W1]
- name: 重复但相同
  submission: {id: x, survey: t, period: "2021", division: "450102001003", data: {n: 30}}
  previous:
    - {id: p, survey: t, period: "2020", division: "450102001003", data: {n: 1}}
    - {id: p, survey: t, period: "2020", division: "450102001003", data: {n: 1}}
  expect: [T-W1]
)";
  auto r = RunRuleTests(dir, Defs());
  std::filesystem::remove_all(dir);
  REQUIRE(r.ok());
  REQUIRE(r->size() == 2);
  CHECK_FALSE((*r)[0].passed);
  CHECK((*r)[0].problem.find("two different previous records") != std::string::npos);
  CHECK((*r)[1].passed);
}
