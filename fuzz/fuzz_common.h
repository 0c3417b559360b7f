// Helpers shared by the fuzz targets: reading the shipped files they start from,
// a private scratch directory, and failing loudly when an invariant breaks.
#pragma once

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "gridstat/engine.h"

namespace gridstat::fuzz {

// A broken invariant is a finding: abort so that libFuzzer keeps the input.
[[noreturn]] inline void Fail(const std::string& what) {
  std::fprintf(stderr, "fuzz invariant broken: %s\n", what.c_str());
  std::fflush(stderr);
  std::abort();
}

// The targets need the repository's files; a missing one is a set-up error, not a finding
// (exit, not abort, so that no crash artifact is written).
inline std::string ReadOrExit(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    std::fprintf(stderr, "fuzz set-up: cannot read %s\n", path.c_str());
    std::exit(2);
  }
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

inline std::string SourceDir() { return GRIDSTAT_SOURCE_DIR; }

// The shipped definitions, compiled once per process.
inline std::shared_ptr<const Program> Shipped() {
  static const std::shared_ptr<const Program> p = [] {
    auto r = CompileDirectory(SourceDir() + "/definitions/guangxi");
    if (!r.program) {
      std::fprintf(stderr, "fuzz set-up: the shipped definitions do not compile\n");
      std::exit(2);
    }
    return r.program;
  }();
  return p;
}
// The shipped definitions with a reduced division tree (see CMakeLists.txt).
inline std::string FuzzDefsDir() { return GRIDSTAT_FUZZ_DEFS; }

// A directory of this process's own, for the targets that read files: under $TMPDIR
// (fuzz/run.sh points it at a directory in memory of its own, removed when the run
// ends, since a crashing process leaves its directory behind), else /dev/shm, so as
// not to write a file per input to disk, else /tmp. Removed at a normal exit.
inline const std::string& ScratchDir() {
  static const std::string dir = [] {
    namespace fs = std::filesystem;
    std::error_code ec;
    std::string base = "/tmp";
    if (const char* t = std::getenv("TMPDIR"); t && *t && fs::is_directory(t, ec)) base = t;
    else if (fs::is_directory("/dev/shm", ec) && access("/dev/shm", W_OK) == 0) base = "/dev/shm";
    std::string tmpl = base + "/gridstat-fuzz-XXXXXX";
    if (!mkdtemp(tmpl.data())) {
      std::perror("fuzz set-up: mkdtemp");
      std::exit(2);
    }
    static std::string removed_at_exit = tmpl;
    std::atexit([] {
      std::error_code e;
      std::filesystem::remove_all(removed_at_exit, e);
    });
    return tmpl;
  }();
  return dir;
}

inline void WriteOrExit(const std::string& path, const std::string& content) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (!f || !f.write(content.data(), static_cast<std::streamsize>(content.size())) || !f.flush()) {
    std::fprintf(stderr, "fuzz set-up: cannot write %s\n", path.c_str());
    std::exit(2);
  }
}

}  // namespace gridstat::fuzz
