// The definition language front end: the input is one .gs file, parsed, checked and
// compiled beside the shipped reference data. Diagnostics are the expected outcome
// for most inputs; a crash, leak, sanitizer report or hang is a bug.
//
// An input starting with "#with-guangxi" (a comment to the language) is compiled
// together with the shipped definitions, so that fuzzed rules and workflows can
// refer to the shipped surveys. When the definitions compile, the sample submissions
// are validated against them: fuzzed rules then run, not only compile.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "fuzz/fuzz_common.h"
#include "gridstat/diagnostic.h"
#include "gridstat/engine.h"
#include "gridstat/validate.h"

namespace {

namespace fs = std::filesystem;
using namespace gridstat;

constexpr char kWithShipped[] = "#with-guangxi";

struct Shipped {
  std::map<std::string, std::string> data;  // data/*.csv, by path relative to the definitions
  std::map<std::string, std::string> gs;    // the shipped .gs files
  std::vector<Envelope> samples;
  std::vector<Envelope> accepted;  // the year before, for prev()
};

const Shipped& Load() {
  static const Shipped s = [] {
    Shipped s;
    const fs::path defs = fuzz::FuzzDefsDir();
    for (const auto& e : fs::directory_iterator(defs / "data"))
      s.data["data/" + e.path().filename().string()] = fuzz::ReadOrExit(e.path().string());
    for (const auto& e : fs::directory_iterator(defs))
      if (e.path().extension() == ".gs") s.gs[e.path().filename().string()] = fuzz::ReadOrExit(e.path().string());
    if (s.gs.empty() || s.data.empty()) {
      std::fprintf(stderr, "fuzz set-up: no definitions in %s\n", defs.c_str());
      std::exit(2);
    }
    const fs::path src = fuzz::SourceDir();
    for (const char* f : {"examples/submissions/agri_2021.jsonl", "examples/submissions/basic_unit_2024-06.json",
                          "examples/submissions/pop_change_2023.yaml", "examples/submissions/agri_2020_accepted.jsonl"}) {
      auto* into = std::string(f).find("accepted") != std::string::npos ? &s.accepted : &s.samples;
      Status st = ReadSubmissions((src / f).string(), [&](Envelope e) { into->push_back(std::move(e)); }, [](Report) {});
      if (!st.ok()) {
        std::fprintf(stderr, "fuzz set-up: %s\n", st.message().c_str());
        std::exit(2);
      }
    }
    return s;
  }();
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Shipped& shipped = Load();
  std::string text(reinterpret_cast<const char*>(data), size);
  std::map<std::string, std::string> files = shipped.data;
  if (text.compare(0, sizeof kWithShipped - 1, kWithShipped) == 0) files.insert(shipped.gs.begin(), shipped.gs.end());
  files["fuzz.gs"] = std::move(text);

  CompileResult r = CompileFiles(files, "fuzz");
  for (const auto& d : r.diagnostics) {
    RenderDiagnosticText(d, Lang::kZh);
    RenderDiagnosticJson(d, Lang::kEn);
  }
  if (!r.program) {
    if (!HasErrors(r.diagnostics)) fuzz::Fail("no program, yet no error diagnostic");
    return 0;
  }
  ProgramHash(*r.program);
  RuleCount(*r.program);
  std::vector<std::string> surveys = SurveyNames(*r.program);

  Validator validator(r.program, Lang::kEn);
  PreviousSet previous(r.program);
  for (const auto& env : shipped.accepted) previous.Add(env);
  for (const auto& name : surveys) {  // an empty record: every field missing
    Envelope env;
    env.id = "fuzz";
    env.survey = name;
    env.period = "2021";
    env.division = "450123100201";
    env.data.kind = Doc::Kind::kObject;
    ReportToJson(validator.Validate(env, &previous));
  }
  for (const auto& env : shipped.samples) {
    Report rep = validator.Validate(env, &previous);
    ReportToJson(rep);
    ReportToText(rep, Lang::kZh);
  }
  return 0;
}
