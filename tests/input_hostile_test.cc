// Hostile input for the readers of issue 15: every YAML the project reads goes through
// one guarded reader, records are bounded one by one, and one broken record or document
// never takes the others with it.
#include <catch2/catch.hpp>

#include <chrono>
#include <regex>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "gridstat/engine.h"
#include "gridstat/rule_tests.h"
#include "gridstat/validate.h"
#include "input/yaml_reader.h"

using namespace gridstat;

namespace {

const char* kDefs = R"(
survey t "测试表" {
  period year
  key division
  field n "人数" integer
}
)";

std::shared_ptr<const Program> Defs() {
  static auto r = CompileSources({{"t.gs", kDefs}}, ".");
  REQUIRE(r.program);
  return r.program;
}

// Every record as "id@line" or "line N: message", in order.
std::vector<std::string> Read(const std::string& text, bool yaml) {
  std::vector<std::string> out;
  REQUIRE(ReadSubmissionText("in", text, yaml, [&](Envelope e) { out.push_back(*e.id + "@" + std::to_string(e.line)); },
                             [&](Report r) { out.push_back("line " + std::to_string(r.line) + ": " + r.findings[0].message); },
                             Lang::kEn).ok());
  return out;
}

std::string Yrec(const std::string& id) {
  return "- {id: " + id + ", survey: t, period: '2021', division: '450102001003', data: {}}\n";
}

// A 1 KB alias bomb: nine levels of ten aliases each, a billion nodes.
std::string Bomb(const std::string& indent = "") {
  std::string s = indent + "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  for (char k = 'b'; k <= 'j'; ++k) {
    s += indent + k + ": &" + k + " [";
    for (int i = 0; i < 10; ++i) s += std::string(i ? ", " : "") + "*" + static_cast<char>(k - 1);
    s += "]\n";
  }
  return s;
}

using V = std::vector<std::string>;

}  // namespace

TEST_CASE("input: an alias bomb in a rule test file is refused, quickly", "[reliability]") {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("gridstat-bomb-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  {
    std::ofstream f(dir / "bomb.test.yaml");
    f << "base:\n  id: b\n" << Bomb("  ") << "cases:\n  - {name: one, expect: []}\n";
  }
  auto start = std::chrono::steady_clock::now();
  auto results = RunRuleTests(dir.string(), Defs());
  auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  fs::remove_all(dir);
  REQUIRE(results.ok());
  REQUIRE(results->size() == 1);
  CHECK((*results)[0].problem.find("aliases") != std::string::npos);
  CHECK(seconds < 5);
}

TEST_CASE("input: the organisation file's guards are the submissions'", "[reliability]") {
  Status bomb = input::CheckYamlText("org.yaml", "users:\n" + Bomb("  "), true);
  CHECK(bomb.message().rfind("org.yaml:1: YAML aliases expand to over ", 0) == 0);
  CHECK(input::CheckYamlText("org.yaml", "users: [{id: a}, {id: b},]\n", true).message() ==
        "org.yaml:1: malformed YAML: a comma with no entry next to it in a flow collection (as in [a, b,])");
  CHECK(input::CheckYamlText("org.yaml", std::string("users:\n  - {id: a\0}\n", 19), true).message() ==
        "org.yaml:2: a NUL byte, which YAML does not allow");
  CHECK(input::CheckYamlText("org.yaml", "\"\",\n", true).ok());  // one document only: yaml-cpp's loop is in the next
  CHECK(input::CheckYamlText("org.yaml", "users:\n  - {id: a, name: b}\n", true).ok());
}

TEST_CASE("input: YAML budgets are per record", "[reliability]") {
  // A document whose first record is a bomb: the plain records after it are read.
  std::string yaml = "- {id: b, survey: t, period: '2021', division: '450102001003', data: {a: &a [1,1,1,1,1,1,1,1,1,1], "
                     "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a], c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b], d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c], "
                     "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d], f: [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]}}\n";
  for (int i = 0; i < 5; ++i) yaml += Yrec("p" + std::to_string(i));
  CHECK(Read(yaml, true) == V{"line 1: YAML aliases expand to over 250,000 nodes in one record", "p0@2", "p1@3", "p2@4", "p3@5", "p4@6"});
}

TEST_CASE("input: one YAML syntax error costs its document only", "[reliability]") {
  std::string yaml = Yrec("a") + "- {id: [unclosed\n" + Yrec("lost") + "---\n" + Yrec("b") + "...\n" + Yrec("c");
  auto r = Read(yaml, true);
  REQUIRE(r.size() == 4);
  CHECK(r[0] == "a@1");
  CHECK(r[1].rfind("line 5: malformed YAML: ", 0) == 0);  // where yaml-cpp gave up, past the marker
  CHECK(r[1].find("the rest of this document was not read") != std::string::npos);
  CHECK(r[2] == "b@5");
  CHECK(r[3] == "c@7");
  // Invalid UTF-8 and NUL bytes: the same, at their line.
  r = Read(Yrec("a") + "- {id: \xff}\n---\n" + Yrec("b"), true);
  REQUIRE(r.size() == 3);
  CHECK(r[1].rfind("line 2: invalid UTF-8", 0) == 0);
  CHECK(r[2] == "b@4");
}

TEST_CASE("input: lone CR line ends", "[reliability]") {
  auto cr = [](std::string s) {
    for (char& c : s) if (c == '\n') c = '\r';
    return s;
  };
  CHECK(Read(cr(Yrec("a") + Yrec("b") + "---\n" + Yrec("c")), true) == V{"a@1", "b@2", "c@4"});
  const std::string j = R"({"id":"ID","survey":"t","period":"2021","division":"450102001003","data":{}})";
  auto rec = [&](const char* id) { return std::regex_replace(j, std::regex("ID"), id); };
  CHECK(Read(rec("a") + "\r" + rec("b") + "\r\r" + rec("c") + "\r\n" + rec("d") + "\n", false) == V{"a@1", "b@2", "c@4", "d@5"});
  CHECK(Read("[\r" + rec("a") + ",\r" + rec("b") + "\r]\r", false) == V{"a@2", "b@3"});
}

TEST_CASE("input: a comma with no entry in a YAML flow collection is refused", "[reliability]") {
  for (const char* bad : {"[1, 2,]", "[1,,2]", "[,1]", "{n: 1,}", "{n: 1, , m: 2}"}) {
    INFO(bad);
    std::string yaml = "- {id: x, survey: t, period: '2021', division: '450102001003',\n   data: {n: 1, l: " + std::string(bad) + "}}\n" + Yrec("y");
    auto r = Read(yaml, true);
    REQUIRE(r.size() == 2);
    CHECK(r[0].rfind("line 2: ", 0) == 0);
    CHECK(r[1] == "y@3");
    if (std::string(bad) != "{n: 1, , m: 2}")  // yaml-cpp itself sees an empty key there
      CHECK(r[0] == "line 2: malformed YAML: a comma with no entry next to it in a flow collection (as in [a, b,])");
  }
  // Commas inside quoted text and comments are text.
  CHECK(Read("- {id: x, survey: t, period: '2021', division: '450102001003', data: {s: 'a,]', u: \"b,}\"}}\n", true) == V{"x@1"});
  CHECK(Read("- {id: x, survey: t, # a, ]\n   period: '2021', division: '450102001003', data: {}}\n", true) == V{"x@1"});
}

TEST_CASE("input: deep and long YAML never crashes", "[reliability]") {
  std::string deep_block;
  for (int i = 0; i < 100000; ++i) deep_block += "- ";
  deep_block += "x\n";
  auto r = Read(deep_block + "---\n" + Yrec("after"), true);
  REQUIRE(r.size() == 2);
  CHECK(r[1] == "after@3");
  auto f = Read(std::string(100000, '[') + "\n---\n" + Yrec("after"), true);
  REQUIRE(f.size() == 2);
  CHECK(f[0].rfind("line 1: YAML nested too deeply", 0) == 0);
  CHECK(f[1] == "after@3");
  std::string wide = "- {id: w, survey: t, period: '2021', division: '450102001003', data: {l: [";
  for (int i = 0; i < 200000; ++i) wide += "1,";
  auto w = Read(wide + "1]}}\n---\n" + Yrec("after"), true);
  REQUIRE(w.size() == 2);
  CHECK(w[0].find("over 100,000 flow collection entries on one line") != std::string::npos);
  CHECK(w[1] == "after@3");
}

TEST_CASE("input: a symbolic link loop in the definitions directory is a diagnostic", "[reliability]") {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("gridstat-loop-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  { std::ofstream(dir / "t.gs") << kDefs; }
  std::error_code ec;
  fs::create_symlink(dir / "loop", dir / "loop", ec);
  REQUIRE_FALSE(ec);
  CompileResult r;
  REQUIRE_NOTHROW(r = CompileDirectory(dir.string()));
  fs::remove_all(dir);
  CHECK_FALSE(r.program);
  REQUIRE_FALSE(r.diagnostics.empty());
  CHECK(r.diagnostics[0].code == "unreadable");
  CHECK(r.diagnostics[0].file == (dir / "loop").string());
  CHECK(r.cannot_read);  // the surroundings failed, not the author
}

TEST_CASE("definitions: what could not be read is told apart from the authors' mistakes", "[input][hostile]") {
  namespace fs = std::filesystem;
  CHECK(CompileDirectory("/no/such/definitions").cannot_read);
  auto empty = fs::temp_directory_path() / ("gridstat-empty-defs-" + std::to_string(::getpid()));
  fs::create_directories(empty);
  auto none = CompileDirectory(empty.string());
  fs::remove_all(empty);
  CHECK(none.cannot_read);
  REQUIRE(!none.diagnostics.empty());
  CHECK(none.diagnostics[0].code == "no-definitions");
  auto broken = CompileDirectory(std::string(GRIDSTAT_SOURCE_DIR) + "/tests/cli/broken");
  CHECK_FALSE(broken.program);
  CHECK_FALSE(broken.cannot_read);
  auto shipped = CompileDirectory(std::string(GRIDSTAT_SOURCE_DIR) + "/definitions/guangxi");
  CHECK(shipped.program);
  CHECK_FALSE(shipped.cannot_read);
}
