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

MessageText DidYouMean(const std::string& c, std::string_view otherwise) {
  if (!c.empty()) return MessageBoth("did-you-mean", {{"name", c}});
  if (!otherwise.empty()) return MessageBoth(otherwise);
  return {};
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

void Compiler::Err(const Pos& pos, std::string_view key, MessageArgs args, MessageText hint) {
  diags.push_back(dsl::MakeDiag(module, pos, key, args, std::move(hint)));
}

void Compiler::ErrText(const Pos& pos, std::string_view key, MessageText text, MessageText hint) {
  diags.push_back(dsl::MakeDiagText(module, pos, key, std::move(text), std::move(hint)));
}

void Compiler::Warn(const Pos& pos, std::string_view key, MessageArgs args) {
  auto d = dsl::MakeDiag(module, pos, key, args);
  d.severity = Diagnostic::Severity::kWarning;
  diags.push_back(d);
}

void Compiler::DeclarePass() {
  std::unordered_map<std::string, Pos> seen;
  auto declare = [&](const dsl::Named& n, std::string_view key) {
    auto [it, fresh] = seen.emplace(n.name, n.pos);
    if (!fresh) {
      Err(n.pos, key, {{"name", n.name}},
          MessageBoth("duplicate/first-defined-hint", {{"line", std::to_string(it->second.line)}}));
      return false;
    }
    return true;
  };
  for (auto& s : module.surveys) declare(s.name, "duplicate/survey");
  for (auto& c : module.codes) declare(c.name, "duplicate/codes");
  for (auto& r : module.references) declare(r.name, "duplicate/reference");
  for (auto& rb : module.rules) {
    bool found = false;
    for (auto& s : module.surveys) found |= s.name.name == rb.survey.name;
    if (!found) {
      std::vector<std::string> names;
      for (auto& s : module.surveys) names.push_back(s.name.name);
      std::string c = Closest(rb.survey.name, names);
      Err(rb.survey.pos, "unknown-survey", {{"name", rb.survey.name}}, DidYouMean(c));
    }
  }
}

}  // namespace gridstat::compile
