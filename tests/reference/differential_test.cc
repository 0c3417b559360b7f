// Differential test: the engine running the shipped Guangxi definitions against
// the independent reference catalogue (tests/reference/catalogue.cc), on
// deterministic random submissions (tests/reference/generator.cc).
//
//   ./build/bin/unit_tests "[differential]"
#include <catch2/catch.hpp>

#include <cstdlib>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "gridstat/engine.h"
#include "gridstat/validate.h"
#include "tests/reference/catalogue.h"
#include "tests/reference/generator.h"

using namespace gridstat;
using namespace gridstat::reference;

namespace {

const std::string kDefs = std::string(GRIDSTAT_SOURCE_DIR) + "/definitions/guangxi";

// Fixed seeds by default. For exploration, GRIDSTAT_DIFF_SEED adds an offset
// to every seed and GRIDSTAT_DIFF_COUNT changes the number per survey.
uint64_t Seed(uint64_t base) {
  const char* s = std::getenv("GRIDSTAT_DIFF_SEED");
  return s ? base + std::strtoull(s, nullptr, 10) : base;
}
int Count() {
  const char* s = std::getenv("GRIDSTAT_DIFF_COUNT");
  return s ? std::atoi(s) : 3000;
}

// Mismatches printed in full (GRIDSTAT_DIFF_PRINT, default 20).
int PrintLimit() {
  const char* s = std::getenv("GRIDSTAT_DIFF_PRINT");
  return s ? std::atoi(s) : 20;
}

const RefData& Data() {
  static const RefData data = LoadRefData(kDefs + "/data");
  return data;
}

std::string Join(const std::set<std::string>& s) {
  std::string out = "[";
  for (const auto& x : s) {
    if (out.size() > 1) out += ", ";
    out += x;
  }
  return out + "]";
}

// Splits an engine report the way the reference reports: catalogue codes
// (they contain '-') and the fields of field-level findings.
Outcome FromReport(const Report& r) {
  Outcome o;
  if (r.malformed) o.rules.insert("<malformed>");
  for (const auto& f : r.findings) {
    if (f.rule.find('-') != std::string::npos) {
      o.rules.insert(f.rule + (f.fault.empty() ? "" : "{fault:" + f.fault + "}"));
    } else {
      if (f.rule == "envelope") o.rules.insert("<envelope>");
      for (const auto& field : f.fields) o.field_errors.insert(field);
    }
  }
  return o;
}

struct Tally {
  int checked = 0;
  int mismatches = 0;
  std::map<std::string, int> differences;  // "+X" engine only, "-X" reference only
  std::map<std::string, int> rule_fired;   // reference firings, to show coverage
  int with_field_errors = 0;
};

void Compare(const Envelope& env, const Outcome& engine, const Outcome& ref, Tally& t) {
  ++t.checked;
  for (const auto& r : ref.rules) ++t.rule_fired[r];
  if (!ref.field_errors.empty()) ++t.with_field_errors;
  bool same = engine.rules == ref.rules && engine.field_errors == ref.field_errors;
  if (same) return;
  ++t.mismatches;
  std::set<std::string> diffs;
  for (const auto& x : engine.rules)
    if (!ref.rules.count(x)) diffs.insert("+" + x);
  for (const auto& x : ref.rules)
    if (!engine.rules.count(x)) diffs.insert("-" + x);
  for (const auto& x : engine.field_errors)
    if (!ref.field_errors.count(x)) diffs.insert("+field " + x);
  for (const auto& x : ref.field_errors)
    if (!engine.field_errors.count(x)) diffs.insert("-field " + x);
  for (const auto& d : diffs) ++t.differences[d];
  if (t.mismatches <= PrintLimit()) {
    // Printed in full here as well: the console reporter wraps long INFO lines.
    std::cout << "MISMATCH " << EnvelopeToJson(env) << "\n  engine:    rules " << Join(engine.rules)
              << " fields " << Join(engine.field_errors) << "\n  reference: rules " << Join(ref.rules)
              << " fields " << Join(ref.field_errors) << "\n";
    INFO("submission: " << EnvelopeToJson(env));
    INFO("engine rules:     " << Join(engine.rules) << "  field errors: " << Join(engine.field_errors));
    INFO("reference rules:  " << Join(ref.rules) << "  field errors: " << Join(ref.field_errors));
    CHECK(engine.rules == ref.rules);
    CHECK(engine.field_errors == ref.field_errors);
  }
}

void Summarize(const std::string& survey, const Tally& t) {
  std::ostringstream s;
  s << "[differential] " << survey << ": " << t.checked << " submissions, " << t.mismatches
    << " mismatches, " << t.with_field_errors << " with field errors\n  reference firings:";
  for (const auto& kv : t.rule_fired) s << " " << kv.first << "=" << kv.second;
  s << "\n";
  for (const auto& kv : t.differences) s << "  difference " << kv.first << " x" << kv.second << "\n";
  std::cout << s.str();
}

}  // namespace

TEST_CASE("reference check characters agree with the published vectors", "[differential]") {
  auto rows = ReadCsv(kDefs + "/data/check_digit_vectors.csv");
  REQUIRE(rows.size() > 1);
  int n = 0;
  for (size_t i = 1; i < rows.size(); ++i) {
    if (rows[i].size() < 3) continue;
    const std::string& kind = rows[i][0];
    const std::string& value = rows[i][1];
    bool valid = rows[i][2] == "true";
    INFO(kind << " " << value);
    if (kind == "uscc") CHECK(Gb32100Valid(value) == valid);
    if (kind == "ric") CHECK(Gb11643Valid(value) == valid);
    ++n;
  }
  CHECK(n >= 50);
  CHECK(Gb32100CheckChar("91350100M000100Y4") == '3');
  CHECK(Gb11643CheckChar("11010519491231002") == 'X');
  CHECK(Gb11643CheckChar("44052418800101001") == '4');
}

TEST_CASE("reference data loads", "[differential]") {
  const RefData& d = Data();
  CHECK(d.division_level.at("450000000000") == 1);
  CHECK(d.division_level.at("450102001003") == 5);
  CHECK(d.industry_level.at("0111") == 4);
  CHECK(d.industry_level.at("A") == 1);
  CHECK(d.villages.size() > 10000);
  CHECK(d.industry_classes.size() > 1000);
}

TEST_CASE("generator is deterministic", "[differential]") {
  for (const char* survey : {"basic_unit", "agri_village", "pop_change"}) {
    auto a = Generate(survey, 7, 50, Data());
    auto b = Generate(survey, 7, 50, Data());
    REQUIRE(a.size() == 50);
    for (size_t i = 0; i < a.size(); ++i) CHECK(EnvelopeToJson(a[i]) == EnvelopeToJson(b[i]));
  }
}

TEST_CASE("engine agrees with the reference catalogue on generated submissions", "[differential]") {
  auto compiled = CompileDirectory(kDefs);
  REQUIRE(compiled.program);
  Validator validator(compiled.program);
  const RefData& data = Data();
  const int kCount = Count();

  SECTION("basic_unit") {
    Tally t;
    for (const auto& env : Generate("basic_unit", Seed(20240101), kCount, data))
      Compare(env, FromReport(validator.Validate(env)), Check(env, nullptr, data), t);
    Summarize("basic_unit", t);
    CHECK(t.mismatches == 0);
  }

  SECTION("agri_village") {
    auto envs = Generate("agri_village", Seed(20240202), kCount, data);
    auto previous = GeneratePrevious(envs, Seed(20240203));
    PreviousSet set(compiled.program);
    std::map<std::pair<std::string, std::string>, Envelope> by_key;  // (division, period)
    for (const auto& p : previous) {
      set.Add(p);
      by_key[{p.division, p.period}] = p;
    }
    Tally t;
    for (const auto& env : envs) {
      const Envelope* prev = nullptr;
      auto it = by_key.find({env.division, std::to_string(std::stoi(env.period) - 1)});
      if (it != by_key.end()) prev = &it->second;
      Compare(env, FromReport(validator.Validate(env, &set)), Check(env, prev, data), t);
    }
    Summarize("agri_village", t);
    std::cout << "  previous-year reports: " << previous.size() << "\n";
    CHECK(t.mismatches == 0);
  }

  SECTION("pop_change") {
    Tally t;
    for (const auto& env : Generate("pop_change", Seed(20240303), kCount, data))
      Compare(env, FromReport(validator.Validate(env)), Check(env, nullptr, data), t);
    Summarize("pop_change", t);
    CHECK(t.mismatches == 0);
  }
}

// The plain-record path of Validator::ValidateText against the document path
// (DecodeRecordText, then Validate): the same report, byte for byte, for every record,
// plain or not. The texts are the generated submissions and variants of them that must
// leave the plain path (member order, numbers for ids, explanations, escapes, duplicates,
// trailing content) or stay on it (spaces).
TEST_CASE("the plain-record path gives the document path's reports", "[differential][plain]") {
  auto compiled = CompileDirectory(kDefs);
  REQUIRE(compiled.program);
  const RefData& data = Data();
  auto replace_first = [](std::string s, const std::string& from, const std::string& to) {
    size_t at = s.find(from);
    if (at != std::string::npos) s.replace(at, from.size(), to);
    return s;
  };
  auto replace_all = [](std::string s, const std::string& from, const std::string& to) {
    for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) s.replace(at, from.size(), to);
    return s;
  };
  auto variants = [&](const std::string& t) {
    std::vector<std::string> v = {t};
    v.push_back(replace_all(replace_all(t, "\":", "\" : "), ",\"", ", \""));             // spaces
    v.push_back(replace_first(t, "\"id\":\"", "\"id\":12345,\"was\":\""));             // a number id, an extra member
    v.push_back(t.substr(0, t.size() - 1) + ",\"explanations\":{\"AG-W01\":\"说明\"}}");  // explanations
    v.push_back(replace_all(t, "广西", "\\u5e7f\\u897f"));                              // escapes
    v.push_back(t + " x");                                                              // trailing content
    v.push_back(replace_first(t, "\"data\":{", "\"data\":{\"name\":\"甲\","));          // a duplicate key, maybe
    v.push_back(replace_first(t, "\"data\":{", "\"data\":{\"no_such_field\":1,"));     // an unknown field
    v.push_back(replace_all(t, ":null", ":\"\""));                                      // empty strings for nulls
    v.push_back(replace_first(t, "\"survey\":", "\"survey\":\"x\",\"survey2\":"));     // an unknown survey
    // data before survey
    size_t d = t.find(",\"data\":");
    if (d != std::string::npos) v.push_back("{\"data\":" + t.substr(d + 8, t.size() - d - 9) + "," + t.substr(1, d - 1) + "}");
    return v;
  };
  int plain = 0, total = 0;
  std::map<std::string, int> plain_by_survey;
  for (bool messages : {true, false}) {
    for (Lang lang : {Lang::kZh, Lang::kEn}) {
      Validator validator(compiled.program, lang);
      validator.set_messages(messages);
      for (const char* survey : {"basic_unit", "agri_village", "pop_change"}) {
        auto envs = Generate(survey, Seed(777), messages && lang == Lang::kZh ? 1500 : 200, data);
        PreviousSet previous(compiled.program);
        for (auto& p : GeneratePrevious(envs, Seed(778))) previous.Add(p);
        for (const auto& env : envs) {
          for (const std::string& text : variants(EnvelopeToJson(env))) {
            for (const PreviousSource* prev : {static_cast<const PreviousSource*>(nullptr), static_cast<const PreviousSource*>(&previous)}) {
              std::string padded = text;
              padded.reserve(text.size() + 64);
              std::vector<std::string> slow, fast;
              DecodeRecordText("f.jsonl", padded, padded.capacity(), 7,
                               [&](Envelope e) { slow.push_back(ReportToJson(validator.Validate(e, prev)) + "@" + std::to_string(e.line)); },
                               [&](Report r) { slow.push_back(ReportToJson(r) + "@" + std::to_string(r.line)); }, lang);
              validator.ValidateText("f.jsonl", padded, padded.capacity(), 7, prev, [&](const Report& r) {
                fast.push_back(ReportToJson(r) + "@" + std::to_string(r.line) + (r.file == "f.jsonl" ? "" : " file " + r.file));
              });
              Report r;
              if (validator.ValidatePlainText("f.jsonl", padded, padded.capacity(), 7, prev, &r)) {
                ++plain;
                REQUIRE(slow.size() == 1);
                CHECK(ReportToJson(r) + "@" + std::to_string(r.line) == slow[0]);
                ++plain_by_survey[survey];
              }
              INFO(text);
              REQUIRE(fast == slow);
              ++total;
            }
          }
        }
      }
    }
  }
  // Both paths were taken, the plain one for most records of the surveys without rosters.
  INFO("plain " << plain << " of " << total);
  CHECK(total > 50000);
  CHECK(plain > total / 10);
  CHECK(plain_by_survey["basic_unit"] > 0);
  CHECK(plain_by_survey["agri_village"] > 0);
  CHECK(plain_by_survey["pop_change"] == 0);  // it has a roster
}
