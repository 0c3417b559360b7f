#include "gridstat/diagnostic.h"

#include <algorithm>
#include <tuple>

#include "common/messages.h"
#include "common/text.h"

namespace gridstat {

void SortAndCap(std::vector<Diagnostic>* diags, size_t cap) {
  std::stable_sort(diags->begin(), diags->end(), [](const Diagnostic& a, const Diagnostic& b) {
    return std::tie(a.file, a.line, a.col) < std::tie(b.file, b.line, b.col);
  });
  // The same problem found twice at one place is reported once.
  diags->erase(std::unique(diags->begin(), diags->end(),
                           [](const Diagnostic& a, const Diagnostic& b) {
                             return a.file == b.file && a.line == b.line && a.col == b.col &&
                                    a.code == b.code && a.message_en == b.message_en;
                           }),
               diags->end());
  if (diags->size() > cap) {
    size_t dropped = diags->size() - cap;
    diags->resize(cap);
    Diagnostic more;
    MessageText text = MessageBoth("too-many-errors", {{"n", std::to_string(dropped)}});
    more.code = "too-many-errors";
    more.message_zh = std::move(text.zh);
    more.message_en = std::move(text.en);
    diags->push_back(more);
  }
}

std::string RenderDiagnosticText(const Diagnostic& d, Lang lang) {
  std::string out;
  if (!d.file.empty()) {
    out += EscapeControls(d.file);
    if (d.line > 0) out += ":" + std::to_string(d.line) + ":" + std::to_string(d.col);
    out += ": ";
  }
  out += d.severity == Diagnostic::Severity::kError ? "error[" : "warning[";
  out += d.code + "]: " + EscapeControls(d.message(lang)) + "\n";
  if (d.line > 0 && !d.source_line.empty()) {
    std::string shown = EscapeControls(d.source_line);
    // Tabs are shown as one space so that the caret lines up.
    std::replace(shown.begin(), shown.end(), '\t', ' ');
    std::string gutter = std::to_string(d.line) + " | ";
    out += gutter + shown + "\n";
    std::string before = EscapeControls(
        CodePointPrefix(d.source_line, d.col > 0 ? static_cast<size_t>(d.col - 1) : 0));
    out += std::string(gutter.size() - 2, ' ') + "| " + std::string(DisplayWidth(before), ' ') + "^\n";
  }
  if (!d.hint(lang).empty())
    out += "  " + Message(lang, "diagnostic-hint") + ": " + EscapeControls(d.hint(lang)) + "\n";
  return out;
}

std::string RenderDiagnosticJson(const Diagnostic& d, Lang lang) {
  std::string out = "{\"code\":";
  AppendJsonString(&out, d.code);
  out += ",\"severity\":";
  out += d.severity == Diagnostic::Severity::kError ? "\"error\"" : "\"warning\"";
  out += ",\"file\":";
  AppendJsonString(&out, d.file);
  out += ",\"line\":" + std::to_string(d.line) + ",\"col\":" + std::to_string(d.col) + ",\"message\":";
  AppendJsonString(&out, d.message(lang));
  out += ",\"hint\":";
  if (d.hint(lang).empty()) out += "null"; else AppendJsonString(&out, d.hint(lang));
  out += "}";
  return out;
}

bool HasErrors(const std::vector<Diagnostic>& diags) {
  for (const auto& d : diags)
    if (d.severity == Diagnostic::Severity::kError) return true;
  return false;
}

}  // namespace gridstat
