// The driver: collects the files, runs the passes in order (see compiler.h) and makes the
// Program, with its content hash, when no pass found an error. Pass 1, DeclarePass, is here
// too: it only records every name of every file, so that later passes may refer to any.
#include <algorithm>

#include "compile/compiler.h"
#include "common/files.h"

namespace gridstat::compile {

using dsl::Pos;

namespace {

size_t EditDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

}  // namespace

std::string Closest(const std::string& name, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_d = std::max<size_t>(2, name.size() / 3) + 1;
  for (const auto& c : candidates) {
    size_t d = EditDistance(name, c);
    if (d < best_d) { best_d = d; best = c; }
  }
  return best;
}

void Compiler::AddFile(const std::string& name, const std::string& content) {
  hash_parts_.push_back(name + "\t" + Sha256Hex(content));
  files[name] = content;
}

CompileResult Compiler::Finish() {
  // After a syntax error the tree is incomplete, and checking it would only add
  // confusing follow-on errors; other parse-time problems leave a usable tree.
  bool tree_complete = std::none_of(diags.begin(), diags.end(), [](const Diagnostic& d) {
    return d.code == "syntax" || d.code == "bad-character" || d.code == "unterminated-string" ||
           d.code == "invalid-utf8" || d.code == "file-too-large" || d.code == "internal" || d.code == "too-deep";
  });
  if (tree_complete) {
    DeclarePass();
    ReferenceDataPass();
    SurveyPass();
    RulePass();
    WorkflowPass();
  }
  CompileResult r;
  SortAndCap(&diags);
  r.diagnostics = std::move(diags);
  r.files = std::move(files);
  if (!HasErrors(r.diagnostics)) {
    std::sort(hash_parts_.begin(), hash_parts_.end());
    std::string all;
    for (auto& h : hash_parts_) all += h + "\n";
    prog_->hash = Sha256Hex(all);
    r.program = std::shared_ptr<const Program>(prog_.release());
  }
  return r;
}

void Compiler::Err(const Pos& pos, const std::string& code, const std::string& zh, const std::string& en,
                   const std::string& hzh, const std::string& hen) {
  diags.push_back(dsl::MakeDiag(module, pos, code, zh, en, hzh, hen));
}

void Compiler::Warn(const Pos& pos, const std::string& code, const std::string& zh, const std::string& en) {
  auto d = dsl::MakeDiag(module, pos, code, zh, en);
  d.severity = Diagnostic::Severity::kWarning;
  diags.push_back(d);
}

void Compiler::DeclarePass() {
  std::unordered_map<std::string, Pos> seen;
  auto declare = [&](const dsl::Named& n, const char* what_zh, const char* what_en) {
    auto [it, fresh] = seen.emplace(n.name, n.pos);
    if (!fresh) {
      Err(n.pos, "duplicate", std::string(what_zh) + "「" + n.name + "」重复定义",
          std::string(what_en) + " '" + n.name + "' is defined twice",
          "第一次定义在第 " + std::to_string(it->second.line) + " 行",
          "first defined at line " + std::to_string(it->second.line));
      return false;
    }
    return true;
  };
  for (auto& s : module.surveys) declare(s.name, "调查表", "survey");
  for (auto& c : module.codes) declare(c.name, "代码表", "code list");
  for (auto& r : module.references) declare(r.name, "参照表", "reference table");
  for (auto& rb : module.rules) {
    bool found = false;
    for (auto& s : module.surveys) found |= s.name.name == rb.survey.name;
    if (!found) {
      std::vector<std::string> names;
      for (auto& s : module.surveys) names.push_back(s.name.name);
      std::string c = Closest(rb.survey.name, names);
      Err(rb.survey.pos, "unknown-survey", "没有名为「" + rb.survey.name + "」的调查表",
          "no survey named '" + rb.survey.name + "'", c.empty() ? "" : "是不是「" + c + "」?",
          c.empty() ? "" : "did you mean '" + c + "'?");
    }
  }
}

}  // namespace gridstat::compile
