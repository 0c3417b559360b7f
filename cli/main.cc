// gridstat: a thin command line over the public API in include/gridstat/.
// Data goes to stdout, diagnostics to stderr; exit codes are documented in README.md.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>

#include "gridstat/diagnostic.h"
#include "gridstat/engine.h"
#include "gridstat/rule_tests.h"
#include "gridstat/validate.h"

namespace {

using namespace gridstat;

constexpr int kExitOk = 0, kExitFindings = 1, kExitCannotRun = 2;

struct Common {
  std::string lang = "zh";
  std::string format = "text";
  Lang L() const { return lang == "en" ? Lang::kEn : Lang::kZh; }
  bool json() const { return format == "json"; }
};

void AddCommon(CLI::App* cmd, Common* c) {
  cmd->add_option("--lang", c->lang, "message language: zh (default) or en")->check(CLI::IsMember({"zh", "en"}));
  cmd->add_option("--format", c->format, "output format: text (default) or json")->check(CLI::IsMember({"text", "json"}));
}

void PrintDiagnostics(const std::vector<Diagnostic>& diags, const Common& c) {
  for (const auto& d : diags) {
    if (c.json()) std::cout << RenderDiagnosticJson(d, c.L()) << "\n";
    else std::cerr << RenderDiagnosticText(d, c.L());
  }
  std::cout.flush();
}

// Compiles, printing diagnostics; null when the definitions have errors.
std::shared_ptr<const Program> Compile(const std::string& dir, const Common& c, bool quiet_warnings) {
  auto r = CompileDirectory(dir);
  if (!r.program || !quiet_warnings) PrintDiagnostics(r.diagnostics, c);
  return r.program;
}

int RunCheck(const std::string& dir, const Common& c) {
  auto r = CompileDirectory(dir);
  PrintDiagnostics(r.diagnostics, c);
  if (r.program) return kExitOk;
  for (const auto& d : r.diagnostics)
    if (d.code == "no-definitions" || d.code == "unreadable") return kExitCannotRun;
  return kExitFindings;
}

int RunValidate(const std::string& defs, const std::vector<std::string>& previous_files,
                const std::vector<std::string>& files, const Common& c) {
  auto program = Compile(defs, c, true);
  if (!program) return kExitCannotRun;
  bool en = c.L() == Lang::kEn;
  int exit = kExitOk;
  PreviousSet previous(program);
  for (const auto& pf : previous_files) {
    // Earlier submissions are taken as accepted, as they stand: not validated.
    Status st = ReadSubmissions(pf, [&](Envelope e) { previous.Add(std::move(e)); }, [](Report) {}, c.L());
    if (!st.ok()) {
      std::cerr << (en ? "cannot read previous-period file: " : "无法读取上期数据文件: ") << pf << " (" << st.message() << ")\n";
      exit = kExitCannotRun;
    }
  }
  Validator validator(program, c.L());
  size_t counts[3] = {0, 0, 0};
  auto emit = [&](const Report& r) {
    counts[static_cast<int>(r.status)]++;
    if (r.status == Report::Status::kError && exit == kExitOk) exit = kExitFindings;
    if (c.json()) std::cout << ReportToJson(r) << "\n";
    else std::cout << ReportToText(r, c.L());
  };
  for (const auto& f : files) {
    Status st = ReadSubmissions(f, [&](Envelope e) { emit(validator.Validate(e, &previous)); }, emit, c.L());
    if (!st.ok()) {
      std::cerr << (en ? "cannot read input file: " : "无法读取输入文件: ") << f << " (" << st.message() << ")\n";
      exit = kExitCannotRun;
    }
  }
  std::cout.flush();
  if (!c.json()) {
    size_t total = counts[0] + counts[1] + counts[2];
    if (en)
      std::cerr << total << " submissions: " << counts[0] << " pass, " << counts[1] << " warning, " << counts[2] << " error\n";
    else
      std::cerr << "共 " << total << " 份: 通过 " << counts[0] << ",警告 " << counts[1] << ",错误 " << counts[2] << "\n";
  }
  return exit;
}

int RunTests(const std::string& dir, const Common& c) {
  auto program = Compile(dir, c, true);
  if (!program) return kExitCannotRun;
  auto results = RunRuleTests(dir, program);
  if (!results.ok()) {
    std::cerr << results.status().message() << "\n";
    return kExitCannotRun;
  }
  size_t passed = 0, failed = 0;
  bool en = c.L() == Lang::kEn;
  auto join = [](const std::vector<std::string>& v) {
    std::string s;
    for (auto& x : v) s += (s.empty() ? "" : ", ") + x;
    return s.empty() ? "(none)" : s;
  };
  for (const auto& r : *results) {
    if (r.passed) { ++passed; continue; }
    ++failed;
    std::cerr << r.file << ":" << r.line << ": " << (en ? "FAIL " : "未通过 ") << r.name << "\n";
    if (!r.problem.empty()) { std::cerr << "  " << r.problem << "\n"; continue; }
    std::cerr << (en ? "  expected: " : "  应触发: ") << join(r.expected);
    if (!r.expected_status.empty()) std::cerr << " (" << r.expected_status << ")";
    std::cerr << (en ? "\n  actual:   " : "\n  实际触发: ") << join(r.actual) << " (" << r.actual_status << ")\n";
  }
  std::cout << passed << " passed, " << failed << " failed\n";
  return failed == 0 ? kExitOk : kExitFindings;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"gridstat: survey definitions, validation rules and workflows for statistical grid work"};
  app.require_subcommand(1);
  Common common;

  std::string check_dir;
  auto* check = app.add_subcommand("check", "compile definitions and report problems");
  check->add_option("DIR", check_dir, "definitions directory")->required();
  AddCommon(check, &common);

  std::string defs;
  std::vector<std::string> previous, inputs;
  auto* validate = app.add_subcommand("validate", "validate submissions (JSON, JSON Lines or YAML)");
  validate->add_option("--defs", defs, "definitions directory")->required();
  validate->add_option("--previous", previous, "earlier periods' submissions, taken as accepted (repeatable)")
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  validate->add_option("FILE", inputs, "submission files")->required();
  AddCommon(validate, &common);

  std::string test_dir;
  auto* test = app.add_subcommand("test", "run the rule tests stored beside the definitions");
  test->add_option("DIR", test_dir, "definitions directory")->required();
  AddCommon(test, &common);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : kExitCannotRun;
  }
  try {
    if (*check) return RunCheck(check_dir, common);
    if (*validate) return RunValidate(defs, previous, inputs, common);
    if (*test) return RunTests(test_dir, common);
  } catch (const std::exception& e) {
    std::cerr << "gridstat: internal error: " << e.what() << "\n";
    return kExitCannotRun;
  }
  return kExitCannotRun;
}
