// ValidateFiles (include/gridstat/validate.h): the reports of every record of every file, in
// input order whatever the number of threads, malformed records in their places, unreadable
// files told in theirs, and with keep_reports = false the statuses and lines unchanged.
#include <catch2/catch.hpp>

#include <fstream>
#include <string>
#include <vector>

#include "gridstat/engine.h"
#include "gridstat/validate.h"
#include "tests/store_fixture.h"

using namespace gridstat;

namespace {

struct Run {
  std::vector<std::string> lines;
  std::vector<Report::Status> statuses;
  std::vector<std::string> unreadable;
  size_t findings = 0;
};

Run ValidateAll(const Validator& v, const std::vector<std::string>& paths, int threads, bool keep) {
  Run out;
  BatchOptions o;
  o.threads = threads;
  o.keep_reports = keep;
  o.render = [](const Report& r, std::string* text) { *text += ReportToJson(r) + "\n"; };
  o.on_unreadable = [&](const std::string& path, const Status&) { out.unreadable.push_back(path); };
  Status st = ValidateFiles(v, paths, o, [&](const Report& r, std::string_view line) {
    out.lines.emplace_back(line);
    out.statuses.push_back(r.status);
    out.findings += r.findings.size();
  });
  CHECK(st.ok() == out.unreadable.empty());
  return out;
}

}  // namespace

TEST_CASE("batch: reports come in input order with any number of threads, malformed ones in place", "[batch]") {
  auto compiled = CompileDirectory(std::string(GRIDSTAT_SOURCE_DIR) + "/definitions/guangxi");
  REQUIRE(compiled.program);
  Validator v(compiled.program);
  std::string dir = testing::FreshDir("batch");
  // 3,000 records over several batches: valid, with an error, and every 97th not JSON at all.
  std::string a = dir + "/a.jsonl", b = dir + "/b.jsonl";
  {
    std::ofstream fa(a), fb(b);
    for (int i = 0; i < 3000; ++i) {
      std::ofstream& f = i < 2000 ? fa : fb;
      if (i % 97 == 5) {
        f << "{\"id\": \"broken-" << i << "\", \"survey\": \n";
        continue;
      }
      std::string area = i % 3 == 0 ? "-5" : std::to_string(100 + i);
      f << "{\"id\":\"R" << i << "\",\"survey\":\"agri_village\",\"period\":\"2023\",\"division\":\"450123100201\","
        << "\"data\":{\"cultivated_land\":\"" << area << "\"}}\n";
    }
  }
  Run one = ValidateAll(v, {a, dir + "/missing.jsonl", b}, 1, true);
  REQUIRE(one.lines.size() == 3000);
  REQUIRE(one.unreadable == std::vector<std::string>{dir + "/missing.jsonl"});
  CHECK(one.findings > 0);
  // Every record in its place: the ids in the JSON lines run R0, R1, ... with the malformed
  // ones where they were.
  for (size_t i = 0; i < one.lines.size(); i += 250) {
    INFO(one.lines[i]);
    if (i % 97 == 5) CHECK(one.lines[i].find("\"envelope\"") != std::string::npos);
    else CHECK(one.lines[i].find("\"R" + std::to_string(i) + "\"") != std::string::npos);
  }
  for (int threads : {2, 3, 8}) {
    for (bool keep : {true, false}) {
      INFO("threads " << threads << " keep_reports " << keep);
      Run many = ValidateAll(v, {a, dir + "/missing.jsonl", b}, threads, keep);
      CHECK(many.lines == one.lines);
      CHECK(many.statuses == one.statuses);
      CHECK(many.unreadable == one.unreadable);
      // Dropped reports hold their status alone.
      CHECK(many.findings == (keep ? one.findings : 0));
    }
  }
}
