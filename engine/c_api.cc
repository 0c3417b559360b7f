#include "gridstat/c_api.h"

#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "gridstat/engine.h"
#include "gridstat/validate.h"

struct gs_program {
  std::shared_ptr<const gridstat::Program> program;
};

namespace {
char* Dup(const std::string& s) {
  char* p = static_cast<char*>(std::malloc(s.size() + 1));
  if (p) std::memcpy(p, s.c_str(), s.size() + 1);
  return p;
}
}  // namespace

extern "C" {

gs_program* gs_compile(const char* definitions_dir, char** error) {
  try {
    auto r = gridstat::CompileDirectory(definitions_dir ? definitions_dir : "");
    if (!r.program) {
      if (error) {
        std::string all;
        for (auto& d : r.diagnostics) all += gridstat::RenderDiagnosticJson(d, gridstat::Lang::kEn) + "\n";
        *error = Dup(all);
      }
      return nullptr;
    }
    if (error) *error = nullptr;
    return new gs_program{r.program};
  } catch (...) {
    if (error) *error = Dup("internal error\n");
    return nullptr;
  }
}

char* gs_validate(const gs_program* program, const char* text, size_t length, const char* lang) {
  try {
    gridstat::Lang l = lang && std::strcmp(lang, "en") == 0 ? gridstat::Lang::kEn : gridstat::Lang::kZh;
    if (!program) return Dup("");
    gridstat::Validator v(program->program, l);
    std::string out;
    auto emit = [&](const gridstat::Report& r) { out += gridstat::ReportToJson(r) + "\n"; };
    gridstat::ReadSubmissionText("<input>", std::string(text ? text : "", text ? length : 0), false,
                                 [&](gridstat::Envelope e) { emit(v.Validate(e)); }, emit, l);
    return Dup(out);
  } catch (...) {
    return nullptr;
  }
}

char* gs_program_hash(const gs_program* program) {
  return program ? Dup(gridstat::ProgramHash(*program->program)) : nullptr;
}

void gs_program_free(gs_program* program) { delete program; }
void gs_free(char* s) { std::free(s); }

}  // extern "C"
