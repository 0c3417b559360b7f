// Conformance cases: definitions + submission + the findings the catalogue
// (SURVEYS.md) requires, as JSON Lines files under tests/conformance/. Written
// independently of the engine, from the catalogue alone.
#include <catch2/catch.hpp>

#include <fstream>
#include <set>
#include <sstream>

#include "common/json.h"
#include "gridstat/engine.h"
#include "gridstat/validate.h"

using namespace gridstat;

namespace {

std::shared_ptr<const Program> Shipped() {
  static auto result = CompileDirectory(std::string(GRIDSTAT_SOURCE_DIR) + "/definitions/guangxi");
  return result.program;
}

std::vector<std::string> Strings(const Doc* d) {
  std::vector<std::string> out;
  if (d)
    for (auto& x : d->items) out.push_back(x.text);
  std::sort(out.begin(), out.end());
  return out;
}

void RunFile(const std::string& name) {
  auto program = Shipped();
  REQUIRE(program);
  Validator v(program);
  std::ifstream in(std::string(GRIDSTAT_SOURCE_DIR) + "/tests/conformance/" + name);
  REQUIRE(in);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    ++n;
    auto doc = ParseJsonDocument(line);
    REQUIRE(doc.ok());
    const Doc* sub = doc->Find("submission");
    const Doc* expect = doc->Find("expect");
    REQUIRE(sub);
    REQUIRE(expect);
    INFO(name << " case " << n << ": " << doc->Find("name")->text);
    PreviousSet previous(program);
    if (const Doc* prev = doc->Find("previous"))
      for (auto& p : prev->items) {
        Envelope pe;
        REQUIRE(EnvelopeFromDoc(p, &pe).ok());
        previous.Add(pe);
      }
    Envelope env;
    Status st = EnvelopeFromDoc(*sub, &env);
    REQUIRE(st.ok());
    env.file = "c.jsonl";
    env.line = n;
    Report r = v.Validate(env, &previous);
    {  // the same report from the text, whichever path it takes
      // Members in the usual order (id, survey, period, division, data, then the rest), so
      // that plain records take the plain path.
      std::string text = "{";
      for (const char* k : {"id", "survey", "period", "division", "data", "explanations"})
        for (auto& [mk, mv] : sub->members)
          if (mk == k) text += (text.size() > 1 ? "," : "") + json::Canonical(json::Str(mk)) + ":" + json::Canonical(mv);
      text += "}";
      text.reserve(text.size() + 64);
      std::vector<std::string> got;
      v.ValidateText("c.jsonl", text, text.capacity(), n, &previous, [&](const Report& x) { got.push_back(ReportToJson(x)); });
      CHECK(got == std::vector<std::string>{ReportToJson(r)});
    }
    std::set<std::string> rules, field_errors;
    for (auto& f : r.findings) {
      if (f.rule.find('-') != std::string::npos) rules.insert(f.rule);
      else for (auto& fld : f.fields) field_errors.insert(fld);
    }
    INFO("report: " << ReportToJson(r));
    CHECK(std::vector<std::string>(rules.begin(), rules.end()) == Strings(expect->Find("rules")));
    CHECK(std::vector<std::string>(field_errors.begin(), field_errors.end()) == Strings(expect->Find("field_errors")));
    CHECK(StatusName(r.status) == expect->Find("status")->text);
  }
  CHECK(n > 50);
}

}  // namespace

TEST_CASE("conformance: basic_unit", "[conformance]") { RunFile("basic_unit.jsonl"); }
TEST_CASE("conformance: agri_village", "[conformance]") { RunFile("agri_village.jsonl"); }
TEST_CASE("conformance: pop_change", "[conformance]") { RunFile("pop_change.jsonl"); }
