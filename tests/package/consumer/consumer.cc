// An embedder in C++, built against the installed tree through find_package(gridstat)
// (tests/package/run.sh), linked with the shared library (consumer) and the static one
// (consumer_static). Usage: consumer DEFINITIONS_DIR EXAMPLES_DIR WORK_DIR
#include <gridstat/c_api.h>
#include <gridstat/diagnostic.h>
#include <gridstat/document.h>
#include <gridstat/engine.h>
#include <gridstat/rule_tests.h>
#include <gridstat/status.h>
#include <gridstat/store.h>
#include <gridstat/validate.h>
#include <gridstat/version.h>

#include <iostream>
#include <map>
#include <string>
#include <vector>

namespace {

int failures = 0;

void Check(bool ok, const std::string& what) {
  if (!ok) {
    std::cerr << "FAIL: " << what << "\n";
    ++failures;
  }
}

// Every function of the public headers that is not inline, so that one missing from the
// shared library's export list (cmake/gridstat.map) fails to link.
void TakeAddresses() {
  using namespace gridstat;
  std::vector<const void*> fns = {
      reinterpret_cast<const void*>(&SortAndCap),
      reinterpret_cast<const void*>(&RenderDiagnosticText),
      reinterpret_cast<const void*>(&RenderDiagnosticJson),
      reinterpret_cast<const void*>(&HasErrors),
      reinterpret_cast<const void*>(&CompileDirectory),
      reinterpret_cast<const void*>(&CompileSources),
      reinterpret_cast<const void*>(&CompileFiles),
      reinterpret_cast<const void*>(&ProgramHash),
      reinterpret_cast<const void*>(&SurveyNames),
      reinterpret_cast<const void*>(&RuleCount),
      reinterpret_cast<const void*>(&RunRuleTests),
      reinterpret_cast<const void*>(&ReadSubmissions),
      reinterpret_cast<const void*>(&SplitSubmissions),
      reinterpret_cast<const void*>(&SplitSubmissionTexts),
      reinterpret_cast<const void*>(&DecodeRecordText),
      reinterpret_cast<const void*>(&DecodeRawRecord),
      reinterpret_cast<const void*>(&ReadSubmissionText),
      reinterpret_cast<const void*>(&ParseJsonDocument),
      reinterpret_cast<const void*>(&EnvelopeFromDoc),
      reinterpret_cast<const void*>(&ReportToJson),
      reinterpret_cast<const void*>(&ReportToText),
      reinterpret_cast<const void*>(&StatusName),
      reinterpret_cast<const void*>(&ValidateFiles),
      reinterpret_cast<const void*>(&VerifyExport),
      reinterpret_cast<const void*>(&OutcomeName),
      reinterpret_cast<const void*>(&GravestOutcome),
      reinterpret_cast<const void*>(&ActionResultJson),
      reinterpret_cast<const void*>(&VerifyJson),
      reinterpret_cast<const void*>(&Store::Create),
      reinterpret_cast<const void*>(&Store::Open),
      reinterpret_cast<const void*>(&Store::OpenReadOnly),
  };
  auto validate = &Validator::Validate;
  auto validate_text = &Validator::ValidateText;
  auto plain = &Validator::ValidatePlainText;
  auto key = &Validator::RecordKey;
  auto prev = &Validator::PreviousPeriod;
  auto add = &PreviousSet::Add;
  for (auto* f : fns) Check(f != nullptr, "a public function has no address");
  Check(validate && validate_text && plain && key && prev && add, "a public member function has no address");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: consumer DEFINITIONS_DIR EXAMPLES_DIR WORK_DIR\n";
    return 2;
  }
  std::string defs = argv[1], examples = argv[2], work = argv[3];
  TakeAddresses();
  Check(std::string(gs_version()) == GRIDSTAT_VERSION, "gs_version() and GRIDSTAT_VERSION differ");

  auto compiled = gridstat::CompileDirectory(defs);
  Check(compiled.program != nullptr, "the installed definitions do not compile");
  if (!compiled.program) return 1;
  Check(gridstat::ProgramHash(*compiled.program).size() == 64, "a program hash of 64 hex digits");
  auto tests = gridstat::RunRuleTests(defs, compiled.program);
  Check(tests.ok() && !tests->empty(), "the installed rule tests run");
  if (tests.ok())
    for (const auto& t : *tests) Check(t.passed, "installed rule test passes: " + t.name);

  // The batch, with the previous period: statuses by id.
  gridstat::PreviousSet previous(compiled.program);
  gridstat::Status st = gridstat::ReadSubmissions(
      examples + "/submissions/agri_2020_accepted.jsonl",
      [&](gridstat::Envelope e) { Check(previous.Add(std::move(e)) == nullptr, "no ambiguity in the previous period"); },
      [&](gridstat::Report) { Check(false, "a malformed previous record"); });
  Check(st.ok(), "read the previous period");
  gridstat::Validator v(compiled.program, gridstat::Lang::kEn);
  std::map<std::string, std::string> status;
  std::vector<std::string> rules_206;
  st = gridstat::ReadSubmissions(
      examples + "/submissions/agri_2021.jsonl",
      [&](gridstat::Envelope e) {
        gridstat::Report r = v.Validate(e, &previous);
        status[r.id.value_or("")] = gridstat::StatusName(r.status);
        if (r.id && *r.id == "AG-2021-450123100206")
          for (auto& f : r.findings) rules_206.push_back(f.rule);
      },
      [&](gridstat::Report r) { status[r.id.value_or("")] = r.malformed ? "malformed" : "?"; });
  Check(st.ok(), "read the batch");
  Check(status == std::map<std::string, std::string>{{"AG-2021-450123100201", "pass"},
                                                     {"AG-2021-450123100202", "error"},
                                                     {"AG-2021-450123100203", "warning"},
                                                     {"AG-2021-450123100204", "pass"},
                                                     {"AG-2021-450123100205", "error"},
                                                     {"AG-2021-450123100206", "warning"},
                                                     {"AG-2021-450123100207", "malformed"}},
        "the batch's statuses");
  Check(rules_206 == std::vector<std::string>{"AG-W01", "AG-W04"}, "206 has AG-W01 and, with the previous period, AG-W04");

  // A store: create, release to the villages of 城厢镇, verify.
  auto store = gridstat::Store::Create(work + "/consumer.db", defs, examples + "/org.yaml", gridstat::Lang::kEn);
  Check(store.ok(), "create a store: " + store.status().message());
  if (!store.ok()) return 1;
  auto released = (*store)->Release("region-45", "agri_village", "2021", "450123100000", "");
  size_t done = 0;
  for (auto& r : released) done += r.outcome == gridstat::Outcome::kDone && r.changed;
  Check(done >= 6 && done == released.size(), "release creates one instance per village");
  auto shown = (*store)->Show("agri_report/2021/450123100202", std::nullopt);
  Check(shown.ok() && shown->Find("state") && shown->Find("state")->text == "released", "the released instance is shown");
  gridstat::VerifyResult verified = (*store)->Verify();
  Check(verified.ok && verified.events > 0, "the store verifies");

  std::cout << "consumer (C++): " << (failures ? "FAILED" : "ok") << "\n";
  return failures ? 1 : 0;
}
