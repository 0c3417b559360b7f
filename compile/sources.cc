// Where the compiler's input comes from: the definition files of a directory (found
// recursively, read, each unreadable file or entry a diagnostic naming it), of an in-memory
// map, or given as texts; reference data files are loaded through the same Loader. Also the
// public entry points CompileDirectory, CompileFiles and CompileSources, and the accessors
// of an opaque Program.
#include <algorithm>
#include <filesystem>

#include "compile/compiler.h"
#include "common/files.h"

namespace gridstat {

namespace {

compile::Compiler::Loader DiskLoader(const std::string& root) {
  return [root](const std::string& rel) -> Result<std::string> {
    if (rel.find("..") != std::string::npos || (!rel.empty() && rel[0] == '/'))
      return Failure(Status::Code::kInvalid, "outside-definitions", {{"path", rel}});
    std::string path = (std::filesystem::path(root) / rel).string();
    auto data = gridstat::ReadFile(path, 256u << 20);
    if (!data.ok()) return Status::Io(path);
    return data;
  };
}

// A diagnostic about a file or directory as a whole: its message is the catalogue's `key`.
Diagnostic FileDiag(std::string_view key, const std::string& file, MessageArgs args = {}) {
  MessageText text = MessageBoth(key, args);
  Diagnostic d;
  d.code = std::string(MessageCode(key));
  d.file = file;
  d.message_zh = std::move(text.zh);
  d.message_en = std::move(text.en);
  return d;
}

}  // namespace

CompileResult CompileSources(const std::vector<SourceText>& sources, const std::string& data_dir) {
  compile::Compiler c(DiskLoader(data_dir));
  for (const auto& s : sources) {
    c.AddFile(s.path, s.text);
    dsl::ParseSource(&c.module, s.path, s.text, &c.diags);
  }
  return c.Finish();
}

CompileResult CompileFiles(const std::map<std::string, std::string>& files, const std::string& display_root) {
  compile::Compiler c([&files](const std::string& rel) -> Result<std::string> {
    auto it = files.find(rel);
    if (it == files.end()) return Status::NotFound(rel);
    return it->second;
  });
  for (const auto& [rel, text] : files) {
    if (rel.size() < 3 || rel.compare(rel.size() - 3, 3, ".gs") != 0) continue;
    c.AddFile(rel, text);
    dsl::ParseSource(&c.module, display_root.empty() ? rel : display_root + "/" + rel, text, &c.diags);
  }
  return c.Finish();
}

CompileResult CompileDirectory(const std::string& dir) {
  namespace fs = std::filesystem;
  CompileResult r;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    r.diagnostics.push_back(FileDiag("no-definitions", dir));
    r.cannot_read = true;
    return r;
  }
  std::vector<std::string> rels;
  // Nothing here may throw: a symbolic link loop or an unreadable entry is a diagnostic
  // naming the path, and the other files are still compiled.
  auto bad_entry = [&](const fs::path& p, const std::error_code& e) {
    r.diagnostics.push_back(FileDiag("unreadable/entry", p.string(), {{"reason", e.message()}}));
  };
  auto it = fs::recursive_directory_iterator(dir, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    std::error_code fec;
    bool regular = it->is_regular_file(fec);
    if (fec) {
      bad_entry(it->path(), fec);
      continue;
    }
    if (regular && it->path().extension() == ".gs") {
      std::string rel = fs::relative(it->path(), dir, fec).generic_string();
      if (fec) bad_entry(it->path(), fec);
      else rels.push_back(rel);
    }
  }
  if (ec) bad_entry(fs::path(dir), ec);
  std::sort(rels.begin(), rels.end());
  compile::Compiler c(DiskLoader(dir));
  for (auto& rel : rels) {
    std::string shown = (fs::path(dir) / rel).string();
    auto data = gridstat::ReadFile(shown, 64u << 20);
    if (!data.ok()) {
      r.diagnostics.push_back(FileDiag("unreadable/file", shown, {{"reason", data.status().message()}}));
      continue;
    }
    c.AddFile(rel, *data);
    dsl::ParseSource(&c.module, shown, std::move(*data), &c.diags);
  }
  // Only what could not be read is in r.diagnostics so far; the authors' mistakes are in c.
  if (!r.diagnostics.empty() || rels.empty()) {
    if (rels.empty() && r.diagnostics.empty())
      r.diagnostics.push_back(FileDiag("no-definitions/empty", dir));
    r.cannot_read = true;
    return r;
  }
  return c.Finish();
}

const std::string& ProgramHash(const Program& p) { return p.hash; }

std::vector<std::string> SurveyNames(const Program& p) {
  std::vector<std::string> names;
  for (auto& s : p.surveys) names.push_back(s.name);
  return names;
}

size_t RuleCount(const Program& p) {
  size_t n = 0;
  for (auto& s : p.surveys) n += s.rules.size();
  return n;
}

}  // namespace gridstat
