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

namespace {

// One record as a pretty printer lays it out: `indent` before its own lines' content.
std::string Pretty(int i, const std::string& indent) {
  std::string n = std::to_string(i);
  return "{\n" + indent + "  \"id\": \"r" + n + "\",\n" + indent + "  \"survey\": \"t\",\n" + indent + "  \"period\": \"2021\",\n" +
         indent + "  \"division\": \"450102001003\",\n" + indent + "  \"data\": {\n" + indent + "    \"n\": " + n + ",\n" + indent +
         "    \"rows\": [\n" + indent + "      {\n" + indent + "        \"z\": \"a,{}\\\"\"\n" + indent + "      },\n" + indent +
         "      {\n" + indent + "        \"z\": [1, {\"w\": 2}]\n" + indent + "      }\n" + indent + "    ]\n" + indent + "  }\n" + indent + "}";
}

struct Layout {
  std::string text;
  std::vector<size_t> begin, end;  // each record's '{' and one past its '}'
};

// kind 0: an array as Python's json.dump(indent=2) writes it; 1: objects one after another
// (jq); 2: an array with "}, {" between records (JavaScript style); 3: JSON Lines in an array.
Layout Make(int kind, int n) {
  Layout l;
  l.text = kind == 1 ? "" : kind == 2 ? "[" : "[\n";
  for (int i = 0; i < n; ++i) {
    std::string rec = kind == 0 ? Pretty(i, "  ") : kind == 3 ? Pretty(i, "") : Pretty(i, "");
    if (kind == 3) rec.erase(std::remove(rec.begin(), rec.end(), '\n'), rec.end());
    if (kind == 0 || kind == 3) l.text += kind == 0 ? "  " : "";
    l.begin.push_back(l.text.size());
    l.text += rec;
    l.end.push_back(l.text.size());
    bool last = i + 1 == n;
    if (kind == 0) l.text += last ? "\n]\n" : ",\n";
    if (kind == 1) l.text += "\n";
    if (kind == 2) l.text += last ? "]\n" : ", ";
    if (kind == 3) l.text += last ? "\n]\n" : ",\n";
  }
  return l;
}

int LineAt(const std::string& s, size_t off) { return 1 + static_cast<int>(std::count(s.begin(), s.begin() + static_cast<std::ptrdiff_t>(off), '\n')); }

}  // namespace

TEST_CASE("multi-line JSON: one broken record among many never takes another with it", "[reliability]") {
  std::mt19937 rng(20240615);
  const std::string noise = "{}[]\",:\\ \nx0";
  const int kRecords = 12;
  int broken_seen = 0, trials = 0;
  for (int kind = 0; kind < 4; ++kind) {
    Layout base = Make(kind, kRecords);
    {  // unbroken, every layout reads whole
      std::vector<std::string> ids;
      int bad = 0;
      REQUIRE(ReadSubmissionText("f.json", base.text, false, [&](Envelope e) { ids.push_back(*e.id); }, [&](Report) { ++bad; }).ok());
      CHECK(ids.size() == static_cast<size_t>(kRecords));
      CHECK(bad == 0);
    }
    for (int trial = 0; trial < 400; ++trial, ++trials) {
      int k = static_cast<int>(rng() % kRecords);
      std::string span = base.text.substr(base.begin[k], base.end[k] - base.begin[k]);
      std::string cut = span;
      size_t at = rng() % span.size();
      // In the "}, {" layout a record that loses its end (truncated, or a run lost across its
      // last line) shares a line with the next record's start; no line-based rule can tell
      // them apart (doc/language.md §7), so that layout gets single-byte faults only.
      int op = kind == 2 ? 1 + static_cast<int>(rng() % 3) : static_cast<int>(rng() % 5);
      switch (op) {
        case 0: cut = span.substr(0, at); break;                                   // truncated
        case 1: cut.erase(at, 1); break;                                          // a byte lost
        case 2: cut.insert(at, 1, noise[rng() % noise.size()]); break;            // a byte added
        case 3: cut[at] = noise[rng() % noise.size()]; break;                     // a byte changed
        default: cut.erase(at, 1 + rng() % 40); break;                             // a run lost
      }
      std::string text = base.text.substr(0, base.begin[k]) + cut + base.text.substr(base.end[k]);
      long shift = static_cast<long>(cut.size()) - static_cast<long>(span.size());
      // Where each record starts now, and the lines the broken one (and its separator) spans.
      std::vector<int> line(kRecords);
      for (int i = 0; i < kRecords; ++i)
        line[i] = LineAt(text, i <= k ? base.begin[i] : static_cast<size_t>(static_cast<long>(base.begin[i]) + shift));
      int k_first = line[k], k_last = LineAt(text, base.begin[k] + cut.size()) + 1;
      std::vector<int> seen(kRecords, 0);
      std::vector<std::string> strays;
      bool reported = false;
      REQUIRE(ReadSubmissionText(
                  "f.json", text, false,
                  [&](Envelope e) {
                    for (int i = 0; i < kRecords; ++i)
                      if (i != k && e.id == "r" + std::to_string(i) && e.line == line[i]) { ++seen[i]; return; }
                    if (e.line < k_first || e.line > k_last) strays.push_back("record " + e.id.value_or("?") + "@" + std::to_string(e.line));
                  },
                  [&](Report r) {
                    reported = true;
                    if (r.line < k_first || r.line > k_last) strays.push_back("report@" + std::to_string(r.line) + " " + r.findings[0].message);
                  })
                  .ok());
      broken_seen += reported;
      INFO("layout " << kind << ", record " << k << " broken as:\n" << cut);
      for (int i = 0; i < kRecords; ++i)
        if (i != k) CHECK(seen[i] == 1);
      CHECK(strays.empty());
      if (!strays.empty()) FAIL_CHECK(strays[0]);
    }
  }
  // Most corruptions break the record; those that do not (a changed digit) leave it readable.
  CHECK(broken_seen > trials / 2);
}

TEST_CASE("multi-line JSON: stray text and a missing comma are reported where they stand", "[reliability]") {
  auto read = [](const std::string& text) {
    std::vector<std::string> out;
    REQUIRE(ReadSubmissionText("f.json", text, false, [&](Envelope e) { out.push_back(*e.id + "@" + std::to_string(e.line)); },
                               [&](Report r) { out.push_back("line " + std::to_string(r.line) + ": " + r.findings[0].message); },
                               Lang::kEn)
                .ok());
    return out;
  };
  using V = std::vector<std::string>;
  std::string a = Pretty(0, "  "), b = Pretty(1, "  "), c = Pretty(2, "  ");
  // A missing comma: reported, and the record after it is still read.
  CHECK(read("[\n  " + a + "\n  " + b + ",\n  " + c + "\n]\n") ==
        V{"r0@2", "line 19: malformed JSON: expected ',' or ']'", "r1@19", "r2@36"});
  // A record whose closing brace is lost: reported on its own line, up to the next record.
  std::string a_open = a.substr(0, a.size() - 1);
  CHECK(read("[\n  " + a_open + ",\n  " + b + ",\n  " + c + "\n]\n") ==
        V{"line 2: malformed JSON: the next record begins on line 19 before this one ends; the record is taken to end before "
          "the next one, on line 19",
          "r1@19", "r2@36"});
  // An unclosed string in the first of several jq-style objects.
  std::string x = Pretty(0, ""), y = Pretty(1, "");
  x.replace(x.find("\"r0\""), 4, "\"r0");
  CHECK(read(x + "\n" + y + "\n") ==
        V{"line 1: malformed JSON: a string on line 2 is not closed; the record is taken to end before the next one, on line 18",
          "r1@18"});
  // Stray text between objects.
  CHECK(read(Pretty(0, "") + "\nxyz\n" + y + "\n") == V{"r0@1", "line 18: malformed JSON: unexpected 'x' between objects", "r1@19"});
}
