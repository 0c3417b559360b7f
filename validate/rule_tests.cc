#include "gridstat/rule_tests.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

#include "common/decimal.h"
#include "common/text.h"
#include "common/files.h"
#include "common/messages.h"
#include "gridstat/validate.h"
#include "input/yaml_reader.h"

namespace gridstat {
namespace {

// Rule test files are read whole, by the guarded YAML reader, within this size.
constexpr size_t kMaxTestFileBytes = size_t{16} << 20;

// Writes a decoded YAML value as JSON text, keeping what quoting decided (a quoted
// scalar is text, a plain one may be a number), so that the case goes through the same
// reader as real submissions.
void ToJson(const Doc& d, std::string* out) {
  switch (d.kind) {
    case Doc::Kind::kNull: *out += "null"; return;
    case Doc::Kind::kBool: *out += d.boolean ? "true" : "false"; return;
    case Doc::Kind::kNumber: *out += d.text; return;
    case Doc::Kind::kString: AppendJsonString(out, d.text); return;
    case Doc::Kind::kArray: {
      *out += '[';
      for (size_t i = 0; i < d.items.size(); ++i) {
        if (i) *out += ',';
        ToJson(d.items[i], out);
      }
      *out += ']';
      return;
    }
    case Doc::Kind::kObject: {
      *out += '{';
      for (size_t i = 0; i < d.members.size(); ++i) {
        if (i) *out += ',';
        AppendJsonString(out, d.members[i].first);
        *out += ':';
        ToJson(d.members[i].second, out);
      }
      *out += '}';
      return;
    }
  }
}

// The text of a scalar ("" for anything else).
std::string Text(const Doc* d) {
  if (!d) return {};
  if (d->kind == Doc::Kind::kBool) return d->boolean ? "true" : "false";
  return d->kind == Doc::Kind::kString || d->kind == Doc::Kind::kNumber ? d->text : std::string();
}

Doc* Member(Doc& d, const std::string& key) {
  for (auto& m : d.members)
    if (m.first == key) return &m.second;
  return nullptr;
}

void Set(Doc& d, const std::string& key, Doc value) {
  if (Doc* m = Member(d, key)) *m = std::move(value);
  else d.members.emplace_back(key, std::move(value));
}

// A rule test's problem, in both languages at once: "中文 (English)".
std::string Bilingual(const MessageText& t) { return t.zh + " (" + t.en + ")"; }

}  // namespace

Result<std::vector<RuleTestResult>> RunRuleTests(const std::string& dir, std::shared_ptr<const Program> program) {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    std::string name = it->path().filename().string();
    std::error_code fec;
    if (it->is_regular_file(fec) && name.size() > 10 && name.compare(name.size() - 10, 10, ".test.yaml") == 0)
      files.push_back(it->path().string());
  }
  if (ec) return Failure(Status::Code::kIo, "rule_tests_list", {{"dir", dir}, {"reason", ec.message()}});
  std::sort(files.begin(), files.end());
  Validator validator(program);
  std::vector<RuleTestResult> results;
  for (const auto& file : files) {
    auto fail = [&](int line, std::string problem) {
      RuleTestResult r;
      r.file = file;
      r.line = line;
      r.problem = std::move(problem);
      results.push_back(std::move(r));
    };
    auto text = gridstat::ReadFile(file, kMaxTestFileBytes);
    if (!text.ok()) {
      fail(1, text.status().message());
      continue;
    }
    Doc root;
    input::YamlProblem yp;
    if (!input::LoadYamlDocument(*text, &root, &yp)) {
      fail(yp.line, "YAML: " + Bilingual({yp.zh, yp.en}));
      continue;
    }
    std::vector<const Doc*> cases;
    const Doc* base = nullptr;
    const Doc* listed = root.kind == Doc::Kind::kObject ? root.Find("cases") : nullptr;
    if (listed && listed->kind == Doc::Kind::kArray) {
      base = root.Find("base");
      if (base && base->kind == Doc::Kind::kNull) base = nullptr;
      for (const auto& c : listed->items) cases.push_back(&c);
    } else if (root.kind == Doc::Kind::kArray) {
      for (const auto& c : root.items) cases.push_back(&c);
    } else {
      fail(1, Bilingual(MessageBoth("rule_test/not_cases")));
      continue;
    }
    for (const Doc* cp : cases) {
      const Doc& c = *cp;
      RuleTestResult r;
      r.file = file;
      r.line = c.line;
      const Doc* expect = c.kind == Doc::Kind::kObject ? c.Find("expect") : nullptr;
      const Doc* given = c.kind == Doc::Kind::kObject ? c.Find("submission") : nullptr;
      r.name = c.kind == Doc::Kind::kObject && c.Find("name") ? Text(c.Find("name")) : "(unnamed)";
      if ((!given && !base) || !expect || expect->kind != Doc::Kind::kArray) {
        r.problem = Bilingual(MessageBoth("rule_test/needs"));
        results.push_back(r);
        continue;
      }
      // A case without a full submission changes the file's base: members it names
      // replace the base's, and `data` entries replace (or, when null, remove) fields.
      Doc submission;
      if (given) {
        submission = *given;
      } else {
        submission = *base;
        if (submission.kind != Doc::Kind::kObject) submission = Doc{Doc::Kind::kObject};
        for (const auto& [k, v] : c.members) {
          if (k == "name" || k == "expect" || k == "status" || k == "previous") continue;
          Doc* data = Member(submission, "data");
          if (k == "data" && v.kind == Doc::Kind::kObject && data && data->kind == Doc::Kind::kObject) {
            for (const auto& [field, value] : v.members) {
              if (value.kind == Doc::Kind::kNull) {
                auto& m = data->members;
                m.erase(std::remove_if(m.begin(), m.end(), [&name = field](const auto& kv) { return kv.first == name; }), m.end());
              } else {
                Set(*data, field, value);
              }
            }
          } else {
            Set(submission, k, v);
          }
        }
        if (!Member(submission, "id")) {
          Doc id;
          id.kind = Doc::Kind::kString;
          id.text = r.name;
          Set(submission, "id", std::move(id));
        }
      }
      for (const auto& e : expect->items) r.expected.push_back(Text(&e));
      std::sort(r.expected.begin(), r.expected.end());
      r.expected.erase(std::unique(r.expected.begin(), r.expected.end()), r.expected.end());
      if (const Doc* st = c.Find("status")) r.expected_status = Text(st);
      // Each case goes through the real reader, as a one-record JSON file in memory.
      auto decode = [&](const Doc& n, std::vector<Envelope>* out, std::vector<Report>* bad) {
        std::string json;
        ToJson(n, &json);
        ReadSubmissionText(file, json, false,
                           [&](Envelope e) { e.file = file; e.line = r.line; out->push_back(std::move(e)); },
                           [&](Report rep) { bad->push_back(std::move(rep)); });
      };
      std::vector<Envelope> subs, prevs;
      std::vector<Report> bad;
      decode(submission, &subs, &bad);
      PreviousSet previous(program);
      if (const Doc* p = c.Find("previous")) {
        std::vector<Report> ignored;
        decode(*p, &prevs, &ignored);
        bool ambiguous = false;
        for (auto& pe : prevs) ambiguous = previous.Add(std::move(pe)) != nullptr || ambiguous;
        if (ambiguous) {
          r.problem = Bilingual(MessageBoth("rule_test/previous_ambiguous"));
          results.push_back(r);
          continue;
        }
      }
      Report rep = !bad.empty() ? bad[0] : subs.empty() ? Report() : validator.Validate(subs[0], &previous);
      std::set<std::string> codes;
      for (auto& f : rep.findings) codes.insert(f.rule);
      r.actual.assign(codes.begin(), codes.end());
      r.actual_status = StatusName(rep.status);
      r.passed = r.actual == r.expected && (r.expected_status.empty() || r.expected_status == r.actual_status);
      results.push_back(std::move(r));
    }
  }
  return results;
}

}  // namespace gridstat
