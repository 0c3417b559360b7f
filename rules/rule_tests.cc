#include "gridstat/rule_tests.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

#include "common/decimal.h"
#include "common/text.h"
#include "engine/refdata.h"
#include "gridstat/validate.h"

namespace gridstat {
namespace {

// Writes a YAML node as JSON text, keeping scalars' quoting, so that the case goes
// through the same reader as real submissions.
void ToJson(const YAML::Node& n, std::string* out, int depth) {
  if (depth > 64) throw std::runtime_error("nested too deeply");
  switch (n.Type()) {
    case YAML::NodeType::Null: case YAML::NodeType::Undefined: *out += "null"; return;
    case YAML::NodeType::Scalar: {
      const std::string& s = n.Scalar();
      if (n.Tag() != "!") {
        if (s == "null" || s == "~") { *out += "null"; return; }
        if (s == "true" || s == "false" || Decimal::Parse(s, true)) { *out += s; return; }
      }
      AppendJsonString(out, s);
      return;
    }
    case YAML::NodeType::Sequence: {
      *out += '[';
      bool first = true;
      for (const auto& x : n) { if (!first) *out += ','; first = false; ToJson(x, out, depth + 1); }
      *out += ']';
      return;
    }
    case YAML::NodeType::Map: {
      *out += '{';
      bool first = true;
      for (const auto& kv : n) {
        if (!first) *out += ',';
        first = false;
        AppendJsonString(out, kv.first.Scalar());
        *out += ':';
        ToJson(kv.second, out, depth + 1);
      }
      *out += '}';
      return;
    }
  }
}

}  // namespace
}  // namespace gridstat

#include "common/decimal.h"
#include "common/text.h"

namespace gridstat {

Result<std::vector<RuleTestResult>> RunRuleTests(const std::string& dir, std::shared_ptr<const Program> program) {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (it->is_regular_file() && name.size() > 10 && name.compare(name.size() - 10, 10, ".test.yaml") == 0)
      files.push_back(it->path().string());
  }
  if (ec) return Status::Io("cannot list " + dir + ": " + ec.message());
  std::sort(files.begin(), files.end());
  Validator validator(program);
  std::vector<RuleTestResult> results;
  for (const auto& file : files) {
    std::vector<YAML::Node> cases;
    YAML::Node base;
    try {
      YAML::Node root = YAML::LoadFile(file);
      if (root.IsMap() && root["cases"] && root["cases"].IsSequence()) {
        base = root["base"];
        for (const auto& c : root["cases"]) cases.push_back(c);
      } else if (root.IsSequence()) {
        for (const auto& c : root) cases.push_back(c);
      } else {
        RuleTestResult r;
        r.file = file;
        r.line = 1;
        r.problem = "测试文件应为用例列表,或含 base 与 cases 的映射 (a list of cases, or a map with base and cases)";
        results.push_back(r);
        continue;
      }
    } catch (const YAML::Exception& e) {
      RuleTestResult r;
      r.file = file;
      r.line = e.mark.line + 1;
      r.problem = "YAML: " + e.msg;
      results.push_back(r);
      continue;
    }
    for (const auto& c : cases) {
      RuleTestResult r;
      r.file = file;
      r.line = c.Mark().line + 1;
      try {
        r.name = c["name"] ? c["name"].as<std::string>() : "(unnamed)";
        if ((!c["submission"] && !base) || !c["expect"] || !c["expect"].IsSequence()) {
          r.problem = "用例需要 submission(或文件的 base)和 expect 列表 (needs a submission, or a base, and an expect list)";
          results.push_back(r);
          continue;
        }
        // A case without a full submission changes the file's base: members it names
        // replace the base's, and `data` entries replace (or, when null, remove) fields.
        YAML::Node submission;
        if (c["submission"]) {
          submission = c["submission"];
        } else {
          submission = YAML::Clone(base);
          for (const auto& kv : c) {
            std::string k = kv.first.Scalar();
            if (k == "name" || k == "expect" || k == "status" || k == "previous") continue;
            if (k == "data" && kv.second.IsMap()) {
              for (const auto& f : kv.second) {
                if (f.second.IsNull()) submission["data"].remove(f.first.Scalar());
                else submission["data"][f.first.Scalar()] = f.second;
              }
            } else {
              submission[k] = kv.second;
            }
          }
          if (!submission["id"]) submission["id"] = r.name;
        }
        for (const auto& e : c["expect"]) r.expected.push_back(e.as<std::string>());
        std::sort(r.expected.begin(), r.expected.end());
        r.expected.erase(std::unique(r.expected.begin(), r.expected.end()), r.expected.end());
        if (c["status"]) r.expected_status = c["status"].as<std::string>();
        // Each case goes through the real reader, as a one-record JSON file in memory.
        auto decode = [&](const YAML::Node& n, std::vector<Envelope>* out, std::vector<Report>* bad) {
          std::string json;
          ToJson(n, &json, 0);
          ReadSubmissionText(file, json, false,
                             [&](Envelope e) { e.file = file; e.line = r.line; out->push_back(std::move(e)); },
                             [&](Report rep) { bad->push_back(std::move(rep)); });
        };
        std::vector<Envelope> subs, prevs;
        std::vector<Report> bad;
        decode(submission, &subs, &bad);
        PreviousSet previous(program);
        if (c["previous"]) {
          std::vector<Report> ignored;
          decode(c["previous"], &prevs, &ignored);
          for (auto& p : prevs) previous.Add(std::move(p));
        }
        Report rep = !bad.empty() ? bad[0] : subs.empty() ? Report() : validator.Validate(subs[0], &previous);
        std::set<std::string> codes;
        for (auto& f : rep.findings) codes.insert(f.rule);
        r.actual.assign(codes.begin(), codes.end());
        r.actual_status = StatusName(rep.status);
        r.passed = r.actual == r.expected && (r.expected_status.empty() || r.expected_status == r.actual_status);
      } catch (const std::exception& e) {
        r.problem = std::string("用例格式错误 (malformed case): ") + e.what();
      }
      results.push_back(std::move(r));
    }
  }
  return results;
}

}  // namespace gridstat
