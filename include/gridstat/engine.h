// Compiling definitions into a Program.
//
//   auto result = gridstat::CompileDirectory("definitions/guangxi");
//   if (!result.program) { for (auto& d : result.diagnostics) ...; }
//   gridstat::Validator v(result.program);          // see validate.h
//
// A Program is immutable once built: share the shared_ptr between threads and
// evaluate without locks. It owns its reference data and compiled patterns.
// Definitions are data: compiling the same files always gives the same Program
// and the same hash.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gridstat/diagnostic.h"

namespace gridstat {

namespace compile { struct Program; }
using Program = compile::Program;

struct CompileResult {
  std::shared_ptr<const Program> program;  // null when there were errors
  std::vector<Diagnostic> diagnostics;     // sorted by position, capped
  // Every file read, by path relative to the definitions root (.gs and data files):
  // enough to compile the same Program again with CompileFiles.
  std::map<std::string, std::string> files;
  // The definitions could not be read (no such directory, no .gs file, an unreadable file or
  // entry): a failure of the surroundings, not a mistake in the definitions. The diagnostics
  // say which; the CLI exits 2 for it rather than 1.
  bool cannot_read = false;
};

// Compiles every *.gs file under `dir` (recursively, in path order). Reference
// data paths in the definitions are relative to `dir`.
CompileResult CompileDirectory(const std::string& dir);

struct SourceText {
  std::string path;  // shown in diagnostics
  std::string text;
};
// Compiles in-memory sources; reference data paths are relative to `data_dir`.
CompileResult CompileSources(const std::vector<SourceText>& sources, const std::string& data_dir);

// Compiles a set of files held in memory (relative path -> content), as stored
// for a definitions version. `display_root` prefixes paths in diagnostics.
CompileResult CompileFiles(const std::map<std::string, std::string>& files, const std::string& display_root = "");

// SHA-256 (hex) over every file the Program was built from, data files included.
const std::string& ProgramHash(const Program& p);
// Names of the surveys, in definition order.
std::vector<std::string> SurveyNames(const Program& p);
// Number of rules over all surveys.
size_t RuleCount(const Program& p);

}  // namespace gridstat
