// The commands on definitions and submissions, without a store: check, validate, test.
#include <iostream>

#include "cli/cli.h"
#include "common/messages.h"
#include "common/text.h"
#include "gridstat/rule_tests.h"
#include "gridstat/validate.h"

namespace gridstat::cli {
namespace {

// ---- check ----------------------------------------------------------------------------------

struct CheckOptions {
  std::string dir;
};

int RunCheck(const CheckOptions& o, const Common& c) {
  auto r = CompileDirectory(o.dir);
  PrintDiagnostics(r.diagnostics, c);
  if (r.program) return kExitOk;
  return r.cannot_read ? kExitCannotRun : kExitFindings;
}

void AddCheck(Commands* cmds) {
  auto o = std::make_shared<CheckOptions>();
  auto* cmd = cmds->Add("check", kCmdCheck, Formats::kTextOrJson, [o](const Common& c) { return RunCheck(*o, c); });
  cmd->add_option("DIR", o->dir, H(kOptDefsDir))->required();
  AddCommon(cmd, cmds->common());
}

// ---- validate -------------------------------------------------------------------------------

struct ValidateOptions {
  std::string defs;
  std::vector<std::string> previous, files;
  int jobs = 1;
};

// At most this many ambiguous pairs of --previous records are named.
constexpr int kMaxConflictsShown = 20;

// Reads the --previous files into `previous`; false when two different records hold one
// survey, key and period (the run is refused). An unreadable file sets `exit`.
bool ReadPrevious(const ValidateOptions& o, const Validator& keys, PreviousSet* previous, int* exit, const Common& c) {
  int conflicts = 0;
  // Two different records for one survey, key and period: either could be the accepted
  // one, so cross-period rules could not be trusted. The run is refused, naming both.
  auto add_previous = [&](Envelope e) {
    std::string file = e.file, key = keys.RecordKey(e).value_or(""), survey = e.survey, period = e.period;
    int line = e.line;
    const Envelope* held = previous->Add(std::move(e));
    if (!held) return;
    if (++conflicts > kMaxConflictsShown) return;
    std::string there = EscapeControls(held->file) + ":" + std::to_string(held->line);
    std::string here = EscapeControls(file) + ":" + std::to_string(line);
    std::string what = EscapeControls(survey) + " " + EscapeControls(period) + " " + EscapeControls(key);
    std::cerr << Message(c.L(), "ambiguous_previous/pair", {{"what", what}, {"there", there}, {"here", here}}) << "\n";
  };
  for (const auto& pf : o.previous) {
    // Earlier submissions are taken as accepted, as they stand: not validated.
    Status st = ReadSubmissions(
        pf, add_previous,
        [&](Report r) {  // not fatal, but never silent: AG-W04 cannot use it
          std::string where = EscapeControls(r.file) + ":" + std::to_string(r.line);
          std::string problem = r.findings.empty() ? "" : EscapeControls(r.findings[0].message);
          std::cerr << Message(c.L(), "previous_skipped", {{"where", where}, {"problem", problem}}) << "\n";
        },
        c.L());
    if (!st.ok()) {
      std::cerr << Message(c.L(), "previous_unreadable",
                           {{"path", EscapeControls(pf)}, {"reason", EscapeControls(st.message(c.L()))}})
                << "\n";
      *exit = kExitCannotRun;
    }
  }
  if (conflicts == 0) return true;
  if (conflicts > kMaxConflictsShown)
    std::cerr << Message(c.L(), "ambiguous_previous/more", {{"count", std::to_string(conflicts - kMaxConflictsShown)}})
              << "\n";
  std::cerr << Message(c.L(), "ambiguous_previous/nothing_validated") << "\n";
  return false;
}

int RunValidate(const ValidateOptions& o, const Common& c) {
  auto program = Compile(o.defs, c);
  if (!program) return kExitCannotRun;
  int exit = kExitOk;
  PreviousSet previous(program);
  if (!ReadPrevious(o, Validator(program), &previous, &exit, c)) return kExitCannotRun;
  Validator validator(program, c.L());
  BatchOptions batch;
  batch.threads = o.jobs;
  // Without --previous there is nothing to look up: cross-period rules see no earlier report.
  batch.previous = o.previous.empty() ? nullptr : &previous;
  if (c.json()) batch.render = [](const Report& r, std::string* out) { *out += ReportToJson(r) + "\n"; };
  else batch.render = [lang = c.L()](const Report& r, std::string* out) { *out += ReportToText(r, lang); };
  batch.keep_reports = false;  // the command prints `rendered` and counts statuses
  batch.on_unreadable = [&](const std::string& path, const Status& st) {
    std::cout.flush();
    std::cerr << Message(c.L(), "input_unreadable",
                         {{"path", EscapeControls(path)}, {"reason", EscapeControls(st.message(c.L()))}})
              << "\n";
    exit = kExitCannotRun;
  };
  size_t counts[3] = {0, 0, 0};
  ValidateFiles(validator, o.files, batch, [&](const Report& r, std::string_view text) {
    counts[static_cast<int>(r.status)]++;
    std::cout << text;
  });
  if (counts[2] > 0 && exit == kExitOk) exit = kExitFindings;
  std::cout.flush();
  if (!c.json()) {
    std::cerr << Message(c.L(), "validate_summary",
                         {{"total", std::to_string(counts[0] + counts[1] + counts[2])},
                          {"pass", std::to_string(counts[0])},
                          {"warning", std::to_string(counts[1])},
                          {"error", std::to_string(counts[2])}})
              << "\n";
  }
  return exit;
}

void AddValidate(Commands* cmds) {
  auto o = std::make_shared<ValidateOptions>();
  auto* cmd =
      cmds->Add("validate", kCmdValidate, Formats::kTextOrJson, [o](const Common& c) { return RunValidate(*o, c); });
  cmd->add_option("--defs", o->defs, H(kOptDefsDir))->required();
  cmd->add_option("--previous", o->previous, H(kOptPrevious))
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("FILE", o->files, H(kOptSubmissionFiles))->required();
  cmd->add_option("--jobs", o->jobs, H(kOptJobs))->check(CLI::Range(1, 64));
  AddCommon(cmd, cmds->common());
}

// ---- test -----------------------------------------------------------------------------------

struct TestOptions {
  std::string dir;
};

int RunTest(const TestOptions& o, const Common& c) {
  auto program = Compile(o.dir, c);
  if (!program) return kExitCannotRun;
  auto results = RunRuleTests(o.dir, program);
  if (!results.ok()) {
    std::cerr << EscapeControls(results.status().message(c.L())) << "\n";
    return kExitCannotRun;
  }
  size_t passed = 0, failed = 0;
  auto join = [&](const std::vector<std::string>& v) {
    std::string s;
    for (auto& x : v) s += (s.empty() ? "" : ", ") + EscapeControls(x);
    return s.empty() ? Message(c.L(), "rule_test/none") : s;
  };
  for (const auto& r : *results) {
    if (r.passed) {
      ++passed;
      continue;
    }
    ++failed;
    std::string where = EscapeControls(r.file) + ":" + std::to_string(r.line);
    std::cerr << Message(c.L(), "rule_test/failed", {{"where", where}, {"name", EscapeControls(r.name)}}) << "\n";
    if (!r.problem.empty()) {
      std::cerr << "  " << EscapeControls(r.problem) << "\n";
      continue;
    }
    std::string status = r.expected_status.empty() ? "" : " (" + EscapeControls(r.expected_status) + ")";
    std::cerr << Message(c.L(), "rule_test/expected", {{"rules", join(r.expected)}, {"status", status}}) << "\n";
    std::cerr << Message(c.L(), "rule_test/actual",
                         {{"rules", join(r.actual)}, {"status", EscapeControls(r.actual_status)}})
              << "\n";
  }
  std::cout << Message(c.L(), "rule_test/summary",
                       {{"passed", std::to_string(passed)}, {"failed", std::to_string(failed)}})
            << "\n";
  return failed == 0 ? kExitOk : kExitFindings;
}

void AddTest(Commands* cmds) {
  auto o = std::make_shared<TestOptions>();
  auto* cmd = cmds->Add("test", kCmdTest, Formats::kTextOrJson, [o](const Common& c) { return RunTest(*o, c); });
  cmd->add_option("DIR", o->dir, H(kOptDefsDir))->required();
  AddCommon(cmd, cmds->common());
}

}  // namespace

void AddDefinitionCommands(Commands* cmds) {
  AddCheck(cmds);
  AddValidate(cmds);
  AddTest(cmds);
}

}  // namespace gridstat::cli
